"""Tags and categories: admin CRUD (`/v1/admin/tags`, `/v1/admin/categories`) and public,
localized pages (`/v1/{lang}/tags`, `/v1/{lang}/categories`). Authors: `app.authors`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status

from app.articles import references
from app.articles.references import Force
from app.auth.deps import EditorDep, PrincipalDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.openapi import created, headers
from app.kit.schema import Slug
from app.languages.deps import LanguageDep
from app.models import Category, Tag
from app.taxonomy import pages, service
from app.taxonomy.schemas import (
    LocalizedTerm,
    LocalizedTermList,
    TermCreate,
    TermList,
    TermPage,
    TermRead,
    TermUpdate,
)
from app.taxonomy.service import CATEGORIES, TAGS, fields_of

TagId = Annotated[uuid.UUID, Path(description="The tag's id.")]


async def load_tag(tag_id: TagId, session: SessionDep) -> Tag:
    tag: Tag = await service.get(session, TAGS, tag_id)
    return tag


TagDep = Annotated[Tag, Depends(load_tag)]


CategoryId = Annotated[uuid.UUID, Path(description="The category's id.")]


async def load_category(category_id: CategoryId, session: SessionDep) -> Category:
    category: Category = await service.get(session, CATEGORIES, category_id)
    return category


CategoryDep = Annotated[Category, Depends(load_category)]


tags_admin = APIRouter(
    prefix="/v1/admin/tags", tags=["tags"], responses=problem_responses(401, 403)
)
categories_admin = APIRouter(
    prefix="/v1/admin/categories", tags=["categories"], responses=problem_responses(401, 403)
)
public = APIRouter(tags=["public"], responses=problem_responses(404))


# Tags, managed ----------------------------------------------------------------------


@tags_admin.post(
    "",
    operation_id="createTag",
    summary="Create a tag",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=TermRead,
    responses={**created(), **problem_responses(409, 422)},
)
async def create_tag(
    body: TermCreate, response: Response, session: SessionDep, _: EditorDep
) -> TermRead:
    """Create a tag with its names per language."""
    tag = await service.create(session, TAGS, fields_of(body.translations))
    response.headers["Location"] = f"/v1/admin/tags/{tag.id}"
    return TermRead.of(tag)


@tags_admin.get(
    "",
    operation_id="listAdminTags",
    summary="List all tags with every language",
    response_model=TermList,
)
async def list_admin_tags(session: SessionDep, _: PrincipalDep) -> TermList:
    """List every tag with all its languages."""
    items = await service.list_all(session, TAGS)
    return TermList(items=[TermRead.of(item) for item in items])


@tags_admin.get(
    "/{tag_id}",
    operation_id="getAdminTag",
    summary="Get a tag with every language",
    response_model=TermRead,
    responses=problem_responses(404),
)
async def get_admin_tag(_: PrincipalDep, tag: TagDep) -> TermRead:
    """One tag with all its languages."""
    return TermRead.of(tag)


@tags_admin.patch(
    "/{tag_id}",
    operation_id="updateTag",
    summary="Update a tag",
    response_model=TermRead,
    responses=problem_responses(404, 409, 422),
)
async def update_tag(_: EditorDep, tag: TagDep, body: TermUpdate, session: SessionDep) -> TermRead:
    """Add, change or remove a tag's names per language."""
    await service.apply_translations(session, TAGS, tag, fields_of(body.translations))
    return TermRead.of(tag)


@tags_admin.delete(
    "/{tag_id}",
    operation_id="deleteTag",
    summary="Delete a tag",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**problem_responses(404), **references.IN_USE},
)
async def delete_tag(
    who: EditorDep, tag: TagDep, session: SessionDep, force: Force = False
) -> Response:
    """Delete a tag; 409 while articles use it, unless `force=true`."""
    await references.release(session, "tag_ids", tag.id, label="tag", force=force, actor=who.actor)
    await service.delete(session, TAGS, tag)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Categories, managed ----------------------------------------------------------------


@categories_admin.post(
    "",
    operation_id="createCategory",
    summary="Create a category",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=TermRead,
    responses={**created(), **problem_responses(409, 422)},
)
async def create_category(
    body: TermCreate, response: Response, session: SessionDep, _: EditorDep
) -> TermRead:
    """Create a category with its names per language."""
    category = await service.create(session, CATEGORIES, fields_of(body.translations))
    response.headers["Location"] = f"/v1/admin/categories/{category.id}"
    return TermRead.of(category)


@categories_admin.get(
    "",
    operation_id="listAdminCategories",
    summary="List all categories with every language",
    response_model=TermList,
)
async def list_admin_categories(session: SessionDep, _: PrincipalDep) -> TermList:
    """List every category with all its languages."""
    items = await service.list_all(session, CATEGORIES)
    return TermList(items=[TermRead.of(item) for item in items])


