"""The URL areas of the API and what applies to each: the one place path prefixes live.

- `public`: `/v1/...` other than below. 200 GETs cached and `public`; limited per address.
- `admin`: `/v1/admin/...`. Private (never cached); limited per credential, or per
  address without one.
- `auth`: `/v1/auth/...` (log in, log out). Private; limited per address.
- `ops`: `/healthz`, `/readyz`. Not cached, not limited.
- `docs`: the rest (`/docs`, `/openapi.json`). Not cached, not limited.

The response cache (`app.cache.middleware`), the rate limits (`app.ratelimit`), the
contract's finishing (`app.kit.openapi`) and the hot lane (`app.public.hot`) read these
names and predicates instead of spelling prefixes out. A leaf module: it imports nothing
from `app`.
"""

from enum import StrEnum

API = "/v1/"
ADMIN = "/v1/admin/"
AUTH = "/v1/auth/"
# Public content of one language, as the contract's path templates write it.
LANGUAGE_TEMPLATE = "/v1/{lang}/"
# Never cached, never `public`: the management API and logins.
PRIVATE = (ADMIN, AUTH)
OPS = ("/healthz", "/readyz")


class Area(StrEnum):
    PUBLIC = "public"
    ADMIN = "admin"
    AUTH = "auth"
    OPS = "ops"
    DOCS = "docs"


def area_of(path: str) -> Area:
    """The area a request path (or a contract path template) belongs to."""
    if path.startswith(ADMIN):
        return Area.ADMIN
    if path.startswith(AUTH):
        return Area.AUTH
    if path.startswith(API):
        return Area.PUBLIC
    if path in OPS:
        return Area.OPS
    return Area.DOCS


def is_api(path: str) -> bool:
    """Under `/v1/`: every area that is rate-limited."""
    return path.startswith(API)


def is_private(path: str) -> bool:
    """Never cached nor marked `public` (admin and auth)."""
    return path.startswith(PRIVATE)


def is_public(path: str) -> bool:
    """Published content: cacheable, limited per client address."""
    return is_api(path) and not is_private(path)


def is_language_template(path: str) -> bool:
    """A contract path template of one language's content (`/v1/{lang}/...`)."""
    return path.startswith(LANGUAGE_TEMPLATE)
