"""The ways to run a page (after `make book`): Binder, Colab, live code (Thebe), downloads.

Binder opens the page's MyST source from the repository (postBuild makes .md open as a
notebook); Colab opens the page's notebook on the branch the publish workflow pushes
``_build/colab`` to; "Live code" starts a kernel on Binder from the book's repository and branch.
No test connects to those services: they check what the buttons point at, and the notebooks.
"""

from __future__ import annotations

import posixpath
import re

import jupytext
import nbformat
import pytest
import yaml

from tools import REPOSITORY
from tools.notebooks import chapters, pages

pytestmark = pytest.mark.site

CONFIG = yaml.safe_load((REPOSITORY / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY_URL = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"]["branch"]
OWNER_AND_NAME = REPOSITORY_URL.removeprefix("https://github.com/")
COLAB_BRANCH = CONFIG["sphinx"]["config"]["colab_branch"]
CHAPTERS = {s.relative_to(REPOSITORY).with_suffix("").as_posix(): s for s in chapters()}
PAGES_WITHOUT_CODE = [docname for docname in pages() if docname not in CHAPTERS]


def launch_links(page, site_url: str, docname: str) -> dict[str, str]:
    """The page's launch menu, opened as a reader would: {button text: URL or 'button'}."""
    page.goto(f"{site_url}{docname}.html")
    page.get_by_role("button", name="Launch interactive content").click()
    menu = page.locator(".dropdown-launch-buttons .dropdown-menu")
    menu.wait_for()
    return {
        item.inner_text().strip(): item.get_attribute("href") or "button"
        for item in menu.locator("a, button").all()
        if item.is_visible()
    }


@pytest.mark.browser
@pytest.mark.parametrize("docname", CHAPTERS)
def test_launch_buttons_open_this_page_in_binder_colab_and_live_code(
    page, site_url, console_errors, docname
):
    links = launch_links(page, site_url, docname)

    assert links == {
        "Binder": f"https://mybinder.org/v2/gh/{OWNER_AND_NAME}/{BRANCH}"
        f"?urlpath=lab/tree/{CHAPTERS[docname].relative_to(REPOSITORY).as_posix()}",
        "Colab": f"https://colab.research.google.com/github/{OWNER_AND_NAME}"
        f"/blob/{COLAB_BRANCH}/{docname}.ipynb",
        "Live Code": "button",
    }
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.parametrize("docname", PAGES_WITHOUT_CODE)
def test_pages_without_code_have_no_launch_buttons(page, site_url, docname):
    page.goto(f"{site_url}{docname}.html")

    assert page.get_by_role("button", name="Launch interactive content").count() == 0


@pytest.mark.parametrize("docname", CHAPTERS)
def test_live_code_starts_a_binder_kernel_from_the_books_repository(site_dir, docname):
    markup = (site_dir / f"{docname}.html").read_text(encoding="utf-8")
    config = re.search(r'<script type="text/x-thebe-config">(.*?)</script>', markup, re.S)

    assert config, f"{docname}: no Thebe configuration"
    assert re.search(rf'repo: "{re.escape(OWNER_AND_NAME)}"', config.group(1))
    assert re.search(rf'ref: "{re.escape(BRANCH)}"', config.group(1))
    folder = docname.rpartition("/")[0]
    assert re.search(rf'path: "\./{re.escape(folder)}"', config.group(1)), "kernel's folder"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_download_buttons_give_the_page_as_markdown_and_as_a_notebook(site_dir, docname):
    markup = (site_dir / f"{docname}.html").read_text(encoding="utf-8")
    source = CHAPTERS[docname]

    folder = posixpath.dirname(docname)
    downloads = {
        posixpath.normpath(posixpath.join(folder, href))
        for href in re.findall(r'href="([^"]*_sources/[^"]*)"', markup)
    }

    assert downloads == {f"_sources/{docname}.md", f"_sources/{docname}.ipynb"}
    downloaded_source = site_dir / "_sources" / f"{docname}.md"
    assert downloaded_source.read_bytes() == source.read_bytes()
    notebook = nbformat.read(site_dir / "_sources" / f"{docname}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert sources(notebook) == sources(jupytext.read(source))


def sources(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_colab_notebook_is_the_page_after_a_cell_that_installs_dlcv(site_dir, docname):
    notebook = nbformat.read(site_dir.parent / "colab" / f"{docname}.ipynb", as_version=4)
    nbformat.validate(notebook)
    install = notebook.cells[0]

    assert install.cell_type == "code"
    assert "import dlcv\nexcept ModuleNotFoundError:" in install.source
    assert f'%pip install --quiet "dlcv @ git+{REPOSITORY_URL}@{BRANCH}"' in install.source
    assert sources(notebook)[1:] == sources(jupytext.read(CHAPTERS[docname]))
    assert notebook.metadata.kernelspec.name == "python3"
