"""The audit entry of a write, collected on the session and written in its transaction.

Two Session hooks note every row a flush inserts, updates or deletes (with the names of
the columns set) and every Core `insert()`/`update()`/`delete()` run through a session.
`app.db.get_session` calls `record_request` after the endpoint and before the commit: a
write request under `/v1/admin/` or `/v1/auth/` that changed rows gets one entry in the
same transaction, so a rolled-back write leaves none. Nothing in the routes: the action
is the route's operationId, the object its first path parameter (or the row a create
made), the actor what `get_principal` noted. A refused login changes nothing to ride on:
`note_failure` keeps its entry aside and `write_failures` writes it after the rollback.
"""

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

from app import paths
from app.auth.service import Principal
from app.models import AuditEntry
from app.models.audit import ACTOR_LENGTH

CHANGES = "newsdesk.audit.changes"
NOTE = "newsdesk.audit.note"
FAILURES = "newsdesk.audit.failures"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Rows that are not a change of their own: the log itself, retries' answers, cache purges
# on their way, the search index (it follows the content).
_IGNORED = frozenset(
    {
        "audit_entries",
        "idempotency_keys",
        "cache_invalidations",
        "search_documents",
        # the change log and its deliveries follow the content
        "content_changes",
        "public_states",
        "cdn_purges",
        "worker_positions",
    }
)
# Written alongside the change they describe: never the entry's main rows.
_BESIDE = frozenset({"revisions", "slug_redirects"})
MAX_FIELDS = 100
log = logging.getLogger("newsdesk")


@dataclass(frozen=True, slots=True)
class Change:
    table: str
    id: str | None  # the primary key (None for a Core statement or a composite key)
    fields: frozenset[str]
    inserted: bool = False
    language: str | None = None


def _row(obj: Any, fields: Iterable[str], *, inserted: bool = False) -> Change:
    mapper = inspect(obj).mapper
    key = mapper.primary_key_from_instance(obj)
    language = getattr(obj, "language", None)
    return Change(
        table=mapper.local_table.name,
        id=str(key[0]) if len(key) == 1 and key[0] is not None else None,
        fields=frozenset(fields),
        inserted=inserted,
        language=language if isinstance(language, str) else None,
    )


def _collect(session: Session, _context: Any) -> None:
    changes: list[Change] = session.info.setdefault(CHANGES, [])
    for obj in session.new:
        state = inspect(obj)
        names = [a.key for a in state.mapper.column_attrs if state.dict.get(a.key) is not None]
        changes.append(_row(obj, names, inserted=True))
    for obj in session.dirty:
        state = inspect(obj)
        names = [
            a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()
        ]
        if names:
            changes.append(_row(obj, names))
    changes.extend(_row(obj, ()) for obj in session.deleted)


def _collect_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if not isinstance(statement, UpdateBase):
        return
    table = getattr(statement.table, "name", None)
    if table is None:
        return
    values = getattr(statement, "_values", None) or {}
    names = frozenset(str(getattr(column, "key", column)) for column in values)
    state.session.info.setdefault(CHANGES, []).append(Change(table=table, id=None, fields=names))


def install() -> None:
    """Note every session's writes; `Database` calls it. Idempotent."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
    if not event.contains(Session, "do_orm_execute", _collect_statement):
        event.listen(Session, "do_orm_execute", _collect_statement)


def actor_of(principal: Principal) -> str:
    """Users by e-mail, API keys by id (their names need not be unique)."""
    who = principal.name if principal.kind == "user" else str(principal.id)
    return f"{principal.kind}:{who}"[:ACTOR_LENGTH]


def note(
    session: Any,
    *,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
) -> None:
    """What the request's entry says instead of what the hook would infer."""
    given = {"actor": actor, "object_type": object_type, "object_id": object_id}
    session.info.setdefault(NOTE, {}).update({k: v for k, v in given.items() if v is not None})


def note_principal(session: Any, principal: Principal) -> None:
    note(session, actor=actor_of(principal))


def _singular(table: str) -> str:
    if table.endswith("ies"):
        return table[:-3] + "y"
    return table[:-1] if table.endswith("s") else table


