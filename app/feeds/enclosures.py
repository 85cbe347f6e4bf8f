"""The byte size of a cover's file, for RSS `enclosure` (where `length` is required) and
Atom's `rel="enclosure"` link.

Media records keep the original upload's size, not the sizes of their renditions, and a
feed points at a rendition (the largest whole one, `media.url`). Keys are content-addressed
(a key names its bytes, `app.media.storage`), so a key's size never changes: it is asked of
the storage once per process, in a worker thread (a `stat` for local files, a HEAD for S3),
and remembered. A file the storage cannot find has no size (the feed leaves the enclosure
out rather than state a wrong length).
"""

import contextlib

import anyio.to_thread
from cachetools import LRUCache

from app.media.storage import LocalStorage, Storage

# Sizes by key: about 150 bytes each, so 20,000 (far more covers than 3 languages' feeds
# show) cost some 3 MB.
_SIZES: LRUCache[str, int] = LRUCache(maxsize=20_000)


def _size(storage: Storage, key: str) -> int | None:
    """Blocking: ask the storage (never on the event loop)."""
    with contextlib.suppress(OSError, ValueError):
        if isinstance(storage, LocalStorage):
            return storage.path(key).stat().st_size
        client = getattr(storage, "client", None)  # app.media.s3.S3Storage
        bucket = getattr(storage, "bucket", None)
        if client is not None and bucket is not None:
            try:
                answer = client.head_object(Bucket=bucket, Key=key)
            except Exception:
                return None
            length = answer.get("ContentLength")
            return length if isinstance(length, int) else None
    return None


def _sizes(storage: Storage, keys: list[str]) -> dict[str, int]:
    found = {}
    for key in keys:
        size = _size(storage, key)
        if size is not None:
            found[key] = size
    return found


async def sizes(storage: Storage, keys: set[str]) -> dict[str, int]:
    """The byte size of each stored file of `keys` (a key with no file is left out)."""
    known = {key: _SIZES[key] for key in keys if key in _SIZES}
    missing = sorted(keys - known.keys())
    if missing:
        found = await anyio.to_thread.run_sync(_sizes, storage, missing)
        _SIZES.update(found)
        known |= found
    return known
