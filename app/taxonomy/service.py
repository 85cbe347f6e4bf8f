"""Localized entities — tags, categories, authors: a name and slug per language.

One set of functions serves the three kinds; a `Kind` names the classes explicitly.
`app.authors.service` is the authors' typed face of it.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, Row, distinct, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased, selectinload
from sqlalchemy.orm.attributes import flag_modified

from app.articles.visibility import is_public
from app.errors import Conflict, NotFound
from app.kit.slugs import slugify, unique_slug
from app.languages import service as languages
from app.models import (
    Article,
    ArticleAuthor,
    ArticleTag,
    Author,
    AuthorTranslation,
    Category,
    CategoryTranslation,
    Language,
    Tag,
    TagTranslation,
    Translation,
    utcnow,
)


def fields_of(translations: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
    """A request's `{lang: names | null}` as the plain fields these functions take."""
    return {
        code: None if value is None else value.model_dump(exclude_none=False)
        for code, value in translations.items()
    }


# The three kinds share their shape but no base class, so entities are typed as Any here.
@dataclass(frozen=True)
class Kind:
    entity: type[Tag] | type[Category] | type[Author]
    translation: type[TagTranslation] | type[CategoryTranslation] | type[AuthorTranslation]
    label: str
    plural: str  # the public path's segment: /v1/{lang}/{plural}/{slug}
    parent: InstrumentedAttribute[uuid.UUID]  # translation → entity
    link: InstrumentedAttribute[Any]  # article link → entity
    link_article: InstrumentedAttribute[uuid.UUID]  # article link → article


TAGS: Kind = Kind(
    Tag,
    TagTranslation,
    "tag",
    "tags",
    TagTranslation.tag_id,
    ArticleTag.tag_id,
    ArticleTag.article_id,
)
CATEGORIES: Kind = Kind(
    Category,
    CategoryTranslation,
    "category",
    "categories",
    CategoryTranslation.category_id,
    Article.category_id,
    Article.id,
)
AUTHORS: Kind = Kind(
    Author,
    AuthorTranslation,
    "author",
    "authors",
    AuthorTranslation.author_id,
    ArticleAuthor.author_id,
    ArticleAuthor.article_id,
)


async def get(session: AsyncSession, kind: Kind, ident: uuid.UUID) -> Any:
    entity = await session.scalar(
        select(kind.entity)
        .options(selectinload(kind.entity.translations))
        .where(kind.entity.id == ident)
    )
    if entity is None:
        raise NotFound(f"No {kind.label} {ident}.")
    return entity


async def list_all(session: AsyncSession, kind: Kind) -> list[Any]:
    rows = await session.scalars(
        select(kind.entity)
        .options(selectinload(kind.entity.translations))
        .order_by(kind.entity.created_at, kind.entity.id)
    )
    return list(rows)


async def _slug_for(
    session: AsyncSession,
    kind: Kind,
    *,
    language: str,
    bcp47: str,
    name: str,
    owner: uuid.UUID,
) -> str:
    """A free slug made from the name (`-2`, `-3`… when another entity holds it)."""
    parent = kind.parent

    async def taken(candidates: list[str]) -> set[str]:
        rows = await session.scalars(
            select(kind.translation.slug).where(
                kind.translation.language == language,
                kind.translation.slug.in_(candidates),
                parent != owner,
            )
        )
        return set(rows)

    return await unique_slug(slugify(name, bcp47), taken)


async def _taken(
    session: AsyncSession, kind: Kind, owner: uuid.UUID, wanted: Mapping[str, str]
) -> set[tuple[str, str]]:
    """Which of the (language, slug) pairs another entity of the kind holds: one query."""
    if not wanted:
        return set()
    rows = await session.execute(
        select(kind.translation.language, kind.translation.slug).where(
            tuple_(kind.translation.language, kind.translation.slug).in_(list(wanted.items())),
            kind.parent != owner,
        )
    )
    return {(language, slug) for language, slug in rows}


