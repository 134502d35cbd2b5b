"""The chapters' claim guards: each checks a result against a written sentence, and can fail.

A sentence that holds only for some results is guarded in its page by
``claim(condition, sentence)`` (``dlcv.claims``), so that the strict build fails when a run makes
it false. These tests read the guards out of the chapters' code cells: each must test something
the page computed (not a constant) and state its sentence as written text (not an f-string,
which is how generated prose hides a false sentence); and one guard, flipped, must fail its page.

Figures are guarded like sentences. The rule, kept simple so that every chapter can follow it: a
figure shown with ``{glue:figure} key`` and glued by ``glue("key", <figure>)`` in a code cell is
*guarded* when that cell or the next code cell calls ``claim``; a guarded figure's claims must be
on the arrays it draws: at least one claim's condition uses a name that the glued expression uses
(``viz.image_grid(np.stack(panels))`` draws ``panels``), directly or through the statements of
the cell before, the gluing cell and the next: a statement that uses a drawn name makes all its
names drawn (``panels = [*feature_maps.values()]`` makes ``feature_maps`` drawn, and
``losses = history.history["loss"]`` makes ``losses`` drawn when the figure draws ``history``).
Names bound by imports (``np``, ``viz``) do not count. A figure whose caption and alt text state
no result (a diagram, the first images of a data set) needs no claim; one that states a result
has one, and like any claim it fails its page when the result changes.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tools.chapters import chapters, run_notebook

CHAPTERS = chapters()
FIGURE_DIRECTIVE = re.compile(r"```\{glue:figure\}\s+(\S+)")


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


# --- Figures: a claim next to a glued figure is on the arrays it draws ---------------------


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _imported(trees: list[ast.Module]) -> set[str]:
    """Names bound by imports anywhere in a chapter: modules and helpers, not data."""
    bound = set(dir(builtins))
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return bound


def drawn_names(figure: ast.AST, cells: list[ast.Module], imported: set[str]) -> set[str]:
    """The names of what ``figure`` draws, widened through the statements of ``cells``: a
    statement that uses a drawn name adds all of its names."""
    drawn = _names(figure) - imported
    statements = [_names(statement) - imported for tree in cells for statement in tree.body]
    while True:
        widened = set(drawn)
        for names in statements:
            if names & widened:
                widened |= names
        if widened == drawn:
            return drawn
        drawn = widened


def figure_guards(source: Path) -> Iterator[tuple[str, set[str], list[ast.Call]]]:
    """Each guarded figure of a chapter: its key, the names it draws, the claims beside it."""
    keys = set(FIGURE_DIRECTIVE.findall(source.read_text(encoding="utf-8")))
    notebook = jupytext.read(source)
    cells = [ast.parse(_python(cell.source)) for cell in notebook.cells if cell.cell_type == "code"]
    imported = _imported(cells)
    for index, tree in enumerate(cells):
        for call in ast.walk(tree):
            if not (
                isinstance(call, ast.Call)
                and getattr(call.func, "id", None) == "glue"
                and len(call.args) >= 2
                and isinstance(call.args[0], ast.Constant)
                and call.args[0].value in keys
            ):
                continue
            beside = cells[index : index + 2]
            claims = [claim for cell in beside for claim in claim_calls(cell)]
            if claims:
                around = cells[max(index - 1, 0) : index + 2]
                yield call.args[0].value, drawn_names(call.args[1], around, imported), claims


FIGURE_GUARDS = [
    (source, key, drawn, claims)
    for source in CHAPTERS
    for key, drawn, claims in figure_guards(source)
]


def test_the_chapters_guard_their_figures():
    assert FIGURE_GUARDS, "no glued figure has a claim beside it: the figures are unguarded"


@pytest.mark.parametrize(
    ("source", "key", "drawn", "claims"),
    FIGURE_GUARDS,
    ids=[f"{source.stem}-{key}" for source, key, _, _ in FIGURE_GUARDS],
)
def test_a_figure_guard_is_on_the_arrays_the_figure_draws(source, key, drawn, claims):
    conditions = [_names(claim.args[0]) for claim in claims if claim.args]
    assert any(names & drawn for names in conditions), (
        f"{key}: the claims beside it test {sorted(set().union(*conditions))}, none of what it "
        f"draws ({sorted(drawn)}): guard the figure on its own arrays"
    )


def test_a_claim_on_other_arrays_does_not_guard_a_figure():
    """The rule, broken on purpose: a claim about a name the figure never draws."""
    figure_cell = ast.parse(
        "maps = conv(image)\nglue('k', viz.image_grid(maps))\nclaim(loss < 1, 'it learns')"
    )
    drawn = drawn_names(figure_cell.body[1].value.args[1], [figure_cell], {"viz", "glue", "claim"})
    (guard,) = claim_calls(figure_cell)
    assert drawn == {"maps", "conv", "image"}
    assert not _names(guard.args[0]) & drawn


def _glued_keys(source: Path) -> dict[str, list[tuple[int, ast.Call, ast.Module]]]:
    """Each literal key ``glue("key", ...)`` of a chapter, with the cells and calls that glue it."""
    keys: dict[str, list[tuple[int, ast.Call, ast.Module]]] = {}
    for index, cell in enumerate(jupytext.read(source).cells):
        if cell.cell_type != "code" or "glue(" not in cell.source:
            continue
        tree = ast.parse(_python(cell.source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue":
                key = node.args[0] if node.args else None
                if isinstance(key, ast.Constant):
                    keys.setdefault(key.value, []).append((index, node, tree))
                elif isinstance(key, ast.JoinedStr):  # f"cvd_n_{split}" in a loop over names
                    for name in _expand(key, _loop_values(tree)):
                        keys.setdefault(name, []).append((index, node, tree))
    return keys


def _loop_values(tree: ast.Module) -> dict[str, list]:
    """The values of each loop variable of ``tree`` that runs over a literal tuple or list."""
    values = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Tuple | ast.List)
            and all(isinstance(item, ast.Constant) for item in node.iter.elts)
        ):
            values[node.target.id] = [item.value for item in node.iter.elts]
    return values


def _expand(key: ast.JoinedStr, loops: dict[str, list]) -> list[str]:
    """The keys an f-string key names, where its fields are loop variables over literals
    (none where a field is anything else: such a key is not checked)."""
    names = [""]
    for part in key.values:
        if isinstance(part, ast.Constant):
            names = [name + str(part.value) for name in names]
        elif isinstance(part.value, ast.Name) and part.value.id in loops and not part.format_spec:
            names = [name + str(value) for name in names for value in loops[part.value.id]]
        else:
            return []
    return names


def _in_other_branches(tree: ast.Module, first: ast.Call, second: ast.Call) -> bool:
    """Whether one ``if`` of ``tree`` holds ``first`` in one branch and ``second`` in the other."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            body = {id(n) for part in node.body for n in ast.walk(part)}
            orelse = {id(n) for part in node.orelse for n in ast.walk(part)}
            if (id(first) in body and id(second) in orelse) or (
                id(second) in body and id(first) in orelse
            ):
                return True
    return False


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_each_key_is_glued_once_per_page(source):
    """MyST-NB warns of a key glued twice in a page, and the strict build fails at its end: found
    here in a second instead. Two branches of one ``if`` may each glue the key."""
    for key, places in _glued_keys(source).items():
        if len(places) == 1:
            continue
        (cell, first, tree), (other_cell, second, _) = places[0], places[1]
        assert len(places) == 2 and cell == other_cell and _in_other_branches(
            tree, first, second
        ), f"{source.name}: {key!r} is glued {len(places)} times (cells {[p[0] for p in places]})"
