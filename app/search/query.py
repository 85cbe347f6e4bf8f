"""Search queries: a reader's text to a safe match on either database.

The syntax is deliberately small: words (all of them must occur, in any form) and quoted
phrases ("..." or «...» or “...”: the words in that order, next to each other, within one
field). Everything else — operators, brackets, SQL — is punctuation and ignored; the
database never sees the reader's text, only lemmas (letters and digits) in a query this
module writes.
"""

import itertools
import json
import math
import re
import time
import unicodedata
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from sqlalchemy import TextualSelect, Uuid, column, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Unprocessable
from app.kit.statements import Binder, Statements
from app.models.search import FTS_HEAD_TABLE, FTS_PAIRS_TABLE, FTS_TABLE
from app.search.analysis import Analyzer, Reading
from app.search.documents import FIELD_MARKS, PAIR, PAIR_MARKS, fts_language, language_lexeme
from app.search.estimate import STATISTICS_SECONDS, STATISTICS_SQL, Statistics
from app.search.index import ALTERNATIVE

MAX_LENGTH = 200
MAX_CLAUSES = 12
MAX_PHRASE_VARIANTS = 16
_QUOTED = re.compile(r"[\"«“„](.*?)(?:[\"»”“]|$)", re.S)


@dataclass(frozen=True, slots=True)
class Term:
    """A word: matches any of its lemmas, primary or alternative, in any field."""

    lemmas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words: matches any of its variants' primary lemmas in one field."""

    variants: tuple[tuple[str, ...], ...]

    @property
    def lemmas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lemma for variant in self.variants for lemma in variant))


Clause = Term | Phrase


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[Clause, ...]
    analyzer: Analyzer
    # For snippets, worked out once per query: each clause's lemmas, and all of them.
    clause_lemmas: tuple[frozenset[str], ...] = field(init=False, compare=False)
    lemmas: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        per_clause = tuple(frozenset(clause.lemmas) for clause in self.clauses)
        object.__setattr__(self, "clause_lemmas", per_clause)
        object.__setattr__(self, "lemmas", frozenset().union(*per_clause))


def _invalid(detail: str) -> Unprocessable:
    return Unprocessable.at(["query", "q"], detail, msg="Invalid search query", type="search")


def parse(q: str, analyzer: Analyzer) -> Query:
    """The reader's text as clauses; 422 when there is nothing (or too much) to look for,
    or for a control character (NUL included): no reader types one."""
    for ch in q:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise _invalid(f"The query contains the control character U+{ord(ch):04X}.")
    q = unicodedata.normalize("NFC", q)  # as the text it is matched against was stored
    clauses: list[Clause] = []
    seen: set[Clause] = set()
    position = 0
    pieces: list[tuple[str, bool]] = []
    for match in _QUOTED.finditer(q):
        pieces.append((q[position : match.start()], False))
        pieces.append((match.group(1), True))
        position = match.end()
    pieces.append((q[position:], False))
    for piece, quoted in pieces:
        # A phrase's words are read every way (the text's context decides; a phrase
        # matches primary lemmas only); a word alone by its capital (`Reading`).
        phrase = [word.lemmas for word in analyzer.words(piece, reading=Reading.ALL)]
        new: list[Clause]
        if quoted and len(phrase) > 1:
            new = [Phrase(_variants(phrase))]
        else:
            new = [Term(word.lemmas) for word in analyzer.words(piece, query=True)]
        for clause in new:
            if clause not in seen:
                seen.add(clause)
                clauses.append(clause)
    if not clauses:
        raise _invalid("The query has no words to search for.")
    if len(clauses) > MAX_CLAUSES:
        raise _invalid(f"At most {MAX_CLAUSES} words or phrases per query.")
    return Query(tuple(clauses), analyzer)


