"""Search and the index take any text: never a 500, on either database (issue 13, item 4).

- A query of nothing but the Ukrainian apostrophe `ʼ` (a letter to Unicode) became an
  empty lexeme, which PostgreSQL refused: now a query with no words, 422.
- A Tangut ideograph (a letter Python has no name for) made the Ukrainian and Russian
  analyser raise, in searches and in every write of the text: now it is a word as written.
- A word longer than a PostgreSQL lexeme (2,047 bytes) or a text of more distinct words
  than a tsvector holds (1 MB) failed the write on PostgreSQL: words are cut at MAX_WORD
  characters and texts at the word that would pass the limit, alike on both databases.
- Control characters (NUL) in `q` are refused, 422.
"""

import random
from typing import Any

import httpx
import pytest

from app.search.analysis import MAX_WORD
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential

TANGUT = "\U00017000"


async def _search(
    client: httpx.AsyncClient, lang: str, q: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    path = "/v1/admin/articles" if headers else f"/v1/{lang}/articles"
    params = {"q": q, **({"language": lang} if headers else {})}
    r = await client.get(path, params=params, headers=headers or {})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


@pytest.mark.parametrize("q", ["ʼ", "ʼʼʼ", "ʼ ʼ", '"ʼ ʼ"', "«ʼ»", "ʼ'’`"])
async def test_a_query_of_apostrophes_alone_has_no_words(
    client: httpx.AsyncClient, admin: Credential, q: str
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Памʼять")})
    await publish(client, admin, article["id"], "ua")
    for lang in ("ua", "en", "ru"):
        body = problem(await client.get(f"/v1/{lang}/articles", params={"q": q}), 422)
        assert body["errors"][0]["loc"] == ["query", "q"]
    problem(await client.get("/v1/admin/articles", params={"q": q}, headers=admin.headers), 422)
    # An apostrophe inside a word still joins it, on both sides of the query.
    assert [i["id"] for i in await _search(client, "ua", "памʼяті")] == [article["id"]]


@pytest.mark.parametrize("lang", ["ua", "ru", "en"])
async def test_tangut_and_other_unnamed_letters_are_words(
    client: httpx.AsyncClient, admin: Credential, lang: str
) -> None:
    article = await create_article(
        client,
        admin,
        original=lang,
        translations={
            lang: text(f"Київ {TANGUT}", "Лід \U000187f7 \U00018d00", f"<p>Текст {TANGUT}</p>")
        },
    )
    await publish(client, admin, article["id"], lang)
    for q in (TANGUT, f"Київ {TANGUT}", f'"Київ {TANGUT}"', "\U000187f7", "\U00018d00 лід"):
        assert [i["id"] for i in await _search(client, lang, q)] == [article["id"]], q
        assert [i["id"] for i in await _search(client, lang, q, admin.headers)] == [article["id"]]
    (hit,) = await _search(client, lang, "\U000187f7")
    assert "<mark>\U000187f7</mark>" in hit["snippet"]
    # A write of such text re-analyses it too.
    url = f"/v1/admin/articles/{article['id']}/translations/{lang}"
    current = await client.get(url, headers=admin.headers)
    r = await client.put(
        url,
        json=text(f"{TANGUT}{TANGUT}", "Лід", "<p>\U00018d08</p>"),
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert [i["id"] for i in await _search(client, lang, "\U00018d08")] == [article["id"]]
    assert await _search(client, lang, "Київ") == []


async def test_a_word_longer_than_a_lexeme_is_cut(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    word = "ї" * 3000  # 6,000 bytes: PostgreSQL takes 2,047 in a lexeme
    article = await create_article(
        client, admin, translations={"ua": text("Заголовок", word, f"<p>{word} кінець</p>")}
    )
    await publish(client, admin, article["id"], "ua")
    found = await _search(client, "ua", word[:150])  # the query's own cut: the same word
    assert [i["id"] for i in found] == [article["id"]]
    assert [i["id"] for i in await _search(client, "ua", "кінець")] == [article["id"]]
    assert await _search(client, "ua", "ї" * (MAX_WORD - 1)) == []


async def test_a_text_of_more_distinct_words_than_a_tsvector_holds_is_cut(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    letters = "абвгдежзиклмнопрстуфхцчшщюя"
    rng = random.Random(13)
    words = ["".join(rng.choice(letters) for _ in range(60)) for _ in range(7500)]
    article = await create_article(
        client,
        admin,
        translations={"ua": text("Словник", "Лід", "<p>" + " ".join(words) + "</p>")},
    )
    await publish(client, admin, article["id"], "ua")
    assert [i["id"] for i in await _search(client, "ua", words[0])] == [article["id"]]
    # Cut where PostgreSQL's 1 MB ends, at the same word on both databases.
    assert await _search(client, "ua", words[-1]) == []


@pytest.mark.parametrize("q", ["a\x00b", "\x00", "удар\x1f", "\x7fудар", "удар\x85", "a\nb"])
async def test_control_characters_in_a_query_are_422(
    client: httpx.AsyncClient, admin: Credential, q: str
) -> None:
    for lang in ("ua", "en"):
        body = problem(await client.get(f"/v1/{lang}/articles", params={"q": q}), 422)
        assert body["errors"][0]["loc"] == ["query", "q"]
    body = problem(
        await client.get("/v1/admin/articles", params={"q": q}, headers=admin.headers), 422
    )
    assert body["errors"][0]["loc"] == ["query", "q"]
