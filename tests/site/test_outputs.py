"""What a reader reads in the built pages' cell outputs: formatted lines, never raw Python reprs.

A cell's visible output is read like the prose around it, so it must not be a repr that only
Python reads comfortably. ``visible_reprs`` finds, in the text of one output:

- a tuple of numbers or ``None``, such as a shape ``(1, 26, 26, 32)`` or ``(32,)``;
- a dict literal, ``{'loss': ...}`` or ``{3: ...}``;
- a ``TensorShape(...)``;
- a float written with 10 or more digits, such as ``0.9856000542640686``;
- a negative zero, ``-0.`` (as NumPy prints it in arrays).

A page prints formatted lines (``print(f"...")``) or a pandas table instead. Keras's
``model.summary()`` is the one exception: its table writes shapes as tuples, and readers of
Keras know it. An output box with
nothing in it (no text, no image, no table) is an error too: it is what a call that prints
nothing visible, such as ``model.summary(print_fn=...)`` misused, leaves behind.

The rules are tested on examples here, so that breaking a pattern fails a test without a build;
``test_no_page_shows_a_raw_repr`` applies them to every chapter of ``_build/html``.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

_NUMBER = r"(?:None|-?\d+(?:\.\d*)?(?:e[+-]?\d+)?)"
REPR_PATTERNS = {
    "a tuple": re.compile(rf"\(\s*{_NUMBER}\s*,(?:\s*{_NUMBER}\s*,)*\s*(?:{_NUMBER}\s*)?\)"),
    "a dict": re.compile(r"\{\s*(?:'[^'\n]*'|\"[^\"\n]*\"|-?\d+(?:\.\d+)?|\([^)\n]*\))\s*:"),
    "a TensorShape": re.compile(r"TensorShape\("),
    "a float of 10+ digits": re.compile(r"(?<![\w.])-?(?=(?:\d\.?){10,})\d+\.\d+"),
    "a negative zero": re.compile(r"(?<![\w.])-0\.0*(?![\d])"),
}
"""What each kind of repr looks like in an output's text."""

KERAS_SUMMARY = re.compile(r"Output Shape.{0,80}?Param #", re.S)
"""The header of a ``model.summary()`` table, whose shape tuples are Keras's own format."""

CONTENT_TAGS = ("img", "svg", "canvas", "table", "iframe", "video", "input", "button", "script")
"""Tags that make an output box show something even without text."""


def visible_reprs(text: str) -> list[str]:
    """The raw Python reprs in ``text``, one output's visible text, each as ``kind: match``."""
    if KERAS_SUMMARY.search(text):
        return []
    return [
        f"{kind}: {match.group(0)}"
        for kind, pattern in REPR_PATTERNS.items()
        for match in pattern.finditer(text)
    ]


def output_boxes(markup: str) -> list:
    """The output boxes of a page's code cells (one per output), as BeautifulSoup elements."""
    soup = BeautifulSoup(markup, "html.parser")
    return [
        box
        for cell_output in soup.select("div.cell_output")
        for box in cell_output.find_all("div", class_="output", recursive=False)
    ]


def is_empty(box) -> bool:
    """Whether an output box shows nothing: no text and no image, table or widget."""
    return not box.get_text(strip=True) and box.find(CONTENT_TAGS) is None


@pytest.mark.parametrize(
    "text",
    [
        "(1, 26, 26, 32)",
        "feature map: (1, 26, 26, 32)",
        "(32,)",
        "(None, 6, 6, 64)",
        "((26, 26), 2.95)",
        "{'parameters': (104202, 712202)}",
        "{3: 0.5, 5: 0.25}",
        "TensorShape([1, 26, 26, 32])",
        "test accuracy 0.9856000542640686",
        "array([[ 1.02,  0.  , -0.  ]])",
        "[-0. 1.]",
    ],
)
def test_a_raw_repr_is_found(text):
    assert visible_reprs(text)


@pytest.mark.parametrize(
    "text",
    [
        "feature map: 1 x 26 x 26 x 32 (batch, height, width, filters)",
        "output: 6 x 6 x 64 (the batch size left open)",
        "Dense: 16,981,120 parameters; Conv2D: 320",
        "test accuracy 98.6%, test loss 0.045",
        "largest difference 4.2e-07",
        "array([[ 8., -4.],\n       [ 4., -3.]])",
        "kernel 3, stride 2: 1 row(s) and column(s) never covered",
        "-0.01 and -0.5",
        "strongest response 4.11 at row 5, column 13",
    ],
)
def test_formatted_output_is_not_a_repr(text):
    assert visible_reprs(text) == []


def test_a_keras_model_summary_may_show_shapes_as_tuples():
    summary = "┃ Layer (type) ┃ Output Shape ┃ Param # ┃\n│ conv_1 │ (None, 26, 26, 32) │ 320 │"
    assert visible_reprs(summary) == []


def test_an_output_box_with_nothing_in_it_is_empty():
    markup = (
        '<div class="cell_output"><div class="output stream"><pre>\n</pre></div>'
        '<div class="output text_plain"><pre>3 x 3</pre></div>'
        '<div class="output text_html"><table><tr><td></td></tr></table></div></div>'
    )
    assert [is_empty(box) for box in output_boxes(markup)] == [True, False, False]


@pytest.mark.site
def test_no_page_shows_a_raw_repr_or_an_empty_output(site_dir):
    pages = sorted((site_dir / "book").glob("*.html"))
    assert pages, f"no chapters under {site_dir / 'book'}"
    found = []
    for page in pages:
        for box in output_boxes(page.read_text(encoding="utf-8")):
            if is_empty(box):
                found.append(f"{page.name}: an empty output box")
            found += [f"{page.name}: {repr_}" for repr_ in visible_reprs(box.get_text())]
    assert found == [], "raw reprs in the pages' outputs:\n" + "\n".join(found)