@categories_admin.get(
    "/{category_id}",
    operation_id="getAdminCategory",
    summary="Get a category with every language",
    response_model=TermRead,
    responses=problem_responses(404),
)
async def get_admin_category(_: PrincipalDep, category: CategoryDep) -> TermRead:
    """One category with all its languages."""
    return TermRead.of(category)


@categories_admin.patch(
    "/{category_id}",
    operation_id="updateCategory",
    summary="Update a category",
    response_model=TermRead,
    responses=problem_responses(404, 409, 422),
)
async def update_category(
    _: EditorDep, category: CategoryDep, body: TermUpdate, session: SessionDep
) -> TermRead:
    """Add, change or remove a category's names per language."""
    await service.apply_translations(session, CATEGORIES, category, fields_of(body.translations))
    return TermRead.of(category)


@categories_admin.delete(
    "/{category_id}",
    operation_id="deleteCategory",
    summary="Delete a category",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**problem_responses(404), **references.IN_USE},
)
async def delete_category(
    who: EditorDep, category: CategoryDep, session: SessionDep, force: Force = False
) -> Response:
    """Delete a category; 409 while articles use it, unless `force=true`."""
    await references.release(
        session, "category_id", category.id, label="category", force=force, actor=who.actor
    )
    await service.delete(session, CATEGORIES, category)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Public, one language ---------------------------------------------------------------

_LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": headers("Link")},
    **problem_responses(422),
}
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": headers("Link")},
    301: {
        "description": "The slug of the same term in another language: moved to its page "
        "in this language.",
        "headers": headers("Location"),
    },
    **problem_responses(422),
}


@public.get(
    "/v1/{lang}/tags",
    operation_id="listTags",
    summary="List tags in a language",
    response_model=LocalizedTermList,
    responses=_LIST_RESPONSES,
)
async def list_tags(
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.PageCursor = None,
) -> LocalizedTermList:
    """The tags named in this language by name, with their counts of public articles."""
    found = await pages.listing(
        session,
        TAGS,
        LocalizedTerm,
        language=language,
        now=now,
        settings=request.app.state.settings,
        limit=limit,
        cursor=cursor,
    )
    response.headers.update(
        pages.list_headers(TAGS, language.code, found.next_cursor, url=request.url)
    )
    return LocalizedTermList(items=found.items, next_cursor=found.next_cursor)


@public.get(
    "/v1/{lang}/tags/{slug}",
    operation_id="getTag",
    summary="Get a tag by its slug in a language",
    response_model=TermPage,
    responses=_PAGE_RESPONSES,
)
async def get_tag(
    slug: Slug,
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
) -> TermPage | Response:
    """One tag in this language, with its site URLs and its other languages."""
    settings = request.app.state.settings
    found = await pages.page(
        session, TAGS, TermPage, language=language, slug=slug, now=now, settings=settings
    )
    if found is None:
        return await pages.moved(session, TAGS, language=language, slug=slug, settings=settings)
    response.headers.update(pages.page_headers(TAGS, language.code, found))
    return found


@public.get(
    "/v1/{lang}/categories",
    operation_id="listCategories",
    summary="List categories in a language",
    response_model=LocalizedTermList,
    responses=_LIST_RESPONSES,
)
async def list_categories(
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.PageCursor = None,
) -> LocalizedTermList:
    """The categories named in this language by name, with their counts of public articles."""
    found = await pages.listing(
        session,
        CATEGORIES,
        LocalizedTerm,
        language=language,
        now=now,
        settings=request.app.state.settings,
        limit=limit,
        cursor=cursor,
    )
    response.headers.update(
        pages.list_headers(CATEGORIES, language.code, found.next_cursor, url=request.url)
    )
    return LocalizedTermList(items=found.items, next_cursor=found.next_cursor)


@public.get(
    "/v1/{lang}/categories/{slug}",
    operation_id="getCategory",
    summary="Get a category by its slug in a language",
    response_model=TermPage,
    responses=_PAGE_RESPONSES,
)
async def get_category(
    slug: Slug,
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
) -> TermPage | Response:
    """One category in this language, with its site URLs and its other languages."""
    settings = request.app.state.settings
    found = await pages.page(
        session, CATEGORIES, TermPage, language=language, slug=slug, now=now, settings=settings
    )
    if found is None:
        return await pages.moved(
            session, CATEGORIES, language=language, slug=slug, settings=settings
        )
    response.headers.update(pages.page_headers(CATEGORIES, language.code, found))
    return found


# Admin paths first (within each domain): `/v1/admin/...` is no language.
router = APIRouter()
for part in (tags_admin, categories_admin, public):
    router.include_router(part)
