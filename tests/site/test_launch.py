"""The ways to run a page (after `make book`): Binder, Colab, live code (Thebe), downloads.

Binder and Colab open the page's notebook (``_build/colab``, converted by the build: see
``tools.myst_to_jupyter``) on the branch the publish workflow pushes that folder to; Binder builds
that branch's ``binder/`` environment. "Live code" starts a kernel on Binder from the book's
repository and branch and runs the page's cells in place. The page's ``.ipynb`` download is the
same notebook, and ``notebooks/*.zip`` hold every chapter, with and without the solutions.
No test connects to those services: they check what the buttons point at, and the notebooks.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

import jupytext
import nbformat
import pytest
import yaml

from tools import REPOSITORY
from tools.chapters import chapters, pages
from tools.myst_to_jupyter import myst_leftovers, solution_cells

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
        "Binder": f"https://mybinder.org/v2/gh/{OWNER_AND_NAME}/{COLAB_BRANCH}"
        f"?urlpath=lab/tree/{docname}.ipynb",
        "Binder (student)": f"https://mybinder.org/v2/gh/{OWNER_AND_NAME}/{COLAB_BRANCH}"
        f"?urlpath=lab/tree/student/{docname}.ipynb",
        "Colab": f"https://colab.research.google.com/github/{OWNER_AND_NAME}"
        f"/blob/{COLAB_BRANCH}/{docname}.ipynb",
        "Colab (student)": f"https://colab.research.google.com/github/{OWNER_AND_NAME}"
        f"/blob/{COLAB_BRANCH}/student/{docname}.ipynb",
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
def test_download_buttons_give_the_page_as_markdown_and_as_its_notebook(site_dir, docname):
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
    downloaded = site_dir / "_sources" / f"{docname}.ipynb"
    assert downloaded.read_bytes() == (site_dir.parent / "colab" / f"{docname}.ipynb").read_bytes()


def notebook_of(site_dir, docname: str, edition: str = "teacher"):
    folder = site_dir.parent / "colab" / ("student" if edition == "student" else "")
    notebook = nbformat.read(folder / f"{docname}.ipynb", as_version=4)
    nbformat.validate(notebook)
    return notebook


@pytest.mark.parametrize("docname", CHAPTERS)
def test_notebook_installs_dlcv_without_the_book_tooling_before_any_code(site_dir, docname):
    notebook = notebook_of(site_dir, docname)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    install = code[0].source

    assert 'if importlib.util.find_spec("dlcv") is None:' in install
    # Pinned to the commit the pages were built from, so the published runs' keys match.
    pinned = rf'%pip install --quiet "dlcv @ git\+{REPOSITORY_URL}@[0-9a-f]{{40}}"'
    assert re.search(pinned, install)
    assert "dlcv.published.import_runs()" in install and "%env DLCV_CLAIMS=note" in install
    assert not re.search(r"myst|sphinx|jupyter-book", install, re.I)
    assert all("myst_nb" not in cell.source for cell in code)
    assert "DLCV_PROFILE=full" in notebook.cells[notebook.cells.index(code[0]) - 1].source
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_notebook_runs_the_pages_code_cells_in_order(site_dir, docname):
    chapter = [c.source for c in jupytext.read(CHAPTERS[docname]).cells if c.cell_type == "code"]
    chapter = [source.replace("from myst_nb import glue", "from dlcv.glue import glue, glued")
               for source in chapter]
    notebook = [cell.source for cell in notebook_of(site_dir, docname).cells]

    positions = [notebook.index(source) for source in chapter]
    assert positions == sorted(positions)


@pytest.mark.parametrize("edition", ["teacher", "student"])
@pytest.mark.parametrize("docname", CHAPTERS)
def test_notebook_markdown_has_no_myst_only_markup(site_dir, docname, edition):
    assert myst_leftovers(notebook_of(site_dir, docname, edition)) == []


@pytest.mark.parametrize("docname", CHAPTERS)
def test_student_notebook_is_the_teacher_notebook_without_the_solutions(site_dir, docname):
    teacher, student = notebook_of(site_dir, docname), notebook_of(site_dir, docname, "student")
    exercises = CHAPTERS[docname].read_text(encoding="utf-8").count("## Exercises")

    assert solution_cells(student) == []
    assert bool(solution_cells(teacher)) == bool(exercises)
    kept = [cell.source for cell in student.cells]
    assert kept == [cell.source for cell in teacher.cells if cell.source in kept]


@pytest.mark.parametrize("edition", ["teacher", "student"])
def test_archives_hold_every_chapter_in_reading_order(site_dir, edition):
    name = {"teacher": "dlcv-notebooks.zip", "student": "dlcv-notebooks-student.zip"}[edition]
    with zipfile.ZipFile(site_dir / "notebooks" / name) as archive:
        names = archive.namelist()
        expected = [
            f"{name.removesuffix('.zip')}/{i:02d}-{posixpath.basename(doc)}.ipynb"
            for i, doc in enumerate(CHAPTERS, start=1)
        ]
        assert names == expected
        for member, docname in zip(names, CHAPTERS, strict=True):
            assert archive.read(member) == notebook_bytes(site_dir, docname, edition)


def notebook_bytes(site_dir, docname: str, edition: str) -> bytes:
    folder = site_dir.parent / "colab" / ("student" if edition == "student" else "")
    return (folder / f"{docname}.ipynb").read_bytes()


def test_the_notebooks_page_links_both_archives(site_dir):
    markup = (site_dir / "book" / "notebooks.html").read_text(encoding="utf-8")

    for name in ("dlcv-notebooks.zip", "dlcv-notebooks-student.zip"):
        assert f'href="../notebooks/{name}"' in markup
        assert (site_dir / "notebooks" / name).is_file()


def test_binder_builds_the_notebooks_branch_with_the_books_requirements_and_dlcv(site_dir):
    binder = site_dir.parent / "colab" / "binder"
    requirements = (binder / "requirements.txt").read_text().splitlines()
    pinned = (REPOSITORY / "requirements.txt").read_text().splitlines()

    assert [line for line in pinned if line.strip() != "-e ."] == requirements[: len(pinned) - 1]
    assert re.fullmatch(rf"dlcv @ git\+{REPOSITORY_URL}@[0-9a-f]{{40}}", requirements[-1])
    assert (binder / "runtime.txt").read_text() == (REPOSITORY / "runtime.txt").read_text()
    assert (binder / "postBuild").read_text() == (REPOSITORY / "postBuild").read_text()
