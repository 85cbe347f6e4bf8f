"""Draws the demo newsroom's cover pictures (`app/demo/images/*.jpg`) with Pillow.

Run once, by hand, when a picture changes: `python -m app.demo.make_images [NAME...]`; the JPEGs are
committed and shipped with the package, and `newsdesk demo-data` uploads them through the
same path as `POST /v1/admin/media`. Drawn, not photographed, so the demo carries no
licensed photo; seeded, so a run draws the same pictures (the bytes may still differ
between Pillow/libjpeg versions, which is why the files are committed, not generated at
load time). Soft shapes, a little grain and a light blur make them read as photos at a
glance. Drawn at 1600×1067 and saved at 1280×853 (each near 40 KB): wide enough for a
page's cover, and a demo load renders 34 files a picture rather than 43 at 1600, in about
half the time (`newsdesk demo-data` 12.4 → 8.1 s here, most of it the renditions).
"""

import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 1600, 1067  # drawn
SAVED = (1280, 853)  # stored
Colour = tuple[int, int, int]
Scene = Callable[[ImageDraw.ImageDraw, random.Random], None]
HERE = Path(__file__).parent / "images"


def _gradient(draw: ImageDraw.ImageDraw, top: int, bottom: int, a: Colour, b: Colour) -> None:
    for y in range(top, bottom):
        t = (y - top) / max(1, bottom - top - 1)
        draw.line([(0, y), (W, y)], fill=tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3)))


def _skyline(
    draw: ImageDraw.ImageDraw, rnd: random.Random, base: int, colour: Colour, lit: Colour | None
) -> None:
    x = -20
    while x < W:
        w, h = rnd.randint(40, 120), rnd.randint(60, 300)
        draw.rectangle([x, base - h, x + w, base], fill=colour)
        if lit is not None:
            for wy in range(base - h + 10, base - 10, 18):
                for wx in range(x + 6, x + w - 8, 14):
                    if rnd.random() < 0.3:
                        draw.rectangle([wx, wy, wx + 6, wy + 8], fill=lit)
        x += w + rnd.randint(0, 12)


def cyber_ops_room(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, H, (14, 20, 34), (6, 8, 14))
    for row in range(2):  # a wall of screens with traffic charts
        for col in range(4):
            x0, y0 = 120 + col * 350, 90 + row * 260
            draw.rectangle([x0, y0, x0 + 320, y0 + 220], fill=(10, 40, 70), outline=(60, 90, 120))
            for k in range(1, 4):
                draw.line([(x0, y0 + k * 55), (x0 + 320, y0 + k * 55)], fill=(25, 60, 90))
            for colour in ((60, 200, 255), (255, 120, 60)):
                points, y = [], y0 + 110
                for px in range(x0 + 8, x0 + 316, 16):
                    y = min(y0 + 210, max(y0 + 12, y + rnd.randint(-28, 28)))
                    points.append((px, y))
                draw.line(points, fill=colour, width=4)
    draw.rectangle([0, 720, W, H], fill=(24, 26, 32))  # desks, monitors and people's backs
    for i in range(5):
        cx = 180 + i * 310
        draw.rectangle([cx - 90, 640, cx + 90, 760], fill=(20, 70, 110), outline=(70, 110, 150))
        draw.ellipse([cx - 55, 700, cx + 55, 810], fill=(30, 30, 36))
        draw.rounded_rectangle([cx - 110, 790, cx + 110, H + 40], 60, fill=(38, 40, 48))


def kyiv_substation(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, 760, (38, 52, 96), (238, 150, 92))  # winter dusk over the left bank
    _skyline(draw, rnd, 760, (34, 34, 48), (250, 210, 120))
    draw.rectangle([0, 760, W, H], fill=(70, 72, 80))
    for x in (260, 1280):  # pylons and the lines between them
        draw.polygon([(x - 70, 900), (x, 300), (x + 70, 900)], outline=(20, 20, 26), width=8)
        for y in (420, 520):
            draw.line([(x - 110, y), (x + 110, y)], fill=(20, 20, 26), width=8)
    for y in (420, 520):
        draw.arc([150, y - 60, 1390, y + 140], 200, 340, fill=(20, 20, 26), width=3)
    draw.rectangle([620, 620, 980, 900], fill=(120, 128, 120))  # the transformer
    for k in range(9):
        draw.rectangle([640 + k * 38, 640, 656 + k * 38, 880], fill=(92, 100, 94))
    for x in (840, 1010):  # two engineers in orange vests and white helmets
        draw.ellipse([x - 22, 700, x + 22, 744], fill=(236, 236, 230))
        draw.rounded_rectangle([x - 38, 744, x + 38, 880], 16, fill=(250, 120, 20))
        draw.rectangle([x - 38, 790, x + 38, 800], fill=(220, 230, 220))
        draw.rectangle([x - 30, 880, x + 30, 960], fill=(30, 36, 60))


