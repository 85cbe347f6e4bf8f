"""Where image files live: a local directory or an S3-compatible bucket.

Files are content-addressed and never change once written (a key names its bytes), so
every write may be repeated and every reader may cache forever. The calls are blocking:
they run in the worker thread that makes an upload's renditions (`app.media.imaging`),
or through `anyio.to_thread` from the event loop, never on it.

- `LocalStorage`: files under `NEWSDESK_MEDIA_DIR`, written to a temporary name in the
  same directory and renamed into place, so a reader never sees half a file and a killed
  writer leaves no file under a key. Served by the app under `/media/` (`app.media.files`).
- `S3Storage` (`app.media.s3`): a bucket of AWS S3, R2, MinIO, SeaweedFS or any
  S3-compatible store, through boto3. Readers fetch files from the store or the CDN in
  front of it (`NEWSDESK_MEDIA_BASE_URL`), not through the app.
"""

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from app.config import Settings

# What a key may be: lowercase hex directories and a file name of letters, digits, `.`,
# `-` and `_`. Nothing a client sends becomes part of a key; this is the last guard
# against a path that leaves the directory (`..`, `/`, NUL, backslashes).
KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}/[0-9a-z][0-9a-z._-]{0,99}")
IMMUTABLE = "public, max-age=31536000, immutable"


def check_key(key: str) -> str:
    if not KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a media key: {key!r}")
    return key


class Storage(Protocol):
    """A place for immutable files under keys (see `KEY`)."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (writing the same key again is harmless)."""

    def get(self, key: str) -> bytes:
        """The file under `key` (FileNotFoundError when there is none)."""

    def delete(self, keys: Iterable[str]) -> None:
        """Remove the files under `keys`; a key with no file is not an error."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""

    def keys(self) -> Iterable[str]:
        """Every key stored (for sweeping orphans and for tests)."""

    def entries(self) -> Iterable[tuple[str, float]]:
        """Every key stored with when it was written (POSIX time)."""

    def leftovers(self, older_than: float) -> int:
        """Remove what writers killed midway left (temporary files) before `older_than`
        (POSIX time); how many. Nothing to do where writes are atomic (S3)."""

    def url(self, key: str) -> str:
        """Where a reader fetches `key`."""

    def check(self) -> None:
        """Raise when the storage cannot be used (at start-up: fail early and clearly)."""


class LocalStorage:
    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            path = self.path(key)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            for directory in (path.parent, path.parent.parent):
                with contextlib.suppress(OSError):  # not empty: another file lives there
                    directory.rmdir()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys(self) -> Iterable[str]:
        if not self.root.is_dir():
            return []
        found = (p.relative_to(self.root).as_posix() for p in self.root.glob("*/*/*"))
        return sorted(key for key in found if KEY.fullmatch(key))

    def entries(self) -> Iterable[tuple[str, float]]:
        for key in self.keys():
            with contextlib.suppress(FileNotFoundError):
                yield key, self.path(key).stat().st_mtime

    def leftovers(self, older_than: float) -> int:
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in self.root.rglob(".*"):
            if path.name.startswith((".upload-", ".incoming-", ".refocus-")) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < older_than:
                        path.unlink()
                        removed += 1
        return removed

    def url(self, key: str) -> str:
        return f"{self.base_url}/{key}"

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise RuntimeError(f"NEWSDESK_MEDIA_DIR {self.root} is not writable")


def from_settings(settings: Settings) -> Storage:
    """The storage the settings name."""
    if settings.media_storage == "s3":
        from app.media.s3 import S3Storage

        return S3Storage.from_settings(settings)
    base = settings.media_base_url or f"{settings.site_url.rstrip('/')}/media"
    return LocalStorage(settings.media_dir, base)
