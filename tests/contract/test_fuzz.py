"""Schemathesis fuzzes the whole contract against the app in-process, on both databases.

Every operation, public and admin (with an admin API key), gets the examples, coverage and
fuzzing phases in positive and negative modes with every check schemathesis has; then a
stateful run chains operations along the contract's links (`app/kit/openapi_links.py`) and
the ones schemathesis infers. A failure is a bug in the app or in the contract, fixed there,
never silenced here; the one narrowing, of `positive_data_acceptance` (422s about database
state, and 412/428 for a made-up or missing If-Match), is explained where it is made. Generation is
derandomized, so CI runs the same per-operation cases every time (the stateful run follows
links with some randomness of its own); `conftest.py` prints how many ran.

The schema is a module-level one (`schema.parametrize()`): `schemathesis.pytest.from_fixture`
of schemathesis 4.32.5 sets `Function._nodeid`, which pytest 9.2 no longer has.
"""

import asyncio
import hashlib
import json
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from requests.structures import CaseInsensitiveDict
from schemathesis import checks
from schemathesis.python import asgi as st_asgi
from sqlalchemy import insert
from starlette.types import Receive, Scope, Send

from app.auth import service as auth
from app.auth.service import Role
from app.changes import service as changes_service
from app.config import Settings
from app.kit.openapi_links import add_links
from app.kit.pagination import Cursor
from app.main import create_app
from app.models import ApiKey, Language
from app.taxonomy.pages import TermCursor
from tests.builders import create_article, create_media, create_term, publish, text
from tests.conftest import Credential, empty_tables

# Cases run, by (database, phase): printed at the end of the session by conftest.py.
CASES: Counter[tuple[str, str]] = Counter()

MAX_EXAMPLES = 10  # per operation in the fuzzing phase; examples and coverage run in full
STATEFUL_SCENARIOS = 50
STATEFUL_STEPS = 10


@dataclass
class CurrentApp:
    """The app on the database under test.

    Schemathesis binds a schema to one ASGI app when tests are collected, before any database
    exists; this stands in for it and passes each request to the app of the current database.
    """

    app: FastAPI | None = None
    backend: str = ""
    settings: Settings | None = None
    languages: list[dict[str, Any]] = field(default_factory=list)

    def prepare(self, *, content: bool) -> None:
        """Empty the database, store the admin key; with `content`, write some content."""
        assert self.settings is not None
        asyncio.run(_prepare(self.settings, self.languages, content=content))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no database under test"
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
# Schemathesis builds the examples and coverage cases, credentials included, while tests are
# collected: the admin key exists before its databases do, and each database stores it.
ADMIN_KEY = auth.KEY_PREFIX + secrets.token_urlsafe(32)

# The document /openapi.json serves (test_openapi.py: identical to openapi/openapi.json),
# with the links between operations that the stateful run follows.
schema = schemathesis.openapi.from_dict(
    add_links(create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20261126,
            # Not a speed limit (speed is measured in bench/): a loaded 2-core CI machine
            # has stalled one request past schemathesis's default of 10 s.
            "request-timeout": 120,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "checks": {"enabled": True},
        }
    ),
)
schema.app = CURRENT


@schema.auth(refresh_interval=None)
class AdminKey:
    """An admin API key of the current database, on every request."""

    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        return ADMIN_KEY

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        if case.headers is None:
            case.headers = CaseInsensitiveDict()
        case.headers["Authorization"] = f"Bearer {data}"


KNOWN_LANGUAGES = ("ua", "en", "ru")

