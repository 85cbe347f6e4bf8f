"""PostgreSQL: how many search documents a match has, as the planner would estimate it.

A search page asks, before it lists a tier's hits, whether there are few enough to list
(`app.search.query.Tiers`). PostgreSQL's own answer is an `EXPLAIN` of the listing: a
round trip and a plan, ~0.85 ms of a search's ~20 at 100k articles, once or twice a
page. The planner reaches its number from statistics alone (`tsmatchsel`,
src/backend/tsearch/ts_selfuncs.c): the column's most common lexemes and their
frequencies (`pg_stats.most_common_elems`, kept by ANALYZE), combined through the
tsquery as if independent: AND (and `<->`) multiplies, OR adds less the product, a
lexeme outside the list counts half the least listed frequency (at most 0.005), and a
column without the list 0.005 for the whole query. Conditions on several columns
multiply, and the table's rows (`pg_class.reltuples`, scaled to the table's pages now,
as the planner scales them) turn the selectivity into rows.

This module does the same in the worker from the statistics read once per
STATISTICS_SECONDS: the same figure without the round trip. Without statistics (a
table never analysed) the caller falls back to `EXPLAIN`. It is an estimate for a plan,
never an answer: a wrong one costs time, not a hit.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The planner's selectivity of a match it has no statistics for (DEFAULT_TS_MATCH_SEL).
DEFAULT_SELECTIVITY = 0.005
# How long a worker keeps the statistics: ANALYZE (autovacuum's, after a tenth of the
# table changed) refreshes PostgreSQL's, so a minute's lag is far inside their own.
STATISTICS_SECONDS = 60.0
# The columns searches match (`app.models.search.SearchDocument`).
COLUMNS = ("vector", "head", "pairs")

STATISTICS_SQL = (
    "SELECT pg_stats.attname AS name,"
    " CAST(CAST(pg_stats.most_common_elems AS text) AS text[]) AS lexemes,"
    " pg_stats.most_common_elem_freqs AS frequencies,"
    " pg_class.reltuples AS rows, pg_class.relpages AS pages,"
    " pg_relation_size(pg_class.oid) / current_setting('block_size')::int AS pages_now"
    " FROM pg_class JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace"
    " LEFT JOIN pg_stats ON pg_stats.schemaname = pg_namespace.nspname"
    " AND pg_stats.tablename = pg_class.relname"
    " AND pg_stats.attname IN ('vector', 'head', 'pairs')"
    " WHERE pg_class.relname = 'search_documents'"
    " AND pg_namespace.nspname = current_schema()"
)


@dataclass(frozen=True, slots=True)
class Column:
    """A tsvector column's most common lexemes with their frequencies, and the least of
    these (the planner's bound for every other lexeme)."""

    frequencies: Mapping[str, float]
    least: float


@dataclass(frozen=True, slots=True)
class Statistics:
    rows: int  # the table's rows, as the planner scales them
    columns: Mapping[str, Column]  # the analysed columns that have a lexeme list

    @classmethod
    def of(cls, found: Sequence[Mapping[str, Any]]) -> "Statistics | None":
        """From STATISTICS_SQL's rows; None when the table has never been analysed (its
        row count unknown: the planner then measures the table itself), or when its
        columns' statistics are not to be seen (`pg_stats` shows a user only the tables
        it may read; the planner would still use them)."""
        if not found or any(row["name"] is None for row in found):
            return None
        first = found[0]
        rows, pages, now = (float(first[key]) for key in ("rows", "pages", "pages_now"))
        if rows < 0 or pages <= 0:
            return None
        columns: dict[str, Column] = {}
        for row in found:
            lexemes, frequencies = row["lexemes"], row["frequencies"]
            if not isinstance(lexemes, list) or not isinstance(frequencies, list):
                continue
            # Two more numbers than lexemes: the least and the greatest frequency.
            if len(frequencies) != len(lexemes) + 2:
                continue
            columns[str(row["name"])] = Column(
                dict(zip(lexemes, map(float, frequencies), strict=False)), float(frequencies[-2])
            )
        # The planner's rows now: the analysed density over the table's pages now.
        return cls(round(rows / pages * now), columns)

    def rows_matching(self, conditions: Sequence[tuple[str, str]]) -> float:
        """The planner's rows for `column @@ tsquery` conditions, all of them holding."""
        selectivity = 1.0
        for column, text in conditions:
            stats = self.columns.get(column)
            if stats is None:
                selectivity *= DEFAULT_SELECTIVITY
            else:
                selectivity *= _Parser(text, stats).selectivity()
        return max(1.0, float(round(self.rows * selectivity)))


# A tsquery as `app.search.query` writes it: quoted lexemes (`'...'`, `''` and `\\`
# escaped), an optional weight (`:AB`), `&`, `|`, `!`, `<->` (or `<N>`) and brackets.
_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(?::[A-Da-d*]+)?|(<\d*->|<\d+>|[&|!()]))")
_UNESCAPE = re.compile(r"''|\\(.)")


class _Parser:
    """The selectivity of one tsquery over one column (`tsquery_opr_selec`), parsed with
    tsquery's precedence: `!`, then `<->`, then `&`, then `|`."""

    def __init__(self, text: str, column: Column) -> None:
        self.tokens: list[tuple[str | None, str | None]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"not a tsquery this module reads: {text!r}")
            self.tokens.append((match[1], match[2]))
            position = match.end()
        self.position = 0
        self.column = column

    def selectivity(self) -> float:
        found = self._or()
        if self.position != len(self.tokens):
            raise ValueError("a tsquery with more after its end")
        return found

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _or(self) -> float:
        found = self._and()
        while self._peek() == "|":
            self.position += 1
            other = self._and()
            found = _clamp(found + other - found * other)
        return found

    def _and(self) -> float:
        found = self._phrase()
        while self._peek() == "&":
            self.position += 1
            found = _clamp(found * self._phrase())
        return found

    def _phrase(self) -> float:
        found = self._not()
        while (operator := self._peek()) is not None and operator.startswith("<"):
            self.position += 1
            found = _clamp(found * self._not())
        return found

    def _not(self) -> float:
        if self._peek() == "!":
            self.position += 1
            return _clamp(1.0 - self._not())
        return self._operand()

    def _operand(self) -> float:
        if self.position >= len(self.tokens):
            raise ValueError("a tsquery that ends early")
        lexeme, operator = self.tokens[self.position]
        self.position += 1
        if operator == "(":
            found = self._or()
            if self._peek() != ")":
                raise ValueError("a tsquery with an unclosed bracket")
            self.position += 1
            return found
        if lexeme is None:
            raise ValueError(f"{operator!r} where a lexeme should be")
        lexeme = _UNESCAPE.sub(lambda m: m[1] or "'", lexeme)
        frequency = self.column.frequencies.get(lexeme)
        if frequency is not None:
            return frequency
        return min(DEFAULT_SELECTIVITY, self.column.least / 2)


def _clamp(probability: float) -> float:
    return min(max(probability, 0.0), 1.0)
