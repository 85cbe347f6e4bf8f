"""Snippets: a short excerpt of a hit's lead and body with the matched words marked.

Made in Python from the same analysis as the index, so a reader sees «удару» marked for
the query «удар», identically on both databases. The excerpt is plain text, HTML-escaped,
with `<mark>` around matched words and `…` where it was cut.

The scan stops at the first window that shows every word of the query (or after
SCAN_LIMIT words). It is the search's main cost in Python, so it does as little per word
as it can: a spelling is analysed when the scan first meets it, once per page (`Seen`:
each distinct spelling, whether it is a hit), so the words after the window are never
analysed; only hits keep their lemmas, and every other word is just a span.
"""

import html

from app.kit.html import text_of
from app.search.analysis import WORD
from app.search.query import Query

WINDOW = 30  # words shown
LEAD_IN = 6  # words shown before the first hit of the window
SCAN_LIMIT = 3_000

# A spelling's lemmas when it is a hit, None when it is not, () when it is no word at all
# (nothing left once folded). Shared by the hits of one page: their texts share words.
Seen = dict[str, tuple[str, ...] | None]
_UNSEEN = ("",)


def _best_window(hits: list[int], lemmas: list[tuple[str, ...]],
                 clauses: tuple[frozenset[str], ...]) -> int:  # fmt: skip
    """The first word of the window showing the most query clauses, earliest on ties.
    Only hits can show a clause, so a window's lemmas are its hits' lemmas."""
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
    return start


def highlight(query: Query, lead: str, body_html: str, seen: Seen | None = None) -> str:
    text = " ".join(part for part in (lead.strip(), " ".join(text_of(body_html).split())) if part)
    analyzer = query.analyzer
    wanted = query.lemmas
    clauses = query.clause_lemmas
    seen = {} if seen is None else seen
    # First the words alone, each spelling analysed when the scan first meets it (most
    # scans stop soon after the first hit: the rest of the text is never analysed), then
    # the spans of the window shown.
    kept: list[int] = []  # per word (a spelling with lemmas): its number among the text's words
    hits: list[int] = []  # word numbers in `kept`
    hit_lemmas: list[tuple[str, ...]] = []
    for k, word in enumerate(WORD.findall(text)):
        found = seen.get(word, _UNSEEN)
        if found is _UNSEEN:
            lemmas = analyzer.spelling(word)
            found = () if not lemmas[0] else lemmas if wanted.intersection(lemmas) else None
            seen[word] = found
        if found == ():
            continue
        i = len(kept)
        kept.append(k)
        if found is not None:
            hits.append(i)
            hit_lemmas.append(found)
        # Stop once the window from the first hit is complete if it shows every clause.
        if hits and i == hits[0] + WINDOW:
            shown = {lemma for n, ls in zip(hits, hit_lemmas, strict=True) if n < i for lemma in ls}
            if all(clause & shown for clause in clauses):
                break
        if len(kept) == SCAN_LIMIT:
            break
    if not kept:
        return ""
    start = max(0, _best_window(hits, hit_lemmas, clauses) - LEAD_IN) if hits else 0
    end = min(len(kept), start + WINDOW)
    shown_words = set(kept[start:end])
    last_shown = kept[end - 1]
    found_spans: dict[int, tuple[int, int]] = {}
    for k, match in enumerate(WORD.finditer(text)):
        if k in shown_words:
            found_spans[k] = match.span()
            if k == last_shown:
                break
    spans = [found_spans[k] for k in kept[start:end]]
    marked = {i - start for i in hits if start <= i < end}
    out: list[str] = ["… " if start > 0 else ""]
    position = spans[0][0]
    for i, (first, last) in enumerate(spans):
        out.append(html.escape(text[position:first]))
        piece = html.escape(text[first:last])
        out.append(f"<mark>{piece}</mark>" if i in marked else piece)
        position = last
    if end < len(kept) or len(kept) == SCAN_LIMIT:
        out.append(" …")
    else:
        out.append(html.escape(text[position:]))
    return "".join(out).strip()
