"""Idempotency keys: the first answer to a creating POST, replayed to its retries.

A row is inserted in the create's own transaction (it exists only if the create was made)
and gets its answer just after; see `app.idempotency`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow


class IdempotencyKey(IdMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("credential", "key"),)

    # The credential's kind and id ("api_key:<uuid>", "user:<token id>"), never its secret.
    credential: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    # HMAC-SHA256 of the request keyed by the bearer secret: no guessing of a body's password.
    request_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # the credential's role then
    # Null until the answer is recorded, just after the create commits.
    status_code: Mapped[int | None]
    headers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    # The answer held a secret: `body` is kept without it, and is not replayed.
    shown_once: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
