"""`newsdesk import`: a Newsdesk export (JSON Lines) into this database, line by line.

Each object line is applied in a savepoint of its own, so an article is never half
imported, and a bad line fails alone: its number and what is wrong go in the report, and
the rest of the file is imported. Lines are committed in batches (`_Batches`). Ids are
kept, so importing the same file again changes nothing
(a line equal to what is stored is skipped) and a changed line updates its object instead
of duplicating it.

Writes go through the services the API uses: bodies through the sanitizer
(`app.articles.service.text_fields`), slugs through the slug rules (a slug taken by
another article is refused), and every flush through the session hooks that keep the
search index, the response cache's purges, the change feed, webhooks and the audit log in
step. What the file says about an object's state — publication times and statuses,
creation and change times, correction notes, former slugs, pending copies — is restored
as stored, not replayed as transitions. A version the file lacks is left alone (an export
of one language updates that language only).

Related articles may point forward in the file: those not there yet are linked after the
last line (each article in a transaction of its own again).
"""

import contextlib
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio
from pydantic import ValidationError
from pydantic_core import from_json
from sqlalchemy import delete, make_url, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from app.articles import service as articles
from app.articles.schemas import ArticleUpdate, TranslationIn
from app.audit import hook as audit
from app.cache import keys as cache_keys
from app.cache.cache import ResponseCache
from app.db import Database
from app.errors import AppError
from app.languages import service as languages
from app.models import (
    Article,
    ArticleRelated,
    Correction,
    Language,
    Media,
    MediaTranslation,
    PendingTranslation,
    Revision,
    SlugRedirect,
    Translation,
)
from app.revisions import service as revisions
from app.taxonomy import service as taxonomy
from app.transfer import export
from app.transfer.lines import (
    KINDS,
    MAX_LINE,
    VERSION,
    ArticleLine,
    End,
    Header,
    LanguageLine,
    MediaLine,
    TermLine,
)

ACTOR = "cli:import"
BATCH = 200  # lines per transaction at most
BATCH_SECONDS = 0.5  # and at most this long
# A version's columns the file restores as stored (not replayed as transitions).
_STATE = ("status", "publish_at", "published_at", "expire_at", "expire_status", "created_at",
          "updated_at", "revised_at")  # fmt: skip
_TERMS = {"author": taxonomy.AUTHORS, "category": taxonomy.CATEGORIES, "tag": taxonomy.TAGS}
_TEXT = ("title", "lead", "body_html", "slug", "seo_title", "seo_description",
         "social_title", "social_description", "social_image_id")  # fmt: skip


class LineError(Exception):
    """What is wrong with one line, in words for the report."""


