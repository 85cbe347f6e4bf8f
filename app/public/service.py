"""The public reads the statements of `app.public.reads` do not make: filtered lists and
search, why an article is missing (301, 404, 410), language negotiation and previews.
Lean Core queries, batched per page, one language at a time.

Every query that selects translations filters with `is_public(now)`.
"""

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles.corrections import public_updated_at
from app.articles.visibility import expired, is_public, public_sql
from app.errors import Gone, NotFound, Redirect
from app.kit import html
from app.kit.pagination import Cursor
from app.kit.statements import Binder, Statements, utc
from app.languages.negotiation import preference
from app.media import links
from app.models import (
    Article,
    ArticleAuthor,
    ArticleRelated,
    ArticleSource,
    ArticleTag,
    AuthorTranslation,
    CategoryTranslation,
    Correction,
    Language,
    Media,
    MediaTranslation,
    PendingTranslation,
    SlugRedirect,
    Status,
    TagTranslation,
    Translation,
)
from app.models.search import SQLITE_LATE_INDEX, SQLITE_NEWEST_INDEX, SQLITE_PUBLIC_INDEX
from app.public import jsonld, social
from app.public.schemas import (
    ArticleCard,
    AuthorRef,
    CorrectionNote,
    Cover,
    PreviewArticle,
    SourceRef,
    TermRef,
)
from app.public.site import Site, article_path, x_default
from app.search import query as matching
from app.search import snippets
from app.search.query import Query, Tier
from app.search.snippets import Seen, highlight

if TYPE_CHECKING:
    from app.public.reads import HotReads

_CARD_COLUMNS = (
    Translation.article_id,
    Translation.language,
    Translation.slug,
    Translation.title,
    Translation.lead,
    Translation.published_at,
    public_updated_at().label("updated_at"),
    Translation.reading_time_minutes,
    Translation.id,
    Article.original_language,
    Article.category_id,
    Article.cover_media_id,
)
_ARTICLE_COLUMNS = (
    *_CARD_COLUMNS,
    Translation.body_html,
    Translation.seo_title,
    Translation.seo_description,
    Translation.word_count,
    Translation.outline,
    Translation.embeds,
    Translation.social_title,
    Translation.social_description,
    Translation.social_image_id,
)


@dataclass(frozen=True, slots=True)
class Filters:
    tag: str | None = None
    category: str | None = None
    author: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None


