"""The search index, kept in step with translations inside the writing transaction.

Every translation has one search document. Its terms come from `analysis` (the same
Python code for both databases): one primary lemma per word, in order, so phrases
match as phrases, and the word's other possible lemmas beside it. What each document
holds, and how a text becomes it, is `documents` (pure; no database).

- PostgreSQL: `search_documents.vector`, a `tsvector` literal, and `head`, the same for
  title and lead only: small, so ranking by field never reads a whole body. Both
  GIN-indexed.
- SQLite: FTS5 tables `search_fts`, `search_fts_head` and `search_fts_pairs` (rowid =
  `search_documents.id`).

An ORM flush hook re-analyses every translation whose title, lead or body changed, or
which is new, in the same transaction; deletes cascade (PostgreSQL by foreign key,
SQLite by a trigger on `search_documents`). Visibility (publish, unpublish, archive) is
the translation's: queries apply the one visibility rule to it. On SQLite each entry
also carries copies of the translation's language, status and times, which triggers
write (made by migration `1f166a3f298d`: when an entry is made, and whenever those
columns change), for a page to choose its newest hits from (`app.public.service`).

`rebuild` re-analyses everything (`newsdesk search-reindex`): source rows are read in
batches by id, analysed in this process or, with `jobs` > 1, in a pool of worker
processes, and written in order by this one, in the caller's transaction.
"""

import contextlib
import json
import multiprocessing
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    column,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from app.languages import known
from app.models import SearchDocument, Translation
from app.models.search import FTS_HEAD_TABLE, FTS_PAIRS_TABLE, FTS_TABLE
from app.search import documents
from app.search.analysis import for_archives
from app.search.documents import (
    COLUMNS,
    SQLITE_FTS,
    SQLITE_HEAD,
    SQLITE_PAIRS,
    SQLITE_PLACES,
    Entry,
    Source,
)

# `app.search.query` builds its terms with it.
ALTERNATIVE = documents.ALTERNATIVE
BATCH = 500
# Batches handed to the worker pool and not written yet, per worker: enough to keep every
# worker busy while this process writes, few enough to keep memory flat.
IN_FLIGHT_PER_JOB = 2


def index_rows(
    connection: Connection,
    rows: Iterable[Any],
    languages: Mapping[str, known.Known] | None = None,
) -> int:
    """(Re)index translations given as rows with id, language, title, lead, body_html;
    `languages`: the configured ones, when the caller has them (read here otherwise)."""
    settings = known.read(connection) if languages is None else languages
    sources = [_source(row, settings) for row in rows]
    return _write(connection, documents.analyse(connection.dialect.name, sources))


def _source(row: Any, languages: Mapping[str, known.Known]) -> Source:
    language = languages.get(row.language)
    text_search = language.text_search if language else "simple"
    return (row.id, row.language, text_search, row.title, row.lead, row.body_html)


def _write(
    connection: Connection, entries: Sequence[Entry], only: Sequence[str] | None = None
) -> int:
    """`only`: the columns to write, when a migration runs before the rest exist (SQLite:
    the head table only once it exists)."""
    if not entries:
        return 0
    dialect = connection.dialect.name
    if dialect == "postgresql":
        names = [name for name in COLUMNS[dialect] if only is None or name in only]
        upsert = postgresql.insert(SearchDocument)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[SearchDocument.translation_id],
                set_={name: upsert.excluded[name] for name in names},
            ),
            [
                {
                    "translation_id": ident,
                    **{
                        name: value
                        for name, value in zip(COLUMNS[dialect], values, strict=True)
                        if name in names
                    },
                }
                for ident, values in entries
            ],
        )
        return len(entries)
    at = COLUMNS[dialect].index(SQLITE_PLACES)
    if only is None or SQLITE_PLACES in only:  # not in a migration's before the column
        placing = sqlite.insert(SearchDocument)
        connection.execute(
            placing.on_conflict_do_update(
                index_elements=[SearchDocument.translation_id],
                set_={SQLITE_PLACES: placing.excluded[SQLITE_PLACES]},
            ),
            [{"translation_id": ident, SQLITE_PLACES: values[at]} for ident, values in entries],
        )
    else:
        connection.execute(
            sqlite.insert(SearchDocument).on_conflict_do_nothing(),
            [{"translation_id": ident} for ident, _ in entries],
        )
    rowids = dict(
        connection.execute(
            select(SearchDocument.translation_id, SearchDocument.id).where(
                SearchDocument.translation_id.in_([ident for ident, _ in entries])
            )
        ).all()
    )
    params = [
        {"rowid": rowids[ident], **dict(zip(COLUMNS[dialect], values, strict=True))}
        for ident, values in entries
    ]
    tables = _fts_tables(connection, only)
    if any(fts.name == FTS_PAIRS_TABLE for fts in tables):  # first: its values are read
        forget_pairs(connection, [rowids[ident] for ident, _ in entries])  # from FTS_TABLE
    for fts in tables:
        if fts.name != FTS_PAIRS_TABLE:  # contentless: its rows went out with their values
            connection.execute(text(f"DELETE FROM {fts.name} WHERE rowid = :rowid"), params)  # noqa: S608 (fixed names)
        connection.execute(insert(fts), params)  # each takes its own columns' values
    return len(entries)


