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
