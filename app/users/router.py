"""Login (`/v1/auth/token`) and user management (`/v1/admin/users`)."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.auth import service as auth
from app.auth.deps import CHALLENGE, AdminDep, PrincipalDep, bearer
from app.auth.schemas import LoginForm
from app.db import SessionDep
from app.errors import TooManyRequests, Unauthorized, problem_responses
from app.kit.idempotency import IDEMPOTENT
from app.kit.ratelimit import RateLimits
from app.models import User
from app.users import service
from app.users.schemas import TokenRead, UserCreate, UserList, UserRead, UserUpdate

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
router = APIRouter(prefix="/v1/admin/users", tags=["users"], responses=problem_responses(401, 403))


@auth_router.post(
    "/token",
    operation_id="createToken",
    response_model=TokenRead,
    responses=problem_responses(401, 422, 429),
)
async def create_token(
    form: Annotated[LoginForm, Depends()],
    request: Request,
    session: SessionDep,
) -> TokenRead:
    """Log in with e-mail (`username`) and password; returns a bearer token."""
    limits: RateLimits = request.app.state.rate_limits
    client = request.client.host if request.client else "-"
    for key in (f"address:{client}", f"account:{form.username.strip().lower()}"):
        retry = await limits.hit(limits.login, "login", key)
        if retry is not None:
            raise TooManyRequests(
                "Too many login attempts; retry later.", headers={"Retry-After": str(retry)}
            )
    ttl = timedelta(minutes=request.app.state.settings.token_ttl_minutes)
    issued = await auth.login(session, email=form.username, password=form.password, ttl=ttl)
    if issued is None:
        # The same answer for an unknown e-mail, a wrong password and a deactivated user.
        raise Unauthorized("The e-mail or the password is wrong.", headers=CHALLENGE)
    token, _ = issued
    return TokenRead(
        access_token=token,
        token_type="bearer",  # noqa: S106 - the OAuth2 token type
        expires_in=int(ttl.total_seconds()),
    )


@auth_router.delete(
    "/token",
    operation_id="revokeToken",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
)
async def revoke_token(principal: PrincipalDep, session: SessionDep, request: Request) -> Response:
    """Log out: the token used for this request stops working at once."""
    credentials = await bearer(request)
    if principal.kind == "user" and credentials is not None:
        await auth.revoke_token(session, credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "",
    operation_id="createUser",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=problem_responses(409, 422),
)
async def create_user(body: UserCreate, session: SessionDep, _: AdminDep) -> User:
    """Create a user with a role (and, for translators, their languages)."""
    return await service.create(session, body)


@router.get("", operation_id="listUsers", response_model=UserList)
async def list_users(session: SessionDep, _: AdminDep) -> UserList:
    """List users."""
    return UserList(items=[UserRead.model_validate(u) for u in await service.list_all(session)])


@router.get(
    "/{user_id}", operation_id="getUser", response_model=UserRead,
    responses=problem_responses(404),
)  # fmt: skip
async def get_user(user_id: uuid.UUID, session: SessionDep, _: AdminDep) -> User:
    """One user."""
    return await service.get(session, user_id)


@router.patch(
    "/{user_id}",
    operation_id="updateUser",
    response_model=UserRead,
    responses=problem_responses(404, 422),
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, _: AdminDep
) -> User:
    """Change a user's name, role, languages, password, or deactivate them (at once)."""
    return await service.update(session, await service.get(session, user_id), body)
