"""The chapters' claim guards: each checks a result against a written sentence, and can fail.

A sentence that holds only for some results is guarded in its page by
``claim(condition, sentence)`` (``dlcv.claims``), so that the strict build fails when a run makes
it false. These tests read the guards out of the chapters' code cells: each must test something
the page computed (not a constant) and state its sentence as written text (not an f-string,
which is how generated prose hides a false sentence); and one guard, flipped, must fail its page.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tools.chapters import chapters, run_notebook

CHAPTERS = chapters()


def _python(cell_source: str) -> str:
    """A cell's code without IPython's magics and shell lines, which are not Python."""
    lines = cell_source.splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def claim_calls(tree: ast.AST) -> Iterator[ast.Call]:
    """The calls of ``claim(...)`` or ``claims.claim(...)`` in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "claim":
                yield node


def guarded_cells(source: Path) -> Iterator[tuple[int, ast.Module]]:
    """The index and parsed code of each code cell of a chapter that guards a claim."""
    notebook = jupytext.read(source)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "claim(" in cell.source:
            yield index, ast.parse(_python(cell.source))


GUARDS = [
    (source, index, call)
    for source in CHAPTERS
    for index, tree in guarded_cells(source)
    for call in claim_calls(tree)
]


def test_the_chapters_guard_their_claims():
    assert GUARDS, "no chapter calls claim(): the result-dependent sentences are unguarded"


@pytest.mark.parametrize(
    ("source", "index", "call"),
    GUARDS,
    ids=[f"{source.stem}-cell{index}-line{call.lineno}" for source, index, call in GUARDS],
)
def test_each_guard_tests_a_result_against_a_written_sentence(source, index, call):
    assert len(call.args) == 2 and not call.keywords, "claim(condition, sentence)"
    condition, sentence = call.args
    names = [node for node in ast.walk(condition) if isinstance(node, ast.Name)]
    assert names, f"the condition {ast.unparse(condition)!r} depends on no result: it cannot fail"
    assert isinstance(sentence, ast.Constant) and isinstance(sentence.value, str), (
        f"the sentence {ast.unparse(sentence)} must be written text, not generated"
    )
    assert sentence.value.strip(), "the sentence is empty"


class _Flip(ast.NodeTransformer):
    """Negates the condition of the first ``claim`` call it visits."""

    def __init__(self) -> None:
        self.sentence: str | None = None

    def visit_Call(self, node: ast.Call) -> ast.Call:
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if self.sentence is None and name == "claim":
            node.args[0] = ast.UnaryOp(op=ast.Not(), operand=node.args[0])
            self.sentence = node.args[1].value
        return self.generic_visit(node)


@pytest.mark.notebooks
@pytest.mark.slow
def test_a_flipped_guard_fails_its_page():
    """The page that guards a claim earliest in the book, run up to that guard with its
    condition negated (the runs the build cached keep it short), fails with a ClaimError."""
    source, index, _ = GUARDS[0]
    notebook = jupytext.read(source)
    flip = _Flip()
    cell = notebook.cells[index]
    cell.source = ast.unparse(flip.visit(ast.parse(_python(cell.source))))
    notebook.cells = notebook.cells[: index + 1]
    nbformat.validate(notebook)

    with pytest.raises(CellExecutionError) as failure:
        run_notebook(notebook)

    assert "ClaimError" in str(failure.value)
    assert flip.sentence.split()[0] in str(failure.value)
