"""Every ``literalinclude`` of a chapter quotes an object that exists, with its anchors: a renamed
or moved function fails here, not in the strict build."""

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
