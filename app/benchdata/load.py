"""Writes a generated archive into the database: `newsdesk bench-data`.

Authors, categories and tags first (reused when a previous run made them: matched by
English name), then the articles in batches of `articles.BATCH_SIZE`, each batch one
transaction of bulk Core inserts: articles, translations, bylines, tags, sources,
revisions and the search index (`search_documents`, and on SQLite its two FTS5 tables). The ORM
flush hook that indexes translations does not see Core inserts, so the index content
comes with each batch (see `articles`). Batches are made by worker processes while the
previous ones are written.
"""

import asyncio
import contextlib
import functools
import multiprocessing
import os
import time
import typing
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.benchdata import articles as generated
from app.benchdata import taxonomy
from app.benchdata.articles import Batch, Generator, Setup
from app.db import create_engine
from app.kit.slugs import MAX_SLUG_LENGTH, slugify
from app.models import (
    Article,
    ArticleAuthor,
    ArticleSource,
    ArticleTag,
    Author,
    AuthorTranslation,
    Category,
    CategoryTranslation,
    Language,
    Revision,
    SearchDocument,
    Tag,
    TagTranslation,
    Translation,
    utcnow,
)
from app.models.search import FTS_HEAD_TABLE, FTS_PAIRS_TABLE, FTS_TABLE
from app.search.documents import SQLITE_FTS, SQLITE_HEAD, SQLITE_PAIRS, SQLITE_PLACES
from app.search.index import forget_pairs

MAX_ARTICLES = 2_000_000
# Up to this many batches are made in-process: starting workers costs about a second.
IN_PROCESS_BATCHES = 2


class Refused(Exception):
    """The database is not one to generate into (the command exits with code 2)."""


@dataclass(slots=True)
class Report:
    articles: int = 0
    translations: int = 0
    seconds: float = 0.0
    workers: int = 0  # 0: made in-process
    text_seconds: float = 0.0  # CPU time writing the texts, summed over the workers
    index_seconds: float = 0.0  # CPU time making the search index content, likewise
    insert_seconds: float = 0.0  # wall time inserting content rows
    index_insert_seconds: float = 0.0  # wall time inserting the search index
    wait_seconds: float = 0.0  # wall time the writer waited for batches
    gin_seconds: float = 0.0  # PostgreSQL, a fresh archive: building the GIN indexes after

    def summary(self) -> str:
        return (
            f"generated {self.articles} articles ({self.translations} translations) "
            f"in {self.seconds:.1f} s"
        )

    def timings(self) -> str:
        where = f"{self.workers} worker processes" if self.workers else "in-process"
        return (
            f"CPU ({where}): writing texts {self.text_seconds:.1f} s, search terms "
            f"{self.index_seconds:.1f} s; wall: inserting rows {self.insert_seconds:.1f} s, "
            f"search index {self.index_insert_seconds:.1f} s, "
            f"waiting for batches {self.wait_seconds:.1f} s"
            + (f", GIN indexes built after {self.gin_seconds:.1f} s" if self.gin_seconds else "")
        )


async def generate(
    url: str,
    *,
    articles: int,
    seed: int = 1,
    append: bool = False,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Report:
    """Generate `articles` articles into the database at `url` (migrated)."""
    if not 1 <= articles <= MAX_ARTICLES:
        raise Refused(f"--articles must be between 1 and {MAX_ARTICLES}")
    started = time.perf_counter()
    engine = create_engine(url, pool_size=2).execution_options(sqlite_begin="IMMEDIATE")
    try:
        setup = await _prepare(engine, articles=articles, seed=seed, append=append)
        settings = await _bulk_settings(engine)
        report = Report()
        writer = _Writer(engine, setup, settings, report, progress)
        async with _gin_after(engine, report):
            await writer.run(_workers(articles, workers))
        await _analyze(engine)
    finally:
        await engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


# The search index's GIN indexes (PostgreSQL).
_GIN = [
    index
    for index in typing.cast(Table, SearchDocument.__table__).indexes
    if index.dialect_options["postgresql"].get("using") == "gin"
]


@contextlib.asynccontextmanager
async def _gin_after(engine: AsyncEngine, report: Report) -> AsyncIterator[None]:
    """PostgreSQL, into an empty search index: the GIN indexes dropped for the load and
    built once after it (whatever happened meanwhile), as the migrations that rewrite the
    index do: an insert updates each of the three for every document. 100,000 articles:
    369 s (110 s inserting the index, 141 s building it), against 795 s (655 s for the
    index) with the indexes kept up, that run sharing the machine with another load."""
    fresh = engine.dialect.name == "postgresql"
    if fresh:
        async with engine.connect() as conn:
            fresh = await conn.scalar(select(SearchDocument.id).limit(1)) is None
    if not fresh:
        yield
        return
    async with engine.begin() as conn:
        for index in _GIN:
            await conn.run_sync(functools.partial(index.drop, checkfirst=True))
    try:
        yield
    finally:
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text(f"SET LOCAL maintenance_work_mem = '{GIN_MEMORY}'"))
            for index in _GIN:
                await conn.run_sync(functools.partial(index.create, checkfirst=True))
        report.gin_seconds = time.perf_counter() - started


