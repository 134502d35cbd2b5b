"""``claim`` in its two modes: strict (the book's build, tests) and note (a reader's notebook)."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

from dlcv.claims import ClaimError, claim, claim_note, mode
from dlcv.errors import ConfigError
from dlcv.glue import plain_markdown


def test_claims_are_strict_unless_the_environment_asks_for_notes(monkeypatch):
    monkeypatch.delenv("DLCV_CLAIMS", raising=False)
    assert mode() == "strict"
    with pytest.raises(ClaimError, match=r"this run: 0\.61"):
        claim(0.61 > 0.7, "the kept model is above 70%", observed=0.61)


def test_strict_mode_raises_even_in_a_notebook_kernel(monkeypatch):
    monkeypatch.setenv("DLCV_CLAIMS", "strict")
    with pytest.raises(ClaimError):
        claim(False, "the best epoch comes before the last")


def test_note_mode_shows_the_sentence_and_the_readers_figure_instead_of_raising(
    monkeypatch, capsys
):
    monkeypatch.setenv("DLCV_CLAIMS", "note")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert claim(0.61 > 0.7, "the kept model is above 70%", observed=0.61) is None
    (note,) = shown
    assert note.data.startswith(":::{admonition} Not so in this run")
    assert '"the kept model is above 70%"' in note.data and "**0.61**" in note.data


def test_note_mode_is_silent_when_the_claim_holds(monkeypatch):
    monkeypatch.setenv("DLCV_CLAIMS", "note")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    claim(True, "anything", observed=1)
    assert shown == []


def test_the_note_reads_as_a_quote_in_plain_jupyter():
    text = plain_markdown(claim_note("the gap widens", observed="12 points").data)
    assert text.startswith("> **Not so in this run**")
    assert "Your run gives **12 points**" in text


def test_the_note_is_displayed_in_a_real_kernel(monkeypatch):
    monkeypatch.setenv("DLCV_CLAIMS", "note")
    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell(
            "from dlcv.claims import claim\nclaim(1 > 2, 'one is more than two', observed=1)"
        )
    finally:
        InteractiveShell.clear_instance()
    assert result.success, result.error_in_exec


def test_an_unknown_mode_is_a_config_error(monkeypatch):
    monkeypatch.setenv("DLCV_CLAIMS", "lenient")
    with pytest.raises(ConfigError, match="DLCV_CLAIMS='lenient'"):
        claim(False, "anything")
