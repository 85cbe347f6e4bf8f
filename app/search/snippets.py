"""Snippets: a short excerpt of a hit's lead and body with the matched words marked.

A reader sees «удару» marked for the query «удар», identically on both databases. The
excerpt is plain text, HTML-escaped, with `<mark>` around matched words and `…` where it
was cut.

Which words match is read from the search index when it can be (`Marks`), so a page's
snippets analyse no word at request time: the index already holds each word's lemmas, from
the same analysis.

- PostgreSQL: the lead's and the body's positions of the query's lemmas in the hit's
  `vector` (primary and alternative lemmas, `~`), which count words as the text is
  scanned here (`is_word`), title first, a position apart per field.
- SQLite: the FTS5 columns hold each word's primary lemma, in order, and the
  alternatives (`*_alt`) without positions, which `search_documents.alternatives_at`
  gives (the word of each). An entry written before that column existed has it NULL:
  when one of the query's lemmas is among such a hit's alternatives, its words are
  analysed instead.
- The words are analysed too when the entry cannot tell: on PostgreSQL a position
  outside the lead's and the body's words, on SQLite the lead's word count not the
  index's (an entry made by another version of the analysis, before `newsdesk
  search-reindex`: a shift that stays within the lead's and the body's words is not
  caught), or a lexeme that may be at PostgreSQL's cap of positions (its later repeats
  have none).

The scan stops at the first window that shows every word of the query (or after
SCAN_LIMIT words). Analysed, a spelling is analysed when the scan first meets it, once per
page (`Seen`: each distinct spelling, whether it is a hit), so the words after the window
are never analysed; only hits keep their lemmas, and every other word is just a span.
With marks, where the scan stops and the window it gives are known before the text is
read: the words before the window are only counted (by the regex engine), and only the
window's are spans. A text shorter than its marks say (an entry of another version) is
scanned as a whole, so the snippet is the text's own.
"""

import html
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from app.kit.html import text_of
from app.search.analysis import WORD, is_word
from app.search.documents import ALTERNATIVE, MAX_POSITIONS_PER_TERM
from app.search.query import Query

WINDOW = 30  # words shown
LEAD_IN = 6  # words shown before the first hit of the window
SCAN_LIMIT = 3_000

# A spelling's lemmas when it is a hit, None when it is not, () when it is no word at all
# (nothing left once folded). Shared by the hits of one page: their texts share words.
Seen = dict[str, tuple[str, ...] | None]
_UNSEEN = ("",)
_SPACE = re.compile(r"\s+")  # what `str.split` splits on


class Marks(Protocol):
    """What the index says of a hit's words: per word of its lead and body (numbered from
    0 as `is_word` counts them), the query's lemmas it matched, None for none; and the
    numbers of the first and the last word that matched (-1: none): the scan need not
    go past the last, nor past the window from the first when it shows every clause."""

    @property
    def first(self) -> int: ...

    @property
    def last(self) -> int: ...

    def before(self, limit: int, /) -> list[tuple[int, tuple[str, ...]]]:
        """The matched words numbered below `limit`, in order, with their lemmas."""
        ...


class _Positions(dict[int, tuple[str, ...]]):
    """PostgreSQL's marks: the matched words by number."""

    @property
    def first(self) -> int:
        return min(self, default=-1)

    @property
    def last(self) -> int:
        return max(self, default=-1)

    def before(self, limit: int, /) -> list[tuple[int, tuple[str, ...]]]:
        return sorted((i, lemmas) for i, lemmas in self.items() if i < limit)


