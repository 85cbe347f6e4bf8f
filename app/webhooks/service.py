"""Webhook subscriptions: create (the secret shown once), change, rotate, delete; their
delivery log and redelivery."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy import update as update_rows
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import record
from app.config import Settings
from app.errors import Conflict, NotFound, Unprocessable
from app.kit.pagination import Cursor
from app.models import ContentChange, Language, Webhook, WebhookDelivery
from app.webhooks import secrets
from app.webhooks.schemas import WebhookCreate, WebhookUpdate


def _checked_url(settings: Settings, url: str) -> str:
    # Imported here: it brings httpx (~5 MB), which a worker that never sees a webhook
    # registered does without (issue 21's memory).
    from app.webhooks import sender

    try:
        return sender.check_url(url, allow=settings.webhook_allow_hosts)
    except ValueError as exc:
        raise Unprocessable.at(["body", "url"], str(exc), msg="Refused URL", type="url") from None


async def _check_languages(session: AsyncSession, languages: list[str] | None) -> None:
    if not languages:
        return
    known = set(await session.scalars(select(Language.code)))
    unknown = sorted(set(languages) - known)
    if unknown:
        raise Unprocessable.at(
            ["body", "languages"],
            f"Unknown language(s): {', '.join(unknown)}. GET /v1/languages lists them.",
            msg="Unknown language",
            type="language",
        )


async def create(
    session: AsyncSession, settings: Settings, data: WebhookCreate, *, actor: str, now: datetime
) -> tuple[Webhook, str]:
    """A subscription to the changes from now on, and its secret (never stored)."""
    url = _checked_url(settings, data.url)
    await _check_languages(session, data.languages)
    key = secrets.server_key(settings)
    ident = uuid.uuid4()
    salt = secrets.new_salt()
    start = await session.scalar(select(func.max(ContentChange.id))) or 0
    webhook = Webhook(
        id=ident,
        url=url,
        description=data.description,
        events=list(data.events),
        languages=None if data.languages is None else list(data.languages),
        enabled=data.enabled,
        secret_salt=salt,
        key_check=secrets.key_check(key, ident),
        start_change_id=start,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    await session.flush()
    return webhook, secrets.secret(key, ident, salt)


async def get(session: AsyncSession, ident: uuid.UUID) -> Webhook:
    webhook = await session.get(Webhook, ident)
    if webhook is None:
        raise NotFound(f"No webhook {ident}.")
    return webhook


async def list_all(session: AsyncSession) -> list[Webhook]:
    return list(await session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


async def update(
    session: AsyncSession, settings: Settings, webhook: Webhook, data: WebhookUpdate,
    *, now: datetime,
) -> Webhook:  # fmt: skip
    given = data.model_fields_set
    if "url" in given and data.url is not None:
        webhook.url = _checked_url(settings, data.url)
    if "events" in given and data.events is not None:
        webhook.events = list(data.events)
    if "languages" in given:
        await _check_languages(session, data.languages)
        webhook.languages = None if data.languages is None else list(data.languages)
    if "description" in given and data.description is not None:
        webhook.description = data.description
    if "enabled" in given and data.enabled is not None:
        webhook.enabled = data.enabled
        if data.enabled and webhook.disabled_at is not None:
            # Enabled again after failures: its pending deliveries go out now, each with
            # a fresh retry window.
            webhook.disabled_at = webhook.disabled_reason = None
            await session.execute(
                update_rows(WebhookDelivery)
                .where(
                    WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == "pending"
                )
                .values(retry_from=now, next_attempt_at=now)
            )
        if data.enabled:
            session.info[record.WROTE] = True  # wakes this process's worker after the commit
    webhook.updated_at = now
    await session.flush()
    return webhook


async def rotate(
    session: AsyncSession, settings: Settings, webhook: Webhook, *, now: datetime
) -> str:
    """A new secret; the last one keeps signing too for `secrets.ROTATION_OVERLAP`."""
    key = secrets.server_key(settings)
    webhook.previous_salt, webhook.secret_salt = webhook.secret_salt, secrets.new_salt()
    webhook.rotated_at = webhook.updated_at = now
    # A rotation with the current key also repairs a subscription made under another key.
    if webhook.key_check != secrets.key_check(key, webhook.id):
        webhook.key_check, webhook.previous_salt = secrets.key_check(key, webhook.id), None
    await session.flush()
    return secrets.secret(key, webhook.id, webhook.secret_salt)


async def delete(session: AsyncSession, webhook: Webhook) -> None:
    await session.delete(webhook)
    await session.flush()


async def deliveries(
    session: AsyncSession, webhook: Webhook, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    """Newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if cursor is not None:
        after = Cursor.decode(cursor)
        if after.rank is not None:
            raise Cursor.invalid()
        query = query.where(
            tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < (after.at, after.id)
        )
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    rows = list(await session.scalars(query.limit(limit + 1)))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = Cursor(at=rows[-1].created_at, id=rows[-1].id).encode()
    return rows, following


async def redeliver(
    session: AsyncSession, webhook: Webhook, delivery_id: uuid.UUID, *, now: datetime
) -> WebhookDelivery:
    """Send one delivery again at once (the same `webhook-id` and body), with a fresh
    retry window if it fails."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(f"No delivery {delivery_id} of webhook {webhook.id}.")
    if not webhook.enabled:
        raise Conflict("The webhook is disabled: enable it (PATCH enabled=true) first.")
    delivery.status = "pending"
    delivery.next_attempt_at = delivery.retry_from = now
    await session.flush()
    session.info[record.WROTE] = True  # wakes this process's worker after the commit
    return delivery
