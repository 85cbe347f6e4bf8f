"""Changes of what the public API shows, recorded in the transaction that makes them.

A transactional outbox, computed rather than written by hand: a flush hook notes which
language versions a write may have changed (a version itself, its article, a tag, an
author, a category, an image or a language they show), and just before the commit
`_record` compares each one's public state now with the one last recorded
(`PublicState`): a version that became public is `article.published`, one still public
`article.updated`, one no longer public `article.deleted` (its article deleted or purged),
`article.archived` or `article.unpublished`. Each is a `ContentChange` row in the same
transaction, so a rolled-back write records nothing and a committed one cannot lose its
event. Drafts never get one: a version that was not public and is not produces nothing.

Time alone changes the public site too (a scheduled publication, a takedown at
`expire_at`): `PublicState.next_at` says when, and the delivery worker calls `settle_due`,
which records them the same way, stamped with their own time.

The change log's ids are its order: on PostgreSQL a transaction whose writes touched
content takes a transaction-scoped advisory lock before it compares, so the comparisons
and the commits of such writes happen one after another: ids are handed out in commit
order, a reader that saw id N has seen every id below it (the change feed's cursor relies
on that), and no comparison is made from before another writer's commit. SQLite has one
writer at a time anyway. Reads never take the lock.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Select, event, func, inspect, select
from sqlalchemy.orm import Session

from app.articles.visibility import is_expired, public_now
from app.cache import keys as cache_keys
from app.models import (
    LIVE_STATUSES,
    Article,
    ArticleAuthor,
    ArticleRelated,
    ArticleSource,
    ArticleTag,
    Author,
    AuthorTranslation,
    Category,
    CategoryTranslation,
    CdnPurge,
    ContentChange,
    Correction,
    Language,
    Media,
    MediaTranslation,
    PublicState,
    Status,
    Tag,
    TagTranslation,
    Translation,
    utcnow,
)

TOUCHED = "newsdesk.changes.touched"  # session.info: {(kind, id, language | None)}
DUE = "newsdesk.changes.due"  # session.info: {(article_id, language): when}
WROTE = "newsdesk.changes.wrote"  # session.info: this transaction recorded changes
RECORD_PURGES = "newsdesk.changes.record_purges"  # sessionmaker info: a CDN purge is set
LOCK = 0x4E445347  # the PostgreSQL advisory lock of the change log ("NDSG")
CHUNK = 500
PURGE_BATCH = 256  # surrogate keys one CDN purge request names at most (Fastly's limit)

PUBLISHED = "article.published"
UPDATED = "article.updated"
UNPUBLISHED = "article.unpublished"
ARCHIVED = "article.archived"
DELETED = "article.deleted"
EVENT_TYPES = (PUBLISHED, UPDATED, UNPUBLISHED, ARCHIVED, DELETED)
UPSERTS = frozenset({PUBLISHED, UPDATED})

Touch = tuple[str, Any, str | None]

# What a row of each table shows on public pages: an article's versions (one language,
# or all: None), or everything that shows a tag, author, category, image or language.
_TOUCHES: dict[type[Any], Callable[[Any], Touch]] = {
    Translation: lambda t: ("article", t.article_id, t.language),
    Correction: lambda c: ("article", c.article_id, c.language),
    Article: lambda a: ("article", a.id, None),
    ArticleTag: lambda g: ("article", g.article_id, None),
    ArticleAuthor: lambda g: ("article", g.article_id, None),
    ArticleSource: lambda s: ("article", s.article_id, None),
    ArticleRelated: lambda r: ("article", r.article_id, None),
    Tag: lambda t: ("tag", t.id, None),
    TagTranslation: lambda t: ("tag", t.tag_id, t.language),
    Category: lambda c: ("category", c.id, None),
    CategoryTranslation: lambda c: ("category", c.category_id, c.language),
    Author: lambda a: ("author", a.id, None),
    AuthorTranslation: lambda a: ("author", a.author_id, a.language),
    Media: lambda m: ("media", m.id, None),
    MediaTranslation: lambda m: ("media", m.media_id, m.language),
    Language: lambda lang: ("language", lang.code, lang.code),
}

# The articles that show each kind of thing: (article_id, the thing's id) rows.
_SHOWN_BY: dict[str, Callable[[Sequence[Any]], Select[Any, Any]]] = {
    "tag": lambda ids: select(ArticleTag.article_id, ArticleTag.tag_id).where(
        ArticleTag.tag_id.in_(ids)
    ),
    "author": lambda ids: select(ArticleAuthor.article_id, ArticleAuthor.author_id).where(
        ArticleAuthor.author_id.in_(ids)
    ),
    "category": lambda ids: select(Article.id, Article.category_id).where(
        Article.category_id.in_(ids)
    ),
    "media": lambda ids: select(Article.id, Article.cover_media_id).where(
        Article.cover_media_id.in_(ids)
    ),
    "language": lambda codes: select(Translation.article_id, Translation.language).where(
        Translation.language.in_(codes)
    ),
}

# Things a language version shows itself (not its whole article): (article_id, the
# thing's id, language) rows: a version's social image.
_SHOWN_IN: dict[str, Callable[[Sequence[Any]], Select[Any, Any, Any]]] = {
    "media": lambda ids: select(
        Translation.article_id, Translation.social_image_id, Translation.language
    ).where(Translation.social_image_id.in_(ids)),
}


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Wanted:
    """The language versions to look at: per article, some languages or all (None)."""

    def __init__(self) -> None:
        self.articles: dict[uuid.UUID, set[str] | None] = {}

    def add(self, article_id: uuid.UUID, language: str | None) -> None:
        if language is None or article_id not in self.articles:
            self.articles[article_id] = None if language is None else {language}
            return
        languages = self.articles[article_id]
        if languages is not None:
            languages.add(language)

    def covers(self, article_id: uuid.UUID, language: str) -> bool:
        languages = self.articles.get(article_id)
        return article_id in self.articles and (languages is None or language in languages)


def _resolve(session: Session, touches: Iterable[Touch], wanted: Wanted) -> None:
    """Add the versions `touches` name, the things shown on articles resolved to those
    articles (in the languages a translation of the thing is in, or all)."""
    shown: dict[str, dict[Any, set[str | None]]] = defaultdict(lambda: defaultdict(set))
    for kind, ident, language in touches:
        if kind == "article":
            wanted.add(ident, language)
        else:
            shown[kind][ident].add(language)
    for kind, languages_of in shown.items():
        idents = list(languages_of)
        for chunk in _chunks(idents):
            for article_id, ident in session.execute(_SHOWN_BY[kind](chunk)):
                for language in languages_of[ident]:
                    wanted.add(article_id, language)
            if (shown_in := _SHOWN_IN.get(kind)) is not None:
                for article_id, ident, version in session.execute(shown_in(chunk)):
                    if languages_of[ident] & {None, version}:
                        wanted.add(article_id, version)


# Bookkeeping columns no public page shows: a row where only they changed changed nothing.
_UNSHOWN = frozenset({"updated_at", "created_at", "version", "last_revision"})


def _shown_change(obj: Any) -> bool:
    state = inspect(obj)
    return any(
        attr.key not in _UNSHOWN and state.attrs[attr.key].history.has_changes()
        for attr in state.mapper.column_attrs
    )


def _collect(session: Session, _context: Any) -> None:
    touched: set[Touch] = session.info.setdefault(TOUCHED, set())
    changed = [o for o in session.dirty if type(o) in _TOUCHES and _shown_change(o)]
    for obj in (*session.new, *changed, *session.deleted):
        of = _TOUCHES.get(type(obj))
        if of is not None:
            touched.add(of(obj))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A tag, author, category, image or language about to be deleted takes its links to
    articles with it (ON DELETE CASCADE / SET NULL): find the articles now."""
    gone = [_TOUCHES[type(o)](o) for o in session.deleted if type(o) in _TOUCHES]
    shown = [touch for touch in gone if touch[0] != "article"]
    if not shown:
        return
    wanted = Wanted()
    _resolve(session, shown, wanted)
    touched: set[Touch] = session.info.setdefault(TOUCHED, set())
    for article_id, languages in wanted.articles.items():
        for language in languages or (None,):
            touched.add(("article", article_id, language))


