"""Sentences of the book that depend on a result, checked when the page runs.

A page states what its runs show in Markdown, with the numbers glued from the run. Where the
sentence is only true for some values ("the best epoch comes before the last"), a hidden cell
next to it guards it::

    claim(best < epochs, "the validation loss is lowest before the last epoch", observed=best)

In the book's build (and in tests) a false claim raises :class:`ClaimError`, so a change to the
data, the model or the profile cannot leave a false sentence behind. A reader who runs a chapter
as a notebook trains their own runs, which may differ: there the chapter's first cell sets
``DLCV_CLAIMS=note`` (Binder's ``postBuild`` does it for every kernel), and a false claim shows a
note quoting the sentence and the reader's figure instead of stopping the notebook.

==================  ==========================================================  ===========
``DLCV_CLAIMS``     a claim that does not hold ...                               default
==================  ==========================================================  ===========
``strict``          raises :class:`ClaimError` (the book's build, tests)         yes
``note``            displays a note and carries on (a reader's notebook)
==================  ==========================================================  ===========
"""

from __future__ import annotations

import os
from typing import Any

from dlcv.errors import ConfigError, DlcvError

MODES = ("strict", "note")
VARIABLE = "DLCV_CLAIMS"


class ClaimError(DlcvError, AssertionError):
    """A sentence of the book is no longer true of the results it describes."""


def mode() -> str:
    """How a false claim is reported: ``"strict"`` (raise) or ``"note"`` (display a note).

    Read from ``DLCV_CLAIMS`` at every claim, so a notebook can change it; unset means strict,
    so that no build or test passes a false sentence by forgetting to ask for it.

    Raises:
        ConfigError: if ``DLCV_CLAIMS`` is set to anything else.
    """
    value = os.environ.get(VARIABLE, "").strip().lower() or "strict"
    if value not in MODES:
        raise ConfigError(
            f"{VARIABLE}={os.environ[VARIABLE]!r} is not a mode of claims; set it to "
            f"{' or '.join(MODES)} (or unset it for strict)."
        )
    return value


def claim(condition: bool, sentence: str, *, observed: Any = None) -> None:
    """Checks that the results bear out ``sentence``: raises, or notes, when they do not.

    Args:
        condition: whether the results bear the sentence out.
        sentence: the claim as the page makes it, quoted in the error or the note.
        observed: the figure the sentence is about, as this run gives it (a number or a short
            string); shown in the note, so a reader sees what their run gave instead.

    Raises:
        ClaimError: if ``condition`` is false and claims are strict (:func:`mode`).

    Example:
        >>> claim(0.97 > 0.95, "training accuracy ends above 95%")
        >>> claim(0.90 > 0.95, "training accuracy ends above 95%")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dlcv.claims.ClaimError: The page says "training accuracy ends above 95%", and ...
    """
    if condition:
        return
    if mode() == "strict":
        raise ClaimError(
            f'The page says "{sentence}", and the results no longer bear it out'
            + (f" (this run: {_figure(observed)})" if observed is not None else "")
            + ": rewrite the sentence or fix what changed."
        )
    from IPython.display import display

    display(claim_note(sentence, observed))


def claim_note(sentence: str, observed: Any = None):
    """The note a notebook shows where a claim does not hold for the reader's run.

    Returns:
        An ``IPython.display.Markdown`` admonition (rendered as a quote outside the book, see
        :mod:`dlcv.glue`).
    """
    from IPython.display import Markdown

    figure = f" Your run gives **{_figure(observed)}**." if observed is not None else ""
    body = (
        f'The text says: "{sentence}". That does not hold for the run in this notebook.{figure} '
        "Runs trained on another machine, or with other data, can differ from the book's; the "
        "published page shows the book's runs."
    )
    return Markdown(f":::{{admonition}} Not so in this run\n:class: warning\n\n{body}\n:::\n")


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
