"""Preview links: a random token, stored hashed, for one translation, until it expires."""

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import hash_secret
from app.models import PreviewToken, Translation

PREFIX = "ndp_"


async def create(
    session: AsyncSession, translation: Translation, *, actor: str, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    await session.execute(delete(PreviewToken).where(PreviewToken.expires_at < now))
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = now + ttl
    session.add(
        PreviewToken(
            id=uuid.uuid4(),
            token_hash=hash_secret(token),
            translation_id=translation.id,
            created_by=actor,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return token, expires_at


async def resolve(session: AsyncSession, token: str, *, now: datetime) -> uuid.UUID | None:
    """The translation a live token opens, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found: uuid.UUID | None = await session.scalar(
        select(PreviewToken.translation_id).where(
            PreviewToken.token_hash == hash_secret(token), PreviewToken.expires_at > now
        )
    )
    return found
