"""Media uploads (issue 16): renditions by libvips against Pillow, a worker's memory during
uploads, and serving a rendition against a bare Starlette `FileResponse`.

    bench/media-upload --uploads 5 --out bench/MEDIA-RESULTS.md     # all: about 5 minutes
    bench/media-upload --only renditions        # A alone: no server, no database
    bench/media-upload --only memory --uploads 8 --memory-also MALLOC_ARENA_MAX=2

A. Renditions. The test photo (`bench/media_photo.py`: 24 MP, 6000×4000 as shown, stored on
   its side with EXIF orientation 6, GPS in its EXIF) goes through what an upload does:
   copied to a file while hashed and checked, decoded with the orientation applied, then
   every rendition written to a local storage directory (widths 320…1920 of the whole
   picture in WebP, JPEG and AVIF, of its 16:9, 4:3 and 1:1 crops around the focal point in
   WebP and JPEG, no metadata), the BlurHash and the dominant colour. libvips runs the
   app's own code (`app.media.imaging.probe` and `render`); Pillow runs the same steps
   written with Pillow here (`pillow_probe`, `pillow_render`), with the same sizes, crop
   boxes, quality settings and shrink-on-load. Both alternate round by round (ABBA); each
   figure is the median over rounds; MP/s is the photo's megapixels over that median. The
   outputs are checked to be the same list (width, height, format, crop) and free of the
   photo's EXIF. Run with AVIF and again without it (the whole picture in WebP and JPEG).
   Then where the time goes: the decode and one encode per format, timed alone.

B. Memory. `newsdesk serve` (one worker, SQLite, local storage) in a scratch directory; an
   admin API key; the worker's RSS (VmRSS) at idle, then during `--uploads` multipart
   uploads of the photo (`POST /v1/admin/media`, each with a comment segment of its own so
   that none is deduplicated), sampled every few milliseconds. Target: the peak adds at
   most 100 MB over idle. Then again in a fresh server with `MALLOC_ARENA_MAX=1` (glibc's
   malloc: one arena instead of one per thread that ever allocated), or what
   `--memory-also` names.

C. Serving. The uncropped 960-wide WebP and 1920-wide JPEG of the last upload, loaded by
   wrk on the app (`GET /media/<key>`) and on `bench/bare_media.py` (Starlette
   `FileResponse` of the same file) alternately; the figure is app req/s ÷ bare req/s, the
   median over rounds. Target: at least 0.8.
"""

import argparse
import hashlib
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import blurhash
import httpx
import PIL
import pyvips
from PIL import Image, ImageCms, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # app, tests.live

from http_bench import Server, Target, ensure_wrk, running, wrk
from http_bench_results import Load, WrkRun
from media_photo import MAKE, photo, with_comment

from app.media import imaging
from app.media.storage import LocalStorage

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NEWSDESK = ROOT / ".venv" / "bin" / "newsdesk"
CACHE = Path(tempfile.gettempdir()) / "newsdesk-bench-media"
FOCAL = (0.62, 0.38)
MAX_PIXELS = 100_000_000
MAX_BYTES = 20 * 1024 * 1024
TARGET_RSS_MB = 100.0
TARGET_RATIO = 0.8


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


# A. Pillow: the same work as app.media.imaging, written with Pillow ----------------------

# The encoder settings of app.media.imaging._encode, in Pillow's words. libvips' AVIF
# `effort` 2 is libheif's speed 9 - 2 = 7; Pillow's AVIF `speed` is libavif's, same scale.
PILLOW_SAVE: dict[str, tuple[str, dict[str, Any]]] = {
    "jpeg": ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
    "webp": ("WEBP", {"quality": 80, "method": 4}),
    "png": ("PNG", {"compress_level": 6}),
    "avif": ("AVIF", {"quality": 50, "speed": 7}),
}


