"""The convolution explorer in the built book: driven like a reader would, by keyboard and mouse,
it shows the output size of dlcv.ops.conv_output_size and the values of dlcv.ops.conv2d."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from dlcv import ops
from dlcv.widgets.explorer import center_crop, convolution_explorer, example_kernels

pytestmark = [pytest.mark.site, pytest.mark.browser]

PAGES = ["book/convolution.html", "book/padding-and-stride.html"]


@pytest.fixture
def explorer(page, site_url, console_errors):
    """The first explorer on the convolution chapter, once its script has built it.

    Errors logged while the page loads are the concern of
    ``test_pages_with_an_explorer_start_it_without_errors``; they are cleared here so that the
    tests using this fixture see only what playing with the explorer causes.
    """
    page.goto(site_url + PAGES[0])
    container = page.locator(".conv-explorer").first
    container.locator(".conv-explorer__output").wait_for()
    console_errors.clear()
    return container


def set_slider(slider, value: int) -> None:
    """Moves a range input to ``value`` with the keyboard, as a reader without a mouse would."""
    slider.focus()
    steps = value - int(slider.input_value())
    for _ in range(abs(steps)):
        slider.press("ArrowRight" if steps > 0 else "ArrowLeft")
    assert slider.input_value() == str(value)


def configure(explorer, n: int, k: int, padding: str, stride: int) -> None:
    set_slider(explorer.locator(".conv-explorer__input-size"), n)
    set_slider(explorer.locator(".conv-explorer__kernel-size"), k)
    set_slider(explorer.locator(".conv-explorer__stride"), stride)
    explorer.locator(".conv-explorer__padding").select_option(padding)


def shown_output(explorer) -> np.ndarray:
    cells = explorer.locator(".conv-explorer__value").evaluate_all(
        "cells => cells.map(c => [+c.dataset.row, +c.dataset.col, +c.dataset.value])"
    )
    rows = 1 + max(row for row, _, _ in cells)
    values = np.full((rows, len(cells) // rows), np.nan)
    for row, col, value in cells:
        values[row, col] = value
    return values


@pytest.mark.parametrize("path", PAGES)
def test_pages_with_an_explorer_start_it_without_errors(page, site_url, console_errors, path):
    page.goto(site_url + path)
    page.locator(".conv-explorer--ready .conv-explorer__output").first.wait_for()

    assert page.locator(".conv-explorer__fallback").count() == 0
    assert console_errors == []


@pytest.mark.parametrize(
    ("n", "k", "padding", "stride"),
    [
        (28, 3, "valid", 1),
        (28, 5, "same", 2),
        (7, 7, "valid", 1),
        (10, 4, "same", 3),
        (13, 2, "valid", 4),
        (8, 6, "same", 4),
    ],
)
def test_shown_output_size_is_conv_output_size(explorer, console_errors, n, k, padding, stride):
    configure(explorer, n, k, padding, stride)

    expected = ops.conv_output_size(n, k, stride, padding)
    assert explorer.locator(".conv-explorer__size").inner_text() == f"{expected} × {expected}"
    assert shown_output(explorer).shape == (expected, expected)
    assert console_errors == []


def test_shown_output_values_are_conv2d(explorer, console_errors):
    n, k, padding, stride, kernel = 11, 3, "same", 2, "vertical edges"
    configure(explorer, n, k, padding, stride)
    explorer.locator(".conv-explorer__kernel").select_option(kernel)

    image = np.array(json.loads(explorer.get_attribute("data-image")))
    x = center_crop(image, n)[None, :, :, None]
    weights = example_kernels(k)[kernel][:, :, None, None]
    expected = ops.conv2d(x, weights, stride=stride, padding=padding)[0, :, :, 0]

    np.testing.assert_allclose(shown_output(explorer), expected, rtol=0, atol=1e-12)
    assert console_errors == []


def test_window_moves_by_keyboard_and_is_described_for_screen_readers(explorer, console_errors):
    configure(explorer, 9, 3, "valid", 1)
    status = explorer.locator(".conv-explorer__status")
    assert status.get_attribute("aria-live") == "polite"

    output = explorer.locator(".conv-explorer__output")
    output.focus()
    output.press("Home")
    output.press("ArrowRight")
    output.press("ArrowDown")
    assert "output row 2, column 2 (position 9 of 49)" in status.inner_text()
    output.press("End")
    assert "(position 49 of 49)" in status.inner_text()
    assert "covers input rows 7 to 9 and columns 7 to 9" in status.inner_text()

    explorer.get_by_role("button", name="First").click()
    explorer.get_by_role("button", name="Step").click()
    assert "(position 2 of 49)" in status.inner_text()
    assert console_errors == []


# --- On a page of its own: the explorer's script, without the built book ---------------------

STATIC = Path(__file__).resolve().parents[2] / "book" / "_static" / "widgets"
SMALL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>explorer</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="widgets.css"><link rel="stylesheet" href="conv-explorer.css"></head>
<body>{widget}<script src="conv-explorer.js"></script></body></html>
"""


@pytest.fixture(scope="module")
def small_site_url(tmp_path_factory, serve_folder):
    """A page with one explorer over a 12x12 gradient, the book's script and stylesheet."""
    folder = tmp_path_factory.mktemp("explorer-site")
    for name in ("conv-explorer.js", "conv-explorer.css", "widgets.css"):
        shutil.copy(STATIC / name, folder / name)
    image = np.add.outer(np.arange(12), np.arange(12)) / 22
    widget = convolution_explorer(image, input_size=9, kernel="vertical edges")
    (folder / "index.html").write_text(SMALL_PAGE.format(widget=widget), encoding="utf-8")
    with serve_folder(folder) as url:
        yield url


@pytest.fixture
def small_explorer(page, small_site_url):
    page.goto(small_site_url + "index.html")
    container = page.locator(".conv-explorer--ready")
    container.locator(".conv-explorer__output").wait_for()
    return container


def test_a_click_on_an_output_cell_not_yet_computed_moves_the_window_there(
    small_explorer, console_errors
):
    small_explorer.get_by_role("button", name="First").click()
    cell = small_explorer.locator('.conv-explorer__value[data-row="4"][data-col="5"]')
    assert "conv-explorer__value--pending" in cell.get_attribute("class")

    cell.click()

    status = small_explorer.locator(".conv-explorer__status").inner_text()
    assert "output row 5, column 6 (position 34 of 49)" in status, status
    assert "conv-explorer__value--pending" not in cell.get_attribute("class")
    assert console_errors == []


def test_output_cells_count_from_1_in_their_tooltips_as_in_the_status(small_explorer):
    cell = small_explorer.locator('.conv-explorer__value[data-row="0"][data-col="2"]')
    tooltip = cell.locator("title").text_content()
    assert tooltip.startswith("row 1, column 3:"), tooltip

    cell.click()
    assert "output row 1, column 3" in small_explorer.locator(".conv-explorer__status").inner_text()


def test_the_chosen_kernel_comes_back_when_the_kernel_size_passes_1(small_explorer):
    kernel = small_explorer.locator(".conv-explorer__kernel")
    kernel.select_option("horizontal edges")

    set_slider(small_explorer.locator(".conv-explorer__kernel-size"), 1)
    assert kernel.input_value() == "identity"  # a 1x1 kernel has no edges
    set_slider(small_explorer.locator(".conv-explorer__kernel-size"), 4)
    assert kernel.input_value() == "horizontal edges"
    assert "horizontal edges" in small_explorer.locator(".conv-explorer__status").inner_text()
