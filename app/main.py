"""create_app(): the FastAPI application with its lifespan, handlers and routers."""

import asyncio
import collections
import contextlib
import copy
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts
from fastapi_offline import FastAPIOffline
from pydantic.json_schema import models_json_schema

from app import __doc__ as app_doc
from app.api import router
from app.articles.preview import redact_logs
from app.auth import service as auth_service
from app.cache import keys as cache_keys
from app.cache.bus import bus_for
from app.cache.cache import ResponseCache
from app.cache.fast import FastPathMiddleware
from app.cache.middleware import ResponseCacheMiddleware
from app.config import Settings, SettingsError, get_settings
from app.db import Database, Timeouts, pool_use
from app.errors import UnhandledErrorMiddleware, install_error_handlers
from app.idempotency import IdempotencyMiddleware
from app.kit.examples import add_parameter_examples, restore_null_examples
from app.kit.middleware import BodyLimitMiddleware, HeadAsGetMiddleware
from app.kit.openapi import finish
from app.kit.openapi_links import add_links
from app.kit.query import forbid_unknown_query
from app.media import router as media_router
from app.media import storage as media_storage
from app.media.files import MediaFilesMiddleware
from app.media.upload import FORM_OVERHEAD
from app.ops import heap, logs, metrics, outage, tracing
from app.ops.logs import RequestLog
from app.ops.observe import ObserveMiddleware
from app.public.hot import HotPathMiddleware
from app.public.reads import HotReads
from app.public.site import Site
from app.ratelimit import RateLimitMiddleware, RateLimits
from app.replicas import ReplicaMiddleware, Replicas
from app.transfer import router as transfer
from app.transfer.jobs import ImportJobs
from app.webhooks.worker import Worker

API_VERSION = "2.0.0"
log = logging.getLogger("newsdesk")


def _add_body_models(schema: dict[str, Any]) -> None:
    """Request bodies a route reads itself (several content types on one operation) and
    names by `$ref` in its `openapi_extra`: their schemas, in the components."""
    _, definitions = models_json_schema(
        [(model, "validation") for model in (*media_router.BODY_MODELS, *transfer.BODY_MODELS)],
        ref_template="#/components/schemas/{model}",
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in definitions.get("$defs", {}).items():
        components.setdefault(name, definition)


# The contract, built once a process: it is made of the shared routes (app.api) and
# constants, so every app's is the same (a route an app adds itself, as a test may, is
# in no app's), and building it costs ~1 s.
_contract: dict[str, Any] | None = None


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The contract: FastAPI's document finished by `app.kit.openapi` (built once a
    process; each app has its own copy)."""
    global _contract
    if app.openapi_schema:
        return app.openapi_schema
    if _contract is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary="The content API of a trilingual (ua/en/ru) news site.",
            description=app.description,
            routes=router.routes,  # the shared ones: none of an app's own is in it
            tags=app.openapi_tags,
            servers=[{"url": "/", "description": "The server this document was read from."}],
            contact={
                "name": "Newsdesk",
                "url": "https://github.com/newsdesk/newsdesk",
                "email": "api@newsdesk.example",
            },
            license_info={"name": "MIT", "url": "https://opensource.org/license/mit"},
        )
        _add_body_models(schema)
        restore_null_examples(schema)
        add_parameter_examples(schema)
        _contract = add_links(finish(schema))
    app.openapi_schema = copy.deepcopy(_contract)
    return app.openapi_schema


def _sampler(app: FastAPI) -> Callable[[], None]:
    """What the metrics' gauges sample of this worker: its cache, its pools, its heap."""
    last = {"hit": 0, "miss": 0, "evicted": 0}

    def sample() -> None:
        cache: ResponseCache | None = app.state.response_cache
        if cache is not None:
            store = cache.store
            now = {"hit": store.hits, "miss": store.misses, "evicted": store.evictions}
            for result in ("hit", "miss"):
                metrics.CACHE_LOOKUPS.labels(result).inc(now[result] - last[result])
            metrics.CACHE_EVICTIONS.inc(now["evicted"] - last["evicted"])
            last.update(now)
            metrics.CACHE_BYTES.set(store.bytes)
            metrics.CACHE_ENTRIES.set(len(store))
        for pool, use in (("sessions", pool_use(app.state.db.engine)),
                          ("reads", app.state.hot.pool_use()),
                          ("searches", app.state.hot.pool_use(searches=True))):  # fmt: skip
            if use is not None:
                metrics.POOL_CONNECTIONS.labels(pool, "in_use").set(use[0])
                metrics.POOL_CONNECTIONS.labels(pool, "idle").set(use[1])
                metrics.POOL_LIMIT.labels(pool).set(use[2])
        metrics.GC_FROZEN.set(heap.frozen())

    return sample


