"""`newsdesk import-wordpress`: a WordPress export (WXR) into Newsdesk, through the import.

A WXR file is read twice, streamed (`defusedxml`'s iterparse, each element let go once
read; a DTD, and so any entity, is refused before anything is written):

1. `scan` indexes what the conversion must see whole before it writes a line: authors,
   terms, and every item without its text (id, type, status, language, translation group,
   slug, dates, terms, the few postmeta it uses). A few hundred bytes an item.
2. `lines` reads the items again and yields Newsdesk's own lines (`app.transfer.lines`):
   a header, authors, categories and tags, media, then one article per translation group
   as soon as the file has given all its versions, and the end line. Only the text of
   groups not yet complete is held.

The lines go through `app.transfer.load.Importer` as a Newsdesk export's would: the same
services, a savepoint per object, batched commits, idempotency. Ids are uuid5 of the site's
address and the WordPress ids (a group: its smallest post id), so the same file imported
twice changes nothing the second time and an edited one updates what it changed.

Polylang marks an item's language and translation group with its `language` and
`post_translations` terms (the group's description is PHP's serialize() of language →
post id) and groups terms with `term_translations`. WPML's "Export and Import" writes
`_wpml_import_language_code`, `_wpml_import_source_language_code` and
`_wpml_import_translation_group` postmeta. A term with no language of its own (any
WPML term, a Polylang term without translations) takes the language of the first post
that uses it.
"""

import html
import json
import re
import sys
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse
from sqlalchemy import select

from app.cache.cache import ResponseCache
from app.db import Database
from app.kit.html import clean_body
from app.kit.slugs import MAX_SLUG_LENGTH, is_legacy_slug, is_valid_slug, slugify
from app.models import Language
from app.transfer.lines import FORMAT, VERSION, moment
from app.transfer.load import Importer, Report, target

ACTOR = "cli:import-wordpress"
DEFAULT_MAP = {"uk": "ua", "ua": "ua", "en": "en", "ru": "ru"}
_NAMESPACES = (  # WXR's namespaces by prefix; `wp` is any version (1.0, 1.1, 1.2)
    ("http://wordpress.org/export/1.2/excerpt/", "excerpt"),
    ("http://wordpress.org/export/1.1/excerpt/", "excerpt"),
    ("http://wordpress.org/export/", "wp"),
    ("http://purl.org/rss/1.0/modules/content/", "content"),
    ("http://purl.org/dc/elements/1.1/", "dc"),
)
_KEPT_META = {"_thumbnail_id", "_wp_attachment_metadata", "_wp_attachment_image_alt",
              "_wpml_import_language_code", "_wpml_import_source_language_code",
              "_wpml_import_translation_group"}  # fmt: skip
_STATUSES = {"publish": "published", "future": "scheduled", "draft": "draft",
             "pending": "in_review", "private": "draft"}  # fmt: skip
_TAXONOMIES = {"category": "category", "post_tag": "tag"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
# A shortcode's tag: `[name ...]`, `[name/]`, `[/name]`.
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][A-Za-z0-9_-]*)((?:\s[^\[\]]*)?)/?\]")
_CORE_SHORTCODES = {"caption", "wp_caption", "gallery", "embed", "audio", "video", "playlist"}
_BLOCK = re.compile(r"<!--\s+(/?)wp:([a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)[\s/]")
# Blocks whose content the sanitizer keeps (their comments go, harmlessly).
_KEPT_BLOCKS = {"paragraph", "heading", "list", "list-item", "quote", "pullquote", "image",
                "table", "separator", "spacer", "group", "columns", "column", "freeform",
                "more", "nextpage", "preformatted", "verse"}  # fmt: skip
# Elements whose content the sanitizer drops with them (others lose only their tags).
_LOST_TAGS = {"script", "style", "iframe", "object", "embed", "video", "audio", "form",
              "svg", "canvas", "noscript", "select", "textarea"}  # fmt: skip
_BLOCK_START = re.compile(
    r"^<(?:p|h[1-6]|ul|ol|li|dl|blockquote|figure|table|div|pre|hr|section|address|"
    r"iframe|script|style|form|!--)[\s>/]",
    re.IGNORECASE,
)


class Refused(Exception):
    """The file is refused as a whole, before anything is written."""


# PHP's serialize(), the array-of-scalars case -------------------------------------------


def php_unserialize(text: str) -> Any:
    """What PHP's serialize() wrote for arrays of scalars (Polylang's group descriptions,
    WordPress's attachment metadata): arrays, strings, integers, floats, booleans, null.
    Objects and references are refused, so nothing but plain data ever comes out.
    ValueError for anything else."""
    data = text.encode("utf-8")
    try:
        value, end = _php_value(data, 0, 0)
        if end != len(data):
            raise ValueError("data after the value")
    except ValueError as exc:  # UnicodeDecodeError too
        raise ValueError(f"not PHP serialize() of plain data: {exc}") from None
    return value


