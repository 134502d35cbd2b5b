"""Every ``literalinclude`` of a chapter quotes an object that exists, with its anchors: a renamed
or moved function fails here, not in the strict build. Pages quote only public objects, and each
quoted object's docstring ends by naming the pages that show it (``Shown in: book/<page>.md``, as
d2l's "Defined in" notes), so that a maintainer editing it knows a page shows its text."""

import ast
import re

import pytest

from tools import REPOSITORY

INCLUDE = re.compile(r"```\{literalinclude\} (?P<file>\S+)\n(?P<options>(?::[^\n]*\n)*)")


def includes():
    for page in sorted((REPOSITORY / "book").glob("*.md")):
        for match in INCLUDE.finditer(page.read_text()):
            options = dict(re.findall(r":([\w-]+):\s*(.*)", match["options"]))
            yield pytest.param(page, match["file"], options, id=f"{page.name}:{match['file']}")


def _object_source(path, dotted):
    tree = ast.parse(path.read_text())
    nodes = tree.body
    for part in dotted.split("."):
        found = [n for n in nodes if getattr(n, "name", None) == part]
        assert found, f"{dotted} is not in {path}"
        nodes = getattr(found[0], "body", [])
    return ast.get_source_segment(path.read_text(), found[0])


@pytest.mark.parametrize("page, file, options", list(includes()))
def test_every_quoted_object_and_anchor_exists(page, file, options):
    path = (page.parent / file).resolve()
    assert path.is_file(), f"{page.name} quotes {file}, which does not exist"
    text = _object_source(path, options["pyobject"]) if "pyobject" in options else path.read_text()
    for anchor in ("start-at", "end-at"):
        if anchor in options:
            assert options[anchor] in text, f"{page.name}: {options[anchor]!r} not in {file}"


SHOWN_IN = re.compile(r"Shown in: (?P<pages>book/[\w-]+\.md(?:, book/[\w-]+\.md)*)\.?")


def quoted_objects():
    """Every object a page quotes: ``(file, dotted name) -> pages``; an anchored quote of a
    module's text (``start-at``, no ``pyobject``) quotes the assignment it starts at."""
    quoted = {}
    for param in includes():
        page, file, options = param.values
        path = (page.parent / file).resolve()
        name = options.get("pyobject") or re.match(r"\w+", options["start-at"]).group()
        quoted.setdefault((path, name), set()).add(f"book/{page.name}")
    return quoted


def _docstring(path, dotted):
    """The docstring of a function or class, or the string after a module-level assignment."""
    nodes = ast.parse(path.read_text()).body
    for part in dotted.split("."):
        index, node = next((i, n) for i, n in enumerate(nodes) if part in _names(n))
        body = getattr(node, "body", None)
        nodes = body if isinstance(body, list) else nodes
    if isinstance(node, ast.Assign | ast.AnnAssign):
        after = nodes[index + 1] if index + 1 < len(nodes) else None
        is_string = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
        return after.value.value if is_string else None
    return ast.get_docstring(node)


def _names(node):
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return [getattr(node, "name", None)]


def test_quoted_objects_are_listed():
    quoted = {name for _, name in quoted_objects()}
    assert {"mnist_convnet", "pool2d", "fit_and_evaluate", "ABLATION"} <= quoted


@pytest.mark.parametrize(
    "path, name, pages",
    [pytest.param(path, name, pages, id=name) for (path, name), pages in quoted_objects().items()],
)
def test_pages_quote_public_objects_that_name_them(path, name, pages):
    assert not any(part.startswith("_") for part in name.split(".")), (
        f"{sorted(pages)} quote the private {name}: give it a public name"
    )
    docstring = _docstring(path, name) or ""
    last = docstring.strip().splitlines()[-1] if docstring.strip() else ""
    match = SHOWN_IN.fullmatch(last.strip())
    assert match, f"{name}'s docstring does not end with 'Shown in: {', '.join(sorted(pages))}'"
    assert set(match["pages"].split(", ")) == pages, (name, last)
