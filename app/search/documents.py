"""A translation's text to the search index's row content: pure, no database.

`analyse` is what `app.search.index` writes for each translation, and what
`newsdesk search-reindex --jobs N` runs in worker processes: it imports only the
analysers (`app.search.analysis`) and the HTML text extraction, and returns plain strings,
cheap to send back to the writing process.

Per dialect, the columns of an entry (`COLUMNS`):

- PostgreSQL: `vector`, a `tsvector` literal (no text search configuration involved):
  primary lemmas at their positions, the alternatives as `~lemma` at the same positions;
  weights A (title), B (lead), C (body); fields are a position apart so a phrase never
  runs from one into the next. `head`: the same for title and lead only, and each of
  their lexemes again without position, marked by its field (`FIELD_MARKS`: `^lemma` in
  the title, `+lemma` in the lead, `^~lemma` for an alternative), so that GIN tells a
  word of the title from one of the lead by itself: a weight in a query makes it read
  every candidate's `head` to check (150 ms for «президент» in Ukrainian titles at 100k
  articles, where the marks take under a millisecond). `pairs`: each
  pair of primary lemmas at neighbouring (kept) positions as one lexeme `a_b`, without
  positions, which a phrase's candidates are found by (`app.search.query`). Each of the
  three also holds the lexeme `@<language>` (no position), so that GIN finds a language's
  hits without reading a row (a word can be frequent in one language and rare in another:
  «президент» in Ukrainian and Russian).
- SQLite: the FTS5 columns, the primary lemmas of each field in `title`/`lead`/`body`
  and the alternatives in `*_alt`; the title's and lead's four columns again in a second
  FTS5 table, the head (`SQLITE_HEAD`); each field's pairs of neighbouring primary lemmas
  (`a_b`, one token) in a third, the pairs table (`SQLITE_PAIRS`), which a query of
  two-word phrases reads as one token's document list (FTS5 checks a phrase's positions
  in every document that has both words: 12.6 ms for «"Kyiv NATO"» at 100k articles).
  The title and lead tiers read the head's short document lists, where the FTS5 table's
  hold every document with the word, body included (3-10 ms against 0.3-1.5 ms for a
  two-word query at 100k articles). Every table's `language` column holds the language's
  token (`fts_language`), so that FTS5 gives a language's hits alone, none looked up in
  another table to be dropped. The alternatives have no place in FTS5 (a column's tokens
  are its words in order, one each), so `search_documents.alternatives_at` says where
  they are, for snippets: for each alternative of `lead_alt` then `body_alt`, in order, its
  word's number among the lead's and the body's words.
"""

import itertools
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.kit.html import text_of
from app.search.analysis import Analyzer, analyzer_for

FIELDS = ("title", "lead", "body")
WEIGHTS = ("A", "B", "C")
# PostgreSQL keeps positions up to 16383 and 256 per lexeme; both databases index the
# same words, so longer texts are cut at the same word everywhere.
MAX_POSITIONS = 16_000
MAX_POSITIONS_PER_TERM = 255
# ... and at most 1 MB of distinct lexemes per tsvector: a text of that many different
# words (only made up ones come near) is cut at the word that would pass it.
MAX_LEXEME_BYTES = 1_000_000
ALTERNATIVE = "~"
# Joins the two lemmas of a pair. A document's pairs, too, stop at the one that would
# pass MAX_LEXEME_BYTES (only made-up words of 100 letters come near).
PAIR = "_"
# SQLite: what starts a pair's token in the pairs table, by field: a title's pair is
# `_a_b`, a lead's `__a_b`, a body's `a_b` (lemmas are letters and digits, so no token is
# two fields'). The title and lead tiers of a phrase then read their own short document
# lists: with one token for every field, FTS5 read the whole body's list to find a pair in
# the titles (8.7 ms for none of «"Дарина Соколова"» at 100k articles, in 143,367 bodies).
PAIR_MARKS = {"title": "_", "lead": "__", "body": ""}
# Starts the language's lexeme: no term has it (terms are letters and digits only).
LANGUAGE = "@"
# `head`'s marked lexemes: the field's weight to the mark starting its lexemes.
FIELD_MARKS = {"A": "^", "B": "+"}
# SQLite: each FTS5 table's columns: `FTS_TABLE`'s, the head table's (`FTS_HEAD_TABLE`)
# and the pairs table's (`FTS_PAIRS_TABLE`).
SQLITE_FTS = ("title", "lead", "body", "title_alt", "lead_alt", "body_alt", "language")
SQLITE_HEAD = ("title", "lead", "title_alt", "lead_alt", "language")
SQLITE_PAIRS = ("title_pairs", "lead_pairs", "body_pairs", "language")
# ... and `search_documents.alternatives_at`, where the alternatives are (`fts_columns`).
SQLITE_PLACES = "alternatives_at"
COLUMNS = {
    "postgresql": ("vector", "head", "pairs"),
    "sqlite": tuple(dict.fromkeys((*SQLITE_FTS, *SQLITE_PAIRS, SQLITE_PLACES))),
}

