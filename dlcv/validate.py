"""Checks of arguments, one wording for every module: ``name=value must be ...``.

Each check returns the value it accepted (as a plain ``int``), or raises
:class:`~dlcv.errors.ConfigError` naming the argument and what it must be.

    >>> positive_int(3, "columns")
    3
    >>> positive_pair(2, "stride"), positive_pair((1, 3), "stride")
    ((2, 2), (1, 3))
    >>> positive_int(0, "columns")
    Traceback (most recent call last):
    ...
    dlcv.errors.ConfigError: columns=0 must be a positive integer.
    >>> int_in_range(9, "stride", range(1, 5))
    Traceback (most recent call last):
    ...
    dlcv.errors.ConfigError: stride=9 must be in 1..4.
"""

from __future__ import annotations

import numpy as np

from dlcv.errors import ConfigError


def is_int(value: object) -> bool:
    """Whether ``value`` is an integer (Python's or NumPy's), and not a ``bool``."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def positive_int(value: object, name: str) -> int:
    """``value`` if it is an integer of at least 1.

    Raises:
        ConfigError: otherwise (``True``, ``2.0`` and ``"2"`` are not integers here).
    """
    if not is_int(value) or value < 1:
        raise ConfigError(f"{name}={value!r} must be a positive integer.")
    return int(value)


def non_negative_int(value: object, name: str) -> int:
    """``value`` if it is an integer of at least 0.

    Raises:
        ConfigError: otherwise.
    """
    if not is_int(value) or value < 0:
        raise ConfigError(f"{name}={value!r} must be a non-negative integer.")
    return int(value)


def positive_pair(value: object, name: str) -> tuple[int, int]:
    """``(rows, columns)`` from one positive integer (used for both) or a pair of them.

    Raises:
        ConfigError: if ``value`` is neither, or an item is not a positive integer.
    """
    pair = (value, value) if is_int(value) else value
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise ConfigError(f"{name}={value!r} must be an int or a pair of ints (rows, columns).")
    return positive_int(pair[0], name), positive_int(pair[1], name)


def int_in_range(value: object, name: str, allowed: range) -> int:
    """``value`` if it is an integer in ``allowed`` (a ``range`` of step 1).

    Raises:
        ConfigError: otherwise, giving the first and last allowed values.
    """
    if not is_int(value) or value not in allowed:
        raise ConfigError(f"{name}={value!r} must be in {allowed[0]}..{allowed[-1]}.")
    return int(value)


MAX_IMAGE_SIZE = 2048
"""The largest image side dlcv accepts (the command line and the data loaders alike): one batch
of 32 float32 images of 2048x2048 already takes 1.5 GiB."""
MAX_COUNT = 100_000
"""The most images per class and split: more than any data set of the book holds."""

MAX_EPOCHS = 10_000
"""The most epochs a run trains (``run(epochs=...)`` and ``--epochs``): the book's longest runs
take 100; a larger count is a slip that would train for days."""


def image_size(value: object, name: str = "image_size") -> tuple[int, int]:
    """``(height, width)`` if ``value`` is a pair of integers from 1 to :data:`MAX_IMAGE_SIZE`.

    Raises:
        ConfigError: otherwise.
    """
    if not (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(is_int(v) and 0 < v <= MAX_IMAGE_SIZE for v in value)
    ):
        raise ConfigError(
            f"{name}={value!r} must be (height, width) in integers from 1 to {MAX_IMAGE_SIZE}."
        )
    return int(value[0]), int(value[1])


def split_counts(value: object, name: str = "counts") -> tuple[int, int, int]:
    """Images per class in the train, validation and test splits: 3 integers in 1..MAX_COUNT.

    Raises:
        ConfigError: otherwise.
    """
    if not (
        isinstance(value, tuple | list)
        and len(value) == 3
        and all(is_int(n) and 0 < n <= MAX_COUNT for n in value)
    ):
        raise ConfigError(
            f"{name}={value!r} must be 3 positive integers, at most {MAX_COUNT:,} (train, "
            "validation, test images per class)."
        )
    return int(value[0]), int(value[1]), int(value[2])


def one_of(value: object, name: str, allowed: tuple) -> object:
    """``value`` if it is one of ``allowed``.

    Raises:
        ConfigError: otherwise, listing what is allowed.
    """
    if not isinstance(value, str | int) or value not in allowed:
        raise ConfigError(f"{name}={value!r} must be one of {', '.join(map(str, allowed))}.")
    return value


def optional_path(value: object, name: str) -> object:
    """``value`` if it is ``None``, a non-empty ``str`` or an ``os.PathLike`` without NUL bytes.

    Raises:
        ConfigError: otherwise.
    """
    import os

    if value is None:
        return None
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str) or not text or "\0" in text:
        raise ConfigError(f"{name}={value!r} must be a path (a non-empty str or pathlib.Path).")
    return value


def optional_text(value: object, name: str) -> str | None:
    """``value`` if it is ``None`` or a non-empty ``str``.

    Raises:
        ConfigError: otherwise.
    """
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise ConfigError(f"{name}={value!r} must be a non-empty string.")
    return value


def sha256_hex(value: object, name: str = "sha256") -> str | None:
    """``value`` if it is ``None`` or 64 hexadecimal digits (returned in lower case).

    Raises:
        ConfigError: otherwise.
    """
    import re

    if value is None:
        return None
    if not (isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{64}", value)):
        raise ConfigError(f"{name}={value!r} must be 64 hexadecimal digits.")
    return value.lower()


def download_url(value: object, name: str = "url") -> str | None:
    """``value`` if it is ``None`` or an http(s) or ftp URL with a host.

    Raises:
        ConfigError: otherwise (a relative path, ``file://``, no host, a malformed address).
    """
    from urllib.parse import urlsplit

    if value is None:
        return None
    optional_text(value, name)
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError as error:
        raise ConfigError(f"{name}={value!r} is not a well-formed URL ({error}).") from None
    if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
        raise ConfigError(
            f"{name}={value!r} is not a URL dlcv can download from: give an http://, https:// "
            "or ftp:// address with a host name."
        )
    return value.strip()
