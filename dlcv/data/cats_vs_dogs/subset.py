"""The book's subset: the first usable photos of each class, split into train, validation and
test by the book's index ranges."""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from dlcv.data import drawn
from dlcv.data.cats_vs_dogs.names import CLASS_NAMES
from dlcv.data.cats_vs_dogs.sources import Photos
from dlcv.errors import DataUnavailableError

log = logging.getLogger("dlcv")

SPLITS = drawn.SPLITS
DROP_REASONS = ("empty", "not_image", "not_jfif", "undecodable")
"""Why a file is dropped (``too_large`` joins them when some file was)."""


def make_subset(root: Path, source: str, photos: Photos, counts: tuple[int, int, int]) -> dict:
    """Writes the book's subset of the usable photos into ``root``.

    Returns:
        The files dropped, per reason.

    Raises:
        DataUnavailableError: if a class has no photos, or fewer usable ones than needed.
    """
    dropped = dict.fromkeys(DROP_REASONS, 0)
    dropped["not_image"] = photos.not_images
    needed = sum(counts)
    for kind in CLASS_NAMES:
        if not photos.by_kind[kind]:
            raise DataUnavailableError(
                f"The {source} data holds no {kind} photos at all: no JPEG in a folder named "
                f"{kind} or {kind}s, nor named {kind}.*.jpg. Check the archive or folder passed "
                "(or found in the data folder): the photos of each class go in a folder named "
                "for it, or are named cat.*.jpg and dog.*.jpg."
            )
        usable = []
        progress = tqdm(total=needed, desc=f"checking {kind} photos", unit="img", disable=None)
        for photo in photos.by_kind[kind]:
            if len(usable) == needed:
                break
            data = photo.read()
            problem = "too_large" if data is None else image_problem(data)
            if problem:
                dropped[problem] = dropped.get(problem, 0) + 1
                log.info("cats vs dogs: dropped %r (%s)", photo.name, problem)
            else:
                usable.append(data)
                progress.update()
        progress.close()
        if len(usable) < needed:
            reasons = ", ".join(
                f"{n:,} {reason}" for reason, n in dropped.items() if n and reason != "not_image"
            )
            raise DataUnavailableError(
                f"The {source} data holds only {len(usable):,} usable {kind} photos "
                f"(of {len(photos.by_kind[kind]):,} {kind} JPEGs; dropped so far: "
                f"{reasons or 'none'}; 'not_jfif' means no JFIF marker, as in camera photos "
                f"with only EXIF); counts={counts} needs {needed:,}. Pass smaller counts, or "
                "photos that are JFIF JPEGs."
            )
        start = 0
        for split, count in zip(SPLITS, counts, strict=True):
            folder = root / split / kind
            folder.mkdir(parents=True)
            for index in range(start, start + count):
                (folder / f"{kind}.{index}.jpg").write_bytes(usable[index])
            start += count
    return dropped


def image_problem(data: bytes) -> str | None:
    """Why a file cannot be used as a photo, or ``None`` when it can.

    Args:
        data: the file's bytes.

    Returns:
        ``"empty"``, ``"not_jfif"`` (no JFIF marker in its first 10 bytes: the check of the
        keras.io example, which catches files that are not JPEGs) or ``"undecodable"``
        (TensorFlow cannot decode it, for instance because it is truncated); ``None`` if fine.
    """
    if not data:
        return "empty"
    if b"JFIF" not in data[:10]:
        return "not_jfif"
    import tensorflow as tf

    try:
        tf.io.decode_image(data, channels=3, expand_animations=False)
    except tf.errors.InvalidArgumentError:
        return "undecodable"
    return None
