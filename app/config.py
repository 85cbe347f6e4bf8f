"""Settings from NEWSDESK_* environment variables and `.env`."""

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{Path.cwd() / 'newsdesk.db'}",
        description="SQLAlchemy async URL; default a SQLite file in the working directory.",
    )
    database_pool_size: int = 20
    redis_url: str | None = None
    site_url: str = "http://localhost:8000"
    # Where the public site shows an article; {lang} is the URL code, {bcp47} the tag.
    article_url_pattern: str = "/{lang}/{slug}"
    site_name: str = "Newsdesk"
    media_dir: Path = Path("media")
    cors_origins: list[str] = []
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
    rate_limit_public: str | None = None  # per client address
    rate_limit_admin: str | None = "1200/minute"  # per credential
    rate_limit_login: str | None = "10/minute"  # per account from one client address
    log_level: str = "info"

    # Security of logins and of `newsdesk serve` (issue 13, items 7, 8 and 18).
    # Login attempts per client address over all accounts, and per account from addresses
    # that have not logged in to it in the last 30 days (an address that has is never
    # held back by the per-account limit, so nobody elsewhere can lock a user out).
    rate_limit_login_address: str | None = "30/minute"
    rate_limit_login_account: str | None = "100/hour"
    # Requests without a credential to /v1/admin/, and every request to /v1/auth/, per address.
    rate_limit_unauthenticated: str | None = "60/minute"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR
    # networks, JSON list or comma-separated; `*` trusts every peer). Empty: the headers
    # are ignored and the client is the TCP peer.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # What `newsdesk serve` gives each connection (see app/ops/protocol.py).
    server_header_timeout: float = Field(default=10.0, gt=0)
    server_body_timeout: float = Field(default=30.0, gt=0)
    server_max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    server_keep_alive_timeout: int = Field(default=5, ge=1)
    server_limit_concurrency: int | None = Field(default=1000, ge=1)
    server_backlog: int = Field(default=2048, ge=1)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