def _next_at(version: Any, now: datetime) -> datetime | None:
    """When time alone changes whether the version is public: its scheduled publication,
    or, once public, its takedown."""
    if version is None or version.deleted_at is not None or version.status not in LIVE_STATUSES:
        return None
    if version.publish_at is not None and version.publish_at > now:
        return version.publish_at  # type: ignore[no-any-return]
    if version.expire_at is not None and version.expire_at > now:
        return version.expire_at  # type: ignore[no-any-return]
    return None


def _gone_as(version: Any, now: datetime) -> str:
    """Why a version that was public is not any more."""
    if version is None or version.deleted_at is not None:
        return DELETED
    archived = version.status == Status.archived
    if is_expired(version, now) and version.expire_status == Status.archived:
        archived = True
    return ARCHIVED if archived else UNPUBLISHED


_VERSION_COLUMNS = (
    Translation.article_id,
    Translation.language,
    Translation.slug,
    Translation.status,
    Translation.publish_at,
    Translation.expire_at,
    Translation.expire_status,
    Article.deleted_at,
)


def _compare(
    session: Session, wanted: Wanted, now: datetime, at: dict[tuple[uuid.UUID, str], datetime]
) -> tuple[list[ContentChange], list[Callable[[], None]]]:
    """The changes of the wanted versions since their recorded state, and the updates of
    that state (to apply if the comparison is kept)."""
    changes: list[ContentChange] = []
    updates: list[Callable[[], None]] = []
    for chunk in _chunks(list(wanted.articles)):
        versions = {
            (row.article_id, row.language): row
            for row in session.execute(
                select(*_VERSION_COLUMNS)
                .join(Article, Article.id == Translation.article_id)
                .where(Translation.article_id.in_(chunk))
            )
        }
        states = {
            (state.article_id, state.language): state
            for state in session.scalars(
                select(PublicState)
                .where(PublicState.article_id.in_(chunk))
                .execution_options(populate_existing=True)
            )
        }
        for key in sorted(set(versions) | set(states), key=lambda k: (str(k[0]), k[1])):
            if not wanted.covers(*key):
                continue
            version, state = versions.get(key), states.get(key)
            public = version is not None and version.deleted_at is None
            public = public and public_now(version, now)  # type: ignore[arg-type]
            was = state is not None and state.public
            kind = (
                (UPDATED if was else PUBLISHED)
                if public
                else (_gone_as(version, now) if was else None)
            )
            next_at = _next_at(version, now)
            if kind is not None:
                slug = version.slug if public else state.slug  # type: ignore[union-attr]
                moved = kind == UPDATED and state is not None and state.slug != slug
                changes.append(
                    ContentChange(
                        event_id=uuid.uuid4(),
                        type=kind,
                        article_id=key[0],
                        language=key[1],
                        slug=slug or "",
                        previous_slug=state.slug if moved else None,  # type: ignore[union-attr]
                        at=at.get(key, now),
                    )
                )
            if state is None:
                if public or next_at is not None:
                    fresh = PublicState(
                        article_id=key[0],
                        language=key[1],
                        public=public,
                        slug=version.slug if public else None,  # type: ignore[union-attr]
                        next_at=next_at,
                    )
                    updates.append(partial(session.add, fresh))
            elif (state.public, state.next_at) != (public, next_at) or (
                public and state.slug != version.slug  # type: ignore[union-attr]
            ):
                slug = version.slug if public else state.slug  # type: ignore[union-attr]

                def update(
                    state: PublicState = state, public: bool = public, slug: str | None = slug,
                    next_at: datetime | None = next_at,
                ) -> None:  # fmt: skip
                    state.public, state.slug, state.next_at = public, slug, next_at

                updates.append(update)
    return changes, updates


