"""Surrogate keys: the names a public response carries (`Surrogate-Key`) and a write
purges, for the response cache and for a CDN alike.

- `article-{id}`: the article's pages, and every list page that shows it; purged by any
  change to the article or to one of its versions.
- `article-{id}-{lang}`: the page of that language version; purged when it changes.
- `list-{lang}`: every list of a language (articles, search, feeds, tags, categories and
  authors with their counts); purged when a version in that language changes.
- `lists`: every list of every language; purged when an article's tags, authors or
  category change (the filtered lists gain or lose it).
- `sitemap`: both sitemaps; purged when any version changes. This worker's cache
  refreshes them rather than dropping them, at most once per
  `NEWSDESK_SITEMAP_REFRESH_SECONDS` (`app.cache.store`).
- `tag-{id}`, `category-{id}`, `author-{id}`: the pages that show it and the lists filtered
  by it; purged when it changes, or an article's link to it does.
- `tags`, `categories`, `authors`: the public listings of that kind; purged when one of
  that kind changes.
- `media-{id}`: the pages that show it as a cover or a social image; purged when it
  changes.
- A change to a language purges everything (`*`).

The flush hook below collects, in `session.info`, the keys each flush's changes purge;
`app.db.get_session` hands them to the invalidation bus when the transaction commits.
A statement that writes without a flush (a Core `update()`, `delete()` or `insert()`, or
SQL text, executed through a session) would purge nothing: on a table public answers
read, it is refused (`UnpurgedWrite`); write through the ORM instead.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import TextClause, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

from app.cache.store import ALL
from app.models import (
    Article,
    ArticleAuthor,
    ArticleRelated,
    ArticleSource,
    ArticleTag,
    Author,
    AuthorTranslation,
    Category,
    CategoryTranslation,
    Correction,
    Language,
    Media,
    MediaTranslation,
    Tag,
    TagTranslation,
    Translation,
)

SITEMAP = "sitemap"
REFRESHED = frozenset({SITEMAP})  # refreshed by the response cache, not dropped
PURGE = "newsdesk.purge"
CDN = "newsdesk.purge.cdn"  # the same keys, kept for a CDN purge until the commit


def article(article_id: object, language: str | None = None) -> str:
    return f"article-{article_id}" if language is None else f"article-{article_id}-{language}"


def listing(language: str) -> str:
    return f"list-{language}"


LISTS = "lists"  # every list of every language


def of_version(article_id: object, language: str) -> set[str]:
    """What a change of one language version purges: its article's pages, its own page,
    its language's lists and the sitemaps."""
    return {article(article_id), article(article_id, language), listing(language), SITEMAP}


def header(keys: Iterable[str]) -> str:
    """The `Surrogate-Key` value: space-separated, in a stable order."""
    return " ".join(sorted(set(keys)))


def of_article(item: Any, social: Any = None) -> set[str]:
    """What a card or an article page shows (`shown`), read from its model, and (a page)
    its social image, `social`. Attributes read once each: a search page asks this of 20
    cards, and a missing attribute of a model costs an exception."""
    category, cover = item.category, item.cover
    keys = shown(
        item.id,
        (tag.id for tag in item.tags),
        (author.id for author in item.authors),
        None if category is None else category.id,
        None if cover is None else cover.id,
    )
    if social is not None:
        keys.add(f"media-{social.id}")
    return keys


def shown(
    article_id: object,
    tags: Iterable[object],
    authors: Iterable[object],
    category: object | None,
    cover: object | None,
) -> set[str]:
    """What a card shows, by id: the article, its tags and authors, its category and its
    cover (None: none)."""
    keys = {article(article_id), *(f"tag-{tag}" for tag in tags)}
    keys.update(f"author-{author}" for author in authors)
    if category is not None:
        keys.add(f"category-{category}")
    if cover is not None:
        keys.add(f"media-{cover}")
    return keys


def of_list(language: str, cards: Iterable[Mapping[str, Any]]) -> str:
    """A list page's: its language's lists, and what each card shows (`shown`, from the
    card's JSON fields: `app.public.reads.CardPage`)."""
    keys = {LISTS, listing(language)}
    for card in cards:
        category, cover = card["category"], card["cover"]
        keys |= shown(
            card["id"],
            (tag["id"] for tag in card["tags"]),
            (author["id"] for author in card["authors"]),
            None if category is None else category["id"],
            None if cover is None else cover["id"],
        )
    return header(keys)


