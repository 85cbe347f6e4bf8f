"""Admin representations of articles: what the management API answers."""

import uuid
from datetime import datetime

from app.articles.schemas import (
    ArticleRead,
    ArticleSummary,
    CorrectionRead,
    Source,
    TranslationRead,
    TranslationSummary,
)
from app.articles.visibility import effective_status, public_now
from app.kit.etags import version_etag
from app.models import Article, Correction, CorrectionKind, Translation


def article_etag(article: Article) -> str:
    return version_etag("article", article.id, article.version)


def translation_etag(translation: Translation) -> str:
    return version_etag("translation", translation.id, translation.version)


def public_path(translation: Translation) -> str:
    return f"/v1/{translation.language}/articles/{translation.slug}"


# (article id, language) → the original's text fields changed since that translation.
Staleness = dict[tuple[uuid.UUID, str], list[str]]


def translation_read(
    translation: Translation, now: datetime, staleness: Staleness
) -> TranslationRead:
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
            "corrections": [correction_read(c) for c in translation.corrections],
        }
    )


def correction_read(correction: Correction) -> CorrectionRead:
    return CorrectionRead(
        id=correction.id,
        kind=CorrectionKind(correction.kind),
        text=correction.text,
        at=correction.created_at,
        by=correction.created_by,
    )


def article_read(article: Article, now: datetime, staleness: Staleness) -> ArticleRead:
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
        translations={
            t.language: translation_read(t, now, staleness) for t in article.translations
        },
    )


def article_summary(article: Article, now: datetime, staleness: Staleness) -> ArticleSummary:
    return ArticleSummary(
        id=article.id,
        original_language=article.original_language,
        created_at=article.created_at,
        updated_at=article.updated_at,
        version=article.version,
        translations={
            t.language: TranslationSummary(
                slug=t.slug,
                title=t.title,
                status=effective_status(t, now),
                public=public_now(t, now),
                outdated=bool(staleness.get((article.id, t.language))),
                publish_at=t.publish_at,
                published_at=t.published_at,
                updated_at=t.updated_at,
                version=t.version,
            )
            for t in article.translations
        },
    )