class _Related:
    """Authors, tags, categories and covers of a set of articles, in one language."""

    def __init__(self, site: Site) -> None:
        self.site = site
        # Each article's public versions (language, slug, bcp47), in the languages' order.
        self.versions: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        self.authors: dict[uuid.UUID, list[AuthorRef]] = defaultdict(list)
        self.tags: dict[uuid.UUID, list[TermRef]] = defaultdict(list)
        self.categories: dict[uuid.UUID, TermRef] = {}
        self.covers: dict[uuid.UUID, Cover] = {}

    @classmethod
    async def load(
        cls,
        session: AsyncSession,
        language: str,
        rows: Sequence[Row[Any]] | Sequence[Any],
        *,
        now: datetime,
        site: Site,
    ) -> "_Related":
        related = cls(site)
        ids = [row.article_id for row in rows]
        if not ids:
            return related
        for v in await session.execute(
            select(Translation.article_id, Translation.language, Translation.slug, Language.bcp47)
            .join(Language, Language.code == Translation.language)
            .where(Translation.article_id.in_(ids), is_public(now))
            .order_by(Language.position, Language.code)
        ):
            related.versions[v.article_id].append(
                {"language": v.language, "slug": v.slug, "bcp47": v.bcp47}
            )
        for a in await session.execute(
            select(ArticleAuthor.article_id, AuthorTranslation)
            .join(AuthorTranslation, AuthorTranslation.author_id == ArticleAuthor.author_id)
            .where(ArticleAuthor.article_id.in_(ids), AuthorTranslation.language == language)
            .order_by(ArticleAuthor.article_id, ArticleAuthor.position)
        ):
            t = a[1]
            related.authors[a.article_id].append(
                AuthorRef(id=t.author_id, name=t.name, slug=t.slug)
            )
        for g in await session.execute(
            select(ArticleTag.article_id, TagTranslation)
            .join(TagTranslation, TagTranslation.tag_id == ArticleTag.tag_id)
            .where(ArticleTag.article_id.in_(ids), TagTranslation.language == language)
            .order_by(ArticleTag.article_id, ArticleTag.position)
        ):
            tag = g[1]
            related.tags[g.article_id].append(TermRef(id=tag.tag_id, name=tag.name, slug=tag.slug))
        category_ids = {row.category_id for row in rows if row.category_id}
        if category_ids:
            for c in await session.scalars(
                select(CategoryTranslation).where(
                    CategoryTranslation.category_id.in_(category_ids),
                    CategoryTranslation.language == language,
                )
            ):
                related.categories[c.category_id] = TermRef(
                    id=c.category_id, name=c.name, slug=c.slug
                )
        await related.load_covers(
            session, language, {row.cover_media_id for row in rows if row.cover_media_id}
        )
        return related

    async def load_covers(
        self, session: AsyncSession, language: str, cover_ids: set[uuid.UUID]
    ) -> None:
        """The images `cover_ids` name, as covers in `language`, into `covers`."""
        if cover_ids - self.covers.keys():
            for m in await session.execute(
                select(Media, MediaTranslation.caption, MediaTranslation.alt)
                .outerjoin(
                    MediaTranslation,
                    (MediaTranslation.media_id == Media.id)
                    & (MediaTranslation.language == language),
                )
                .where(Media.id.in_(cover_ids))
            ):
                media = m[0]
                self.covers[media.id] = Cover.model_validate(
                    links.cover(
                        {
                            "id": media.id,
                            "url": media.url,
                            "width": media.width,
                            "height": media.height,
                            "credit": media.credit or None,
                            "caption": m.caption or None,
                            "alt": m.alt or None,
                            "content_hash": media.content_hash,
                            "renditions": media.renditions,
                            "blurhash": media.blurhash or None,
                            "dominant_color": media.dominant_color or None,
                        }
                    )
                )

    def card_fields(self, row: Any) -> dict[str, Any]:
        alternates = self.site.alternates(self.versions[row.article_id], current=row.language)
        url = next((a["url"] for a in alternates if a["current"]), None)
        if url is None:  # a preview: the version is not public (yet)
            url = self.site.article_url(language=row.language, bcp47=row.bcp47, slug=row.slug)
        return {
            "url": url,
            "alternates": alternates,
            "id": row.article_id,
            "language": row.language,
            "slug": row.slug,
            "path": article_path(row.language, row.slug),
            "title": row.title,
            "lead": row.lead,
            "cover": self.covers.get(row.cover_media_id) if row.cover_media_id else None,
            "authors": self.authors.get(row.article_id, []),
            "category": self.categories.get(row.category_id) if row.category_id else None,
            "tags": self.tags.get(row.article_id, []),
            "published_at": row.published_at,
            "updated_at": row.updated_at,
            "reading_time_minutes": row.reading_time_minutes,
            "original_language": row.original_language,
        }


