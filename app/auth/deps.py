"""Principal: the authenticated caller of an admin endpoint, or a 401."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from app.audit import hook as audit
from app.auth import service
from app.auth.service import Principal, Role
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`newsdesk create-api-key`) as `Authorization: Bearer <key>`.",
)
# The same header, described as OAuth2 password flow so that Swagger UI's Authorize logs in.
oauth2 = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    auto_error=False,
    description="A user's token from `POST /v1/auth/token` (e-mail and password).",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="newsdesk"'}


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    _token: Annotated[str | None, Depends(oauth2)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("This endpoint needs a bearer credential.", headers=CHALLENGE)
    principal = await service.authenticate(session, credentials.credentials)
    if principal is None:
        raise Unauthorized(
            "The credential is unknown, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="newsdesk", error="invalid_token"'},
        )
    audit.note_principal(session, principal)  # the actor of the request's audit entry
    request.state.principal = principal.owner  # and of its line in the request log
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role is not Role.admin:
        raise Forbidden("This endpoint is for administrators.")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


async def require_editor(principal: PrincipalDep) -> Principal:
    """Content management and publishing: editors and administrators.

    Authors and translators get their own, narrower, object-level rules; until those
    land they are refused here rather than trusted.
    """
    if principal.role not in (Role.admin, Role.editor):
        raise Forbidden("This endpoint is for editors and administrators.")
    return principal


EditorDep = Annotated[Principal, Depends(require_editor)]
