"""Tags and categories: admin CRUD and public, localized pages.

Authors share the same machinery (`app.authors.router`); the routes for each kind are
made by `admin_routes` / `public_routes` with the kind's classes and operation names.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from app.auth.deps import EditorDep, PrincipalDep
from app.cache import keys
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.openapi import created
from app.kit.schema import Slug
from app.languages.deps import LanguageDep
from app.taxonomy import service
from app.taxonomy.schemas import (
    LocalizedTerm,
    LocalizedTermList,
    TermCreate,
    TermList,
    TermRead,
    TermUpdate,
)
from app.taxonomy.service import CATEGORIES, TAGS, Kind


def _a(noun: str) -> str:
    """The noun with its indefinite article: "a tag", "an author"."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def admin_routes(
    kind: Kind,
    *,
    path: str,
    singular: str,
    plural: str,
    create_schema: Any = TermCreate,
    update_schema: Any = TermUpdate,
    read_schema: Any = TermRead,
    list_schema: Any = TermList,
) -> APIRouter:
    router = APIRouter(
        prefix=f"/v1/admin/{path}", tags=[path], responses=problem_responses(401, 403)
    )
    id_name = f"{kind.label}_id"
    Ident = Annotated[uuid.UUID, Path(alias=id_name, description=f"The {kind.label}'s id.")]

    @router.post(
        "",
        operation_id=f"create{singular}",
        summary=f"Create {_a(kind.label)}",
        dependencies=[IDEMPOTENT],
        status_code=status.HTTP_201_CREATED,
        response_model=read_schema,
        responses={**created(), **problem_responses(409, 422)},
    )
    async def create(
        body: create_schema, response: Response, session: SessionDep, _: EditorDep
    ) -> Any:
        entity = await service.create(session, kind, _fields(body.translations))
        response.headers["Location"] = f"/v1/admin/{path}/{entity.id}"
        return read_schema.of(entity)

    @router.get(
        "",
        operation_id=f"listAdmin{plural}",
        summary=f"List all {plural.lower()} with every language",
        response_model=list_schema,
    )
    async def list_all(session: SessionDep, _: PrincipalDep) -> Any:
        return list_schema(items=[read_schema.of(e) for e in await service.list_all(session, kind)])

    @router.get(
        f"/{{{id_name}}}",
        operation_id=f"getAdmin{singular}",
        summary=f"Get {_a(kind.label)} with every language",
        response_model=read_schema,
        responses=problem_responses(404),
    )
    async def get_one(ident: Ident, session: SessionDep, _: PrincipalDep) -> Any:
        return read_schema.of(await service.get(session, kind, ident))

    @router.patch(
        f"/{{{id_name}}}",
        operation_id=f"update{singular}",
        summary=f"Update {_a(kind.label)}",
        response_model=read_schema,
        responses=problem_responses(404, 409, 422),
    )
    async def update(
        ident: Ident,
        body: update_schema,
        session: SessionDep,
        _: EditorDep,
    ) -> Any:
        entity = await service.get(session, kind, ident)
        await service.apply_translations(session, kind, entity, _fields(body.translations))
        return read_schema.of(entity)

    @router.delete(
        f"/{{{id_name}}}",
        operation_id=f"delete{singular}",
        summary=f"Delete {_a(kind.label)}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=problem_responses(404, 409),
    )
    async def delete(ident: Ident, session: SessionDep, _: EditorDep) -> Response:
        await service.delete(session, kind, await service.get(session, kind, ident))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    create.__doc__ = f"Create {_a(kind.label)} with its names per language."
    list_all.__doc__ = f"List every {kind.label} with all its languages."
    get_one.__doc__ = f"One {kind.label} with all its languages."
    update.__doc__ = f"Add, change or remove {_a(kind.label)}'s names per language."
    delete.__doc__ = f"Delete {_a(kind.label)}."
    return router


def _fields(translations: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    return {
        code: None if value is None else value.model_dump(exclude_none=False)
        for code, value in translations.items()
    }


def public_routes(
    kind: Kind,
    *,
    path: str,
    singular: str,
    plural: str,
    item_schema: Any = LocalizedTerm,
    list_schema: Any = LocalizedTermList,
) -> APIRouter:
    router = APIRouter(tags=["public"], responses=problem_responses(404))

    @router.get(
        f"/v1/{{lang}}/{path}",
        operation_id=f"list{plural}",
        summary=f"List {plural.lower()} in a language",
        response_model=list_schema,
    )
    async def list_localized(
        language: LanguageDep, response: Response, session: SessionDep, now: NowDep
    ) -> Any:
        rows = await service.localized(session, kind, language=language.code, now=now)
        response.headers["Surrogate-Key"] = keys.header(
            {path, keys.LISTS, keys.listing(language.code)}
        )
        return list_schema(items=[_localized(item_schema, *row) for row in rows])

    @router.get(
        f"/v1/{{lang}}/{path}/{{slug}}",
        operation_id=f"get{singular}",
        summary=f"Get {_a(kind.label)} by its slug in a language",
        response_model=item_schema,
    )
    async def get_localized(
        slug: Slug, language: LanguageDep, response: Response, session: SessionDep, now: NowDep
    ) -> Any:
        rows = await service.localized(session, kind, language=language.code, now=now, slug=slug)
        if not rows:
            raise NotFound(f"No {kind.label} '{slug}' in language '{language.code}'.")
        ident = rows[0][0]
        response.headers["Surrogate-Key"] = keys.header(
            {f"{kind.label}-{ident}", keys.LISTS, keys.listing(language.code)}
        )
        return _localized(item_schema, *rows[0])

    list_localized.__doc__ = (
        f"Every {kind.label} named in this language, with its count of public articles."
    )
    get_localized.__doc__ = f"One {kind.label} by its slug in this language."
    return router


def _localized(schema: Any, ident: uuid.UUID, translation: Any, count: int) -> Any:
    fields = {k: getattr(translation, k) for k in schema.model_fields if hasattr(translation, k)}
    return schema.model_validate({**fields, "id": ident, "article_count": count})


router = APIRouter()
router.include_router(admin_routes(TAGS, path="tags", singular="Tag", plural="Tags"))
router.include_router(
    admin_routes(CATEGORIES, path="categories", singular="Category", plural="Categories")
)
router.include_router(public_routes(TAGS, path="tags", singular="Tag", plural="Tags"))
router.include_router(
    public_routes(CATEGORIES, path="categories", singular="Category", plural="Categories")
)
