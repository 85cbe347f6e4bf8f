"""ApiKeyDep: the `{key_id}` of an admin path, loaded, or a 404."""

import uuid
from typing import Annotated

from fastapi import Depends, Path

from app.apikeys import service
from app.db import SessionDep
from app.models import ApiKey

KeyId = Annotated[uuid.UUID, Path(description="The key's id (not the key).")]


async def load_api_key(key_id: KeyId, session: SessionDep) -> ApiKey:
    return await service.get(session, key_id)


ApiKeyDep = Annotated[ApiKey, Depends(load_api_key)]
