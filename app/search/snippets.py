"""Snippets: a short excerpt of a hit's lead and body with the matched words marked.

Made in Python from the same analysis as the index, so a reader sees «удару» marked for
the query «удар», identically on both databases. The excerpt is plain text, HTML-escaped,
with `<mark>` around matched words and `…` where it was cut.
"""

import html

from app.kit.html import text_of
from app.search.query import Query

WINDOW = 30  # words
LEAD_IN = 6  # words shown before the first hit of the window


def highlight(query: Query, lead: str, body_html: str) -> str:
    text = " ".join(part for part in (lead.strip(), " ".join(text_of(body_html).split())) if part)
    wanted = query.lemmas
    words = list(query.analyzer.words(text))
    if not words:
        return ""
    hits = [i for i, word in enumerate(words) if wanted.intersection(word.lemmas)]
    start = 0
    if hits:
        # The window that covers the most different query lemmas, earliest on ties.
        best = -1
        for first in hits:
            covered = {
                lemma
                for word in words[first : first + WINDOW]
                for lemma in word.lemmas
                if lemma in wanted
            }
            if len(covered) > best:
                best, start = len(covered), first
        start = max(0, start - LEAD_IN)
    end = min(len(words), start + WINDOW)
    marked = set(hits)
    out: list[str] = ["… " if start > 0 else ""]
    cursor = words[start].start
    for i in range(start, end):
        word = words[i]
        out.append(html.escape(text[cursor : word.start]))
        piece = html.escape(text[word.start : word.end])
        out.append(f"<mark>{piece}</mark>" if i in marked else piece)
        cursor = word.end
    if end < len(words):
        out.append(" …")
    else:
        out.append(html.escape(text[cursor:]))
    return "".join(out).strip()
