"""Cache purges on their way to the other workers (SQLite only: see `app.cache.bus`)."""

from sqlalchemy import Float, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CacheInvalidation(Base):
    __tablename__ = "cache_invalidations"
    # AUTOINCREMENT: ids never come back after deletes, so a reader's "after id N" holds.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    keys: Mapped[str] = mapped_column(Text)  # a JSON list of surrogate keys
    created_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time
