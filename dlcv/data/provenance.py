"""The provenance note each training page shows: which data it used, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.display import Markdown

_SOURCE_TEXT = {
    "full": "the full data set",
    "sample": "the offline sample",
}
_DATA_SET_TITLE = {"mnist": "MNIST", "cats_vs_dogs": "cats versus dogs"}


def provenance_note(info: dict) -> Markdown:
    """A MyST admonition saying which data a page used, for display in a page or notebook.

    Args:
        info: the ``info`` of a loaded data set.

    Returns:
        An ``IPython.display.Markdown`` object: an admonition titled "Data used on this page",
        styled as a note, or as important when the page runs on a sample instead of the full
        data. (``{note}`` and ``{important}`` take no title, so the generic ``{admonition}``
        carries the title and the class its style.)
    """
    from IPython.display import Markdown

    source = info["source"]
    kind = "note" if source != "sample" else "important"
    counts = ", ".join(f"{split}: {_count(n)}" for split, n in info["counts"].items())
    lines = [
        f"This page ran on **{_SOURCE_TEXT.get(source, source)}** of "
        f"{_DATA_SET_TITLE.get(info['name'], info['name'])} ({counts}).",
        f"Origin: {info['origin']}. License: {info['license']}.",
    ]
    if info.get("reason"):
        lines.append(f"Why: {info['reason']}.")
    if source == "sample":
        lines.append(
            "The figures and numbers on this page come from that sample, so they can differ "
            "from what the full data set gives. Run as a notebook with the environment "
            "variable `DLCV_PROFILE=full` set, the page uses the full data (downloaded when "
            "missing) and the book's epochs; a GPU is recommended."
        )
    body = "\n\n".join(lines)
    return Markdown(f":::{{admonition}} Data used on this page\n:class: {kind}\n\n{body}\n:::\n")


def _count(n) -> str:
    if isinstance(n, dict):
        return " + ".join(f"{v:,} {k}" for k, v in n.items())
    return f"{n:,}"