# A 422 to a schema-valid request is a failure unless each of its field errors is one of
# these (type, msg): rules about what is in the database, which a JSON Schema cannot state.
STATE_ERRORS = {
    # a well-formed language code that is not configured (languages are rows)
    ("language", "Unknown language"),
    # an author, tag, category or media id that does not exist
    *(("reference", f"No such {kind}") for kind in ("author", "tag", "category", "media")),
    # a related article that does not exist, or is the article itself
    ("reference", "No such article"),
    ("reference", "The article itself"),
    # an article's original language must be one it has a translation in
    ("reference", "No such translation"),
    ("missing", "Missing the original language's translation"),
    # a language named among its own fallbacks
    ("value", "Invalid fallbacks"),
    # a search query with no word in it
    ("search", "Invalid search query"),
    # the URL or size of an image that was uploaded (they come from its file), not registered
    ("uploaded", "Not writable for an upload"),
    # two query parameters that do not go together (the export's revisions are of whole
    # articles, `language` keeps part of each)
    ("combination", "Not with language"),
    # a webhook URL whose host is not public, or that carries credentials (the schema
    # says http(s); which addresses are private is the API's rule)
    ("url", "Refused URL"),
}


def _state_error(error: dict[str, Any]) -> bool:
    return (error.get("type"), error.get("msg")) in STATE_ERRORS