async def list_articles(
    session: AsyncSession,
    *,
    language: str,
    now: datetime,
    filters: Filters,
    limit: int,
    cursor: str | None,
    search: Query | None = None,
    hot: "HotReads",
) -> tuple[list[dict[str, Any]], str | None]:
    """The page's cards (`ArticleCard`'s fields as its JSON writes them, with their
    `snippet`: `app.public.reads.CardPage`) and the next cursor. Newest first; with
    `search`, title hits first, then lead hits, then the rest.

    The page's versions are chosen here, by a statement per tier (ids and times only:
    the language's list index covers them), written as SQL text (`_Page`) and run where
    `hot.statements` says (SQLite's on the hot lane's connection, PostgreSQL's on a
    connection of the search pages' own, given back once the page is chosen);
    their cards come from `hot.cards`, the statement the plain list's cards come from."""
    after = Cursor.decode(cursor) if cursor is not None else None
    if after is not None and (after.rank is None) != (search is None):
        raise Cursor.invalid()
    statements = hot.statements(session, search=search is not None)
    try:
        # Pages are read tier by tier (search: title hits, lead hits, the rest; a plain list
        # is one tier), newest first within each, resuming after the cursor's position.
        tiers = None if search is None else matching.Tiers(session, search, language, statements)
        bind = Binder() if tiers is None else tiers.bind
        bind.named("now", now)  # `public_sql`'s
        terms = None
        if statements.dialect == "postgresql" and any(
            slug is not None for slug in (filters.tag, filters.author, filters.category)
        ):
            terms = await _Terms.of(statements, language, filters)
        lang = bind(language)

        def page_of(condition: str, *, drive: bool) -> _Page:
            """A page's statement in this language, with the filters."""
            return _Page(
                lang, filters, condition, bind, drive=drive, dialect=statements.dialect, terms=terms
            )

        rows: list[_Chosen] = []
        ranks: list[int] = []
        first = (after.rank or 0) if after is not None else 0
        joint = None if tiers is None or first >= tiers.COUNT else await tiers.joint()
        if joint is not None:  # every tier in one statement, ranked in it
            page = page_of(joint.condition, drive=True)
            if after is not None:
                position = page.before(after)
                page.where.append(
                    f"({joint.rank} > {first} OR ({joint.rank} = {first} AND {position}))"
                )
            page.columns += f", {joint.rank} AS rank"
            found = await statements.rows(page.sql(limit + 1, "rank, "), bind.values)
            rows = [_Chosen.of(row) for row in found]
            ranks = [row["rank"] for row in found]
        else:  # tier by tier until the page is full
            for rank in range(first, 1 if tiers is None else tiers.COUNT):
                tier = Tier(matching.ALWAYS) if tiers is None else await tiers.tier(rank)
                if tier.condition == matching.NEVER:  # no hit left in this tier
                    continue
                resume = after if rank == first else None
                need = limit + 1 - len(rows)
                chosen: list[_Chosen] = []
                window = tier.window(need)
                if window is not None:  # the newest versions first, then, short of a page, all
                    within = page_of(tier.condition, drive=False)
                    within.where.append(
                        f"translations.published_at >= {_newest(lang, resume, window, bind)}"
                    )
                    within.resume(resume)
                    chosen = [
                        _Chosen.of(row)
                        for row in await statements.rows(within.sql(need), bind.values)
                    ]
                if len(chosen) < need:
                    condition, drive = tier.condition, tier.drive
                    if tier.documents is not None and filters == Filters():
                        condition = _newest_hits(tier.documents, lang, need, resume, bind)
                    elif tier.scan is not None and filters == Filters():
                        newest = await _newest_scanned(
                            statements, tier.scan, lang, need, resume, bind
                        )
                        if isinstance(newest, _Scanned):  # the tier's part of the page
                            rows += newest.chosen
                            ranks += [rank] * len(newest.chosen)
                            if len(rows) > limit:
                                break
                            continue
                        if newest is not None:
                            condition, drive = _among(newest, bind), True
                    page = page_of(condition, drive=drive)
                    page.resume(resume)
                    # A walk of the newest-first index (no filter), whatever the words: one
                    # plan fits every search's values (`Statements.rows`).
                    walk = not drive and filters == Filters()
                    chosen = [
                        _Chosen.of(row)
                        for row in await statements.rows(page.sql(need), bind.values, generic=walk)
                    ]
                rows += chosen
                ranks += [rank] * len(chosen)
                if len(rows) > limit:
                    break
    finally:  # the page is chosen: what its statements held is given back
        await statements.close()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        last_rank = ranks[limit - 1] if search is not None else None
        next_cursor = Cursor(at=last.published_at, id=last.id, rank=last_rank).encode()
    ids = [row.id for row in rows]
    material: dict[uuid.UUID, snippets.Hit] = {}
    if search is None or not ids:
        cards = await hot.cards(ids, language=language, now=now)
    elif hot.dialect == "postgresql":
        # Both at once, on two of the pool's connections: each is a round trip and the
        # database's work (~3 ms each at 100k articles), the worker idle meanwhile.
        cards, material = await asyncio.gather(
            hot.cards(ids, language=language, now=now), snippets.hits(hot, ids, search)
        )
    else:  # SQLite's run in the loop's thread, one after the other whatever is asked
        cards = await hot.cards(ids, language=language, now=now)
        material = await snippets.hits(hot, ids, search)
    # A version taken down since it was chosen has no card: the page is one shorter.
    shown = [(row.id, cards[row.id]) for row in rows if row.id in cards]
    if search is not None:
        excerpts = _snippets(search, material, [ident for ident, _ in shown])
        for ident, card in shown:
            card["snippet"] = excerpts.get(ident)
    return [card for _, card in shown], next_cursor


@dataclass(frozen=True, slots=True)
class _Chosen:
    """A version a page statement chose: its id and publication time (for the cursor)."""

    id: uuid.UUID
    published_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "_Chosen":
        """From a row as the driver gives it (SQLite: the id's hex and naive UTC text)."""
        ident, at = row["id"], utc(row["published_at"])
        assert at is not None  # a public version's publication time
        return cls(ident if isinstance(ident, uuid.UUID) else uuid.UUID(ident), at)


