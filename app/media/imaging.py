"""An uploaded image, checked and made into renditions, with libvips (pyvips).

Two steps, both blocking, run in a worker thread (never on the event loop):

- `probe`: copies the upload to a temporary file while hashing it (SHA-256: the content
  address) and looking for what no photo carries (HTML, script, an archive: the marks of
  a polyglot); decides the type from the first bytes (JPEG, PNG, WebP, GIF, AVIF/HEIC;
  never the name or the declared type) and reads the header alone, so a decompression bomb
  is refused by its pixel count before a pixel is decoded.
- `render`: decodes once, shrinking while it loads (libvips' shrink-on-load) to the
  smallest size every rendition can be cut from, with the EXIF orientation applied and
  colours converted to sRGB; then writes every width of the whole picture and of its 16:9,
  4:3 and 1:1 crops around the focal point, with no metadata (no EXIF, no GPS, no
  profile), and computes the BlurHash and the dominant colour.

libvips or Pillow: `bench/media-upload` runs the same work with both on the same
24-megapixel JPEG (bench/MEDIA-RESULTS.md). The totals come out about even (0.94× to 1.09×
in one run): the 45 encodes dominate, and both call the same libwebp, libjpeg and libaom.
libvips is kept for what the totals do not show: it resizes 4.6× faster, decodes JPEGs
shrinking as it loads, streams instead of holding whole decoded originals (the worker's
memory target), refuses damaged files on request (`fail_on`), and only the loaders of the
five types are ever called (`block_untrusted_set` refuses the rest even by mistake): an
SVG, a PDF or anything else never reaches a decoder.
"""

import ctypes
import functools
import hashlib
import math
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import blurhash

from app.media.storage import Storage

if TYPE_CHECKING:
    import pyvips


@functools.cache
def _vips() -> Any:
    """pyvips, imported at the first upload: libvips costs ~9 MB of RSS that a worker
    which only serves reads never needs (bench/memory-profile)."""
    import pyvips

    pyvips.block_untrusted_set(True)
    pyvips.cache_set_max(0)  # nothing kept between uploads: the worker's memory returns to idle
    return pyvips


def _glibc() -> Any:
    """glibc, to keep a worker's memory near idle after uploads: it gives each thread that
    allocates a heap (an arena) of its own and keeps what was freed in it, so with the
    upload threads and libvips' own a worker grew by ~250 MB over five 24-megapixel uploads
    (bench/MEDIA-RESULTS.md). One arena, and trimming after each upload, bound it (+80 to
    +90 MB at the peak of a 24-megapixel upload, the memory back after; uploads ~8% slower
    than with an arena per thread). Python's own allocator serves the small objects of
    requests, so readers do not queue on the one arena's lock. An operator's
    MALLOC_ARENA_MAX wins; elsewhere than glibc, nothing is done."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        if "MALLOC_ARENA_MAX" not in os.environ:
            libc.mallopt(-8, 1)  # M_ARENA_MAX
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _glibc()


def trim() -> None:
    """Give the memory an upload freed back to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


WIDTHS = (320, 640, 960, 1280, 1920)
CROPS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1)}
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "avif": "image/avif",
    "heic": "image/heic",
}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
_CHUNK = 256 * 1024
# What a photo never carries and a polyglot (an image that is also a page, a script or
# an archive) does. Looked for in every byte: a tag only with what ends its name (as an
# HTML parser reads it) and case-insensitively, the ZIP signatures exactly and with the
# bytes that follow them in a real archive. Compressed image data is near-random, so each
# byte of a mark makes a false match about 256 times rarer: the bare 4-byte marks (`<svg`
# and `PK\x03\x04` in any case) matched random bytes once per ~240 MiB (13 times in 3 GiB),
# refusing about 1 in 12 photos of 20 MB; these, by count, once per ~60 GiB (`<svg` with
# an attribute or `>` is the likeliest).
_FOREIGN = re.compile(
    rb"(?i:<(?:script|html|body|iframe|object|embed|!doctype)[\s/>]|<svg(?:/?>|\s+[a-z])"
    rb"|<\?(?:php|xml)\s|javascript:)"
    rb"|PK\x03\x04[\x00-\x3f]\x00|PK\x05\x06\x00\x00",
)
_OVERLAP = 16  # bytes kept between chunks, so a mark cut in two is still found
_HEIF_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1"}