def create_app(
    settings: Settings | None = None, *, span_exporter: Any = None, serving: bool = False
) -> FastAPI:
    """The application. `span_exporter` (an OpenTelemetry `SpanExporter`) takes the spans
    in place of the exporters `OTEL_TRACES_EXPORTER` names, when tracing is on (tests).
    `serving`: the app of a serving process (`app.main:app`), which takes what it made at
    start-up out of the garbage collector's walks (`app.ops.heap`)."""
    settings = settings or get_settings()
    traces = tracing.provider(exporter=span_exporter)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        await anyio.to_thread.run_sync(auth_service.dummy_hash)  # before the first login
        timeouts = Timeouts.of(settings)
        app.state.db = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            record_purges=settings.purge_url is not None,
            timeouts=timeouts,
        )
        if traces is not None:
            tracing.instrument_engine(app.state.db.engine, traces)
        app.state.hot = HotReads(
            app.state.db.engine,
            site=Site.of(settings),
            pool_size=settings.database_pool_size,
            timeouts=timeouts,
        )
        app.state.replicas = None
        if settings.database_replica_urls:
            app.state.replicas = Replicas.of(
                settings.database_replica_urls,
                settings.database_url,
                max_lag=settings.replica_max_lag_seconds,
                pool_size=settings.database_pool_size,
                timeouts=timeouts,
                site=app.state.hot.site,
            )
            if traces is not None:
                for replica in app.state.replicas.replicas:
                    tracing.instrument_engine(replica.engine, traces)
            await app.state.replicas.start()
        app.state.rate_limits = RateLimits(settings)
        await anyio.to_thread.run_sync(app.state.media_storage.check)
        app.state.response_cache = None
        if settings.cache == "on":
            app.state.response_cache = ResponseCache(
                app.state.db.engine,
                bus_for(settings.database_url, settings.redis_url, app.state.db.engine),
                max_bytes=settings.cache_max_bytes,
                ttl=settings.cache_ttl_seconds,
                refreshed=cache_keys.REFRESHED,
                refresh=settings.sitemap_refresh_seconds,
                # Replicas: a read is usable while at most the lag bound behind (a poll or
                # two more, and the request's own time).
                keep_purges=settings.replica_max_lag_seconds + 10
                if settings.database_replica_urls
                else 0.0,
            )
            await app.state.response_cache.start()
        app.state.imports = ImportJobs(app.state.db, app.state.response_cache)
        worker: asyncio.Task[None] | None = None
        if settings.worker_in_process:
            worker = asyncio.create_task(Worker(settings, app.state.db).run())
        sample = _sampler(app)
        metrics.RECORDER.samplers.append(sample)
        chores = [asyncio.create_task(metrics.RECORDER.move_every())]
        if request_log is not None:
            chores.append(asyncio.create_task(request_log.flush_every()))
        if serving:
            # The routes built now, not by the first requests (FastAPI builds them when one
            # first matches, ~0.3 s with the event loop held), and then left out of the
            # collector's walks with the rest.
            collections.deque(iter_route_contexts(app.routes), maxlen=0)
            heap.settle()
        try:
            yield
        finally:
            for chore in chores:
                chore.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await chore
            metrics.RECORDER.samplers.remove(sample)
            metrics.process_ended()
            await app.state.imports.close()  # each running job marks itself failed
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if app.state.response_cache is not None:
                await app.state.response_cache.stop()
            app.state.rate_limits.close()
            await app.state.hot.close()
            if app.state.replicas is not None:
                await app.state.replicas.stop()
            await app.state.db.dispose()
            if traces is not None:
                await anyio.to_thread.run_sync(tracing.shutdown, traces)

    # Swagger UI (/docs) and ReDoc (/redoc) with their scripts served from the installed
    # package (under /static-offline-docs), not a CDN: the docs work with no internet.
    app = FastAPIOffline(
        title="Newsdesk API",
        version=API_VERSION,
        description=(app_doc or "").strip()
        + " Public content per language under `/v1/{lang}/...`; management under "
        "`/v1/admin/...` with a bearer API key. Every error is RFC 9457 problem+json.",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry off: traces are app.ops.tracing's, metrics
        # app.ops.metrics' (its check of the global providers read the environment three
        # times a request, ~7 µs: more than a cached answer's own work).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        dependencies=[Depends(forbid_unknown_query)],
        openapi_tags=[
            {"name": "public", "description": "Published content; no credentials."},
            {"name": "languages", "description": "Languages content is published in."},
            {"name": "articles", "description": "Manage articles and translations."},
            {"name": "tags", "description": "Manage tags."},
            {"name": "categories", "description": "Manage categories."},
            {"name": "authors", "description": "Manage authors."},
            {"name": "media", "description": "Manage images."},
            {"name": "api-keys", "description": "Manage API keys."},
            {"name": "users", "description": "Manage users and their roles."},
            {"name": "auth", "description": "Log in and out."},
            {"name": "operations", "description": "Health and readiness."},
            {"name": "problems", "description": "What each error `type` means: the catalogue."},
            {"name": "audit", "description": "Who changed what: the audit log."},
            {"name": "transfer", "description": "Export and import the content (JSON Lines)."},
            {"name": "webhooks", "description": "Subscriptions to changes, and their deliveries."},
        ],
    )
    app.state.settings = settings
    app.state.media_storage = media_storage.from_settings(settings)
    request_log = (
        RequestLog(as_json=logs.json_mode(settings.log_format))
        if settings.access_log and settings.log_level.lower() in ("debug", "info", "trace")
        else None
    )
    redact_logs()  # preview tokens out of every log line, uvicorn's access log included
    install_error_handlers(app)
    # The domain routers as included once per process (app.api): their routes are built
    # on the first request of the process, not of each app. Nothing of the app reaches
    # them: what `FastAPI(...)` would give every route (dependencies, responses, limits)
    # goes on app.api's router, and `app.dependency_overrides` does not apply.
    app.router.routes.extend(router.routes)
    # Added innermost first; the request passes them in reverse order: cached answers,
    # request id, CORS, errors, HEAD, body limit, rate limit, idempotency, cache, hot
    # lane. Every answer made inside CORS (429, 413, 500 included) carries its headers,
    # and every answer at all an X-Request-ID and the security headers.
    app.add_middleware(HotPathMiddleware)  # inside the cache: it stores what this answers
    if settings.database_replica_urls:  # where a public read is made (app.replicas)
        app.add_middleware(ReplicaMiddleware)
    app.add_middleware(ResponseCacheMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        uploads={
            ("POST", "/v1/admin/media"): settings.media_max_bytes + FORM_OVERHEAD,
            ("POST", "/v1/admin/imports"): settings.import_max_bytes + FORM_OVERHEAD,
        },
    )
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(UnhandledErrorMiddleware, outage=outage.answer)
    app.add_middleware(MediaFilesMiddleware)  # /media/: files, before anything else is done
    cors: dict[str, Any] = {
        "allow_origins": settings.cors_origins,
        "allow_credentials": "*" not in settings.cors_origins,
        "allow_methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        "allow_headers": [
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        "expose_headers": [
            "ETag",
            "Link",
            "Location",
            "Retry-After",
            "X-Request-ID",
            "Content-Language",
        ],
    }
    app.add_middleware(CORSMiddleware, **cors)
    # The request id and security headers on every answer; times, counts and logs each
    # request.
    app.add_middleware(ObserveMiddleware, log=request_log, count=settings.metrics)
    # Outermost: cached public GETs answered before the rest, with what the layers above
    # would have added (app.cache.fast says why that is safe).
    app.add_middleware(FastPathMiddleware, cors=cors, log=request_log, count=settings.metrics)
    if traces is not None:
        tracing.instrument_app(app, traces)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def __getattr__(name: str) -> Any:
    # `app.main:app` for uvicorn, built on first access so importing has no side effects.
    if name == "app":
        try:
            application = create_app(serving=True)
        except SettingsError as exc:  # `uvicorn app.main:app` with a bad variable
            raise SystemExit(f"newsdesk: invalid settings\n{exc}") from None
        globals()["app"] = application
        return application
    raise AttributeError(name)
