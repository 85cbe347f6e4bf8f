"""Media records and their per-language texts."""

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.languages import service as languages
from app.media.schemas import MediaCreate, MediaRead, MediaTranslationIn, MediaUpdate
from app.models import Media, MediaTranslation, utcnow


async def get(session: AsyncSession, ident: uuid.UUID) -> Media:
    media = await session.scalar(
        select(Media).options(selectinload(Media.translations)).where(Media.id == ident)
    )
    if media is None:
        raise NotFound(f"No media {ident}.")
    return media


async def list_all(session: AsyncSession) -> list[Media]:
    rows = await session.scalars(
        select(Media).options(selectinload(Media.translations)).order_by(Media.created_at)
    )
    return list(rows)


async def _apply_texts(
    session: AsyncSession, media: Media, changes: Mapping[str, MediaTranslationIn | None]
) -> None:
    await languages.require(session, changes.keys(), loc=("body", "translations"))
    current = {t.language: t for t in media.translations}
    for code, texts in changes.items():
        existing = current.get(code)
        if texts is None:
            if existing is not None:
                media.translations.remove(existing)
        elif existing is None:
            media.translations.append(MediaTranslation(language=code, **texts.model_dump()))
        else:
            existing.caption, existing.alt = texts.caption, texts.alt


async def create(session: AsyncSession, data: MediaCreate) -> Media:
    media = Media(
        id=uuid.uuid4(),
        url=data.url,
        width=data.width,
        height=data.height,
        credit=data.credit or "",
        translations=[],
    )
    session.add(media)
    await _apply_texts(session, media, data.translations)
    await session.flush()
    return media


async def update(session: AsyncSession, media: Media, data: MediaUpdate) -> Media:
    for field in ("url", "width", "height", "credit"):
        if field in data.model_fields_set and getattr(data, field) is not None:
            setattr(media, field, getattr(data, field))
    await _apply_texts(session, media, data.translations)
    media.updated_at = utcnow()
    await session.flush()
    return media


async def delete(session: AsyncSession, media: Media) -> None:
    await session.delete(media)
    await session.flush()


def read(media: Media) -> MediaRead:
    return MediaRead.model_validate(
        {
            **{k: getattr(media, k) for k in ("id", "url", "width", "height", "credit")},
            "translations": {t.language: t for t in media.translations},
            "created_at": media.created_at,
            "updated_at": media.updated_at,
        }
    )