class _Primaries:
    """SQLite's marks: each word's primary lemma, one space apart (as the FTS5 columns
    hold them); a hit is a word whose lemma is wanted, or one of the `placed` words (the
    query lemmas among its alternatives, by word number). Read as text, not split into
    words: a page's hits are a few places in a few thousand lemmas, and the first and
    the last of them are found (by the spaces before them) only when asked for."""

    __slots__ = ("placed", "text", "wanted")

    def __init__(
        self, text: str, wanted: frozenset[str], placed: dict[int, tuple[str, ...]]
    ) -> None:
        self.text = text  # the lemmas, with a space before and after
        self.wanted = wanted
        self.placed = placed

    @property
    def first(self) -> int:
        numbers = list(self.placed)
        found = [at for lemma in self.wanted if (at := self.text.find(f" {lemma} ")) >= 0]
        if found:
            numbers.append(self.text.count(" ", 0, min(found)))
        return min(numbers, default=-1)

    @property
    def last(self) -> int:
        at = max(self.text.rfind(f" {lemma} ") for lemma in self.wanted)
        last = self.text.count(" ", 0, at) if at >= 0 else -1
        return max(last, *self.placed) if self.placed else last

    def before(self, limit: int, /) -> list[tuple[int, tuple[str, ...]]]:
        text = self.text
        found: dict[int, tuple[str, ...]] = {i: ls for i, ls in self.placed.items() if i < limit}
        for lemma in self.wanted:
            spaced = f" {lemma} "
            at, number = text.find(spaced), 0
            counted = 0  # the spaces before `counted` are `number`
            while at >= 0:
                number += text.count(" ", counted, at)
                if number >= limit:
                    break
                found[number] = (lemma, *found.get(number, ()))
                counted = at
                at = text.find(spaced, at + 1)
        return sorted(found.items())


def _best_window(hits: list[int], lemmas: list[tuple[str, ...]],
                 clauses: tuple[frozenset[str], ...]) -> tuple[int, int]:  # fmt: skip
    """The first word of the window showing the most query clauses, earliest on ties, and
    how many it shows (-1: no hit). Only hits can show a clause, so a window's lemmas are
    its hits' lemmas."""
    best, start = -1, 0
    for k, first in enumerate(hits):
        shown: set[str] = set()
        for j in range(k, len(hits)):
            if hits[j] >= first + WINDOW:
                break
            shown.update(lemmas[j])
        covered = sum(1 for clause in clauses if clause & shown)
        if covered > best:
            best, start = covered, first
            if covered == len(clauses):
                break
    return start, best


@dataclass(slots=True)
class _Scan:
    """What a snippet is cut from: the spans of the words scanned from number `first` on
    (those before it are only counted), how many words the scan met (or at least one past
    the window), and the hits among them (word numbers) with their lemmas; `window`: the
    snippet's first word when the scan chose it (`_marked`), else -1."""

    spans: list[tuple[int, int]]
    first: int
    words: int
    hits: list[int]
    lemmas: list[tuple[str, ...]]
    window: int = -1


def highlight(
    query: Query,
    lead: str,
    body_html: str,
    seen: Seen | None = None,
    marks: Marks | None = None,
) -> str:
    """The snippet of a hit: its words' matches from `marks` (the index's), or else by
    analysing them (`seen`: the page's spellings so far). Whitespace shows as one space."""
    text = f"{lead} {text_of(body_html)}"
    clauses = query.clause_lemmas
    if marks is None:
        scan = _analysed(text, query, {} if seen is None else seen)
    else:
        scan = _marked(text, marks, clauses)
    if not scan.words:
        return ""
    hits = scan.hits
    start = scan.window if scan.window >= 0 else _window_start(hits, scan.lemmas, clauses)
    end = min(scan.words, start + WINDOW)
    spans = scan.spans
    at = scan.first  # spans[i - at] is word i's
    # The window's text with each marked word between two sentinels, its whitespace
    # collapsed (split and joined: `_SPACE`'s substitution tries a match at each
    # character, 5.7 µs a window against 1.8) and escaped at once, then the sentinels
    # made tags: a sentinel is neither whitespace nor escaped, so each gap collapses as
    # it would alone. The window starts at a word and ends at one or at the text's end,
    # whose whitespace the snippet's own `strip` drops.
    pieces: list[str] = []
    position = spans[start - at][0]
    for i in hits:
        if start <= i < end:
            first, last = spans[i - at]
            pieces += (text[position:first], _OPEN, text[first:last], _CLOSE)
            position = last
    cut = end < scan.words or scan.words == SCAN_LIMIT
    pieces.append(text[position : spans[end - 1 - at][1]] if cut else text[position:])
    window, marked = "".join(pieces), len(pieces) // 4
    if window.count(_OPEN) != marked or window.count(_CLOSE) != marked:
        window = _marked_apart(pieces)  # a sentinel in the text itself
    else:
        window = html.escape(" ".join(window.split())).replace(_OPEN, "<mark>")
        window = window.replace(_CLOSE, "</mark>")
    return f"{'… ' if start > 0 else ''}{window}{' …' if cut else ''}".strip()


