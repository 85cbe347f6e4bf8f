"""HTML of article bodies: sanitized on write, measured for reading time.

`clean_body` runs three steps, each over a real parser's view of the markup:

1. the body as written is tokenized (`app.kit.markup`): embed codes of the allowed
   providers (`app.kit.embeds`) are replaced in place by their one stored form, and
   everything the allowlist will remove is logged (the write's warnings);
2. nh3 (ammonia, an HTML5 parser) keeps only the allowlisted tags, attributes and URL
   schemes — the one step that makes the body safe;
3. its well-formed output gets heading ids, the outline and the list of embeds
   (`app.kit.headings`), and goes through nh3 once more.

Sanitizing a sanitized body gives it back unchanged, with no warnings.
"""

import functools
import html
import math
import re
from dataclasses import dataclass
from typing import Any

from app.kit import embeds
from app.kit.headings import HEADINGS, apply, finish, paragraph_url
from app.kit.markup import Token, matching_ends, tokenize
from app.kit.removals import RemovalLog, SanitizerWarning

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "a", "strong", "em", "b", "i",
    "figure", "figcaption", "img", "br", "hr", "table", "thead", "tbody", "tr", "th", "td",
    "caption", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "blockquote": {"cite"},
    **{heading: {"id"} for heading in HEADINGS},
    "figure": {"data-embed", "data-embed-id"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
LINK_REL = "noopener noreferrer"  # set on every link (so a stored body's own is not a removal)

_TAG = re.compile(r"<[^>]+>")
# An embed's fallback link is not prose: it is left out of the text (word count, search).
_EMBED = re.compile(r"<figure data-embed=[^>]*>.*?</figure>", re.DOTALL)
_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*", re.UNICODE)
_EMBED_ID = re.compile(r"[A-Za-z0-9_./-]{1,160}")
_HEADING_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class CleanBody:
    html: str
    outline: list[dict[str, Any]]
    embeds: list[dict[str, str]]
    warnings: list[SanitizerWarning]


def _keep_strict(tag: str, attribute: str, value: str) -> str | None:
    """The last guard of the stored form: embed attributes and heading ids as they may be."""
    if tag == "figure":
        if attribute == "data-embed":
            return value if value in embeds.PROVIDERS else None
        if attribute == "data-embed-id":
            return value if _EMBED_ID.fullmatch(value) else None
    if tag in HEADINGS and attribute == "id":
        return value if _HEADING_ID.fullmatch(value) else None
    return value


def _nh3(body_html: str, *, strict: bool) -> str:
    # Imported at the first write, as in `_probe`: a worker that only reads is spared
    # nh3's ~1.7 MB (docs/benchmarks.md, memory).
    import nh3

    return nh3.clean(
        body_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_strict if strict else None,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def clean_body(body_html: str, bcp47: str) -> CleanBody:
    """The body as stored, its outline and embeds, and what was removed from it."""
    log = RemovalLog()
    pasted = _replace_embeds(body_html, log)
    # Twice: nh3 can write a tree its own parser reads back otherwise (an h2 that an
    # unknown element put inside an h2 comes back as its sibling); ids are given to the
    # structure a second sanitizing will find.
    clean = _nh3(_nh3(pasted, strict=False), strict=False)
    finished = finish(clean, bcp47, log)
    body = _nh3(finished.html, strict=True)
    # The last pass can move what `finish` wrote: an embed's own form inside a link left
    # open around it comes back with that link reopened inside the embed (links do not
    # nest). Finished again until nothing moves, as a second sanitizing would finish it
    # (what moved was logged the first time).
    for _ in range(_ROUNDS):
        if body == finished.html:  # nothing moved
            break
        again = finish(body, bcp47, RemovalLog())
        settled = _nh3(again.html, strict=True)
        if settled == body:
            break
        body, finished = settled, again
    return CleanBody(body, finished.outline, finished.embeds, log.removals())


# How many times at most `clean_body` finishes a body again: one is all the fuzzed bodies
# ever needed (tests/kit/test_html_body.py).
_ROUNDS = 3


def sanitize(body_html: str, bcp47: str = "und") -> str:
    """Keep only the allowlisted tags, attributes, URL schemes and embeds; idempotent."""
    return clean_body(body_html, bcp47).html


# Step 1: embeds replaced, removals logged -------------------------------------------------


def _url_kept(tag: str, attribute: str, value: str) -> bool:
    """Whether nh3 keeps this URL (its own URL parser decides what a scheme is)."""
    if len(value) > 2048:  # not worth keeping in the cache
        return _probe(tag, attribute, value)
    return _cached_probe(tag, attribute, value)


@functools.lru_cache(maxsize=1024)
def _cached_probe(tag: str, attribute: str, value: str) -> bool:
    return _probe(tag, attribute, value)


def _probe(tag: str, attribute: str, value: str) -> bool:
    import nh3

    probe = f'<{tag} {attribute}="{html.escape(value)}"></{tag}>'
    cleaned = nh3.clean(
        probe, tags={tag}, attributes={tag: {attribute}}, url_schemes=ALLOWED_SCHEMES,
        link_rel=None,
    )  # fmt: skip
    return f"{attribute}=" in cleaned


def _log_element(token: Token, log: RemovalLog) -> None:
    """What the allowlist removes of an element written outside any embed."""
    if token.tag not in ALLOWED_TAGS:
        log.add("removed_tag", tag=token.tag)
        return
    allowed = ALLOWED_ATTRIBUTES.get(token.tag, set())
    for name, value in token.attrs:
        if token.tag == "a" and name == "rel" and value == LINK_REL:
            continue
        if name not in allowed:
            log.add("removed_attribute", tag=token.tag, attribute=name)
        elif name in URL_ATTRIBUTES and value and not _url_kept(token.tag, name, value):
            log.add("removed_url", tag=token.tag, attribute=name)


def _provider_of(url: str) -> str | None:
    """The allowed provider a URL's host belongs to, whether or not its id is valid."""
    host = url.strip().lower()
    for provider, names in (
        ("youtube", ("youtube.com/", "youtube-nocookie.com/", "youtu.be/")),
        ("vimeo", ("vimeo.com/",)),
        ("x", ("twitter.com/", "x.com/")),
        ("telegram", ("t.me/", "telegram.me/", "telegram.org/")),
        ("facebook", ("facebook.com/", "facebook.net/")),
        ("instagram", ("instagram.com/",)),
    ):
        if any(f"//{name}" in host or f".{name}" in host for name in names):
            return provider
    return None


# (index of the embed code's last token, the embed, or what to log when it is not valid:
# (provider, url)).
Found = tuple[int, embeds.Embed | None, tuple[str | None, str | None] | None]


class _Pass:
    """One walk over the body as written, left to right."""

    def __init__(self, source: str, log: RemovalLog) -> None:
        self.source, self.log = source, log
        self.tokens = tokenize(source)
        self.ends = matching_ends(self.tokens)
        self.splices: list[tuple[int, int, str]] = []
        self.found: set[str] = set()  # providers of the embeds kept
        self.loaders: list[tuple[str, int, int]] = []  # (provider, start, end)

    def _stop(self, j: int | None) -> int:
        return self.tokens[j].end if j is not None else len(self.source)

    def embed_at(self, i: int) -> Found | None:
        """When `tokens[i]` starts an embed code: the index of its last token, and the embed
        (None when it is not a valid one: what to log then); else None."""
        token, j = self.tokens[i], self.ends.get(i)
        last = j if j is not None else len(self.tokens) - 1  # unclosed: to the end, as browsers
        classes = token.classes
        if token.tag == "iframe":
            src = token.attr("src") or ""
            embed = embeds.from_url(src)
            return last, embed, None if embed else (_provider_of(src), src or None)
        if token.tag == "script" and token.attr("data-telegram-post") is not None:
            post = token.attr("data-telegram-post") or ""
            embed = embeds.of("telegram", post)
            return last, embed, None if embed else ("telegram", post)
        if token.tag == "figure" and any(k.startswith("data-embed") for k, _ in token.attrs):
            provider = token.attr("data-embed") or ""
            embed = embeds.of(provider, token.attr("data-embed-id") or "")
            guess = provider if provider in embeds.PROVIDERS else None
            return last, embed, None if embed else (guess, token.attr("data-embed-id"))
        if j is None:
            return None
        if token.tag == "blockquote" and classes & {"twitter-tweet", "twitter-video"}:
            return self._linked(i, j, "x")
        if token.tag == "blockquote" and "instagram-media" in classes:
            permalink = embeds.from_url(token.attr("data-instgrm-permalink") or "")
            if permalink is not None and permalink.provider == "instagram":
                return j, permalink, None
            return self._linked(i, j, "instagram")
        if token.tag == "div" and classes & {"fb-post", "fb-video"}:
            embed = embeds.from_url(token.attr("data-href") or "")
            if embed is not None and embed.provider == "facebook":
                return j, embed, None
        return None

    def _linked(self, i: int, j: int, provider: str) -> Found | None:
        """A provider's quote-and-link embed: the last link inside to one of its posts."""
        for token in reversed(self.tokens[i + 1 : j]):
            if token.kind == "start" and token.tag == "a":
                embed = embeds.from_url(token.attr("href") or "")
                if embed is not None and embed.provider == provider:
                    return j, embed, None
        return None  # not recognised: an ordinary quote (its class removed, and logged)

    def bare_url(self, i: int) -> Found | None:
        """`<p>` holding nothing but a provider's URL (as text, or as a link whose text is
        a URL) or one embed code: the paragraph is the embed (as WordPress does)."""
        j = self.ends.get(i)
        if j is None:
            return None
        inner = [
            k for k in range(i + 1, j)
            if not (self.tokens[k].kind == "data" and not self.tokens[k].text.strip())
        ]  # fmt: skip
        embed = paragraph_url([self.tokens[k] for k in inner])
        if embed is not None:
            return j, embed, None
        if inner and self.tokens[inner[0]].kind == "start":
            found = self.embed_at(inner[0])
            if found is not None and found[0] == inner[-1]:
                return j, found[1], found[2]
        return None

    def loader_at(self, i: int) -> tuple[str, int] | None:
        """A provider's loader script (or Facebook's empty `fb-root`), pasted with its
        embeds: (provider, index of its last token)."""
        token, j = self.tokens[i], self.ends.get(i)
        if token.tag == "script" and token.attr("data-telegram-post") is None:
            provider = embeds.loader_of(token.attr("src") or "")
            if provider is not None:
                return provider, (j if j is not None else i)
        if token.tag == "div" and token.attr("id") == "fb-root" and j == i + 1:
            return "facebook", j
        return None

    def run(self) -> str:
        tokens, i = self.tokens, 0
        while i < len(tokens):
            token = tokens[i]
            if token.kind == "comment":
                self.log.add("removed_comment")
            if token.kind != "start":
                i += 1
                continue
            loader = self.loader_at(i)
            if loader is not None:
                provider, j = loader
                self.loaders.append((provider, token.start, self._stop(j)))
                i = j + 1
                continue
            found = self.bare_url(i) if token.tag == "p" else self.embed_at(i)
            if found is None:
                _log_element(token, self.log)
                i += 1
                continue
            j, embed, removed = found
            if embed is not None:
                self.found.add(embed.provider)
            else:
                guess, url = removed or (None, None)
                self.log.add("removed_embed", provider=guess, url=url)
            self.splices.append((token.start, self._stop(j), embed.html() if embed else ""))
            i = j + 1
        for provider, start, stop in self.loaders:
            if provider not in self.found:
                self.log.add("removed_tag", tag="script" if provider != "facebook" else "div")
            self.splices.append((start, stop, ""))
        return apply(self.source, self.splices)


def _replace_embeds(body_html: str, log: RemovalLog) -> str:
    return _Pass(body_html, log).run()


# Text ------------------------------------------------------------------------------------


def text_of(fragment: str) -> str:
    """The text of sanitized HTML, without the embeds' fallback links."""
    return html.unescape(_TAG.sub(" ", _EMBED.sub(" ", fragment)))


def word_count(*parts: str) -> int:
    return sum(len(_WORD.findall(text_of(part))) for part in parts)


def reading_time_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
