"""The contract's examples are the demo newsroom's: every example request answers against
the demo (`scripts/serve`), and what the examples show is what the demo serves.

The demo is loaded the way `newsdesk demo-data` loads it, into a database of its own per
backend (a copy of the run's, tests/demo_newsroom.py); every GET operation of the
contract is then called with its parameters' examples
(`app.kit.examples.add_parameter_examples`), with an admin key on `/v1/admin/`.
"""

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.demo.loader import demo_content
from app.kit import examples as ex
from tests.conftest import Credential, running_app
from tests.demo_newsroom import demo_admin, demo_copy

# GET operations whose path parameter no demo holds, and why; they keep their schema's
# example, and are checked to have no demo value (so one given later is called too).
NO_DEMO_VALUE = {
    "getPreview": "a preview token is a secret made on request, never shipped",
    "getUser": "the demo ships no user accounts (no passwords in a package)",
    "getWebhook": "the demo subscribes no webhook (it would deliver to the internet)",
    "listWebhookDeliveries": "the demo subscribes no webhook",
    "getImport": "the demo is loaded by `newsdesk demo-data`, not by an import job",
}
DEMO_IMAGES = Path(__file__).resolve().parents[1] / "app" / "demo" / "images"


@dataclass(frozen=True)
class Demo:
    settings: Settings
    admin: Credential


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    where = tmp_path_factory.mktemp("demo")
    with demo_copy(database_url, tmp_path_factory, where) as copy:
        settings = Settings(
            database_url=copy.database_url,
            media_dir=copy.media_dir,
            secret_key_file=where / "newsdesk-secret",
            worker_in_process=False,
        )
        yield Demo(settings, asyncio.run(demo_admin(settings)))


def _example(parameter: dict[str, Any]) -> object | None:
    demo = parameter.get("examples", {}).get(ex.DEMO)
    return None if demo is None else demo["value"]