# Around a marked word while a snippet is put together (`highlight`): characters a
# sanitized text does not hold (control characters), and if one does, `_marked_apart`.
_OPEN, _CLOSE = "\x01", "\x02"


def _marked_apart(pieces: list[str]) -> str:
    """`highlight`'s window, each gap escaped alone: `pieces` are gaps and marked words
    (between their sentinels) in turn, the last a gap."""
    out = [_between(pieces[0])]
    for k in range(1, len(pieces) - 1, 4):
        word, gap = pieces[k + 1], pieces[k + 3]
        out.append(f"<mark>{html.escape(word)}</mark>{_between(gap)}")
    return "".join(out)


def _window_start(hits: list[int], lemmas: list[tuple[str, ...]],
                  clauses: tuple[frozenset[str], ...]) -> int:  # fmt: skip
    """The first word shown: a few before the best window's first hit."""
    return max(0, _best_window(hits, lemmas, clauses)[0] - LEAD_IN) if hits else 0


def _stops_at(hits: list[int], lemmas: list[tuple[str, ...]],
              clauses: tuple[frozenset[str], ...]) -> int | None:  # fmt: skip
    """The word a scan stops after: the last of the window from the first hit, when that
    window shows every clause (the hits before it are all that `hits` holds by then)."""
    if not hits:
        return None
    last = hits[0] + WINDOW
    shown = {lemma for n, found in zip(hits, lemmas, strict=True) if n < last for lemma in found}
    return last if all(clause & shown for clause in clauses) else None


def _analysed(text: str, query: Query, seen: Seen) -> _Scan:
    """The scan of a text whose hits are not known: each spelling analysed when the scan
    first meets it, until the window from the first hit shows every clause (or
    SCAN_LIMIT words), so the words after it are never analysed."""
    analyzer = query.analyzer
    wanted = query.lemmas
    clauses = query.clause_lemmas
    spans: list[tuple[int, int]] = []  # per word (a spelling with lemmas): where it is
    hits: list[int] = []  # word numbers in `spans`
    hit_lemmas: list[tuple[str, ...]] = []
    for match in WORD.finditer(text):
        word = match.group()
        found = seen.get(word, _UNSEEN)
        if found is _UNSEEN:
            lemmas = analyzer.spelling(word)
            found = () if not lemmas[0] else lemmas if wanted.intersection(lemmas) else None
            seen[word] = found
        if found == ():
            continue
        i = len(spans)
        spans.append(match.span())
        if found is not None:
            hits.append(i)
            hit_lemmas.append(found)
        if hits and i == hits[0] + WINDOW and _stops_at(hits, hit_lemmas, clauses) == i:
            break
        if len(spans) == SCAN_LIMIT:
            break
    return _Scan(spans, 0, len(spans), hits, hit_lemmas)


def _marked(text: str, marks: Marks, clauses: tuple[frozenset[str], ...]) -> _Scan:
    """`_analysed`'s scan, with the hits known from the index: where the scan stops, and
    so the window, are known before the text is read, and the words before the window
    are only counted, by the regex engine (a Python step per word cost a third of a
    search's time in the event loop). Past the window after the last known hit, nothing
    changes the snippet (its window is chosen by then, and one more word says whether the
    text goes on)."""
    first = marks.first
    # The window from the first hit first: when it shows every clause (a word's query,
    # most often), the scan stops after it, and no hit past it need be found.
    known = [] if first < 0 else marks.before(min(SCAN_LIMIT, first + WINDOW + 1))
    stop = _stops_at([i for i, _ in known], [lemmas for _, lemmas in known], clauses)
    if stop is not None:
        limit = min(stop + 1, SCAN_LIMIT)  # the words the scan meets
    else:
        enough = min(SCAN_LIMIT, marks.last + WINDOW + 2)
        known = marks.before(enough)
        limit = enough
        # The earliest window that shows every clause is the snippet's, whatever the hits
        # after it: the scan need meet no word past it (nor the text be checked to hold
        # those hits' words).
        first_shown, shown = _best_window([i for i, _ in known], [ls for _, ls in known], clauses)
        if shown == len(clauses):
            limit = min(first_shown + WINDOW + 1, enough)
    kept = [(i, lemmas) for i, lemmas in known if i < limit]
    hits, lemmas = [i for i, _ in kept], [found for _, found in kept]
    start = _window_start(hits, lemmas, clauses)
    # The scan ends at `limit` or at the text's end.
    spans = _spans(text, start, min(WINDOW + 1, limit - start), hits[-1] + 1 if hits else 0)
    if spans is not None:
        return _Scan(spans, start, start + len(spans), hits, lemmas, start)
    # The text ends before a hit the index places in it (an entry made from another
    # version): scanned as a whole, so hits past its end are left out as the scan would.
    return _marked_whole(text, known, limit)


