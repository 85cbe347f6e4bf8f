"""Heading ids and the outline of a sanitized body; the embeds it keeps, in order.

Every `h2`-`h4` gets an `id` derived from its text as slugs are (transliterated by the
language's system, `app.kit.slugs`), unique within the body (`-2`, `-3`, ...), never empty
(`section`). An id is a function of the headings' texts and order alone, so sanitizing a
sanitized body gives it back unchanged; an id the author gave is replaced.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from app.kit import embeds
from app.kit.markup import Token, matching_ends, tokenize
from app.kit.removals import RemovalLog
from app.kit.slugs import MAX_SLUG_LENGTH, slugify

HEADINGS = frozenset({"h2", "h3", "h4"})
FALLBACK_ID = "section"
# What a body must hold for `finish` to change anything: a heading, an embed, a URL.
_MARKERS = ("<h2", "<h3", "<h4", "<figure", "http")


def heading_ids(texts: Sequence[str], bcp47: str) -> list[str]:
    """The id of each heading, in order: its text as a slug, unique among them."""
    taken: set[str] = set()
    tried: dict[str, int] = {}  # the last number tried for a base: no quadratic rescans
    ids = []
    for text in texts:
        base = slugify(text, bcp47) or FALLBACK_ID
        candidate, n = base, tried.get(base, 1)
        stem = base[: MAX_SLUG_LENGTH - 7].rstrip("-")  # room for "-999999"
        while candidate in taken:
            n += 1
            candidate = f"{stem}-{n}"
        tried[base] = n
        taken.add(candidate)
        ids.append(candidate)
    return ids


@dataclass
class Finished:
    html: str
    outline: list[dict[str, Any]] = field(default_factory=list)
    embeds: list[dict[str, str]] = field(default_factory=list)


def _text(tokens: Sequence[Token], ends: dict[int, int], i: int, j: int) -> str:
    """The text between `tokens[i]` and `tokens[j]`, leaving out the embeds (their fallback
    link, replaced by the one form whatever it was, and a paragraph that becomes one)."""
    parts, k = [], i + 1
    while k < j:
        token, end = tokens[k], ends.get(k)
        if token.kind == "data":
            parts.append(token.text)
        elif end is not None and _embed_element(tokens, k, end):
            k = end
        k += 1
    return " ".join("".join(parts).split())


def _embed_element(tokens: Sequence[Token], i: int, end: int) -> bool:
    token = tokens[i]
    if token.kind != "start":
        return False
    if token.tag == "figure":
        return token.attr("data-embed") is not None
    return token.tag == "p" and paragraph_url(_inner(tokens, i, end)) is not None


def _inner(tokens: Sequence[Token], i: int, end: int) -> list[Token]:
    """The tokens inside an element, blank text left out."""
    return [t for t in tokens[i + 1 : end] if t.kind != "data" or t.text.strip()]


def paragraph_url(inner: Sequence[Token]) -> embeds.Embed | None:
    """The embed a paragraph stands for when `inner` (its tokens, blank text left out) is
    nothing but a provider's URL, as text or as a link whose text is a URL (WordPress's
    rule: a URL alone on its line)."""
    kinds = [(t.kind, t.tag) for t in inner]
    if kinds == [("data", "")]:
        return embeds.from_url(inner[0].text.strip())
    if kinds == [("start", "a"), ("data", ""), ("end", "a")] and inner[1].text.strip().startswith(
        ("http://", "https://")
    ):
        return embeds.from_url(inner[0].attr("href") or "")
    return None


def finish(clean_html: str, bcp47: str, log: RemovalLog) -> Finished:
    """Give each heading of `clean_html` (the sanitizer's well-formed output) its id, list
    the outline and the embeds, and put every embed in its one form (an embed element
    whose id is not valid is removed). A paragraph holding only a provider's URL becomes
    its embed here too, where paragraphs are whole (the first step may see one unclosed)."""
    if not any(marker in clean_html for marker in _MARKERS):
        return Finished(clean_html)  # nothing to do: skip the tokenizer (the costly part)
    tokens = tokenize(clean_html)
    ends = matching_ends(tokens)
    splices: list[tuple[int, int, str]] = []
    headings: list[tuple[Token, str]] = []
    found: list[dict[str, str]] = []
    i = 0
    while i < len(tokens):
        token, i = tokens[i], i + 1
        if token.kind != "start":
            continue
        end = ends.get(i - 1)
        if token.tag == "p" and end is not None:
            embed = paragraph_url(_inner(tokens, i - 1, end))
            if embed is not None:
                found.append(embed.as_dict())
                splices.append((token.start, tokens[end].end, embed.html()))
                i = end + 1
        elif token.tag in HEADINGS and end is not None:
            headings.append((token, _text(tokens, ends, i - 1, end)))
        elif token.tag == "figure" and token.attr("data-embed") is not None:
            stop = tokens[end].end if end is not None else len(clean_html)
            embed = embeds.of(token.attr("data-embed") or "", token.attr("data-embed-id") or "")
            if embed is None:
                log.add("removed_embed", url=token.attr("data-embed-id"))
            else:
                found.append(embed.as_dict())
            splices.append((token.start, stop, embed.html() if embed else ""))
            i = len(tokens) if end is None else end + 1  # what it held is replaced
    ids = heading_ids([text for _, text in headings], bcp47)
    outline = []
    for (token, text), ident in zip(headings, ids, strict=True):
        given = token.attr("id")
        if given is not None and given != ident:
            log.add("replaced_heading_id", tag=token.tag, attribute="id")
        splices.append((token.start, token.end, f'<{token.tag} id="{escape(ident)}">'))
        outline.append({"level": int(token.tag[1]), "text": text, "id": ident})
    return Finished(apply(clean_html, splices), outline, found)


def apply(source: str, splices: list[tuple[int, int, str]]) -> str:
    """`source` with each (start, end) range replaced; ranges that overlap an earlier one
    are skipped."""
    out, at = [], 0
    for start, end, replacement in sorted(splices, key=lambda s: s[0]):
        if start < at:
            continue
        out += [source[at:start], replacement]
        at = end
    out.append(source[at:])
    return "".join(out)
