"""MediaDep: the `{media_id}` of an admin path, loaded, or a 404."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from app.db import SessionDep
from app.media import service
from app.media.storage import Storage
from app.models import Media

MediaId = Annotated[uuid.UUID, Path(description="The media record's id.")]


async def load_media(media_id: MediaId, session: SessionDep) -> Media:
    return await service.get(session, media_id)


MediaDep = Annotated[Media, Depends(load_media)]


def media_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.media_storage
    return storage


StorageDep = Annotated[Storage, Depends(media_storage)]
