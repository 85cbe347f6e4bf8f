"""Slugs: ASCII, lower case, hyphenated, at most 120 characters, unique per language."""

import re
import unicodedata
from collections.abc import Awaitable, Callable

from app.kit.translit import transliterate

MAX_SLUG_LENGTH = 120
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# A slug another system gave a page (WordPress keeps Cyrillic ones, percent-decoded here):
# kept only as a former slug, so its old links still redirect. Lower case, no spaces,
# slashes, `?`, `#`, `%` or control characters.
LEGACY_SLUG_PATTERN = r"^[^\s/?#%\\\x00-\x1f\x7f-\x9f]+$"
_LEGACY_RE = re.compile(LEGACY_SLUG_PATTERN)


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG_LENGTH and bool(_SLUG_RE.match(slug))


def is_legacy_slug(slug: str) -> bool:
    """Whether `slug` may be kept as a former slug: a slug, or another system's (NFC, lower
    case, at most 120 characters, of the legacy pattern, no
    control, format or space characters)."""
    return (
        len(slug) <= MAX_SLUG_LENGTH
        and bool(_LEGACY_RE.match(slug))
        and slug == unicodedata.normalize("NFC", slug).lower()
        and all(unicodedata.category(c)[0] not in "CZ" for c in slug)  # no format, no spaces
    )


def _cut(slug: str, limit: int) -> str:
    """Shorten to `limit` characters at a word (hyphen) boundary where there is one."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1]
    head, sep, _ = cut.rpartition("-")
    return head.strip("-") if sep and head else slug[:limit].strip("-")


def slugify(text: str, bcp47: str) -> str:
    """A slug for `text` written in the language `bcp47` (may be empty)."""
    ascii_text = transliterate(text, bcp47).replace("&", " and ")
    return _cut(_NON_ALNUM.sub("-", ascii_text).strip("-"), MAX_SLUG_LENGTH)


async def unique_slug(
    base: str, taken: Callable[[list[str]], Awaitable[set[str]]], *, batch: int = 20
) -> str:
    """`base`, or else `base-2`, `base-3`, ...: the first that `taken` does not list.

    `taken(candidates)` returns those of the candidates in use. It is asked about exact
    slugs, a batch at a time (one query covers the base and the next numbers), so the
    database answers from its (language, slug) index: a prefix search (`LIKE 'x%'`) could
    not use it and read every version of the language (100 ms at 100,000 articles).
    """
    base = base or "untitled"
    stem = _cut(base, MAX_SLUG_LENGTH - 7)  # room for "-999999"
    first = 2
    candidates = [base]
    while True:
        candidates += [f"{stem}-{n}" for n in range(first, first + batch)]
        used = await taken(candidates)
        for candidate in candidates:
            if candidate not in used:
                return candidate
        first += batch
        candidates = []
