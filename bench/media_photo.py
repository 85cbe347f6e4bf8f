"""The test photo of `bench/media-upload`: a 24-megapixel JPEG made at run time, always the same.

Nothing big is committed: the file is generated (libvips, a few seconds) into a cache
directory and reused while its name (size, seed, version) matches. It is made to cost what
a camera's photo costs to decode and encode, not what a flat test card costs: smooth
gradients, soft blobs (low-frequency noise blown up), hard-edged shapes and a sensor-like
grain, saved at quality 90 (a 24 MP photo of ~5–10 MB, under the 20 MB default limit).

It is stored turned on its side (4000×6000 pixels) with EXIF orientation 6, so a reader
that applies the orientation shows it 6000×4000: the rotation is part of the work. Its
EXIF also names a camera and a GPS position, which every rendition must drop.
"""

import io
import random
from pathlib import Path

import pyvips
from PIL import Image

VERSION = 1  # change when the picture changes, so cached copies are made again
MAKE = "NewsdeskBenchCam"  # found in a file's bytes: its metadata was not stripped


def _exif() -> bytes:
    """An EXIF block (TIFF bytes, no `Exif\\0\\0` prefix): orientation 6, camera, GPS."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x010F] = MAKE  # Make
    exif[0x0110] = "Bench 24"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    return exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif") else exif.tobytes()


def with_app1(jpeg: bytes, tiff: bytes) -> bytes:
    """`jpeg` with an APP1 EXIF segment holding `tiff`, right after the SOI marker."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The same picture with a JPEG comment (COM) segment: other bytes, so another content
    hash (an upload that is not deduplicated), and the same pixels."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    payload = text.encode("ascii")
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def render_photo(width: int, height: int, seed: int) -> bytes:
    """The JPEG bytes of a `width`×`height` (as shown) photo-like picture."""
    rng = random.Random(seed)
    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    # Sky-to-ground gradients with a slow wave, one per channel.
    red = x * (120 / width) + y * (60 / height) + 40
    green = (x * (360 / width)).sin() * 30 + y * (110 / height) + 70
    blue = 200 - y * (150 / height) + ((x + y) * (720 / (width + height))).cos() * 20
    image = red.bandjoin([green, blue])
    # Soft blobs: coarse noise blown up (clouds, foliage, out-of-focus background).
    coarse = pyvips.Image.gaussnoise(width // 64 + 1, height // 64 + 1, sigma=30, mean=0,
                                     seed=seed)  # fmt: skip
    blobs = coarse.resize(64, kernel="cubic").crop(0, 0, width, height)
    image = image + blobs.bandjoin([blobs * 0.7, blobs * 0.4])
    image = image.cast("uchar")
    # Hard edges: rectangles and discs of flat colour (buildings, signs, faces).
    for _ in range(25):
        colour = [rng.randrange(256) for _ in range(3)]
        w, h = rng.randrange(width // 40, width // 6), rng.randrange(height // 40, height // 5)
        left, top = rng.randrange(0, width - w), rng.randrange(0, height - h)
        image = image.draw_rect(colour, left, top, w, h, fill=True)
    for _ in range(20):
        colour = [rng.randrange(256) for _ in range(3)]
        r = rng.randrange(height // 60, height // 8)
        image = image.draw_circle(colour, rng.randrange(width), rng.randrange(height), r,
                                  fill=True)  # fmt: skip
    # Sensor grain, everywhere.
    grain = pyvips.Image.gaussnoise(width, height, sigma=5, mean=0, seed=seed + 1)
    image = (image + grain.bandjoin([grain, grain])).cast("uchar")
    image = image.copy(interpretation="srgb")
    # Stored on its side; orientation 6 turns it back.
    stored = image.rot270()
    jpeg = bytes(stored.jpegsave_buffer(Q=90, keep="none"))
    return with_app1(jpeg, _exif())


def photo(cache: Path, width: int = 6000, height: int = 4000, seed: int = 1) -> Path:
    """The cached photo's path, made first when missing."""
    path = cache / f"photo-{width}x{height}-s{seed}-v{VERSION}.jpg"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        data = render_photo(width, height, seed)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path


def shown_size(data: bytes) -> tuple[int, int]:
    """The size of a JPEG as shown (its EXIF orientation applied), read by Pillow."""
    with Image.open(io.BytesIO(data)) as image:
        w, h = image.size
        return (h, w) if image.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)