def pillow_probe(source: IO[bytes], *, max_bytes: int, max_pixels: int,
                 directory: Path) -> imaging.Probe:  # fmt: skip
    """`imaging.probe` with Pillow reading the header: copy while hashing, sniff, size."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    path = Path(name)
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(256 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError("over the size limit")
                if len(head) < 32:
                    head = (head + chunk)[:32]
                imaging._FOREIGN.search(chunk)  # the same scan, for the same cost
                digest.update(chunk)
                out.write(chunk)
        kind = imaging.sniff(head)
        if kind is None:
            raise ValueError("not an image we take")
        with Image.open(path) as image:  # the header alone
            width, height = image.size
            if width * height > max_pixels:
                raise ValueError("over the pixel limit")
            if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                width, height = height, width
        return imaging.Probe(path, digest.hexdigest(), size, kind, width, height)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _pillow_encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    name, options = PILLOW_SAVE[fmt]
    out = io.BytesIO()
    image.save(out, name, **options)  # no exif=, icc_profile=: nothing of the original kept
    return out.getvalue()


def _pillow_decode(path: Path, work_w: int, work_h: int) -> Image.Image:
    """Decoded with the orientation applied, in sRGB, at `work_w`×`work_h`; the JPEG shrunk
    while it loads (DCT scaling: `draft`) as libvips' `thumbnail` does."""
    with Image.open(path) as image:
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        image.draft("RGB", (work_h, work_w) if turned else (work_w, work_h))
        shown = ImageOps.exif_transpose(image)
    profile = shown.info.get("icc_profile")
    if profile:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(shown, source, ImageCms.createProfile("sRGB"))
        assert converted is not None
        shown = converted
    if shown.mode not in ("RGB", "RGBA"):
        shown = shown.convert("RGBA" if "A" in shown.getbands() else "RGB")
    if shown.size != (work_w, work_h):
        shown = shown.resize((work_w, work_h), Image.Resampling.LANCZOS, reducing_gap=2.0)
    shown.info.clear()  # metadata stripped
    return shown


def pillow_render(found: imaging.Probe, *, focal: tuple[float, float], storage: LocalStorage,
                  avif: bool = True) -> imaging.Rendered:  # fmt: skip
    """`imaging.render` with Pillow: the same sizes, boxes, formats, keys and settings."""
    h = found.sha256
    prefix = f"{h[:2]}/{h}/"
    shown_w, shown_h = found.width, found.height
    scale = min(1.0, imaging.WIDTHS[-1] / min(shown_w, shown_h))
    work_w = max(1, round(shown_w * scale))
    work_h = max(1, round(shown_h * scale))
    done = imaging.Rendered(renditions=[], blurhash="", dominant_color="")
    work = _pillow_decode(found.path, work_w, work_h)
    own = imaging.family(found.format, "A" in work.getbands())
    full = ["avif", "webp", own] if avif else ["webp", own]
    jobs: list[tuple[str | None, tuple[int, int, int, int], list[str]]] = [
        (None, (0, 0, work_w, work_h), full)
    ]
    for name, aspect in imaging.CROPS.items():
        jobs.append((name, imaging._region(work_w, work_h, aspect, focal), ["webp", own]))
    for crop, (left, top, w, hgt), formats in jobs:
        tag = "full" if crop is None else f"{crop.replace(':', 'x')}-{imaging.focal_tag(focal)}"
        for width in imaging._widths(round(w / scale)):
            width = min(width, w)
            height = max(1, round(width * hgt / w))
            sized = work.resize(
                (width, height), Image.Resampling.LANCZOS,
                box=(left, top, left + w, top + hgt), reducing_gap=2.0,
            )  # fmt: skip
            for fmt in formats:
                key = f"{prefix}{tag}-{width}.{imaging.EXTENSIONS[fmt]}"
                storage.put(key, _pillow_encode(sized, fmt), imaging.CONTENT_TYPES[fmt])
                done.written.append(key)
                done.renditions.append(imaging.Rendition(key, width, height, fmt, crop))
    done.blurhash, done.dominant_color = _pillow_placeholder(work)
    return done


