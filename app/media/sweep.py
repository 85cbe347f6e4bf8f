"""`newsdesk media-sweep`: stored files no media record uses, removed.

Uploads store their files before their record commits and remove them if it does not
(`app.media.cleanup`); deletes remove files after the commit. What a process killed in
between (or a storage that failed a delete) leaves is an unused file: harmless, but
space. The sweep removes files that no record names and that are older than a grace
period (so an upload in progress, whose record is not committed yet, keeps its files),
and the temporary files of killed writers.
"""

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.media.storage import Storage
from app.models import Media


@dataclass
class Swept:
    unused: list[str]
    temporary: int


async def sweep(
    session: AsyncSession, storage: Storage, *, grace_seconds: float, dry_run: bool
) -> Swept:
    used = {
        r[0] for renditions in await session.scalars(select(Media.renditions)) for r in renditions
    }
    before = time.time() - grace_seconds
    unused = [key for key, written in storage.entries() if key not in used and written < before]
    temporary = 0
    if not dry_run:
        storage.delete(unused)
        temporary = storage.leftovers(before)
    return Swept(unused, temporary)