def _php_value(data: bytes, at: int, depth: int) -> tuple[Any, int]:
    if depth > 32:
        raise ValueError("nested too deep")
    kind = data[at : at + 2]
    if data[at : at + 2] == b"N;":
        return None, at + 2
    if kind in (b"i:", b"d:", b"b:"):
        end = data.index(b";", at)
        raw = data[at + 2 : end].decode("ascii")
        if kind == b"i:":
            return int(raw), end + 1
        if kind == b"b:":
            return raw == "1", end + 1
        return float(raw), end + 1
    if kind == b"s:":
        colon = data.index(b":", at + 2)
        size = int(data[at + 2 : colon])
        start = colon + 2
        if data[colon + 1 : start] != b'"' or data[start + size : start + size + 2] != b'";':
            raise ValueError(f"a string at byte {at} is not of its stated length")
        return data[start : start + size].decode("utf-8"), start + size + 2
    if kind == b"a:":
        colon = data.index(b":", at + 2)
        count = int(data[at + 2 : colon])
        if data[colon + 1 : colon + 2] != b"{" or count > len(data):
            raise ValueError(f"an array at byte {at} is malformed")
        at, result = colon + 2, {}
        for _ in range(count):
            key, at = _php_value(data, at, depth + 1)
            if not isinstance(key, int | str):
                raise ValueError("an array key is neither an integer nor a string")
            result[key], at = _php_value(data, at, depth + 1)
        if data[at : at + 1] != b"}":
            raise ValueError(f"an array at byte {at} does not end")
        return result, at + 1
    raise ValueError(f"not a plain value at byte {at}: {data[at : at + 2]!r}")


# Pass 1: the index ------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """A WXR item without its text."""

    id: int
    type: str
    status: str
    name: str  # post_name, percent-decoded
    title: str
    link: str
    date: datetime | None
    modified: datetime | None
    creator: str
    terms: list[tuple[str, str, str]]  # (domain, nicename decoded, name)
    meta: dict[str, str]
    old_slugs: list[str]
    url: str = ""  # an attachment's
    protected: bool = False  # a password-protected post
    caption: str = ""  # an attachment's excerpt

    @property
    def wp_language(self) -> str | None:
        for domain, nicename, _ in self.terms:
            if domain == "language":
                return nicename
        return self.meta.get("_wpml_import_language_code") or None

    @property
    def group(self) -> str | None:
        for domain, nicename, _ in self.terms:
            if domain == "post_translations":
                return f"pll:{nicename}"
        wpml = self.meta.get("_wpml_import_translation_group")
        return f"wpml:{wpml}" if wpml else None


@dataclass(slots=True)
class Term:
    id: int
    taxonomy: str
    slug: str  # decoded
    name: str
    description: str


@dataclass
class Author:
    login: str
    name: str


@dataclass
class Index:
    site: str
    exported_at: datetime | None
    authors: dict[str, Author] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    items: dict[int, Item] = field(default_factory=dict)


def _name(tag: str) -> str:
    """`{namespace}local` as WXR's prefixes write it (`wp:post_id`)."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    for start, prefix in _NAMESPACES:
        if uri.startswith(start):
            return f"{prefix}:{local}"
    return f"{{{uri}}}{local}"


def _elements(path: Path) -> Iterator[tuple[str, Element, list[str]]]:
    """The file's ended elements of interest as (name, element, names of its parents),
    each let go once read; XML that is not WXR, or that declares a DTD, is refused."""
    stack: list[str] = []
    open_elements: list[Element] = []
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                name = _name(element.tag)
                if not stack and name != "rss":
                    raise Refused(f"not a WordPress export (WXR): the root element is <{name}>")
                stack.append(name)
                open_elements.append(element)
                continue
            name = stack.pop()
            open_elements.pop()
            yield name, element, stack
            if stack and stack[-1] == "channel":
                open_elements[-1].remove(element)  # read: let it go
    except DTDForbidden as exc:
        system = getattr(exc, "sysid", None)
        where = f" ({system})" if system else ""
        raise Refused(
            f"the file declares a DTD (<!DOCTYPE {exc.name}>{where}): refused, as entity "
            "expansion and external entities could come with it; a WordPress export has none"
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise Refused(f"the file declares entities: refused ({exc})") from None
    except ParseError as exc:
        raise Refused(f"not well-formed XML: {exc}") from None


def _text(element: Element | None) -> str:
    return "" if element is None or element.text is None else element.text


def _child(element: Element, name: str) -> str:
    for child in element:
        if _name(child.tag) == name:
            return _text(child)
    return ""


def _date(value: str) -> datetime | None:
    value = value.strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _decoded(slug: str) -> str:
    """A WordPress slug as a reader's address bar shows it: percent-decoded, NFC, lower."""
    return unicodedata.normalize("NFC", unquote(slug.strip())).lower()


