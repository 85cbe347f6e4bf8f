"""Where readers fetch an uploaded image's files, for the code that writes responses.

Records keep keys, not addresses (`app.models.media`); the storage of the app serving the
request turns them into URLs. It is set for every request in front of everything else
(`app.media.files.MediaFilesMiddleware`), so the public reads, which have no request to
ask, find it too; a command outside a request sets it with `use`.
"""

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from app.media.storage import Storage

_STORAGE: ContextVar[Storage] = ContextVar("newsdesk_media_storage")


def use(storage: Storage) -> Token[Storage]:
    return _STORAGE.set(storage)


def url(key: str) -> str:
    return _STORAGE.get().url(key)


def renditions(
    stored: list[list[Any]], where: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """`media.renditions` as readers see them: with the address of each file (by `where`,
    else by the storage of the request)."""
    where = where or _STORAGE.get().url
    return [
        {"url": where(key), "width": w, "height": h, "format": fmt, "crop": crop}
        for key, w, h, fmt, crop in stored
    ]


def cover(media: dict[str, Any]) -> dict[str, Any]:
    """A public cover read from the database (`content_hash`, and `url` and `renditions`
    as stored) as readers see it."""
    uploaded = media.pop("content_hash") is not None
    if uploaded:
        media["url"] = url(media["url"])
        media["renditions"] = renditions(media["renditions"])
    else:
        media["renditions"] = []
    return media
