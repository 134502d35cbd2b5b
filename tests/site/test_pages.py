"""Every page of the book (``_toc.yml``) in Chromium, as a reader sees it, after `make book`.

Each page loads without errors, shows and describes its images, typesets its math and switches
to dark mode; the search page finds a chapter. A screenshot of each page is kept in
``_build/screenshots`` (CI keeps it as an artifact).
"""

from __future__ import annotations

import pytest

from tools.notebooks import pages

pytestmark = [pytest.mark.site, pytest.mark.browser]

PAGES = pages()


@pytest.fixture(scope="session")
def screenshot_dir(site_dir):
    directory = site_dir.parent / "screenshots"
    directory.mkdir(exist_ok=True)
    return directory


def open_page(page, site_url: str, docname: str) -> None:
    response = page.goto(f"{site_url}{docname}.html")
    assert response is not None and response.ok, f"{docname}: {response and response.status}"
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_without_errors(page, site_url, console_errors, screenshot_dir, docname):
    open_page(page, site_url, docname)

    page.screenshot(path=screenshot_dir / f"{docname.replace('/', '--')}.png", full_page=True)
    assert console_errors == []


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_is_shown_and_described(page, site_url, console_errors, docname):
    open_page(page, site_url, docname)

    # Loads lazy images too (the reader would scroll to them), then reports each image.
    images = page.evaluate(
        """() => Promise.all([...document.images].map(async image => {
            image.loading = "eager";
            await image.decode().catch(() => null);
            return {src: image.getAttribute("src").slice(0, 80), width: image.naturalWidth,
                    alt: (image.getAttribute("alt") || "").trim()};
        }))"""
    )

    assert [image["src"] for image in images if image["width"] == 0] == []
    assert [image["src"] for image in images if not image["alt"]] == []
    assert console_errors == []


@pytest.mark.parametrize("docname", PAGES)
def test_math_is_typeset(page, site_url, console_errors, docname):
    open_page(page, site_url, docname)
    math = page.locator("main .math")
    if math.count() == 0:
        pytest.skip(f"{docname} has no math")

    page.wait_for_function("() => window.MathJax?.startup?.promise")
    page.evaluate("() => MathJax.startup.promise")

    assert page.locator("main .math:not(:has(mjx-container))").count() == 0
    assert page.locator("main mjx-merror").count() == 0
    assert console_errors == []


@pytest.mark.parametrize("docname", PAGES)
def test_dark_mode_switch_darkens_the_page_and_is_remembered(page, site_url, docname):
    page.emulate_media(color_scheme="light")
    open_page(page, site_url, docname)
    light = background_luminance(page)
    switch = page.locator(".theme-switch-button").first

    for _ in range(3):  # the switch cycles through auto, light and dark
        if page.evaluate("document.documentElement.dataset.mode") == "dark":
            break
        switch.click()

    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert background_luminance(page) < light - 0.5
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


def background_luminance(page) -> float:
    """The page background's relative luminance, 0 (black) to 1 (white)."""
    red, green, blue = page.evaluate(
        """() => getComputedStyle(document.body).backgroundColor
                 .match(/[\\d.]+/g).slice(0, 3).map(Number)"""
    )
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_search_finds_the_convolution_chapter(page, site_url, console_errors):
    page.goto(f"{site_url}search.html?q=convolution")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for()

    links = results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert any(link.startswith("book/convolution.html") for link in links), links
    assert console_errors == []
