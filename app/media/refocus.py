"""A new focal point for an uploaded image: its crops made again around it.

The original is not kept (only files without metadata are stored), so the crops are cut
from the largest whole rendition in the original's family (at most 1920 pixels wide): a
1:1 crop of a wide picture may then be made from fewer pixels than at upload. The whole
renditions do not change. New crops are new files under new keys (the focal point is part
of a crop's key), so URLs already given out keep working until the change commits; the old
crops that no other record uses are removed after it (`app.media.cleanup`).
"""

import os
import tempfile
from pathlib import Path

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.media import cleanup, imaging, service
from app.media.schemas import FocalPoint
from app.media.storage import Storage
from app.models import Media


def _recrop(media: Media, focal: tuple[float, float], storage: Storage, directory: Path,
            existing: list[str]) -> imaging.Rendered:  # fmt: skip
    source = media.url  # the key of the largest whole rendition in the original's family
    data = storage.get(source)
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".refocus-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    found = imaging.Probe(
        path=Path(name),
        sha256=media.content_hash or "",
        size=len(data),
        format="png" if source.endswith(".png") else "jpeg",
        width=media.width,
        height=media.height,
    )
    try:
        return imaging.render(found, focal=focal, storage=storage, existing=existing)
    finally:
        found.close()


async def refocus(
    session: AsyncSession,
    media: Media,
    focal: FocalPoint,
    storage: Storage,
    *,
    directory: Path,
    limiter: anyio.CapacityLimiter,
) -> None:
    point = (focal.x, focal.y)
    if media.content_hash is None or (media.focal_x, media.focal_y) == point:
        media.focal_x, media.focal_y = point
        return
    others = await service.same_content(session, media.content_hash)
    existing = [r[0] for m in others for r in m.renditions]
    try:
        rendered = await anyio.to_thread.run_sync(
            lambda: _recrop(media, point, storage, directory, existing), limiter=limiter
        )
    except imaging.Rejected as rejected:  # the stored file is damaged: say so, change nothing
        from app.media.upload import ImageRejected

        raise ImageRejected(rejected) from None
    cleanup.remove_on_rollback(session, rendered.written)
    before = await service.files_unused_after(session, media)
    media.renditions = [r.as_list() for r in rendered.renditions]
    media.focal_x, media.focal_y = point
    now = {r[0] for r in media.renditions}
    cleanup.remove_on_commit(session, [key for key in before if key not in now])