def entry(
    changes: list[Change],
    *,
    actor: str,
    action: str,
    template: str = "",
    params: Mapping[str, Any] | None = None,
    request_id: str | None = None,
    noted: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """The entry of these changes, made by `actor` through `action` on this route path."""
    params = params or {}
    noted = noted or {}
    # `/v1/admin/articles/{article_id}/translations/{lang}/publish`: the collections named
    # are `articles`, `translations` and `publish`; the object is the first with an id.
    parts = template.strip("/").split("/")[2:]
    collections: list[str] = []
    table, object_id = None, None
    for at, part in enumerate(parts):
        following = parts[at + 1] if at + 1 < len(parts) else ""
        if part.startswith("{"):
            continue
        collections.append(part.replace("-", "_"))
        if table is None and following.startswith("{"):
            table, object_id = collections[-1], params.get(following.strip("{}"))
    own = [c for c in changes if c.table not in _IGNORED]
    main: list[Change] = []
    for name in reversed(collections):  # the most precise collection that changed
        main = [c for c in own if c.table == name and name not in _BESIDE]
        if main:
            break
    main = main or [c for c in own if c.table not in _BESIDE] or own
    if table is None and collections:
        table = collections[0]
    if object_id is None:  # a create: the row it made; else the one row the write changed
        made = [c for c in own if c.inserted and c.table == table]
        rows = {(c.table, c.id) for c in main if c.id is not None}
        if made:
            object_id = made[0].id
        elif len(rows) == 1:
            table, object_id = next(iter(rows))
        else:
            table = None
    language = params.get("lang") or params.get("language")
    if language is None:
        languages = {c.language for c in main if c.language is not None}
        language = languages.pop() if len(languages) == 1 else None
    # The main rows' fields by name; fields of the other rows the write changed (its
    # translations, links) as `table.field`.
    fields = sorted({f for c in main for f in c.fields})
    tables = {c.table for c in main}
    fields += sorted(
        {f"{c.table}.{f}" for c in own if c.table not in tables | _BESIDE for f in c.fields}
    )
    object_type = noted.get("object_type", _singular(table) if table else None)
    object_id = noted.get("object_id", object_id)
    return AuditEntry(
        id=uuid.uuid4(),
        actor=str(noted.get("actor", actor))[:ACTOR_LENGTH],
        action=action[:100],
        object_type=object_type[:50] if object_type else None,
        object_id=str(object_id)[:100] if object_id is not None else None,
        language=str(language)[:35] if language is not None else None,
        request_id=request_id,
        changed_fields=fields[:MAX_FIELDS],
    )


def _route(request: Request) -> tuple[str, str]:
    """The route's operationId and path template (the request's, when none matched)."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or request.url.path
    action = getattr(route, "operation_id", None) or f"{request.method} {template}"
    return action, template


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return str(value)[:128] if value else None


async def record_request(session: Any, request: Request) -> None:
    """Add the write's entry to its transaction (before the commit), if it changed rows."""
    changes: list[Change] = session.info.pop(CHANGES, [])
    if request.method in SAFE_METHODS or not paths.is_private(request.url.path):
        return
    if not any(c.table not in _IGNORED for c in changes):
        return  # a write that changed nothing has nothing to record
    action, template = _route(request)
    session.add(
        entry(
            changes,
            actor="anonymous",
            action=action,
            template=template,
            params=request.path_params,
            request_id=_request_id(request),
            noted=session.info.pop(NOTE, {}),
        )
    )
    await session.flush()


async def record(session: Any, *, actor: str, action: str) -> None:
    """An entry for the writes made so far outside a request (a CLI command), if any."""
    await session.flush()
    changes: list[Change] = session.info.pop(CHANGES, [])
    if any(c.table not in _IGNORED for c in changes):
        session.add(entry(changes, actor=actor, action=action))
        await session.flush()


def note_failure(
    session: Any,
    request: Request,
    *,
    actor: str,
    action: str,
    object_type: str | None = None,
) -> None:
    """An attempt refused without a change (a failed login): its entry is written on its
    own after the request's rollback (`write_failures`)."""
    failed = AuditEntry(
        id=uuid.uuid4(),
        actor=actor[:ACTOR_LENGTH],
        action=action,
        object_type=object_type,
        request_id=_request_id(request),
        changed_fields=[],
    )
    session.info.setdefault(FAILURES, []).append(failed)


async def write_failures(factory: Any, session: Any) -> None:
    """Write the failures noted on a rolled-back session, each in a transaction of its own."""
    for failed in session.info.pop(FAILURES, []):
        try:
            async with factory() as own, own.begin():
                own.add(failed)
        except Exception:  # the request's own error is what its client must see
            log.exception("the audit entry of a refused %s was not written", failed.action)