def _pillow_placeholder(work: Image.Image) -> tuple[str, str]:
    """`imaging._placeholder` with Pillow."""
    small = work.copy()
    small.thumbnail((32, 32), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    w = small.width
    raw = small.convert("RGB").tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    rows = [[list(p) for p in pixels[r * w : (r + 1) * w]] for r in range(small.height)]
    hashed = blurhash.encode(rows, components_x=4, components_y=3)
    buckets = Counter((r >> 4, g >> 4, b >> 4) for r, g, b in pixels)
    top = buckets.most_common(1)[0][0]
    members = [p for p in pixels if (p[0] >> 4, p[1] >> 4, p[2] >> 4) == top]
    mean = [math.floor(sum(p[i] for p in members) / len(members) + 0.5) for i in range(3)]
    return str(hashed), "#{:02x}{:02x}{:02x}".format(*mean)


# A. The measurement ---------------------------------------------------------------------

Upload = Callable[[Path, Path, bool], imaging.Rendered]


def vips_upload(photo_path: Path, work: Path, avif: bool) -> imaging.Rendered:
    """What the app does with an upload, by the app's code."""
    with photo_path.open("rb") as source:
        found = imaging.probe(source, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS,
                              directory=work / "incoming")  # fmt: skip
    try:
        storage = LocalStorage(work / "store", "http://bench/media")
        return imaging.render(found, focal=FOCAL, storage=storage, avif=avif)
    finally:
        found.close()


def pillow_upload(photo_path: Path, work: Path, avif: bool) -> imaging.Rendered:
    with photo_path.open("rb") as source:
        found = pillow_probe(source, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS,
                             directory=work / "incoming")  # fmt: skip
    try:
        storage = LocalStorage(work / "store", "http://bench/media")
        return pillow_render(found, focal=FOCAL, storage=storage, avif=avif)
    finally:
        found.close()


LIBRARIES: dict[str, Upload] = {"libvips": vips_upload, "Pillow": pillow_upload}


@dataclass
class Output:
    """What one side wrote in one run: the renditions, their bytes per format, the hash."""

    shapes: list[tuple[int, int, str, str | None]]
    bytes_by_format: dict[str, int]
    blurhash: str
    dominant_color: str
    leaks: list[str]  # keys whose bytes still carry the photo's EXIF


def inspect_output(rendered: imaging.Rendered, store: Path) -> Output:
    sizes: dict[str, int] = {}
    leaks = []
    for r in rendered.renditions:
        data = (store / r.key).read_bytes()
        sizes[r.format] = sizes.get(r.format, 0) + len(data)
        if MAKE.encode() in data or b"Exif\x00\x00" in data:
            leaks.append(r.key)
    shapes = sorted(
        ((r.width, r.height, r.format, r.crop) for r in rendered.renditions),
        key=lambda s: (s[3] or "", s[0], s[2]),
    )
    return Output(shapes, sizes, rendered.blurhash, rendered.dominant_color, leaks)


@dataclass
class RenditionResult:
    avif: bool
    megapixels: float
    seconds: dict[str, list[float]] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)

    def median(self, library: str) -> float:
        return statistics.median(self.seconds[library])

    def mp_per_s(self, library: str) -> float:
        return self.megapixels / self.median(library)

    @property
    def speedup(self) -> float:
        """Pillow's median time over libvips': how many times faster libvips is."""
        return self.median("Pillow") / self.median("libvips")

    def problems(self) -> list[str]:
        found = []
        vips, pil = self.outputs["libvips"], self.outputs["Pillow"]
        if vips.shapes != pil.shapes:
            only_v = sorted(set(vips.shapes) - set(pil.shapes), key=str)[:3]
            only_p = sorted(set(pil.shapes) - set(vips.shapes), key=str)[:3]
            found.append(f"not the same renditions: libvips only {only_v}, Pillow only {only_p}")
        for library, output in self.outputs.items():
            if output.leaks:
                found.append(f"{library}: the photo's EXIF is in {len(output.leaks)} renditions")
        return found


def measure_renditions(photo_path: Path, megapixels: float, rounds: int, avif: bool,
                       work: Path) -> RenditionResult:  # fmt: skip
    result = RenditionResult(avif, megapixels, {name: [] for name in LIBRARIES})
    order = list(LIBRARIES)
    for n in range(rounds + 1):  # round 0 warms both up and is not counted
        for library in order if n % 2 else reversed(order):
            run_dir = work / f"{library}-{n}"
            start = time.perf_counter()
            rendered = LIBRARIES[library](photo_path, run_dir, avif)
            elapsed = time.perf_counter() - start
            if n == 0:
                result.outputs[library] = inspect_output(rendered, run_dir / "store")
            else:
                result.seconds[library].append(elapsed)
            shutil.rmtree(run_dir)
        if n:
            log(
                f"  renditions{' +AVIF' if avif else ''} round {n}/{rounds}: "
                f"libvips {result.seconds['libvips'][-1]:.2f} s, "
                f"Pillow {result.seconds['Pillow'][-1]:.2f} s"
            )
    return result


