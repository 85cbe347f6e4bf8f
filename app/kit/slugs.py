"""Slugs: ASCII, lower case, hyphenated, at most 120 characters, unique per language."""

import re
from collections.abc import Awaitable, Callable

from app.kit.translit import transliterate

MAX_SLUG_LENGTH = 120
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG_LENGTH and bool(_SLUG_RE.match(slug))


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
