"""Hostile cases of the run side found by ``python -m bench.hostile`` (runs_side probes): each
was seen to fail before its fix."""

import keras
import pytest
from test_training import train

from dlcv import folders
from dlcv.errors import RunCacheError
from dlcv.runs import store


def _no_fit(*args, **kwargs):
    raise AssertionError("trained")


@pytest.mark.parametrize("kind", ["file", "folder", "link"])
def test_something_of_the_users_on_a_runs_name_is_refused_before_training(
    monkeypatch, tmp_path, kind
):
    first = train()
    path = first.path
    folders.remove(path)
    if kind == "file":
        path.write_text("mine")
    elif kind == "folder":
        path.mkdir()
        (path / "thesis.tex").write_text("mine")
    else:
        (tmp_path / "elsewhere").mkdir()
        path.symlink_to(tmp_path / "elsewhere")
    monkeypatch.setattr(keras.Model, "fit", _no_fit)
    with pytest.raises(RunCacheError, match="in the way"):
        train()
    assert path.is_symlink() or path.exists()
    assert not store.is_run_entry(path)
