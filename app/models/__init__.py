"""All ORM models, imported from one place: `from app.models import Article`."""

from app.models.apikey import ApiKey
from app.models.article import (
    LIVE_STATUSES,
    Article,
    ArticleAuthor,
    ArticleRelated,
    ArticleSource,
    ArticleTag,
    Correction,
    CorrectionKind,
    Revision,
    SlugRedirect,
    Status,
    Translation,
)
from app.models.audit import AuditEntry
from app.models.author import Author, AuthorTranslation
from app.models.base import Base, utcnow
from app.models.cache import CacheInvalidation
from app.models.change import ContentChange, PublicState
from app.models.idempotency import IdempotencyKey
from app.models.language import Language
from app.models.media import Media, MediaTranslation
from app.models.pending import PendingTranslation
from app.models.preview import PreviewToken
from app.models.search import SearchDocument
from app.models.taxonomy import Category, CategoryTranslation, Tag, TagTranslation
from app.models.transfer import ImportJob
from app.models.user import AccessToken, User
from app.models.webhook import CdnPurge, Webhook, WebhookDelivery, WorkerPosition

__all__ = [
    "LIVE_STATUSES",
    "AccessToken",
    "ApiKey",
    "Article",
    "ArticleAuthor",
    "ArticleRelated",
    "ArticleSource",
    "ArticleTag",
    "AuditEntry",
    "Author",
    "AuthorTranslation",
    "Base",
    "CacheInvalidation",
    "Category",
    "CategoryTranslation",
    "CdnPurge",
    "ContentChange",
    "Correction",
    "CorrectionKind",
    "IdempotencyKey",
    "ImportJob",
    "Language",
    "Media",
    "MediaTranslation",
    "PendingTranslation",
    "PreviewToken",
    "PublicState",
    "Revision",
    "SearchDocument",
    "SlugRedirect",
    "Status",
    "Tag",
    "TagTranslation",
    "Translation",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WorkerPosition",
    "utcnow",
]
