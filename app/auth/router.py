import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.auth import service
from app.auth.deps import AdminDep
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.idempotency import IDEMPOTENT_SECRET
from app.models import ApiKey

router = APIRouter(
    prefix="/v1/admin/api-keys",
    tags=["api-keys"],
    responses=problem_responses(401, 403),
)
KeyId = Annotated[uuid.UUID, Path(description="The key's id (not the key).")]


@router.post(
    "",
    operation_id="createApiKey",
    summary="Create an API key",
    dependencies=[IDEMPOTENT_SECRET],
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(422),
)
async def create_api_key(body: ApiKeyCreate, session: SessionDep, _: AdminDep) -> ApiKeyCreated:
    """Create an API key; the response holds the key, shown only this once."""
    key, secret = await service.create_api_key(
        session, name=body.name, role=body.role, expires_at=body.expires_at
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("", operation_id="listApiKeys", summary="List API keys", response_model=ApiKeyList)
async def list_api_keys(session: SessionDep, _: AdminDep) -> ApiKeyList:
    """List API keys (never the keys themselves)."""
    keys = await service.list_api_keys(session)
    return ApiKeyList(items=[ApiKeyRead.model_validate(k) for k in keys])


@router.delete(
    "/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_api_key(
    key_id: KeyId,
    session: SessionDep,
    _: AdminDep,
) -> Response:
    """Revoke an API key; it is refused from the next request on."""
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    await service.revoke_api_key(session, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