class Rejected(Exception):
    """A file we do not take: `kind` is the problem type, `status` its HTTP status."""

    def __init__(self, status: int, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail


def _unsupported(detail: str) -> Rejected:
    return Rejected(415, "unsupported-image", "Unsupported image", detail)


def _not_an_image() -> Rejected:
    return _unsupported(
        "The file is not a JPEG, PNG, WebP, GIF, AVIF or HEIC image (decided from its bytes; "
        "SVG and other formats are not taken)."
    )


def _invalid(detail: str) -> Rejected:
    return Rejected(422, "invalid-image", "Invalid image", detail)


def _polyglot() -> Rejected:
    return _invalid(
        "The file carries markup, script or an archive besides an image (a polyglot); "
        "upload the picture alone."
    )


@dataclass
class Probe:
    """An upload copied to `path`, with what its bytes say about it."""

    path: Path
    sha256: str
    size: int
    format: str  # jpeg | png | webp | gif | avif | heic
    width: int  # as shown: after the EXIF orientation
    height: int
    tagged: bool = False  # carries a colour profile (its colours are converted to sRGB)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes, or None when it is none we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "avif" if head[8:12] in (b"avif", b"avis") else "heic"
    return None


# pyvips.Image's loader of each type.
_LOADERS = {
    "jpeg": "jpegload",
    "png": "pngload",
    "webp": "webpload",
    "gif": "gifload",
    "avif": "heifload",
    "heic": "heifload",
}


def probe(source: IO[bytes], *, max_bytes: int, max_pixels: int, directory: Path) -> Probe:
    """`source` copied to a file in `directory` and checked (see the module); `Rejected`
    when it is not an image we take, with no file left behind."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    path = Path(name)
    try:
        digest, size, head, tail = hashlib.sha256(), 0, b"", b""
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise Rejected(
                        413, "payload-too-large", "Payload too large",
                        f"The file is over the limit of {max_bytes} bytes "
                        "(NEWSDESK_MEDIA_MAX_BYTES).",
                    )  # fmt: skip
                if len(head) < 32:
                    head = (head + chunk)[:32]
                    if len(head) == 32 and sniff(head) is None:
                        raise _not_an_image()
                if _FOREIGN.search(tail + chunk):
                    raise _polyglot()
                tail = chunk[-_OVERLAP:]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise _invalid("The file is empty.")
        kind = sniff(head)
        if kind is None:
            raise _not_an_image()
        if kind == "gif" and (b"/*" in head[6:13] or b"//" in head[6:13]):
            # `GIF89a/*...*/=alert(1)`: a screen size whose bytes open a JS comment makes
            # the file a script too (no real GIF is 10799 px wide). Other JS forms remain
            # possible; what keeps them harmless is that only re-encoded renditions are served.
            raise _polyglot()
        width, height, tagged = _header(path, kind, max_pixels)
        return Probe(path, digest.hexdigest(), size, kind, width, height, tagged)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _header(path: Path, kind: str, max_pixels: int) -> tuple[int, int, bool]:
    """The shown size, and whether a colour profile comes with it, from the header alone
    (nothing decoded), or `Rejected`."""
    vips = _vips()
    try:
        load = getattr(vips.Image, _LOADERS[kind])
        image = load(str(path), access="sequential", fail_on="error")
        width, height = image.width, image.height
        orientation = image.get("orientation") if image.get_typeof("orientation") else 1
        tagged = image.get_typeof("icc-profile-data") != 0
    except vips.Error as exc:
        raise _invalid(f"The {kind.upper()} file cannot be read: {_reason(exc)}") from None
    if width * height > max_pixels:
        raise _invalid(
            f"The image is {width}×{height} pixels, over the limit of {max_pixels} "
            "pixels (a decompression bomb, or a picture too big to serve)."
        )
    turned = orientation in (5, 6, 7, 8)
    return (height, width, tagged) if turned else (width, height, tagged)


def _reason(exc: "pyvips.Error") -> str:
    lines = [line.strip() for line in str(exc.detail or exc.message).splitlines()]
    text = "; ".join(line for line in lines if line)[:300]
    return text or "damaged or truncated"


@dataclass(frozen=True)
class Rendition:
    key: str
    width: int
    height: int
    format: str  # webp | jpeg | png | avif
    crop: str | None  # 16:9 | 4:3 | 1:1; None: the whole picture

    def as_list(self) -> list[Any]:
        """As stored in `media.renditions`."""
        return [self.key, self.width, self.height, self.format, self.crop]


@dataclass
class Rendered:
    renditions: list[Rendition]
    blurhash: str
    dominant_color: str
    written: list[str] = field(default_factory=list)  # keys this call stored


def family(kind: str, has_alpha: bool) -> str:
    """The rendition format of the original's family: PNG for PNG, GIF and pictures with
    transparency, JPEG for the rest."""
    return "png" if kind in ("png", "gif") or has_alpha else "jpeg"


def focal_tag(focal: tuple[float, float]) -> str:
    """The focal point in a crop's key: per mille, so a new focal point is a new file."""
    return f"{round(focal[0] * 1000):03d}-{round(focal[1] * 1000):03d}"


def _region(
    width: int, height: int, aspect: tuple[int, int], focal: tuple[float, float]
) -> tuple[int, int, int, int]:
    """The largest box of `aspect` in the picture, centred on the focal point as far as the
    edges allow: left, top, width, height."""
    a = aspect[0] / aspect[1]
    w = min(width, round(height * a))
    h = min(height, round(w / a))
    left = min(max(round(focal[0] * width - w / 2), 0), width - w)
    top = min(max(round(focal[1] * height - h / 2), 0), height - h)
    return left, top, w, h


def _widths(shown_width: int) -> list[int]:
    """The widths of `WIDTHS` a region `shown_width` wide in the original can give without
    upscaling, and its own width when that is less than the last (the sharpest there is)."""
    widths = [w for w in WIDTHS if w <= shown_width]
    if shown_width < WIDTHS[-1] and shown_width not in widths:
        widths.append(shown_width)
    return widths


def _encode(image: "pyvips.Image", fmt: str) -> bytes:
    if fmt == "jpeg":
        if image.hasalpha():
            image = image.flatten(background=[255, 255, 255])
        data = image.jpegsave_buffer(Q=82, optimize_coding=True, interlace=True, keep="none")
    elif fmt == "webp":
        data = image.webpsave_buffer(Q=80, effort=4, keep="none")
    elif fmt == "png":
        data = image.pngsave_buffer(compression=6, keep="none")
    else:
        data = image.heifsave_buffer(compression="av1", Q=50, effort=2, keep="none")
    return bytes(data)


def render(
    found: Probe,
    *,
    focal: tuple[float, float],
    storage: Storage,
    existing: Iterable[str] = (),
    avif: bool = True,
) -> Rendered:
    """Every rendition of `found` stored in `storage` (keys in `existing` are stored
    already and not written again); on any failure the files this call wrote are removed.
    The memory it took is given back after (`trim`)."""
    try:
        return _render(found, focal=focal, storage=storage, existing=existing, avif=avif)
    finally:
        trim()


def _render(
    found: Probe,
    *,
    focal: tuple[float, float],
    storage: Storage,
    existing: Iterable[str] = (),
    avif: bool = True,
) -> Rendered:
    """Every rendition of `found` stored in `storage` (keys in `existing` are stored
    already and not written again); on any failure the files this call wrote are removed."""
    h = found.sha256
    prefix = f"{h[:2]}/{h}/"
    shown_w, shown_h = found.width, found.height
    # The smallest picture every rendition can be cut from: its narrowest region (the
    # 1:1 crop, min(width, height) wide) must still be 1920 pixels wide when it can.
    scale = min(1.0, WIDTHS[-1] / min(shown_w, shown_h))
    work_w = max(1, round(shown_w * scale))
    work_h = max(1, round(shown_h * scale))
    kept = set(existing)
    done = Rendered(renditions=[], blurhash="", dominant_color="")
    vips = _vips()
    try:
        # Colours converted only when the file says what they are (a profile): the
        # conversion costs a pass over every pixel, and untagged files are sRGB already.
        profile: dict[str, str] = {"export_profile": "srgb"} if found.tagged else {}
        work = vips.Image.thumbnail(
            str(found.path), work_w, height=work_h, size="force", **profile,
            # libjpeg only warns about damaged scan data (it paints the rest grey), so a
            # JPEG with a corrupt middle would pass as "error": refused on a warning.
            fail_on="warning" if found.format == "jpeg" else "error",
        )  # fmt: skip
        if work.interpretation not in ("srgb", "b-w") or work.format != "uchar":
            work = work.colourspace("srgb").cast("uchar")
        work = work.copy_memory()  # decoded once; every rendition is cut from it
        own = family(found.format, work.hasalpha())
        jobs: list[tuple[str | None, tuple[int, int, int, int], list[str]]] = [
            (
                None,
                (0, 0, work.width, work.height),
                ["avif", "webp", own] if avif else ["webp", own],
            )
        ]
        for name, aspect in CROPS.items():
            jobs.append((name, _region(work.width, work.height, aspect, focal), ["webp", own]))
        for crop, (left, top, w, hgt), formats in jobs:
            region = work if crop is None else work.crop(left, top, w, hgt)
            tag = "full" if crop is None else f"{crop.replace(':', 'x')}-{focal_tag(focal)}"
            for width in _widths(round(w / scale)):
                width = min(width, region.width)
                height = max(1, round(width * region.height / region.width))
                sized = region.resize(width / region.width, vscale=height / region.height)
                for fmt in formats:
                    key = f"{prefix}{tag}-{width}.{EXTENSIONS[fmt]}"
                    if key not in kept:
                        storage.put(key, _encode(sized, fmt), CONTENT_TYPES[fmt])
                        done.written.append(key)
                        kept.add(key)
                    done.renditions.append(Rendition(key, width, height, fmt, crop))
        done.blurhash, done.dominant_color = _placeholder(work)
    except vips.Error as exc:
        storage.delete(done.written)
        raise _invalid(f"The image cannot be decoded: {_reason(exc)}") from None
    except BaseException:
        storage.delete(done.written)
        raise
    return done


def _placeholder(work: "pyvips.Image") -> tuple[str, str]:
    """The BlurHash (4×3 components) and the dominant colour (#rrggbb) of the picture."""
    small = work.thumbnail_image(32, height=32, size="down")
    if small.hasalpha():
        small = small.flatten(background=[255, 255, 255])
    if small.bands == 1:
        small = small.colourspace("srgb")
    data = small.write_to_memory()
    w, b = small.width, small.bands
    pixels = [tuple(data[i : i + 3]) for i in range(0, len(data), b)]
    rows = [[list(p) for p in pixels[r * w : (r + 1) * w]] for r in range(small.height)]
    hashed = blurhash.encode(rows, components_x=4, components_y=3)
    # Dominant: the most common colour once each channel is cut to 16 levels, as the mean
    # of the pixels that have it (the average of a picture is a colour nobody sees).
    buckets = Counter((r >> 4, g >> 4, bl >> 4) for r, g, bl in pixels)
    top = buckets.most_common(1)[0][0]
    members = [p for p in pixels if (p[0] >> 4, p[1] >> 4, p[2] >> 4) == top]
    mean = [math.floor(sum(p[i] for p in members) / len(members) + 0.5) for i in range(3)]
    return str(hashed), "#{:02x}{:02x}{:02x}".format(*mean)
