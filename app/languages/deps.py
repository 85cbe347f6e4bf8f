"""LanguageDep: the `{lang}` of a public path, resolved to its row or answered for."""

from typing import Annotated

from fastapi import Depends, Path, Request, Response

from app.db import SessionDep
from app.errors import NotFound, Redirect
from app.languages import service
from app.models import Language

LangCode = Annotated[
    str,
    Path(
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Language code (`ua`, `en`, `ru`, ...). A BCP 47 tag such as `uk` "
        "answers 308 to the URL with the language's code.",
        examples=["ua"],
    ),
]


async def get_language(
    lang: LangCode, session: SessionDep, request: Request, response: Response
) -> Language:
    """The language of a public path; its responses speak it (Content-Language)."""
    language = await service.get(session, lang)
    if language is not None:
        response.headers["Content-Language"] = language.bcp47
        response.headers["Cache-Control"] = request.app.state.settings.cache_control
        return language
    alias = await service.by_bcp47(session, lang)
    if alias is not None and alias.code != lang:
        path = request.url.path
        prefix = f"/v1/{lang}"
        location = f"/v1/{alias.code}{path[len(prefix) :]}" if path.startswith(prefix) else path
        if request.url.query:
            location += f"?{request.url.query}"
        raise Redirect(location, 308)
    raise NotFound(f"Unknown language '{lang}'. GET /v1/languages lists them.")


LanguageDep = Annotated[Language, Depends(get_language)]


CodePath = Annotated[str, Path(max_length=16, description="The language's URL code.")]


async def load_language(code: CodePath, session: SessionDep) -> Language:
    """The `{code}` of an admin path, or a 404 (no redirects: the management API)."""
    language = await service.get(session, code)
    if language is None:
        raise NotFound(f"Unknown language '{code}'.")
    return language


ManagedLanguageDep = Annotated[Language, Depends(load_language)]
