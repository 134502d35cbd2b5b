"""Cartoon cats and dogs drawn with NumPy and PIL: the offline sample of the cats-vs-dogs data.

Each picture is a head (with, sometimes, a body) on a cluttered background. What tells the
classes apart is the head, as in a small photo of real cats and dogs. Some cues decide alone,
though each covers only a few pixels of a small image: relative to the scale its head is drawn
at, a cat's muzzle is shorter and its nose narrower than any dog's, and its irises are green,
yellow, blue or amber where a dog's are brown to near-black (an amber and a light brown come
close after the camera's light and colour cast); only cats have slit pupils (most of
them) or a pink nose (most of them), only dogs a tongue out (about a third). Others only lean:
cats mostly have pointed ears and whiskers, dogs mostly floppy ears and none, but some dogs
prick their ears and some cats fold theirs. Fur colour leans towards one class, every colour
coming in both. Everything else varies at random and is shared by both classes: fur pattern,
head size, position, tilt and turn, background, clutter, light and noise.

Every picture is drawn from its own seed (the sample's seed, its class and its index), so a
sample is the same on every run and machine, and any one picture can be drawn on its own.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from tqdm import tqdm

from dlcv.errors import ConfigError

CLASS_NAMES = ("cat", "dog")
SPLITS = ("train", "validation", "test")
VERSION = 1
"""Bumped whenever a change to the drawing changes the pictures: it is part of their origin."""

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
# Fur colours lean by class, as in photos (grey and ginger cats, brown and golden dogs), but
# every colour comes in both classes.
_FUR_P = {
    "cat": np.array([4, 4, 2, 2, 1, 1, 1, 1]) / 16,
    "dog": np.array([1, 1, 2, 2, 4, 2, 3, 1]) / 16,
}
# How often each class shows the other class's cue; tuned so that no cue alone decides.
_POINTED_EAR_P = {"cat": 0.9, "dog": 0.15}
_WHISKER_P = {"cat": 0.85, "dog": 0.15}
_SLIT_PUPIL_P = {"cat": 0.8, "dog": 0.0}


def draw_pet(
    kind: str, rng: np.random.Generator, size: tuple[int, int] = (180, 180)
) -> Image.Image:
    """Draws one cartoon cat or dog.

    Args:
        kind: ``"cat"`` or ``"dog"``.
        rng: the random generator that decides everything about the picture.
        size: ``(height, width)`` of the picture in pixels.

    Returns:
        An RGB ``PIL.Image.Image`` of the given size.

    Raises:
        ConfigError: if ``kind`` is neither ``"cat"`` nor ``"dog"``.
    """
    if kind not in CLASS_NAMES:
        raise ConfigError(f"kind={kind!r} must be 'cat' or 'dog'.")
    height, width = size
    canvas = _background(rng, (width * _SUPERSAMPLE, height * _SUPERSAMPLE))
    radius = min(canvas.size) * rng.uniform(0.2, 0.38)
    centre = rng.uniform(0.28, 0.72, 2) * canvas.size
    pen = _Pen(ImageDraw.Draw(canvas), centre, rng.uniform(-40, 40))
    _draw_head(pen, kind, rng, radius)
    image = canvas.resize((width, height), Image.Resampling.BOX)
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
    # The bar shows in a terminal only (disable=None), never in a book page.
    progress = tqdm(total=2 * sum(counts), desc="drawing cats and dogs", unit="img", disable=None)
    start = 0
    for split, count in zip(SPLITS, counts, strict=True):
        for label, kind in enumerate(CLASS_NAMES):
            folder = Path(root) / split / kind
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(start, start + count):
                rng = np.random.default_rng([seed, label, index])
                quality = int(rng.integers(60, 95))
                draw_pet(kind, rng, image_size).save(
                    folder / f"{kind}.{index}.jpg", quality=quality
                )
                progress.update()
        start += count
    progress.close()


def _background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A wall-and-floor scene with random furniture-like clutter."""
    width, height = size
    top, bottom = rng.integers(30, 235, size=(2, 3))
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    column = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)  # shape (height, 1, 3)
    canvas = Image.fromarray(column).resize((width, height), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    floor = int(height * rng.uniform(0.55, 0.9))
    draw.rectangle((0, floor, width, height), fill=_colour(rng))
    for _ in range(rng.integers(0, 6)):
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


def _draw_head(pen: _Pen, kind: str, rng: np.random.Generator, r: float) -> None:
    """The head (and maybe a body) in the pen's coordinates: head centre at the origin."""
    fur = _jitter(rng, _FUR[rng.choice(len(_FUR), p=_FUR_P[kind])], 25)
    dark = _shade(fur, rng.uniform(0.45, 0.75))
    light = _shade(fur, rng.uniform(1.15, 1.5))
    turn = rng.uniform(-0.3, 0.3) * r  # head turned left or right: features shift sideways

    if rng.random() < 0.6:  # a body below the head
        pen.ellipse(rng.uniform(-0.4, 0.4) * r, 1.5 * r, 1.2 * r, 0.95 * r, 0, fur)
    pointed = rng.random() < _POINTED_EAR_P[kind]
    if not pointed:  # floppy ears hang behind and beside the head
        _floppy_ears(pen, rng, r, dark)
    head_h = r * rng.uniform(0.85, 1.05)
    if pointed:
        _pointed_ears(pen, rng, r, head_h, fur, kind)
    pen.ellipse(0, 0, r * rng.uniform(0.9, 1.1), head_h, 0, fur)
    _pattern(pen, rng, r, dark, light)

    eye_y = -rng.uniform(0.05, 0.25) * r
    eye_dx = rng.uniform(0.3, 0.45) * r
    slit = rng.random() < _SLIT_PUPIL_P[kind]
    for sign in (-1, 1):
        _eye(pen, rng, turn + sign * eye_dx, eye_y, r, slit, kind)

    mx = 1.2 * turn
    snout = (rng.uniform(0.25, 0.45) if kind == "cat" else rng.uniform(0.45, 0.85)) * r
    muzzle_y = 0.2 * r + snout / 2
    pen.ellipse(mx, muzzle_y, rng.uniform(0.3, 0.45) * r, snout / 2 + 0.12 * r, 0, light)
    nose_y = muzzle_y - snout / 2
    nose_w = (rng.uniform(0.09, 0.14) if kind == "cat" else rng.uniform(0.14, 0.22)) * r
    nose_colour = (235, 140, 150) if kind == "cat" and rng.random() < 0.7 else (25, 20, 20)
    pen.polygon([(mx - nose_w, nose_y), (mx + nose_w, nose_y), (mx, nose_y + nose_w)], nose_colour)
    if kind == "dog" and rng.random() < 0.35:  # tongue out
        pen.ellipse(mx, muzzle_y + snout / 2 + 0.1 * r, 0.12 * r, 0.16 * r, 0, (225, 90, 110))
    if rng.random() < _WHISKER_P[kind]:
        _whiskers(pen, rng, mx, muzzle_y, r)


def _pointed_ears(pen, rng, r, head_h, fur, kind) -> None:
    height = (rng.uniform(0.7, 1.1) if kind == "cat" else rng.uniform(0.5, 0.8)) * r
    half_base = rng.uniform(0.25, 0.38) * r
    inner = (235, 150, 160) if rng.random() < 0.6 else _shade(fur, 0.6)
    for sign in (-1, 1):
        angle = math.radians(sign * rng.uniform(25, 45))
        up = np.array([math.sin(angle), -math.cos(angle)])  # from the head's centre outwards
        along = np.array([math.cos(angle), math.sin(angle)]) * half_base
        base = up * head_h * 0.85
        pen.polygon([base - along, base + along, base + up * height], fur)
        pen.polygon([base - along / 2, base + along / 2, base + up * height * 0.7], inner)


def _floppy_ears(pen, rng, r, colour) -> None:
    length = rng.uniform(1.0, 1.5) * r
    width = rng.uniform(0.4, 0.6) * r
    spread = rng.uniform(0.7, 0.95) * r
    for sign in (-1, 1):
        tilt = sign * rng.uniform(5, 30)
        pen.ellipse(sign * spread, -0.35 * r + length / 2, width, length / 2, tilt, colour)


def _pattern(pen, rng, r, dark, light) -> None:
    """Stripes, spots or a patch, shared by both classes."""
    kind = rng.choice(["none", "stripes", "spots", "patch"], p=[0.35, 0.3, 0.2, 0.15])
    if kind == "stripes":
        for _ in range(rng.integers(3, 7)):
            x, y = rng.uniform(-0.7, 0.7) * r, -rng.uniform(0.3, 0.85) * r
            end = (x + rng.uniform(-0.1, 0.1) * r, y + 0.3 * r)
            pen.line([(x, y), end], dark, width=max(2, int(0.07 * r)))
    elif kind == "spots":
        for _ in range(rng.integers(2, 6)):
            x, y = rng.uniform(-0.65, 0.65, 2) * r
            pen.ellipse(x, y, 0.12 * r, 0.1 * r, 0, dark)
    elif kind == "patch":
        colour = light if rng.random() < 0.5 else dark
        pen.ellipse(
            rng.choice([-1, 1]) * 0.4 * r, -0.15 * r, 0.35 * r, 0.3 * r, rng.uniform(0, 90), colour
        )


def _eye(pen, rng, x, y, r, slit, kind) -> None:
    if kind == "cat":
        w, h = rng.uniform(0.12, 0.18) * r, rng.uniform(0.09, 0.15) * r
        iris = [(120, 190, 60), (220, 190, 50), (90, 160, 210), (200, 140, 40)][rng.integers(4)]
    else:
        w = h = rng.uniform(0.08, 0.13) * r
        iris = [(70, 40, 20), (30, 20, 15), (110, 70, 30)][rng.integers(3)]
    pen.ellipse(x, y, w, h, 0, iris)
    if slit:
        pen.ellipse(x, y, 0.2 * w, 0.9 * h, 0, (10, 10, 10))
    else:
        pen.ellipse(x, y, 0.55 * w, 0.55 * h, 0, (10, 10, 10))
    pen.ellipse(x - 0.3 * w, y - 0.3 * h, 0.2 * w, 0.2 * h, 0, (250, 250, 250))


def _whiskers(pen, rng, x, y, r) -> None:
    colour = (240, 240, 240) if rng.random() < 0.6 else (30, 30, 30)
    length = rng.uniform(0.6, 1.0) * r
    for sign in (-1, 1):
        for k in (-1, 0, 1):
            start = (x + sign * 0.2 * r, y + 0.05 * k * r)
            end = (start[0] + sign * length, start[1] + k * 0.2 * r + rng.uniform(-0.05, 0.05) * r)
            pen.line([start, end], colour, width=max(1, int(0.025 * r)))


class _Pen:
    """Draws shapes given in a head's own coordinates, placed at ``origin`` and turned by
    ``degrees``: turning the points is much cheaper than drawing on a layer and rotating it."""

    def __init__(self, draw: ImageDraw.ImageDraw, origin, degrees: float):
        self.draw = draw
        self.origin = np.asarray(origin, dtype=float)
        a = math.radians(degrees)
        self.turn = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])

    def _place(self, points) -> list[tuple[float, float]]:
        placed = np.asarray(points, dtype=float) @ self.turn.T + self.origin
        return [tuple(p) for p in placed.tolist()]

    def polygon(self, points, fill) -> None:
        self.draw.polygon(self._place(points), fill=tuple(int(v) for v in fill))

    def line(self, points, fill, width: int) -> None:
        self.draw.line(self._place(points), fill=tuple(int(v) for v in fill), width=width)

    def ellipse(self, cx, cy, rx, ry, degrees, fill, points: int = 28) -> None:
        """A filled ellipse of radii ``rx``, ``ry`` turned by ``degrees``, as a polygon."""
        t = np.linspace(0, 2 * np.pi, points, endpoint=False)
        a = math.radians(degrees)
        x, y = rx * np.cos(t), ry * np.sin(t)
        xs = cx + x * math.cos(a) - y * math.sin(a)
        ys = cy + x * math.sin(a) + y * math.cos(a)
        self.polygon(np.stack([xs, ys], axis=1), fill)


def _camera(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Light, colour cast, focus and sensor noise: what a phone camera adds."""
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.2)))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels * rng.uniform(0.65, 1.25) * rng.uniform(0.9, 1.1, size=3)
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * rng.uniform(2, 8)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _jitter(rng: np.random.Generator, colour: np.ndarray, amount: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in np.clip(colour + rng.integers(-amount, amount + 1, 3), 0, 255))


def _shade(colour, factor: float) -> tuple[int, int, int]:
    return tuple(int(v) for v in np.clip(np.asarray(colour) * factor + (factor > 1) * 20, 0, 255))