# What building a GIN index may hold in memory (PostgreSQL's default is 64 MB).
GIN_MEMORY = "512MB"


def _workers(articles: int, wanted: int | None) -> int:
    if wanted is not None:
        return wanted
    if generated.batches(articles) <= IN_PROCESS_BATCHES:
        return 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, 4))


async def _prepare(engine: AsyncEngine, *, articles: int, seed: int, append: bool) -> Setup:
    async with engine.begin() as conn:
        languages = {
            row.code: row for row in await conn.execute(select(Language.code, Language.bcp47,
                                                               Language.text_search))
        }  # fmt: skip
        missing = [code for code in taxonomy.LANGUAGES if code not in languages]
        if missing:
            raise Refused(f"the database has no language {', '.join(missing)} (ua, en, ru needed)")
        existing = await conn.scalar(select(func.count()).select_from(Article))
        if existing and not append:
            raise Refused(
                f"the database has {existing} articles already; "
                "pass --append to add the generated ones to them"
            )
        bcp47 = {code: languages[code].bcp47 for code in taxonomy.LANGUAGES}
        authors = await _ensure(conn, Author, AuthorTranslation, taxonomy.authors(), bcp47)
        category_entries = taxonomy.categories()
        categories = await _ensure(conn, Category, CategoryTranslation, category_entries, bcp47)
        tag_entries, layout = taxonomy.tags()
        tags = await _ensure(conn, Tag, TagTranslation, tag_entries, bcp47)
        dialect = conn.dialect.name
    text_search = {code: languages[code].text_search for code in taxonomy.LANGUAGES}
    return Setup(
        seed=seed,
        total=articles,
        first=(existing or 0) + 1,
        now=utcnow(),
        dialect=dialect,
        random_ids=bool(existing),
        bcp47=bcp47,
        lemmas=generated.lemma_tables(text_search),
        authors=authors,
        categories=[
            (ident, e.topic) for ident, e in zip(categories, category_entries, strict=True)
        ],
        tags=tags,
        tag_layout=layout,
    )


async def _ensure(
    conn: AsyncConnection,
    model: type[Author | Category | Tag],
    translation: type[AuthorTranslation | CategoryTranslation | TagTranslation],
    entries: Sequence[taxonomy.Entry],
    bcp47: dict[str, str],
) -> list[uuid.UUID]:
    """The ids of `entries`, made where no row has the same English name yet."""
    table: Table = translation.__table__  # type: ignore[assignment]
    key = next(c for c in table.primary_key.columns if c.name != "language")
    existing: dict[str, list[uuid.UUID]] = {}
    taken: dict[str, set[str]] = {code: set() for code in bcp47}
    for ident, language, name, slug in await conn.execute(
        select(key, table.c.language, table.c.name, table.c.slug)
    ):
        taken.setdefault(language, set()).add(slug)
        if language == "en":
            existing.setdefault(name, []).append(ident)
    now = utcnow()
    ids: list[uuid.UUID] = []
    entities: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for entry in entries:
        reuse = existing.get(entry.names["en"])
        if reuse:
            ids.append(reuse.pop(0))
            continue
        ident = uuid.uuid4()
        ids.append(ident)
        entities.append({"id": ident, "created_at": now, "updated_at": now})
        for language, name in entry.names.items():
            slug = _unique(slugify(name, bcp47[language]), taken[language])
            row = {key.name: ident, "language": language, "name": name, "slug": slug}
            if "bio" in table.c:
                row["bio"] = entry.bios.get(language, "")
            rows.append(row)
    if entities:
        await conn.execute(insert(model), entities)
        await conn.execute(insert(table), rows)
    return ids


def _unique(base: str, taken: set[str]) -> str:
    base = (base or "untitled")[: MAX_SLUG_LENGTH - 4].strip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


# --- Batches --------------------------------------------------------------------------


