"""The ``data`` commands of the command line, on the drawn sample."""

import pytest

from dlcv.cli import main


def _run(*argv):
    return main(list(argv))


def test_prepare_then_info_say_what_is_where(tmp_path, capsys):
    data_dir = str(tmp_path / "data")
    assert _run("data", "info", "--data-dir", data_dir) == 0
    assert "Nothing prepared yet" in capsys.readouterr().out

    command = "data prepare cats-vs-dogs --source sample --counts 2 1 1 --image-size 32 32".split()
    command.append("--data-dir")
    assert _run(*command, data_dir) == 0
    prepared = capsys.readouterr().out
    assert "cats_vs_dogs (sample)" in prepared and "train 2 cat + 2 dog" in prepared

    assert _run("data", "info", "--data-dir", data_dir) == 0
    listed = capsys.readouterr().out
    assert "cats_vs_dogs (sample)" in listed and "origin: drawn by dlcv.data.drawn" in listed


def test_an_unknown_source_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        _run("data", "prepare", "cats-vs-dogs", "--source", "imagenet")
    assert "invalid choice" in capsys.readouterr().err


def test_prepare_with_the_defaults_makes_the_folder_the_pages_open(tmp_path, monkeypatch):
    """Binder's postBuild prepares the sample with the command's defaults, so that a reader's
    first page finds it drawn: the defaults must be the active profile's."""
    import dataclasses

    from dlcv import experiments, profiles

    small = dataclasses.replace(
        profiles.QUICK, cats_vs_dogs_image_size=(20, 24), sample_counts=(2, 1, 1)
    )
    monkeypatch.setitem(profiles.PROFILES, "quick", small)
    assert _run("data", "prepare", "cats-vs-dogs") == 0
    prepared = sorted(p.name for p in (tmp_path / "data" / "cats_vs_dogs").iterdir())
    assert len(prepared) == 1 and "20x24" in prepared[0]
    opened = experiments.cats_vs_dogs_data().info["path"]
    assert opened == str(tmp_path / "data" / "cats_vs_dogs" / prepared[0])
    assert sorted(p.name for p in (tmp_path / "data" / "cats_vs_dogs").iterdir()) == prepared
