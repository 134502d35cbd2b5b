"""Sentences of the book that depend on a result, checked when the page runs.

A page states what its runs show in Markdown, with the numbers glued from the run. Where the
sentence is only true for some values ("the best epoch comes before the last"), a hidden cell
next to it guards it::

    claim(best < epochs, "the validation loss is lowest before the last epoch")

When the condition is false the cell raises :class:`ClaimError` and the strict build fails,
so a change to the data, the model or the profile cannot leave a false sentence behind.
"""

from __future__ import annotations

from dlcv.errors import DlcvError


class ClaimError(DlcvError, AssertionError):
    """A sentence of the book is no longer true of the results it describes."""


def claim(condition: bool, sentence: str) -> None:
    """Raises :class:`ClaimError` quoting ``sentence`` unless ``condition`` holds.

    Args:
        condition: whether the results bear the sentence out.
        sentence: the claim as the page makes it, quoted in the error.

    Raises:
        ClaimError: if ``condition`` is false.

    Example:
        >>> claim(0.97 > 0.95, "training accuracy ends above 95%")
        >>> claim(0.90 > 0.95, "training accuracy ends above 95%")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dlcv.claims.ClaimError: The page says "training accuracy ends above 95%", and ...
    """
    if not condition:
        raise ClaimError(
            f'The page says "{sentence}", and the results no longer bear it out: '
            "rewrite the sentence or fix what changed."
        )
