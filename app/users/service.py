"""Users as the admin manages them."""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as auth
from app.errors import Conflict, NotFound
from app.languages import service as languages
from app.models import User, utcnow
from app.users.schemas import UserCreate, UserUpdate


async def get(session: AsyncSession, ident: uuid.UUID) -> User:
    user = await session.get(User, ident)
    if user is None:
        raise NotFound(f"No user {ident}.")
    return user


async def list_all(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.created_at, User.id)))


async def create(session: AsyncSession, data: UserCreate) -> User:
    await languages.require(session, data.languages, loc=("body", "languages"))
    if await session.scalar(select(User.id).where(User.email == data.email.lower())):
        raise Conflict(f"A user with the e-mail {data.email} exists.")
    try:
        return await auth.create_user(
            session,
            email=data.email,
            password=data.password,
            role=data.role,
            display_name=data.display_name,
            languages=data.languages,
        )
    except IntegrityError as exc:  # a concurrent create with the same e-mail
        raise Conflict(f"A user with the e-mail {data.email} exists.") from exc


async def update(session: AsyncSession, user: User, data: UserUpdate) -> User:
    """Apply the change; a new password, role or languages, or a deactivation, also ends
    every session of the user (they log in again under the new terms)."""
    ends_sessions = data.password is not None
    if data.languages is not None:
        await languages.require(session, data.languages, loc=("body", "languages"))
        chosen = sorted(set(data.languages))
        ends_sessions |= chosen != sorted(user.languages)
        user.languages = chosen
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.role is not None:
        ends_sessions |= data.role.value != user.role
        user.role = data.role.value
    if data.active is not None:
        ends_sessions |= user.active and not data.active
        user.active = data.active
    if data.password is not None:
        user.password_hash = await auth.hash_password(data.password)
    user.updated_at = utcnow()
    await session.flush()
    if ends_sessions:
        await auth.revoke_user_tokens(session, user.id)
    return user
