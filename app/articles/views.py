"""Admin representations of articles: what the management API answers."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from app.articles.pending import changed_fields
from app.articles.schemas import (
    ArticleRead,
    ArticleSummary,
    CorrectionRead,
    PendingRead,
    Source,
    TranslationRead,
    TranslationSummary,
)
from app.articles.visibility import effective_status, public_now
from app.kit.etags import version_etag
from app.kit.removals import SanitizerWarning
from app.models import Article, Correction, CorrectionKind, PendingTranslation, Translation


def article_etag(article: Article) -> str:
    return version_etag("article", article.id, article.version)


def translation_etag(translation: Translation) -> str:
    """The version, and the save of its pending copy if it has one: staging a copy leaves
    the live row (and its version) alone, yet the admin representation changed."""
    etag = version_etag("translation", translation.id, translation.version)
    pending = translation.pending
    return etag if pending is None else f'{etag[:-1]}-p{pending.revision}"'


def public_path(translation: Translation) -> str:
    return f"/v1/{translation.language}/articles/{translation.slug}"


# (article id, language) → the original's text fields changed since that translation.
Staleness = dict[tuple[uuid.UUID, str], list[str]]


def translation_read(
    translation: Translation,
    now: datetime,
    staleness: Staleness,
    warnings: Sequence[SanitizerWarning] = (),
) -> TranslationRead:
    """`warnings`: what the write this answers removed from the body (none on a read)."""
    stale = staleness.get((translation.article_id, translation.language), [])
    return TranslationRead.model_validate(
        {
            **{
                k: getattr(translation, k)
                for k in TranslationRead.model_fields
                if hasattr(translation, k)
            },
            "status": effective_status(translation, now),
            "public": public_now(translation, now),
            "path": public_path(translation),
            "outdated": bool(stale),
            "outdated_fields": stale,
            "has_pending_changes": translation.pending is not None,
            "corrections": [correction_read(c) for c in translation.corrections],
            "warnings": list(warnings),
        }
    )


def pending_read(
    translation: Translation,
    pending: PendingTranslation,
    now: datetime,
    warnings: Sequence[SanitizerWarning] = (),
) -> PendingRead:
    return PendingRead(
        language=translation.language,
        slug=pending.slug or translation.slug,
        title=pending.title,
        lead=pending.lead,
        body_html=pending.body_html,
        seo_title=pending.seo_title,
        seo_description=pending.seo_description,
        social_title=pending.social_title,
        social_description=pending.social_description,
        social_image_id=pending.social_image_id,
        word_count=pending.word_count,
        reading_time_minutes=pending.reading_time_minutes,
        warnings=list(warnings),
        status=effective_status(translation, now),
        changed_fields=changed_fields(translation, pending),
        saved_by=pending.saved_by,
        saved_at=pending.saved_at,
    )


def correction_read(correction: Correction) -> CorrectionRead:
    return CorrectionRead(
        id=correction.id,
        kind=CorrectionKind(correction.kind),
        text=correction.text,
        at=correction.created_at,
        by=correction.created_by,
    )


def article_read(
    article: Article,
    now: datetime,
    staleness: Staleness,
    warnings: Mapping[str, Sequence[SanitizerWarning]] | None = None,
) -> ArticleRead:
    """`warnings`: by language, what the write this answers removed from the bodies."""
    warnings = warnings or {}
    return ArticleRead(
        id=article.id,
        original_language=article.original_language,
        author_ids=[a.author_id for a in article.authors],
        category_id=article.category_id,
        tag_ids=[t.tag_id for t in article.tags],
        cover_media_id=article.cover_media_id,
        sources=[Source(name=s.name, url=s.url) for s in article.sources],
        related_ids=[r.related_id for r in article.related],
        created_at=article.created_at,
        updated_at=article.updated_at,
        version=article.version,
        deleted_at=article.deleted_at,
        deleted_by=article.deleted_by,
        translations={
            t.language: translation_read(t, now, staleness, warnings.get(t.language, ()))
            for t in article.translations
        },
    )


def article_summary(article: Article, now: datetime, staleness: Staleness) -> ArticleSummary:
    return ArticleSummary(
        id=article.id,
        original_language=article.original_language,
        created_at=article.created_at,
        updated_at=article.updated_at,
        version=article.version,
        deleted_at=article.deleted_at,
        deleted_by=article.deleted_by,
        translations={
            t.language: TranslationSummary(
                slug=t.slug,
                title=t.title,
                status=effective_status(t, now),
                public=public_now(t, now),
                outdated=bool(staleness.get((article.id, t.language))),
                publish_at=t.publish_at,
                published_at=t.published_at,
                expire_at=t.expire_at,
                updated_at=t.updated_at,
                version=t.version,
            )
            for t in article.translations
        },
    )