def _meta(element: Element, tag: str) -> list[tuple[str, str]]:
    return [
        (_child(m, "wp:meta_key"), _child(m, "wp:meta_value"))
        for m in element
        if _name(m.tag) == tag
    ]


def scan(path: Path) -> Index:
    """Pass 1: the index of the file (no item's text); `Refused` if it is not WXR."""
    site, base, exported, version = "", "", None, ""
    index = Index(site="", exported_at=None)
    for name, element, parents in _elements(path):
        parent = parents[-1] if parents else ""
        if parent == "channel":
            if name == "link":
                site = _text(element).strip()
            elif name == "wp:base_site_url":
                base = _text(element).strip()
            elif name == "wp:wxr_version":
                version = _text(element).strip()
            elif name == "pubDate":
                exported = _rfc822(_text(element))
            elif name == "wp:author":
                login = _child(element, "wp:author_login").strip()
                shown = _child(element, "wp:author_display_name").strip()
                if login:
                    index.authors[login] = Author(login, html.unescape(shown) or login)
            elif name in ("wp:category", "wp:tag", "wp:term"):
                term = _term(name, element)
                if term is not None:
                    index.terms.append(term)
            elif name == "item":
                item = _item(element)
                if item is not None:
                    index.items[item.id] = item
    if not version:
        raise Refused("not a WordPress export (WXR): no <wp:wxr_version> in its channel")
    index.site = (site or base).rstrip("/").lower()
    if not index.site:
        raise Refused("the export names no site (<channel><link> or <wp:base_site_url>)")
    index.exported_at = exported
    return index


def _rfc822(value: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value.strip()).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        return None


def _term(kind: str, element: Element) -> Term | None:
    fields = {
        "wp:category": (
            "category",
            "wp:category_nicename",
            "wp:cat_name",
            "wp:category_description",
        ),
        "wp:tag": ("post_tag", "wp:tag_slug", "wp:tag_name", "wp:tag_description"),
        "wp:term": ("", "wp:term_slug", "wp:term_name", "wp:term_description"),
    }[kind]
    taxonomy = fields[0] or _child(element, "wp:term_taxonomy").strip()
    try:
        ident = int(_child(element, "wp:term_id"))
    except ValueError:
        return None
    return Term(
        id=ident,
        taxonomy=taxonomy,
        slug=_decoded(_child(element, fields[1])),
        name=html.unescape(_child(element, fields[2])).strip(),
        description=_child(element, fields[3]),
    )


def _item(element: Element) -> Item | None:
    try:
        ident = int(_child(element, "wp:post_id"))
    except ValueError:
        return None
    meta: dict[str, str] = {}
    old: list[str] = []
    for key, value in _meta(element, "wp:postmeta"):
        if key == "_wp_old_slug":
            old.append(_decoded(value))
        elif key in _KEPT_META:
            meta.setdefault(key, value)
    terms = [  # interned: every post repeats its language's and its categories' names
        (
            sys.intern(c.get("domain", "")),
            sys.intern(_decoded(c.get("nicename", ""))),
            sys.intern(html.unescape(_text(c)).strip()),
        )
        for c in element
        if _name(c.tag) == "category" and c.get("domain")
    ]
    return Item(
        id=ident,
        type=_child(element, "wp:post_type").strip(),
        status=_child(element, "wp:status").strip(),
        name=_decoded(_child(element, "wp:post_name")),
        title=_plain(html.unescape(_TAG.sub("", _child(element, "title")))),  # plain text
        link=_child(element, "link").strip(),
        date=_date(_child(element, "wp:post_date_gmt")) or _date(_child(element, "wp:post_date")),
        modified=_date(_child(element, "wp:post_modified_gmt"))
        or _date(_child(element, "wp:post_modified")),
        creator=_child(element, "dc:creator").strip(),
        terms=terms,
        meta=meta,
        old_slugs=old,
        url=_child(element, "wp:attachment_url").strip() or _child(element, "guid").strip(),
        caption=_lead(_child(element, "excerpt:encoded")),
        protected=bool(_child(element, "wp:post_password")),
    )


