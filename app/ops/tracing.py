"""OpenTelemetry tracing, switched on by the standard `OTEL_*` variables, off by default.

On when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`; comma-separated for
several), or when an OTLP endpoint is given (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: then `otlp`); `OTEL_SDK_DISABLED=true` keeps it off
whatever else is set. The SDK reads the rest itself: `OTEL_SERVICE_NAME` (default here
`newsdesk`) and `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`,
`OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT`, `OTEL_PROPAGATORS`.

What is traced: a span per request, named by method and route template, continuing the
caller's trace (`traceparent`), with its status; inside it, a span per SQL statement of
the ORM's engine (the statement without its parameters, and its quoted literals made
`'?'`, so no value a request sent). The
hot lane's single-query article reads are not (they bypass the ORM), nor is background
work (the delivery worker, the cache bus): a statement outside a request makes no span.

What a span never holds, as the request log: the path (a preview link's token is in its
path) or the query (a reader's search) — the URL attributes hold the route template —
nor the client's address; no header is captured.

Off, nothing is installed: no middleware, no listener, no cost per request.
"""

import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import event

from app.config import SettingsError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.sdk.trace.sampling import Sampler
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("newsdesk")
EXPORTERS = ("otlp", "console")
# Probes and scrapes: frequent, and of no interest in a trace.
EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"


def exporter_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the variables ask for; empty: tracing is off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if named:
        names = [n.strip() for n in named.split(",") if n.strip() and n.strip() != "none"]
    elif environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        names = ["otlp"]
    else:
        names = []
    for name in names:
        if name not in EXPORTERS:
            raise SettingsError(
                f"OTEL_TRACES_EXPORTER: got {name!r}; expected {', '.join(EXPORTERS)} or none"
            )
    return names


def provider(
    environ: Mapping[str, str] = os.environ, exporter: "SpanExporter | None" = None
) -> "TracerProvider | None":
    """A tracer provider sending to the exporters the variables name (or to `exporter`,
    for tests, when they name any); None when tracing is off."""
    names = exporter_names(environ)
    if not names:
        return None
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    attributes = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: "newsdesk"}
    # The sampler OTEL_TRACES_SAMPLER names (the SDK reads it), for requests only.
    chosen = TracerProvider(shutdown_on_exit=False).sampler
    traces = TracerProvider(
        resource=Resource.create(attributes), sampler=cast("Sampler", _InRequests(chosen))
    )
    if exporter is not None:
        traces.add_span_processor(SimpleSpanProcessor(exporter))
        return traces
    for name in names:
        if name == "console":
            traces.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            traces.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return traces


class _InRequests:  # an opentelemetry.sdk.trace.sampling.Sampler, imported only when on
    """A sampler: no span for a database statement outside a request; the rest as the
    configured sampler decides."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def should_sample(
        self, parent_context: Any, trace_id: int, name: str, kind: Any = None,
        attributes: Any = None, links: Any = None, trace_state: Any = None,
    ) -> Any:  # fmt: skip
        from opentelemetry.sdk.trace.sampling import Decision, SamplingResult
        from opentelemetry.trace import SpanKind, get_current_span

        parent = get_current_span(parent_context).get_span_context()
        if kind == SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"InRequests{{{self.inner.get_description()}}}"


_PATHS = ("http.target", "http.url", "url.full", "url.path")
_CLIENT = ("net.peer.ip", "client.address", "network.peer.address", "net.sock.peer.addr")
_PORTS = ("net.peer.port", "client.port", "network.peer.port", "net.sock.peer.port")


def _scrub(span: Any, scope: Any) -> None:
    """The URL attributes say the route template; the client is not named."""
    if not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    route = attributes.get("http.route") or "unmatched"
    for key in _PATHS:
        if key in attributes:
            span.set_attribute(key, route)
    if "url.query" in attributes:
        span.set_attribute("url.query", "")
    for key in _CLIENT:
        if key in attributes:
            span.set_attribute(key, "")
    for key in _PORTS:
        if key in attributes:
            span.set_attribute(key, 0)


def instrument_app(app: "FastAPI", traces: "TracerProvider") -> None:
    """A span per request, outside every other layer (the cache and the hot lane too)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        server_request_hook=_scrub,
        tracer_provider=traces,
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
    )


def instrument_engine(engine: "AsyncEngine", traces: "TracerProvider") -> None:
    """A span per SQL statement run through this engine."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    # The connection counts go nowhere: /metrics has the pools' own (app.ops.metrics).
    usage = NoOpMeterProvider().get_meter("newsdesk").create_up_down_counter("unused")
    EngineTracer(traces.get_tracer("newsdesk.db"), engine.sync_engine, usage)  # type: ignore[no-untyped-call]
    # After the tracer's own listener has started the span: literals out of its statement.
    event.listen(engine.sync_engine, "before_cursor_execute", _without_literals)


# A quoted SQL literal: the search's plan estimate on PostgreSQL inlines a reader's words.
_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _scrubbed(context: Any) -> None:
    span = getattr(context, "_otel_span", None)
    if span is None or not span.is_recording():
        return
    for key in ("db.statement", "db.query.text"):
        statement = (getattr(span, "attributes", None) or {}).get(key)
        if isinstance(statement, str) and "'" in statement:
            span.set_attribute(key, _LITERAL.sub("'?'", statement))


def _without_literals(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
                      executemany: bool) -> None:  # fmt: skip
    _scrubbed(context)


def shutdown(traces: "TracerProvider") -> None:
    """Send what is still batched; then stop."""
    try:
        traces.shutdown()
    except Exception:  # an exporter that cannot reach its collector at the end
        log.warning("traces still batched at shutdown were not all sent", exc_info=True)