# What a change to a row of each table public answers read purges: the one list of those
# tables (the flush hook reads it for the keys, the write guard below for the tables).
_KEYS_OF: dict[type[Any], Callable[[Any], set[str]]] = {
    Translation: lambda t: of_version(t.article_id, t.language),
    Article: lambda a: {article(a.id)},
    # The lists filtered by a tag or an author gain or lose the article.
    ArticleTag: lambda g: {article(g.article_id), f"tag-{g.tag_id}", LISTS},
    ArticleAuthor: lambda g: {article(g.article_id), f"author-{g.author_id}", LISTS},
    ArticleSource: lambda s: {article(s.article_id)},
    ArticleRelated: lambda r: {article(r.article_id)},
    Correction: lambda c: {article(c.article_id), article(c.article_id, c.language)},
    Tag: lambda t: {f"tag-{t.id}", "tags"},
    TagTranslation: lambda t: {f"tag-{t.tag_id}", "tags"},
    Category: lambda c: {f"category-{c.id}", "categories"},
    CategoryTranslation: lambda c: {f"category-{c.category_id}", "categories"},
    Author: lambda a: {f"author-{a.id}", "authors"},
    AuthorTranslation: lambda a: {f"author-{a.author_id}", "authors"},
    Media: lambda m: {f"media-{m.id}"},
    MediaTranslation: lambda m: {f"media-{m.media_id}"},
    Language: lambda _: {ALL},
}


def _keys_of(obj: Any) -> set[str]:
    of = _KEYS_OF.get(type(obj))
    return set() if of is None else of(obj)


def _category_change(obj: Any) -> set[str]:
    """An article moved between categories: both categories' filtered lists change."""
    if not isinstance(obj, Article):
        return set()
    history = inspect(obj).attrs.category_id.history
    if not history.has_changes():
        return set()
    return {LISTS, *(f"category-{c}" for c in (*history.added, *history.deleted) if c)}


def _collect(session: Session, _context: Any) -> None:
    keys: set[str] = session.info.setdefault(PURGE, set())
    changed = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*session.new, *changed, *session.deleted):
        keys |= _keys_of(obj)
        keys |= _category_change(obj)
    session.info.setdefault(CDN, set()).update(keys)


def take(session: Session) -> set[str]:
    """The keys the session's writes purge, once (the set is emptied)."""
    keys: set[str] = session.info.pop(PURGE, set())
    return keys


def take_for_cdn(session: Session) -> set[str]:
    """The keys the transaction's writes purge, for a CDN (`app.changes.record`), once."""
    keys: set[str] = session.info.pop(CDN, set())
    return keys


# The tables public answers read: a write to one must go through the flush hook above.
PUBLIC_TABLES: frozenset[str] = frozenset(model.__tablename__ for model in _KEYS_OF)
# Columns of those tables no public answer shows, which an UPDATE may set without a purge:
# the revision counter (`app.revisions.service.record` increments it in one statement).
_UNSHOWN = {"articles": frozenset({"last_revision"})}
_TEXT_WRITE = re.compile(
    r"\s*(?:update|insert\s+(?:or\s+\w+\s+)?into|delete\s+from)\s+\"?(\w+)", re.I
)


class UnpurgedWrite(RuntimeError):
    """A write on a public table that bypasses the ORM's flush, so would purge nothing."""


def _refuse_unpurged(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase):
        table = getattr(statement.table, "name", None)
        if table not in PUBLIC_TABLES:
            return
        if state.is_update and _only_unshown(table, statement):
            return
    elif isinstance(statement, TextClause):
        match = _TEXT_WRITE.match(statement.text)
        table = match[1].lower() if match else None
        if table not in PUBLIC_TABLES:
            return
    else:
        return
    raise UnpurgedWrite(
        f"A {type(statement).__name__} on `{table}` through the session would purge no "
        "cached public answer: change the rows through the ORM (the flush hook collects "
        "their surrogate keys) or purge their keys explicitly."
    )


def _only_unshown(table: str, statement: UpdateBase) -> bool:
    values = getattr(statement, "_values", None) or {}
    names = {getattr(column, "key", column) for column in values}
    return bool(names) and names <= _UNSHOWN.get(table, frozenset())


def install() -> None:
    """Collect each flush's purge keys on every ORM session, and refuse writes that would
    bypass that (`_refuse_unpurged`); `Database` calls it. Idempotent."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
    if not event.contains(Session, "do_orm_execute", _refuse_unpurged):
        event.listen(Session, "do_orm_execute", _refuse_unpurged)
