"""How far behind the outbox is, for `/metrics`: changes not fanned out yet, deliveries
and CDN purges not made yet, and the age of the oldest of each (issue 20, item 1)."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.db import Database
from app.models import CdnPurge, ContentChange, WebhookDelivery, WorkerPosition
from app.ops import metrics
from app.webhooks.worker import POSITION

TIMEOUT = 1.0  # a scrape does not wait longer for these (the database may be down)


def _age(now: datetime, then: datetime | None) -> float:
    if then is None:
        return 0.0
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0.0, (now - then).total_seconds())


async def sample(db: Database) -> None:
    """Set the outbox gauges; leave them as they were when the database does not answer
    within `TIMEOUT` (the scrape still answers with everything else)."""
    now = datetime.now(UTC)
    try:
        async with asyncio.timeout(TIMEOUT), db.reader() as session:
            done = await session.scalar(
                select(WorkerPosition.change_id).where(WorkerPosition.name == POSITION)
            )
            waiting = (
                await session.execute(
                    select(func.count(), func.min(ContentChange.at)).where(
                        ContentChange.id > (done or 0)
                    )
                )
            ).one()
            pending = await session.scalar(
                select(func.count()).where(WebhookDelivery.status == "pending")
            )
            due = await session.scalar(
                select(func.min(WebhookDelivery.created_at)).where(
                    WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now
                )
            )
            purges = await session.scalar(select(func.count()).select_from(CdnPurge))
    except Exception:  # an outage: the scrape answers without these
        return
    metrics.OUTBOX_CHANGES.set(waiting[0])
    metrics.OUTBOX_CHANGE_AGE.set(_age(now, waiting[1]))
    metrics.OUTBOX_DELIVERIES.set(pending or 0)
    metrics.OUTBOX_DELIVERY_AGE.set(_age(now, due))
    metrics.OUTBOX_PURGES.set(purges or 0)
