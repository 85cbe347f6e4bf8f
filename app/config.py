"""Settings from NEWSDESK_* environment variables and `.env`."""

import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _list(value: object) -> object:
    """A list setting from the environment: a JSON list, or the obvious comma-separated
    form (`https://a.example, https://b.example`)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError("not a valid JSON list") from exc
    return [part.strip() for part in text.split(",") if part.strip()]


# A list read from the environment as JSON or comma-separated text.
TextList = Annotated[list[str], NoDecode, BeforeValidator(_list)]

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def _database_url(value: str) -> str:
    """`sqlite+aiosqlite:///…` or `postgresql+asyncpg://…`; the plain schemes (`sqlite:`,
    `postgresql:`, `postgres:`) get the async driver the app uses."""
    scheme, sep, rest = value.partition("://")
    driver = _DRIVERS.get(scheme.lower()) if sep else None
    if driver is None:
        raise ValueError("expected sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
    return f"{driver}://{rest}"


def _rate(value: str | None) -> str | None:
    """ "N/second|minute|hour|day" (the `limits` library's notation); empty = off."""
    if value is None or not value.strip():
        return None
    if _PLAIN_RATE.fullmatch(value.strip()):  # the defaults' notation: no need of `limits`
        return value.strip()
    from limits import parse  # ~1.5 MB a worker loads only when it counts (app.ratelimit)

    try:
        parse(value)
    except ValueError as exc:
        raise ValueError("expected N/second, N/minute, N/hour or N/day, e.g. 300/minute") from exc
    return value.strip()


_PLAIN_RATE = re.compile(r"[1-9][0-9]{0,8}/(?:second|minute|hour|day)")
Rate = Annotated[str | None, AfterValidator(_rate)]


def _base_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not re.fullmatch(r"https?://[^\s?#]+", value.strip()):
        raise ValueError(
            "expected an http(s) URL with no query, e.g. https://cdn.example.com/media"
        )
    return value.strip().rstrip("/")


def _site_url(value: str) -> str:
    url = _base_url(value)
    if url is None:
        raise ValueError("expected the public site's http(s) URL, e.g. https://news.example")
    return url


def _url_pattern(value: str) -> str:
    """A site URL pattern: a path with `{slug}` and no placeholders but `{lang}`,
    `{bcp47}` and `{slug}` (an unknown one would fail every URL at read time)."""
    names = set(re.findall(r"{([^{}]*)}", value))
    if not value.startswith("/") or "slug" not in names or names - {"lang", "bcp47", "slug"}:
        raise ValueError(
            "expected a path starting with / that uses {slug} and optionally {lang} and "
            "{bcp47}, e.g. /{lang}/{slug}"
        )
    return value


_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def _origins(value: list[str]) -> list[str]:
    for origin in value:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ValueError(
                f"{origin!r} is not an origin: expected scheme and host (and port) with no "
                "path, e.g. https://www.example.com, or *"
            )
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: Annotated[str, AfterValidator(_database_url)] = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{Path.cwd() / 'newsdesk.db'}",
        description="SQLAlchemy async URL; default a SQLite file in the working directory.",
    )
    # PostgreSQL connections a worker keeps (and as many again in overflow); the hot read
    # path's pool is as big as both, at most 10 (`app.db.hot_pool_size`), and search pages
    # keep 4 (`app.db.SEARCH_CONNECTIONS`): 25 connections a worker by default with the
    # cache's LISTEN (`app.ops.connections` counts them).
    database_pool_size: int = Field(default=5, ge=1, le=1000)
    # How long a serving process waits for the database (issue 20): to open a connection,
    # for a statement's answer (PostgreSQL), and for a free connection of its pool. Past
    # them a request gets a 503 `service-unavailable`.
    database_connect_timeout_seconds: float = Field(default=1.5, gt=0, le=60)
    database_statement_timeout_seconds: float = Field(default=3.0, gt=0, le=600)
    database_pool_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # SQLite: how long a write waits for another's (SQLite's busy timeout).
    database_busy_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    # Read replicas (issue 20): PostgreSQL streaming replicas of the primary, JSON list or
    # comma-separated. Public reads go to one that answers and lags at most
    # replica_max_lag_seconds behind the primary (app/replicas.py).
    database_replica_urls: TextList = []
    replica_max_lag_seconds: float = Field(default=5.0, gt=0, le=3600)
    redis_url: str | None = None
    site_url: Annotated[str, AfterValidator(_site_url)] = "http://localhost:8000"
    # Where the public site shows an article; {lang} is the URL code, {bcp47} the tag.
    article_url_pattern: Annotated[str, AfterValidator(_url_pattern)] = "/{lang}/{slug}"
    # Where the public site shows a tag, a category and an author (same placeholders).
    tag_url_pattern: Annotated[str, AfterValidator(_url_pattern)] = "/{lang}/tags/{slug}"
    category_url_pattern: Annotated[str, AfterValidator(_url_pattern)] = "/{lang}/categories/{slug}"
    author_url_pattern: Annotated[str, AfterValidator(_url_pattern)] = "/{lang}/authors/{slug}"
    site_name: str = "Newsdesk"
    # The publisher's logo for structured data (JSON-LD `publisher.logo`): an absolute
    # URL of an image at most 600x60 (Google's guidance); unset: no logo is given.
    publisher_logo_url: Annotated[str | None, AfterValidator(_base_url)] = None
    sitemap_page_size: int = Field(default=50_000, ge=1, le=50_000)  # URLs per sitemap page
    # The response cache rebuilds a sitemap at most once per this many seconds while
    # writes keep purging it (app.cache.store); 0: on the first request after each write.
    sitemap_refresh_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Images (issue 16): where uploads and their renditions are kept, and where readers
    # fetch them. `local`: files under media_dir, served by the app under /media/ (or by
    # whatever serves media_base_url); `s3`: a bucket of any S3-compatible store.
    media_storage: Literal["local", "s3"] = "local"
    media_dir: Path = Path("media")
    # The public address of the stored files (a CDN or the bucket's website), with no
    # trailing slash; unset: {site_url}/media for local storage, and for s3 the
    # endpoint's path-style address of the bucket.
    media_base_url: Annotated[str | None, AfterValidator(_base_url)] = None
    media_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Import jobs (issue 19): the largest JSON Lines file `POST /v1/admin/imports` takes
    # (larger archives: `newsdesk import` on the server). Kept in the temporary folder
    # while it is imported.
    import_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)
    s3_endpoint_url: str | None = None  # unset: AWS S3 itself
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    cors_origins: Annotated[TextList, AfterValidator(_origins)] = []
    cache_control: str = "public, max-age=30, stale-while-revalidate=300"
    # The in-process response cache of public GETs (`off` for measurement), its memory
    # bound per worker, and how long an entry lives at most (purges are what keep it
    # fresh; this only limits the damage of a purge lost in transit).
    cache: Literal["on", "off"] = "on"
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    cache_ttl_seconds: float = Field(default=300.0, gt=0)
    max_body_bytes: int = 1024 * 1024
    token_ttl_minutes: int = 12 * 60
    # Rate limits, as "N/second|minute|hour|day"; unset (empty) = off.
    rate_limit_public: Rate = None  # per client address
    rate_limit_admin: Rate = "1200/minute"  # per credential
    rate_limit_login: Rate = "10/minute"  # per account from one client address
    log_level: str = "info"
    # Log lines as JSON (`json`), as text (`text`), or JSON unless standard error is a
    # terminal (`auto`); and one line per request (the request log, in place of uvicorn's
    # access log; at level info, so not at `warning` and above).
    log_format: Literal["auto", "json", "text"] = "auto"
    access_log: bool = True
    # `GET /metrics` (Prometheus) without a credential: for a scraper on a private network
    # (otherwise it needs an administrator's key or token, as Prometheus's
    # `authorization` setting sends).
    metrics_public: bool = False
    # false: no metrics are counted and `GET /metrics` answers 404.
    metrics: bool = True

    # Security of logins and of `newsdesk serve` (issue 13, items 7, 8 and 18).
    # Login attempts per client address over all accounts, and per account from addresses
    # that have not logged in to it in the last 30 days (an address that has is never
    # held back by the per-account limit, so nobody elsewhere can lock a user out).
    rate_limit_login_address: Rate = "30/minute"
    rate_limit_login_account: Rate = "100/hour"
    # Requests without a credential to /v1/admin/, and every request to /v1/auth/, per address.
    rate_limit_unauthenticated: Rate = "60/minute"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR
    # networks, JSON list or comma-separated; `*` trusts every peer). Empty: the headers
    # are ignored and the client is the TCP peer.
    trusted_proxies: TextList = []
    # What `newsdesk serve` gives each connection (see app/ops/protocol.py).
    server_header_timeout: float = Field(default=10.0, gt=0)
    server_body_timeout: float = Field(default=30.0, gt=0)
    server_max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    server_keep_alive_timeout: int = Field(default=5, ge=1)
    server_limit_concurrency: int | None = Field(default=1000, ge=1)
    server_backlog: int = Field(default=2048, ge=1)
    # Seconds a stopping worker gives its requests in flight before it closes them.
    server_graceful_shutdown_timeout: int = Field(default=20, ge=1)
    # Seconds `newsdesk serve --workers N` waits for a worker's answer to its health check
    # before killing it as hung; a worker still starting on a busy host answers late.
    server_worker_healthcheck_timeout: int = Field(default=30, ge=1)

    # Changes flowing out (issue 17): webhooks, the delivery worker and CDN purges.
    # The key webhook signing secrets are derived from (never stored): set it, the same on
    # every host, in production. Unset: a random key kept in `secret_key_file`.
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path(".newsdesk-secret")
    # Hosts or addresses (or networks) webhooks may reach although they are loopback,
    # private, link-local or otherwise not public; JSON list or comma-separated.
    webhook_allow_hosts: TextList = []
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=0)
    # The first retry after this many seconds, doubling (with jitter) up to an hour, for
    # `webhook_retry_window_seconds` after the event (24 h); then the subscription is
    # disabled (a run of failures that long).
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_retry_window_seconds: float = Field(default=24 * 3600.0, gt=0)
    # A CDN purge endpoint: a POST naming the changed surrogate keys after each change
    # (`Surrogate-Key` header, and `{"surrogate_keys": [...]}`); headers it needs
    # (a token) as a JSON object.
    purge_url: Annotated[str | None, AfterValidator(_base_url)] = None
    purge_headers: SecretStr | None = None
    # The serving process runs the delivery worker (one at a time holds it); false when
    # `newsdesk worker` runs it elsewhere.
    worker_in_process: bool = True
    worker_poll_seconds: float = Field(default=0.5, gt=0, le=60)

    @model_validator(mode="after")
    def _s3_complete(self) -> "Settings":
        if self.media_storage == "s3" and not self.s3_bucket:
            raise ValueError("NEWSDESK_MEDIA_STORAGE=s3 needs NEWSDESK_S3_BUCKET")
        return self

    @field_validator("database_replica_urls")
    @classmethod
    def _replicas(cls, value: list[str]) -> list[str]:
        urls = [_database_url(url) for url in value]
        if any(not url.startswith("postgresql+asyncpg://") for url in urls):
            raise ValueError("expected postgresql+asyncpg:// URLs (replicas are PostgreSQL's)")
        return urls

    @model_validator(mode="after")
    def _replicas_of_postgresql(self) -> "Settings":
        if self.database_replica_urls and not self.database_url.startswith("postgresql"):
            raise ValueError(
                "NEWSDESK_DATABASE_REPLICA_URLS needs a PostgreSQL NEWSDESK_DATABASE_URL"
            )
        return self

    @field_validator("purge_headers")
    @classmethod
    def _headers_object(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            headers = json.loads(value.get_secret_value())
        except ValueError as exc:
            raise ValueError('expected a JSON object, e.g. {"Fastly-Key": "..."}') from exc
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError('expected a JSON object of strings, e.g. {"Fastly-Key": "..."}')
        return value

    @field_validator("webhook_allow_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not re.fullmatch(r"[A-Za-z0-9.:\[\]/_-]{1,255}", entry):
                raise ValueError(f"{entry!r} is not a host name, an address or a network")
        return [entry.lower().strip("[]") for entry in value]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError as exc:
                    raise ValueError(f"{entry!r} is not an IP address or network") from exc
        return value


class SettingsError(Exception):
    """Settings that cannot be used: one line per variable, naming it, what was given and
    what is expected (secrets are not repeated)."""


_SECRET_WORDS = ("secret", "password", "token", "key_id", "headers")


def _shown(name: str, value: object) -> str:
    if any(word in name for word in _SECRET_WORDS):
        return "(hidden)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if name.endswith("_url") or name.endswith("_urls"):
        text = re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", text)  # no passwords
    return repr(text if len(text) <= 200 else text[:200] + "…")


def describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        expected = str(problem["msg"]).removeprefix("Value error, ")
        if not problem["loc"]:  # a rule over several settings: its message names them
            lines.append(expected)
            continue
        field = str(problem["loc"][0])
        lines.append(
            f"NEWSDESK_{field.upper()}: got {_shown(field, problem.get('input'))}; {expected}"
        )
    return "\n".join(lines)


def load_settings() -> Settings:
    """The settings, or a SettingsError that says what is wrong in a line per variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
