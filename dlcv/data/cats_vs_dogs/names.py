"""What a photo's name says: its class (from its folders or its prefix) and its place in a
natural sort. Pure functions of the name, safe for any name a file system allows."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from dlcv.data import drawn

CLASS_NAMES = drawn.CLASS_NAMES


def kind_from_name(name: str) -> str | None:
    """``"cat"`` or ``"dog"`` from a folder (``Cat/``, ``dogs/``) or a prefix (``cat.0.jpg``).

    The nearest folder that names a class decides: ``dog/cat.3.jpg`` is a dog (the user sorted
    it into dog/), ``cats/dogs/1.jpg`` too; the prefix only where no folder names a class (the
    Kaggle archive's ``train/cat.0.jpg``).
    """
    *parents, filename = PurePosixPath(name.lower()).parts or ("",)
    for parent in reversed(parents):
        for kind in CLASS_NAMES:
            if parent in (kind, f"{kind}s"):
                return kind
    for kind in CLASS_NAMES:
        if filename.startswith(f"{kind}."):
            return kind
    return None


_NUMBER = re.compile(r"([0-9]+)")


def natural_key(filename: str) -> tuple:
    """Sorts ``cat.2.jpg`` before ``cat.10.jpg``; any name sorts (digits are compared by length
    and text, never converted, so ``1²2.jpg`` or 5,000 digits are fine)."""
    key = []
    for index, part in enumerate(_NUMBER.split(filename)):
        if index % 2:
            digits = part.lstrip("0") or "0"
            key.append((0, len(digits), digits, len(part)))
        else:
            key.append((1, 0, part, 0))
    return tuple(key)
