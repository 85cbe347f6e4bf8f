"""Correction and update notes on a language version, and the public `updated_at` rule.

A note is appended by an editor or admin to a version that has been public (a note on a
text readers never saw corrects nothing): it shows on the public article at once, in
order, and is never changed or removed by any route — a wrong note is followed by
another. Appending records a revision of the translation (its snapshot lists the notes).

Public `updated_at` is the last *substantive* change readers are told about:
`translations.revised_at` when set, else the first publication (`published_at`).
`revised_at` moves when a note is appended (`append`) and when staged changes of a live
version are published (`mark_revised`, for that path to call). A quick fix of a live
version, metadata, status changes and republishing do not move it. The admin API's
`updated_at` keeps meaning any change. The rule's spellings live here side by side: the
SQLAlchemy expression (`public_updated_at`) and the SQL text of `app.public.reads`
(`public_updated_sql`).
"""

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles import service
from app.articles.schemas import CorrectionIn
from app.errors import Conflict
from app.models import Article, Correction, Translation
from app.revisions import service as revisions

# `updated_at` last: a never-published version (a preview) has no `published_at`.
PUBLIC_UPDATED_SQL = "coalesce({t}.revised_at, {t}.published_at, {t}.updated_at)"


def public_updated_sql(alias: str) -> str:
    """The public `updated_at` of the translation aliased `alias`, as SQL text."""
    return PUBLIC_UPDATED_SQL.format(t=alias)


def public_updated_at() -> ColumnElement[datetime]:
    return func.coalesce(Translation.revised_at, Translation.published_at, Translation.updated_at)


def mark_revised(translation: Translation, *, at: datetime) -> None:
    """A substantive change readers should be told about (moves public `updated_at`)."""
    translation.revised_at = at


async def append(
    session: AsyncSession,
    article: Article,
    translation: Translation,
    data: CorrectionIn,
    *,
    actor: str,
    now: datetime,
) -> Correction:
    """Add a note after the version's others; one revision records it."""
    if translation.published_at is None or translation.published_at > now:
        raise Conflict(
            f"The '{translation.language}' version has never been public: a correction or "
            "update note is for a text readers have seen (edit the draft instead)."
        )
    before = revisions.translation_snapshot(translation)
    correction = Correction(
        id=uuid.uuid4(),
        article_id=article.id,
        language=translation.language,
        number=max((c.number for c in translation.corrections), default=0) + 1,
        kind=data.kind.value,
        text=data.text,
        created_at=now,
        created_by=actor,
    )
    translation.corrections.append(correction)
    mark_revised(translation, at=now)
    await service.recorded(
        session, translation, before, action="add_correction", actor=actor, now=now
    )
    return correction
