"""The search quality set: real news texts and queries with the articles they must find.

`quality_corpus.json` holds, per language, articles and at least 30 queries (inflected
forms, names in other cases, ё/е, apostrophes, several words, phrases, no-hit queries) with
the complete expected result, and for some the exact order (title, lead, body tiers,
newest first). Each language's whole set runs on each database; both must give exactly
the expected results, hence the same ones.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import create_article, publish, text
from tests.conftest import Credential

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "quality_corpus.json").read_text(encoding="utf-8")
)


def test_the_set_is_big_enough() -> None:
    for lang in ("ua", "ru", "en"):
        assert len(CORPUS[lang]["queries"]) >= 30, lang
        assert sum(1 for q in CORPUS[lang]["queries"] if "order" in q) >= 3, lang


@pytest.mark.parametrize("lang", ["ua", "ru", "en"])
async def test_quality_set(client: httpx.AsyncClient, admin: Credential, lang: str) -> None:
    now = datetime.now(UTC)
    slugs: dict[str, str] = {}
    for item in CORPUS[lang]["articles"]:
        created = await create_article(
            client,
            admin,
            original=lang,
            translations={lang: text(item["title"], item["lead"], item["body_html"])},
        )
        at = now - timedelta(hours=item["hours_ago"])
        await publish(client, admin, created["id"], lang, at=at)
        slugs[created["translations"][lang]["slug"]] = item["key"]

    failures = []
    for query in CORPUS[lang]["queries"]:
        response = await client.get(f"/v1/{lang}/articles", params={"q": query["q"], "limit": 100})
        assert response.status_code == 200, (query["q"], response.text)
        found = [slugs[item["slug"]] for item in response.json()["items"]]
        if sorted(found) != sorted(query["expect"]) or found != query.get("order", found):
            failures.append(f"{query['q']!r}: found {found}, expected {query['expect']}")
    assert not failures, "\n".join(failures)