def _spans(text: str, start: int, most: int, words: int) -> list[tuple[int, int]] | None:
    """The spans of up to `most` words from word `start` on; None unless the text has
    `start` words and at least `words` in all."""
    skipped, at = _skip(text, 0, start)
    if skipped != start:
        return None
    spans = [match.span() for match in islice(_words_of(text, at), most)]
    met = start + len(spans)
    if met < words and met + _skip(text, spans[-1][1] if spans else at, words - met)[0] < words:
        return None
    return spans


# `WORD` 2**k times, each after the characters between words (`_skip`). Possessive (as
# `WORD` is): a text with fewer words fails at its end without trying shorter words; 19%
# less time than the same in an atomic group (150 words of a body: 36.5 -> 29.5 µs).
_SKIPS = tuple(re.compile(rf"(?:[\W_]*+{WORD.pattern}){{{1 << k}}}") for k in range(12))


def _skip(text: str, at: int, n: int) -> tuple[int, int]:
    """Past up to `n` words of `text` from `at`, as `_words_of` finds them: how many, and
    where the last ends (`at` when none). In chunks of 2**k words, one regex match each and
    no match object per word: the words before a snippet's window (often hundreds, for
    each hit of a page) took 1.7 ms a page counted one by one, about a third less so. A
    text with `ʼ`, where not every `WORD` is a word, has its words counted one by one."""
    if "ʼ" in text:
        taken = list(islice(_words_of(text, at), max(n, 0)))
        return len(taken), taken[-1].end() if taken else at
    skipped = 0
    for k in range(len(_SKIPS) - 1, -1, -1):
        while n - skipped >= 1 << k:
            match = _SKIPS[k].match(text, at)
            if match is None:
                break
            at, skipped = match.end(), skipped + (1 << k)
    return skipped, at


def _marked_whole(text: str, known: list[tuple[int, tuple[str, ...]]], limit: int) -> _Scan:
    spans = [match.span() for match in islice(_words_of(text), limit)]
    kept = [(i, lemmas) for i, lemmas in known if i < len(spans)]
    return _Scan(spans, 0, len(spans), [i for i, _ in kept], [found for _, found in kept])


def _words_of(text: str, at: int = 0) -> Iterator[re.Match[str]]:
    """The `WORD` matches the index counts (`is_word`), from `at` on."""
    words: Iterator[re.Match[str]] = WORD.finditer(text, at)
    if "ʼ" in text:  # a run of these alone is no word to the index
        words = (match for match in words if is_word(match.group()))
    return words


def _between(text: str) -> str:
    return html.escape(_SPACE.sub(" ", text))


def _words(text: str) -> int:
    if "ʼ" in text:
        return len(list(_words_of(text)))
    return len(WORD.findall(text))  # no match object per word


