"""ArticleDep: the `{article_id}` of an admin path, loaded with everything, or a 404; a
tombstone (a deleted article) only for reads (410 to writes). AnyArticleDep: tombstones too."""

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from app.articles import permissions, service
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import Gone
from app.languages.deps import LangCode
from app.models import Article, Translation


async def get_any_article(
    article_id: Annotated[uuid.UUID, Path(description="The article's id.")],
    session: SessionDep,
    principal: PrincipalDep,
) -> Article:
    """The article, tombstone or not, if this caller may see it at all (authors: only
    their own)."""
    article = await service.get(session, article_id)
    permissions.check_read(principal, article)
    return article


# Methods that only read: a tombstone answers them (its versions, its revisions).
READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_article(
    request: Request, article: Annotated[Article, Depends(get_any_article)]
) -> Article:
    """The article; a tombstone is read-only: any write through its paths answers 410
    (here, once, so every article path, present and future, refuses it)."""
    if article.deleted_at is not None and request.method not in READS:
        raise Gone(f"Article {article.id} was deleted: it can be read, not changed.")
    return article


ArticleDep = Annotated[Article, Depends(get_article)]
# Tombstones too, whatever the method: the delete (and purge) of the article itself.
AnyArticleDep = Annotated[Article, Depends(get_any_article)]


async def get_translation(article: ArticleDep, lang: LangCode) -> Translation:
    return service.require_translation(article, lang)


TranslationDep = Annotated[Translation, Depends(get_translation)]


def if_match_header(
    if_match: Annotated[
        str | None,
        Header(
            max_length=1000,
            description="The ETag of the version this write is based on. Required to change "
            "an existing resource: missing → 428, stale → 412.",
            examples=['"translation-6f1c2d8e-0b4a-4c1e-9a57-3f2b8c9d0e1f-v3"'],
        ),
    ] = None,
) -> str | None:
    return if_match


IfMatch = Annotated[str | None, Depends(if_match_header)]

# The contract marks this header required (`app.kit.openapi` reads the mark); at run time a
# missing one still answers 428 with the current version, not a 422.
REQUIRED_IN_CONTRACT = "x-newsdesk-required"


def if_match_required_header(
    if_match: Annotated[
        str | None,
        Header(
            max_length=1000,
            description="The ETag of the version this write is based on: missing → 428, "
            "stale → 412.",
            examples=['"article-6f1c2d8e-0b4a-4c1e-9a57-3f2b8c9d0e1f-v3"'],
            json_schema_extra={REQUIRED_IN_CONTRACT: True},
        ),
    ] = None,
) -> str | None:
    return if_match


IfMatchRequired = Annotated[str | None, Depends(if_match_required_header)]

ArticleIdPath = Annotated[uuid.UUID, Path(description="The article's id.")]
