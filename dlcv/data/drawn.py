"""Cartoon cats and dogs drawn with NumPy and PIL: the offline sample of the cats-vs-dogs data.

Each picture is a head (with, sometimes, a body) on a cluttered background. What tells the
classes apart is what tells real cats and dogs apart in a small photo: cats mostly have
pointed ears, a short muzzle, whiskers and slit pupils; dogs mostly floppy ears, a long muzzle,
a big nose and round eyes. "Mostly": some dogs prick their ears and some cats fold theirs, so
no single cue decides. Everything else varies at random and is shared by both classes: fur
colour and pattern, head size, position, tilt and turn, background, clutter, light and noise.

Every picture is drawn from its own seed (the sample's seed, its class and its index), so a
sample is the same on every run and machine, and any one picture can be drawn on its own.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASS_NAMES = ("cat", "dog")
SPLITS = ("train", "validation", "test")
VERSION = 1
"""Bumped whenever a change to the drawing changes the pictures (it is part of the data's origin)."""

_SUPERSAMPLE = 2  # draw at twice the size, then shrink: smooth edges without anti-aliasing code
_FUR = np.array(
    [
        (200, 120, 50),  # ginger
        (128, 128, 135),  # grey
        (40, 36, 34),  # black
        (235, 230, 220),  # white
        (120, 80, 45),  # brown
        (225, 200, 150),  # cream
        (210, 165, 80),  # golden
        (85, 60, 40),  # dark brown
    ]
)
# How often each class shows the other class's cue; tuned so that no cue alone decides.
_POINTED_EAR_P = {"cat": 0.85, "dog": 0.25}
_WHISKER_P = {"cat": 0.8, "dog": 0.2}
_SLIT_PUPIL_P = {"cat": 0.7, "dog": 0.0}


def draw_pet(kind: str, rng: np.random.Generator, size: tuple[int, int] = (180, 180)) -> Image.Image:
    """Draws one cartoon cat or dog.

    Args:
        kind: ``"cat"`` or ``"dog"``.
        rng: the random generator that decides everything about the picture.
        size: ``(height, width)`` of the picture in pixels.

    Returns:
        An RGB ``PIL.Image.Image`` of the given size.

    Raises:
        ValueError: if ``kind`` is neither ``"cat"`` nor ``"dog"``.
    """
    if kind not in CLASS_NAMES:
        raise ValueError(f"kind must be 'cat' or 'dog', got {kind!r}")
    height, width = size
    canvas = _background(rng, (width * _SUPERSAMPLE, height * _SUPERSAMPLE))
    short_side = min(width, height) * _SUPERSAMPLE
    radius = short_side * rng.uniform(0.14, 0.27)
    pet = _pet_layer(kind, rng, radius)
    pet = pet.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC, expand=True)
    cx = rng.uniform(0.3, 0.7) * canvas.width
    cy = rng.uniform(0.3, 0.7) * canvas.height
    canvas.alpha_composite(pet, (int(cx - pet.width / 2), int(cy - pet.height / 2)))
    image = canvas.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    return _camera(image, rng)


def write_sample(
    root: Path,
    counts: tuple[int, int, int],
    image_size: tuple[int, int] = (180, 180),
    seed: int = 1337,
) -> None:
    """Writes a drawn sample in the layout of the book's subset of the real data.

    ``root/{train,validation,test}/{cat,dog}/`` receive ``counts`` pictures per class,
    named like the Kaggle files (``cat.0.jpg``, ...) with the book's index ranges: the
    training split holds indices ``0`` to ``counts[0] - 1``, validation the next ``counts[1]``,
    test the next ``counts[2]``.

    Args:
        root: the folder to fill; it is created when missing.
        counts: pictures per class in the train, validation and test splits.
        image_size: ``(height, width)`` of each picture.
        seed: the sample's seed; the same seed gives the same pictures.
    """
    start = 0
    for split, count in zip(SPLITS, counts, strict=True):
        for label, kind in enumerate(CLASS_NAMES):
            folder = Path(root) / split / kind
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(start, start + count):
                rng = np.random.default_rng([seed, label, index])
                quality = int(rng.integers(60, 95))
                draw_pet(kind, rng, image_size).save(folder / f"{kind}.{index}.jpg", quality=quality)
        start += count


