"""Snippets are made with as little work per word as possible (`app.search.snippets`);
they must be exactly what the plain reading of the rule gives: `reference` below, the
first implementation, which analysed every word into a `Word`."""

import html
import json
import re
import sys
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.kit.html import text_of
from app.search.analysis import WORD, Word, analyzer_for, fold, is_word
from app.search.documents import ALTERNATIVE, Document
from app.search.query import Query, parse
from app.search.snippets import (
    LEAD_IN,
    SCAN_LIMIT,
    WINDOW,
    Seen,
    from_fts,
    from_positions,
    highlight,
)
from app.search.snippets import _skip as skip_words

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "quality_corpus.json").read_text(encoding="utf-8")
)
TEXT_SEARCH = {"ua": "ukrainian", "ru": "russian", "en": "english"}


def reference(query: Query, lead: str, body_html: str) -> str:
    text = " ".join(
        part for part in (" ".join(lead.split()), " ".join(text_of(body_html).split())) if part
    )
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
    for lead in (
        "",
        "Удар по Харкову вночі.",
        "ʼ ʼ ʼ",
        " Удар  по\nХаркову:\u00a010\u00a0000 ракет. ",
    ):
        assert highlight(query, lead, body) == reference(query, lead, body)
    assert highlight(query, "", body).endswith(" …")


@pytest.mark.parametrize(
    "lead",
    [
        "Удар \x01по\x02 Харкову",  # the sentinels `highlight` marks words with
        "\x02Удар\x01 по Харкову \x01\x02",
        "Удар\x1cпо\u2003Харкову,\t\x85 удару\u00a0 «удар»",  # whitespace to str.split
        "<удар> & «Харків» \"удару\" 'удар'",  # what is escaped
    ],
)
def test_texts_holding_sentinels_or_odd_whitespace_are_what_the_rule_gives(lead: str) -> None:
    query = parse("удар Харків", analyzer_for("ukrainian"))
    body = f"<p>{lead} і ще {lead}</p>"
    for text, body_html in ((lead, ""), (lead, body), ("", body)):
        assert highlight(query, text, body_html) == reference(query, text, body_html)
    assert "<mark>" in highlight(query, lead, body)


def _positions(literal: str) -> list[tuple[str, list[int]]]:
    """A `tsvector` literal's lexemes with their lead's and body's positions (weights B
    and C), as the snippet material's statement reads them on PostgreSQL (the lexemes
    this module writes need no unquoting)."""
    found = []
    for item in literal.split(" "):
        lexeme, _, at = item.strip("'").partition("':")
        kept = [int(p[:-1]) for p in at.split(",") if p[-1] in "BC"] if at else []
        if kept:
            found.append((lexeme, kept))
    return found


@pytest.mark.parametrize("lang", ["ua", "ru", "en"])
def test_snippets_from_the_index_are_what_the_rule_gives(lang: str) -> None:
    """Marks read from either database's index entry (PostgreSQL's positions, SQLite's
    primary lemmas and placed alternatives) give the snippet analysis gives. An SQLite
    entry written before its alternatives were placed hands a hit back to analysis when a
    query lemma is among its alternatives, and that happens for some but not most."""
    analyzer = analyzer_for(TEXT_SEARCH[lang])
    articles = CORPUS[lang]["articles"]
    documents = [
        Document.analyse(analyzer, a["title"], a["lead"], a["body_html"]) for a in articles
    ]
    compared = analysed = placed = 0
    for item in CORPUS[lang]["queries"]:
        query = parse(item["q"], analyzer)
        terms = {*query.lemmas, *(ALTERNATIVE + lemma for lemma in query.lemmas)}
        for article, document in zip(articles, documents, strict=True):
            expected = reference(query, article["lead"], article["body_html"])
            lexemes = [f for f in _positions(document.tsvector()) if f[0] in terms]
            marks = from_positions(article["title"], article["lead"], lexemes)
            assert marks is not None
            assert highlight(query, article["lead"], article["body_html"], {}, marks) == expected
            fts = document.fts_columns()
            columns = (fts["lead"], fts["body"], fts["lead_alt"], fts["body_alt"])
            marks = from_fts(query, article["lead"], *columns, fts["alternatives_at"])
            assert marks is not None
            assert highlight(query, article["lead"], article["body_html"], {}, marks) == expected
            placed += any(
                f" {lemma} " in f" {fts['lead_alt']} {fts['body_alt']} " for lemma in query.lemmas
            )
            unplaced = from_fts(query, article["lead"], *columns)  # an entry from before
            if unplaced is None:
                analysed += 1
            else:
                assert (
                    highlight(query, article["lead"], article["body_html"], {}, unplaced)
                    == expected
                )
            compared += 1
    assert compared > 800
    assert analysed == placed < compared / 2
    assert placed > 0 or lang == "en"  # the test meets placed alternatives (none in English)