def _median_s(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_stages(photo_path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Where the time goes, per library: the decode to the working size (as `render` and
    `pillow_render` do it) and one encode of the whole picture at 1920 per format. Seconds,
    medians of `repeat` runs; libvips' decode also without the colour conversion to sRGB
    (`export_profile`), which a picture without an ICC profile does not need."""
    with Image.open(photo_path) as image:
        stored_w, stored_h = image.size
    shown_w, shown_h = stored_h, stored_w  # orientation 6
    scale = min(1.0, imaging.WIDTHS[-1] / min(shown_w, shown_h))
    work_w, work_h = round(shown_w * scale), round(shown_h * scale)
    path = str(photo_path)

    def vips_decode(**options: Any) -> pyvips.Image:
        return pyvips.Image.thumbnail(path, work_w, height=work_h, size="force",
                                      **options).copy_memory()  # fmt: skip

    vips_work = vips_decode(export_profile="srgb")
    pil_work = _pillow_decode(photo_path, work_w, work_h)
    width = imaging.WIDTHS[-1]
    height = round(width * work_h / work_w)
    vips_sized = vips_work.resize(width / work_w).copy_memory()
    pil_sized = pil_work.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
    stages: dict[str, dict[str, float]] = {
        "decode to the working size": {
            "libvips": _median_s(lambda: vips_decode(export_profile="srgb"), repeat),
            "Pillow": _median_s(lambda: _pillow_decode(photo_path, work_w, work_h), repeat),
        },
        "libvips decode without export_profile": {
            "libvips": _median_s(lambda: vips_decode(), repeat),
        },
        f"resize to {width} wide": {
            "libvips": _median_s(lambda: vips_work.resize(width / work_w).copy_memory(), repeat),
            "Pillow": _median_s(
                lambda: pil_work.resize(
                    (width, height), Image.Resampling.LANCZOS, reducing_gap=2.0
                ),
                repeat,
            ),
        },
    }
    for fmt in ("jpeg", "webp", "avif"):
        stages[f"encode {fmt.upper()} {width}×{height}"] = {
            "libvips": _median_s(lambda: imaging._encode(vips_sized, fmt), repeat),  # noqa: B023
            "Pillow": _median_s(lambda: _pillow_encode(pil_sized, fmt), repeat),  # noqa: B023
        }
    return stages


# B and C: a real server ------------------------------------------------------------------


def status_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for {pid}")


class Sampler:
    """A thread reading a process's VmRSS every `every_s` while a block runs: its peak."""

    def __init__(self, pid: int, every_s: float = 0.005) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak_kb = 0
        self.samples = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            with suppress(OSError, RuntimeError):
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
                self.samples += 1
            time.sleep(self.every_s)

    @contextmanager
    def sampling(self) -> Iterator["Sampler"]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))


@dataclass
class UploadSample:
    seconds: float
    peak_mb: float
    after_mb: float
    samples: int


@dataclass
class MemoryResult:
    photo_mb: float
    env: str = ""  # the server's environment besides the bench's own settings
    idle_mb: float = 0.0
    uploads: list[UploadSample] = field(default_factory=list)
    hwm_before_mb: float = 0.0
    hwm_after_mb: float = 0.0
    renditions: int = 0

    @property
    def peak_mb(self) -> float:
        return max(u.peak_mb for u in self.uploads)

    @property
    def added_mb(self) -> float:
        """What the uploads added at their peak over the idle worker: the figure."""
        return self.peak_mb - self.idle_mb