@dataclass(frozen=True, slots=True)
class _Terms:
    """PostgreSQL: the ids of a filtered page's tag, author and category (None: no such
    term in the language), written into its statements (`_Page`). By slug, each filter
    was a join whose rows the planner could not know, so it planned every term as an
    average one: for a tag on a tenth of the archive it read all of the tag's articles
    and sorted them (10,018 at 100k articles, 34 ms of the server's CPU a page). With the
    id in the text, it plans for the term's own frequency (its statistics' most common
    values): the language's newest versions walked until the page is full for a frequent
    term (about 1 ms), the term's few articles for a rare one."""

    tag: uuid.UUID | None = None
    author: uuid.UUID | None = None
    category: uuid.UUID | None = None

    @classmethod
    async def of(cls, statements: Statements, language: str, filters: Filters) -> "_Terms":
        """One statement: each filter's term by its slug in the language."""
        asked = {
            kind: slug
            for kind, slug in (
                ("tag", filters.tag),
                ("author", filters.author),
                ("category", filters.category),
            )
            if slug is not None
        }
        columns = ", ".join(
            f"(SELECT {kind}_id FROM {kind}_translations WHERE language = :lang"
            f" AND slug = :{kind}) AS {kind}"
            for kind in asked
        )
        rows = await statements.rows(f"SELECT {columns}", {"lang": language, **asked})
        found = {kind: rows[0][kind] for kind in asked} if rows else {}
        return cls(**{k: v if v is None else uuid.UUID(str(v)) for k, v in found.items()})


def _literal(ident: uuid.UUID | None) -> str:
    """An id as a SQL literal (a `uuid.UUID`'s own text: nothing else can be written),
    or a condition no row meets."""
    return "NULL" if ident is None else f"'{ident}'"


class _Page:
    """A page's statement: the public versions in the language (`lang`, a placeholder)
    meeting `condition` and the filters, as (id, publication time), newest first (`sql`).
    `drive`: the condition names few rows by id, and the statement starts from them (on
    SQLite through `matching.BY_ID`)."""

    __slots__ = ("bind", "columns", "source", "where")

    def __init__(
        self,
        lang: str,
        filters: Filters,
        condition: str,
        bind: Binder,
        *,
        drive: bool,
        dialect: str,
        terms: "_Terms | None" = None,
    ) -> None:
        self.bind = bind
        self.columns = "translations.id, translations.published_at"
        self.source = "translations"
        # `language || ''` is no column to SQLite: it starts from the hits, not the index,
        # through the index it is told (`matching.BY_ID`, a hint SQLite alone reads).
        if drive:
            self.where = [f"translations.language || '' = {lang}"]
            if dialect == "sqlite":
                self.source += f" {matching.BY_ID}"
        else:
            self.where = [f"translations.language = {lang}"]
        self.where += [public_sql("translations"), condition]
        if terms is None:
            self._filtered(lang, filters)
        else:
            self._by_id(terms, filters)
        self._dated(filters)

    def _by_id(self, terms: "_Terms", filters: Filters) -> None:
        """The filters with their terms' ids written into the statement (`_Terms`)."""
        where = self.where
        if filters.tag is not None:
            where.append(
                "EXISTS (SELECT 1 FROM article_tags"
                " WHERE article_tags.article_id = translations.article_id"
                f" AND article_tags.tag_id = {_literal(terms.tag)})"
            )
        if filters.author is not None:
            where.append(
                "EXISTS (SELECT 1 FROM article_authors"
                " WHERE article_authors.article_id = translations.article_id"
                f" AND article_authors.author_id = {_literal(terms.author)})"
            )
        if filters.category is not None:
            self.source += " JOIN articles ON articles.id = translations.article_id"
            where.append(f"articles.category_id = {_literal(terms.category)}")

    def _filtered(self, lang: str, filters: Filters) -> None:
        bind, where = self.bind, self.where
        if filters.tag is not None:
            where.append(
                "EXISTS (SELECT 1 FROM article_tags, tag_translations"
                " WHERE article_tags.article_id = translations.article_id"
                " AND tag_translations.tag_id = article_tags.tag_id"
                f" AND tag_translations.language = {lang}"
                f" AND tag_translations.slug = {bind(filters.tag)})"
            )
        if filters.author is not None:
            where.append(
                "EXISTS (SELECT 1 FROM article_authors, author_translations"
                " WHERE article_authors.article_id = translations.article_id"
                " AND author_translations.author_id = article_authors.author_id"
                f" AND author_translations.language = {lang}"
                f" AND author_translations.slug = {bind(filters.author)})"
            )
        if filters.category is not None:
            self.source += " JOIN articles ON articles.id = translations.article_id"
            where.append(
                "EXISTS (SELECT 1 FROM category_translations"
                " WHERE category_translations.category_id = articles.category_id"
                f" AND category_translations.language = {lang}"
                f" AND category_translations.slug = {bind(filters.category)})"
            )

    def _dated(self, filters: Filters) -> None:
        bind, where = self.bind, self.where
        if filters.published_after is not None:
            where.append(f"translations.published_at >= {bind(filters.published_after)}")
        if filters.published_before is not None:
            where.append(f"translations.published_at < {bind(filters.published_before)}")

    def before(self, after: Cursor) -> str:
        """The versions after the cursor's position, newest first."""
        return _after("translations", "id", after, self.bind)

    def resume(self, after: Cursor | None) -> None:
        """After the cursor's position, when there is one."""
        if after is not None:
            self.where.append(self.before(after))

    def sql(self, limit: int, first: str = "") -> str:
        """The statement, `first` ordering before the newest-first order, at most `limit`
        rows."""
        return (
            f"SELECT {self.columns} FROM {self.source} WHERE {' AND '.join(self.where)}"
            f" ORDER BY {first}translations.published_at DESC, translations.id DESC"
            f" LIMIT {limit}"
        )


