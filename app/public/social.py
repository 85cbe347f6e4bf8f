"""Social cards (Open Graph, Twitter): the values a page copies into its `<meta>` tags.

Each falls back, so a frontend never chooses: the title is the version's social title,
else its SEO title, else its title; the description likewise ends at the lead; the image
is the version's social image, else the article's cover. The image is given in the size
the cards want (`twitter:card` `summary_large_image`, Facebook's 1200 pixels wide): the
16:9 crop, else the whole picture, as JPEG (every crawler reads it), the smallest at least
1200 wide, else the widest there is.
"""

from typing import Any

from app.media.schemas import Rendition
from app.public.schemas import Cover, SocialImage

WIDTH = 1200  # what Facebook and X ask for a large card
_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}


def texts(version: Any) -> dict[str, str]:
    """`social_title` and `social_description` of a public article, from its version's
    columns (`title`, `lead`, the SEO and social texts; read by name)."""
    return {
        "social_title": version["social_title"] or version["seo_title"] or version["title"],
        "social_description": (
            version["social_description"] or version["seo_description"] or version["lead"]
        ),
    }


def card_image(media: Cover | None) -> SocialImage | None:
    """`social_image` from the version's social image, else the cover (`media`)."""
    if media is None:
        return None
    chosen = _best(media.renditions, "16:9") or _best(media.renditions, None)
    kind: str | None
    if chosen is not None:
        url, width, height, kind = chosen.url, chosen.width, chosen.height, chosen.format
    else:
        # Registered by URL (no renditions), or an upload with none in JPEG (PNG family):
        # the record's own file, of the format its rendition says when it is one.
        own = next((r for r in media.renditions if r.url == media.url), None)
        url, width, height = media.url, media.width, media.height
        kind = own.format if own is not None else None
    return SocialImage(
        id=media.id,
        url=url,
        width=width,
        height=height,
        alt=media.alt,
        type=_TYPES.get(kind) if kind is not None else None,
    )


def _best(renditions: list[Rendition], crop: str | None) -> Rendition | None:
    """The JPEG of `crop` whose width is the smallest at least `WIDTH`, else the widest."""
    sizes = [r for r in renditions if r.crop == crop and r.format == "jpeg"]
    if not sizes:
        return None
    wide = [r for r in sizes if r.width >= WIDTH]
    return min(wide, key=lambda r: r.width) if wide else max(sizes, key=lambda r: r.width)