def test_marks_that_do_not_line_up_are_refused() -> None:
    """An index entry of another text (made by another analysis) is not read as this one's."""
    analyzer = analyzer_for("ukrainian")
    query = parse("удар", analyzer)
    document = Document.analyse(analyzer, "Заголовок", "Удар по місту.", "<p>Удару не було</p>")
    fts = document.fts_columns()
    assert from_fts(query, "Удар по місту вночі.", fts["lead"], fts["body"], "", "") is None
    marks = from_fts(query, "Удар по місту.", fts["lead"], fts["body"], "", "")
    assert marks is not None
    assert marks.before(6) == [(0, ("удар",)), (3, ("удар",))]
    assert marks.before(3) == [(0, ("удар",))]
    # Placed alternatives («Києві»: кий, then київ) that are not this entry's: refused.
    query = parse("Київ удар", analyzer)
    placed = Document.analyse(analyzer, "", "Удар по Києві.", "").fts_columns()
    assert placed["lead_alt"] and placed["alternatives_at"], placed
    columns = ("Удар по Києві.", placed["lead"], "", placed["lead_alt"], "")
    marks = from_fts(query, *columns, placed["alternatives_at"])
    assert marks is not None and marks.before(3)[-1] == (2, ("київ",))
    assert (marks.first, marks.last) == (0, 2)
    # A placed alternative alone: the first and the last hit.
    alone = from_fts(parse("Київ", analyzer), *columns, placed["alternatives_at"])
    assert alone is not None and (alone.first, alone.last) == (2, 2)
    none = from_fts(parse("місто", analyzer), *columns, placed["alternatives_at"])
    assert none is not None and (none.first, none.last) == (-1, -1)
    numbers = placed["alternatives_at"]
    for wrong in (f"{numbers} 7", " ".join("x" for _ in numbers.split())):  # one too many; none
        assert from_fts(query, *columns, wrong) is None
    query = parse("удар", analyzer)
    lexemes = [f for f in _positions(document.tsvector()) if f[0] == "удар"]
    marks = from_positions("Заголовок", "Удар по місту.", lexemes)
    assert marks is not None and (marks.first, marks.last) == (0, 3)
    assert marks.before(6) == [(0, ("удар",)), (3, ("удар",))]
    # A longer title moves every position: the lead's hit would land in the title.
    assert from_positions("Заголовок про все", "Удар по місту.", lexemes) is None
    # A lexeme at PostgreSQL's cap of positions has repeats without one: analysed instead.
    lead = "удар " * 300
    for kept, expected in ((254, 254), (255, None)):
        at = list(range(2, 2 + kept))
        marks = from_positions("", lead, [("удар", at)])
        assert (marks if marks is None else marks.last + 1) == expected
    # The title's positions are not read: as many fewer may have been, at the cap.
    for kept, expected in ((252, 252), (253, None)):
        at = list(range(4, 4 + kept))
        marks = from_positions("Удар удар", lead, [("удар", at)])
        assert (marks if marks is None else marks.last + 1) == expected


@pytest.mark.parametrize(
    "spaced",
    [
        lambda lead, body: (f"{lead}  ", body),  # a double space where they meet
        lambda lead, body: (f" {lead}", f"{body}\t"),  # whitespace at either end
        lambda lead, body: (f"\t{lead}", f"{body}\n"),
        lambda lead, body: ("", f"{lead}  {body}"),  # the lead's lemmas in the body's
        lambda lead, body: (lead.replace(" ", "   "), body.replace(" ", "\n")),
    ],
)
def test_lemma_columns_not_one_space_apart_are_read_as_written(spaced: Any) -> None:
    """SQLite: lead and body lemma columns with other whitespace (not as the index writes
    them) give the marks of the columns as written: their words, one space apart."""
    analyzer = analyzer_for("ukrainian")
    lead_text, body = "Удар по Києву вночі.", "<p>Після удару по Києву — тиша.</p>"
    fts = Document.analyse(analyzer, "Заголовок", lead_text, body).fts_columns()
    query = parse("удар Київ", analyzer)
    written = from_fts(query, lead_text, fts["lead"], fts["body"], "", "")
    lead, lemmas = spaced(fts["lead"], fts["body"])
    if len(lead.split()) != len(fts["lead"].split()):  # the lead's words counted apart
        assert from_fts(query, lead_text, lead, lemmas, "", "") is None
        lead_text, lead, lemmas = "", "", f"{fts['lead']} {fts['body']}".replace(" ", "  ")
    marks = from_fts(query, lead_text, lead, lemmas, "", "")
    assert written is not None and marks is not None
    assert marks.before(99) == written.before(99) != []
    assert (marks.first, marks.last) == (written.first, written.last)


