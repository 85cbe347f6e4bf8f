"""What the sanitizer removed from a body: the warnings a write answers with.

Never silent: each kind of removal has a stable `code`, and the same removals are counted
once (`count`), in the order found (the body as written first, then the heading ids).
Warnings belong to the response of the write that sanitized the body; not stored.
"""

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

RemovalCode = Literal[
    "removed_tag",
    "removed_attribute",
    "removed_url",
    "removed_embed",
    "removed_comment",
    "replaced_heading_id",
]
MAX_URL = 300  # a removed URL is quoted up to this many characters

_MESSAGES: dict[RemovalCode, str] = {
    "removed_tag": "The <{tag}> element is not allowed: its tags were removed ({count}); "
    "its text was kept, except inside <script> and <style>, which are removed whole.",
    "removed_attribute": "The attribute {attribute} is not allowed on <{tag}>: removed ({count}).",
    "removed_url": "The URL of {attribute} on <{tag}> was removed ({count}): only http, https "
    "and mailto links and relative URLs are allowed.",
    "removed_embed": "An embed was removed ({count}): {why}.",
    "removed_comment": "HTML comments and declarations are not kept: removed ({count}).",
    "replaced_heading_id": "The id given on <{tag}> was replaced by the one derived from "
    "the heading's text ({count}).",
}


class SanitizerWarning(BaseModel):
    """One kind of thing the sanitizer removed from `body_html`, and how many times."""

    code: RemovalCode = Field(
        description="`removed_tag`: an element outside the allowlist (its text kept, but "
        "not a script's or a style's); `removed_attribute`: an attribute not allowed on "
        "its element; `removed_url`: a link or image URL with a scheme other than http, "
        "https or mailto (`javascript:`, `data:`); `removed_embed`: an iframe, script or "
        "embed code that is not from an allowed provider or whose id is not valid; "
        "`removed_comment`: comments and declarations; `replaced_heading_id`: an `id` "
        "given on a heading, replaced by the one derived from its text."
    )
    count: int = Field(ge=1, description="How many times this removal happened.")
    message: str = Field(description="The removal in words, for the editor (English).")
    tag: str | None = Field(description="The element concerned, lower case.")
    attribute: str | None = Field(description="The attribute concerned.")
    provider: str | None = Field(
        description="`removed_embed`: the provider the embed looked like it was from, "
        "when it was one of the allowed ones (its id did not match); null for any other.",
    )
    url: str | None = Field(
        description="`removed_embed`: what the embed named — its source URL, a Telegram "
        f"post, an embed id (up to {MAX_URL} characters).",
    )


@dataclass
class RemovalLog:
    """Removals counted as they are found; `removals()` lists them in first-seen order."""

    _counts: dict[tuple[RemovalCode, str | None, str | None, str | None, str | None], int] = field(
        default_factory=dict
    )

    def add(
        self,
        code: RemovalCode,
        *,
        tag: str | None = None,
        attribute: str | None = None,
        provider: str | None = None,
        url: str | None = None,
    ) -> None:
        key = (code, tag, attribute, provider, url[:MAX_URL] if url is not None else None)
        self._counts[key] = self._counts.get(key, 0) + 1

    def removals(self) -> list[SanitizerWarning]:
        out = []
        for (code, tag, attribute, provider, url), count in self._counts.items():
            why = (
                f"not a valid {provider} post or video"
                if provider
                else "not from an allowed provider (YouTube, Vimeo, X, Telegram, Facebook, "
                "Instagram)"
            )
            message = _MESSAGES[code].format(tag=tag, attribute=attribute, count=count, why=why)
            out.append(
                SanitizerWarning(
                    code=code,
                    count=count,
                    message=message,
                    tag=tag,
                    attribute=attribute,
                    provider=provider,
                    url=url,
                )
            )
        return out
