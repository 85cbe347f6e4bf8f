"""Embeds in article bodies: the allowlisted providers, their ids, and the one stored form.

An embed is kept as a provider, an id checked against that provider's pattern, and the
canonical URL of the original — never as the provider's markup (iframes and scripts are
removed by the sanitizer). In a stored body it is one element, which frontends turn into
their player:

    <figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ"><a href="https://www.youtube.com/
    watch?v=dQw4w9WgXcQ" rel="noopener noreferrer">https://www.youtube.com/watch?v=…</a></figure>

(the link is the fallback: a reader without the player, a feed reader, still gets the URL).
Ids are validated strictly: anything that does not match is not an embed.
"""

import re
from dataclasses import dataclass
from html import escape
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

Provider = Literal["youtube", "vimeo", "x", "telegram", "facebook", "instagram"]
PROVIDERS: tuple[Provider, ...] = ("youtube", "vimeo", "x", "telegram", "facebook", "instagram")

# The id of each provider, whole (as `data-embed-id` holds it).
ID_PATTERNS: dict[Provider, re.Pattern[str]] = {
    "youtube": re.compile(r"[A-Za-z0-9_-]{11}"),
    # An unlisted video's id carries its hash: 76979871/8272103f6e.
    "vimeo": re.compile(r"[0-9]{1,12}(?:/[0-9a-f]{6,20})?"),
    # The status id, and the account it was posted by: jack/20.
    "x": re.compile(r"[A-Za-z0-9_]{1,15}/[0-9]{1,20}"),
    # channel/post, as in Telegram's own widget (data-telegram-post="durov/43").
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}/[0-9]{1,10}"),
    # The post's path on facebook.com: page/posts/123, page/videos/123, reel/123.
    "facebook": re.compile(
        r"(?:[A-Za-z0-9.\-]{1,80}/(?:posts|videos)/(?:[0-9]{1,25}|pfbid[A-Za-z0-9]{10,80})"
        r"|reel/[0-9]{1,25})"
    ),
    # kind/shortcode: p/CxYz123AbCd, reel/..., tv/...
    "instagram": re.compile(r"(?:p|reel|tv)/[A-Za-z0-9_-]{5,40}"),
}
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Embed:
    provider: Provider
    id: str

    @property
    def url(self) -> str:
        """The canonical URL of the original post or video."""
        if self.provider == "youtube":
            return f"https://www.youtube.com/watch?v={self.id}"
        if self.provider == "vimeo":
            return f"https://vimeo.com/{self.id}"
        if self.provider == "x":
            account, status = self.id.split("/")
            return f"https://x.com/{account}/status/{status}"
        if self.provider == "telegram":
            return f"https://t.me/{self.id}"
        if self.provider == "facebook":
            return f"https://www.facebook.com/{self.id}"
        return f"https://www.instagram.com/{self.id}/"

    def as_dict(self) -> dict[str, str]:
        return {"provider": self.provider, "id": self.id, "url": self.url}

    def html(self) -> str:
        """The one stored form (before the sanitizer adds the link's `rel`)."""
        url = escape(self.url)
        return (
            f'<figure data-embed="{self.provider}" data-embed-id="{escape(self.id)}">'
            f'<a href="{url}">{url}</a></figure>'
        )


def of(provider: str, ident: str) -> Embed | None:
    """The embed `provider`/`ident` if both are valid, else None."""
    pattern = ID_PATTERNS.get(provider)  # type: ignore[call-overload]
    if pattern is None or not pattern.fullmatch(ident):
        return None
    return Embed(provider, ident)  # type: ignore[arg-type]


def _host(url: str) -> tuple[str, str, dict[str, list[str]]] | None:
    """(host without `www.`/`m.`, path, query) of an http(s) URL, or None."""
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    if len(url) > MAX_URL_LENGTH:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return host, parts.path, parse_qs(parts.query)


def _first(query: dict[str, list[str]], name: str) -> str:
    return query.get(name, [""])[0]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def from_url(url: str) -> Embed | None:
    """The embed a post's or video's URL (as pasted, or a player's `src`) names, if any."""
    found = _host(url)
    if found is None:
        return None
    host, path, query = found
    parts = _segments(path)
    if host in ("youtube.com", "youtube-nocookie.com"):
        if parts == ["watch"]:
            return of("youtube", _first(query, "v"))
        if len(parts) == 2 and parts[0] in ("embed", "shorts", "live", "v"):
            return of("youtube", parts[1])
        return None
    if host == "youtu.be":
        return of("youtube", parts[0]) if len(parts) == 1 else None
    if host == "vimeo.com":
        return of("vimeo", "/".join(parts)) if 1 <= len(parts) <= 2 else None
    if host == "player.vimeo.com":
        if len(parts) == 2 and parts[0] == "video":
            secret = _first(query, "h")
            return of("vimeo", f"{parts[1]}/{secret}" if secret else parts[1])
        return None
    if host in ("x.com", "twitter.com"):
        if len(parts) == 3 and parts[1] in ("status", "statuses"):
            return of("x", f"{parts[0]}/{parts[2]}")
        return None
    if host in ("t.me", "telegram.me"):
        if parts[:1] == ["s"]:
            parts = parts[1:]
        return of("telegram", "/".join(parts)) if len(parts) == 2 else None
    if host == "facebook.com":
        return _facebook(parts, query)
    if host == "instagram.com":
        if len(parts) == 3:  # an account's post: /name/p/code/
            parts = parts[1:]
        return of("instagram", "/".join(parts)) if len(parts) == 2 else None
    return None


def _facebook(parts: list[str], query: dict[str, list[str]]) -> Embed | None:
    if parts[:1] == ["plugins"]:  # the post or video plugin's iframe: ?href=<the post's URL>
        inner = unquote(_first(query, "href"))
        embed = from_url(inner) if inner else None
        return embed if embed is not None and embed.provider == "facebook" else None
    if parts == ["permalink.php"]:
        story, page = _first(query, "story_fbid"), _first(query, "id")
        return of("facebook", f"{page}/posts/{story}")
    return of("facebook", "/".join(parts))


# The providers' own loader scripts, pasted with their embeds; removed with them.
LOADERS: dict[Provider, re.Pattern[str]] = {
    "x": re.compile(r"^(https?:)?//platform\.twitter\.com/widgets\.js"),
    "instagram": re.compile(r"^(https?:)?//(www\.)?instagram\.com/embed\.js"),
    "facebook": re.compile(r"^(https?:)?//connect\.facebook\.net/[A-Za-z_]+/sdk\.js"),
    "telegram": re.compile(r"^(https?:)?//telegram\.org/js/telegram-widget\.js"),
}


def loader_of(src: str) -> Provider | None:
    """The provider whose loader script `src` is, if it is one."""
    return next((p for p, pattern in LOADERS.items() if pattern.match(src.strip())), None)
