"""Fixtures for checks of the built site: a local server for ``_build/html`` and Chromium.

``site_url`` serves the built book on 127.0.0.1 (a free port, one server per session) and
returns its base URL; tests that need it skip, with the reason, when the book is not built.
``browser`` launches Debian's Chromium through Playwright (never a downloaded browser) and
skips when either is missing. ``page`` is a fresh page whose console errors, uncaught
exceptions and failed requests are collected in ``console_errors``:

    def test_page_loads(page, site_url, console_errors):
        page.goto(site_url + "book/convolution.html")
        assert console_errors == []

``DLCV_SITE_DIR`` checks a site built elsewhere (default: ``_build/html`` in the repository);
``DLCV_CHROMIUM`` points to another Chromium binary (default: ``/usr/bin/chromium``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools import REPOSITORY
from tools.serving import serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site; skips the test when it has not been built."""
    directory = Path(os.environ.get("DLCV_SITE_DIR") or REPOSITORY / "_build" / "html")
    if not (directory / "index.html").is_file():
        pytest.skip(f"No built site at {directory}: run `make book` first.")
    return directory


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """Base URL (ending in ``/``) of the built site, served from 127.0.0.1 on a free port."""
    with serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright; skips when either is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: `make venv` installs it."
    )
    executable = Path(os.environ.get("DLCV_CHROMIUM") or "/usr/bin/chromium")
    if not executable.is_file():
        pytest.skip(f"No Chromium at {executable}: `make browser` installs Debian's chromium.")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """What went wrong in ``page``: console errors, uncaught exceptions, failed requests."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A fresh page (its own context, so no state leaks between tests) that records errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"console: {message.text} [{message.location.get('url')}]")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"exception: {error}"))
    page.on(
        "requestfailed",
        lambda request: console_errors.append(f"request failed: {request.url} ({request.failure})"),
    )
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def serve_folder():
    """:func:`serve`, for tests that build a small site of their own in a temporary folder:

        with serve_folder(tmp_path) as url:
            page.goto(url + "index.html")
    """
    return serve
