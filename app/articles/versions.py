"""If-Match in, ETag out: the version rule of every write to an article or a translation.

A write names the version it is based on (`If-Match`, see `app.kit.etags`): a stale one
answers 412, a missing one 428 where it is required. Its answer carries the new ETag.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from fastapi import Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles.schemas import ArticleRead, PendingRead, TranslationRead
from app.articles.views import (
    article_etag,
    article_read,
    pending_read,
    translation_etag,
    translation_read,
)
from app.kit.etags import check_if_match
from app.kit.removals import SanitizerWarning
from app.models import Article, PendingTranslation, Translation
from app.revisions import service as revisions


def etag_of(resource: Article | Translation) -> str:
    if isinstance(resource, Article):
        return article_etag(resource)
    return translation_etag(resource)


def check_version(if_match: str | None, resource: Article | Translation, *, required: bool) -> None:
    """412 when If-Match names another version of `resource`; 428 when missing but required."""
    check_if_match(if_match, etag_of(resource), resource.version, required=required)


def send_etag(response: Response, resource: Article | Translation) -> None:
    response.headers["ETag"] = etag_of(resource)


async def article_answer(
    response: Response,
    session: AsyncSession,
    article: Article,
    now: datetime,
    warnings: Mapping[str, Sequence[SanitizerWarning]] | None = None,
) -> ArticleRead:
    """The article as a write or a read answers it: with its ETag (and a write's
    sanitizer warnings, by language)."""
    send_etag(response, article)
    return article_read(article, now, await revisions.staleness(session, [article]), warnings)


async def translation_answer(
    response: Response,
    session: AsyncSession,
    article: Article,
    translation: Translation,
    now: datetime,
    warnings: Sequence[SanitizerWarning] = (),
) -> TranslationRead:
    """The translation as a write or a read answers it: with its ETag (and a write's
    sanitizer warnings)."""
    send_etag(response, translation)
    staleness = await revisions.staleness(session, [article])
    return translation_read(translation, now, staleness, warnings)


def pending_answer(
    response: Response,
    translation: Translation,
    now: datetime,
    warnings: Sequence[SanitizerWarning] = (),
) -> PendingRead:
    """The pending copy as a read or a save answers it: with the translation's ETag."""
    send_etag(response, translation)
    pending = translation.pending
    assert pending is not None
    return pending_read(translation, pending, now, warnings)


def staged_answer(
    translation: Translation, now: datetime, warnings: Sequence[SanitizerWarning]
) -> JSONResponse:
    """A PUT or PATCH of a live version by a role that may not publish: 202, the copy."""
    pending: PendingTranslation | None = translation.pending
    assert pending is not None
    return JSONResponse(
        jsonable_encoder(pending_read(translation, pending, now, warnings)),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"ETag": etag_of(translation)},
    )
