"""Principal: the authenticated caller of an admin endpoint, or a 401."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.auth.service import Principal, Role
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`newsdesk create-api-key`) as `Authorization: Bearer <key>`.",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="newsdesk"'}


async def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("This endpoint needs a bearer credential.", headers=CHALLENGE)
    principal = await service.authenticate(session, credentials.credentials)
    if principal is None:
        raise Unauthorized(
            "The credential is unknown, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="newsdesk", error="invalid_token"'},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role is not Role.admin:
        raise Forbidden("This endpoint is for administrators.")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
