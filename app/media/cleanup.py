"""Files that follow a transaction: written before it commits, removed if it rolls back;
no longer used once it commits, removed then (`app.db.get_session` calls `settle`).

A file removed only after the commit that stopped using it: a failed delete leaves an
unused file (harmless, and `newsdesk media-sweep` finds it), never a record without its
files. A file written for a row that never commits is removed with the rollback.
"""

import logging
from collections.abc import Iterable

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.media.storage import Storage

_ROLLBACK = "newsdesk.media.rollback"
_COMMIT = "newsdesk.media.commit"
log = logging.getLogger("newsdesk")


def remove_on_rollback(session: AsyncSession, keys: Iterable[str]) -> None:
    session.info.setdefault(_ROLLBACK, []).extend(keys)


def remove_on_commit(session: AsyncSession, keys: Iterable[str]) -> None:
    session.info.setdefault(_COMMIT, []).extend(keys)


async def settle(session: AsyncSession, storage: Storage | None, *, committed: bool) -> None:
    """Remove the files the transaction's outcome leaves unused."""
    keys: list[str] = session.info.pop(_COMMIT if committed else _ROLLBACK, [])
    session.info.pop(_ROLLBACK if committed else _COMMIT, None)
    if not keys or storage is None:
        return
    try:
        await anyio.to_thread.run_sync(storage.delete, keys)
    except Exception:  # the answer stands; the files are only unused
        log.exception("could not remove %d unused media files", len(keys))