Lemmas = tuple[str, ...]
# A translation to analyse: id, its language, the language's analyser (`text_search`),
# title, lead, body.
Source = tuple[uuid.UUID, str, str, str, str, str]
# Its index content: id and the values of the dialect's `COLUMNS`.
Entry = tuple[uuid.UUID, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Document:
    """A translation's analysed text: per field, per word, its lemmas."""

    fields: tuple[list[Lemmas], list[Lemmas], list[Lemmas]]

    @classmethod
    def analyse(cls, analyzer: Analyzer, title: str, lead: str, body_html: str) -> "Document":
        budget = MAX_POSITIONS
        lexemes: set[str] = set()
        size = 0
        fields: list[list[Lemmas]] = []
        for text_ in (title, lead, text_of(body_html)):
            words = []
            for word in analyzer.words(text_):
                if budget <= 0:
                    break
                for i, lemma in enumerate(word.lemmas):
                    lexeme = lemma if i == 0 else ALTERNATIVE + lemma  # as `tsvector` writes
                    if lexeme not in lexemes:
                        lexemes.add(lexeme)
                        size += len(lexeme.encode())
                if size > MAX_LEXEME_BYTES:  # this word would pass it: the text ends before
                    budget = 0
                    break
                words.append(word.lemmas)
                budget -= 1
            fields.append(words)
        return cls((fields[0], fields[1], fields[2]))

    def tsvector(self, fields: int = 3, language: str | None = None, marked: bool = False) -> str:
        """The first `fields` fields (3: all; 2: title and lead) as a tsvector literal, and
        the `language`'s lexeme; `marked`: with `head`'s marked lexemes."""
        positions: dict[str, list[str]] = defaultdict(list)
        position = 0
        for words, weight in zip(self.fields[:fields], WEIGHTS[:fields], strict=True):
            for lemmas in words:
                position += 1
                for i, lemma in enumerate(lemmas):
                    term = lemma if i == 0 else ALTERNATIVE + lemma
                    at = positions[term]
                    if len(at) < MAX_POSITIONS_PER_TERM:
                        at.append(f"{position}{weight}")
            position += 1
        return tsvector_literal(positions, language, marked)

    def pairs(self, language: str | None = None) -> str:
        """The `pairs` tsvector literal: the primary lemmas at neighbouring positions that
        `tsvector()` keeps (the per-term cap applied the same way), joined by PAIR."""
        kept: dict[str, int] = defaultdict(int)
        pairs: dict[str, None] = {}  # in order of first appearance
        size = 0
        for words in self.fields:
            previous = None
            for lemmas in words:
                primary = lemmas[0]
                if kept[primary] < MAX_POSITIONS_PER_TERM:
                    kept[primary] += 1
                    if previous is not None:
                        pair = f"{previous}{PAIR}{primary}"
                        if pair not in pairs:
                            size += len(pair.encode())
                            if size > MAX_LEXEME_BYTES:
                                return pairs_literal(pairs, language)
                            pairs[pair] = None
                    previous = primary
                else:
                    previous = None
        return pairs_literal(pairs, language)

    def fts_columns(self) -> dict[str, str]:
        columns = {}
        for name, words in zip(FIELDS, self.fields, strict=True):
            columns[name] = " ".join(lemmas[0] for lemmas in words)
            columns[f"{name}_alt"] = " ".join(alt for lemmas in words for alt in lemmas[1:])
            columns[f"{name}_pairs"] = fts_pairs(columns[name], name)
        # Each alternative of `lead_alt` then `body_alt`: its word's number in lead + body.
        _, lead, body = self.fields
        numbers = (str(i) for i, lemmas in enumerate(lead + body) for _ in lemmas[1:])
        columns[SQLITE_PLACES] = " ".join(numbers)
        return columns

    def columns(self, dialect: str, language: str | None = None) -> tuple[str, ...]:
        """The values of `COLUMNS[dialect]`."""
        if dialect == "postgresql":
            return (
                self.tsvector(language=language),
                self.tsvector(2, language, marked=True),
                self.pairs(language),
            )
        fts = {**self.fts_columns(), "language": fts_language(language)}
        return tuple(fts[name] for name in COLUMNS["sqlite"])


def fts_pairs(primaries: str, field: str) -> str:
    """SQLite: a field's pairs column from its primary lemmas (one space apart, as its
    FTS5 column holds them): each pair of neighbours as one token `a_b`, marked by the
    field (PAIR_MARKS). Every pair, as FTS5 finds a phrase at any position (PostgreSQL's
    `pairs` stop with its positions)."""
    mark = PAIR_MARKS[field]
    return " ".join(mark + PAIR.join(pair) for pair in itertools.pairwise(primaries.split()))


def fts_language(language: str | None) -> str:
    """SQLite: a language's token in the FTS5 `language` column: its code as one token
    (the tokenizer would split `pt-br` in two, and `pt` would then find it). Codes are 2-3
    letters, then perhaps `-` and 2-4 letters or digits, so `0` for `-` keeps them apart
    (and for anything else, which no code has, so that no code can break a query)."""
    return "" if language is None else re.sub(r"[^a-z0-9]", "0", language)


def tsvector_literal(
    positions: dict[str, list[str]], language: str | None, marked: bool = False
) -> str:
    """A tsvector literal of terms at their labelled positions ("12B"), then, `marked`,
    each term again without position per field it is in (`FIELD_MARKS`, by the labels'
    weights), then the language's lexeme."""
    items = [f"'{term}':{','.join(at)}" for term, at in positions.items()]
    if marked:
        items += [
            f"'{mark}{term}'"
            for weight, mark in FIELD_MARKS.items()
            for term, at in positions.items()
            if any(label.endswith(weight) for label in at)
        ]
    return " ".join(items + language_lexeme(language))


def language_lexeme(language: str | None) -> list[str]:
    """The language's lexeme in a tsvector literal (none without a language)."""
    if language is None:
        return []
    quoted = (LANGUAGE + language).replace("\\", "\\\\").replace("'", "''")
    return [f"'{quoted}'"]


def pairs_literal(pairs: Iterable[str], language: str | None) -> str:
    """A `pairs` tsvector literal: the pairs, then the language's lexeme."""
    return " ".join([f"'{pair}'" for pair in pairs] + language_lexeme(language))


def analyse(dialect: str, sources: Sequence[Source]) -> list[Entry]:
    """The index content of each source, in order."""
    return [
        (
            ident,
            Document.analyse(analyzer_for(text_search), title, lead, body).columns(
                dialect, language
            ),
        )
        for ident, language, text_search, title, lead, body in sources
    ]
