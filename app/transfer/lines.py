"""The lines of a Newsdesk export (JSON Lines, format version 1), as the import reads them.

A file is a `header` line, then one line per object in the order that imports cleanly —
`language`s, `author`s, `category`s, `tag`s, `media`, `article`s — and an `end` line with
the counts, so a cut-off file is told from a whole one. Each line is one JSON object with
a `type`; every other name is a field of that object as stored. Text fields carry the
same limits as the API's (an imported title is checked as a typed one is); times are
RFC 3339 UTC with microseconds.

What a line leaves out is computed again on import: a body's outline, embeds, word count
and reading time (the sanitizer runs on every body), the search index, revisions (an
import records its own), translation row ids and version counters. Users, credentials,
webhooks and the audit log are not content and are never exported.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, model_validator

from app.articles.schemas import Source, TranslationIn
from app.kit.schema import (
    HttpUrl,
    LanguageKey,
    LanguageMap,
    LegacySlug,
    LongLine,
    Name,
    Note,
    Paragraph,
    Schema,
    Slug,
    Timestamp,
)
from app.languages.schemas import TextSearch
from app.media.storage import KEY
from app.models import CorrectionKind, Status

FORMAT = "newsdesk"
VERSION = 1  # of the line format; a file of another version is refused
MAX_LINE = 64 * 1024 * 1024  # bytes: a body is at most 500,000 characters, an article has few
# Who made a change, as stored: no control characters (PostgreSQL's text takes no NUL).
Actor = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Count = Annotated[int, Field(ge=0)]


def moment(value: datetime | None) -> str | None:
    """A stored time as the file writes it: RFC 3339 UTC, microseconds, `Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Header(Schema):
    type: Literal["header"]
    format: Literal["newsdesk"]
    version: int
    schema_revision: str | None = None
    exported_at: Timestamp
    filters: dict[str, Any] = Field(default_factory=dict)


class End(Schema):
    type: Literal["end"]
    counts: dict[str, Count]


class LanguageLine(Schema):
    type: Literal["language"]
    code: LanguageKey
    bcp47: Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z0-9-]+$")]
    name: Annotated[Name, Field(max_length=64)]
    native_name: Annotated[Name, Field(max_length=64)]
    text_search: TextSearch
    fallbacks: list[LanguageKey] = Field(default_factory=list, max_length=10)
    position: int = 0


class TermNames(Schema):
    name: Name
    slug: Slug
    bio: Paragraph | None = None  # authors only


class TermLine(Schema):
    type: Literal["author", "category", "tag"]
    id: uuid.UUID
    created_at: Timestamp
    updated_at: Timestamp
    translations: Annotated[LanguageMap[TermNames], Field(min_length=1)]

    @model_validator(mode="after")
    def _bios(self) -> "TermLine":
        if self.type != "author" and any(t.bio is not None for t in self.translations.values()):
            raise ValueError("only an author has a `bio`")
        return self


Key = Annotated[str, Field(min_length=1, max_length=2048)]
Rendition = tuple[
    Key,
    Annotated[int, Field(ge=1, le=100_000)],
    Annotated[int, Field(ge=1, le=100_000)],
    Annotated[str, Field(pattern=r"^(jpeg|png|webp|avif|gif)$")],
    Annotated[str, Field(pattern=r"^\d+:\d+$")] | None,
]


class MediaTexts(Schema):
    caption: Paragraph = ""
    alt: LongLine = ""


class MediaLine(Schema):
    """A media record. `url` and `renditions` are what the record stores: an address for
    an image registered by URL, storage keys for an upload's files (the files themselves
    are not in the export; they stay in the storage, which the importing site shares or
    copies)."""

    type: Literal["media"]
    id: uuid.UUID
    url: Key
    width: Annotated[int, Field(ge=1, le=100_000)]
    height: Annotated[int, Field(ge=1, le=100_000)]
    credit: Annotated[str, Field(max_length=200)] = ""
    content_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    format: Annotated[str, Field(pattern=r"^(jpeg|png|webp|avif|gif)$")] | None = None
    size_bytes: Annotated[int, Field(ge=0)] | None = None
    focal_point: tuple[Annotated[float, Field(ge=0, le=1)], Annotated[float, Field(ge=0, le=1)]] = (
        0.5,
        0.5,
    )
    renditions: list[Rendition] = Field(default_factory=list, max_length=500)
    blurhash: Annotated[str, Field(max_length=100)] | None = None
    dominant_color: Annotated[str, Field(pattern=r"^#[0-9a-f]{6}$")] | None = None
    created_at: Timestamp
    updated_at: Timestamp
    translations: LanguageMap[MediaTexts] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _where(self) -> "MediaLine":
        """An upload names storage keys, of the storage's own shape (no scheme, no `..`:
        never a path out of the media folder); an image registered by address has an
        http(s) URL, as the API asks, and no renditions (never `javascript:`)."""
        if self.content_hash is not None:
            keys = [self.url, *(r[0] for r in self.renditions)]
            bad = [key for key in keys if not KEY.fullmatch(key)]
            if bad:
                raise ValueError(f"not a storage key: {bad[0][:100]!r}")
        else:
            _URL.validate_python(self.url)
            if self.renditions:
                raise ValueError("an image registered by URL has no renditions")
        return self


_URL: TypeAdapter[str] = TypeAdapter(HttpUrl)


class CorrectionLine(Schema):
    number: Annotated[int, Field(ge=1)]
    kind: CorrectionKind
    text: Note
    created_at: Timestamp
    created_by: Actor


class PendingLine(TranslationIn):
    """A live version's staged next text, as saved."""

    saved_by: Actor
    saved_at: Timestamp
    revision: Annotated[int, Field(ge=1)] | None = None  # with revisions: the save's


class RevisionLine(Schema):
    """One numbered change of the article (`--with-revisions`), as the revisions API shows
    it; a restore checks its snapshot as the API checks any write."""

    number: Annotated[int, Field(ge=1)]
    language: LanguageKey | None = None
    action: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:-]+$")]
    actor: Actor
    created_at: Timestamp
    changed_fields: list[
        Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")]
    ] = Field(default_factory=list, max_length=500)
    text_changed: bool = False
    snapshot: dict[str, Any] = Field(default_factory=dict)


_LIVE = {Status.published, Status.scheduled}


class TranslationLine(TranslationIn):
    """One language version: its text (checked as the API checks it), its publication
    state as stored, its correction notes and its pending copy."""

    slug: Slug  # required here: a file names every slug
    status: Status
    publish_at: Timestamp | None = None
    published_at: Timestamp | None = None
    expire_at: Timestamp | None = None
    expire_status: Literal["draft", "archived"] | None = None
    created_at: Timestamp
    updated_at: Timestamp
    revised_at: Timestamp | None = None
    corrections: list[CorrectionLine] = Field(default_factory=list, max_length=1000)
    pending: PendingLine | None = None
    # With revisions: the original's revision this translation was made from (freshness).
    source_revision: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _state(self) -> "TranslationLine":
        if self.status in _LIVE and (self.publish_at is None or self.published_at is None):
            raise ValueError(f"a {self.status} version has `publish_at` and `published_at`")
        if (self.expire_at is None) != (self.expire_status is None):
            raise ValueError("`expire_at` and `expire_status` come together")
        if self.expire_at is not None and self.status not in _LIVE:
            raise ValueError("only a published or scheduled version has a takedown")
        if self.pending is not None and self.status not in _LIVE:
            raise ValueError("only a published or scheduled version has a pending copy")
        numbers = [c.number for c in self.corrections]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("correction `number`s run 1, 2, 3, … in order")
        return self


class FormerSlug(Schema):
    """A slug the version had before (or had in the system it came from: a WordPress
    import keeps Cyrillic slugs here), redirected to its current one."""

    language: LanguageKey
    slug: LegacySlug
    created_at: Timestamp


class ArticleLine(Schema):
    type: Literal["article"]
    id: uuid.UUID
    original_language: LanguageKey
    category_id: uuid.UUID | None = None
    cover_media_id: uuid.UUID | None = None
    author_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    tag_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    related_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    sources: list[Source] = Field(default_factory=list, max_length=50)
    created_by: Annotated[str, Field(max_length=64)] | None = None
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Timestamp | None = None
    deleted_by: Actor | None = None
    translations: Annotated[LanguageMap[TranslationLine], Field(min_length=1)]
    former_slugs: list[FormerSlug] = Field(default_factory=list, max_length=1000)
    # Only in an export `--with-revisions`: the article's whole history, which an import
    # then restores as it is (else an import records revisions of its own).
    revisions: list[RevisionLine] | None = Field(default=None, max_length=100_000)

    @model_validator(mode="after")
    def _history(self) -> "ArticleLine":
        if self.revisions is None:
            return self
        numbers = [r.number for r in self.revisions]
        if numbers != sorted(set(numbers)):
            raise ValueError("revision `number`s rise, each once")
        known = set(numbers)
        for lang, version in self.translations.items():
            if version.source_revision is not None and version.source_revision not in known:
                raise ValueError(f"'{lang}': source_revision {version.source_revision} is not "
                                 "a revision of the line")  # fmt: skip
            saved = version.pending.revision if version.pending else None
            if saved is not None and saved not in known:
                raise ValueError(f"'{lang}': the pending copy's revision {saved} is not a "
                                 "revision of the line")  # fmt: skip
        return self

    @model_validator(mode="after")
    def _whole(self) -> "ArticleLine":
        if self.original_language not in self.translations:
            raise ValueError(
                f"the original language's version ('{self.original_language}') is missing"
            )
        if (self.deleted_at is None) != (self.deleted_by is None):
            raise ValueError("`deleted_at` and `deleted_by` come together")
        for field in ("author_ids", "tag_ids", "related_ids"):
            ids = getattr(self, field)
            if len(set(ids)) != len(ids):
                raise ValueError(f"`{field}` lists an id twice")
        if self.id in self.related_ids:
            raise ValueError("an article is not related to itself")
        return self


Line = Header | End | LanguageLine | TermLine | MediaLine | ArticleLine
KINDS: dict[str, type[Schema]] = {
    "header": Header,
    "end": End,
    "language": LanguageLine,
    "author": TermLine,
    "category": TermLine,
    "tag": TermLine,
    "media": MediaLine,
    "article": ArticleLine,
}