def _newest_hits(documents: str, lang: str, need: int, after: Cursor | None, bind: Binder) -> str:
    """SQLite, a driving tier's page with no filter (`Tier.documents`, the tier on the
    search documents): its `need` newest public hits after the cursor's position, chosen
    in `ix_search_documents_public` from the documents' copies of the translation's
    language, status and times (triggers keep them in the writing transaction), so the
    page looks only those up where it looked every hit up and sorted them (1,000 hits:
    0.49 against 2.5 ms at 100k articles). The page's own conditions on `translations`
    still hold, on the same values."""
    position = ""
    if after is not None:
        position = f" AND {_after('search_documents', 'translation_id', after, bind)}"
    return (
        "translations.id IN (SELECT search_documents.translation_id FROM search_documents"
        f" INDEXED BY {SQLITE_PUBLIC_INDEX} WHERE {documents}"
        f" AND search_documents.language = {lang} AND {public_sql('search_documents')}"
        f"{position} ORDER BY search_documents.published_at DESC,"
        f" search_documents.translation_id DESC LIMIT {need})"
    )


# SQLite, a walked tier's page with no filter (`_newest_scanned`): the newest hits it reads
# first, by FTS5 rowid (times four until they are as many as the page needs), and at most,
# before the page walks the language's newest-first index as before; and the most
# versions newer than the page's last hit, of entries older than those read, that it
# looks up one by one. A tier walks only with 1,000 hits or more in the page's language,
# and its rowids are mostly that language's (`OTHERS`): 64 held a page of 20 for every
# frequent word of the bench archive, and each rowid read is an entry looked up (257 of
# them 3-8% of a search's CPU, against 65).
SCAN_FIRST = 64
SCAN_MOST = 4_096
LATE_MOST = 16


@dataclass(frozen=True, slots=True)
class _Scanned:
    """A walked tier's part of a page as `_newest_scanned` chose it: its newest public
    hits after the cursor's position, newest first (at most as many as the page needs)."""

    chosen: list[_Chosen]


