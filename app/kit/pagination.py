"""Opaque keyset cursors: the position after the last item of a page."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from app.errors import Unprocessable


@dataclass(frozen=True, slots=True)
class Cursor:
    at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.id.hex], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            at, ident = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            parsed = datetime.fromisoformat(at)
            if parsed.tzinfo is None:
                raise ValueError("naive")
            return cls(at=parsed, id=uuid.UUID(hex=ident))
        except (ValueError, TypeError, UnicodeError, binascii.Error) as exc:
            raise Unprocessable.at(
                ["query", "cursor"],
                "The cursor is not one this API gave out.",
                msg="Invalid cursor",
                type="cursor",
            ) from exc
