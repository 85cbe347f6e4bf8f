"""Authors, typed: the taxonomy's functions (`app.taxonomy.service`) for the author kind."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Author
from app.taxonomy import service as taxonomy
from app.taxonomy.service import AUTHORS

Fields = Mapping[str, Mapping[str, Any] | None]


async def get(session: AsyncSession, ident: uuid.UUID) -> Author:
    author: Author = await taxonomy.get(session, AUTHORS, ident)
    return author


async def list_all(session: AsyncSession) -> list[Author]:
    return await taxonomy.list_all(session, AUTHORS)


async def create(session: AsyncSession, translations: Fields) -> Author:
    author: Author = await taxonomy.create(session, AUTHORS, translations)
    return author


async def apply_translations(session: AsyncSession, author: Author, translations: Fields) -> None:
    await taxonomy.apply_translations(session, AUTHORS, author, translations)


async def delete(session: AsyncSession, author: Author) -> None:
    await taxonomy.delete(session, AUTHORS, author)


async def localized(
    session: AsyncSession, *, language: str, now: datetime, slug: str | None = None
) -> list[tuple[uuid.UUID, Any, int]]:
    """(id, translation, public article count) rows of the authors named in `language`."""
    return await taxonomy.localized(session, AUTHORS, language=language, now=now, slug=slug)