def positive_data_acceptance(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schemathesis's check, but a 422 that only names database state passes (see above)."""
    meta = case.meta
    if meta is not None and any(part.mode.is_negative for part in meta.components.values()):
        # Schemathesis 4.32.5's coverage phase labels some header scenarios positive although
        # their body is a negative one (`0` for an object): such a case is not schema-valid.
        return None
    if response.status_code in (412, 428):
        # If-Match naming another version than the current one (412), or missing where the
        # write replaces something that exists (428): which version is current, and whether
        # the resource exists yet, is database state. The stateful run sends made-up ETags
        # as well as the ones its links carry.
        return None
    problem_type = ""
    if response.headers.get("content-type", [""])[0] == "application/problem+json":
        problem_type = response.json().get("type", "")
    if problem_type in (
        "/problems/unsupported-image",
        "/problems/invalid-image",
        "/problems/invalid-import-file",
    ):
        # An upload's `file` is any bytes to the schema; that they are a picture (and a
        # whole one), or a Newsdesk export, is what the API checks and no schema can say.
        return None
    if response.status_code == 422 and response.headers.get("content-type", [""])[0] == (
        "application/problem+json"
    ):
        errors = response.json().get("errors") or []
        if errors and all(_state_error(error) for error in errors):
            return None
    accepted: bool | None = checks.positive_data_acceptance(ctx, response, case)
    return accepted


def negative_data_rejection(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schemathesis's check, but a 308 passes: `{lang}` was a language's BCP 47 tag (the
    run creates languages with generated tags), and the URL it redirects to, with the same
    query, is the one whose parameters are checked (`app.languages.deps`)."""
    if response.status_code == 308:
        return None
    if case.operation.path in ("/v1/admin/media", "/v1/admin/imports") and (
        case.media_type or ""
    ).startswith("multipart/"):
        return None  # an upload's parts: see `_excluded`
    rejected: bool | None = checks.negative_data_rejection(ctx, response, case)
    return rejected


def _known_language(code: str) -> str:
    if code in KNOWN_LANGUAGES:
        return code
    return KNOWN_LANGUAGES[hashlib.sha256(code.encode()).digest()[0] % len(KNOWN_LANGUAGES)]


_TERM_LISTS = {
    "/v1/{lang}/tags": "tag",
    "/v1/{lang}/categories": "category",
    "/v1/{lang}/authors": "author",
}


def as_a_client_would(case: schemathesis.Case[Any]) -> None:
    """Make values of a schema-valid case valid the way only a real client can.

    - `cursor` is opaque: only what the API gave out is valid, which no schema can say;
      a positive case gets a well-formed cursor (at a position derived from the generated
      value; on a term list, for its kind and language).
    - `Idempotency-Key`: reusing a key with another body is refused (422) by design; a
      client sends a new key per new request, so a positive case gets a fresh one.
    - Language codes: a client writes in languages that exist, so a positive case's `lang`
      and the language keys of its body become `ua`, `en` or `ru`, and a new article's
      original language one it has a translation in. Without this nearly every generated
      write would stop at "unknown language" and never reach the code behind it.
    """
    if case.meta is not None and not case.meta.generation.mode.is_positive:
        return  # a negative case stays as generated, whatever part of it is the negative one
    query, path = case.query, case.path_parameters
    if isinstance(query, dict) and isinstance(query.get("cursor"), str):
        seed = hashlib.sha256(query["cursor"].encode()).digest()
        at = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(seconds=seed[0] * 86_400)
        # Public search pages rank hits (title, lead, body) and their cursors say which rank.
        searching = query.get("q") is not None and case.operation.path == "/v1/{lang}/articles"
        rank = seed[1] % 3 if searching else None
        query["cursor"] = Cursor(at=at, id=uuid.UUID(bytes=seed[:16]), rank=rank).encode()
        if case.operation.path == "/v1/changes":
            # The change feed's positions are change ids; one past the newest answers 410
            # (a log restored from an older backup), so a client's is one it was given.
            query["cursor"] = changes_service.encode(seed[0] % 2)
    if case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = uuid.uuid4().hex
    if isinstance(path, dict) and isinstance(path.get("lang"), str):
        path["lang"] = _known_language(path["lang"])
    kind = _TERM_LISTS.get(case.operation.path)
    if kind and isinstance(query, dict) and isinstance(path, dict) and query.get("cursor"):
        # A term list's positions are a name and an id, for its kind and language.
        seed = hashlib.sha256(str(query["cursor"]).encode()).digest()
        name, ident = f"Term {seed[0]}", uuid.UUID(bytes=seed[:16])
        query["cursor"] = TermCursor(kind, str(path["lang"]), name, ident).encode()
    body: Any = case.body  # JSON of any shape
    negative_part = case.meta is not None and any(
        part.mode.is_negative for part in case.meta.components.values()
    )  # a header made invalid: the case must stay invalid (see positive_data_acceptance)
    upload = case.operation.path == "/v1/admin/media" and isinstance(body, dict)
    if upload and "file" in body and not negative_part:
        # A copy: the coverage phase hands the same example object to later (negative) cases.
        case.body = body = dict(body)
        # An upload: a client sends JSON text for `translations` (which the schema can only
        # call a string) and no part it has no value for. The file stays as generated: the
        # API refuses what is not an image (see positive_data_acceptance).
        for name in [name for name, value in body.items() if value is None]:
            del body[name]  # a form has no null: a client leaves the part out
        if "translations" in body:
            body["translations"] = json.dumps({"en": {"caption": "Kyiv", "alt": "A street"}})
        return
    if isinstance(body, dict):
        translations = body.get("translations")
        if isinstance(translations, dict):
            known: dict[str, Any] = {}
            for code, value in translations.items():
                known.setdefault(_known_language(code), value)
            body["translations"] = translations = known
        if isinstance(body.get("languages"), list):  # a translator's languages
            body["languages"] = [
                _known_language(c) if isinstance(c, str) else c for c in body["languages"]
            ]
        if isinstance(body.get("original_language"), str):
            body["original_language"] = _known_language(body["original_language"])
            if translations and body["original_language"] not in translations:
                body["original_language"] = next(iter(translations))


async def _prepare(settings: Settings, languages: list[dict[str, Any]], *, content: bool) -> None:
    """Empty the database, store the admin key, and write content public reads can find."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        # IMMEDIATE (SQLite): `empty_tables` reads before it writes, and a deferred
        # transaction whose snapshot another writer passed meanwhile (this app's webhook
        # worker, starting) cannot become a writer: "database is locked", at once.
        writer = application.state.db.engine.execution_options(sqlite_begin="IMMEDIATE")
        async with writer.begin() as conn:
            await empty_tables(conn)
            await conn.execute(insert(Language), languages)
            await conn.execute(
                insert(ApiKey),
                {
                    "id": uuid.uuid4(),
                    "name": "fuzz",
                    "role": Role.admin.value,
                    "key_hash": auth.hash_secret(ADMIN_KEY),
                    "prefix": ADMIN_KEY[:10],
                    "created_at": datetime.now(UTC),
                },
            )
        admin = Credential(ADMIN_KEY)
        if not content:
            return
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            tag = await create_term(client, admin, "tags", ua="НАТО", en="NATO", ru="НАТО")
            category = await create_term(client, admin, "categories", ua="Світ", en="World")
            author = await create_term(client, admin, "authors", ua="Олена Коваль", en="Olena")
            media = await create_media(client, admin)
            for i in range(3):
                article = await create_article(
                    client,
                    admin,
                    original="ua",
                    translations={
                        "ua": text(f"Київ приймає саміт {i}"),
                        "en": text(f"Kyiv hosts the summit {i}"),
                        "ru": text(f"Киев принимает саммит {i}"),
                    },
                    author_ids=[author["id"]],
                    category_id=category["id"],
                    tag_ids=[tag["id"]],
                    cover_media_id=media["id"],
                    sources=[{"name": "Financial Times", "url": "https://www.ft.com/"}],
                )
                # Two public in every language, one whose Russian version stays a draft.
                for lang in ("ua", "en", "ru")[: 3 - i % 2]:
                    await publish(client, admin, article["id"], lang)


@pytest.fixture(scope="module")
def target(
    database_url: str,
    seeded_languages: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CurrentApp]:
    settings = Settings(
        database_url=database_url,
        media_dir=tmp_path_factory.mktemp("media"),
        # Thousands of requests from one address and one key: the public, admin and
        # credential-less limits would answer 429 to most of them. The login limit stays,
        # as the contract says.
        rate_limit_admin=None,
        rate_limit_public=None,
        rate_limit_unauthenticated=None,
    )
    CURRENT.settings, CURRENT.languages = settings, seeded_languages
    CURRENT.prepare(content=True)
    CURRENT.app = create_app(settings)
    CURRENT.backend = database_url.split("+", 1)[0]
    yield CURRENT
    st_asgi.shutdown_lifespans()  # the app's lifespan ran in schemathesis's event loop
    CURRENT.app = None


def _excluded(case: schemathesis.Case[Any]) -> list[schemathesis.CheckFunction]:
    """Schemathesis's checks that this module's versions replace (`positive_data_acceptance`,
    `negative_data_rejection` above).

    A multipart upload's parts are all text on the wire: a "negative" part that the schema
    calls wrong by its JSON type (`123` for a string, `null` for an optional one) arrives as
    the same characters a valid value would, so its acceptance proves nothing; the upload
    tests (tests/media/test_hostile_uploads.py, tests/transfer/test_import_api.py) check
    what an upload refuses."""
    return [checks.positive_data_acceptance, checks.negative_data_rejection]


@schema.parametrize()
def test_operation(case: schemathesis.Case[Any], target: CurrentApp) -> None:
    CASES[(target.backend, case.meta.phase.name.value if case.meta else "explicit")] += 1
    as_a_client_would(case)
    case.call_and_validate(
        excluded_checks=_excluded(case),
        additional_checks=[positive_data_acceptance, negative_data_rejection],
    )


def test_stateful(target: CurrentApp) -> None:
    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every scenario starts from the same empty database: Hypothesis replays the start
            # of earlier scenarios and needs the API to answer them as it did the first time.
            target.prepare(content=False)

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            as_a_client_would(case)

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case[Any]) -> None:
            super().after_call(response, case)
            CASES[(target.backend, "stateful")] += 1

        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case[Any],
            additional_checks: list[schemathesis.CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=_excluded(case),
                additional_checks=[
                    positive_data_acceptance,
                    negative_data_rejection,
                    *(additional_checks or []),
                ],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Scenarios.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
