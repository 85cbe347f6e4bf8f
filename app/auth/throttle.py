"""Login throttling: it holds back password guessing and lets nobody lock a user out.

Every attempt counts, before the password is checked, against three limits:

- per account from one address (`NEWSDESK_RATE_LIMIT_LOGIN`): what one place may try
  against one account;
- per address over every account (`NEWSDESK_RATE_LIMIT_LOGIN_ADDRESS`): one password
  sprayed over many accounts;
- per account from everywhere (`NEWSDESK_RATE_LIMIT_LOGIN_ACCOUNT`): guessing spread over
  many addresses. An address the account logged in from in the last 30 days is never held
  back by it, so failures elsewhere cannot keep the real user out (before, ten bad
  attempts from anywhere blocked the right password for a minute, again and again).

The limits count in Redis when it is configured, else in each worker; keys are hashes,
so neither e-mails nor addresses are kept in clear.
"""

import hashlib
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service
from app.models import utcnow
from app.ratelimit import RateLimits

KNOWN_ADDRESS_FOR = timedelta(days=30)


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def retry_after(
    limits: RateLimits, session: AsyncSession, *, email: str, address: str
) -> int | None:
    """None when this attempt may go ahead; else the seconds until one may."""
    account = email.strip().lower()
    retry = await limits.hit(limits.login, "login", _key(account, address))
    if retry is None:
        retry = await limits.hit(limits.login_address, "login-address", _key(address))
    if retry is not None:
        return retry
    retry = await limits.hit(limits.login_account, "login-account", _key(account))
    if retry is not None and await service.logged_in_from(
        session, email=account, address=address, since=utcnow() - KNOWN_ADDRESS_FOR
    ):
        return None
    return retry
