"""User management (`/v1/admin/users`): accounts, roles, and ending their sessions."""

from fastapi import APIRouter, Response, status

from app.auth import service as auth
from app.auth.deps import AdminDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.openapi import created
from app.models import User
from app.users import service
from app.users.deps import UserDep
from app.users.schemas import UserCreate, UserList, UserRead, UserUpdate

router = APIRouter(prefix="/v1/admin/users", tags=["users"], responses=problem_responses(401, 403))


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
async def get_user(_: AdminDep, user: UserDep) -> User:
    """One user."""
    return user


@router.patch(
    "/{user_id}",
    operation_id="updateUser",
    summary="Update a user",
    response_model=UserRead,
    responses=problem_responses(404, 422),
)
async def update_user(_: AdminDep, user: UserDep, body: UserUpdate, session: SessionDep) -> User:
    """Change a user at once; a new password, role or languages, or deactivation, logs them out."""
    return await service.update(session, user, body)


@router.delete(
    "/{user_id}/tokens",
    operation_id="revokeUserTokens",
    summary="Log a user out everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_user_tokens(_: AdminDep, user: UserDep, session: SessionDep) -> Response:
    """End every session of the user (a lost laptop); they can log in again."""
    await auth.revoke_user_tokens(session, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