async def _newest_scanned(
    statements: Statements,
    scan: tuple[str, str],
    lang: str,
    need: int,
    after: Cursor | None,
    bind: Binder,
) -> _Scanned | list[str] | None:
    """SQLite, a walked tier (`Tier.scan`: its FTS5 table and query, none of a better
    tier's hits there): its `need` newest public hits in the language (`lang`, a
    placeholder) after the cursor's position, chosen from its highest FTS5 rowids and the
    search documents' copies of the translation's columns (in
    `ix_search_documents_public`: an entry's row holds them after its vectors). Those
    are the tier's part of the page (`_Scanned`), in its order: the copies are the
    translation's own, written in the same transaction (the triggers
    `search_documents_made` and `translations_visibility_copied`), so the page's
    statement over `translations` chose the same rows again (0.2 ms and a statement of a
    frequent word's search). When versions
    published late had to be looked up, the ids among which the part is (the page's
    statement orders them); None when that would read more than SCAN_MOST rowids or
    look up more than LATE_MOST versions (the page then walks as before).

    FTS5 reads a document list in either order and stops when its reader does: the 256
    highest rowids of a word in 9,067 titles cost 0.15 ms at 100k articles, where listing
    them all cost 4.7. A rowid is its entry's id, in the order entries were made, not
    published (a scheduled version goes live long after its entry was made), so the
    page is checked: every public version of the language newer than its last hit whose
    entry is older than the rowids read (one statement over `ix_search_documents_newest`
    up to the present and `ix_search_documents_late` past it) is looked up in FTS5 by
    rowid (about 0.1 ms each). The page is then the one walking
    the tier gives, whatever the entries' order, which decides only how much is read."""
    table, match = scan
    public = public_sql("search_documents")
    position = ""
    if after is not None:
        position = f" AND {_after('search_documents', 'translation_id', after, bind)}"
    most = SCAN_FIRST
    while most < need and most < SCAN_MOST:
        most = min(most * 4, SCAN_MOST)
    while True:
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT rowid FROM {table} WHERE {table} MATCH {match}"
            f" ORDER BY rowid DESC LIMIT {most + 1})"
            " SELECT NULL AS id, NULL AS published_at, count(*) AS scanned,"
            " min(rowid) AS lowest FROM hits UNION ALL SELECT * FROM ("
            "SELECT search_documents.translation_id, search_documents.published_at, NULL, NULL"
            f" FROM hits CROSS JOIN search_documents INDEXED BY {SQLITE_PUBLIC_INDEX}"
            " ON search_documents.id = hits.rowid"
            f" WHERE search_documents.language = {lang} AND {public}{position}"
            " ORDER BY search_documents.published_at DESC, search_documents.translation_id DESC"
            f" LIMIT {need})"
        )
        stats, *rows = await statements.rows(sql, bind.values)
        if stats["scanned"] <= most:  # every hit read
            return _Scanned([_Chosen.of(row) for row in rows])
        if len(rows) == need:
            break
        if most >= SCAN_MOST:  # too few of them public here: walk
            return None
        most = min(most * 4, SCAN_MOST)
    last = rows[-1]
    at = bind(last["published_at"])
    newer = (  # than the page's last hit, with an entry older than the rowids read
        f"search_documents.language = {lang} AND (search_documents.published_at,"
        f" search_documents.translation_id) > ({at}, {bind(last['id'])})"
        f" AND {public}{position} AND search_documents.id < {bind(stats['lowest'])}"
    )
    # Up to the present among every entry, past it among those published after they
    # went live (`SQLITE_LATE_INDEX`): a public version published in the future is one
    # of those, and the range past the present holds every version scheduled for later.
    late = (
        f"SELECT search_documents.id FROM search_documents INDEXED BY {SQLITE_NEWEST_INDEX}"
        f" WHERE {newer} AND search_documents.published_at >= {at}"
        " AND search_documents.published_at <= :now UNION ALL"
        f" SELECT search_documents.id FROM search_documents INDEXED BY {SQLITE_LATE_INDEX}"
        f" WHERE {newer} AND search_documents.published_at > search_documents.publish_at"
        f" AND search_documents.published_at > :now LIMIT {LATE_MOST + 1}"
    )
    entries = [row["id"] for row in await statements.rows(late, bind.values)]
    if len(entries) > LATE_MOST:
        return None
    late_hits = []
    if entries:  # those of them in the tier may belong on the page
        hits = (
            "SELECT search_documents.translation_id AS id FROM search_documents"
            f" WHERE search_documents.id IN (SELECT rowid FROM {table} WHERE {table} MATCH"
            f" {match} AND rowid IN (SELECT value FROM json_each({bind(json.dumps(entries))})))"
        )
        late_hits = [row["id"] for row in await statements.rows(hits, bind.values)]
    if not late_hits:
        return _Scanned([_Chosen.of(row) for row in rows])
    return [row["id"] for row in rows] + late_hits


def _among(ids: list[str], bind: Binder) -> str:
    """SQLite: the translation is one of these (ids as stored: one JSON parameter)."""
    return f"translations.id IN (SELECT value FROM json_each({bind(json.dumps(ids))}))"


def _after(table: str, version: str, after: Cursor, bind: Binder) -> str:
    """The rows of `table` (translations, or their search documents' copies) after the
    cursor's position in the newest-first order: by publication time, then the version's
    id (its column `version`)."""
    return f"({table}.published_at, {table}.{version}) < ({bind(after.at)}, {bind(after.id)})"


def _newest(lang: str, after: Cursor | None, rows: int, bind: Binder) -> str:
    """The publication time of the language's `rows`-th newest public version (after
    the cursor's position): NULL when there are fewer. Those newer are a prefix of every
    page's order, so a page of hits among them is the page (`Tier.window`)."""
    position = ""
    if after is not None:
        position = f" AND {_after('newest', 'id', after, bind)}"
    return (
        f"(SELECT newest.published_at FROM translations AS newest"
        f" WHERE newest.language = {lang} AND {public_sql('newest')}{position}"
        " ORDER BY newest.published_at DESC, newest.id DESC"
        f" LIMIT 1 OFFSET {rows - 1})"
    )