def _plain(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def _lead(fragment: str) -> str:
    """An excerpt as plain text (a lead is not HTML)."""
    return _plain(html.unescape(_TAG.sub(" ", fragment)))[:5000].strip()


# The plan: every id, language, slug and reference, before a line is written ---------------

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # for an object WordPress gives no date at all
_FAR = datetime(9998, 1, 1, tzinfo=UTC)


@dataclass
class Version:
    item: Item
    language: str  # Newsdesk's
    slug: str = ""
    former: list[str] = field(default_factory=list)
    cover: uuid.UUID | None = None
    text: dict[str, Any] | None = None  # pass 2: the version's line


@dataclass
class Group:
    """A translation group: one article."""

    id: uuid.UUID
    versions: dict[str, Version] = field(default_factory=dict)
    original: str = ""
    waiting: set[int] = field(default_factory=set)


@dataclass
class WordPressReport:
    """What the import did (the Importer's report, each failed line named by its WordPress
    objects) and what WordPress had that Newsdesk did not take."""

    lines: Report = field(default_factory=Report)
    origins: dict[int, str] = field(default_factory=dict)  # line number → what it came from
    skipped: dict[str, list[int]] = field(default_factory=dict)  # status → post ids
    other_types: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)  # WordPress language → posts
    no_language: list[int] = field(default_factory=list)
    protected: list[int] = field(default_factory=list)  # imported as drafts
    no_sizes: list[str] = field(default_factory=list)
    lost: dict[int, Counter[str]] = field(default_factory=dict)  # post → shortcodes, blocks
    titles: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    default_language: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.lines.errors)

    def render(self) -> list[str]:
        out = []
        for number, message in self.lines.errors:
            out.append(f"{self.origins.get(number, f'line {number}')}: {message}")
        for status, ids in sorted(self.skipped.items()):
            out.append(f"skipped, status {status}: {len(ids)} (posts {_ids(ids)})")
        if self.other_types:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.other_types.items()))
            out.append(f"not imported, other post types: {kinds}")
        for language, count in sorted(self.unmapped.items()):
            out.append(f"skipped, language '{language}' not in the language map: {count} posts")
        if self.no_language:
            out.append(
                f"posts without a language, imported as '{self.default_language}': "
                f"{len(self.no_language)} (posts {_ids(self.no_language)})"
            )
        if self.protected:
            out.append(
                f"password-protected, imported as drafts: {len(self.protected)} "
                f"(posts {_ids(self.protected)})"
            )
        for media in self.no_sizes:
            out.append(f"media without sizes, no cover: {media}")
        for post, lost in self.lost.items():
            what = ", ".join(f"{name} ×{count}" for name, count in lost.items())
            out.append(f"post {post} {self.titles.get(post, '')!r}: not kept: {what}")
        out.extend(self.notes)
        return out


