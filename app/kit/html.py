"""HTML of article bodies: sanitized on write, measured for reading time."""

import html
import math
import re

import nh3

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
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*", re.UNICODE)
WORDS_PER_MINUTE = 200


def sanitize(body_html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes; idempotent."""
    return nh3.clean(
        body_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def text_of(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


def word_count(*parts: str) -> int:
    return sum(len(_WORD.findall(text_of(part))) for part in parts)


def reading_time_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