def _snippets(
    search: Query, material: Mapping[uuid.UUID, snippets.Hit], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """A highlighted excerpt of each hit's lead and body (its material read for the page:
    `snippets.hits`)."""
    seen: Seen = {}  # what is analysed: the page's texts share most of their words
    return {
        ident: highlight(search, hit.lead, hit.body_html, seen, hit.marks)
        for ident in ids
        if (hit := material.get(ident)) is not None
    }


async def get_preview(
    session: AsyncSession,
    *,
    translation_id: uuid.UUID,
    language: str,
    now: datetime,
    site: Site,
) -> PreviewArticle:
    """One translation as the public would see it, whatever its status (for previews), with
    its pending copy's text when it has one; `published_at` stays null until it is first
    published."""
    found = (
        await session.execute(
            select(*_ARTICLE_COLUMNS, Article.deleted_at, Language.bcp47)
            .join(Article, Article.id == Translation.article_id)
            .join(Language, Language.code == Translation.language)
            .where(Translation.id == translation_id, Translation.language == language)
        )
    ).first()
    if found is None:
        raise NotFound("This preview link is unknown or has expired.")
    if found.deleted_at is not None:
        raise Gone("The article of this preview link was deleted.")
    row: Any = found
    pending = await session.get(PendingTranslation, translation_id)
    if pending is not None:
        staged = {f: getattr(pending, f) for f in _PENDING_SHOWN if getattr(pending, f) is not None}
        # The pending copy keeps no outline or embeds of its own: read from its body.
        body = await asyncio.to_thread(html.clean_body, pending.body_html, found.bcp47)
        staged |= {"outline": body.outline, "embeds": body.embeds}
        row = SimpleNamespace(**{**found._asdict(), **staged})
    article = PreviewArticle(
        **await _article_fields(session, row, language=language, now=now, site=site),
        json_ld={},
    )
    article.json_ld = jsonld.news_article(article, site)
    return article


# What a pending copy replaces in a preview (a null slug: the live one stays).
_PENDING_SHOWN = (
    "slug", "title", "lead", "body_html", "seo_title", "seo_description", "word_count",
    "reading_time_minutes", "social_title", "social_description", "social_image_id",
)  # fmt: skip


async def _article_fields(
    session: AsyncSession, row: Any, *, language: str, now: datetime, site: Site
) -> dict[str, Any]:
    related = await _Related.load(session, language, [row], now=now, site=site)
    if not any(v["language"] == language for v in related.versions[row.article_id]):
        # A preview of a version not public yet: listed among the alternates as the
        # current one, where it will be.
        versions = related.versions[row.article_id]
        versions.append({"language": language, "slug": row.slug, "bcp47": row.bcp47})
        order = {code: i for i, code in enumerate(await _language_order(session))}
        versions.sort(key=lambda v: order.get(v["language"], len(order)))
    sources = await session.execute(
        select(ArticleSource.name, ArticleSource.url)
        .where(ArticleSource.article_id == row.article_id)
        .order_by(ArticleSource.position)
    )
    notes = await session.scalars(
        select(Correction)
        .where(Correction.article_id == row.article_id, Correction.language == language)
        .order_by(Correction.number)
    )
    fields = related.card_fields(row)
    image = None
    if row.social_image_id is not None:
        await related.load_covers(session, language, {row.social_image_id})
        image = related.covers.get(row.social_image_id)
    return {
        **fields,
        "canonical_url": fields["url"],
        "x_default_url": x_default(fields["alternates"], row.original_language),
        "corrections": [CorrectionNote(kind=c.kind, text=c.text, at=c.created_at) for c in notes],
        "related": await _related_cards(
            session, row.article_id, language=language, now=now, site=site
        ),
        "body_html": row.body_html,
        "seo_title": row.seo_title,
        "seo_description": row.seo_description,
        **social.texts({name: getattr(row, name) for name in (*_SOCIAL_TEXTS, "title", "lead")}),
        "social_image": social.card_image(image or fields["cover"]),
        "word_count": row.word_count,
        "outline": row.outline,
        "embeds": row.embeds,
        "sources": [SourceRef(name=s.name, url=s.url) for s in sources],
    }


_SOCIAL_TEXTS = ("social_title", "social_description", "seo_title", "seo_description")


async def _language_order(session: AsyncSession) -> list[str]:
    """The language codes in the languages' order."""
    return list(
        await session.scalars(select(Language.code).order_by(Language.position, Language.code))
    )


async def _related_cards(
    session: AsyncSession, article_id: uuid.UUID, *, language: str, now: datetime, site: Site
) -> list[ArticleCard]:
    """The article's related articles public in `language`, in the editors' order."""
    rows = list(
        await session.execute(
            select(*_CARD_COLUMNS)
            .select_from(ArticleRelated)
            .join(
                Translation,
                (Translation.article_id == ArticleRelated.related_id)
                # Start from the related rows, not the language's index (as `reads`).
                & (Translation.language.concat("") == language),
            )
            .join(Article, Article.id == Translation.article_id)
            .where(ArticleRelated.article_id == article_id, is_public(now))
            .order_by(ArticleRelated.position)
        )
    )
    related = await _Related.load(session, language, rows, now=now, site=site)
    return [ArticleCard(**related.card_fields(row)) for row in rows]


async def explain_missing(
    session: AsyncSession, *, language: str, slug: str, now: datetime
) -> NoReturn:
    """Why `slug` is not a public article in `language`, as the right answer.

    410 for a version taken down (archived, now or at its `expire_at`) after it was public
    (a deleted article's versions are archived), and for a former slug of a deleted
    article; a version unpublished at its `expire_at` reads as a draft: 404. 301 to this
    language's version, when it is public, for a slug of a public version of the same
    article: a former slug of a version (any language) while that version is public, or the
    slug of its version in another language. 404 for everything else, alike: a draft's or a
    scheduled version's slug, current or former, reveals nothing.
    """
    archived = or_(Translation.status == Status.archived, expired(now, Status.archived))
    own = (
        await session.execute(
            select(archived.label("archived"), Translation.published_at).where(
                Translation.language == language, Translation.slug == slug
            )
        )
    ).first()
    if own is not None:
        if own.archived and own.published_at and own.published_at <= now:
            raise Gone(f"The article '{slug}' in language '{language}' was taken down.")
        raise NotFound(f"No public article '{slug}' in language '{language}'.")
    # A former slug of a deleted article (a tombstone): gone too. Former slugs are only
    # kept for versions readers saw, so this reveals nothing a reader did not see.
    if await session.scalar(
        select(SlugRedirect.id)
        .join(Article, Article.id == SlugRedirect.article_id)
        .where(
            SlugRedirect.language == language,
            SlugRedirect.slug == slug,
            Article.deleted_at.is_not(None),
        )
    ):
        raise Gone(f"The article '{slug}' in language '{language}' was deleted.")
    # The public versions this slug belongs to (each subquery reads its own `translations`).
    former = (
        select(Translation.article_id, Translation.language)
        .join(
            SlugRedirect,
            (SlugRedirect.article_id == Translation.article_id)
            & (SlugRedirect.language == Translation.language),
        )
        .where(SlugRedirect.slug == slug, is_public(now))
    )
    elsewhere = select(Translation.article_id, Translation.language).where(
        Translation.slug == slug, Translation.language != language, is_public(now)
    )
    owners = former.union_all(elsewhere).subquery()
    # Prefer a former slug in this very language, then other languages in their order.
    target = await session.scalar(
        select(Translation.slug)
        .join(owners, owners.c.article_id == Translation.article_id)
        .join(Language, Language.code == owners.c.language)
        .where(Translation.language == language, is_public(now))
        .order_by((owners.c.language != language), Language.position)
        .limit(1)
    )
    if target is not None:
        raise Redirect(article_path(language, target), 301)
    raise NotFound(f"No public article '{slug}' in language '{language}'.")


async def negotiate(
    session: AsyncSession, *, article_id: uuid.UUID, accept_language: str | None, now: datetime
) -> str:
    """The path of the best public version of an article for this Accept-Language."""
    public = {
        row.language: row.slug
        for row in await session.execute(
            select(Translation.language, Translation.slug).where(
                Translation.article_id == article_id, is_public(now)
            )
        )
    }
    article = (
        await session.execute(
            select(Article.original_language, Article.deleted_at).where(Article.id == article_id)
        )
    ).first()
    if article is not None and article.deleted_at is not None:
        raise Gone(f"Article {article_id} was deleted.")
    if not public or article is None:
        raise NotFound(f"Article {article_id} has no public version.")
    original = article.original_language
    all_languages = list(await session.scalars(select(Language).order_by(Language.position)))
    for code in preference(accept_language, all_languages, original):
        if code in public:
            return article_path(code, public[code])
    # Only languages nobody asked for and the original is not public: the first by order.
    code = next(lang.code for lang in all_languages if lang.code in public)
    return article_path(code, public[code])
