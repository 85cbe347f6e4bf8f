"""Preview links: a random token, stored hashed, for one translation, until it expires.

A link is only as good as the credential that made it: it opens nothing once that API key
or access token is revoked or expired, or the token's user deactivated, and it can be
revoked on its own. The token itself is a secret: never stored, never logged (the record
factory below rewrites it out of every log line, uvicorn's access log included).
"""

import logging
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Principal, hash_secret, key_alive, token_alive
from app.models import AccessToken, ApiKey, PreviewToken, Translation, User

PREFIX = "ndp_"


def _credential_alive(now: datetime) -> ColumnElement[bool]:
    """The link's credential (outer-joined) passes `authenticate`'s rule."""
    return or_(key_alive(now), token_alive(now))


def _live(now: datetime) -> Select[PreviewToken]:
    """Links that open their translation now: unexpired, their credential alive."""
    return (
        select(PreviewToken)
        .outerjoin(ApiKey, ApiKey.id == PreviewToken.api_key_id)
        .outerjoin(AccessToken, AccessToken.id == PreviewToken.access_token_id)
        .outerjoin(User, User.id == AccessToken.user_id)
        .where(PreviewToken.expires_at > now, _credential_alive(now))
    )


async def _credential_expiry(session: AsyncSession, who: Principal) -> datetime | None:
    if who.kind == "user":
        return await session.scalar(select(AccessToken.expires_at).where(AccessToken.id == who.id))
    return await session.scalar(select(ApiKey.expires_at).where(ApiKey.id == who.id))


async def create(
    session: AsyncSession,
    translation: Translation,
    *,
    who: Principal,
    now: datetime,
    ttl: timedelta,
) -> tuple[PreviewToken, str]:
    """A new link and its token; it expires after `ttl`, or with its credential if sooner."""
    await session.execute(delete(PreviewToken).where(PreviewToken.expires_at < now))
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = now + ttl
    credential_expiry = await _credential_expiry(session, who)
    if credential_expiry is not None:
        expires_at = min(expires_at, credential_expiry)
    link = PreviewToken(
        id=uuid.uuid4(),
        token_hash=hash_secret(token),
        translation_id=translation.id,
        created_by=who.actor,
        created_at=now,
        expires_at=expires_at,
        api_key_id=who.id if who.kind == "api_key" else None,
        access_token_id=who.id if who.kind == "user" else None,
    )
    session.add(link)
    await session.flush()
    return link, token


async def resolve(session: AsyncSession, token: str, *, now: datetime) -> uuid.UUID | None:
    """The translation a live token opens, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found: uuid.UUID | None = await session.scalar(
        _live(now)
        .where(PreviewToken.token_hash == hash_secret(token))
        .with_only_columns(PreviewToken.translation_id)
    )
    return found


async def list_live(
    session: AsyncSession, translation: Translation, *, now: datetime
) -> list[PreviewToken]:
    return list(
        await session.scalars(
            _live(now)
            .where(PreviewToken.translation_id == translation.id)
            .order_by(PreviewToken.created_at, PreviewToken.id)
        )
    )


async def get(
    session: AsyncSession, translation: Translation, preview_id: uuid.UUID
) -> PreviewToken | None:
    """One link of this translation, whatever its state."""
    found: PreviewToken | None = await session.scalar(
        select(PreviewToken).where(
            PreviewToken.id == preview_id, PreviewToken.translation_id == translation.id
        )
    )
    return found


async def made_by(session: AsyncSession, link: PreviewToken, who: Principal) -> bool:
    """Whether `who` made this link: the same API key, or the same user (any token)."""
    if link.api_key_id is not None:
        return who.kind == "api_key" and link.api_key_id == who.id
    if link.access_token_id is None or who.user_id is None:
        return False
    owner = await session.scalar(
        select(AccessToken.user_id).where(AccessToken.id == link.access_token_id)
    )
    return owner == who.user_id


async def revoke(session: AsyncSession, link: PreviewToken) -> None:
    await session.delete(link)
    await session.flush()


# Logs ------------------------------------------------------------------------------------

# A token in a preview path (whatever it looks like: a guess is redacted too), and one
# standing alone (a query string, a message).
_IN_PATH = re.compile(r"/preview/[^/?#\s\"']+")
_ALONE = re.compile(PREFIX + r"[A-Za-z0-9_-]{8,}")
REDACTED = PREFIX + "[redacted]"


def redact(text: str) -> str:
    """`text` with every preview token replaced by `ndp_[redacted]`."""
    if "/preview/" not in text and PREFIX not in text:
        return text
    return _ALONE.sub(REDACTED, _IN_PATH.sub("/preview/" + REDACTED, text))


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class _RedactingRecords:
    """A log record factory: the previous one's records, preview tokens redacted.

    At record creation rather than as a filter: a filter set on one logger does not see its
    children's records, and this covers uvicorn's access log (its path is an argument of
    the record) and every logger of ours alike, whatever the logging configuration.
    """

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.previous(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        return record


def redact_logs() -> None:
    """Redact preview tokens from every log record of this process (once; idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingRecords):
        logging.setLogRecordFactory(_RedactingRecords(current))
