"""Opaque keyset cursors: the position after the last item of a page."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import Unprocessable


@dataclass(frozen=True, slots=True)
class Cursor:
    at: datetime
    id: uuid.UUID
    # Search results are ordered by rank first (title, lead, body hits).
    rank: int | None = None

    def encode(self) -> str:
        position: list[object] = [self.at.astimezone(UTC).isoformat(), self.id.hex]
        if self.rank is not None:
            position.append(self.rank)
        raw = json.dumps(position, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            at, ident, *rest = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            parsed = datetime.fromisoformat(at)
            # The API writes positions in UTC; any other offset could move the moment out
            # of the years 1-9999 (0001-01-01T00:00:00+23:59) when it is compared.
            if parsed.utcoffset() != timedelta(0):
                raise ValueError("not UTC")
            rank = rest[0] if rest else None
            if len(rest) > 1 or not (rank is None or (type(rank) is int and 0 <= rank < 10)):
                raise ValueError("rank")
            return cls(at=parsed, id=uuid.UUID(hex=ident), rank=rank)
        except (ValueError, TypeError, AttributeError, UnicodeError, binascii.Error) as exc:
            raise cls.invalid() from exc

    @staticmethod
    def invalid() -> Unprocessable:
        return Unprocessable.at(
            ["query", "cursor"],
            "The cursor is not one this API gave out (for this query).",
            msg="Invalid cursor",
            type="cursor",
        )


async def newest_first(
    session: AsyncSession,
    query: Select[Any],
    at: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[uuid.UUID],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """A page of `query`'s rows, newest first by (`at`, `ident`), after `cursor`; and the
    next page's cursor (None on the last page)."""
    if cursor is not None:
        after = Cursor.decode(cursor)
        if after.rank is not None:
            raise Cursor.invalid()
        query = query.where(tuple_(at, ident) < (after.at, after.id))
    query = query.order_by(at.desc(), ident.desc()).limit(limit + 1)
    rows: list[Any] = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, Cursor(at=getattr(last, at.key), id=getattr(last, ident.key)).encode()
