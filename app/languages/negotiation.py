"""Accept-Language negotiation (RFC 9110 §12.5.4) over the languages table.

Written once: the requested tags by quality, then each matched language's fallback list,
then the article's original language.
"""

from collections.abc import Sequence

from app.models import Language


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges by descending quality (stable for equal q), without q=0 and '*'."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _match(tag: str, languages: Sequence[Language]) -> Language | None:
    for lang in languages:
        if lang.bcp47.lower() == tag or lang.code == tag:
            return lang
    primary = tag.split("-")[0]
    for lang in languages:
        if lang.bcp47.lower().split("-")[0] == primary:
            return lang
    return None


def preference(header: str | None, languages: Sequence[Language], original: str) -> list[str]:
    """Language codes to try, best first, for this Accept-Language and original."""
    by_code = {lang.code: lang for lang in languages}
    matched = [m for tag in parse_accept_language(header) if (m := _match(tag, languages))]
    order: list[str] = [m.code for m in matched]
    for lang in matched:
        order.extend(code for code in lang.fallbacks if code in by_code)
    order.append(original)
    return list(dict.fromkeys(order))  # first occurrence wins