@dataclass
class ServeResult:
    label: str
    path: str
    size: int
    app: list[WrkRun] = field(default_factory=list)
    bare: list[WrkRun] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def ratios(self) -> list[float]:
        return [a.rps / b.rps if b.rps else 0.0 for a, b in zip(self.app, self.bare, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def newsdesk(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(NEWSDESK), *args], cwd=ROOT, env=env, check=True, text=True,
                          stdout=subprocess.PIPE)  # fmt: skip
    return done.stdout


def upload(client: httpx.Client, data: bytes, n: int) -> httpx.Response:
    translations = {"ua": {"caption": f"Тест {n}", "alt": f"Фото {n}"},
                    "en": {"caption": f"Test {n}", "alt": f"Photo {n}"}}  # fmt: skip
    response = client.post(
        "/v1/admin/media",
        files={"file": (f"photo-{n}.jpg", data, "image/jpeg")},
        data={
            "credit": "Newsdesk bench",
            "translations": json.dumps(translations, ensure_ascii=False),
            "focal_point": f"{FOCAL[0]},{FOCAL[1]}",
        },
    )
    if response.status_code != 201:
        raise RuntimeError(f"upload answered {response.status_code}: {response.text[:400]}")
    return response


def measure_memory(server: Server, key: str, data: bytes, uploads: int) -> tuple[
        MemoryResult, dict[str, Any]]:  # fmt: skip
    """Idle RSS of the worker, then each upload's peak; and the last upload's record."""
    pid = server.live.process.pid  # one worker: uvicorn serves in its own process
    result = MemoryResult(photo_mb=len(data) / 2**20)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=300) as client:
        for _ in range(3):  # warm: the admin routes, the auth, the database
            assert client.get("/v1/admin/media").status_code == 200
        time.sleep(1)
        idle = []
        for _ in range(10):
            idle.append(status_kb(pid, "VmRSS"))
            time.sleep(0.05)
        result.idle_mb = statistics.median(idle) / 1024
        result.hwm_before_mb = status_kb(pid, "VmHWM") / 1024
        log(f"  worker {pid}: idle {result.idle_mb:.1f} MB (VmHWM {result.hwm_before_mb:.1f})")
        record: dict[str, Any] = {}
        for n in range(uploads):
            unique = with_comment(data, f"newsdesk bench upload {n} {time.time_ns()}")
            sampler = Sampler(pid)
            start = time.perf_counter()
            with sampler.sampling():
                record = upload(client, unique, n).json()
            seconds = time.perf_counter() - start
            time.sleep(0.5)
            after = status_kb(pid, "VmRSS") / 1024
            sample = UploadSample(seconds, sampler.peak_kb / 1024, after, sampler.samples)
            result.uploads.append(sample)
            log(
                f"  upload {n + 1}/{uploads}: {seconds:.2f} s, peak {sample.peak_mb:.1f} MB "
                f"(+{sample.peak_mb - result.idle_mb:.1f}), after {after:.1f} MB, "
                f"{sampler.samples} samples"
            )
        result.hwm_after_mb = status_kb(pid, "VmHWM") / 1024
        result.renditions = len(record.get("renditions", []))
    return result, record