def test_every_letter_but_the_modifier_apostrophe_is_a_word() -> None:
    """`is_word` (how snippets count words without analysing them) agrees with what the
    analysers keep, over every alphanumeric code point."""
    simple = analyzer_for("simple")
    for code in range(sys.maxunicode + 1):
        letter = chr(code)
        if letter.isalnum():
            assert is_word(letter) == bool(simple.lemmas(fold(letter))[0]), hex(code)
    for word in ("ʼ", "ʼʼ", "ʼ'ʼ", "пам'ять", "ʼa", "Oʼ"):
        assert is_word(word) == bool(simple.lemmas(fold(word))[0]), word


@pytest.mark.parametrize("where", ["before the window", "after the window", "after a later window"])
def test_marks_past_the_text_s_end_are_left_out(where: str) -> None:
    """An entry made from a longer version of the body places hits past the text's last
    word: the snippet is the one the text itself gives (those hits never met), whether the
    window would have started past the end, the missing hit lies after it, or after the
    first window that shows every clause (not the first hit's: the hits after that window
    are not looked for)."""
    analyzer = analyzer_for("ukrainian")
    lead = "Удар по місту."
    words = [f"слово{n}" for n in range(60)]
    if where == "before the window":
        query = parse("удар", analyzer)
        indexed = " ".join([*words[:20], "удар", *words[20:]])
        shown = " ".join(words[:10])
        lead = "Вночі було тихо."
    elif where == "after a later window":
        query = parse("удар місто", analyzer)
        lead = "Удар по селу."
        tokens = [*words[:37], "удар", *words[37:41], "місто", *words[41:50], "удар"]
        indexed = " ".join(tokens)
        shown = " ".join(tokens[:50])
    else:
        query = parse("удар місто", analyzer)
        lead = "Удар по селу."
        # By the entry, the window with both words is the later one; in the text, «удар»
        # is alone there and the first window is the snippet's.
        tokens = [*words[:37], "удар", *words[37:41], "місто", *words[41:]]
        indexed = " ".join(tokens)
        shown = " ".join(tokens[:40])
    document = Document.analyse(analyzer, "Заголовок", lead, f"<p>{indexed}</p>")
    fts = document.fts_columns()
    marks = from_fts(query, lead, fts["lead"], fts["body"], "", "")
    assert marks is not None and marks.last > len(shown.split()) + 3
    body = f"<p>{shown}</p>"
    assert highlight(query, lead, body, {}, marks) == reference(query, lead, body)


# Texts of words, apostrophes, underscores, digits and what lies between them.
_PIECES = st.sampled_from(
    ["слово", "Київ", "don't", "під'їзд", "a_b", "x", "ж", "2024", "9,5", "rock'n'roll",
     "l’homme", "`", "'", "’", "‘", "_", "__", " ", "  ", ", ", ".\n", "-", "—", "«", "»",
     "\x00", "\u00a0", "ß", "٣", "文字"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=300).map("".join), st.integers(0, 40), st.integers(-2, 400))
def test_words_are_skipped_as_they_are_counted(text: str, at: int, n: int) -> None:
    """`_skip` (past n words in a few regex matches) ends where the n-th of
    `WORD.finditer`'s matches from the same place ends, and the matches after it are
    the same."""
    at = min(at, len(text))
    found = list(WORD.finditer(text, at))
    taken = found[: max(n, 0)]
    skipped, end = skip_words(text, at, n)
    assert skipped == len(taken)
    assert end == (taken[-1].end() if taken else at)
    assert [m.span() for m in WORD.finditer(text, end)] == [m.span() for m in found[len(taken) :]]


# `WORD` as it was written before it was made possessive (stop 61): the index's positions
# and the snippets' word numbers both count its matches, so its matches must not move.
_GREEDY_WORD = re.compile(r"[^\W_]+(?:['’ʼ‘`][^\W_]+)*")


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=300).map("".join), st.integers(0, 40))
def test_the_possessive_word_matches_what_the_greedy_one_did(text: str, at: int) -> None:
    """`WORD`'s possessive quantifiers find the same words at the same places as the
    greedy pattern the index was built with, from any place in the text."""
    at = min(at, len(text))
    assert [m.span() for m in WORD.finditer(text, at)] == [
        m.span() for m in _GREEDY_WORD.finditer(text, at)
    ]