def _variants(words: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Every reading of a phrase's words, fewest alternatives first, at most 16."""
    options = [list(lemmas) for lemmas in words]
    while math.prod(len(lemmas) for lemmas in options) > MAX_PHRASE_VARIANTS:
        widest = max(range(len(options)), key=lambda i: (len(options[i]), -i))
        options[widest].pop()
    return tuple(itertools.product(*options))


# --- PostgreSQL: a tsquery literal over the weighted tsvector --------------------------


def _pg_lexeme(term: str, weight: str) -> str:
    return f"'{term}'{':' + weight if weight else ''}"


def _pg_clause(clause: Clause, weight: str) -> str:
    if isinstance(clause, Term):
        # In a field, by `head`'s marked lexemes (no weight: GIN answers by itself).
        mark = FIELD_MARKS.get(weight, "")
        parts = [
            _pg_lexeme(mark + term, "")
            for lemma in clause.lemmas
            for term in (lemma, ALTERNATIVE + lemma)
        ]
    else:
        parts = [_pg_phrase(variant, weight) for variant in clause.variants]
    return "(" + " | ".join(f"({p})" for p in parts) + ")"


def _pg_phrase(variant: tuple[str, ...], weight: str) -> str:
    """A phrase's words at neighbouring positions; in a field, its candidates come from
    the marks first (every word in that field), so fewer `head`s are read to check."""
    positions = " <-> ".join(_pg_lexeme(lemma, weight) for lemma in variant)
    mark = FIELD_MARKS.get(weight)
    if mark is None:
        return positions
    candidates = [_pg_lexeme(mark + lemma, "") for lemma in dict.fromkeys(variant)]
    return " & ".join([*candidates, f"({positions})"])


def tsquery(query: Query, weight: str = "") -> str:
    return " & ".join(_pg_clause(clause, weight) for clause in query.clauses)


def pairs_tsquery(query: Query) -> str | None:
    """The query's phrases as pairs of neighbouring lemmas, over `search_documents.pairs`:
    no positions and no weights, so the GIN index answers it without reading a single
    document. A two-word phrase is its pair; a longer one needs its positions checked."""
    parts = []
    for clause in query.clauses:
        if isinstance(clause, Phrase):
            variants = (
                " & ".join(f"'{a}{PAIR}{b}'" for a, b in itertools.pairwise(variant))
                for variant in clause.variants
            )
            parts.append("(" + " | ".join(f"({v})" for v in variants) + ")")
    return " & ".join(parts) or None


# --- SQLite: an FTS5 query over the primary and alternative columns ---------------------

_FTS_FIELDS = {"": "title lead body", "A": "title", "B": "lead"}


def _fts_clause(clause: Clause, weight: str, pairs: bool) -> str:
    fields = _FTS_FIELDS[weight]
    if isinstance(clause, Term):
        columns = " ".join(f"{f} {f}_alt" for f in fields.split())
        terms = " OR ".join(f'"{lemma}"' for lemma in clause.lemmas)
        return f"({{{columns}}} : ({terms}))"
    if pairs:  # each variant one token of the pairs table per field (`_pairs_only`)
        tokens = " OR ".join(
            f'"{PAIR_MARKS[f]}{PAIR.join(variant)}"'
            for variant in clause.variants
            for f in fields.split()
        )
        return f"({tokens})"
    phrases = " OR ".join('"' + " ".join(variant) + '"' for variant in clause.variants)
    return f"({{{fields}}} : ({phrases}))"


def fts_query(query: Query, weight: str = "") -> str:
    """SQLite: the FTS5 query of `_fts_table(query, weight)`."""
    pairs = _pairs_only(query)
    return " AND ".join(_fts_clause(clause, weight, pairs) for clause in query.clauses)


def _pairs_only(query: Query) -> bool:
    """SQLite: every clause is a phrase of two words, so the pairs table answers the
    query alone: each variant is one token there, its document list the phrase's hits."""
    return all(isinstance(c, Phrase) and len(c.variants[0]) == 2 for c in query.clauses)


def _fts_table(query: Query, field: str) -> str:
    """SQLite: the FTS5 table a query's matches in a field are read from: the pairs table
    for two-word phrases alone; otherwise the head table for the title or the lead (their
    words' document lists alone, where the FTS5 table's hold every document with the
    word, body included), the FTS5 table for anywhere."""
    if _pairs_only(query):
        return FTS_PAIRS_TABLE
    return FTS_HEAD_TABLE if field else FTS_TABLE


def _fts_match(query: Query, field: str, bind: Binder, language: str | None = None) -> str:
    """SQLite: the FTS5 row (of `_fts_table(query, field)`, named as the table) matches in
    `field` (and is in `language`, when given: FTS5 then gives that language's hits
    alone)."""
    match = fts_query(query, field)
    if language is not None:
        match = f'{match} AND ({{language}} : "{fts_language(language)}")'
    return f"{_fts_table(query, field)} MATCH {bind(match)}"


# --- Both: which translations match, by tier ----------------------------------------------
#
# Written as SQL text over the tables' own names (`translations`, `search_documents`, the
# FTS5 tables), each value bound by a `Binder` (`app.kit.statements`): a condition is text
# about the row of `translations` of the statement it is put in.


def _pg_conditions(query: Query, field: str, language: str | None = None) -> list[tuple[str, str]]:
    """PostgreSQL: the row of `search_documents` (in `language`, when given) matches in
    `field` when each of these columns matches its tsquery. Anywhere (the whole `vector`),
    a phrase's candidates come from its pairs: when every phrase is two words the pairs
    are the answer (a pair is two words at neighbouring positions) and GIN answers the
    whole query from its index, never reading a document; a longer phrase has its
    positions checked on the pairs' candidates only. The language is a lexeme of each
    column (`app.search.documents`), so GIN finds a language's hits by itself."""
    if field:
        return [("head", _in_language(tsquery(query, field), language))]
    pairs = pairs_tsquery(query)
    if pairs is None:
        return [("vector", _in_language(tsquery(query), language))]
    by_pairs = ("pairs", _in_language(pairs, language))
    if any(len(v) > 2 for c in query.clauses if isinstance(c, Phrase) for v in c.variants):
        checked = tsquery(query)
    else:
        terms = Query(tuple(c for c in query.clauses if not isinstance(c, Phrase)), query.analyzer)
        if not terms.clauses:
            return [by_pairs]
        checked = tsquery(terms)
    return [by_pairs, ("vector", checked)]


def _pg_match(query: Query, field: str, bind: Binder, language: str | None = None) -> str:
    """PostgreSQL: the row of `search_documents` matches in `field` (`_pg_conditions`)."""
    matches = [
        f"search_documents.{column} @@ CAST({bind(text)} AS tsquery)"
        for column, text in _pg_conditions(query, field, language)
    ]
    return matches[0] if len(matches) == 1 else "(" + " AND ".join(matches) + ")"


def _in_language(text: str, language: str | None) -> str:
    return text if language is None else f"({text}) & {language_lexeme(language)[0]}"


def _ids(
    query: Query, dialect: str, bind: Binder, field: str = "", language: str | None = None
) -> str:
    """The ids of the translations whose `field` ("A": title, "B": lead, "": any) has every
    clause, as a statement (on PostgreSQL, of `language` only, when given: SQLite's page
    query filters it)."""
    ids = "SELECT search_documents.translation_id FROM search_documents"
    if dialect == "postgresql":
        return f"{ids} WHERE {_pg_match(query, field, bind, language)}"
    fts = _fts_table(query, field)
    match = _fts_match(query, field, bind)
    return f"{ids} JOIN {fts} ON {fts}.rowid = search_documents.id WHERE {match}"


def matching_ids(query: Query, dialect: str, prefix: str = "q") -> TextualSelect:
    """The ids of the translations that match, for `IN` conditions of the ORM's statements
    (the admin list): the same text, its values named after `prefix` (one per statement)."""
    bind = Binder(prefix)
    ids = text(_ids(query, dialect, bind)).bindparams(**bind.values)
    return ids.columns(column("translation_id", Uuid()))


def _among_rowids(rowids: list[int], bind: Binder) -> str:
    """SQLite: the translation's document is one of these FTS5 rowids (one parameter)."""
    return _documents_of(_rowids_in(rowids, bind))


def _rowids_in(rowids: list[int], bind: Binder) -> str:
    """SQLite: the search document (`search_documents.id`, the FTS5 rowid) is one of these
    (one parameter)."""
    return f"search_documents.id IN (SELECT value FROM json_each({bind(json.dumps(rowids))}))"


def _documents_of(condition: str) -> str:
    """SQLite: the translation's document meets `condition` (on `search_documents`)."""
    return (
        "translations.id IN (SELECT search_documents.translation_id FROM search_documents"
        f" WHERE {condition})"
    )


async def plan_for_values(session: AsyncSession) -> None:
    """PostgreSQL: plan the rest of this transaction's statements for the values they are
    run with. The driver prepares each statement once per connection, and after five runs
    PostgreSQL may switch to a generic plan, made without the values: for `vector @@ $3`
    it guessed 1,198 hits whatever the words and scanned every document, 2.3 s at 100k
    articles for a word found in a few (the custom plans take 5 ms through GIN)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


# What a driving tier's page query names on SQLite after `translations`: its planner
# would take the primary key, whose rows it must then read past their bodies.
BY_ID = "INDEXED BY ix_translations_by_id"

# Conditions that hold for every row, and for none (SQLite has no `true` before 3.23).
ALWAYS = "1 = 1"
NEVER = "1 = 0"


# A query with at most this many hits in the page's language is paged in one statement,
# all its hits ranked and sorted (`Tiers.joint`): each is looked up by id (~3.3 µs on
# SQLite), so the statement costs what two statements' overhead does at about 200.
JOINT = 200


@dataclass(frozen=True, slots=True)
class Joint:
    """Every tier at once: the condition on `translations` (the query's hits), and each
    hit's rank (0: title, 1: lead, 2: elsewhere) for the page's order, as SQL text."""

    condition: str
    rank: str


@dataclass(frozen=True, slots=True)
class Tier:
    """One rank of hits: the condition on `translations` (SQL text), and whether the page query
    should start from the hits (`drive`: few of them) rather than walk the language's
    newest-first index and test each row (many of them); PostgreSQL, a listed tier of more
    than PG_WALK_LISTED hits: how many (`hits`), and their share of the language's public
    versions (`density`), for `window`; SQLite, a driving tier: its condition on the
    search documents (`documents`), a walked one: its FTS5 table and query (`scan`)."""

    condition: str
    drive: bool = False
    hits: int = 0
    density: float = 0.0
    # SQLite, a driving tier: the same condition on `search_documents` (its FTS5 rowids,
    # none of a better tier's), for the page to take the newest public of them from the
    # documents' copies of the translation's columns (`app.public.service`).
    documents: str | None = None
    # SQLite, a walked tier: its hits, none of a better tier's, as one FTS5 table and the
    # placeholder of its query there (`_sqlite_scan`), for the page to read its newest
    # rowids first (`app.public.service`).
    scan: tuple[str, str] | None = None

    def window(self, need: int) -> int | None:
        """PostgreSQL: how many of the language's newest public versions to look for
        `need` of this tier's hits among before driving it (PG_WALK_LISTED); None: drive
        it at once."""
        if not self.density:
            return None
        rows = math.ceil(WINDOW_MARGIN * need / self.density)
        return rows if rows <= 2 * self.hits else None


# A tier with fewer hits than its language's threshold (`Tiers._frequent`) is read by id
# from the search index and sorted; a tier with more is left to walk the language's
# newest-first index, testing each row, until a page is full. Around the threshold both
# cost about the same; far from it the right one is ~100× faster (bench/search-latency).
# Neither database can tell on its own: SQLite knows nothing of FTS5 selectivity,
# PostgreSQL guesses rare terms far too common.
#
# PostgreSQL: listing costs about as much a hit whatever the archive (~2.5 µs: GIN, then
# the document's row for its translation id; then the page looks each up), a walk about
# as much a row walked, ~20 × versions / hits rows: the two meet near the square root of
# 20 × versions, and the threshold is FREQUENT_PER_ROOT × √versions of the page's language,
# at most FREQUENT. At 100k articles (80,000 versions a language) that is ~1,000: a title
# of two common words (2,872 hits of «after approved») took 6.6 ms to list and 3.1 ms to
# page, and the search p95 went 34.7 → 30.0 ms against 3,000 (bench/SEARCH-RESULTS.md,
# stop 52; 600 was worse again, 1,500 about the same). At 1,000,000 it is FREQUENT, as
# it was for every archive before.
FREQUENT = 3_000
FREQUENT_PER_ROOT = 3.5
# A phrase's anywhere tier is matched by its documents' `pairs` (`_pg_conditions`), a
# vector of every pair of neighbouring words, stored out of line: walked, a row costs
# reading it (~16 µs: «"банком Зеленский"» in Russian, 1,653 rows for 18 hits, 8.7
# buffers a row), about four times what a listed hit does (1,092 hits in 5.5 ms), so
# listing and walking meet near twice the language's threshold. At 100k articles that
# phrase's 1,000 Russian hits were walked in 24-28 ms; listed, with their title and lead
# flags (2.3-3.3 ms), then paged within the newest rows (2.3-2.6 ms), about 5-6.
PAIRS_FREQUENT = 2
# PostgreSQL lists a tier unless its estimate passes this: the planner's guess for words
# of one language is rough (it takes the language's lexeme as independent of the words),
# and a list of hits read for nothing costs a few milliseconds, while a walk of a
# language with few hits reads its whole newest-first index.
LIST_UNLESS_ESTIMATE = 30_000


# PostgreSQL: a listed tier with more hits than this may first be paged within the
# language's newest public rows (`Tier.window`), walking the newest-first index
# (`ix_translations_public_list`, index only) and testing each row against the hits,
# whose array is a constant in the custom plan: PostgreSQL tests a row by hashing it
# (~0.4 µs a row walked), where driving looks each hit up (~4 µs). The window is
# WINDOW_MARGIN pages' worth of hits at the tier's density among the language's
# versions (the planner's estimate of those), and only when that is at most twice the
# hits (its walk then costs at most a fifth of driving them); short of a page there
# (hits that are old, or sparser than the estimate), the tier is driven as before.
# «election» in English titles (1,208 hits): the page's statement 4.85 ms driven,
# 1.55 ms within 2,416 rows; an unbounded walk (0.58 ms here) would read the whole
# index for hits that are all old. Under PG_WALK_LISTED, driving is cheap enough.
PG_WALK_LISTED = 200
WINDOW_MARGIN = 1.5


# SQLite counts a tier's hits in the page's language alone (FTS5's `language` column), so
# its threshold is its own: driving costs ~3.3 µs a hit (each looked up in the search
# documents, then in `ix_translations_by_id`), a walk ~2 µs a row walked, about
# 20 × 80,000 / hits rows for a language of 80,000 versions at 100,000 articles, plus
# ~0.4 µs a hit to read them: the two cost the same near 1,000 hits. (Before the
# language column, FREQUENT hits in every language were about a thousand in each.) Since
# a page with no filter chooses a driving tier's newest hits from the search documents'
# copies (~0.5 µs a hit: `app.public.service`), listing the hits is most of driving's
# cost, and 2,000 was still slower (the bench's search p95 3.25-3.31× the list's against
# 2.99-3.08×).
SQLITE_FREQUENT = 1_000

# SQLite: a tier with more hits than this in the page's language (estimated) is tested
# row by row as the page walks the newest-first index, each row's document looked up in
# FTS5 by rowid (~40 µs); one with fewer has its FTS5 rowids read once into a temporary
# list (~0.4 µs a hit), and each row walked looks its document's id up in it
# (`_sqlite_among_hits`). A page walks about 20 × 80,000 / hits rows: the two cost about
# the same near 16,000 hits in one language (50,000 in all three before the language
# column: against 15,000 then, the title tier of «радою» 44 → 17 ms a search,
# «президента» in Russian 34 → 19 ms; bench/SEARCH-RESULTS.md).
DENSE = 16_000


# SQLite: FTS5 intersects a query with the language's token by reading the language's
# whole document list, about 2 ms for Russian or Ukrainian at 100k articles whatever the
# words' hits, where listing 10,000 more hits costs about as much. A big tier whose hits
# in the other languages are at most this many is walked against its hits in every
# language (the walk reads the page's language alone): the title tier of «києві» 5.1 →
# 3.2 ms for the page's statement, «president» in Ukrainian leads (16,902 hits, 14,868
# more in Russian) 7.3 → 4.2 ms.
OTHERS = 5_000


def _sqlite_among_hits(query: Query, field: str, language: str | None, bind: Binder) -> str:
    """SQLite: this translation's document is among the FTS5 hits of `field` in
    `language` (in any, for None: OTHERS), as a list of rowids made once for the
    statement (the subquery is not correlated). Mapping the hits to their translations
    first (a join to the search documents per hit) cost three times as much: 21 against
    8.6 ms for the title tier of «радою» (19,656 hits) at 100k articles."""
    fts = _fts_table(query, field)
    return (
        "(SELECT search_documents.id FROM search_documents"
        " WHERE search_documents.translation_id = translations.id)"
        f" IN (SELECT {fts}.rowid FROM {fts} WHERE {_fts_match(query, field, bind, language)})"
    )


# SQLite: a tier with fewer hits than this in every language is listed in every language
# (`_sqlite_listing`); its other languages' hits cost the page a lookup each (~3.3 µs).
FEW_EVERYWHERE = 128


def _sqlite_listing(query: Query, field: str, language: str, most: int, bind: Binder) -> str:
    """SQLite: the FTS5 rowids of the tier's hits (as a JSON array, at most `most`): in
    every language when they are fewer than FEW_EVERYWHERE (and `most`) there, else in
    `language`. FTS5 filters a language by reading its token's whole document list
    (`OTHERS`), which costs more than a rare word's hits; the page's statement keeps its
    language's hits alone (`app.public.service`), the same ones either way."""
    fts = _fts_table(query, field)
    few = min(FEW_EVERYWHERE, most)
    everywhere = f"SELECT {fts}.rowid AS rowid FROM {fts} WHERE {_fts_match(query, field, bind)}"
    in_language = (
        f"SELECT {fts}.rowid AS rowid FROM {fts} WHERE {_fts_match(query, field, bind, language)}"
    )
    # The hits everywhere read once (a CTE named twice is materialized): counting them
    # and then listing them read the same document lists twice (the title tier of
    # «даними енергетику», 3 hits: 2.5 ms, then 1.25).
    return (
        f"(WITH everywhere AS MATERIALIZED ({everywhere} LIMIT {few})"
        f" SELECT CASE WHEN (SELECT count(*) FROM everywhere) < {few}"
        " THEN (SELECT json_group_array(rowid) FROM everywhere)"
        f" ELSE (SELECT json_group_array(rowid) FROM ({in_language} LIMIT {most})) END)"
    )


def _sqlite_scan(
    query: Query, rank: int, bind: Binder, language: str | None = None
) -> tuple[str, str]:
    """SQLite: the tier of `rank` (`Tiers.FIELDS`) as one FTS5 query of one table: the
    tier's own FTS5 table (`_fts_table`), whose columns hold the better tiers' fields too,
    and its hits there NOT a better tier's (in `language`, when given). FTS5 reads such a
    query's document lists in either order, stopping when the reader does: the newest
    rowids of a word in 9,067 titles in 0.15 ms, where listing them all took 4.7
    (`app.public.service`); with the language's token, 257 of «президент» in Russian
    leads in 0.56 ms against 0.30 without, whose rowids hold as many Ukrainian hits."""
    fields = Tiers.FIELDS
    match = f"({fts_query(query, fields[rank])})"
    if rank:
        better = " OR ".join(f"({fts_query(query, fields[each])})" for each in range(rank))
        match = f"({match} NOT ({better}))"
    if language is not None:
        match = f'{match} AND ({{language}} : "{fts_language(language)}")'
    return _fts_table(query, fields[rank]), bind(match)


def _sqlite_probe(query: Query, field: str, bind: Binder) -> str:
    """SQLite: this translation's document matches in `field` (looked up by id)."""
    fts = _fts_table(query, field)
    return (
        f"EXISTS (SELECT 1 FROM search_documents JOIN {fts} ON {fts}.rowid = search_documents.id"
        f" WHERE {_fts_match(query, field, bind)}"
        " AND search_documents.translation_id = translations.id)"
    )


def _sqlite_matched(query: Query, field: str, bind: Binder) -> str:
    """SQLite: this search document matches in `field` (FTS5 looks its rowid up)."""
    fts = _fts_table(query, field)
    return (
        f"EXISTS (SELECT 1 FROM {fts} WHERE {fts}.rowid = search_documents.id"
        f" AND {_fts_match(query, field, bind)})"
    )


def _pg_probe(query: Query, field: str, bind: Binder) -> str:
    """PostgreSQL: this translation's document matches in `field` (looked up by id).

    A scalar subquery, which PostgreSQL runs per row as a filter of the walk, where an
    `EXISTS` is turned into a join: it then read every hit of the tier in every language
    to sort them (158 ms for the phrase «Дарина Соколова» in Ukrainian leads at 100k
    articles, against 6 ms for the walk)."""
    return (
        f"coalesce((SELECT {_pg_match(query, field, bind)} FROM search_documents"
        " WHERE search_documents.translation_id = translations.id), false)"
    )


# What earlier searches found out about big tiers, kept for TIER_SIZES_SECONDS: a tier
# found to have FREQUENT hits or more (SQLite: SQLITE_FREQUENT in the page's language) is
# not listed again to find that out. Listing one costs what its index holds for the
# words, not the page: GIN builds the bitmap of every hit before the first row
# (PostgreSQL, 100k articles: the lead tier of «президента» in Russian, 14,868 hits,
# 6-9 ms, for a page the walk then reads in 2 ms), FTS5 reads SQLITE_FREQUENT rowids
# (1.4-1.7 ms). A reader's next page, or another reader's search sharing a word, is
# planned from what was found. A verdict is a plan, never an answer: a tier taken for
# frequent is still matched row by row, so a stale one (articles taken down since) costs
# a longer walk for at most TIER_SIZES_SECONDS, and the page is the same. SQLite also
# keeps a tier found to have more than JOINT hits: its worse tiers are not listed with its
# own to page them at once (`Tiers.joint`). Rare tiers are not kept: their hits are listed
# for each page anyway.
TIER_SIZES = 4_096
TIER_SIZES_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Size:
    """What a listing found: at least `hits` hits (it stopped there), and, on SQLite,
    the estimated number in all (`Tiers._sqlite_hits`) and whether other languages have
    few."""

    hits: int
    estimate: float = 0.0
    # SQLite: the tier's hits in other languages are few (OTHERS), and its walk lists its
    # hits without FTS5's language filter (`Tiers._sqlite_big`).
    alone: bool = False


# Per engine (a serving process has one; tests make many), by language, field and the
# clauses' hash (`Tiers._key`); and PostgreSQL's estimate of each language's versions,
# by (language, "*", 0) (`Tiers._versions`).
_SIZES: "weakref.WeakKeyDictionary[Engine, TTLCache[Any, Size]]" = weakref.WeakKeyDictionary()


def tier_sizes(engine: Engine) -> "TTLCache[Any, Size]":
    """The big tiers this engine's searches found, each kept TIER_SIZES_SECONDS."""
    sizes = _SIZES.get(engine)
    if sizes is None:
        sizes = _SIZES[engine] = TTLCache(maxsize=TIER_SIZES, ttl=TIER_SIZES_SECONDS)
    return sizes


async def _explained(statements: Statements, sql: str, values: Mapping[str, Any]) -> float:
    """PostgreSQL's own row estimate for the statement `sql` (planning only, about a
    millisecond; planned for its values, `plan_for_values`)."""
    plan: Any = await statements.scalar(f"EXPLAIN (FORMAT JSON) {sql}", values)
    document = json.loads(plan) if isinstance(plan, str) else plan
    return float(document[0]["Plan"]["Plan Rows"])


# Per engine: PostgreSQL's statistics of the search index, and when they were read (None
# for a table never analysed, read again as often).
_STATISTICS: "weakref.WeakKeyDictionary[Engine, tuple[float, Statistics | None]]" = (
    weakref.WeakKeyDictionary()
)


async def _statistics(statements: Statements, engine: Engine) -> Statistics | None:
    """The search index's statistics as this engine's database has them, read again
    every STATISTICS_SECONDS (one statement)."""
    known = _STATISTICS.get(engine)
    if known is None or time.monotonic() - known[0] >= STATISTICS_SECONDS:
        found = Statistics.of(await statements.rows(STATISTICS_SQL, {}))
        known = _STATISTICS[engine] = (time.monotonic(), found)
    return known[1]


class Tiers:
    """The ranks of a search, best first: every clause in the title; in the lead;
    anywhere else. Pages are read tier by tier, newest first within each, so no query
    sorts all its hits; each tier is planned when a page first reaches it.

    A tier with fewer hits than its language's threshold (PostgreSQL: `_frequent`, at most
    FREQUENT; SQLite: SQLITE_FREQUENT in the page's language) drives: the page query
    starts from its hits and looks each up by id (`ix_translations_by_id` holds what the
    visibility rule and the order need, so no row is read). On PostgreSQL the hits are
    listed, and the better tiers' are left out in Python; one statement lists all three
    when the whole query has few hits (the title's and the lead's from the small `head`).
    On SQLite the hits and the better tiers' are subqueries of the page's statement (each
    tier's FTS5 query read once).

    A tier with many hits walks the newest-first index and tests each row: on PostgreSQL
    by looking its document up, on SQLite against the tier's FTS5 rowids read once into a
    temporary list, or, past DENSE hits, by looking the row's document up in FTS5."""

    COUNT = 3
    FIELDS = ("A", "B", "")

    def __init__(
        self,
        session: AsyncSession,
        query: Query,
        language: str,
        statements: Statements,
    ) -> None:
        self.session = session
        # Where the listings, counts and PostgreSQL's plan estimates run
        # (`app.kit.statements`).
        self.statements = statements
        self.query = query
        self.language = language
        self.dialect = session.get_bind().dialect.name
        # PostgreSQL, per rank: the tier's hits (everything matching in its field), or None
        # when there are as many as the language's threshold (`_frequent`); SQLite: their
        # FTS5 rowids in the page's language, or None when there are SQLITE_FREQUENT or more.
        self._found: dict[int, list[uuid.UUID] | None] = {}
        self._rowids: dict[int, list[int] | None] = {}
        # SQLite, per rank with SQLITE_FREQUENT hits or more: whether it has more than DENSE.
        self._dense: dict[int, bool] = {}
        self._alone: dict[int, bool] = {}  # SQLite: walked against every language's hits
        self._last_rowid: int | None = None
        self._planned = False  # PostgreSQL: the page's first listing is under way or done
        self._anywhere_estimate: float | None = None  # the planner's, for the last tier
        self._threshold: int | None = None  # PostgreSQL: `_frequent`'s
        self._anywhere_threshold = 0  # and the anywhere tier's (a phrase's: PAIRS_FREQUENT)
        self._sizes = tier_sizes(session.get_bind().engine)
        # The values of the tiers' statements and conditions, and of the page's statements
        # they are put in (`app.public.service`).
        self.bind = Binder()

    def _big(self, rank: int, threshold: int) -> Size | None:
        """What an earlier search found of this tier, when it was `threshold` hits or
        more (PostgreSQL: `_frequent`; SQLite's listing reads the sizes itself,
        `_sqlite_list`): not listed again."""
        known = self._sizes.get(self._key(rank))
        return known if known is not None and known.hits >= threshold else None

    def _remember(self, rank: int, size: Size) -> None:
        """This tier has at least `size.hits` hits: a verdict kept TIER_SIZES_SECONDS."""
        self._sizes[self._key(rank)] = size

    def _key(self, rank: int) -> tuple[str, str, int]:
        """The tier's key among the remembered ones: the clauses by their hash, so that an
        entry's size is fixed whatever the query (a long quoted passage with its readings
        would otherwise be kept whole, 4,096 times). Two queries with one hash share a
        verdict: a plan, never an answer."""
        return (self.language, self.FIELDS[rank], hash(self.query.clauses))

    def _matches(self, field: str) -> str:
        """PostgreSQL: the row's document matches in `field` (SQLite: `_sqlite_tier`)."""
        return _pg_probe(self.query, field, self.bind)

    async def _listed(self, rank: int) -> list[uuid.UUID] | None:
        if rank in self._found:
            return self._found[rank]
        if not self._planned:  # the page's first tier
            self._planned = True
            await self.statements.plan_for_values()
            if not self._big(self.FIELDS.index(""), await self._frequent("")):  # known big
                await self._pg_every_tier()
            if rank in self._found:
                return self._found[rank]
        field = self.FIELDS[rank]
        frequent = await self._frequent(field)
        if self._big(rank, frequent):
            self._found[rank] = None
            return None
        found: list[uuid.UUID] | None = None
        # The anywhere tier's estimate is made once a page; the title's and the lead's
        # hits are among its hits, so they are few when it is.
        estimate = self._anywhere_estimate
        if estimate is not None and (field == "" or estimate < LIST_UNLESS_ESTIMATE):
            few = estimate < LIST_UNLESS_ESTIMATE
        else:
            few = await self._estimate(field) < LIST_UNLESS_ESTIMATE
        if few:
            bind = Binder()
            ids = _ids(self.query, self.dialect, bind, field, self.language)
            found = await self._pg_list(ids, bind, frequent)
            if len(found) >= frequent:
                self._remember(rank, Size(len(found)))
                found = None
        self._found[rank] = found
        return found

    async def _estimate(self, field: str) -> float:
        """PostgreSQL: the planner's estimate of the tier's hits in the page's language,
        worked out from the statistics this worker keeps (`app.search.estimate`), or by
        `EXPLAIN` while the search index has none (never analysed)."""
        statistics = await _statistics(self.statements, self.session.get_bind().engine)
        if statistics is not None:
            return statistics.rows_matching(_pg_conditions(self.query, field, self.language))
        bind = Binder()
        ids = _ids(self.query, self.dialect, bind, field, self.language)
        return await _explained(self.statements, ids, bind.values)

    async def _frequent(self, field: str) -> int:
        """PostgreSQL: how many hits make a tier of this language in `field` walked rather
        than listed (FREQUENT_PER_ROOT × √versions, at most FREQUENT; PAIRS_FREQUENT times
        that anywhere for a phrase): read once a page, from the language's versions
        (`_versions`, kept with the tiers' sizes)."""
        if self._threshold is None:
            scaled = round(FREQUENT_PER_ROOT * math.sqrt(await self._versions()))
            self._threshold = min(FREQUENT, max(PG_WALK_LISTED, scaled))
            pairs = pairs_tsquery(self.query) is not None
            self._anywhere_threshold = (
                PAIRS_FREQUENT * self._threshold if pairs else self._threshold
            )
        return self._threshold if field else self._anywhere_threshold

    async def _pg_list(self, ids: str, bind: Binder, most: int) -> list[uuid.UUID]:
        """PostgreSQL: up to `most` of these ids, as one array."""
        listed = f"SELECT array_agg(translation_id) FROM ({ids} LIMIT {most}) AS hits"
        return await self.statements.scalar(listed, bind.values) or []

    async def _sqlite_hits(self, rank: int) -> list[int] | None:
        """SQLite: the FTS5 rowids of the tier's hits in the page's language (no other
        table, one JSON array: a fraction of a list of ids), or None when there are
        SQLITE_FREQUENT or more. Read once per page, for this tier's own statement and
        the worse tiers' (`_sqlite_list`)."""
        if rank not in self._rowids:
            await self._sqlite_list(rank)
        return self._rowids[rank]

    async def _sqlite_list(self, rank: int) -> None:
        """SQLite: the tier's hits, and with the page's first listing the worse tiers'
        up to JOINT + 1 each, in one statement (each listing a scalar subquery of it). A
        statement costs about 0.1 ms beyond its SQL, about as much as listing a few
        hundred hits: a query with few hits has its three tiers listed, and then paged,
        at once (`joint`). A worse tier with more is listed in full if the page reaches
        it."""
        known_sizes = [self._sizes.get(self._key(r)) for r in range(self.COUNT)]
        ranks = [rank]
        if not self._rowids and not any(known_sizes):
            ranks += range(rank + 1, self.COUNT)  # none known to have more than JOINT
        todo: dict[int, int] = {}  # rank: how many hits listed at most
        for each in ranks:
            known = known_sizes[each]
            if known is None or known.hits < SQLITE_FREQUENT:
                todo[each] = SQLITE_FREQUENT if each == rank else min(JOINT + 1, SQLITE_FREQUENT)
            else:
                self._rowids[each] = None
                self._dense[each] = known.estimate > DENSE
                self._alone[each] = known.alone
        if not todo:
            return
        bind = Binder()
        lists = [
            _sqlite_listing(self.query, self.FIELDS[each], self.language, most, bind)
            + f" AS tier{each}"
            for each, most in todo.items()
        ]
        listings = (await self.statements.rows("SELECT " + ", ".join(lists), bind.values))[0]
        for (each, most), listed in zip(todo.items(), listings.values(), strict=True):
            rowids: list[int] = json.loads(listed)
            if len(rowids) > JOINT:  # no page of this query is one statement
                self._remember(each, Size(len(rowids)))
            if len(rowids) < most:
                self._rowids[each] = rowids
            elif each == rank:
                await self._sqlite_big(each, rowids)

    async def _sqlite_big(self, rank: int, rowids: list[int]) -> None:
        """SQLite: the tier has SQLITE_FREQUENT hits or more, these the first of them."""
        # FTS5 gives hits in rowid order: how far into the index its SQLITE_FREQUENT-th
        # hit lies tells how many there are in all, roughly.
        if self._last_rowid is None:  # once a page
            self._last_rowid = await self.statements.scalar(
                "SELECT max(search_documents.id) FROM search_documents", {}
            )
        estimate = len(rowids) * (self._last_rowid or 0) / max(max(rowids), 1)
        self._rowids[rank] = None
        self._dense[rank] = estimate > DENSE
        alone = False
        if not self._dense[rank]:  # walked against its hits: are other languages' few?
            field = self.FIELDS[rank]
            fts = _fts_table(self.query, field)
            most = int(estimate) + OTHERS
            bind = Binder()
            everywhere = (
                f"SELECT {fts}.rowid FROM {fts} WHERE {_fts_match(self.query, field, bind)}"
            )
            counted = f"SELECT count(*) FROM ({everywhere} LIMIT {most + 1})"
            alone = (await self.statements.scalar(counted, bind.values) or 0) <= most
        self._alone[rank] = alone
        self._remember(rank, Size(len(rowids), estimate, alone))

    async def _sqlite_tier(self, rank: int) -> Tier:
        """SQLite: the tier's hits and none of a better tier's, each as a subquery of the
        page's statement: a tier with few hits by its rowids (one JSON parameter), then
        the page starts from them, each looked up in `ix_translations_by_id` alone; a
        tier with many by its FTS5 query, and the page walks the newest-first index."""
        own = await self._sqlite_hits(rank)
        if own == []:  # no hit in the page's language: no statement
            return Tier(NEVER, drive=True)
        drive = own is not None
        parts: list[str] = []
        documents: list[str] = []  # a driving tier's, on `search_documents`
        for each in range(rank + 1):
            rowids = await self._sqlite_hits(each)
            field = self.FIELDS[each]
            if rowids is not None:
                among = _rowids_in(rowids, self.bind)
                matches, of_documents = _documents_of(among), among
            elif self._dense[each] or (each < rank and drive):
                matches = _sqlite_probe(self.query, field, self.bind)
                of_documents = _sqlite_matched(self.query, field, self.bind)
            else:
                language = None if self._alone[each] else self.language
                matches = _sqlite_among_hits(self.query, field, language, self.bind)
            parts.append(matches if each == rank else f"NOT ({matches})")
            if drive:
                documents.append(of_documents if each == rank else f"NOT ({of_documents})")
        condition = " AND ".join(parts)
        if drive:
            return Tier(condition, drive=True, documents=" AND ".join(documents))
        # Read in the page's language alone unless its hits are (nearly) all of them
        # (`OTHERS`): a walked tier has SQLITE_FREQUENT hits or more there.
        language = None if self._alone[rank] else self.language
        return Tier(condition, scan=_sqlite_scan(self.query, rank, self.bind, language))

    async def _pg_every_tier(self) -> None:
        """PostgreSQL: every tier's hits from one statement, when the query has few hits.
        Words: each tier by its own match (GIN answers the title's and the lead's from the
        marks in the small `head`, with no document read), so a tier that turns out
        frequent costs its threshold's ids alone (`_frequent`); reading the hits with each
        one's title and lead matched row by row cost 7 ms for nothing when the planner took
        a two-word query for rare («Тернополя октябре» in Russian: 71 estimated, 4,355 hits).
        Phrases: the title's and the lead's among the hits, each hit's `head` checked
        (`_pg_flagged`): GIN on `head` checks every document with both words' marks in the
        field, neighbours or not (165 ms for «"зріс відсотків"» in Ukrainian titles at
        1,000,000 articles: 30,170 candidates, no hit)."""
        self._anywhere_estimate = await self._estimate("")
        frequent = await self._frequent("")
        if self._anywhere_estimate >= frequent:
            return
        if any(isinstance(clause, Phrase) for clause in self.query.clauses):
            await self._pg_flagged(frequent)
            return
        bind = Binder()
        lists = ", ".join(
            f"(SELECT array_agg(translation_id) FROM"
            f" ({_ids(self.query, self.dialect, bind, name, self.language)} LIMIT {frequent})"
            f" AS hits) AS tier{rank}"
            for rank, name in enumerate(self.FIELDS)
        )
        listed = (await self.statements.rows(f"SELECT {lists}", bind.values))[0]
        for rank, ids in enumerate(listed.values()):
            if ids is not None and len(ids) >= frequent:
                self._remember(rank, Size(len(ids)))
                self._found[rank] = None
            else:
                self._found[rank] = list(ids or [])

    async def _pg_flagged(self, frequent: int) -> None:
        """PostgreSQL: up to `frequent` hits anywhere (the language's threshold), each with
        whether it matches in the title and in the lead: every tier, when there are fewer."""
        bind = Binder()
        in_title, in_lead = (_pg_match(self.query, field, bind) for field in ("A", "B"))
        match = _pg_match(self.query, "", bind, self.language)
        hits = (
            f"SELECT search_documents.translation_id AS id, {in_title} AS title,"
            f" {in_lead} AS lead FROM search_documents WHERE {match} LIMIT {frequent}"
        )
        flagged = (
            "SELECT count(*) AS count, array_agg(id) FILTER (WHERE title) AS title,"
            " array_agg(id) FILTER (WHERE lead) AS lead, array_agg(id) AS anywhere"
            f" FROM ({hits}) AS hits"
        )
        count, *found = (await self.statements.rows(flagged, bind.values))[0].values()
        if count >= frequent:
            anywhere = self.FIELDS.index("")
            self._found[anywhere] = None  # known frequent: not listed again
            self._remember(anywhere, Size(count))
            return
        for rank, ids in enumerate(found):
            self._found[rank] = list(ids or [])

    async def tier(self, rank: int) -> Tier:
        if self.dialect != "postgresql":
            return await self._sqlite_tier(rank)
        found = await self._listed(rank)
        if found is None:
            exclude = [f"NOT {self._matches(self.FIELDS[better])}" for better in range(rank)]
            return Tier(" AND ".join([self._matches(self.FIELDS[rank]), *exclude]))
        left_out: set[uuid.UUID] = set()
        still: list[str] = []  # better tiers too big to list
        for better in range(rank):
            listed = await self._listed(better)
            if listed is None:
                still.append(f"NOT {self._matches(self.FIELDS[better])}")
            else:
                left_out.update(listed)
        ids = [ident for ident in found if ident not in left_out]
        if not ids:
            return Tier(NEVER, drive=True)
        condition = " AND ".join([self._among(ids), *still])
        if len(ids) <= PG_WALK_LISTED:
            return Tier(condition, drive=True)
        density = len(ids) / max(await self._versions(), len(ids))
        return Tier(condition, drive=True, hits=len(ids), density=density)

    async def _versions(self) -> int:
        """PostgreSQL: the planner's estimate of the language's versions (public ones are
        most of them; more rows make the window only safer), kept TIER_SIZES_SECONDS with
        the tiers' sizes (one `EXPLAIN`, ~0.3 ms)."""
        key = (self.language, "*", 0)
        known = self._sizes.get(key)
        if known is None:
            bind = Binder()
            versions = f"SELECT id FROM translations WHERE language = {bind(self.language)}"
            known = Size(int(await _explained(self.statements, versions, bind.values)))
            self._sizes[key] = known
        return known.hits

    def _among(self, ids: list[uuid.UUID]) -> str:
        # One array parameter, not thousands.
        return f"translations.id = ANY(CAST({self.bind(ids)} AS uuid[]))"

    async def joint(self) -> Joint | None:
        """Every tier as one page statement, ranked in it, when each tier's hits are
        listed and the query's are JOINT or fewer: the tiers' pages would otherwise be a
        statement each (a rare word fills no page from its title hits). None otherwise: a
        tier too big to list walks, and many hits are better paged tier by tier, the
        first often filling the page alone. PostgreSQL lists the three at once only when
        the query has few hits (`_pg_every_tier`), so its title tier is listed first to
        find out."""
        among: Callable[[Any, Binder], str]
        listed: list[Any]
        if self.dialect == "postgresql":
            await self._listed(0)
            listed = [self._found.get(rank) for rank in range(self.COUNT)]
            among = lambda ids, _bind: self._among(ids)  # noqa: E731
        else:
            await self._sqlite_hits(0)
            listed = [self._rowids.get(rank) for rank in range(self.COUNT)]
            among = _among_rowids
        anywhere = listed[-1]
        if anywhere is None or len(anywhere) > JOINT or any(x is None for x in listed):
            return None
        title, lead = (among(hits, self.bind) if hits else NEVER for hits in listed[:2])
        rank = f"CASE WHEN {title} THEN 0 WHEN {lead} THEN 1 ELSE 2 END"
        return Joint(among(anywhere, self.bind), rank)