def grain_terminal(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, 600, (120, 170, 220), (214, 228, 238))
    _gradient(draw, 600, H, (40, 90, 130), (18, 48, 76))  # the sea
    for _ in range(60):
        y = rnd.randint(620, H)
        x = rnd.randint(0, W)
        draw.line([(x, y), (x + rnd.randint(30, 120), y)], fill=(90, 140, 180), width=2)
    for k in range(6):  # silos of the terminal
        x = 80 + k * 110
        draw.rectangle([x, 250, x + 96, 600], fill=(206, 202, 190))
        draw.ellipse([x, 232, x + 96, 268], fill=(190, 186, 176))
    draw.rectangle([740, 300, 1500, 330], fill=(150, 60, 40))  # the conveyor over the quay
    draw.line([(1300, 330), (1300, 560)], fill=(150, 60, 40), width=14)
    draw.polygon([(560, 600), (1560, 600), (1500, 760), (640, 760)], fill=(30, 42, 60))  # hull
    draw.rectangle([560, 640, 1560, 660], fill=(170, 40, 40))
    draw.rectangle([1380, 470, 1520, 600], fill=(236, 236, 232))  # the bridge
    for k in range(5):
        draw.rectangle([700 + k * 130, 560, 800 + k * 130, 600], fill=(60, 70, 80))
    draw.polygon([(1270, 560), (1330, 560), (1300, 500)], fill=(222, 196, 120))  # falling grain


def drone_startup(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, 560, (150, 190, 230), (226, 236, 240))
    for k in range(14):  # fields in strips to the horizon
        y0 = min(H - 1, 560 + k * k * 3 + k * 10)
        colour = (120 + (k % 2) * 40, 150 + (k % 3) * 15, 60)
        draw.rectangle([0, y0, W, H], fill=colour)
    draw.line([(0, 700), (W, 620)], fill=(80, 80, 70), width=6)  # a road
    cx, cy = 960, 360  # the quadcopter
    for dx, dy in ((-170, -70), (170, -70), (-170, 70), (170, 70)):
        draw.line([(cx, cy), (cx + dx, cy + dy)], fill=(40, 44, 50), width=14)
        draw.ellipse([cx + dx - 80, cy + dy - 12, cx + dx + 80, cy + dy + 12], fill=(70, 74, 80))
    draw.rounded_rectangle([cx - 70, cy - 36, cx + 70, cy + 40], 18, fill=(30, 32, 36))
    draw.ellipse([cx - 18, cy + 30, cx + 18, cy + 66], fill=(20, 20, 24))
    draw.rectangle([cx - 120, cy + 46, cx - 90, cy + 90], fill=(30, 32, 36))
    draw.rectangle([cx + 90, cy + 46, cx + 120, cy + 90], fill=(30, 32, 36))


def lukianivska_metro(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, H, (206, 196, 176), (120, 110, 100))  # the station hall
    for k in range(7):  # arches of the vault
        draw.arc([-200 + k * 40, -520 + k * 30, W + 200 - k * 40, 700 - k * 10], 180, 360,
                 fill=(236, 230, 214), width=10)  # fmt: skip
    for x in range(0, W, 120):
        draw.ellipse([x + 40, 120, x + 80, 150], fill=(255, 244, 210))  # lamps
    draw.rectangle([0, 760, W, H], fill=(150, 140, 130))  # the platform
    draw.rectangle([0, 752, W, 766], fill=(230, 200, 60))
    draw.rounded_rectangle([-60, 430, 1020, 752], 40, fill=(40, 110, 90))  # the train
    draw.rectangle([-60, 640, 1020, 660], fill=(220, 220, 210))
    for k in range(6):
        draw.rounded_rectangle([20 + k * 165, 480, 140 + k * 165, 600], 10, fill=(170, 200, 210))
    draw.rectangle([1160, 380, 1440, 760], fill=(180, 214, 222), outline=(110, 120, 130), width=8)
    draw.line([(1300, 380), (1300, 760)], fill=(110, 120, 130), width=6)  # the glass lift
    draw.ellipse([1218, 560, 1254, 596], fill=(90, 60, 50))  # a woman with a pram
    draw.rounded_rectangle([1212, 596, 1262, 720], 14, fill=(150, 40, 60))
    draw.ellipse([1090, 640, 1180, 720], fill=(40, 40, 60))
    draw.ellipse([1100, 715, 1125, 740], fill=(20, 20, 20))
    draw.ellipse([1150, 715, 1175, 740], fill=(20, 20, 20))


