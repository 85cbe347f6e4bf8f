"""Snippets are made with as little work per word as possible (`app.search.snippets`);
they must be exactly what the plain reading of the rule gives: `reference` below, the
first implementation, which analysed every word into a `Word`."""

import html
import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from app.kit.html import text_of
from app.search.analysis import Word, analyzer_for
from app.search.query import Query, parse
from app.search.snippets import LEAD_IN, SCAN_LIMIT, WINDOW, Seen, highlight

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "quality_corpus.json").read_text(encoding="utf-8")
)
TEXT_SEARCH = {"ua": "ukrainian", "ru": "russian", "en": "english"}


def reference(query: Query, lead: str, body_html: str) -> str:
    text = " ".join(part for part in (lead.strip(), " ".join(text_of(body_html).split())) if part)
    wanted, clauses = query.lemmas, query.clause_lemmas
    words: list[Word] = []
    hits: list[int] = []
    for i, word in enumerate(islice(query.analyzer.words(text), SCAN_LIMIT)):
        words.append(word)
        if wanted.intersection(word.lemmas):
            hits.append(i)
        if hits and i == hits[0] + WINDOW:
            seen = {lemma for w in words[hits[0] : i] for lemma in w.lemmas}
            if all(clause & seen for clause in clauses):
                break
    if not words:
        return ""
    start = 0
    if hits:
        best = -1
        for first in hits:
            lemmas = {lemma for word in words[first : first + WINDOW] for lemma in word.lemmas}
            covered = sum(1 for clause in clauses if clause & lemmas)
            if covered > best:
                best, start = covered, first
                if covered == len(clauses):
                    break
        start = max(0, start - LEAD_IN)
    end = min(len(words), start + WINDOW)
    out = ["… " if start > 0 else ""]
    position = words[start].start
    for i in range(start, end):
        word = words[i]
        out.append(html.escape(text[position : word.start]))
        piece = html.escape(text[word.start : word.end])
        out.append(f"<mark>{piece}</mark>" if i in hits else piece)
        position = word.end
    if end < len(words) or len(words) == SCAN_LIMIT:
        out.append(" …")
    else:
        out.append(html.escape(text[position:]))
    return "".join(out).strip()


@pytest.mark.parametrize("lang", ["ua", "ru", "en"])
def test_snippets_are_what_the_rule_gives(lang: str) -> None:
    analyzer = analyzer_for(TEXT_SEARCH[lang])
    articles = CORPUS[lang]["articles"]
    compared = 0
    for item in CORPUS[lang]["queries"]:
        query = parse(item["q"], analyzer)
        seen: Seen = {}  # shared by the "page", as the service does
        for article in articles:
            expected = reference(query, article["lead"], article["body_html"])
            assert highlight(query, article["lead"], article["body_html"], seen) == expected
            compared += 1
    assert compared > 800


def test_long_texts_stop_at_the_scan_limit() -> None:
    analyzer = analyzer_for("ukrainian")
    query = parse("удар Харків", analyzer)
    body = "<p>" + " ".join(["слово"] * (SCAN_LIMIT + 50)) + " удару по Харкову</p>"
    for lead in ("", "Удар по Харкову вночі.", "ʼ ʼ ʼ"):
        assert highlight(query, lead, body) == reference(query, lead, body)
    assert highlight(query, "", body).endswith(" …")