# SQLite: what the pairs table's rows were written from, for documents deleted since (the
# delete trigger copies their FTS5 row's primary columns here: see `forget_pairs`).
PAIRS_GONE = "search_fts_pairs_gone"
_FORGET = text(
    f"INSERT INTO {FTS_PAIRS_TABLE} ({FTS_PAIRS_TABLE}, rowid, {', '.join(SQLITE_PAIRS)}) "  # noqa: S608 (fixed names)
    f"VALUES ('delete', :rowid, {', '.join(':' + name for name in SQLITE_PAIRS)})"
)
_PRIMARIES = ", ".join((*documents.FIELDS, "language"))  # what the pairs are made from
_WRITTEN = text(
    f"SELECT rowid, {_PRIMARIES} FROM {FTS_TABLE} "  # noqa: S608 (fixed names)
    "WHERE rowid IN (SELECT value FROM json_each(:rowids)) "
    f"UNION ALL SELECT id, {_PRIMARIES} FROM {PAIRS_GONE}"
)


def forget_pairs(connection: Connection, rowids: Sequence[int]) -> None:
    """SQLite: take these documents' rows out of the pairs table, and those of documents
    deleted since the last write. The table is contentless (it keeps the index, not the
    text: 2.9 GB at 100k articles), and FTS5 takes such a row out only when given the values
    it was written with: they are made again from the FTS5 table's primary columns, which
    they were made from (`documents.fts_pairs`), before that row is replaced. A deleted
    document's row waits in PAIRS_GONE (a trigger cannot make pairs); until its pairs go,
    its rowid, which no document has, matches nothing a search reads, and this runs before
    any document is written, so a rowid SQLite hands out again never meets them."""
    written = connection.execute(_WRITTEN, {"rowids": json.dumps(list(rowids))}).all()
    if written:
        connection.execute(
            _FORGET,
            [
                {
                    "rowid": row.rowid,
                    **{
                        f"{name}_pairs": documents.fts_pairs(getattr(row, name) or "", name)
                        for name in documents.FIELDS
                    },
                    "language": row.language,
                }
                for row in written
            ],
        )
    connection.execute(text(f"DELETE FROM {PAIRS_GONE}"))  # noqa: S608 (fixed names)


# SQLite's FTS5 tables, with the columns of an entry each holds.
_FTS = tuple(
    table(name, column("rowid"), *(column(c) for c in columns))
    for name, columns in (
        (FTS_TABLE, SQLITE_FTS),
        (FTS_HEAD_TABLE, SQLITE_HEAD),
        (FTS_PAIRS_TABLE, SQLITE_PAIRS),
    )
)


def _fts_tables(connection: Connection, only: Sequence[str] | None) -> tuple[TableClause, ...]:
    """The FTS5 tables to write: all, but for a migration's rebuild (`only`) the ones
    that exist yet, with the columns they have then (the head table, the `language`
    columns and the pairs table came later)."""
    if only is None:
        return _FTS
    tables = []
    for fts in _FTS:
        exists = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": fts.name}
        )
        if exists.first() is not None:
            has = connection.execute(text(f"SELECT * FROM {fts.name} LIMIT 0")).keys()  # noqa: S608 (fixed names)
            names = [c.name for c in fts.c if c.name == "rowid" or c.name in has]
            tables.append(table(fts.name, *(column(name) for name in names)))
    return tuple(tables)


