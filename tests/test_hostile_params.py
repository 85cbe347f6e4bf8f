"""Hostile parameters on every endpoint anyone can call: an answer or a 4xx problem, never
a 500 (issue 13, item 4).

The operations come from the app's own contract, so an endpoint added later is swept too:
every public and auth operation, each of its path, query, header and form parameters in
turn, with text no reader types (control characters, lone apostrophes, letters without a
Unicode name, bidi controls, injection attempts, overlong values), timestamps whose UTC
value leaves the years 1-9999, and cursors the API never wrote. On a database with
public articles, so searches, filters, the hot lane and pages all run for real.
"""

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.config import Settings
from tests.builders import create_article, create_term, publish, text
from tests.conftest import Credential, running_app

TEXT = [
    "\x00", "a\x00b", "\x01\x1f", "\x7f", "\x85", "\t", "a\nb", "ʼ", "ʼʼ", "'", '"', "\\",
    "%", "%00", "\U00017000", "Київ \U00017000", "👩\u200d👩\u200d👧", "\u202eabc", "\ufeff",
    "\u0301", "\ue000", "\U0010fffd", "'; DROP TABLE translations; --", '" OR 1=1 --',
    "../../etc/passwd", "{title}: x", "NEAR(a b)", "a:* & !b", "x" * 5000, "", " ", "-1",
    "1e308", "NaN", "ua", "kyiv-metro",
]  # fmt: skip
TIMES = [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z", "0000-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+24:00", "2026-01-01", "2026-01-01T00:00:00",
    "2026-01-01T23:59:60Z",
]  # fmt: skip
_ID = uuid.uuid4().hex


def _cursor(*position: Any) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = [
    *(_cursor(at, _ID) for at in TIMES),
    *(_cursor(at, _ID, 1) for at in TIMES[:3]),
    _cursor("2026-01-01T00:00:00Z", _ID, 10),
    _cursor("2026-01-01T00:00:00Z", _ID, -1),
    _cursor("2026-01-01T00:00:00Z", _ID, True),
    _cursor("2026-01-01T00:00:00Z", _ID, 1.5),
    _cursor("2026-01-01T00:00:00Z", "\x00"),
    _cursor(["2026"], {"a": 1}),
    _cursor(),
    base64.urlsafe_b64encode(b"[" * 100 + b"]" * 100).decode(),
]
# Header values a server lets through (no control characters but tab), as UTF-8 bytes.
HEADER_VALUES = [
    v.encode() for v in TEXT if len(v) < 500 and not any(c < " " or c == "\x7f" for c in v)
]


def answered(r: httpx.Response, what: object) -> None:
    """A normal answer or an RFC 9457 problem, never a server error."""
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json", what
        assert r.json()["status"] == r.status_code, what


async def _newsroom(client: httpx.AsyncClient, admin: Credential) -> dict[str, str]:
    """Public articles in every language, with a tag, category and author; their names."""
    tag = await create_term(client, admin, "tags", ua="Політика", en="Politics", ru="Политика")
    category = await create_term(client, admin, "categories", ua="Світ", en="World", ru="Мир")
    author = await create_term(client, admin, "authors", ua="Олена", en="Olena", ru="Елена")
    created = {}
    for n in range(3):
        article = await create_article(
            client,
            admin,
            translations={
                "ua": text(f"Удар по Києву {n}", "Лід ʼ", "<p>Памʼять \U00017000</p>"),
                "en": text(f"Strike on Kyiv {n}", "Lead", "<p>Text</p>"),
                "ru": text(f"Удар по Киеву {n}", "Лид", "<p>Текст</p>"),
            },
            tag_ids=[tag["id"]],
            category_id=category["id"],
            author_ids=[author["id"]],
        )
        for lang in ("ua", "en", "ru"):
            await publish(client, admin, article["id"], lang)
        created = article
    return {
        "lang": "ua",
        "slug": created["translations"]["ua"]["slug"],
        "article_id": created["id"],
        "token": "nd_preview_x",
        "tag": tag["translations"]["ua"]["slug"],
        "category": category["translations"]["ua"]["slug"],
        "author": author["translations"]["ua"]["slug"],
        "q": "удар київ",
    }


