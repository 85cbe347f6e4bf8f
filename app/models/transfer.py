"""Import jobs: a JSON Lines file uploaded through the API (`POST /v1/admin/imports`),
imported in the server, and how far it got."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow


class ImportJob(IdMixin, Base):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_created", "created_at", "id"),)

    # running → succeeded (the file was read to its end; lines may have failed: `errors`)
    # or failed (the file was refused as a whole, or the server stopped while it ran).
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    dry_run: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    unchanged: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The first failed lines ({"line", "error"}), at most `app.transfer.jobs.MAX_ERRORS`;
    # `error_count` counts them all.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(1000))  # why it failed
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Written while it runs: a running job not heard from for a while ran in a server that
    # stopped (`app.transfer.jobs.STALE`), and is marked failed.
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
