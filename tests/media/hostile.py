"""More images for the hostile-upload tests (tests/media/images.py has the first ones):
polyglots, truncated and corrupt files, headers that lie about their size, the accepted
types libvips reads but Pillow alone does not write (AVIF), and a raw multipart encoder
for bodies no well-behaved client would send (NUL in a file name, a part with no name)."""

import io
import random
import struct
import zlib

import pyvips
from PIL import Image, ImageCms

from tests.media import images


def _chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG chunk with its length and CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _gif_js(screen_head: bytes, closing: bytes) -> bytes:
    """A small GIF whose logical screen bytes start with `screen_head` (they open a JS
    comment) and with a comment extension `closing` (it closes the comment and runs the
    script) just before the trailer; everything after is in a JS line comment."""
    small = io.BytesIO()
    Image.new("P", (8, 8), 1).save(small, format="GIF")
    body = small.getvalue()[6:]
    screen = screen_head + body[len(screen_head) :]
    end = screen.rindex(b"\x3b")
    comment = b"\x21\xfe" + bytes([len(closing)]) + closing + b"\x00"
    data = b"GIF89a" + screen[:end] + comment + screen[end:]
    assert data.index(b"*/") > data.index(b"/*")  # the comment is closed only where meant
    return data


def gif_js_polyglot() -> bytes:
    """`GIF89a=/*<binary>*/1;alert(1);//<binary>`: a GIF that is also a script. Its screen
    is 12093×42 ("=/" and "*\\0": no bomb), its frame 8×8."""
    return _gif_js(b"=/*\x00", b"*/1;alert(1);//")


def gif_js_comment_polyglot() -> bytes:
    """The classic form: `GIF89a/*<binary>*/=1;alert(1);//` (screen 10799×8)."""
    return _gif_js(b"/*", b"*/=1;alert(1);//")


def png_with_html_text() -> bytes:
    """A valid PNG with an HTML page in a tEXt chunk."""
    png = images.photo(120, 80, fmt="PNG")
    html = b"Comment\x00<html><body><script>alert(1)</script></body></html>"
    at = png.index(b"IDAT") - 4
    return png[:at] + _chunk(b"tEXt", html) + png[at:]


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def noise(width: int, height: int, *, seed: int = 0, fmt: str = "JPEG", quality: int = 90) -> bytes:
    """Random pixels: big files (nothing compresses) whose every byte matters."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


def jpeg_corrupt_middle() -> bytes:
    """A JPEG whose entropy-coded data has a run of garbage markers in its middle."""
    data = bytearray(noise(256, 256))
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff\xd9\xff\xc0" * 16  # an EOI and bogus SOF markers
    return bytes(data)


def webp(
    width: int = 200, height: int = 150, *, lossless: bool = False, alpha: bool = False
) -> bytes:
    image = Image.open(
        io.BytesIO(images.photo(width, height, fmt="PNG", mode="RGBA" if alpha else "RGB"))
    )
    out = io.BytesIO()
    image.save(out, format="WEBP", lossless=lossless, quality=80)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) says `width`×`height`."""
    data = bytearray(images.photo(64, 48))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_claiming(width: int, height: int, *, frame: bool = False) -> bytes:
    """A GIF whose logical screen says `width`×`height` around a 1×1 frame, or (`frame`)
    whose frame says it too."""
    screen = struct.pack("<HH", width, height) + bytes([0x80, 0, 0]) + b"\x00\x00\x00\xff\xff\xff"
    size = (width, height) if frame else (1, 1)
    descriptor = b"\x2c" + struct.pack("<HHHH", 0, 0, *size) + b"\x00"
    return b"GIF89a" + screen + descriptor + b"\x02\x02\x44\x01\x00" + b"\x3b"


def animated_gif() -> bytes:
    """Two 160×120 frames: red, then blue (a first frame shows red)."""
    frames = [Image.new("RGB", (160, 120), colour) for colour in ((220, 20, 20), (20, 20, 220))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def avif(width: int = 200, height: int = 150, *, gps: bool = True) -> bytes:
    """An AVIF (AV1 in HEIF), made by libvips from a JPEG with EXIF and GPS kept."""
    source = pyvips.Image.new_from_buffer(images.photo(width, height, gps=gps), "")
    return bytes(source.heifsave_buffer(compression="av1", Q=60, effort=0))


def _srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def grey_jpeg() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(images.photo(200, 150))).convert("L").save(
        out, format="JPEG", icc_profile=None
    )
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(images.photo(200, 150))).convert("CMYK").save(out, format="JPEG")
    return out.getvalue()


def png16() -> bytes:
    """A 16-bit grey PNG with an ICC profile (which must not be served)."""
    image = Image.new("I;16", (200, 150))
    image.putdata([(x * 300 + y * 17) % 65536 for y in range(150) for x in range(200)])
    out = io.BytesIO()
    image.save(out, format="PNG", icc_profile=_srgb_profile())
    return out.getvalue()


def jpeg_with_icc_and_gps() -> bytes:
    out = io.BytesIO()
    source = Image.open(io.BytesIO(images.photo(240, 160, gps=True)))
    source.save(out, format="JPEG", exif=source.getexif().tobytes(), icc_profile=_srgb_profile())
    return out.getvalue()


Part = tuple[bytes, bytes | None, bytes | None, bytes]  # name, filename, content type, data
BOUNDARY = b"newsdesk-hostile-boundary"


def multipart(parts: list[Part]) -> tuple[bytes, str]:
    """A multipart/form-data body written byte by byte (no escaping of anything), and its
    Content-Type."""
    out = io.BytesIO()
    for name, filename, content_type, data in parts:
        out.write(b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="' + name + b'"')
        if filename is not None:
            out.write(b'; filename="' + filename + b'"')
        out.write(b"\r\n")
        if content_type is not None:
            out.write(b"Content-Type: " + content_type + b"\r\n")
        out.write(b"\r\n" + data + b"\r\n")
    out.write(b"--" + BOUNDARY + b"--\r\n")
    return out.getvalue(), f"multipart/form-data; boundary={BOUNDARY.decode()}"


def png_spelling(text: bytes) -> bytes:
    """A legitimate grey 64×16 PNG whose pixel values spell `text`, stored uncompressed
    (filter none, deflate level 0), so the bytes appear in the file as they are: a picture
    a byte scan for polyglot marks must not mistake for one."""
    row = (text * (64 // len(text) + 1))[:64]
    raw = (b"\x00" + row) * 16  # each row: filter type 0, then its pixels
    header = struct.pack(">IIBBBBB", 64, 16, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 0))
        + _chunk(b"IEND", b"")
    )  # fmt: skip
