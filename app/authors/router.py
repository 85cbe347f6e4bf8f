"""Authors: admin CRUD (`/v1/admin/authors`) and public, localized author pages
(`/v1/{lang}/authors`). Stored like tags and categories (`app.taxonomy`), with a bio."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from app.articles import references
from app.articles.references import Force
from app.auth.deps import EditorDep, PrincipalDep
from app.authors import service
from app.authors.schemas import (
    AuthorCreate,
    AuthorList,
    AuthorPage,
    AuthorRead,
    AuthorUpdate,
    LocalizedAuthor,
    LocalizedAuthorList,
)
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.openapi import created, headers
from app.kit.schema import Slug
from app.languages.deps import LanguageDep
from app.models import Author
from app.taxonomy import pages
from app.taxonomy.service import AUTHORS, fields_of

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
    responses={200: {"headers": headers("Link")}, **problem_responses(422)},
)
async def list_authors(
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.PageCursor = None,
) -> LocalizedAuthorList:
    """The authors named in this language by name, with their counts of public articles."""
    found = await pages.listing(
        session,
        AUTHORS,
        LocalizedAuthor,
        language=language,
        now=now,
        settings=request.app.state.settings,
        limit=limit,
        cursor=cursor,
    )
    response.headers.update(
        pages.list_headers(AUTHORS, language.code, found.next_cursor, url=request.url)
    )
    return LocalizedAuthorList(items=found.items, next_cursor=found.next_cursor)


@public.get(
    "/v1/{lang}/authors/{slug}",
    operation_id="getAuthor",
    summary="Get an author by its slug in a language",
    response_model=AuthorPage,
    responses={
        200: {"headers": headers("Link")},
        301: {
            "description": "The author's slug in another language: moved to their page in "
            "this language.",
            "headers": headers("Location"),
        },
        **problem_responses(422),
    },
)
async def get_author(
    slug: Slug,
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
) -> AuthorPage | Response:
    """One author in this language with their bio, site URLs and other languages."""
    settings = request.app.state.settings
    found = await pages.page(
        session, AUTHORS, AuthorPage, language=language, slug=slug, now=now, settings=settings
    )
    if found is None:
        return await pages.moved(session, AUTHORS, language=language, slug=slug, settings=settings)
    response.headers.update(pages.page_headers(AUTHORS, language.code, found))
    return found


# Admin paths first: `/v1/admin/...` is no language.
router = APIRouter()
for part in (admin, public):
    router.include_router(part)