def _get_operations(contract: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in contract["paths"].items():
        if "get" in item:
            yield path, item["get"]


async def test_every_example_request_answers_against_the_demo(demo: Demo) -> None:
    async with running_app(demo.settings) as (app, client):
        contract = app.openapi()
        called, wrong = 0, []
        for template, operation in _get_operations(contract):
            name = operation["operationId"]
            path, query = template, {}
            missing = []
            for parameter in operation.get("parameters", []):
                value = _example(parameter)
                if parameter["in"] == "path" and value is None:
                    missing.append(parameter["name"])
                elif parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", str(value))
                elif parameter["in"] == "query" and value is not None:
                    query[parameter["name"]] = str(value)
            if name in NO_DEMO_VALUE:
                assert missing, f"{name} has demo examples now: drop it from NO_DEMO_VALUE"
                continue
            if missing:
                wrong.append(f"{name}: no demo example for {missing} (app.kit.examples)")
                continue
            needs_key = template.startswith("/v1/admin/") or operation.get("security")
            headers = demo.admin.headers if needs_key else {}
            answer = await client.get(path, params=query, headers=headers)
            called += 1
            if not 200 <= answer.status_code < 400:
                wrong.append(f"{name}: GET {answer.request.url} → {answer.status_code}")
        assert not wrong, "\n".join(wrong)
        assert called >= 30


def _pick(body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: body.get(key) for key in keys}


_SHOWN = ("id", "language", "slug", "path", "title", "lead", "authors", "category", "tags",
          "published_at", "updated_at", "original_language")  # fmt: skip
_COVER = ("id", "width", "height", "credit", "caption", "alt")


async def test_the_public_article_example_is_the_demo_story(demo: Demo) -> None:
    async with running_app(demo.settings) as (app, client):
        (example,) = app.openapi()["components"]["schemas"]["PublicArticle"]["examples"]
        answer = await client.get(example["path"])
        assert answer.status_code == 200, answer.text
        real = answer.json()
        keys = (*_SHOWN, "body_html", "word_count", "sources", "seo_title", "seo_description")
        assert _pick(real, keys) == _pick(example, keys)
        assert _pick(real["cover"], _COVER) == _pick(example["cover"], _COVER)
        assert [(c["kind"], c["text"], c["at"]) for c in real["corrections"]] == [
            (c["kind"], c["text"], c["at"]) for c in example["corrections"]
        ]
        assert [_pick(r, _SHOWN) for r in real["related"]] == [
            _pick(r, _SHOWN) for r in example["related"]
        ]
        assert [(a["language"], a["slug"]) for a in real["alternates"]] == [
            (a["language"], a["slug"]) for a in example["alternates"]
        ]
        # The Russian translation is a draft: not public.
        assert (await client.get(ex.path("ru", ex.SLUG["ru"]))).status_code == 404
        english = await client.get(ex.path("en", ex.SLUG["en"]))
        assert english.json()["published_at"] == ex.EN_PUBLISHED_AT


async def test_the_admin_examples_are_the_demo_story(demo: Demo) -> None:
    async with running_app(demo.settings) as (app, client):
        schemas = app.openapi()["components"]["schemas"]
        example = schemas["ArticleRead"]["examples"][0]
        admin = demo.admin.headers
        real = (await client.get(f"/v1/admin/articles/{ex.ARTICLE_ID}", headers=admin)).json()
        metadata = ("id", "original_language", "author_ids", "category_id", "tag_ids",
                    "cover_media_id", "sources", "related_ids")  # fmt: skip
        assert _pick(real, metadata) == _pick(example, metadata)
        summary = {lang: (t["status"], t["outdated"]) for lang, t in real["translations"].items()}
        assert summary == {"ua": ("published", False), "en": ("published", False),
                           "ru": ("draft", True)}  # fmt: skip
        pending = await client.get(
            f"/v1/admin/articles/{ex.ARTICLE_ID}/translations/en/pending",
            headers=admin,
        )
        shown = ("language", "slug", "title", "lead", "body_html", "status", "changed_fields")
        assert _pick(pending.json(), shown) == _pick(schemas["PendingRead"]["examples"][0], shown)
        for kind, ident, names in (
            ("tags", ex.TAG_KYIV_ID, ex.TAG_KYIV_NAME),
            ("tags", ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME),
            ("categories", ex.CATEGORY_ID, ex.CATEGORY_NAME),
            ("authors", ex.EARLIER_AUTHOR_ID, ex.EARLIER_AUTHOR_NAME),
        ):
            term = await client.get(f"/v1/admin/{kind}/{ident}", headers=admin)
            assert {lang: t["name"] for lang, t in term.json()["translations"].items()} == names
        author = (await client.get(f"/v1/admin/authors/{ex.AUTHOR_ID}", headers=admin)).json()
        times = {"created_at": author["created_at"], "updated_at": author["updated_at"]}
        assert author == {**author, **schemas["AuthorRead"]["examples"][0], **times}


async def test_the_cover_example_is_the_demo_picture(demo: Demo) -> None:
    picture = (DEMO_IMAGES / "khreshchatyk-train.jpg").read_bytes()
    assert hashlib.sha256(picture).hexdigest() == ex.COVER_HASH
    async with running_app(demo.settings) as (_, client):
        media = await client.get(f"/v1/admin/media/{ex.MEDIA_ID}", headers=demo.admin.headers)
        real = media.json()
        assert real["content_hash"] == ex.COVER_HASH
        assert (real["width"], real["height"], real["credit"]) == (
            ex.COVER_WIDTH, ex.COVER_HEIGHT, ex.COVER_CREDIT)  # fmt: skip
        stored = {r["url"].split("/media/", 1)[1] for r in real["renditions"]}
        for rendition in ex.renditions():
            assert str(rendition["url"]).split("/media/", 1)[1] in stored
        assert real["url"].endswith(ex.COVER_URL.split("/media/", 1)[1])


def test_the_demo_data_names_the_examples_ids() -> None:
    """The ids are written in demo.json too: one that drifts from the examples is found
    here without a database."""
    data = demo_content()
    ids = {item["id"] for key in ("authors", "categories", "tags", "media", "articles")
           for item in data[key] if "id" in item}  # fmt: skip
    assert ids == {
        ex.AUTHOR_ID, ex.EARLIER_AUTHOR_ID, ex.CATEGORY_ID, ex.TAG_KYIV_ID, ex.TAG_TRANSPORT_ID,
        ex.MEDIA_ID, ex.ARTICLE_ID, ex.EARLIER_ARTICLE_ID,
    }  # fmt: skip