def khreshchatyk_train(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, H, (188, 174, 150), (96, 88, 80))  # the hall, warm stone
    for x in range(40, W, 260):  # columns and their lamps
        draw.rectangle([x, 0, x + 70, 700], fill=(214, 204, 184))
        draw.ellipse([x + 15, 90, x + 55, 130], fill=(255, 240, 200))
    draw.rectangle([0, 700, W, H], fill=(140, 132, 124))  # the platform, its yellow line
    draw.rectangle([0, 700, W, 714], fill=(232, 202, 58))
    draw.rounded_rectangle([560, 380, W + 80, 700], 50, fill=(36, 96, 150))  # the train
    draw.rectangle([560, 600, W + 80, 622], fill=(224, 224, 214))
    draw.ellipse([590, 520, 640, 570], fill=(255, 250, 220))  # its headlight
    for k in range(5):
        draw.rounded_rectangle([720 + k * 170, 430, 840 + k * 170, 560], 10, fill=(168, 198, 214))
    for _ in range(26):  # people waiting: heads and coats
        x, y = rnd.randint(-20, 540), rnd.randint(720, 900)
        coat = rnd.choice(((60, 60, 70), (120, 40, 50), (40, 70, 60), (150, 120, 90)))
        draw.ellipse([x, y - 130, x + 40, y - 90], fill=(110, 84, 70))
        draw.rounded_rectangle([x - 14, y - 92, x + 54, y + 40], 18, fill=coat)


def gas_storage(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _gradient(draw, 0, 540, (170, 184, 200), (232, 234, 236))
    _gradient(draw, 540, H, (244, 246, 250), (214, 220, 230))  # snow
    for k in range(3):  # storage tanks far away
        x = 120 + k * 260
        draw.rectangle([x, 330, x + 200, 540], fill=(200, 204, 208))
        draw.chord([x, 290, x + 200, 370], 180, 360, fill=(200, 204, 208))
    for y, colour in ((640, (230, 190, 40)), (720, (200, 204, 210)), (800, (230, 190, 40))):
        draw.rectangle([0, y, W, y + 36], fill=colour)  # pipes
        draw.rectangle([0, y + 28, W, y + 36], fill=tuple(c - 50 for c in colour))
    for x in (500, 900, 1300):  # valves with red wheels
        draw.rectangle([x - 20, 560, x + 20, 850], fill=(120, 124, 130))
        draw.ellipse([x - 70, 500, x + 70, 580], outline=(200, 30, 30), width=14)
        draw.line([(x - 60, 540), (x + 60, 540)], fill=(200, 30, 30), width=8)


SCENES: dict[str, Scene] = {
    "cyber-ops-room": cyber_ops_room,
    "kyiv-substation": kyiv_substation,
    "grain-terminal": grain_terminal,
    "drone-startup": drone_startup,
    "lukianivska-metro": lukianivska_metro,
    "gas-storage": gas_storage,
    "khreshchatyk-train": khreshchatyk_train,
}


def draw(name: str) -> Image.Image:
    rnd = random.Random(name)  # noqa: S311 (pictures, not secrets)
    picture = Image.new("RGB", (W, H))
    SCENES[name](ImageDraw.Draw(picture), rnd)
    picture = picture.filter(ImageFilter.GaussianBlur(1.6))
    grain = Image.frombytes("L", (W // 4, H // 4), rnd.randbytes((W // 4) * (H // 4)))
    grain = grain.resize((W, H), Image.Resampling.BILINEAR).convert("RGB")
    return Image.blend(picture, grain, 0.03)


def main(names: list[str]) -> None:
    """Draw the named pictures (all without names): redrawing one that has not changed
    may still change its bytes, and so its content address."""
    HERE.mkdir(exist_ok=True)
    for name in names or SCENES:
        path = HERE / f"{name}.jpg"
        picture = draw(name).resize(SAVED, Image.Resampling.LANCZOS)
        picture.save(path, "JPEG", quality=62, optimize=True, progressive=True)
        print(f"{path} {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