def from_fts(
    query: Query,
    lead_text: str,
    lead: str,
    body: str,
    lead_alt: str,
    body_alt: str,
    alternatives_at: str | None = None,
) -> Marks | None:
    """SQLite: marks from a hit's FTS5 columns (each word's primary lemma, in order; the
    alternatives, which `alternatives_at` places: see `app.search.documents`). None when
    they cannot tell: a query lemma is among the hit's alternatives and the entry does not
    place them (written before it could), or the lead's words do not line up with the
    text's."""
    wanted = query.lemmas
    placed: dict[int, tuple[str, ...]] = {}
    alternatives = f" {lead_alt} {body_alt} "
    if any(f" {lemma} " in alternatives for lemma in wanted):
        if alternatives_at is None:
            return None
        tokens, numbers = alternatives.split(), alternatives_at.split()
        if len(tokens) != len(numbers):  # not the same entry's
            return None
        # The wanted tokens' places, found by the list's own search (a page's hits have
        # a hundred alternatives each, a few of them wanted), in the tokens' order.
        found: list[tuple[int, str]] = []
        for lemma in wanted:
            at = -1
            for _ in range(tokens.count(lemma)):
                at = tokens.index(lemma, at + 1)
                found.append((at, lemma))
        for at, token in sorted(found):
            number = numbers[at]
            if not number.isdecimal():  # not as this version writes it
                return None
            i = int(number)
            placed[i] = (*placed.get(i, ()), token)
    if len(lead.split()) != _words(lead_text):
        return None
    # The lemmas with a space before and after, made once (a body's are thousands of
    # characters), and again one space apart when they are not as written.
    text = f" {lead} {body} " if lead and body else f" {lead or body} "
    if "  " in text or text[1].isspace() or text[-2].isspace():
        text = f" {' '.join(f'{lead} {body}'.split())} "
    return _Primaries(text, wanted, placed)


def from_positions(
    title: str, lead: str, found: Iterable[tuple[str, Sequence[int]]]
) -> Marks | None:
    """PostgreSQL: marks from the lead's and the body's positions of the query's lexemes
    in a hit's `vector` (the title's are not read): title words at 1..T, lead words a
    position after (T+2..), body words a position after those. None when a position
    falls outside the lead's and the body's words (an entry of another text: a title
    of another length moves every position), or when a lexeme may be at PostgreSQL's cap
    of positions (its title positions uncounted: from the cap less the title's words)."""
    in_title, in_lead = _words(title), _words(lead)
    lead_from, body_from = in_title + 2, in_title + in_lead + 3
    marks: dict[int, list[str]] = {}
    for lexeme, positions in found:
        if len(positions) >= MAX_POSITIONS_PER_TERM - in_title:
            return None  # later repeats may have no position: the words are analysed
        lemma = lexeme.removeprefix(ALTERNATIVE)
        for position in positions:
            if lead_from <= position < body_from - 1:
                i = position - lead_from
            elif position >= body_from:
                i = position - body_from + in_lead
            else:
                return None
            at = marks.setdefault(i, [])
            if lemma not in at:
                at.append(lemma)
    return _Positions((i, tuple(lemmas)) for i, lemmas in marks.items())


@dataclass(frozen=True, slots=True)
class Hit:
    """What a hit's snippet is made of: its lead and body, and what the index says."""

    lead: str
    body_html: str
    marks: Marks | None


class Material(Protocol):
    """Where a page's snippet material is read from (`app.public.reads.HotReads`)."""

    dialect: str

    async def snippet_material(
        self, ids: list[uuid.UUID], *, terms: list[str]
    ) -> Sequence[Mapping[str, Any]]: ...


async def hits(reader: Material, ids: Sequence[uuid.UUID], query: Query) -> dict[uuid.UUID, Hit]:
    """The snippet material of a page's hits, in one statement on the driver: each
    translation's text and its index entry, read together (so they are of the same
    version). PostgreSQL reads the positions of the query's lexemes (primary and
    alternative), SQLite the entry's FTS5 columns."""
    terms = sorted({*query.lemmas, *(ALTERNATIVE + lemma for lemma in query.lemmas)})
    rows = await reader.snippet_material(list(ids), terms=terms)
    found: dict[uuid.UUID, Hit] = {}
    for row in rows:
        lead, marks = row["lead"], None
        if row["entry"] is not None and reader.dialect == "postgresql":
            marks = from_positions(row["title"], lead, _loaded(row["positions"]))
        elif row["entry"] is not None:
            columns = ("lemmas_lead", "lemmas_body", "lead_alt", "body_alt", "alternatives_at")
            marks = from_fts(query, lead, *(row[c] for c in columns))
        # No entry (not indexed yet): no marks, the words are analysed.
        ident = row["id"]
        found[ident if isinstance(ident, uuid.UUID) else uuid.UUID(ident)] = Hit(
            lead, row["body_html"], marks
        )
    return found


def _loaded(value: Any) -> list[tuple[str, list[int]]]:
    """The positions subquery's JSON, decoded (`json_agg` is typed JSON); NULL when no
    lexeme of the query is there."""
    return [] if value is None else [(lexeme, at) for lexeme, at in value]