@dataclass
class Report:
    """What an import did: per type, how many lines created, updated or left unchanged
    an object; each failed line's number and error."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    complete: bool = False  # the file's end line was read, and its counts matched

    def count(self, outcome: str, kind: str) -> None:
        tally: dict[str, int] = getattr(self, outcome)
        tally[kind] = tally.get(kind, 0) + 1

    def summary(self) -> str:
        def total(tally: dict[str, int]) -> int:
            return sum(tally.values())

        return (
            f"{self.lines:,} lines: {total(self.created):,} created, "
            f"{total(self.updated):,} updated, {total(self.unchanged):,} unchanged, "
            f"{len(self.errors):,} failed"
        )


def read_lines(source: IO[bytes], limit: int = MAX_LINE) -> Iterable[tuple[int, bytes | None]]:
    """The file's lines, numbered from 1; a line over `limit` bytes comes as None, after
    being skipped in pieces (never held whole in memory)."""
    number = 0
    while True:
        line = source.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = source.readline(limit)
            yield number, None
            continue
        yield number, line


def parse(raw: bytes) -> Any:
    """A line's object, checked against its type's model."""
    try:
        value = from_json(raw, cache_strings="keys")
    except ValueError as exc:
        raise LineError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise LineError("not a JSON object")
    kind = value.get("type")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise LineError(f"unknown `type` {kind!r}")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(line)'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:10]
        )
        raise LineError(f"invalid {kind}: {problems}") from None


def _kind_of(raw: bytes) -> str | None:
    """The `type` of a line that failed its checks, if it says one."""
    try:
        value = from_json(raw, cache_strings="keys")
    except ValueError:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


def _describe(exc: Exception) -> str:
    if isinstance(exc, LineError):
        return str(exc)
    if isinstance(exc, AppError):
        detail = exc.detail
        errors = getattr(exc, "errors", None)
        if errors:
            detail += " " + "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in errors
            )
        return detail
    if isinstance(exc, IntegrityError):
        return f"conflicts with what is stored: {str(exc.orig).splitlines()[0]}"
    raise exc


@dataclass
class Importer:
    """`cache`: the response cache of the process it runs in (the API's import jobs): each
    commit purges what it changed there and, through its bus, in every worker."""

    db: Database
    cache: ResponseCache | None = None
    dry_run: bool = False
    actor: str = ACTOR
    report: Report = field(default_factory=Report)
    # Articles whose related articles come later in the file: (line, id, related ids).
    later: list[tuple[int, uuid.UUID, list[uuid.UUID]]] = field(default_factory=list)

    async def run(
        self,
        numbered: Iterable[tuple[int, bytes | None]],
        progress: Callable[[], None] = lambda: None,
    ) -> Report:
        async with self._sessions() as session_for:
            header: Header | None = None
            end: End | None = None
            seen: dict[str, int] = {}  # lines per type
            given = _Lines()  # (type, id): its line
            for number, raw in numbered:
                self.report.lines = number
                progress()
                if raw is None:
                    self.report.errors.append((number, "too long: skipped"))
                    continue
                if not raw.strip():
                    continue
                try:
                    line = parse(raw)
                except LineError as exc:
                    if header is None:
                        raise LineError(f"line {number}: {exc}") from None
                    self.report.errors.append((number, str(exc)))
                    kind = _kind_of(raw)  # still a line of its type, for the end's counts
                    if kind in KINDS and kind not in ("header", "end"):
                        seen[kind] = seen.get(kind, 0) + 1
                    continue
                if header is None:
                    if not isinstance(line, Header):
                        raise LineError("line 1 is not a Newsdesk export's header")
                    if line.version != VERSION:
                        raise LineError(
                            f"format version {line.version}: this Newsdesk reads version {VERSION}"
                        )
                    header = line
                    continue
                if isinstance(line, Header):
                    self.report.errors.append((number, "a second header"))
                    continue
                if isinstance(line, End):
                    end = line
                    continue
                if end is not None:
                    self.report.errors.append((number, "a line after the end line"))
                    continue
                kind = "language" if isinstance(line, LanguageLine) else line.type
                seen[kind] = seen.get(kind, 0) + 1
                name = line.code if isinstance(line, LanguageLine) else str(line.id)
                first = given.first(kind, name, number)
                if first != number:
                    self.report.errors.append((number, f"{kind} {name} is on line {first} too"))
                    continue
                await self._one(session_for, number, line)
            given.close()  # (an error before this: closed when collected)
            if header is None:
                raise LineError("the file is empty")
            for number, ident, related in self.later:
                await self._guarded(session_for, number, "article", self._link(ident, related))
        if end is None:
            self.report.errors.append((self.report.lines, "no end line: the file is cut off"))
        elif end.counts != seen:
            self.report.errors.append(
                (self.report.lines, f"the end line counts {end.counts}, the file has {seen}")
            )
        else:
            self.report.complete = True
        return self.report

    def _sessions(self) -> "_Batches":
        return _Batches(self.db, self.cache, self.actor, dry_run=self.dry_run)

    async def _one(self, session_for: Callable[[], Any], number: int, line: Any) -> None:
        if isinstance(line, LanguageLine):
            await self._guarded(session_for, number, "language", self._language(line))
        elif isinstance(line, TermLine):
            await self._guarded(session_for, number, line.type, self._term(line))
        elif isinstance(line, MediaLine):
            await self._guarded(session_for, number, "media", self._media(line))
        elif isinstance(line, ArticleLine):
            await self._guarded(session_for, number, "article", self._article(line, number))

    async def _guarded(
        self, session_for: Callable[[], Any], number: int, kind: str, work: Any
    ) -> None:
        try:
            async with session_for() as session:
                outcome = await work(session)
        except Exception as exc:  # `_describe` raises what it cannot word
            self.report.errors.append((number, _describe(exc)))
            return
        if outcome is not None:
            self.report.count(outcome, kind)

    # Objects ----------------------------------------------------------------------------

    def _language(self, line: LanguageLine) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> str:
            values = line.model_dump(exclude={"type"})
            stored = await session.get(Language, line.code)
            if stored is None:
                session.add(Language(**values))
                await session.flush()
                return "created"
            if export.language_line(stored) == {"type": "language", **values}:
                return "unchanged"
            if stored.text_search != line.text_search:
                raise LineError(
                    f"language '{line.code}' is analysed as '{stored.text_search}' here: change "
                    "its text_search with updateLanguage, which re-indexes it, not by import"
                )
            for key, value in values.items():
                setattr(stored, key, value)
            await session.flush()
            return "updated"

        return work

    def _term(self, line: TermLine) -> Callable[[AsyncSession], Any]:
        kind = _TERMS[line.type]

        async def work(session: AsyncSession) -> str:
            stored: Any = await session.scalar(
                select(kind.entity)
                .options(selectinload(kind.entity.translations))
                .where(kind.entity.id == line.id)
            )
            wanted = line.model_dump(mode="json")
            if stored is not None and _same(TermLine, export.term_line(kind, stored), wanted):
                return "unchanged"
            names = {
                lang: {k: v for k, v in t.model_dump().items() if v is not None}
                for lang, t in line.translations.items()
            }
            created = stored is None
            if stored is None:
                stored = kind.entity(id=line.id, translations=[])
                session.add(stored)
            stored.created_at = line.created_at
            gone = {t.language for t in stored.translations} - names.keys()
            await taxonomy.apply_translations(
                session, kind, stored, {**names, **dict.fromkeys(gone)}, updated_at=line.updated_at
            )
            return "created" if created else "updated"

        return work

    def _media(self, line: MediaLine) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> str:
            stored = await session.scalar(
                select(Media).options(selectinload(Media.translations)).where(Media.id == line.id)
            )
            wanted = line.model_dump(mode="json")
            if stored is not None and _same(MediaLine, export.media_line(stored), wanted):
                return "unchanged"
            await _require_languages(session, line.translations)
            created = stored is None
            if stored is None:
                stored = Media(id=line.id, translations=[])
                session.add(stored)
            values = line.model_dump(exclude={"type", "id", "translations", "focal_point"})
            values["renditions"] = [list(r) for r in line.renditions]
            for key, value in values.items():
                setattr(stored, key, value)
            stored.focal_x, stored.focal_y = line.focal_point
            current = {t.language: t for t in stored.translations}
            for lang, texts in line.translations.items():
                row = current.pop(lang, None)
                if row is None:
                    stored.translations.append(
                        MediaTranslation(language=lang, **texts.model_dump())
                    )
                else:
                    row.caption, row.alt = texts.caption, texts.alt
            for row in current.values():
                stored.translations.remove(row)
            flag_modified(stored, "updated_at")
            await session.flush()
            return "created" if created else "updated"

        return work

    def _article(self, line: ArticleLine, number: int) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> str:
            stored = await _load(session, line.id)
            wanted = line.model_dump(mode="json")
            if stored is not None:
                former = await _former(session, line.id)
                history = None if line.revisions is None else await _revisions(session, line.id)
                current = export.article_line(stored, former, set(line.translations), history)
                if _same(ArticleLine, current, wanted):
                    return "unchanged"
            of_revisions = {r.language for r in line.revisions or () if r.language}
            await _require_languages(session, {*line.translations, *of_revisions})
            created = stored is None
            article = stored or Article(
                id=line.id,
                original_language=line.original_language,
                created_at=line.created_at,
                updated_at=line.updated_at,
                created_by=line.created_by,
                last_revision=0,
                authors=[],
                tags=[],
                sources=[],
                related=[],
                translations=[],
            )
            exist = (
                set(
                    await session.scalars(
                        select(Article.id).where(Article.id.in_(line.related_ids))
                    )
                )
                if line.related_ids
                else set()
            )
            now_related = [i for i in line.related_ids if i in exist]
            if len(now_related) < len(line.related_ids):
                self.later.append((number, line.id, line.related_ids))
            references = ArticleUpdate(
                author_ids=line.author_ids,
                tag_ids=line.tag_ids,
                category_id=line.category_id,
                cover_media_id=line.cover_media_id,
                sources=line.sources,
                related_ids=now_related,
            )
            before = None if created else revisions.article_snapshot(article)
            await articles.set_references(session, article, references)
            if created:
                session.add(article)
            await session.flush()
            after = revisions.article_snapshot(article)
            await revisions.record(
                session, article.id, actor=self.actor, action="import", snapshot=after,
                changed_fields=revisions.changed(before, after),
            )  # fmt: skip
            # The original first: the others record the revision they are made from.
            ordered = sorted(
                line.translations.items(), key=lambda kv: kv[0] != line.original_language
            )
            for lang, version in ordered:
                await self._version(session, article, lang, version)
            article.original_language = line.original_language
            await self._former_slugs(session, article, line, created=created)
            article.created_at, article.updated_at = line.created_at, line.updated_at
            article.created_by = line.created_by
            article.deleted_at, article.deleted_by = line.deleted_at, line.deleted_by
            flag_modified(article, "updated_at")
            await session.flush()
            if line.revisions is not None:
                await _history(session, article, line)
            return "created" if created else "updated"

        return work

    async def _version(
        self, session: AsyncSession, article: Article, lang: str, version: Any
    ) -> None:
        content = TranslationIn.model_validate(version.model_dump(include=set(_TEXT)))
        existing = articles.translation_of(article, lang)
        state = {name: getattr(version, name) for name in _STATE}
        if existing is None or any(
            getattr(existing, name) != getattr(content, name) for name in _TEXT
        ):
            await articles.put_translation(
                session, article, lang, content, actor=self.actor, action="import", state=state
            )
        translation = articles.require_translation(article, lang)
        for name, value in state.items():  # when the text was the same
            setattr(translation, name, value)
        await self._corrections(session, translation, version.corrections)
        await self._pending(session, article, translation, version.pending)
        await session.flush()

    async def _corrections(
        self, session: AsyncSession, translation: Translation, notes: list[Any]
    ) -> None:
        """Notes are append-only: the file may add some, not change or drop one."""
        stored = {c.number: c for c in translation.corrections}
        for note in notes:
            row = stored.get(note.number)
            if row is None:
                translation.corrections.append(
                    Correction(
                        id=uuid.uuid4(),
                        article_id=translation.article_id,
                        language=translation.language,
                        number=note.number,
                        kind=note.kind.value,
                        text=note.text,
                        created_at=note.created_at,
                        created_by=note.created_by,
                    )
                )
            elif (row.kind, row.text) != (note.kind.value, note.text):
                raise LineError(
                    f"correction {note.number} of '{translation.language}' differs from the "
                    "stored one: notes readers saw are never changed"
                )
        if len(stored) > len(notes):
            raise LineError(
                f"'{translation.language}' has {len(stored)} correction notes stored and the "
                f"line {len(notes)}: notes readers saw are never removed"
            )

    async def _pending(
        self, session: AsyncSession, article: Article, translation: Translation, copy: Any
    ) -> None:
        stored = translation.pending
        if copy is None:
            if stored is not None:
                await session.delete(stored)
                set_committed_value(translation, "pending", None)
            return
        content = TranslationIn.model_validate(copy.model_dump(include=set(_TEXT)))
        if content.slug is not None and content.slug != translation.slug:
            await articles.require_free_slug(
                session, language=translation.language, owner=article.id, slug=content.slug
            )
        await articles.check_social_image(session, content)
        language = await session.get(Language, translation.language)
        assert language is not None
        text, _ = await articles.text_fields(content, language.bcp47)
        row = stored or PendingTranslation(translation_id=translation.id)
        row.slug = content.slug
        for key, value in text.items():
            if key not in ("outline", "embeds"):
                setattr(row, key, value)
        row.saved_by, row.saved_at = copy.saved_by, copy.saved_at
        revision = await revisions.record(
            session, article.id, actor=self.actor, action="import", language=translation.language,
            snapshot=revisions.jsonable({**content.model_dump(), "saved_by": copy.saved_by}),
            changed_fields=[], live=False,
        )  # fmt: skip
        row.revision = revision.number
        session.add(row)
        await session.flush()
        set_committed_value(translation, "pending", row)

    async def _former_slugs(
        self, session: AsyncSession, article: Article, line: ArticleLine, *, created: bool
    ) -> None:
        """Former slugs redirect to the article's current ones; one another article owns
        (as its slug or its own former one) cannot."""
        if created and not line.former_slugs:
            return
        stored = {(r.language, r.slug): r for r in await _former(session, article.id)}
        for former in line.former_slugs:
            if former.language not in line.translations:
                continue
            row = stored.get((former.language, former.slug))
            if row is not None:
                row.created_at = former.created_at
                continue
            owner = await session.scalar(
                select(SlugRedirect.article_id).where(
                    SlugRedirect.language == former.language, SlugRedirect.slug == former.slug
                )
            )
            live = await session.scalar(
                select(Translation.article_id).where(
                    Translation.language == former.language, Translation.slug == former.slug
                )
            )
            if (owner is not None and owner != article.id) or live is not None:
                raise LineError(
                    f"former slug '{former.slug}' ({former.language}) belongs to another article"
                )
            session.add(
                SlugRedirect(
                    id=uuid.uuid4(),
                    article_id=article.id,
                    language=former.language,
                    slug=former.slug,
                    created_at=former.created_at,
                )
            )

    def _link(self, ident: uuid.UUID, related: list[uuid.UUID]) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> None:
            article = await _load(session, ident)
            if article is None:  # its own line failed: reported there
                return
            missing = set(related) - set(
                await session.scalars(select(Article.id).where(Article.id.in_(related)))
            )
            if missing:
                raise LineError(
                    "related_ids names articles neither stored nor in the file: "
                    + ", ".join(sorted(str(m) for m in missing))
                )
            updated_at = article.updated_at
            article.related = [
                ArticleRelated(related_id=r, position=i) for i, r in enumerate(related)
            ]
            article.updated_at = updated_at
            flag_modified(article, "updated_at")
            await session.flush()
            return

        return work


class _Lines:
    """The line each object of the file is on, to name a second line with the same id.

    Kept in a temporary SQLite database on disk (`sqlite3.connect("")`: private, deleted
    when closed) rather than a dict: a dict grew the import by ~0.23 kB a line (166 MB at
    100,000 articles against 143 MB at 10,000); SQLite holds its pages in a bounded cache,
    so the import's memory no longer grows with the file."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute(
            "CREATE TABLE seen (kind TEXT, name TEXT, line INTEGER,"
            " PRIMARY KEY (kind, name)) WITHOUT ROWID"
        )

    def first(self, kind: str, name: str, number: int) -> int:
        """The line `kind` `name` was first given on (`number` if this is the first)."""
        added = self._db.execute(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (kind, name, number)
        ).rowcount
        if added:
            return number
        row = self._db.execute(
            "SELECT line FROM seen WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._db.close()


class _Batches:
    """The transactions an import writes in: each line in a savepoint of its own (a line
    that fails is rolled back alone), committed in batches of `BATCH` lines or `BATCH_SECONDS`
    (one commit per line would cost a disk sync per line; a longer transaction would hold
    SQLite's writer lock from the API's writes). Each commit carries its audit entry and
    purges the cache of what it changed, as a request's session does
    (`app.db.get_session`). A dry run never commits: its one transaction is rolled back at
    the end, so later lines see what earlier ones would have made."""

    def __init__(
        self, db: Database, cache: ResponseCache | None, actor: str, *, dry_run: bool
    ) -> None:
        self.db, self.cache, self.actor, self.dry_run = db, cache, actor, dry_run
        self.session: AsyncSession | None = None
        self.lines = 0
        self.started = 0.0

    async def __aenter__(self) -> Callable[[], Any]:
        return self.line

    async def __aexit__(self, kind: type[BaseException] | None, *exc: Any) -> None:
        if kind is None and not self.dry_run:
            await self._commit()
        elif self.session is not None:
            await self.session.rollback()
            await self.session.close()
            self.session = None

    @contextlib.asynccontextmanager
    async def line(self) -> AsyncIterator[AsyncSession]:
        if self.session is None:
            self.session = self.db.writer()
            await self.session.begin()
            self.lines, self.started = 0, time.monotonic()
        session = self.session
        try:
            async with session.begin_nested():
                yield session
        finally:
            session.expunge_all()  # memory stays flat over a long file
        self.lines += 1
        if not self.dry_run and (
            self.lines >= BATCH or time.monotonic() - self.started >= BATCH_SECONDS
        ):
            await self._commit()

    async def _commit(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        purge = None
        try:
            await audit.record(session, actor=self.actor, action="importContent")
            keys = cache_keys.take(session.sync_session)
            if keys and self.cache is not None:
                purge = await self.cache.bus.stage(session, keys)
            await session.commit()
        finally:
            await session.close()
        if purge is not None and self.cache is not None:
            await self.cache.committed(purge)


def _same(model: Any, stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the stored object, read as its line, is the file's line (both as the line
    model gives them back, so they compare alike); a stored object no line could say
    (data from before a rule) is not."""
    try:
        return bool(model.model_validate(stored).model_dump(mode="json") == wanted)
    except ValidationError:
        return False


async def _load(session: AsyncSession, ident: uuid.UUID) -> Article | None:
    try:
        return await articles.get(session, ident)
    except AppError:
        return None


async def _revisions(session: AsyncSession, ident: uuid.UUID) -> list[Revision]:
    return list(
        await session.scalars(
            select(Revision).where(Revision.article_id == ident).order_by(Revision.number)
        )
    )


async def _history(session: AsyncSession, article: Article, line: ArticleLine) -> None:
    """The file's revisions instead of the article's (those the import just recorded
    included), and what refers to them: each translation's `source_revision`, each pending
    copy's `revision`, the article's `last_revision`."""
    revisions = line.revisions or []
    await session.execute(delete(Revision).where(Revision.article_id == article.id))
    session.add_all(
        Revision(id=uuid.uuid4(), article_id=article.id, **r.model_dump()) for r in revisions
    )
    await session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(last_revision=max((r.number for r in revisions), default=0))
        .execution_options(synchronize_session=False)
    )
    for lang, version in line.translations.items():
        translation = articles.require_translation(article, lang)
        translation.source_revision = version.source_revision
        saved = version.pending.revision if version.pending is not None else None
        if translation.pending is not None and saved is not None:
            translation.pending.revision = saved
    article.updated_at = line.updated_at  # the file's, not the update's onupdate time
    flag_modified(article, "updated_at")
    await session.flush()


async def _former(session: AsyncSession, ident: uuid.UUID) -> list[SlugRedirect]:
    return list(await session.scalars(select(SlugRedirect).where(SlugRedirect.article_id == ident)))


async def _require_languages(session: AsyncSession, codes: Iterable[str]) -> None:
    await languages.require(session, codes, loc=("translations",))


@contextlib.asynccontextmanager
async def target(db: Database, *, dry_run: bool) -> AsyncIterator[tuple[Database, bool]]:
    """Where an import writes, and whether it must roll back there. A real one: `db`. A
    dry run: on PostgreSQL the
    database itself, in one transaction rolled back at the end (others' writes go on:
    it holds row locks only on what it changes); on SQLite a copy of the database in the
    temporary folder, imported into as for real and then deleted, because one long
    transaction there would hold the only writer lock from the API for the whole file."""
    url = make_url(db.url)
    if not dry_run:
        yield db, False
        return
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield db, True
        return
    original = url.database
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-dry-run-"))
    copy = folder / "copy.db"

    def backup() -> None:
        source = sqlite3.connect(original)  # only read: the backup reads pages
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # consistent, in steps: writers are not held off
        finally:
            target.close()
            source.close()

    try:
        await anyio.to_thread.run_sync(backup)
        scratch = Database(url.set(database=str(copy)).render_as_string(hide_password=False))
        try:
            yield scratch, False
        finally:
            await scratch.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