def rebuild(
    connection: Connection,
    *,
    language: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    only: Sequence[str] | None = None,
) -> int:
    """Re-analyse every translation (of one language): after an analyser changes.
    `progress(done, total)` after each batch; `jobs` > 1: analysed by that many worker
    processes (the index written is the same); `only`: the columns to write (a
    migration's, before later ones add the rest; see `_write`)."""
    where = [] if language is None else [Translation.language == language]
    count = select(func.count()).select_from(Translation).where(*where)
    total = connection.execute(count).scalar_one()
    if progress is not None:
        progress(0, total)
    if language is None:
        # Start empty: writing fresh rows is cheaper than replacing each one. (The FTS5
        # table first, so the delete trigger finds nothing left to do.)
        if connection.dialect.name == "sqlite":
            for fts in _fts_tables(connection, only):
                _empty(connection, fts.name)
        connection.execute(delete(SearchDocument))
    batches = _sources(connection, where, known.read(connection))
    jobs = min(jobs, -(-total // BATCH))  # a pool for one batch only costs its start
    done = 0
    with contextlib.closing(_analysed(batches, connection.dialect.name, jobs)) as analysed:
        for entries in analysed:
            done += _write(connection, entries, only)
            if progress is not None:
                progress(done, total)
    if connection.dialect.name == "postgresql":
        # Every row was rewritten: the planner's term statistics must follow at once.
        connection.execute(text("ANALYZE search_documents"))
    else:
        for fts in _fts_tables(connection, only):
            optimize(connection, fts.name)
    return done


def optimize(connection: Connection, name: str) -> None:
    """SQLite: merge an FTS5 table's index into one segment (FTS5's `optimize`). Written in
    one transaction, as a rebuild writes, the index is left in many segments, each read
    by every query: after `search-reindex` at 100,000 articles, the title tier of
    «президента» in Russian was listed in 10.9 ms and walked in 15.7, against 1.9 and
    5.6 once merged (23 s for the three tables)."""
    connection.execute(text(f"INSERT INTO {name} ({name}) VALUES ('optimize')"))  # noqa: S608 (fixed names)


def _empty(connection: Connection, name: str) -> None:
    """SQLite: an FTS5 table emptied; the contentless pairs table by FTS5's command (it
    takes no DELETE), and what was waiting to leave it with it."""
    if name != FTS_PAIRS_TABLE:
        connection.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (fixed names)
        return
    connection.execute(text(f"INSERT INTO {name} ({name}) VALUES ('delete-all')"))  # noqa: S608 (fixed names)
    connection.execute(text(f"DELETE FROM {PAIRS_GONE}"))  # noqa: S608 (fixed names)


_SOURCE = (
    Translation.id,
    Translation.language,
    Translation.title,
    Translation.lead,
    Translation.body_html,
)


def _sources(
    connection: Connection,
    where: Sequence[ColumnElement[bool]],
    languages: Mapping[str, known.Known],
) -> Iterator[list[Source]]:
    """The translations in batches, in id order, read a batch at a time (keyset on id:
    the same connection writes between reads, so no cursor is held open)."""
    after: uuid.UUID | None = None
    while True:
        query = select(*_SOURCE).where(*where).order_by(Translation.id).limit(BATCH)
        if after is not None:
            query = query.where(Translation.id > after)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield [_source(row, languages) for row in rows]
        after = rows[-1].id


def _analysed(
    batches: Iterator[list[Source]], dialect: str, jobs: int
) -> Generator[list[Entry], None, None]:
    """Each batch's entries, in order; with `jobs` > 1 from a pool of worker processes,
    at most `IN_FLIGHT_PER_JOB` batches per worker read ahead."""
    if jobs <= 1:
        for sources in batches:
            yield documents.analyse(dialect, sources)
        return
    # "spawn": fresh interpreters that import only `documents` and what it needs (and the
    # command's light main module), not a fork of a process with an event loop, a
    # database connection and threads running.
    context = multiprocessing.get_context("spawn")
    pending: deque[Future[list[Entry]]] = deque()
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=for_archives) as pool:
        try:
            for sources in batches:
                pending.append(pool.submit(documents.analyse, dialect, sources))
                if len(pending) >= IN_FLIGHT_PER_JOB * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


_TEXT = ("title", "lead", "body_html")


def _keep_in_step(session: Session, _context: Any) -> None:
    changed = [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Translation)
        and obj not in session.deleted
        and (
            obj in session.new
            or any(inspect(obj).attrs[name].history.has_changes() for name in _TEXT)
        )
    ]
    if changed:
        index_rows(session.connection(), [_Row.of(t) for t in changed], known.of(session))


@dataclass(frozen=True, slots=True)
class _Row:
    id: uuid.UUID
    language: str
    title: str
    lead: str
    body_html: str

    @classmethod
    def of(cls, t: Translation) -> "_Row":
        return cls(t.id, t.language, t.title, t.lead or "", t.body_html or "")


def install() -> None:
    """Keep the index in step with every ORM session's flushes; `Database` calls it. Idempotent."""
    if not event.contains(Session, "after_flush", _keep_in_step):
        event.listen(Session, "after_flush", _keep_in_step)
