"""Webhook signing secrets: derived, never stored; and the Standard Webhooks signature.

A subscription's secret is HMAC-SHA256(server key, "webhook-secret:{id}:{salt}"): the
database holds only the salt, so a copy of it (a backup, a replica, a dump) signs
nothing. The server key is `NEWSDESK_SECRET_KEY` (the same on every host), or, unset, a
random key made once in `NEWSDESK_SECRET_KEY_FILE` (good for one host). `key_check`,
stored with each subscription, tells a worker whose key differs from the one the secret
was made with, before it signs anything with the wrong secret.

A rotation draws a new salt and keeps the previous one for `ROTATION_OVERLAP`: deliveries
meanwhile carry both signatures (`webhook-signature: v1,<new> v1,<old>`), as the
specification allows, so a subscriber switches secrets without missing an event.
"""

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from app.config import Settings
from app.errors import AppError
from app.models import Webhook

PREFIX = "whsec_"
ROTATION_OVERLAP = timedelta(hours=24)


class KeyUnavailable(AppError):
    status, code, title = 503, "secret-key-unavailable", "No server key"


class KeyMismatch(RuntimeError):
    """This process's server key is not the one a subscription's secret was made with."""


def _from_file(path: Path) -> bytes:
    """The key in `path`, made there first if there is none. The key is written whole to a
    file of its own, then linked into place (which fails if another process was first), so
    nobody ever reads a half-written key and the first process to link wins."""
    if not path.exists():
        fresh = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_urlsafe(48).encode() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(fresh, path)
        finally:
            fresh.unlink(missing_ok=True)
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key")
    return key


def server_key(settings: Settings) -> bytes:
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    try:
        return _from_file(settings.secret_key_file)
    except (OSError, RuntimeError) as exc:
        raise KeyUnavailable(
            "NEWSDESK_SECRET_KEY is not set and the key file NEWSDESK_SECRET_KEY_FILE could not "
            f"be made or read ({type(exc).__name__}): set NEWSDESK_SECRET_KEY."
        ) from None


def new_salt() -> str:
    return secrets.token_hex(16)


def _mac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def secret(key: bytes, webhook_id: uuid.UUID, salt: str) -> str:
    """The `whsec_…` secret a subscriber verifies with (standardwebhooks' format)."""
    raw = _mac(key, f"webhook-secret:{webhook_id}:{salt}")
    return PREFIX + base64.b64encode(raw).decode()


def key_check(key: bytes, webhook_id: uuid.UUID) -> str:
    return _mac(key, f"key-check:{webhook_id}").hex()[:32]


def signing_secrets(key: bytes, webhook: Webhook, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    for a day after a rotation."""
    if not hmac.compare_digest(key_check(key, webhook.id), webhook.key_check):
        raise KeyMismatch(
            "this worker's NEWSDESK_SECRET_KEY is not the key the subscription's secret was "
            "made with: set the same key on every host (or rotate the secret)"
        )
    kept = [secret(key, webhook.id, webhook.secret_salt)]
    if (
        webhook.previous_salt is not None
        and webhook.rotated_at is not None
        and now - webhook.rotated_at < ROTATION_OVERLAP
    ):
        kept.append(secret(key, webhook.id, webhook.previous_salt))
    return kept


def signature(secrets_: list[str], *, message_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space-separated."""
    # Imported here: only the process holding the delivery job signs (issue 21's memory).
    from standardwebhooks.webhooks import Webhook as Signer

    return " ".join(Signer(s).sign(message_id, at, body) for s in secrets_)
