"""The convolution explorer in the built book: driven like a reader would, by keyboard and mouse,
it shows the output size of dlcv.ops.conv_output_size and the values of dlcv.ops.conv2d."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlcv import ops
from dlcv.widgets.explorer import center_crop, example_kernels

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
