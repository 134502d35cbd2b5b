"""Argument types of the command line: each refuses a value outside its range with an
argparse error (exit status 2) that says what is allowed."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from dlcv.validate import MAX_COUNT, MAX_IMAGE_SIZE  # noqa: F401  (the one limit of each)


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``[low, high]`` (``high=None``: no upper bound)."""
    allowed = f"an integer from {low:,} to {high:,}" if high is not None else f"an integer >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            message = f"{text!r} is not an integer; give {allowed}."
            raise argparse.ArgumentTypeError(message) from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range; give {allowed}.")
        return value

    parse.__name__ = "integer"
    return parse


def fraction(text: str) -> float:
    """An argparse ``type``: a rate in ``[0, 1)``, such as a dropout rate."""
    try:
        value = float(text)
    except ValueError:
        message = f"{text!r} is not a number; give a rate in [0, 1)."
        raise argparse.ArgumentTypeError(message) from None
    if not (math.isfinite(value) and 0 <= value < 1):
        raise argparse.ArgumentTypeError(f"{text} is out of range; give a rate in [0, 1).")
    return value
