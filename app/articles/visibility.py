"""The one visibility rule of every public path.

A translation is public when its status is `published` or `scheduled` and its
`publish_at` has passed — computed at read time, so a scheduled article appears on time
with no background job. Lists, details, alternates, counts and taxonomy pages all filter
with `is_public`; nothing public may select translations without it. The rule's three
spellings live here side by side: the SQLAlchemy expression (`is_public`), the Python
predicate for a loaded row (`public_now`) and the SQL text of the hand-written statements
of `app.public.reads` (`public_sql`).
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from app.models import LIVE_STATUSES, Status, Translation


def is_public(now: datetime) -> ColumnElement[bool]:
    return and_(
        Translation.status.in_(LIVE_STATUSES),
        Translation.publish_at.is_not(None),
        Translation.publish_at <= now,
    )


_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)
PUBLIC_SQL = (
    f"{{t}}.status IN ({_LIVE}) AND {{t}}.publish_at IS NOT NULL AND {{t}}.publish_at <= :now"
)


def public_sql(alias: str) -> str:
    """The same rule as SQL text for the translation aliased `alias` (`:now` bound)."""
    return PUBLIC_SQL.format(t=alias)


def public_now(translation: Translation, now: datetime) -> bool:
    """The same rule for a loaded row (admin views show the effective status)."""
    return (
        translation.status in LIVE_STATUSES
        and translation.publish_at is not None
        and translation.publish_at <= now
    )


def effective_status(translation: Translation, now: datetime) -> Status:
    """`scheduled` turns into `published` once its time has come."""
    if translation.status == Status.scheduled and public_now(translation, now):
        return Status.published
    return Status(translation.status)