def _values(parameter: dict[str, Any]) -> list[str]:
    schemas = [parameter.get("schema", {}), *parameter.get("schema", {}).get("anyOf", [])]
    if any(s.get("format") == "date-time" for s in schemas):
        return TEXT + TIMES
    if parameter["name"] == "cursor":
        return TEXT + CURSORS
    return TEXT


def _url(path: str, parameters: list[dict[str, Any]], known: dict[str, str], **given: str) -> str:
    """`path` with its path parameters: the `given` ones, real values for the rest."""
    values = {p["name"]: known.get(p["name"], "x") for p in parameters if p["in"] == "path"}
    return path.format(**{k: quote(v, safe="") for k, v in (values | given).items()})


Request = tuple[str, str, str, dict[str, Any], dict[str, str]]


def _requests(contract: dict[str, Any], known: dict[str, str]) -> Iterator[Request]:
    """Each public and auth operation's requests: plain, then each parameter hostile in
    turn. Yields the method, path template, URL, request and, for a query parameter, real
    values of the operation's other query parameters to try it beside."""
    for path, item in contract["paths"].items():
        if path.startswith("/v1/admin"):
            continue
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            plain = _url(path, parameters, known)
            yield method, path, plain, {}, {}
            real = {
                p["name"]: known[p["name"]]
                for p in parameters
                if p["in"] == "query" and p["name"] in known
            }
            for parameter in parameters:
                name, where = parameter["name"], parameter["in"]
                if where == "header":
                    for raw in HEADER_VALUES:
                        yield method, path, plain, {"headers": {name: raw}}, {}
                    continue
                for value in _values(parameter):
                    if where == "path":
                        yield method, path, _url(path, parameters, known, **{name: value}), {}, {}
                    else:
                        others = {k: v for k, v in real.items() if k != name}
                        yield method, path, plain, {"params": {name: value}}, others
            form = operation.get("requestBody", {}).get("content", {})
            if "application/x-www-form-urlencoded" in form:
                # Every field of the login form.
                ref = form["application/x-www-form-urlencoded"]["schema"]["$ref"]
                fields = contract["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
                good = {"username": "olena@newsroom.example", "password": "correct horse"}
                for field in fields:
                    for value in TEXT:
                        yield method, path, plain, {"data": {**good, field: value}}, {}


async def test_every_public_and_auth_parameter_survives_hostile_values(
    settings: Settings, admin: Credential
) -> None:
    # One login attempt a minute: past it, the form is still validated and the limiter
    # keyed by the e-mail, without an Argon2 hash per request (tests/auth/test_login_form.py
    # takes odd e-mails to the database).
    async with running_app(settings, rate_limit_login="1/minute") as (_, client):
        known = await _newsroom(client, admin)
        contract = (await client.get("/openapi.json")).json()
        swept: set[str] = set()
        sent = 0
        for method, path, url, request, others in _requests(contract, known):
            r = await client.request(method, url, **request)
            answered(r, (method, url, request))
            if r.is_success and others:  # taken alone: now beside real filters and a search
                params = {**others, **request["params"]}
                answered(await client.request(method, url, params=params), (method, url, params))
                sent += 1
            swept.add(path)
            sent += 1
    assert swept >= {
        "/v1/{lang}/articles", "/v1/{lang}/articles/{slug}", "/v1/{lang}/feed.rss",
        "/v1/auth/token", "/v1/articles/{article_id}", "/v1/{lang}/preview/{token}",
    }  # fmt: skip
    assert sent > 1000


@pytest.mark.parametrize("value", [v for v in HEADER_VALUES if v] + [b"Bearer \xca\xbc"])
async def test_hostile_credentials_on_auth_endpoints(
    client: httpx.AsyncClient, value: bytes
) -> None:
    for header in (value, b"Bearer " + value):
        r = await client.delete("/v1/auth/token", headers={b"Authorization": header})
        answered(r, header)
        assert r.status_code == 401
