"""Checks of the built HTML (after `make book`): clean outputs, figures, glued numbers."""

import html
import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

TENSORFLOW_NOISE = ("oneDNN", "cpu_feature_guard", "absl::", "I0000 ", "W0000 ", "E0000 ")
ERROR_MARKERS = ("Traceback (most recent call last)", 'class="output traceback', "Error")


def chapters(site_dir):
    pages = sorted((site_dir / "book").glob("*.html"))
    assert pages, f"no chapters under {site_dir / 'book'}"
    return pages


def text_of(page) -> str:
    markup = page.read_text(encoding="utf-8")
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def cell_outputs(page) -> list[str]:
    """The markup of each code cell's outputs."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [str(output) for output in soup.select("div.cell_output")]


def test_no_output_shows_tensorflow_logs_tracebacks_or_errors(site_dir):
    for page in chapters(site_dir):
        for output in cell_outputs(page):
            for marker in (*TENSORFLOW_NOISE, *ERROR_MARKERS):
                assert marker not in output, f"{page.name}: an output contains {marker!r}"
            assert 'class="output stderr' not in output, f"{page.name}: output on stderr"


def test_every_figure_has_an_image_and_alt_text(site_dir):
    for page in chapters(site_dir):
        markup = page.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure\b.*?</figure>', markup, flags=re.S):
            images = re.findall(r"<img\b[^>]*>", figure)
            assert images, f"{page.name}: a figure without an image"
            for image in images:
                alt = re.search(r'alt="([^"]*)"', image)
                assert alt and alt.group(1).strip(), f"{page.name}: image without alt: {image}"
            assert "<figcaption" in figure, f"{page.name}: a figure without a caption"


def test_no_figure_was_rendered_as_its_repr(site_dir):
    for page in chapters(site_dir):
        assert "<Figure size" not in text_of(page), f"{page.name} shows a Figure repr"


def test_mnist_page_shows_its_figures_and_glued_accuracy(site_dir):
    page = site_dir / "book" / "mnist-convnet.html"
    markup = page.read_text(encoding="utf-8")
    assert len(re.findall(r"<figure\b", markup)) >= 4
    text = text_of(page)
    accuracy = re.search(r"classifies (\d+(?:\.\d)?)% of the digits correctly", text)
    assert accuracy, "the glued test accuracy is missing"
    assert 90.0 <= float(accuracy.group(1)) <= 100.0
    assert "Data used on this page" in text
    assert re.search(r"The model has 104,202 parameters", text)
