"""The languages one session has read, kept for the rest of its life.

Every write that names a language checks it (`app.languages.service.require`) and every
flush that indexes a version asks how its language is analysed (`app.search.index`): an
import asks both thousands of times in one transaction, for the same three rows. The
first asks the database; the others read what it found. A session that writes to
`languages` (a flush with a `Language` in it, or a statement on the table) or rolls back
(a savepoint too) forgets them, so it reads its own change next time.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

from app.models import Language

KEY = "newsdesk.languages"


@dataclass(frozen=True, slots=True)
class Known:
    """What writes need of a language (a plain value: it outlives rollbacks and
    `expunge_all`, unlike the ORM row)."""

    code: str
    bcp47: str
    text_search: str


def read(connection: Connection) -> dict[str, Known]:
    """Every configured language by code, from the database (no session to keep it in)."""
    rows = connection.execute(select(Language.code, Language.bcp47, Language.text_search))
    return {code: Known(code, bcp47, text_search) for code, bcp47, text_search in rows}


def of(session: Session) -> dict[str, Known]:
    """Every configured language by code (sync: inside a flush, or through `run_sync`)."""
    known: dict[str, Known] | None = session.info.get(KEY)
    if known is None:
        known = session.info[KEY] = read(session.connection())
    return known


async def of_async(session: AsyncSession) -> dict[str, Known]:
    """`of` for an async session (read through `run_sync` only when not kept yet)."""
    known: dict[str, Known] | None = session.info.get(KEY)
    return known if known is not None else await session.run_sync(of)


def forget(session: Session) -> None:
    session.info.pop(KEY, None)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    written: Iterable[object] = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, Language) for obj in written):
        forget(session)


def _on_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase) and getattr(statement.table, "name", None) == (
        Language.__tablename__
    ):
        forget(state.session)


def _after_rollback(session: Session, _previous: Any) -> None:
    forget(session)


def install() -> None:
    """Forget on every session's writes to `languages` and rollbacks; `Database` calls it.
    Idempotent."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("do_orm_execute", _on_statement),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
