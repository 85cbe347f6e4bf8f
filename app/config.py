"""Settings from NEWSDESK_* environment variables and `.env`."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    rate_limit_login: str | None = "10/minute"  # per client address and per account
    log_level: str = "info"


@lru_cache
def get_settings() -> Settings:
    return Settings()