def _record(session: Session) -> None:
    session.flush()  # what is still pending: the commit would flush it after this hook
    touched: set[Touch] = session.info.pop(TOUCHED, set())
    due: dict[tuple[uuid.UUID, str], datetime] = session.info.pop(DUE, {})
    purged = cache_keys.take_for_cdn(session)
    if touched or due:
        if session.get_bind().dialect.name == "postgresql":
            # The change log's lock first, then every read: a writer that commits while
            # this one compares must not be judged from before its commit (a tag renamed
            # while an article showing it is published would be missed).
            session.execute(select(func.pg_advisory_xact_lock(LOCK)))
        wanted = Wanted()
        _resolve(session, touched, wanted)
        for article_id, language in due:
            wanted.add(article_id, language)
        changes, updates = _compare(session, wanted, utcnow(), due)
        for apply in updates:
            apply()
        if changes:
            session.add_all(changes)
            session.info[WROTE] = True
            for change in changes:  # time made these: no write's flush named their keys
                if (change.article_id, change.language) in due:
                    purged |= cache_keys.of_version(change.article_id, change.language)
    if purged and session.info.get(RECORD_PURGES):
        keys, now = sorted(purged), utcnow()
        for start in range(0, len(keys), PURGE_BATCH):  # what one purge request may name
            part = keys[start : start + PURGE_BATCH]
            session.add(CdnPurge(keys=part, created_at=now, next_attempt_at=now))
        session.info[WROTE] = True
    session.flush()


def settle_due(session: Session, now: datetime, *, limit: int = CHUNK) -> int:
    """Mark for recording, at this transaction's commit, the versions whose scheduled
    publication or takedown time has come; how many."""
    rows = session.execute(
        select(PublicState.article_id, PublicState.language, PublicState.next_at)
        .where(PublicState.next_at <= now)
        .order_by(PublicState.next_at)
        .limit(limit)
    ).all()
    due: dict[tuple[uuid.UUID, str], datetime] = session.info.setdefault(DUE, {})
    for article_id, language, next_at in rows:
        due[(article_id, language)] = next_at or now
    return len(rows)


_listeners: list[Callable[[], None]] = []


def on_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after each commit that recorded changes or purges (in this
    process); returns what removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _after_commit(session: Session) -> None:
    if session.info.pop(WROTE, False):
        for listener in list(_listeners):
            listener()


def _after_rollback(session: Session, _previous: Any) -> None:
    for name in (TOUCHED, DUE, WROTE, cache_keys.CDN):
        session.info.pop(name, None)


def install() -> None:
    """Record changes on every ORM session; `Database` calls it. Idempotent."""
    for name, listener in (
        ("after_flush", _collect),
        ("before_flush", _before_flush),
        ("before_commit", _record),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