async def apply_translations(
    session: AsyncSession,
    kind: Kind,
    entity: Any,
    changes: Mapping[str, Mapping[str, Any] | None],
    *,
    updated_at: datetime | None = None,
) -> None:
    """Create, change (`{...}`) or remove (`None`) the entity's per-language fields.

    A changed name keeps the existing slug (URLs stay stable) unless a slug is given.
    `updated_at`: the change time to record (an import's), now when not given.
    """
    langs = await languages.require(session, changes.keys(), loc=("body", "translations"))
    current: dict[str, Any] = {t.language: t for t in entity.translations}
    wanted: dict[str, str] = {}
    for code, fields in changes.items():
        if fields is None:
            continue
        slug = fields.get("slug")
        existing = current.get(code)
        if slug is None and existing is not None:
            slug = existing.slug
        if slug is not None:
            wanted[code] = slug
    taken = await _taken(session, kind, entity.id, wanted)
    for code, fields in changes.items():
        existing = current.get(code)
        if fields is None:
            if existing is not None:
                entity.translations.remove(existing)
            continue
        values = {k: v for k, v in fields.items() if k != "slug"}
        if code in wanted:
            slug = wanted[code]
            if (code, slug) in taken:
                raise Conflict(f"The {kind.label} slug '{slug}' is taken in '{code}'.")
        else:
            slug = await _slug_for(
                session,
                kind,
                language=code,
                bcp47=langs[code].bcp47,
                name=values["name"],
                owner=entity.id,
            )
        if existing is None:
            entity.translations.append(kind.translation(language=code, slug=slug, **values))
        else:
            existing.slug = slug
            for key, value in values.items():
                setattr(existing, key, value)
    entity.updated_at = updated_at or utcnow()
    if updated_at is not None:  # written as given, even when equal (not the onupdate time)
        flag_modified(entity, "updated_at")
    await session.flush()


async def create(
    session: AsyncSession, kind: Kind, translations: Mapping[str, Mapping[str, Any] | None]
) -> Any:
    entity = kind.entity(id=uuid.uuid4(), translations=[])
    session.add(entity)
    await apply_translations(session, kind, entity, translations)
    return entity


async def delete(session: AsyncSession, kind: Kind, entity: Any) -> None:
    await session.delete(entity)
    await session.flush()


async def localized(
    session: AsyncSession,
    kind: Kind,
    *,
    language: str,
    now: datetime,
    slug: str | None = None,
    after: tuple[str, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[tuple[uuid.UUID, Any, int]]:
    """The kind's entries named in `language`, by name then id, each with its count of
    public articles in that language: one by `slug`, or a page of at most `limit` after
    the keyset position `after` (a name and an id)."""
    query = (
        select(kind.parent, kind.translation)
        .where(kind.translation.language == language)
        .order_by(kind.translation.name, kind.parent)
    )
    if slug is not None:
        query = query.where(kind.translation.slug == slug)
    if after is not None:
        query = query.where(tuple_(kind.translation.name, kind.parent) > after)
    if limit is not None:
        query = query.limit(limit)
    rows = list(await session.execute(query))
    counts = await _public_counts(session, kind, [row[0] for row in rows], language, now)
    return [(row[0], row[1], counts.get(row[0], 0)) for row in rows]


async def _public_counts(
    session: AsyncSession, kind: Kind, ids: list[uuid.UUID], language: str, now: datetime
) -> dict[uuid.UUID, int]:
    """Public articles in `language` per entry, for these entries only (one page's)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(kind.link, func.count(distinct(kind.link_article)))
        .join(Translation, Translation.article_id == kind.link_article)
        .where(Translation.language == language, is_public(now), kind.link.in_(ids))
        .group_by(kind.link)
    )
    return {row[0]: int(row[1]) for row in rows}


async def languages_of(session: AsyncSession, kind: Kind, ident: uuid.UUID) -> list[Row[Any]]:
    """Every language in the site's order (`code`, `bcp47`), each with the entry's `slug`
    in it, or None where the entry has no name in that language. The first row is the
    site's default language (the x-default)."""
    rows: Result[Any] = await session.execute(
        select(Language.code, Language.bcp47, kind.translation.slug)
        .outerjoin(
            kind.translation,
            (kind.translation.language == Language.code) & (kind.parent == ident),
        )
        .order_by(Language.position, Language.code)
    )
    return list(rows)


async def slug_moved(session: AsyncSession, kind: Kind, *, language: str, slug: str) -> str | None:
    """The `language` slug of the entry whose slug in another language is `slug` (the first
    such language in the site's order), or None. Terms keep no former slugs."""
    other = aliased(kind.translation)
    other_parent = getattr(other, kind.parent.key)
    target: str | None = await session.scalar(
        select(kind.translation.slug)
        .join(other, other_parent == kind.parent)
        .join(Language, Language.code == other.language)
        .where(
            other.slug == slug,
            other.language != language,
            kind.translation.language == language,
        )
        .order_by(Language.position, Language.code)
        .limit(1)
    )
    return target
