"""Credentials: API keys are random, shown once, and stored only as a SHA-256 hash.

A key carries 256 bits of randomness, so a fast hash is enough (no password stretching):
a lookup by hash is one indexed query.
"""

import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey, utcnow

KEY_PREFIX = "nd_"


class Role(enum.StrEnum):
    admin = "admin"
    editor = "editor"
    author = "author"
    translator = "translator"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the credential's id, kind and role."""

    id: uuid.UUID
    kind: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """How revisions name who made a change."""
        return f"{self.kind}:{self.name}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(session: AsyncSession, *, name: str, role: Role) -> tuple[ApiKey, str]:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role.value, key_hash=hash_secret(secret), prefix=secret[:10])
    session.add(key)
    await session.flush()
    return key, secret


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


async def revoke_api_key(session: AsyncSession, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    if not token.startswith(KEY_PREFIX):
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_secret(token)))
    if key is None or key.revoked_at is not None:
        return None
    return Principal(id=key.id, kind="api_key", name=key.name, role=Role(key.role))
