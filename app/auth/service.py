"""Credentials: API keys for machines, users with passwords and bearer tokens for people.

Keys and tokens carry 256 bits of randomness and are stored only as a SHA-256 hash (a
fast hash is enough for random secrets: a lookup is one indexed query). Passwords are
hashed with Argon2id, off the event loop, and rehashed at login when the policy has
grown. Every request re-reads the credential and its user, so a revoked token, a
deactivated user or a changed role takes effect at once. A token is valid only in the
generation of its user it was issued in: `revoke_user_tokens` raises the generation, so
every token of the user stops, also one that a login running at that moment is issuing.
"""

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role as Role  # re-exported: `app.auth.service.Role`
from app.models import AccessToken, ApiKey, User, utcnow

KEY_PREFIX = "nd_"
TOKEN_PREFIX = "ndu_"  # noqa: S105 - a prefix, not a secret
_hasher = PasswordHasher()  # Argon2id with the library's (RFC 9106) defaults


@functools.cache
def dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures cost the same time.
    Made once per process, when the API starts (`app.main`), not on import: a CLI command
    has no use for it and an Argon2 hash costs a tenth of a second."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the credential's id, kind and role."""

    id: uuid.UUID
    kind: str
    name: str
    role: Role
    languages: frozenset[str] = field(default_factory=frozenset)
    user_id: uuid.UUID | None = None

    @property
    def owner(self) -> str:
        """The stable identity recorded as an article's creator."""
        return f"user:{self.user_id}" if self.user_id else f"{self.kind}:{self.id}"

    @property
    def actor(self) -> str:
        """How revisions name who made a change (cut to the 200 characters they keep)."""
        return f"{self.kind}:{self.name}"[:200]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, *, name: str, role: Role, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        role=role.value,
        key_hash=hash_secret(secret),
        prefix=secret[:10],
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    return key, secret


def key_alive(now: datetime) -> ColumnElement[bool]:
    """An API key works: not revoked, not expired. The one rule, as SQL (previews made
    with a key use it too)."""
    return and_(
        ApiKey.id.is_not(None),
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
    )


def token_alive(now: datetime) -> ColumnElement[bool]:
    """A login token works: not revoked or expired, its user active and the token of the
    user's current generation. Needs `users` joined to `access_tokens`."""
    return and_(
        AccessToken.id.is_not(None),
        AccessToken.revoked_at.is_(None),
        AccessToken.expires_at > now,
        User.active.is_(True),
        AccessToken.generation == User.token_generation,
    )


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    now = utcnow()
    if token.startswith(TOKEN_PREFIX):
        row = (
            await session.execute(
                select(AccessToken, User)
                .join(User, User.id == AccessToken.user_id)
                .where(AccessToken.token_hash == hash_secret(token), token_alive(now))
            )
        ).first()
        if row is None:
            return None
        access, user = row
        return Principal(
            id=access.id,
            kind="user",
            name=user.email,
            role=Role(user.role),
            languages=frozenset(user.languages),
            user_id=user.id,
        )
    if not token.startswith(KEY_PREFIX):
        return None
    key = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_secret(token), key_alive(now))
    )
    if key is None:
        return None
    return Principal(id=key.id, kind="api_key", name=key.name, role=Role(key.role))


# Users and passwords ---------------------------------------------------------------------


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await anyio.to_thread.run_sync(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: Role,
    display_name: str = "",
    languages: list[str] | None = None,
) -> User:
    user = User(
        id=uuid.uuid4(),
        email=email.strip().lower(),
        display_name=display_name or email.split("@")[0],
        role=role.value,
        active=True,
        languages=sorted(set(languages or [])),
        password_hash=await hash_password(password),
    )
    session.add(user)
    await session.flush()
    return user


async def login(
    session: AsyncSession, *, email: str, password: str, ttl: timedelta, address: str
) -> tuple[str, datetime, uuid.UUID] | None:
    """A new bearer token (its expiry, its user's id) for a valid, active user; None for
    any failure (all alike)."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    valid = await _verify(user.password_hash if user else dummy_hash(), password)
    if user is None or not valid or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        # Made under an older or cheaper policy: the password is at hand only now. Compare
        # and set, so that a password changed meanwhile is never put back.
        await session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=await hash_password(password))
            .execution_options(synchronize_session=False)
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + ttl
    session.add(
        AccessToken(
            id=uuid.uuid4(),
            user_id=user.id,
            token_hash=hash_secret(secret),
            expires_at=expires_at,
            generation=user.token_generation,
            address_hash=hash_secret(address),
        )
    )
    await session.flush()
    return secret, expires_at, user.id


async def logged_in_from(
    session: AsyncSession, *, email: str, address: str, since: datetime
) -> bool:
    """Whether the account got a token at this address since `since`."""
    found = await session.scalar(
        select(AccessToken.id)
        .join(User, User.id == AccessToken.user_id)
        .where(
            User.email == email.strip().lower(),
            AccessToken.address_hash == hash_secret(address),
            AccessToken.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


async def revoke_user_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every token of the user stops working, including one a login is issuing now."""
    await session.flush()
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(token_generation=User.token_generation + 1)
        .execution_options(synchronize_session="fetch")
    )
    # The generation decides; the stamp keeps the table truthful (and survives a downgrade).
    await session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def revoke_token(session: AsyncSession, token: str) -> None:
    access = await session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_secret(token))
    )
    if access is not None and access.revoked_at is None:
        access.revoked_at = utcnow()
        await session.flush()
