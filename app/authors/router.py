"""Authors: admin CRUD (`/v1/admin/authors`) and public, localized author pages
(`/v1/{lang}/authors`). Stored like tags and categories (`app.taxonomy`), with a bio."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.articles import references
from app.articles.references import Force
from app.auth.deps import EditorDep, PrincipalDep
from app.authors import service
from app.authors.schemas import (
    AuthorCreate,
    AuthorList,
    AuthorRead,
    AuthorUpdate,
    LocalizedAuthor,
    LocalizedAuthorList,
)
from app.cache import keys
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.openapi import created
from app.kit.schema import Slug
from app.languages.deps import LanguageDep
from app.models import Author
from app.taxonomy.schemas import localized
from app.taxonomy.service import fields_of

AuthorId = Annotated[uuid.UUID, Path(description="The author's id.")]


async def load_author(author_id: AuthorId, session: SessionDep) -> Author:
    author: Author = await service.get(session, author_id)
    return author


AuthorDep = Annotated[Author, Depends(load_author)]


admin = APIRouter(
    prefix="/v1/admin/authors", tags=["authors"], responses=problem_responses(401, 403)
)
public = APIRouter(tags=["public"], responses=problem_responses(404))


@admin.post(
    "",
    operation_id="createAuthor",
    summary="Create an author",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=AuthorRead,
    responses={**created(), **problem_responses(409, 422)},
)
async def create_author(
    body: AuthorCreate, response: Response, session: SessionDep, _: EditorDep
) -> AuthorRead:
    """Create an author with its names per language."""
    author = await service.create(session, fields_of(body.translations))
    response.headers["Location"] = f"/v1/admin/authors/{author.id}"
    return AuthorRead.of(author)


@admin.get(
    "",
    operation_id="listAdminAuthors",
    summary="List all authors with every language",
    response_model=AuthorList,
)
async def list_admin_authors(session: SessionDep, _: PrincipalDep) -> AuthorList:
    """List every author with all its languages."""
    items = await service.list_all(session)
    return AuthorList(items=[AuthorRead.of(item) for item in items])


@admin.get(
    "/{author_id}",
    operation_id="getAdminAuthor",
    summary="Get an author with every language",
    response_model=AuthorRead,
    responses=problem_responses(404),
)
async def get_admin_author(_: PrincipalDep, author: AuthorDep) -> AuthorRead:
    """One author with all its languages."""
    return AuthorRead.of(author)


@admin.patch(
    "/{author_id}",
    operation_id="updateAuthor",
    summary="Update an author",
    response_model=AuthorRead,
    responses=problem_responses(404, 409, 422),
)
async def update_author(
    _: EditorDep, author: AuthorDep, body: AuthorUpdate, session: SessionDep
) -> AuthorRead:
    """Add, change or remove an author's names per language."""
    await service.apply_translations(session, author, fields_of(body.translations))
    return AuthorRead.of(author)


@admin.delete(
    "/{author_id}",
    operation_id="deleteAuthor",
    summary="Delete an author",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**problem_responses(404), **references.IN_USE},
)
async def delete_author(
    who: EditorDep, author: AuthorDep, session: SessionDep, force: Force = False
) -> Response:
    """Delete an author; 409 while articles carry their byline, unless `force=true`."""
    await references.release(
        session, "author_ids", author.id, label="author", force=force, actor=who.actor
    )
    await service.delete(session, author)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Public, one language ---------------------------------------------------------------


@public.get(
    "/v1/{lang}/authors",
    operation_id="listAuthors",
    summary="List authors in a language",
    response_model=LocalizedAuthorList,
)
async def list_authors(
    language: LanguageDep, response: Response, session: SessionDep, now: NowDep
) -> LocalizedAuthorList:
    """Every author named in this language, with its count of public articles."""
    rows = await service.localized(session, language=language.code, now=now)
    response.headers["Surrogate-Key"] = keys.header(
        {"authors", keys.LISTS, keys.listing(language.code)}
    )
    return LocalizedAuthorList(items=[localized(LocalizedAuthor, *row) for row in rows])


@public.get(
    "/v1/{lang}/authors/{slug}",
    operation_id="getAuthor",
    summary="Get an author by its slug in a language",
    response_model=LocalizedAuthor,
)
async def get_author(
    slug: Slug, language: LanguageDep, response: Response, session: SessionDep, now: NowDep
) -> LocalizedAuthor:
    """One author by its slug in this language."""
    rows = await service.localized(session, language=language.code, now=now, slug=slug)
    if not rows:
        raise NotFound(f"No author '{slug}' in language '{language.code}'.")
    response.headers["Surrogate-Key"] = keys.header(
        {f"author-{rows[0][0]}", keys.LISTS, keys.listing(language.code)}
    )
    return localized(LocalizedAuthor, *rows[0])


# Admin paths first: `/v1/admin/...` is no language.
router = APIRouter()
for part in (admin, public):
    router.include_router(part)