async def _analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics and visibility map after a bulk load, as autovacuum
    leaves them on a live server.

    Without statistics PostgreSQL guesses one row per table until autovacuum comes by: it
    then sorted every public version of a language for a list page and read a language's
    whole byline table per card (40 ms for a 1.8 ms page). Without the visibility map an
    index-only scan reads each row's page too (a search's hits looked up by
    `ix_translations_by_id`, the list's walk): autovacuum sets it, but a benchmark may
    run before it comes by, or on a server that has it off. SQLite's planner does without.
    """
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))


async def _bulk_settings(engine: AsyncEngine) -> tuple[str, ...]:
    """PostgreSQL settings for the load's own transactions: commits need not wait for the
    disk (a crash loses the last batches, nothing else), and long texts are compressed
    with lz4 where the server has it (much less CPU than pglz; read back the same)."""
    if engine.dialect.name != "postgresql":
        return ()
    settings = ["SET LOCAL synchronous_commit = off"]
    async with engine.connect() as conn:
        compressions = await conn.scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
    if compressions and "lz4" in compressions:
        settings.append("SET LOCAL default_toast_compression = lz4")
    return tuple(settings)


class _Writer:
    """Stores the batches, in order, as worker processes (or this one) make them."""

    def __init__(
        self,
        engine: AsyncEngine,
        setup: Setup,
        settings: tuple[str, ...],
        report: Report,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.engine = engine
        self.setup = setup
        self.settings = settings
        self.report = report
        self.progress = progress

    async def run(self, workers: int) -> None:
        count = generated.batches(self.setup.total)
        self.report.workers = workers
        if workers == 0:
            generator = Generator(self.setup)
            for number in range(count):
                await self.store(generator.batch(number))
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=generated.start, initargs=(self.setup,)
        ) as pool:
            pending: deque[asyncio.Future[Batch]] = deque()
            submitted = 0
            for number in range(count):
                # Keep every worker busy, and no more batches in memory than that needs.
                while submitted < count and submitted < number + workers + 1:
                    pending.append(asyncio.wrap_future(pool.submit(generated.make, submitted)))
                    submitted += 1
                waited = time.perf_counter()
                batch = await pending.popleft()
                self.report.wait_seconds += time.perf_counter() - waited
                await self.store(batch)

    async def store(self, batch: Batch) -> None:
        """One batch, one transaction."""
        report = self.report
        async with self.engine.begin() as conn:
            for setting in self.settings:
                await conn.execute(text(setting))
            started = time.perf_counter()
            for table, rows in (
                (Article, batch.articles),
                (Translation, batch.translations),
                (ArticleAuthor, batch.article_authors),
                (ArticleTag, batch.article_tags),
                (ArticleSource, batch.article_sources),
                (Revision, batch.revisions),
            ):
                if rows:
                    await conn.execute(insert(table), rows)
            indexed = time.perf_counter()
            await _index(conn, self.setup.dialect, batch.search)
            report.insert_seconds += indexed - started
            report.index_insert_seconds += time.perf_counter() - indexed
        report.text_seconds += batch.text_seconds
        report.index_seconds += batch.index_seconds
        report.articles += len(batch.articles)
        report.translations += len(batch.translations)
        if self.progress is not None:
            self.progress(report.articles)


async def _index(conn: AsyncConnection, dialect: str, rows: list[dict[str, Any]]) -> None:
    """What `app.search.index.index_rows` writes, from content made in advance."""
    if not rows:
        return
    if dialect == "postgresql":
        await conn.execute(insert(SearchDocument), rows)
        return
    # search_fts rows share their rowid with the document: the ids are chosen here (this
    # transaction holds the write lock) instead of read back. A deleted document's pairs
    # leave first: SQLite may hand its id out again (`forget_pairs`).
    await conn.run_sync(forget_pairs, [])
    first = (await conn.scalar(select(func.max(SearchDocument.id))) or 0) + 1
    await conn.execute(
        insert(SearchDocument),
        [
            {
                "id": first + k,
                "translation_id": r["translation_id"],
                SQLITE_PLACES: r[SQLITE_PLACES],
            }
            for k, r in enumerate(rows)
        ],
    )
    tables = (
        (FTS_TABLE, SQLITE_FTS),
        (FTS_HEAD_TABLE, SQLITE_HEAD),
        (FTS_PAIRS_TABLE, SQLITE_PAIRS),
    )
    for name, columns in tables:
        await conn.execute(
            text(
                f"INSERT INTO {name} (rowid, {', '.join(columns)}) "  # noqa: S608 (fixed names)
                f"VALUES (:rowid, {', '.join(':' + c for c in columns)})"
            ),
            [{"rowid": first + k, **{c: r[c] for c in columns}} for k, r in enumerate(rows)],
        )
