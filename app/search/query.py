"""Search queries: a reader's text to a safe match on either database.

The syntax is deliberately small: words (all of them must occur, in any form) and quoted
phrases ("..." or «...» or “...”: the words in that order, next to each other, within one
field). Everything else — operators, brackets, SQL — is punctuation and ignored; the
database never sees the reader's text, only lemmas (letters and digits) in a query this
module writes.
"""

import itertools
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Unprocessable
from app.models import SearchDocument, Translation
from app.search.analysis import WORD, Analyzer, fold
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


Clause = Term | Phrase


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[Clause, ...]
    analyzer: Analyzer

    @property
    def lemmas(self) -> frozenset[str]:
        """Every lemma the query looks for (to highlight snippets)."""
        found: set[str] = set()
        for clause in self.clauses:
            if isinstance(clause, Term):
                found.update(clause.lemmas)
            else:
                for variant in clause.variants:
                    found.update(variant)
        return frozenset(found)


def _invalid(detail: str) -> Unprocessable:
    return Unprocessable.at(["query", "q"], detail, msg="Invalid search query", type="search")


def parse(q: str, analyzer: Analyzer) -> Query:
    """The reader's text as clauses; 422 when there is nothing (or too much) to look for."""
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
        words = [analyzer.lemmas(fold(w)) for w in WORD.findall(piece)]
        new: list[Clause]
        if quoted and len(words) > 1:
            new = [Phrase(_variants(words))]
        else:
            new = [Term(lemmas) for lemmas in words]
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
    while _count(options) > MAX_PHRASE_VARIANTS:
        widest = max(range(len(options)), key=lambda i: (len(options[i]), -i))
        options[widest].pop()
    return tuple(itertools.product(*options))


def _count(options: list[list[str]]) -> int:
    total = 1
    for lemmas in options:
        total *= len(lemmas)
    return total


# --- PostgreSQL: a tsquery literal over the weighted tsvector --------------------------


def _pg_lexeme(term: str, weight: str) -> str:
    return f"'{term}'{':' + weight if weight else ''}"


def _pg_clause(clause: Clause, weight: str) -> str:
    if isinstance(clause, Term):
        parts = [
            _pg_lexeme(term, weight)
            for lemma in clause.lemmas
            for term in (lemma, ALTERNATIVE + lemma)
        ]
    else:
        parts = [
            " <-> ".join(_pg_lexeme(lemma, weight) for lemma in variant)
            for variant in clause.variants
        ]
    return "(" + " | ".join(f"({p})" for p in parts) + ")"


def tsquery(query: Query, weight: str = "") -> str:
    return " & ".join(_pg_clause(clause, weight) for clause in query.clauses)


# --- SQLite: an FTS5 query over the primary and alternative columns ---------------------

_FTS_FIELDS = {"": "title lead body", "A": "title", "B": "lead"}


def _fts_clause(clause: Clause, weight: str) -> str:
    fields = _FTS_FIELDS[weight]
    if isinstance(clause, Term):
        columns = " ".join(f"{f} {f}_alt" for f in fields.split())
        terms = " OR ".join(f'"{lemma}"' for lemma in clause.lemmas)
        return f"({{{columns}}} : ({terms}))"
    phrases = " OR ".join('"' + " ".join(variant) + '"' for variant in clause.variants)
    return f"({{{fields}}} : ({phrases}))"


def fts_query(query: Query, weight: str = "") -> str:
    return " AND ".join(_fts_clause(clause, weight) for clause in query.clauses)


# --- Both: which translations match, by tier ----------------------------------------------

_fts = table("search_fts", column("rowid"))


def _ids(query: Query, dialect: str, field: str = "") -> Select[uuid.UUID]:
    """Translations whose `field` ("A": title, "B": lead, "": any) has every clause."""
    ids = select(SearchDocument.translation_id)
    if dialect == "postgresql":
        vector = SearchDocument.head if field else SearchDocument.vector
        return ids.where(vector.op("@@")(cast(literal(tsquery(query, field)), TSQUERY)))
    match = literal_column("search_fts").op("MATCH")(literal(fts_query(query, field)))
    return ids.join(_fts, _fts.c.rowid == SearchDocument.id).where(match)


def matching_ids(query: Query, dialect: str) -> Select[uuid.UUID]:
    """The ids of the translations that match, for `IN` conditions."""
    return _ids(query, dialect)


@dataclass(frozen=True, slots=True)
class Tier:
    """One rank of hits: the condition on `Translation`, and whether the page query
    should start from the hits (`drive`: few of them) rather than walk the language's
    newest-first index and test each row (many of them)."""

    condition: ColumnElement[bool]
    drive: bool = False


# SQLite: a search term with at least this many documents is tested row by row while
# walking the newest-first index (stopping at a page); rarer ones are read from the
# index and sorted. Both cost about the same here; far from it, the right one is ~100×
# faster (bench/search-latency).
FREQUENT = 3_000


def _probe(query: Query, field: str) -> ColumnElement[bool]:
    """SQLite: this translation's document matches (an FTS5 lookup by rowid)."""
    match = literal_column("search_fts").op("MATCH")(literal(fts_query(query, field)))
    return (
        select(literal(1))
        .select_from(SearchDocument)
        .join(_fts, _fts.c.rowid == SearchDocument.id)
        .where(SearchDocument.translation_id == Translation.id, match)
        .exists()
    )


async def _frequent(session: AsyncSession, query: Query, field: str) -> bool:
    """SQLite: does `field` match at least FREQUENT documents? (Reads at most that many.)"""
    match = literal_column("search_fts").op("MATCH")(literal(fts_query(query, field)))
    some = select(literal(1)).select_from(_fts).where(match).limit(FREQUENT).subquery()
    return (await session.scalar(select(func.count()).select_from(some)) or 0) >= FREQUENT


async def tiers(session: AsyncSession, query: Query) -> list[Tier]:
    """The ranks, best first: every clause in the title; in the lead; anywhere else.

    Pages are read tier by tier, newest first within each, so no query sorts all its
    hits. PostgreSQL's planner picks between the GIN index and the newest-first index
    from its statistics; SQLite knows nothing of FTS5 selectivity, so it is told.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        in_title = Translation.id.in_(_ids(query, dialect, "A"))
        in_lead = Translation.id.in_(_ids(query, dialect, "B"))
        anywhere = Translation.id.in_(_ids(query, dialect))
        return [
            Tier(in_title),
            Tier(and_(in_lead, ~in_title)),
            Tier(and_(anywhere, ~in_title, ~in_lead)),
        ]
    title, lead = _probe(query, "A"), _probe(query, "B")
    ranked = []
    for field, others in (("A", []), ("B", [title]), ("", [title, lead])):
        if await _frequent(session, query, field):
            ranked.append(Tier(and_(_probe(query, field), *(~o for o in others))))
        else:
            hits = Translation.id.in_(_ids(query, dialect, field))
            ranked.append(Tier(and_(hits, *(~o for o in others)), drive=True))
    return ranked
