"""Media records and their per-language texts; uploads, their files and where they are used."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound, Unprocessable
from app.kit.pagination import Cursor
from app.languages import service as languages
from app.media import cleanup, links
from app.media.imaging import Probe, Rendered
from app.media.schemas import (
    FocalPoint,
    MediaCreate,
    MediaRead,
    MediaTranslationIn,
    MediaUpdate,
    MediaUsage,
)
from app.media.storage import Storage
from app.models import Article, Media, MediaTranslation, PendingTranslation, Translation, utcnow

USAGE_SHOWN = 20


async def get(session: AsyncSession, ident: uuid.UUID) -> Media:
    media = await session.scalar(
        select(Media).options(selectinload(Media.translations)).where(Media.id == ident)
    )
    if media is None:
        raise NotFound(f"No media {ident}.")
    return media


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    source: str | None = None  # upload | url
    used: bool | None = None
    format: str | None = None


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.source == "upload":
        query = query.where(Media.content_hash.is_not(None))
    elif filters.source == "url":
        query = query.where(Media.content_hash.is_(None))
    if filters.format is not None:
        query = query.where(Media.format == filters.format)
    if filters.used is not None:
        used = or_(
            select(Article.id).where(Article.cover_media_id == Media.id).exists(),
            select(Translation.id).where(Translation.social_image_id == Media.id).exists(),
            select(PendingTranslation.translation_id)
            .where(PendingTranslation.social_image_id == Media.id)
            .exists(),
        )
        query = query.where(used if filters.used else ~used)
    if filters.q:
        pattern = (
            "%"
            + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        texts = (
            select(MediaTranslation.media_id)
            .where(
                MediaTranslation.media_id == Media.id,
                or_(
                    func.lower(MediaTranslation.caption).like(pattern, escape="\\"),
                    func.lower(MediaTranslation.alt).like(pattern, escape="\\"),
                ),
            )
            .exists()
        )
        query = query.where(or_(func.lower(Media.credit).like(pattern, escape="\\"), texts))
    return query


async def page(
    session: AsyncSession, filters: Filters, *, limit: int, cursor: str | None
) -> tuple[list[Media], str | None]:
    """The newest records first, after `cursor`."""
    query = _filtered(select(Media).options(selectinload(Media.translations)), filters)
    if cursor is not None:
        after = Cursor.decode(cursor)
        if after.rank is not None:
            raise Cursor.invalid()
        query = query.where(
            or_(
                Media.created_at < after.at,
                and_(Media.created_at == after.at, Media.id < after.id),
            )
        )
    query = query.order_by(Media.created_at.desc(), Media.id.desc()).limit(limit + 1)
    found: list[Media] = list(await session.scalars(query))
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = Cursor(at=found[-1].created_at, id=found[-1].id).encode()
    return found, next_cursor


async def usage(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MediaUsage]:
    """Which articles use each of `ids` (as their cover, or as a language version's social
    image, a pending copy's too): a count and the newest few."""
    found: dict[uuid.UUID, MediaUsage] = {i: MediaUsage(count=0, article_ids=[]) for i in ids}
    if not ids:
        return found
    uses = (
        select(Article.cover_media_id.label("media_id"), Article.id.label("article_id"))
        .where(Article.cover_media_id.in_(ids))
        .union(
            select(Translation.social_image_id, Translation.article_id).where(
                Translation.social_image_id.in_(ids)
            ),
            select(PendingTranslation.social_image_id, Translation.article_id)
            .join(Translation, Translation.id == PendingTranslation.translation_id)
            .where(PendingTranslation.social_image_id.in_(ids)),
        )
        .subquery()
    )
    rows = await session.execute(
        select(uses.c.media_id, Article.id)
        .join(Article, Article.id == uses.c.article_id)
        .order_by(uses.c.media_id, Article.created_at.desc(), Article.id)
    )
    for media_id, article_id in rows:
        if media_id is None:  # not so: the query asks for these ids
            continue
        entry = found[media_id]
        entry.count += 1
        if len(entry.article_ids) < USAGE_SHOWN:
            entry.article_ids.append(article_id)
    return found


async def _apply_texts(
    session: AsyncSession, media: Media, changes: Mapping[str, MediaTranslationIn | None]
) -> None:
    await languages.require(session, changes.keys(), loc=("body", "translations"))
    current = {t.language: t for t in media.translations}
    for code, texts in changes.items():
        if texts is None:
            if (existing := current.get(code)) is not None:
                media.translations.remove(existing)
        elif (existing := current.get(code)) is None:
            media.translations.append(MediaTranslation(language=code, **texts.model_dump()))
        else:
            existing.caption, existing.alt = texts.caption, texts.alt


async def create(session: AsyncSession, data: MediaCreate) -> Media:
    focal = data.focal_point or FocalPoint(x=0.5, y=0.5)
    media = Media(
        id=uuid.uuid4(),
        url=data.url,
        width=data.width,
        height=data.height,
        credit=data.credit or "",
        focal_x=focal.x,
        focal_y=focal.y,
        renditions=[],
        translations=[],
    )
    session.add(media)
    await _apply_texts(session, media, data.translations)
    await session.flush()
    return media


async def same_content(session: AsyncSession, content_hash: str) -> list[Media]:
    """The records of earlier uploads of the same bytes."""
    return list(await session.scalars(select(Media).where(Media.content_hash == content_hash)))


def largest(renditions: list[list[Any]], formats: tuple[str, ...] = ("jpeg", "png")) -> str:
    """The key of the widest whole rendition in the original's family."""
    whole = [r for r in renditions if r[4] is None and r[3] in formats]
    key: str = max(whole, key=lambda r: r[1])[0] if whole else renditions[0][0]
    return key


async def create_upload(
    session: AsyncSession,
    found: Probe,
    rendered: Rendered,
    *,
    credit: str | None,
    translations: Mapping[str, MediaTranslationIn],
    focal: FocalPoint,
) -> Media:
    """The record of an upload whose files are stored; they go if the transaction fails."""
    cleanup.remove_on_rollback(session, rendered.written)
    renditions = [r.as_list() for r in rendered.renditions]
    media = Media(
        id=uuid.uuid4(),
        url=largest(renditions),
        width=found.width,
        height=found.height,
        credit=credit or "",
        content_hash=found.sha256,
        format=found.format,
        size_bytes=found.size,
        focal_x=focal.x,
        focal_y=focal.y,
        renditions=renditions,
        blurhash=rendered.blurhash,
        dominant_color=rendered.dominant_color,
        translations=[],
    )
    session.add(media)
    await _apply_texts(session, media, translations)
    await session.flush()
    return media


async def update(session: AsyncSession, media: Media, data: MediaUpdate) -> Media:
    given = data.model_fields_set
    if media.content_hash is not None and given & {"url", "width", "height"}:
        changed = sorted(given & {"url", "width", "height"})
        raise Unprocessable.at(
            ["body", changed[0]],
            "An uploaded image's URL and size come from its file: upload a new image instead.",
            msg="Not writable for an upload",
            type="uploaded",
        )
    for name in ("url", "width", "height", "credit"):
        if name in given and getattr(data, name) is not None:
            setattr(media, name, getattr(data, name))
    await _apply_texts(session, media, data.translations)
    media.updated_at = utcnow()
    await session.flush()
    return media


async def files_unused_after(session: AsyncSession, media: Media) -> list[str]:
    """The keys of `media`'s files that no other record of the same bytes uses."""
    if media.content_hash is None:
        return []
    others = await session.scalars(
        select(Media.renditions).where(
            Media.content_hash == media.content_hash, Media.id != media.id
        )
    )
    kept = {r[0] for renditions in others for r in renditions}
    return [r[0] for r in media.renditions if r[0] not in kept]


async def delete(session: AsyncSession, media: Media) -> None:
    unused = await files_unused_after(session, media)
    await session.delete(media)
    await session.flush()
    cleanup.remove_on_commit(session, unused)


def read(media: Media, storage: Storage, used: MediaUsage | None = None) -> MediaRead:
    uploaded = media.content_hash is not None
    return MediaRead.model_validate(
        {
            **{k: getattr(media, k) for k in ("id", "width", "height", "credit")},
            "url": storage.url(media.url) if uploaded else media.url,
            "translations": {t.language: t for t in media.translations},
            "source": "upload" if uploaded else "url",
            "format": media.format,
            "size_bytes": media.size_bytes,
            "content_hash": media.content_hash,
            "focal_point": {"x": media.focal_x, "y": media.focal_y},
            "renditions": links.renditions(media.renditions, storage.url),
            "blurhash": media.blurhash,
            "dominant_color": media.dominant_color,
            "usage": used or MediaUsage(count=0, article_ids=[]),
            "created_at": media.created_at,
            "updated_at": media.updated_at,
        }
    )
