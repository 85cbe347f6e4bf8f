"""Management of API keys (`/v1/admin/api-keys`)."""

from fastapi import APIRouter, Response, status

from app.apikeys import service
from app.apikeys.deps import ApiKeyDep
from app.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from app.auth.deps import AdminDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT_SECRET

router = APIRouter(
    prefix="/v1/admin/api-keys",
    tags=["api-keys"],
    responses=problem_responses(401, 403),
)


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
    key, secret = await service.create(
        session, name=body.name, role=body.role, expires_at=body.expires_at
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("", operation_id="listApiKeys", summary="List API keys", response_model=ApiKeyList)
async def list_api_keys(session: SessionDep, _: AdminDep) -> ApiKeyList:
    """List API keys (never the keys themselves)."""
    keys = await service.list_all(session)
    return ApiKeyList(items=[ApiKeyRead.model_validate(k) for k in keys])


@router.delete(
    "/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_api_key(_: AdminDep, key: ApiKeyDep, session: SessionDep) -> Response:
    """Revoke an API key; it is refused from the next request on."""
    await service.revoke(session, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
