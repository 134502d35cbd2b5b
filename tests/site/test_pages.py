"""Every page of the book (``_toc.yml``) in Chromium, as a reader sees it, after `make book`.

Each page loads without errors, shows and describes its images and typesets its math; the book
opens in the reader's colour scheme. A screenshot of each page is kept in ``_build/screenshots``
(CI keeps it as an artifact). What the theme and Sphinx do by themselves (the dark-mode switch,
search) is theirs to test, not this project's.
"""

from __future__ import annotations

import pytest

from tools.chapters import pages

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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_book_opens_in_the_readers_colour_scheme(page, site_url, scheme):
    # Ours: `default_mode: auto` in _config.yml (the theme's switch itself is the theme's).
    page.emulate_media(color_scheme=scheme)
    open_page(page, site_url, PAGES[0])
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
