"""Each chapter run as its readers run it, in a fresh kernel (after `make book`).

A Colab or Binder reader runs the chapter's notebook (``_build/colab``, written by the build): a
cell that installs dlcv where it is missing, then the page's cells, top to bottom, with a cell
that shows each figure where the page does; it must fit in mybinder.org's memory and show every
figure of the page. A reader who presses "Live
code" runs only the cells shown on the page (Thebe), so those must not need a removed cell.
Trained models load from runs that went through bundles, as on the publishing matrix (issue 24):
the quick plan's runs, in the run cache the build filled, are split into two disjoint halves,
each exported to its own bundle; both are imported into a new empty run cache, and the chapters
run against it with training forbidden, so a run the plan misses fails its chapter. Each
chapter's glued values must then equal, value for value, those the strict build glued (but for
``VARY_BETWEEN_EXECUTIONS``). These runs take seconds a chapter. Each chapter runs once here:
that Thebe's cells need no removed cell is checked on the names the cells bind and read, which
takes milliseconds instead of a second run of the chapter.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from dlcv import edition, profiles, settings
from dlcv.runs import bundle, store
from tools import REPOSITORY
from tools.book import BUILD_RECORD
from tools.chapters import MEMORY_BUDGET, chapters, run_notebook

CHAPTERS = chapters()

VARY_BETWEEN_EXECUTIONS = {
    # training-on-more-hardware: the ratio of two matrix-multiply speeds the kernel measures.
    "hw_bf16_ratio",
}
"""Glued values that differ between two executions of a chapter from the same runs (timings,
memory, wall-clock seconds): every other glued value of a chapter's notebook must equal the
strict build's."""

GLUED_DUMP = "DLCV-GLUED "
GLUED_CELL = f"""import json as _json
from IPython import get_ipython as _ipython
from dlcv.glue import glued as _glued
_format = _ipython().display_formatter.format
print({GLUED_DUMP!r} + _json.dumps({{
    key: _format(value, include=["text/plain"])[0]["text/plain"] for key, value in _glued.items()
}}))"""
"""A last cell that prints the text of every value the notebook glued, as the build keeps it."""
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


@pytest.fixture(scope="module")
def runs_through_bundles(colab_dir, tmp_path_factory) -> Path:
    """A new run cache holding the quick plan's runs, imported from two bundles of two disjoint
    halves of the plan exported from the run cache the build used."""
    record_file = colab_dir.parent / BUILD_RECORD
    record = json.loads(record_file.read_text()) if record_file.is_file() else {}
    build_cache = Path(record.get("run_cache") or settings.cache_dir())
    keys = [run.key for run in edition.book_plan(profiles.QUICK)]
    halves = keys[::2], keys[1::2]
    folder = tmp_path_factory.mktemp("matrix")
    cache = folder / "runs"
    for index, half in enumerate(halves):
        path = folder / f"half-{index}.tar"
        bundle.export_runs(path, half, cache_dir=build_cache)
        added, kept = bundle.import_runs(path, cache_dir=cache)  # run ids: <name>-<key>
        assert (sorted(run_id.rsplit("-", 1)[1] for run_id in added), kept) == (sorted(half), [])
        path.unlink()  # a bundle of the quick plan is a few hundred MB
    cached = {record["id"].rsplit("-", 1)[1] for record in store.list_runs(cache)}
    assert cached == set(keys)
    return cache


def glued_by_notebook(notebook) -> dict[str, str]:
    """The values the notebook's last cell (``GLUED_CELL``) printed."""
    for output in notebook.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(GLUED_DUMP):
                return json.loads(line.removeprefix(GLUED_DUMP))
    raise AssertionError("the notebook's last cell printed no glued values")


def glued_by_build(source: Path, colab_dir: Path) -> dict[str, str]:
    """The text of each value the strict build glued on the page (myst-nb's glue.json)."""
    path = colab_dir.parent / "jupyter_execute" / f"{docname(source)}.glue.json"
    glued = json.loads(path.read_text()) if path.is_file() else {}
    return {key: output["data"].get("text/plain") for key, output in glued.items()}


def differences(built: dict, ran: dict) -> dict[str, tuple]:
    """``key -> (built, ran)`` for every glued value that differs, a missing one included."""
    return {
        key: (built.get(key), ran.get(key))
        for key in sorted(built.keys() | ran.keys())
        if key not in VARY_BETWEEN_EXECUTIONS and built.get(key) != ran.get(key)
    }


def test_differences_name_every_other_value_and_a_missing_one():
    built = {"a": "1", "hw_bf16_ratio": "2.0", "b": "x"}
    assert differences(built, {"a": "1", "hw_bf16_ratio": "1.9", "b": "x"}) == {}
    assert differences(built, {"a": "2", "hw_bf16_ratio": "2.0"}) == {
        "a": ("1", "2"), "b": ("x", None)
    }


def docname(source: Path) -> str:
    return source.relative_to(REPOSITORY).with_suffix("").as_posix()


@pytest.mark.parametrize("source", CHAPTERS, ids=docname)
@pytest.mark.notebooks
@pytest.mark.slow
def test_chapter_runs_top_to_bottom_within_binder_memory_showing_every_figure(
    source, colab_dir, runs_through_bundles, monkeypatch
):
    notebook = jupytext.read(colab_dir / f"{docname(source)}.ipynb")
    notebook.cells.append(nbformat.v4.new_code_cell(GLUED_CELL))
    monkeypatch.setenv("DLCV_CACHE_DIR", str(runs_through_bundles))  # the kernels inherit it
    monkeypatch.setenv("DLCV_TRAINING", "forbid")  # a run missing from the bundles fails

    run = run_notebook(notebook)

    code_cells = [cell for cell in run.notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    assert images(run.notebook) == figures_on_page(source, colab_dir), "images shown vs the page's"
    assert run.peak_rss < MEMORY_BUDGET, (
        f"{source.name}: the kernel peaked at {run.peak_rss / 1e6:.0f} MB, over the "
        f"{MEMORY_BUDGET / 1e6:.0f} MB that leaves room for Jupyter in mybinder.org's 2 GB"
    )
    assert differences(glued_by_build(source, colab_dir), glued_by_notebook(run.notebook)) == {}, (
        "glued values that differ from the strict build's (built, notebook)"
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
