"""Webhook subscriptions (`/v1/admin/webhooks`): admins only."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from app.auth.deps import AdminDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import secret_once
from app.kit.clock import NowDep
from app.kit.openapi import created
from app.models import Webhook
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookRead,
    WebhookSecret,
    WebhookUpdate,
)

router = APIRouter(
    prefix="/v1/admin/webhooks",
    tags=["webhooks"],
    responses=problem_responses(401, 403),
)

WebhookId = Annotated[uuid.UUID, Path(description="The webhook's id.")]


async def load_webhook(webhook_id: WebhookId, session: SessionDep, _: AdminDep) -> Webhook:
    return await service.get(session, webhook_id)


WebhookDep = Annotated[Webhook, Depends(load_webhook)]


@router.post(
    "",
    operation_id="createWebhook",
    summary="Subscribe to changes",
    dependencies=[secret_once("secret")],
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses={**created(), **problem_responses(422, 503)},
)
async def create_webhook(
    body: WebhookCreate, request: Request, response: Response, session: SessionDep,
    principal: AdminDep, now: NowDep,
) -> WebhookCreated:  # fmt: skip
    """Subscribe a URL to events of public content from now on. The response holds the
    signing secret, shown only this once. Deliveries are POSTs signed as the Standard
    Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
    HMAC-SHA256), retried with exponential backoff for 24 hours until a 2xx answer."""
    webhook, secret = await service.create(
        session, request.app.state.settings, body, actor=principal.actor, now=now
    )
    response.headers["Location"] = f"/v1/admin/webhooks/{webhook.id}"
    return WebhookCreated(**WebhookRead.model_validate(webhook).model_dump(), secret=secret)


@router.get("", operation_id="listWebhooks", summary="List webhooks", response_model=WebhookList)
async def list_webhooks(session: SessionDep, _: AdminDep) -> WebhookList:
    """Every subscription (never a secret)."""
    return WebhookList(
        items=[WebhookRead.model_validate(w) for w in await service.list_all(session)]
    )


@router.get(
    "/{webhook_id}",
    operation_id="getWebhook",
    summary="Show a webhook",
    response_model=WebhookRead,
    responses=problem_responses(404),
)
async def get_webhook(webhook: WebhookDep) -> Webhook:
    """The subscription (never its secret)."""
    return webhook


@router.patch(
    "/{webhook_id}",
    operation_id="updateWebhook",
    summary="Change a webhook",
    response_model=WebhookRead,
    responses=problem_responses(404, 422),
)
async def update_webhook(
    body: WebhookUpdate, webhook: WebhookDep, request: Request, session: SessionDep, now: NowDep
) -> Webhook:
    """Change the fields given. `enabled: true` enables a subscription again (also one
    that delivery failures disabled): its pending deliveries go out."""
    return await service.update(session, request.app.state.settings, webhook, body, now=now)


@router.delete(
    "/{webhook_id}",
    operation_id="deleteWebhook",
    summary="Delete a webhook",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_webhook(webhook: WebhookDep, session: SessionDep) -> Response:
    """Delete the subscription and its delivery log; nothing more is sent to it."""
    await service.delete(session, webhook)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret",
    operation_id="rotateWebhookSecret",
    summary="Rotate a webhook's secret",
    response_model=WebhookSecret,
    responses=problem_responses(404, 503),
)
async def rotate_webhook_secret(
    webhook: WebhookDep, request: Request, session: SessionDep, now: NowDep
) -> WebhookSecret:
    """A new signing secret, shown only now. For 24 hours every delivery carries two
    signatures (the new and the previous secret), so the subscriber can switch at leisure."""
    secret = await service.rotate(session, request.app.state.settings, webhook, now=now)
    return WebhookSecret(secret=secret)


@router.get(
    "/{webhook_id}/deliveries",
    operation_id="listWebhookDeliveries",
    summary="A webhook's delivery log",
    response_model=DeliveryPage,
    responses=problem_responses(404, 422),
)
async def list_webhook_deliveries(
    webhook: WebhookDep,
    session: SessionDep,
    status_: Annotated[
        Literal["pending", "delivered", "failed"] | None,
        Query(alias="status", description="Only deliveries in this state."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> DeliveryPage:
    """Newest first: each delivery's state, attempts, and its last attempt's HTTP status,
    duration and error."""
    rows, following = await service.deliveries(
        session, webhook, status=status_, limit=limit, cursor=cursor
    )
    return DeliveryPage(items=[DeliveryRead.model_validate(r) for r in rows], next_cursor=following)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliverWebhookDelivery",
    summary="Send one delivery again",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    responses=problem_responses(404, 409),
)
async def redeliver_webhook_delivery(
    webhook: WebhookDep,
    delivery_id: Annotated[uuid.UUID, Path(description="The delivery's id.")],
    session: SessionDep,
    now: NowDep,
) -> DeliveryRead:
    """Send the delivery again now, with the same `webhook-id` and body (subscribers
    de-duplicate by it); if it fails, it is retried for another 24 hours."""
    delivery = await service.redeliver(session, webhook, delivery_id, now=now)
    return DeliveryRead.model_validate(delivery)
