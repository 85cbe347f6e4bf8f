from fastapi import APIRouter, Request, Response, status

from app.auth.deps import AdminDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT
from app.languages import service
from app.languages.deps import ManagedLanguageDep
from app.languages.schemas import LanguageCreate, LanguageList, LanguageRead, LanguageUpdate
from app.models import Language

router = APIRouter(tags=["languages"])


@router.get(
    "/v1/languages",
    operation_id="listLanguages",
    summary="List languages",
    response_model=LanguageList,
)
async def list_languages(request: Request, response: Response, session: SessionDep) -> LanguageList:
    """The languages content is published in, with their BCP 47 tags and fallbacks."""
    languages = await service.list_all(session)
    response.headers["Cache-Control"] = request.app.state.settings.cache_control
    response.headers["Surrogate-Key"] = "languages"
    return LanguageList(items=[LanguageRead.model_validate(lang) for lang in languages])


admin = APIRouter(prefix="/v1/admin/languages", responses=problem_responses(401, 403))


@admin.post(
    "",
    operation_id="createLanguage",
    summary="Add a language",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=LanguageRead,
    responses=problem_responses(409, 422),
)
async def create_language(body: LanguageCreate, session: SessionDep, _: AdminDep) -> Language:
    """Add a language; its endpoints work at once, on every worker, with no restart."""
    return await service.create(session, body)


@admin.patch(
    "/{code}",
    operation_id="updateLanguage",
    summary="Update a language",
    response_model=LanguageRead,
    responses=problem_responses(404, 409, 422),
)
async def update_language(
    _: AdminDep, language: ManagedLanguageDep, body: LanguageUpdate, session: SessionDep
) -> Language:
    """Change a language's tag, names, fallbacks or text-search setup."""
    return await service.update(session, language, body)


@admin.delete(
    "/{code}",
    operation_id="deleteLanguage",
    summary="Delete a language",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
async def delete_language(
    _: AdminDep, language: ManagedLanguageDep, session: SessionDep
) -> Response:
    """Delete a language nothing is written in (409 when it has content)."""
    await service.delete(session, language)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


router.include_router(admin)
