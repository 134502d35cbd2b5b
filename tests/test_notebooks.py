"""Each chapter run as its readers run it, in a fresh kernel (after `make book`).

A Colab or Binder reader runs the chapter's notebook (``_build/colab``, written by the build): a
cell that installs dlcv where it is missing, then the page's cells, top to bottom, with a cell
that shows each figure where the page does; it must fit in mybinder.org's memory and show every
figure of the page. A reader who presses "Live
code" runs only the cells shown on the page (Thebe), so those must not need a removed cell.
Trained models load from the run cache the build filled, so these runs take seconds a chapter.
Each chapter runs once here: that Thebe's cells need no removed cell is checked on the names the
cells bind and read, which takes milliseconds instead of a second run of the chapter.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import jupytext
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools import REPOSITORY
from tools.chapters import MEMORY_BUDGET, chapters, run_notebook

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
@pytest.mark.notebooks
@pytest.mark.slow
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
def test_live_code_cells_need_no_name_that_only_a_removed_cell_binds(source):
    """A reader who presses "Live code" runs only the cells shown on the page (Thebe): none of
    them may read a name that only a cell removed from the page (myst-nb's tags) binds."""
    cells = [
        (python_code(cell.source), bool(NOT_ON_PAGE & set(cell.metadata.get("tags", []))))
        for cell in jupytext.read(source).cells
        if cell.cell_type == "code"
    ]

    assert names_needed_from_removed_cells(cells) == []


def test_a_live_code_cell_that_reads_a_removed_cells_name_is_caught():
    cells = [
        ("import numpy as np\nshown = 1", False),
        ("table = np.zeros(3)\ndef helper(): pass\ntable", True),
        ("shown = table + 1\nhelper()", False),
        ("def local():\n    table = 0\nprint(table)", False),  # a local table is not this one
        ("table = 2\nprint(table, shown)", False),  # binds table first: its own from here on
        ("def later():\n    return helper", False),
    ]

    assert names_needed_from_removed_cells(cells) == [
        (2, "table"), (2, "helper"), (3, "table"), (5, "helper")
    ]
    assert names_needed_from_removed_cells([(code, False) for code, _ in cells]) == []


def python_code(source: str) -> str:
    """A cell's source as Python, its IPython magics and shell escapes made calls."""
    return TransformerManager().transform_cell(source)


def names_needed_from_removed_cells(cells: list[tuple[str, bool]]) -> list[tuple[int, str]]:
    """``(index, name)`` for each name a cell on the page reads that, at that point, only a
    removed cell has bound; ``cells`` are ``(python code, removed)`` in order."""
    only_removed: set[str] = set()
    needed = []
    for index, (code, removed) in enumerate(cells):
        statements = ast.parse(code).body
        if removed:
            only_removed |= set().union(*map(_bound, statements))
            continue
        for statement in statements:  # in order: a name the cell binds first is its own
            read = {
                node.id
                for node in ast.walk(statement)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
            }
            needed += [(index, name) for name in sorted(read & only_removed)]
            only_removed -= _bound(statement, nested=False)
    return needed


def _bound(statement: ast.stmt, nested: bool = True) -> set[str]:
    """The names a statement binds (assignments, imports, function and class definitions, loop
    targets); with ``nested``, also those bound inside its functions, classes and
    comprehensions."""
    names = set()
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if not nested:
                continue
        elif not nested and isinstance(node, ast.Lambda | ast.comprehension):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return names


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
