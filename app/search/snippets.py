"""Snippets: a short excerpt of a hit's lead and body with the matched words marked.

Made in Python from the same analysis as the index, so a reader sees «удару» marked for
the query «удар», identically on both databases. The excerpt is plain text, HTML-escaped,
with `<mark>` around matched words and `…` where it was cut.

The text is analysed lazily, word by word, and the scan stops at the first window that
shows every word of the query (or after SCAN_LIMIT words): a page of hits costs a few
hundred words of analysis per hit, not whole bodies.
"""

import html
from itertools import islice

from app.kit.html import text_of
from app.search.analysis import Word
from app.search.query import Query

WINDOW = 30  # words shown
LEAD_IN = 6  # words shown before the first hit of the window
SCAN_LIMIT = 3_000


def _best_window(words: list[Word], hits: list[int], clauses: tuple[frozenset[str], ...]) -> int:
    """The first word of the window showing the most query clauses, earliest on ties."""
    best, start = -1, 0
    for first in hits:
        lemmas = {lemma for word in words[first : first + WINDOW] for lemma in word.lemmas}
        covered = sum(1 for clause in clauses if clause & lemmas)
        if covered > best:
            best, start = covered, first
            if covered == len(clauses):
                break
    return start


def highlight(query: Query, lead: str, body_html: str) -> str:
    text = " ".join(part for part in (lead.strip(), " ".join(text_of(body_html).split())) if part)
    wanted = query.lemmas
    clauses = query.clause_lemmas
    words: list[Word] = []
    hits: list[int] = []
    for i, word in enumerate(islice(query.analyzer.words(text), SCAN_LIMIT)):
        words.append(word)
        if wanted.intersection(word.lemmas):
            hits.append(i)
        # Stop once the window from the first hit is complete if it shows every clause.
        if hits and i == hits[0] + WINDOW:
            seen = {lemma for w in words[hits[0] : i] for lemma in w.lemmas}
            if all(clause & seen for clause in clauses):
                break
    if not words:
        return ""
    start = max(0, _best_window(words, hits, clauses) - LEAD_IN) if hits else 0
    end = min(len(words), start + WINDOW)
    marked = set(hits)
    out: list[str] = ["… " if start > 0 else ""]
    position = words[start].start
    for i in range(start, end):
        word = words[i]
        out.append(html.escape(text[position : word.start]))
        piece = html.escape(text[word.start : word.end])
        out.append(f"<mark>{piece}</mark>" if i in marked else piece)
        position = word.end
    if end < len(words) or len(words) == SCAN_LIMIT:
        out.append(" …")
    else:
        out.append(html.escape(text[position:]))
    return "".join(out).strip()