def _background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A wall-and-floor scene with random furniture-like clutter."""
    width, height = size
    top, bottom = rng.integers(30, 235, size=(2, 3))
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp) * np.ones((1, width, 1))
    canvas = Image.fromarray(pixels.astype(np.uint8)).convert("RGBA")
    draw = ImageDraw.Draw(canvas)
    floor = int(height * rng.uniform(0.55, 0.9))
    draw.rectangle((0, floor, width, height), fill=_colour(rng))
    for _ in range(rng.integers(2, 10)):
        x0, x1 = np.sort(rng.uniform(-0.1, 1.1, 2)) * width
        y0, y1 = np.sort(rng.uniform(-0.1, 1.1, 2)) * height
        shape = rng.integers(4)
        if shape == 0:
            draw.rectangle((x0, y0, x1, y1), fill=_colour(rng))
        elif shape == 1:
            draw.ellipse((x0, y0, x1, y1), fill=_colour(rng))
        elif shape == 2:
            draw.line((x0, y0, x1, y1), fill=_colour(rng), width=int(rng.integers(2, 16)))
        else:
            draw.polygon([(x0, y1), (x1, y1), (rng.uniform(x0, x1), y0)], fill=_colour(rng))
    return canvas


def _pet_layer(kind: str, rng: np.random.Generator, r: float) -> Image.Image:
    """The head (and maybe a body) on a transparent square layer centred on the head."""
    side = int(4.4 * r)
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c = side / 2
    fur = _jitter(rng, _FUR[rng.integers(len(_FUR))], 25)
    dark = _shade(fur, rng.uniform(0.45, 0.75))
    light = _shade(fur, rng.uniform(1.15, 1.5))
    turn = rng.uniform(-0.3, 0.3) * r  # head turned left or right: features shift sideways

    if rng.random() < 0.6:  # a body behind the head, cut off by the layer's edge
        _ellipse(draw, c + rng.uniform(-0.4, 0.4) * r, c + 1.5 * r, 1.2 * r, 0.95 * r, 0, fur)

    pointed = rng.random() < _POINTED_EAR_P[kind]
    if not pointed:  # floppy ears hang behind and beside the head
        _floppy_ears(draw, rng, c, r, dark if rng.random() < 0.7 else fur)
    head_w, head_h = r * rng.uniform(0.9, 1.1), r * rng.uniform(0.85, 1.05)
    if pointed:
        _pointed_ears(draw, rng, c, r, head_h, fur, kind)
    _ellipse(draw, c, c, head_w, head_h, 0, fur)
    _pattern(draw, rng, c, r, dark, light)

    eye_y = c - rng.uniform(0.05, 0.25) * r
    eye_dx = rng.uniform(0.3, 0.45) * r
    slit = rng.random() < _SLIT_PUPIL_P[kind]
    for side_sign in (-1, 1):
        _eye(draw, rng, c + turn + side_sign * eye_dx, eye_y, r, slit, kind)

    mx = c + 1.2 * turn
    if kind == "cat":
        snout_len = rng.uniform(0.25, 0.45) * r
    else:
        snout_len = rng.uniform(0.45, 0.85) * r
    muzzle_y = c + 0.2 * r + snout_len / 2
    _ellipse(draw, mx, muzzle_y, rng.uniform(0.3, 0.45) * r, snout_len / 2 + 0.12 * r, 0, light)
    nose_y = muzzle_y - snout_len / 2
    nose_w = (rng.uniform(0.09, 0.14) if kind == "cat" else rng.uniform(0.14, 0.22)) * r
    nose_colour = (235, 140, 150) if kind == "cat" and rng.random() < 0.7 else (25, 20, 20)
    draw.polygon(
        [(mx - nose_w, nose_y), (mx + nose_w, nose_y), (mx, nose_y + nose_w)], fill=nose_colour
    )
    if kind == "dog" and rng.random() < 0.35:  # tongue out
        _ellipse(draw, mx, muzzle_y + snout_len / 2 + 0.1 * r, 0.12 * r, 0.16 * r, 0, (225, 90, 110))
    if rng.random() < _WHISKER_P[kind]:
        _whiskers(draw, rng, mx, muzzle_y, r)
    return layer


def _pointed_ears(draw, rng, c, r, head_h, fur, kind) -> None:
    height = rng.uniform(0.55, 0.95) * r if kind == "cat" else rng.uniform(0.5, 0.8) * r
    half_base = rng.uniform(0.25, 0.38) * r
    inner = (235, 150, 160) if rng.random() < 0.6 else _shade(fur, 0.6)
    for sign in (-1, 1):
        angle = math.radians(sign * rng.uniform(25, 45))
        bx = c + math.sin(angle) * head_h * 0.85
        by = c - math.cos(angle) * head_h * 0.85
        tip = (bx + math.sin(angle) * height, by - math.cos(angle) * height)
        ux, uy = math.cos(angle) * half_base, math.sin(angle) * half_base
        outer = [(bx - ux, by - uy), (bx + ux, by + uy), tip]
        draw.polygon(outer, fill=fur)
        inner_tri = [
            (bx - 0.5 * ux, by - 0.5 * uy),
            (bx + 0.5 * ux, by + 0.5 * uy),
            (bx + math.sin(angle) * height * 0.7, by - math.cos(angle) * height * 0.7),
        ]
        draw.polygon(inner_tri, fill=inner)


def _floppy_ears(draw, rng, c, r, colour) -> None:
    length = rng.uniform(0.8, 1.3) * r
    width = rng.uniform(0.3, 0.5) * r
    spread = rng.uniform(0.7, 0.95) * r
    for sign in (-1, 1):
        tilt = sign * rng.uniform(5, 30)
        _ellipse(draw, c + sign * spread, c - 0.35 * r + length / 2, width, length / 2, tilt, colour)


def _pattern(draw, rng, c, r, dark, light) -> None:
    """Stripes, spots or a patch, shared by both classes."""
    kind = rng.choice(["none", "stripes", "spots", "patch"], p=[0.35, 0.3, 0.2, 0.15])
    if kind == "stripes":
        for _ in range(rng.integers(3, 7)):
            x = c + rng.uniform(-0.7, 0.7) * r
            y = c - rng.uniform(0.3, 0.85) * r
            draw.line((x, y, x + rng.uniform(-0.1, 0.1) * r, y + 0.3 * r), fill=dark, width=max(2, int(0.07 * r)))
    elif kind == "spots":
        for _ in range(rng.integers(2, 6)):
            x, y = c + rng.uniform(-0.65, 0.65, 2) * r
            _ellipse(draw, x, y, 0.12 * r, 0.1 * r, 0, dark)
    elif kind == "patch":
        x = c + rng.choice([-1, 1]) * 0.4 * r
        _ellipse(draw, x, c - 0.15 * r, 0.35 * r, 0.3 * r, rng.uniform(0, 90), light if rng.random() < 0.5 else dark)


def _eye(draw, rng, x, y, r, slit, kind) -> None:
    if kind == "cat":
        w, h = rng.uniform(0.12, 0.18) * r, rng.uniform(0.09, 0.15) * r
        iris = [(120, 190, 60), (220, 190, 50), (90, 160, 210), (200, 140, 40)][rng.integers(4)]
    else:
        w = h = rng.uniform(0.08, 0.13) * r
        iris = [(70, 40, 20), (30, 20, 15), (110, 70, 30)][rng.integers(3)]
    _ellipse(draw, x, y, w, h, 0, iris)
    if slit:
        _ellipse(draw, x, y, 0.2 * w, 0.9 * h, 0, (10, 10, 10))
    else:
        _ellipse(draw, x, y, 0.55 * w, 0.55 * h, 0, (10, 10, 10))
    _ellipse(draw, x - 0.3 * w, y - 0.3 * h, 0.2 * w, 0.2 * h, 0, (250, 250, 250))


def _whiskers(draw, rng, x, y, r) -> None:
    colour = (240, 240, 240) if rng.random() < 0.6 else (30, 30, 30)
    length = rng.uniform(0.6, 1.0) * r
    for sign in (-1, 1):
        for k in (-1, 0, 1):
            start = (x + sign * 0.2 * r, y + 0.05 * k * r)
            end = (start[0] + sign * length, start[1] + k * 0.2 * r + rng.uniform(-0.05, 0.05) * r)
            draw.line((*start, *end), fill=colour, width=max(1, int(0.025 * r)))


def _camera(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Light, colour cast, focus and sensor noise: what a phone camera adds."""
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.2)))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels * rng.uniform(0.65, 1.25) * rng.uniform(0.9, 1.1, size=3)
    pixels += rng.normal(0.0, rng.uniform(2, 12), size=pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _ellipse(draw, cx, cy, rx, ry, angle_deg, fill, points: int = 28) -> None:
    """A filled ellipse of radii ``rx``, ``ry`` turned by ``angle_deg``, as a polygon."""
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    a = math.radians(angle_deg)
    x, y = rx * np.cos(t), ry * np.sin(t)
    xs = cx + x * math.cos(a) - y * math.sin(a)
    ys = cy + x * math.sin(a) + y * math.cos(a)
    draw.polygon(list(zip(xs.tolist(), ys.tolist())), fill=tuple(int(v) for v in fill))


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _jitter(rng: np.random.Generator, colour: np.ndarray, amount: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in np.clip(colour + rng.integers(-amount, amount + 1, 3), 0, 255))


def _shade(colour, factor: float) -> tuple[int, int, int]:
    return tuple(int(v) for v in np.clip(np.asarray(colour) * factor + (factor > 1) * 20, 0, 255))
