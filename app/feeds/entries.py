"""What a feed says, whatever its format: the content the RSS, Atom and JSON Feed writers
(`app.feeds.xml`, `app.feeds.atom`, `app.feeds.jsonfeed`) turn into documents.

Already localized, with absolute URLs. `title`, `summary`, names and captions are plain text
(each writer escapes them for its format); `content_html` is the stored body, sanitized on
write, so it is markup to be carried as is.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Image:
    """The cover: the file `url` names (its size, media type and byte length when known)."""

    url: str
    width: int
    height: int
    media_type: str | None  # None: an image registered by a URL that does not tell
    length: int | None  # bytes; None: not known (an image registered by URL)
    credit: str | None  # None: none given
    caption: str | None  # None: not in this language
    alt: str | None


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class Entry:
    article_id: uuid.UUID
    language: str  # the URL code (`ua`)
    title: str
    link: str
    published_at: datetime
    updated_at: datetime
    summary: str
    content_html: str
    authors: Sequence[str] = ()
    category: Term | None = None
    tags: Sequence[Term] = ()
    image: Image | None = None

    @property
    def guid(self) -> str:
        """RSS `guid`: stable across slug changes, unlike the link."""
        return f"{self.article_id}:{self.language}"

    @property
    def urn(self) -> str:
        """Atom and JSON Feed `id`: a URN of this language version, stable for its life
        (a name-based UUID of the article's id and the language)."""
        return f"urn:uuid:{uuid.uuid5(self.article_id, self.language)}"

    @property
    def terms(self) -> list[Term]:
        """The category first, then the tags in the editors' order."""
        return [*([self.category] if self.category else []), *self.tags]


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    site_name: str
    link: str  # the public site
    self_link: str  # this document
    description: str
    language: str  # BCP 47
    updated: datetime  # when the listed content last changed
    urn: str  # Atom's feed id: one per language and filters
    entries: Sequence[Entry] = ()