def pick_renditions(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The uncropped 960-wide WebP and the 1920-wide JPEG of a media record: label, path."""
    wanted = {("webp", 960): "960 px WebP", ("jpeg", 1920): "1920 px JPEG"}
    picked = []
    for item in record.get("renditions", []):
        label = wanted.get((item["format"], item["width"]))
        if label and item.get("crop") is None:
            picked.append((label, urllib.parse.urlsplit(item["url"]).path))
    return sorted(picked)


def measure_serving(app: Server, bare: Server, label: str, path: str, size: int,
                    load: Load) -> ServeResult:  # fmt: skip
    result = ServeResult(label, path, size)
    target = Target("media", path)
    for server in (app, bare) if load.warmup_s else ():
        wrk(server.base, target, load, load.warmup_s)
    for n in range(load.rounds):
        sides = [("app", app), ("bare", bare)]
        for side, server in sides if n % 2 == 0 else reversed(sides):
            run = wrk(server.base, target, load, load.duration_s)
            (result.app if side == "app" else result.bare).append(run)
            if side == "app":
                result.statuses.update(run.statuses)
        log(
            f"  {label} round {n + 1}/{load.rounds}: app {result.app[-1].rps:.0f} req/s, "
            f"bare {result.bare[-1].rps:.0f} req/s, ratio {result.ratios[-1]:.3f}"
        )
    return result


@dataclass
class ServerResults:
    memories: list[MemoryResult] = field(default_factory=list)
    serving: list[ServeResult] = field(default_factory=list)
    failed: str | None = None
    facts: dict[str, str] = field(default_factory=dict)


def bench_server(
    data: bytes, uploads: int, load: Load | None, work: Path, extra_env: dict[str, str]
) -> ServerResults:
    results = ServerResults()
    work.mkdir(parents=True, exist_ok=True)
    media_dir = work / "media"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's app, not the one the venv was installed from
        "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'media-bench.db'}",
        "NEWSDESK_MEDIA_STORAGE": "local",
        "NEWSDESK_MEDIA_DIR": str(media_dir),
        "NEWSDESK_CACHE": "off",
        "NEWSDESK_LOG_LEVEL": "warning",
        "NEWSDESK_RATE_LIMIT_PUBLIC": "",
        "NEWSDESK_RATE_LIMIT_ADMIN": "",
        **extra_env,
    }
    newsdesk(env, "migrate")
    key = newsdesk(env, "create-api-key", "--name", "media-bench", "--role", "admin").strip()
    port = _free_port()
    command = [str(NEWSDESK), "serve", "--port", str(port)]
    with running("app", command, env, port, 1, work) as app:
        log("B. memory of the worker during uploads")
        memory, record = measure_memory(app, key, data, uploads)
        memory.env = ", ".join(f"`{k}={v}`" for k, v in extra_env.items()) or "unchanged"
        results.memories.append(memory)
        if load is None:
            return results
        log("C. serving a rendition: app against a bare FileResponse")
        picked = pick_renditions(record)
        if not picked:
            raise RuntimeError("the upload's record names no 960 WebP / 1920 JPEG rendition")
        bare_port = _free_port()
        bare_command = [sys.executable, str(BENCH / "bare_media.py"), "--root", str(media_dir),
                        "--port", str(bare_port)]  # fmt: skip
        with running("bare media", bare_command, dict(os.environ), bare_port, 1, work) as bare:
            for label, path in picked:
                body = httpx.get(app.base + path, timeout=30)
                same = httpx.get(bare.base + path, timeout=30)
                if body.status_code != 200 or same.content != body.content:
                    raise RuntimeError(
                        f"{path}: app {body.status_code}, bare {same.status_code}, "
                        f"{'same' if same.content == body.content else 'other'} bytes"
                    )
                results.facts[label] = _headers_fact(body)
                results.serving.append(
                    measure_serving(app, bare, label, path, len(body.content), load)
                )
    return results


def _headers_fact(response: httpx.Response) -> str:
    names = ("content-type", "cache-control", "etag", "accept-ranges")
    return ", ".join(f"{n}: `{response.headers[n]}`" for n in names if n in response.headers)


def _free_port() -> int:
    from tests import live

    return live.free_port()


# Report ----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def render_markdown(
    renditions: list[RenditionResult],
    stages: dict[str, dict[str, float]],
    server: ServerResults | None,
    facts: dict[str, str],
    command: str,
) -> str:
    out = ["# Media upload benchmark (issue 16)", ""]
    out += [f"Command: `{command}`", ""]
    out += [f"- {name}: {value}" for name, value in facts.items()]
    out.append("")
    if renditions:
        out += ["## A. Upload + renditions of a 24 MP JPEG: libvips against Pillow", ""]
        out += ["| work | libvips median | Pillow median | libvips MP/s | Pillow MP/s "
                "| libvips speed-up (Pillow ÷ libvips) |",
                "|---|---|---|---|---|---|"]  # fmt: skip
        for r in renditions:
            n = len(r.outputs["libvips"].shapes)
            work = f"{n} renditions, {'with' if r.avif else 'without'} AVIF"
            out.append(
                f"| {work} | {r.median('libvips'):.2f} s | {r.median('Pillow'):.2f} s "
                f"| {r.mp_per_s('libvips'):.1f} | {r.mp_per_s('Pillow'):.1f} "
                f"| **{r.speedup:.2f}×** |"
            )
        out.append("")
        for r in renditions:
            label = "with AVIF" if r.avif else "without AVIF"
            for library in LIBRARIES:
                o = r.outputs[library]
                sizes = ", ".join(
                    f"{f} {b / 1024:.0f} KiB" for f, b in sorted(o.bytes_by_format.items())
                )
                times = ", ".join(f"{s:.2f}" for s in r.seconds[library])
                out.append(f"- {label}, {library}: runs {times} s; bytes written {sizes}; "
                           f"BlurHash `{o.blurhash}`, dominant `{o.dominant_color}`")  # fmt: skip
            for problem in r.problems():
                out.append(f"- **{label}: {problem}**")
        out.append("")
    if stages:
        out += ["Where the time goes (medians; the same working image and settings as above):", ""]
        out += ["| step | libvips | Pillow | Pillow ÷ libvips |", "|---|---|---|---|"]
        for step, by_library in stages.items():
            vips, pil = by_library.get("libvips"), by_library.get("Pillow")
            cells = [f"{t * 1000:.0f} ms" if t is not None else "–" for t in (vips, pil)]
            ratio = f"{pil / vips:.2f}" if vips and pil else "–"
            out.append(f"| {step} | {cells[0]} | {cells[1]} | {ratio} |")
        out.append("")
    if server is not None:
        if server.failed:
            out += ["## B and C", "", f"Not measured: {server.failed}", ""]
        memories = [m for m in server.memories if m.uploads]
        if memories:
            first = memories[0]
            out += ["## B. Worker memory (RSS) during uploads", ""]
            out += [
                f"One worker (`newsdesk serve`, a fresh one per row), SQLite, local storage; "
                f"{len(first.uploads)} uploads of the {first.photo_mb:.1f} MB photo "
                f"({first.renditions} renditions each), one at a time, each with bytes of its "
                "own (no deduplication); RSS (VmRSS) sampled every 5 ms.",
                "",
                "| server environment | idle | peak during uploads "
                "| added over idle (target ≤ 100 MB) | after the last upload "
                "| VmHWM before → after |",
                "|---|---|---|---|---|---|",
            ]
            for m in memories:
                out.append(
                    f"| {m.env} | {m.idle_mb:.1f} MB | {m.peak_mb:.1f} MB "
                    f"| **{m.added_mb:.1f} MB** ({verdict(m.added_mb <= TARGET_RSS_MB)}) "
                    f"| {m.uploads[-1].after_mb:.1f} MB "
                    f"| {m.hwm_before_mb:.1f} → {m.hwm_after_mb:.1f} MB |"
                )
            out.append("")
            for m in memories:
                peaks = ", ".join(f"+{u.peak_mb - m.idle_mb:.0f}" for u in m.uploads)
                afters = ", ".join(f"{u.after_mb:.0f}" for u in m.uploads)
                seconds = ", ".join(f"{u.seconds:.1f}" for u in m.uploads)
                out.append(
                    f"- {m.env}: peak over idle per upload {peaks} MB; RSS after each "
                    f"{afters} MB; seconds per upload {seconds}"
                )
            out.append("")
        if server.serving:
            out += ["## C. Serving a rendition from local storage: app ÷ bare `FileResponse`", ""]
            out += ["| file | bytes | app req/s | bare req/s | ratio (target ≥ 0.8) | per round |",
                    "|---|---|---|---|---|---|"]  # fmt: skip
            for s in server.serving:
                app_rps = statistics.median(r.rps for r in s.app)
                bare_rps = statistics.median(r.rps for r in s.bare)
                rounds = ", ".join(f"{x:.3f}" for x in s.ratios)
                out.append(
                    f"| {s.label} | {s.size:,} | {app_rps:.0f} | {bare_rps:.0f} "
                    f"| **{s.ratio:.3f}** ({verdict(s.ratio >= TARGET_RATIO)}) | {rounds} |"
                )
            out.append("")
            for label, fact in server.facts.items():
                out.append(f"- {label} from the app: {fact}")
            statuses = Counter[int]()
            for s in server.serving:
                statuses.update(s.statuses)
            out.append(f"- app statuses under load: {dict(statuses)}")
            out.append("")
    return "\n".join(out)


def _load() -> str:
    """The 1-minute load average: how busy the machine was besides the bench."""
    with suppress(OSError):
        return Path("/proc/loadavg").read_text().split()[0]
    return "unknown"


# Main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--only",
        choices=("renditions", "server", "memory"),
        help="one part alone: A; B and C; B",
    )
    parser.add_argument("--rounds", type=int, default=5, help="A: timed runs per library")
    parser.add_argument("--avif", choices=("both", "on", "off"), default="both",
                        help="A: with AVIF renditions, without, or both")  # fmt: skip
    parser.add_argument("--uploads", type=int, default=4, help="B: uploads measured")
    parser.add_argument("--serve-rounds", type=int, default=9, help="C: app/bare alternations")
    parser.add_argument("--duration", type=int, default=2, help="C: seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="C: seconds of warm-up")
    parser.add_argument("--connections", type=int, default=32, help="C: wrk -c")
    parser.add_argument("--threads", type=int, default=1, help="C: wrk -t")
    parser.add_argument("--stage-repeat", type=int, default=3, help="A: runs per step timed")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="B, C: an environment variable of the server (MALLOC_ARENA_MAX=2, ...)",
    )
    parser.add_argument(
        "--memory-also",
        action="append",
        metavar="NAME=VALUE[,NAME=VALUE]",
        help="B again in a fresh server with this environment added "
        "(default: MALLOC_ARENA_MAX=1; 'none': no second run)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the test photo's seed")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the photo is kept")
    parser.add_argument("--out", type=Path, help="write the results (Markdown) here too")
    args = parser.parse_args(argv)
    if min(args.rounds, args.uploads, args.serve_rounds, args.duration) < 1:
        parser.error("--rounds, --uploads, --serve-rounds and --duration must be positive")
    if args.memory_also is None:
        args.memory_also = ["MALLOC_ARENA_MAX=1"]
    args.memory_also = [m for m in args.memory_also if m != "none"]
    items = [*args.server_env, *(i for m in args.memory_also for i in m.split(","))]
    if any("=" not in item for item in items):
        parser.error("--server-env and --memory-also take NAME=VALUE")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    log(f"the test photo ({args.cache})")
    photo_path = photo(args.cache, seed=args.seed)
    data = photo_path.read_bytes()
    with Image.open(photo_path) as image:
        stored = image.size
    megapixels = stored[0] * stored[1] / 1e6
    facts = {
        "photo": f"{stored[1]}×{stored[0]} as shown (stored {stored[0]}×{stored[1]}, EXIF "
        f"orientation 6, GPS), JPEG q90, {len(data) / 2**20:.1f} MB, {megapixels:.1f} MP, "
        f"seed {args.seed} (`bench/media_photo.py`)",
        "libraries": f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)} "
        f"(pyvips {pyvips.__version__}), Pillow {PIL.__version__}",
        "machine": f"{os.cpu_count()} cores; libvips threads: "
        f"{os.environ.get('VIPS_CONCURRENCY', 'default (one per core)')}",
        "focal point": f"{FOCAL[0]},{FOCAL[1]}",
        "load average at the start": _load(),
    }
    extra_env = dict(item.split("=", 1) for item in args.server_env)
    if extra_env:
        facts["server environment"] = ", ".join(f"`{k}={v}`" for k, v in extra_env.items())
    renditions: list[RenditionResult] = []
    stages: dict[str, dict[str, float]] = {}
    server: ServerResults | None = None
    with tempfile.TemporaryDirectory(prefix="media-bench-") as tmp:
        work = Path(tmp)
        if args.only in (None, "renditions"):
            modes = {"both": [True, False], "on": [True], "off": [False]}[args.avif]
            for avif in modes:
                log(f"A. renditions {'with' if avif else 'without'} AVIF, {args.rounds} rounds")
                renditions.append(
                    measure_renditions(photo_path, megapixels, args.rounds, avif, work / "a")
                )
            log("A. where the time goes")
            stages = measure_stages(photo_path, args.stage_repeat)
        if args.only in (None, "server", "memory"):
            ensure_wrk()
            load: Load | None = Load(args.duration, args.warmup, args.connections, args.threads, 30,
                        args.serve_rounds)  # fmt: skip
            if args.only == "memory":
                load = None
            server = ServerResults()
            variants: list[tuple[dict[str, str], Load | None]] = [({}, load)] + [
                (dict(i.split("=", 1) for i in m.split(",")), None) for m in args.memory_also
            ]
            for n, (more_env, variant_load) in enumerate(variants):
                try:
                    done = bench_server(data, args.uploads, variant_load, work / f"server-{n}",
                                        {**extra_env, **more_env})  # fmt: skip
                except (RuntimeError, OSError, httpx.HTTPError,
                        subprocess.CalledProcessError) as exc:  # fmt: skip
                    log(f"!! server part failed: {exc}")
                    server.failed = str(exc).splitlines()[0][:300] or type(exc).__name__
                    break
                server.memories += done.memories
                server.serving += done.serving
                server.facts.update(done.facts)
    facts["load average at the end"] = _load()
    facts["took"] = f"{(time.time() - started) / 60:.1f} min"
    command = " ".join(["bench/media-upload", *(argv if argv is not None else sys.argv[1:])])
    markdown = render_markdown(renditions, stages, server, facts, command)
    print(markdown)
    if args.out:
        args.out.write_text(markdown + "\n", encoding="utf-8")
        log(f"written to {args.out}")


if __name__ == "__main__":
    main()
