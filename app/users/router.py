"""Login (`/v1/auth/token`) and user management (`/v1/admin/users`)."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response, status

from app.auth import service as auth
from app.auth import throttle
from app.auth.deps import CHALLENGE, AdminDep, PrincipalDep, bearer
from app.auth.service import Principal
from app.db import SessionDep
from app.errors import Forbidden, TooManyRequests, Unauthorized, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.openapi import created
from app.models import User
from app.users import service
from app.users.schemas import TokenRead, TokenRequest, UserCreate, UserList, UserRead, UserUpdate

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
router = APIRouter(prefix="/v1/admin/users", tags=["users"], responses=problem_responses(401, 403))
UserId = Annotated[uuid.UUID, Path(description="The user's id.")]


# RFC 6749 §5.1: a response carrying a token is never stored by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_NO_STORE_HEADERS = {
    "Cache-Control": {"description": "`no-store`: no cache keeps the token.",
                      "schema": {"type": "string", "enum": ["no-store"]}, "required": True},
    "Pragma": {"description": "`no-cache`, for HTTP/1.0 caches.",
               "schema": {"type": "string", "enum": ["no-cache"]}, "required": True},
}  # fmt: skip


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _logged_in_user(principal: Principal) -> uuid.UUID:
    """The user behind a login token; API keys have no session to end."""
    if principal.user_id is None:
        raise Forbidden(
            "This credential is an API key, not a login token: logging out does not apply "
            "to it. An administrator revokes it with "
            f"DELETE /v1/admin/api-keys/{principal.id}."
        )
    return principal.user_id


@auth_router.post(
    "/token",
    operation_id="createToken",
    summary="Log in",
    response_model=TokenRead,
    responses={200: {"headers": _NO_STORE_HEADERS}, **problem_responses(401, 422, 429)},
)
async def create_token(
    form: Annotated[TokenRequest, Form()],
    request: Request,
    response: Response,
    session: SessionDep,
) -> TokenRead:
    """Log in with e-mail (`username`) and password; returns a bearer token."""
    address = _address(request)
    retry = await throttle.retry_after(
        request.app.state.rate_limits, session, email=form.username, address=address
    )
    if retry is not None:
        raise TooManyRequests(
            "Too many login attempts; retry later.", headers={"Retry-After": str(retry)}
        )
    ttl = timedelta(minutes=request.app.state.settings.token_ttl_minutes)
    issued = await auth.login(
        session, email=form.username, password=form.password, ttl=ttl, address=address
    )
    if issued is None:
        # The same answer for an unknown e-mail, a wrong password and a deactivated user.
        raise Unauthorized("The e-mail or the password is wrong.", headers=CHALLENGE)
    token, _ = issued
    response.headers.update(NO_STORE)
    return TokenRead(
        access_token=token,
        token_type="bearer",  # noqa: S106 - the OAuth2 token type
        expires_in=int(ttl.total_seconds()),
    )


@auth_router.delete(
    "/token",
    operation_id="revokeToken",
    summary="Log out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_token(principal: PrincipalDep, session: SessionDep, request: Request) -> Response:
    """Log out: the token used for this request stops working at once (not for API keys)."""
    _logged_in_user(principal)
    credentials = await bearer(request)
    if credentials is not None:
        await auth.revoke_token(session, credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth_router.delete(
    "/tokens",
    operation_id="revokeAllTokens",
    summary="Log out everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_all_tokens(principal: PrincipalDep, session: SessionDep) -> Response:
    """Log out everywhere: every token of the caller stops working, this one included."""
    await auth.revoke_user_tokens(session, _logged_in_user(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "",
    operation_id="createUser",
    summary="Create a user",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses={**created(), **problem_responses(409, 422)},
)
async def create_user(
    body: UserCreate, response: Response, session: SessionDep, _: AdminDep
) -> User:
    """Create a user with a role (and, for translators, their languages)."""
    user = await service.create(session, body)
    response.headers["Location"] = f"/v1/admin/users/{user.id}"
    return user


@router.get("", operation_id="listUsers", summary="List users", response_model=UserList)
async def list_users(session: SessionDep, _: AdminDep) -> UserList:
    """List users."""
    return UserList(items=[UserRead.model_validate(u) for u in await service.list_all(session)])


@router.get(
    "/{user_id}", operation_id="getUser", summary="Get a user", response_model=UserRead,
    responses=problem_responses(404),
)  # fmt: skip
async def get_user(
    user_id: UserId,
    session: SessionDep,
    _: AdminDep,
) -> User:
    """One user."""
    return await service.get(session, user_id)


@router.patch(
    "/{user_id}",
    operation_id="updateUser",
    summary="Update a user",
    response_model=UserRead,
    responses=problem_responses(404, 422),
)
async def update_user(
    user_id: UserId,
    body: UserUpdate,
    session: SessionDep,
    _: AdminDep,
) -> User:
    """Change a user at once; a new password, role or languages, or deactivation, logs them out."""
    return await service.update(session, await service.get(session, user_id), body)


@router.delete(
    "/{user_id}/tokens",
    operation_id="revokeUserTokens",
    summary="Log a user out everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_user_tokens(user_id: UserId, session: SessionDep, _: AdminDep) -> Response:
    """End every session of the user (a lost laptop); they can log in again."""
    user = await service.get(session, user_id)
    await auth.revoke_user_tokens(session, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