def _ids(ids: list[int], most: int = 20) -> str:
    shown = ", ".join(str(i) for i in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def _uuid(site: str, kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{site}#wordpress/{kind}/{key}")


def _unique(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, else `base-2`, `base-3`...: the first that `taken` does not hold."""
    base = base[:MAX_SLUG_LENGTH].strip("-")
    stem = base[: MAX_SLUG_LENGTH - 7].strip("-")
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _last_segment(link: str) -> str:
    path = urlsplit(link).path.rstrip("/")
    return _decoded(path.rsplit("/", 1)[-1]) if path else ""


def _sizes(item: Item) -> tuple[int, int] | None:
    try:
        data = php_unserialize(item.meta.get("_wp_attachment_metadata", ""))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    match data.get("width"), data.get("height"):
        case int(width), int(height) if 1 <= width <= 100_000 and 1 <= height <= 100_000:
            return width, height
    return None


class Plan:
    """Pass 1's decisions: which posts make which articles, every id, language and slug,
    and the lines of authors, terms and media."""

    def __init__(self, index: Index, language_map: dict[str, str], bcp47: dict[str, str]):
        self.index, self.map, self.bcp47 = index, language_map, bcp47
        self.site = index.site
        self.order = list(dict.fromkeys(language_map.values()))
        self.report = WordPressReport(default_language=self.order[0])
        self.groups: list[Group] = []
        self.by_post: dict[int, tuple[Group, Version]] = {}
        self.terms: dict[str, dict[str, dict[str, Any]]] = {"category": {}, "tag": {}}
        self.authors: dict[str, dict[str, Any]] = {}
        self.media: dict[uuid.UUID, dict[str, Any]] = {}
        self.origins: dict[str, str] = {}  # line id → what it came from
        self._term_slugs: dict[tuple[str, str], set[str]] = {}  # (kind, language) → slugs
        self._post_terms: dict[int, dict[str, list[uuid.UUID]]] = {}
        self._groups()
        self._slugs()
        self._taxonomy()
        self._authors()
        self._media()

    def mapped(self, wp_language: str | None) -> str | None:
        return None if wp_language is None else self.map.get(wp_language)

    # Posts into groups -------------------------------------------------------------------

    def _groups(self) -> None:
        members: dict[str, list[int]] = {}
        for item in self.index.items.values():
            if item.type == "post":
                members.setdefault(item.group or f"post:{item.id}", []).append(item.id)
        groups: dict[str, Group] = {}
        for item in self.index.items.values():
            if item.type != "post":
                if item.type != "attachment":
                    self.report.other_types[item.type or "(none)"] += 1
                continue
            if item.status not in _STATUSES:
                self.report.skipped.setdefault(item.status or "(none)", []).append(item.id)
                continue
            wp = item.wp_language
            language = self.order[0] if wp is None else self.mapped(wp)
            if language is None:
                self.report.unmapped[wp or ""] += 1
                continue
            if wp is None:
                self.report.no_language.append(item.id)
            if item.protected:
                self.report.protected.append(item.id)
            key = item.group or f"post:{item.id}"
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(_uuid(self.site, "article", str(min(members[key]))))
            if language in group.versions:
                other = group.versions[language].item.id
                self.report.notes.append(
                    f"post {item.id}: its translation group has a '{language}' version "
                    f"already (post {other}): skipped"
                )
                continue
            version = Version(item, language)
            group.versions[language] = version
            group.waiting.add(item.id)
            self.by_post[item.id] = (group, version)
        self.groups = list(groups.values())
        for group in self.groups:
            group.original = self._original(group)

    def _original(self, group: Group) -> str:
        """WPML names a translation's source language; else the earliest-dated version,
        then the language map's order."""
        versions = list(group.versions.values())
        source = "_wpml_import_source_language_code"
        if any(v.item.meta.get(source) for v in versions):
            versions = [v for v in versions if not v.item.meta.get(source)] or versions
        first = min(
            versions,
            key=lambda v: (v.item.date or _FAR, self.order.index(v.language), v.item.id),
        )
        return first.language

    # Slugs ---------------------------------------------------------------------------------

    def _slugs(self) -> None:
        """A WordPress slug that is a Newsdesk slug is kept (the first post to have it, by
        id); every other version gets one made from its WordPress slug or title, unique
        in its language within the file. The WordPress slug, the last segment of the old
        permalink and `_wp_old_slug`s become former slugs (301s), unless another version
        holds one."""
        versions = sorted((v for g in self.groups for v in g.versions.values()),
                          key=lambda v: v.item.id)  # fmt: skip
        taken: dict[str, set[str]] = {}
        rest: list[Version] = []
        for v in versions:
            held = taken.setdefault(v.language, set())
            if is_valid_slug(v.item.name) and v.item.name not in held:
                v.slug = v.item.name
                held.add(v.slug)
            else:
                rest.append(v)
        formers: dict[tuple[str, str], Version] = {}
        for v in versions:
            held = taken[v.language]
            for old in (v.item.name, _last_segment(v.item.link), *v.item.old_slugs):
                if not old or not is_legacy_slug(old) or old in held or old in v.former:
                    continue
                if formers.setdefault((v.language, old), v) is v:
                    v.former.append(old)
        for v in rest:
            held = taken[v.language]

            def used(slug: str, v: Version = v, held: set[str] = held) -> bool:
                owner = formers.get((v.language, slug))
                return slug in held or (owner is not None and owner is not v)

            base = slugify(v.item.name or v.item.title, self.bcp47[v.language])
            v.slug = _unique(base or f"post-{v.item.id}", used)
            held.add(v.slug)
            if v.slug in v.former:  # its own former slug is its slug again: no redirect
                v.former.remove(v.slug)

    # Categories and tags -----------------------------------------------------------------

    def _taxonomy(self) -> None:
        index = self.index
        group_of: dict[int, tuple[str, str | None]] = {}  # term id → (group key, wp language)
        for term in index.terms:
            if term.taxonomy != "term_translations":
                continue
            try:
                described = php_unserialize(term.description)
            except ValueError:
                self.report.notes.append(f"term group {term.slug!r}: unreadable description")
                continue
            if not isinstance(described, dict):
                continue
            ids = {k: v for k, v in described.items() if isinstance(v, int)}
            for wp_language, term_id in ids.items():
                group_of[term_id] = (f"pll:{min(ids.values())}", str(wp_language))
        by_slug: dict[tuple[str, str], list[Term]] = {}
        language_of: dict[int, str | None] = {}
        key_of: dict[int, str] = {}
        for term in index.terms:
            kind = _TAXONOMIES.get(term.taxonomy)
            if kind is None:
                continue
            by_slug.setdefault((term.taxonomy, term.slug), []).append(term)
            key_of[term.id], wp_language = group_of.get(term.id, (f"term:{term.id}", None))
            language_of[term.id] = self.mapped(wp_language)
        # Terms named by posts: a term's language, when it has none, is its first post's.
        named: dict[int, list[tuple[str, str]]] = {}  # post → (kind, key) of its terms
        synthetic: list[tuple[str, str, str, str]] = []  # kind, slug, name, language
        for group in self.groups:
            for v in group.versions.values():
                named[v.item.id] = []
                for domain, slug, name in v.item.terms:
                    kind = _TAXONOMIES.get(domain)
                    if kind is None:
                        continue
                    candidates = by_slug.get((domain, slug), [])
                    found: Term | None = next(
                        (t for t in candidates if language_of[t.id] == v.language),
                        next((t for t in candidates if language_of[t.id] is None), None),
                    )
                    if found is None and candidates:
                        found = candidates[0]
                    if found is not None:
                        language_of[found.id] = language_of[found.id] or v.language
                        key = f"{kind}/{key_of[found.id]}"
                    else:  # not among the file's terms (an export of posts only)
                        key = f"{kind}/slug:{slug}@{v.language}"
                        synthetic.append((kind, slug, name or slug, v.language))
                    named[v.item.id].append((kind, key))
        joined = self._join_categories(named)
        first_use: dict[str, datetime] = {}
        for group in self.groups:
            for v in group.versions.values():
                chosen: dict[str, list[uuid.UUID]] = {"category": [], "tag": []}
                for kind, key in named[v.item.id]:
                    key = joined.get(key, key)
                    when = v.item.date or _EPOCH
                    first_use[key] = min(first_use.get(key, when), when)
                    chosen[kind].append(self._key_id(kind, key))
                self._post_terms[v.item.id] = chosen
        default = self.index.exported_at or _EPOCH
        for term in index.terms:
            kind = _TAXONOMIES.get(term.taxonomy)
            language = language_of.get(term.id)
            if kind is None:
                continue
            if language is None:
                self.report.notes.append(
                    f"{kind} {term.name!r} (term {term.id}): no language and no post: not imported"
                )
                continue
            key = f"{kind}/{key_of[term.id]}"
            key = joined.get(key, key)
            self._term_name(kind, key, language, term.slug, term.name, first_use.get(key, default))
        for kind, slug, name, language in synthetic:
            key = f"{kind}/slug:{slug}@{language}"
            key = joined.get(key, key)
            self._term_name(kind, key, language, slug, name, first_use[key])

    def _join_categories(self, named: dict[int, list[tuple[str, str]]]) -> dict[str, str]:
        """Categories no group translates (every WPML one: its export does not say; a
        Polylang one never translated) are one category when the versions of an article
        name them first: key → the key of the category it joins (the original's)."""
        joined: dict[str, str] = {}
        for group in self.groups:
            firsts: dict[str, str] = {}
            for v in group.versions.values():
                key = next((k for kind, k in named[v.item.id] if kind == "category"), None)
                if key is not None and not key.startswith("category/pll:"):
                    firsts[v.language] = key
            keys = list(dict.fromkeys(firsts.values()))
            if len(keys) < 2 or any(k in joined for k in keys):
                continue  # one category already, or joined by another article: left as is
            target = firsts.get(group.original, keys[0])
            for key in keys:
                joined[key] = target
        return joined

    def _key_id(self, kind: str, key: str) -> uuid.UUID:
        return _uuid(self.site, kind, key.split("/", 1)[1])

    def _term_name(
        self, kind: str, key: str, language: str, slug: str, name: str, when: datetime
    ) -> None:
        ident = self._key_id(kind, key)
        line = self.terms[kind].setdefault(
            str(ident),
            {"type": kind, "id": str(ident), "created_at": moment(when),
             "updated_at": moment(when), "translations": {}},
        )  # fmt: skip
        if language in line["translations"]:
            return
        base = slug if is_valid_slug(slug) else slugify(name, self.bcp47[language])
        taken = self._term_slugs.setdefault((kind, language), set())
        unique = _unique(base or kind, taken.__contains__)
        taken.add(unique)
        line["translations"][language] = {"name": name[:200] or unique, "slug": unique}
        self.origins[str(ident)] = f"{kind} {name!r}"

    # Authors and media ---------------------------------------------------------------------

    def _authors(self) -> None:
        languages = [c for c in self.order if any(c in g.versions for g in self.groups)]
        authors = dict(self.index.authors)
        first: dict[str, datetime] = {}
        for group in self.groups:
            for v in group.versions.values():
                login = v.item.creator
                if login:
                    authors.setdefault(login, Author(login, login))
                    when = v.item.date or _EPOCH
                    first[login] = min(first.get(login, when), when)
        if not languages:
            return
        taken: set[str] = set()
        for login, author in authors.items():
            ident = _uuid(self.site, "author", login)
            base = _decoded(login)
            if not is_valid_slug(base):
                base = slugify(login, "en") or slugify(author.name, self.bcp47[languages[0]])
            slug = _unique(base or "author", taken.__contains__)
            taken.add(slug)
            at = moment(first.get(login, self.index.exported_at or _EPOCH))
            name = author.name[:200]
            self.authors[login] = {
                "type": "author", "id": str(ident), "created_at": at, "updated_at": at,
                "translations": {c: {"name": name, "slug": slug, "bio": ""} for c in languages},
            }  # fmt: skip
            self.origins[str(ident)] = f"author {login!r}"

    def _media(self) -> None:
        items = self.index.items
        for group in self.groups:
            for v in group.versions.values():
                raw = v.item.meta.get("_thumbnail_id", "").strip()
                if not raw.isdigit():
                    continue
                attachment = items.get(int(raw))
                if attachment is None or attachment.type != "attachment":
                    self.report.notes.append(
                        f"post {v.item.id}: its featured image, attachment {raw}, is not in "
                        "the file"
                    )
                    continue
                sizes = _sizes(attachment)
                if sizes is None or not attachment.url.startswith(("https://", "http://")):
                    shown = f"attachment {attachment.id} {attachment.url} (post {v.item.id})"
                    if shown not in self.report.no_sizes:
                        self.report.no_sizes.append(shown)
                    continue
                ident = _uuid(self.site, "media", attachment.url)
                created = attachment.date or _EPOCH
                line = self.media.setdefault(
                    ident,
                    {"type": "media", "id": str(ident), "url": attachment.url,
                     "width": sizes[0], "height": sizes[1], "created_at": moment(created),
                     "updated_at": moment(max(attachment.modified or created, created)),
                     "translations": {}},
                )  # fmt: skip
                language = self.mapped(attachment.wp_language) or v.language
                alt = _plain(attachment.meta.get("_wp_attachment_image_alt", ""))[:500]
                if (alt or attachment.caption) and language not in line["translations"]:
                    line["translations"][language] = {"caption": attachment.caption, "alt": alt}
                self.origins[str(ident)] = f"media {attachment.url} (attachment {attachment.id})"
                v.cover = ident

    # Pass 2: the lines ---------------------------------------------------------------------

    def lines(self, path: Path) -> Iterator[tuple[int, bytes]]:
        """The Newsdesk lines, numbered from 1: reads the file again for the items' text."""
        counts: Counter[str] = Counter()
        number = 0

        def out(line: dict[str, Any], origin: str | None = None) -> tuple[int, bytes]:
            nonlocal number
            number += 1
            if line["type"] not in ("header", "end"):
                counts[line["type"]] += 1
            if origin is not None:
                self.report.origins[number] = origin
            return number, json.dumps(line, ensure_ascii=False).encode() + b"\n"

        exported = moment(self.index.exported_at or datetime.now(UTC))
        yield out({"type": "header", "format": FORMAT, "version": VERSION,
                   "exported_at": exported, "filters": {}})  # fmt: skip
        for line in [*self.authors.values(), *self.terms["category"].values(),
                     *self.terms["tag"].values(), *self.media.values()]:  # fmt: skip
            yield out(line, self.origins.get(line["id"]))
        for name, element, parents in _elements(path):
            if name != "item" or parents[-1:] != ["channel"]:
                continue
            ident = _child(element, "wp:post_id").strip()
            found = self.by_post.get(int(ident)) if ident.isdigit() else None
            if found is None:
                continue
            group, version = found
            version.text = self._version(version, element)
            group.waiting.discard(version.item.id)
            if not group.waiting:
                yield out(self._article(group), self._origin(group))
        for group in self.groups:  # the file changed between the passes
            if group.waiting:
                self.report.notes.append(f"{self._origin(group)}: not all its posts were read")
        yield out({"type": "end", "counts": dict(counts)})

    def _origin(self, group: Group) -> str:
        posts = ", ".join(str(v.item.id) for v in group.versions.values())
        title = group.versions[group.original].item.title
        return f"post{'s' if len(group.versions) > 1 else ''} {posts} ({title!r})"

    def _version(self, version: Version, element: Element) -> dict[str, Any]:
        item = version.item
        body, lost = convert_body(_child(element, "content:encoded"), self.bcp47[version.language])
        if lost:
            self.report.lost[item.id] = lost
            self.report.titles[item.id] = item.title
        lead = _lead(_child(element, "excerpt:encoded"))
        title = item.title[:300] or _plain(_TAG.sub(" ", body))[:80] or f"WordPress post {item.id}"
        status = "draft" if item.protected else _STATUSES[item.status]
        created = min(d for d in (item.date, item.modified, _FAR) if d is not None)
        if created == _FAR:
            created = self.index.exported_at or _EPOCH
        updated = max(item.modified or created, created)
        live = status in ("published", "scheduled")
        when = moment(item.date or created) if live else None
        return {
            "slug": version.slug, "title": title, "lead": lead, "body_html": body,
            "seo_title": None, "seo_description": None, "social_title": None,
            "social_description": None, "social_image_id": None,
            "status": status, "publish_at": when, "published_at": when,
            "expire_at": None, "expire_status": None,
            "created_at": moment(created), "updated_at": moment(updated), "revised_at": None,
            "corrections": [], "pending": None,
        }  # fmt: skip

    def _article(self, group: Group) -> dict[str, Any]:
        ordered = sorted(group.versions.values(), key=lambda v: v.language != group.original)
        texts = {v.language: v.text for v in ordered if v.text is not None}
        category: str | None = None
        tags: list[str] = []
        authors: list[str] = []
        cover: uuid.UUID | None = None
        for v in ordered:
            chosen = self._post_terms.get(v.item.id, {})
            if category is None and chosen.get("category"):
                category = str(chosen["category"][0])
            tags += [str(t) for t in chosen.get("tag", []) if str(t) not in tags]
            author = self.authors.get(v.item.creator)
            if author is not None and author["id"] not in authors:
                authors.append(author["id"])
            cover = cover or v.cover
        former = sorted(
            ({"language": v.language, "slug": s, "created_at": texts[v.language]["created_at"]}
             for v in ordered for s in v.former if v.language in texts),
            key=lambda f: (f["language"], f["created_at"], f["slug"]),
        )  # fmt: skip
        for v in ordered:
            v.text = None  # let the text go
        return {
            "type": "article", "id": str(group.id), "original_language": group.original,
            "category_id": category, "cover_media_id": None if cover is None else str(cover),
            "author_ids": authors[:50], "tag_ids": tags[:100], "related_ids": [], "sources": [],
            "created_by": None,
            "created_at": min(t["created_at"] for t in texts.values()),
            "updated_at": max(t["updated_at"] for t in texts.values()),
            "deleted_at": None, "deleted_by": None,
            "translations": texts, "former_slugs": former,
        }  # fmt: skip


# Bodies ---------------------------------------------------------------------------------


def convert_body(content: str, bcp47: str) -> tuple[str, Counter[str]]:
    """A post's `content:encoded` as a Newsdesk body (sanitized, as stored), and what it had
    that the body does not keep: shortcodes (`[gallery]`: their tags are removed, what they
    enclose is kept), blocks other than text and images (`wp:html`), and elements the
    sanitizer removed (`<script>`). Classic content gets paragraphs from its blank lines
    first (WordPress's wpautop, simplified); block content has its own `<p>`s."""
    lost: Counter[str] = Counter()
    content = _CONTROL.sub("", content)
    for match in _BLOCK.finditer(content):
        closing, name = match.groups()
        if not closing and name.removeprefix("core/") not in _KEPT_BLOCKS:
            lost[f"wp:{name}"] += 1
    closed = {m.group(2).lower() for m in _SHORTCODE.finditer(content) if m.group(1)}

    def shortcode(match: re.Match[str]) -> str:
        closing, name, attributes = match.group(1), match.group(2), match.group(3)
        low = name.lower()
        if low in _CORE_SHORTCODES or low in closed or "=" in attributes:
            if not closing:
                lost[f"[{low}]"] += 1
            return ""
        return match.group(0)  # `[sic]`, `[1]`: text

    content = _SHORTCODE.sub(shortcode, content)
    if "<!-- wp:" not in content:
        content = autop(content)
    cleaned = clean_body(content, bcp47)
    for warning in cleaned.warnings:  # what readers would miss; not wrappers and attributes
        if warning.tag and (
            warning.code == "removed_embed"
            or (warning.code == "removed_tag" and warning.tag in _LOST_TAGS)
        ):
            lost[f"<{warning.tag}>"] += warning.count
    return cleaned.html, lost


def autop(text: str) -> str:
    """Paragraphs from blank lines and line breaks from single ones, as WordPress shows
    classic content (its wpautop, without the cases a sanitized body never has)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


# The entry point ------------------------------------------------------------------------


def parse_language_map(text: str) -> dict[str, str]:
    """`uk=ua,en=en,ru=ru` → {"uk": "ua", ...}; `ua` → `ua` is added when not given (Polylang
    sites name Ukrainian either way). ValueError for a malformed map."""
    result: dict[str, str] = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"not `wordpress=newsdesk`: {pair.strip()!r}")
        result[source.strip().lower()] = target.strip().lower()
    if not result:
        raise ValueError("the language map is empty")
    if "ua" not in result and "ua" in result.values():
        result["ua"] = "ua"
    return result


async def import_file(
    db: Database,
    path: Path,
    *,
    language_map: dict[str, str] | None = None,
    dry_run: bool = False,
    cache: ResponseCache | None = None,
) -> WordPressReport:
    """Import a WXR file; `Refused` (nothing written) when the file or the map cannot be."""
    language_map = language_map or DEFAULT_MAP
    async with db.reader() as session:
        bcp47 = {row.code: row.bcp47 for row in await session.scalars(select(Language))}
    missing = sorted(set(language_map.values()) - bcp47.keys())
    if missing:
        raise Refused(
            f"the language map names {', '.join(repr(m) for m in missing)}, not a language "
            f"of this site ({', '.join(sorted(bcp47))})"
        )
    plan = Plan(scan(path), language_map, bcp47)
    async with target(db, dry_run=dry_run) as (into, rollback):
        importer = Importer(into, cache=None if dry_run else cache, dry_run=rollback, actor=ACTOR)
        plan.report.lines = await importer.run(plan.lines(path))
    return plan.report
