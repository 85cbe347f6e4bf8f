"""The one visibility rule of every public path.

A translation is public when its status is `published` or `scheduled`, its `publish_at`
has passed and its `expire_at` (a scheduled takedown; none = never) has not:
`publish_at <= now < expire_at` — computed at read time, so a scheduled article appears
and a takedown happens on time with no background job. Lists, details, alternates,
counts and taxonomy pages all filter with `is_public`; nothing public may select
translations without it. The rule's three spellings live here side by side: the
SQLAlchemy expression (`is_public`), the Python predicate for a loaded row
(`public_now`) and the SQL text of the hand-written statements of `app.public.reads`
(`public_sql`). After its `expire_at` a live version reads as its `expire_status`
(`effective_status`; `expired` says the same in SQL): a draft (404) or archived (410).
"""

from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_

from app.models import LIVE_STATUSES, Status, Translation


def _not_expired(now: datetime) -> ColumnElement[bool]:
    return or_(Translation.expire_at.is_(None), Translation.expire_at > now)


def is_public(now: datetime) -> ColumnElement[bool]:
    return and_(
        Translation.status.in_(LIVE_STATUSES),
        Translation.publish_at.is_not(None),
        Translation.publish_at <= now,
        _not_expired(now),
    )


def expired(now: datetime, into: Status | None = None) -> ColumnElement[bool]:
    """A live version whose takedown time has passed (turned `into` that status, if given)."""
    condition = and_(
        Translation.status.in_(LIVE_STATUSES),
        Translation.expire_at.is_not(None),
        Translation.expire_at <= now,
    )
    if into is not None:
        condition = and_(condition, Translation.expire_status == into.value)
    return condition


_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)
PUBLIC_SQL = (
    f"{{t}}.status IN ({_LIVE}) AND {{t}}.publish_at IS NOT NULL AND {{t}}.publish_at <= :now"
    " AND ({t}.expire_at IS NULL OR {t}.expire_at > :now)"
)


def public_sql(alias: str) -> str:
    """The same rule as SQL text for the translation aliased `alias` (`:now` bound)."""
    return PUBLIC_SQL.format(t=alias)


class Scheduled(Protocol):
    """What the rule reads of a version: a loaded Translation, or a row of those columns."""

    @property
    def status(self) -> str: ...
    @property
    def publish_at(self) -> datetime | None: ...
    @property
    def expire_at(self) -> datetime | None: ...


def is_expired(translation: Scheduled, now: datetime) -> bool:
    """The loaded row is live but its takedown time has passed."""
    return (
        translation.status in LIVE_STATUSES
        and translation.expire_at is not None
        and translation.expire_at <= now
    )


def public_now(translation: Scheduled, now: datetime) -> bool:
    """The same rule for a loaded row (admin views show the effective status)."""
    return (
        translation.status in LIVE_STATUSES
        and translation.publish_at is not None
        and translation.publish_at <= now
        and not is_expired(translation, now)
    )


def live_now(translation: Translation, now: datetime) -> bool:
    """Published or scheduled, and not yet taken down: what only publishers may change."""
    return translation.status in LIVE_STATUSES and not is_expired(translation, now)


def effective_status(translation: Translation, now: datetime) -> Status:
    """`scheduled` turns into `published` once its time has come; a live version turns
    into its `expire_status` once its `expire_at` has passed."""
    if is_expired(translation, now):
        return Status(translation.expire_status or Status.draft.value)
    if translation.status == Status.scheduled and public_now(translation, now):
        return Status.published
    return Status(translation.status)
