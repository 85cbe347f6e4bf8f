from fastapi import APIRouter

from app.db import SessionDep
from app.languages import service
from app.languages.schemas import LanguageList, LanguageRead

router = APIRouter(tags=["languages"])


@router.get("/v1/languages", operation_id="listLanguages", response_model=LanguageList)
async def list_languages(session: SessionDep) -> LanguageList:
    """The languages content is published in, with their BCP 47 tags and fallbacks."""
    languages = await service.list_all(session)
    return LanguageList(items=[LanguageRead.model_validate(lang) for lang in languages])
