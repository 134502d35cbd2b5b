"""Each chapter run as its readers run it, in a fresh kernel (after `make book`).

A Colab or Binder reader runs the chapter's notebook (``_build/colab``, written by the build): a
cell that installs dlcv where it is missing, then the page's cells, top to bottom, with a cell
that shows each figure where the page does; it must fit in mybinder.org's memory and show every
figure of the page. A reader who presses "Live
code" runs only the cells shown on the page (Thebe), so those must not need a removed cell.
Trained models load from the run cache the build filled, so these runs take seconds a chapter.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import jupytext
import pytest

from tools import REPOSITORY
from tools.chapters import MEMORY_BUDGET, chapters, run_notebook

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

CHAPTERS = chapters()
# Cells whose input is not on the page, so Thebe cannot run them (myst-nb's tags).
NOT_ON_PAGE = {"remove-cell", "remove-input"}


@pytest.fixture(autouse=True)
def isolated_dlcv_dirs():
    """Overrides the suite's per-test run cache and data folder: these kernels must find the
    models and data that `make book` trained and prepared, as a reader's kernel does."""


@pytest.fixture(autouse=True)
def quick_profile(monkeypatch):
    monkeypatch.setenv("DLCV_PROFILE", "quick")  # the kernels inherit it


@pytest.fixture(scope="module")
def colab_dir() -> Path:
    directory = Path(os.environ.get("DLCV_SITE_DIR") or REPOSITORY / "_build" / "html")
    directory = directory.parent / "colab"
    if not directory.is_dir():
        pytest.skip(f"No Colab notebooks at {directory}: run `make book` first.")
    return directory


def docname(source: Path) -> str:
    return source.relative_to(REPOSITORY).with_suffix("").as_posix()


@pytest.mark.parametrize("source", CHAPTERS, ids=docname)
def test_chapter_runs_top_to_bottom_within_binder_memory_showing_every_figure(source, colab_dir):
    notebook = jupytext.read(colab_dir / f"{docname(source)}.ipynb")

    run = run_notebook(notebook)

    code_cells = [cell for cell in run.notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    assert images(run.notebook) == figures_on_page(source, colab_dir), "images shown vs the page's"
    assert run.peak_rss < MEMORY_BUDGET, (
        f"{source.name}: the kernel peaked at {run.peak_rss / 1e6:.0f} MB, over the "
        f"{MEMORY_BUDGET / 1e6:.0f} MB that leaves room for Jupyter in mybinder.org's 2 GB"
    )


@pytest.mark.parametrize("source", CHAPTERS, ids=docname)
def test_live_code_cells_run_without_the_cells_removed_from_the_page(source):
    notebook = jupytext.read(source)
    notebook.cells = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and not NOT_ON_PAGE & set(cell.metadata.get("tags", []))
    ]

    run = run_notebook(notebook)

    assert all(cell.execution_count is not None for cell in run.notebook.cells)


def images(notebook) -> int:
    """The images a notebook's outputs show."""
    return sum(
        1
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if any(mime.startswith("image/") for mime in output.get("data", {}))
    )


def figures_on_page(source: Path, colab_dir: Path) -> int:
    """The images the built page shows (its glued figures and its cells' image outputs, which
    Sphinx copies to ``_images``)."""
    page = colab_dir.parent / "html" / f"{docname(source)}.html"
    return len(re.findall(r'<img[^>]*\ssrc="[^"]*_images/', page.read_text(encoding="utf-8")))
