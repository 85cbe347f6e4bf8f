"""Images for the upload tests, made here (nothing downloaded): real files of each type,
and the hostile ones an attacker would send."""

import io
import struct
import zlib

from PIL import Image, ImageDraw

GPS_LATITUDE = (50.0, 27.0, 0.0)


def photo(
    width: int = 1200,
    height: int = 800,
    *,
    fmt: str = "JPEG",
    seed: int = 0,
    orientation: int | None = None,
    gps: bool = False,
    mode: str = "RGB",
) -> bytes:
    """A picture with shapes and gradients (so encoders have work), optionally with an EXIF
    orientation and a GPS position (what must never be served)."""
    image = Image.new(mode, (width, height), (40 + seed % 200, 90, 160) if mode == "RGB" else None)
    draw = ImageDraw.Draw(image)
    for i in range(12):
        x, y = (i * 97 + seed * 13) % width, (i * 53 + seed * 7) % height
        fill = ((i * 40) % 255, (i * 90 + seed) % 255, (i * 20) % 255)
        if mode == "RGBA":
            fill = (*fill, 128 + i * 10)  # type: ignore[assignment]
        draw.ellipse((x, y, x + width // 4, y + height // 4), fill=fill)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "NewsCam"  # Make
        exif.get_ifd(0x8825).update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: GPS_LATITUDE})
    out = io.BytesIO()
    kwargs = (
        {"exif": exif.tobytes()} if (orientation or gps) and fmt in ("JPEG", "WEBP", "PNG") else {}
    )
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_bomb(side: int = 13_000) -> bytes:
    """A grey PNG side×side (169 megapixels at the default) in a few hundred KB."""
    raw_row = b"\x00" + b"\x00" * side
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def polyglot_jpeg() -> bytes:
    """A valid JPEG that is also an HTML page (markup in a comment segment)."""
    jpeg = photo(200, 100)
    comment = b"<html><script>alert(1)</script></html>"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return jpeg[:2] + segment + jpeg[2:]


def jpeg_with_zip() -> bytes:
    """A JPEG with a ZIP archive after its end (a GIFAR-style polyglot)."""
    return photo(200, 100) + b"PK\x03\x04" + b"\x00" * 60 + b"PK\x05\x06" + b"\x00" * 18


def noise_png(width: int = 1100, height: int = 1000) -> bytes:
    """A PNG of noise: over a MiB, whatever the compression (for bodies that spool to disk)."""
    out = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((width, height), 80 + i * 10) for i in range(3)]).save(
        out, format="PNG"
    )
    return out.getvalue()
