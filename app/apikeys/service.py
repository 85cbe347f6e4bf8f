"""API keys: the records behind `/v1/admin/api-keys` (the secrets are minted and checked in
`app.auth.service`, with every other credential)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import create_api_key as create
from app.errors import NotFound
from app.models import ApiKey, utcnow

__all__ = ["create", "get", "list_all", "revoke"]


async def get(session: AsyncSession, ident: uuid.UUID) -> ApiKey:
    key = await session.get(ApiKey, ident)
    if key is None:
        raise NotFound(f"No API key {ident}.")
    return key


async def list_all(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


async def revoke(session: AsyncSession, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
