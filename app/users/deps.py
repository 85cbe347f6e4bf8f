"""UserDep: the `{user_id}` of an admin path, loaded, or a 404."""

import uuid
from typing import Annotated

from fastapi import Depends, Path

from app.db import SessionDep
from app.models import User
from app.users import service

UserId = Annotated[uuid.UUID, Path(description="The user's id.")]


async def load_user(user_id: UserId, session: SessionDep) -> User:
    return await service.get(session, user_id)


UserDep = Annotated[User, Depends(load_user)]
