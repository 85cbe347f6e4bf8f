"""Where the public site shows what the API serves: one spelling of every site URL.

The API serves content; a frontend renders it at its own addresses. Those addresses are
configured once (`NEWSDESK_SITE_URL` and `NEWSDESK_ARTICLE_URL_PATTERN`) and given out by
the server, so no frontend, feed, sitemap, webhook or JSON-LD object derives them on its
own: an article's `url`, `canonical_url` and `x_default_url`, its alternates' `url`s,
the `Link` header's hreflang alternates, feed and sitemap links and change events all
come from here.

The alternates of a language version are every public version of its article, itself
included (flagged `current`), in the languages' order. The `x-default` is the original
language's version when it is public, else the first public version in that order: the
page a reader whose language is none of them should land on.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.config import Settings


def article_path(language: str, slug: str) -> str:
    """The public API path of one language version."""
    return f"/v1/{language}/articles/{slug}"


_PATTERNS = {"tag": "tag_pattern", "category": "category_pattern", "author": "author_pattern"}


@dataclass(frozen=True, slots=True)
class Site:
    """The public site's address and its URL patterns (from the settings)."""

    base: str  # no trailing slash
    article_pattern: str
    author_pattern: str = "/{lang}/authors/{slug}"
    tag_pattern: str = "/{lang}/tags/{slug}"
    category_pattern: str = "/{lang}/categories/{slug}"
    name: str = "Newsdesk"
    logo: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> "Site":
        """The site of these settings; the same `Site` again for the same settings object
        (the feeds, term pages and change events ask for it per item)."""
        last = _LAST.get("site")
        if last is not None and last[0] is settings:
            return last[1]
        site = cls._of(settings)
        _LAST["site"] = (settings, site)
        return site

    @classmethod
    def _of(cls, settings: Settings) -> "Site":
        return cls(
            base=settings.site_url.rstrip("/"),
            article_pattern=settings.article_url_pattern,
            author_pattern=settings.author_url_pattern,
            tag_pattern=settings.tag_url_pattern,
            category_pattern=settings.category_url_pattern,
            name=settings.site_name,
            logo=settings.publisher_logo_url,
        )

    def article_url(self, *, language: str, bcp47: str, slug: str) -> str:
        """The site URL of one language version of an article."""
        return self.base + self.article_pattern.format_map(
            {"lang": language, "bcp47": bcp47, "slug": slug}
        )

    def author_url(self, *, language: str, bcp47: str, slug: str) -> str:
        """The site URL of an author's page in one language."""
        return self.term_url("author", language=language, bcp47=bcp47, slug=slug)

    def term_url(self, kind: str, *, language: str, bcp47: str, slug: str) -> str:
        """The site URL of a tag's, a category's or an author's page (`kind`) in one
        language."""
        pattern: str = getattr(self, _PATTERNS[kind])
        return self.base + pattern.format_map({"lang": language, "bcp47": bcp47, "slug": slug})

    def publisher(self) -> dict[str, Any]:
        """The schema.org publisher: the site's name and address, and its logo if set."""
        organization: dict[str, Any] = {
            "@type": "NewsMediaOrganization",
            "name": self.name,
            "url": self.base + "/",
        }
        if self.logo is not None:
            organization["logo"] = {"@type": "ImageObject", "url": self.logo}
        return organization

    def alternates(
        self, versions: Iterable[Mapping[str, Any]], *, current: str
    ) -> list[dict[str, Any]]:
        """`versions` (each with `language`, `bcp47`, `slug`, in the languages' order) as
        the `Alternate` fields: API path, site URL and whether it is the `current` one."""
        return [
            {
                "language": version["language"],
                "bcp47": version["bcp47"],
                "slug": version["slug"],
                "path": article_path(version["language"], version["slug"]),
                "url": self.article_url(
                    language=version["language"], bcp47=version["bcp47"], slug=version["slug"]
                ),
                "current": version["language"] == current,
            }
            for version in versions
        ]


# The last settings object asked for and its site (`Site.of`).
_LAST: dict[str, tuple[Settings, Site]] = {}


def x_default(alternates: list[dict[str, Any]], original_language: str) -> str | None:
    """The `x-default` URL among `Site.alternates`: the original language's, else the
    first; None when there are none."""
    for alternate in alternates:
        if alternate["language"] == original_language:
            return str(alternate["url"])
    return str(alternates[0]["url"]) if alternates else None


def link_header(alternates: Iterable[Any], *, canonical: str, default: str | None) -> str:
    """The `Link` header of a page with these alternates (models or dicts with `url`
    and `bcp47`): its canonical URL, each hreflang alternate and the `x-default`."""
    links = [f'<{canonical}>; rel="canonical"']
    for alternate in alternates:
        url, bcp47 = (
            (alternate["url"], alternate["bcp47"])
            if isinstance(alternate, dict)  # not `Mapping`: an ABC check costs a read more
            else (alternate.url, alternate.bcp47)
        )
        links.append(f'<{url}>; rel="alternate"; hreflang="{bcp47}"')
    if default is not None:
        links.append(f'<{default}>; rel="alternate"; hreflang="x-default"')
    return ", ".join(links)
