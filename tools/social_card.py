"""Draw the site's default social card: _static/social-card.png (1200 x 630).

The card is what a chat app or social network shows when someone shares a page
that has no image of its own. It is committed; run this only to change it:

    uv run --no-project --with pillow==13.0.0 python tools/social_card.py

Needs the Liberation Serif and DejaVu Sans fonts (Debian: fonts-liberation,
fonts-dejavu-core). Calm and simple: the blog's name, the practice's name, a
heart mark, in the brand colour (#6b3a5a) on a warm off-white.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_static" / "social-card.png"
SIZE = (1200, 630)
BRAND = (0x6B, 0x3A, 0x5A)
BACKGROUND = (0xFB, 0xF7, 0xF5)
SOFT = (0xEF, 0xE3, 0xEA)
GREY = (0x4A, 0x43, 0x48)
SERIF = "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SCALE = 4  # drawn large and scaled down: smooth curves without anti-aliasing support


def heart(draw: ImageDraw.ImageDraw, cx: float, cy: float, size: float, fill) -> None:
    """A smooth heart of width ``size`` centred on (cx, cy) (the classic parametric curve)."""
    scale = size / 34
    points = []
    for step in range(720):
        t = 2 * math.pi * step / 720
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((cx + x * scale, cy - y * scale))
    draw.polygon(points, fill=fill)


def main() -> None:
    w, h = SIZE[0] * SCALE, SIZE[1] * SCALE
    image = Image.new("RGB", (w, h), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # A soft band on the left and a thin brand rule: quiet, no clutter.
    draw.rectangle((0, 0, 28 * SCALE, h), fill=BRAND)
    heart(draw, 1030 * SCALE, 170 * SCALE, 220 * SCALE, SOFT)
    heart(draw, 146 * SCALE, 240 * SCALE, 64 * SCALE, BRAND)

    title = ImageFont.truetype(SERIF, 104 * SCALE)
    subtitle = ImageFont.truetype(SANS, 40 * SCALE)
    small = ImageFont.truetype(SANS, 28 * SCALE)
    x = 110 * SCALE
    draw.text((x, 300 * SCALE), "To a healed heart", font=title, fill=BRAND)
    draw.line((x, 450 * SCALE, x + 180 * SCALE, 450 * SCALE), fill=BRAND, width=4 * SCALE)
    draw.text((x, 480 * SCALE), "Misma's Counselling Services", font=subtitle, fill=GREY)
    draw.text(
        (x, 548 * SCALE),
        "Reflections on counselling, psychotherapy and psychology",
        font=small,
        fill=GREY,
    )
    image = image.resize(SIZE, Image.LANCZOS)
    image.save(OUT, "PNG", optimize=True)
    print(f"wrote {OUT.relative_to(ROOT)} ({SIZE[0]}x{SIZE[1]})")


if __name__ == "__main__":
    main()
