import pytest

from dlcv import cli


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "runs", "data", "lessons"):
        assert command in out


def test_runs_on_an_empty_cache(capsys):
    assert cli.main(["runs"]) == 0
    assert "No cached runs" in capsys.readouterr().out


def test_bad_profile_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setenv("DLCV_PROFILE", "bogus")
    assert cli.main(["runs"]) == 2
    assert "DLCV_PROFILE='bogus'" in capsys.readouterr().err


def test_lessons_on_an_empty_cache_with_cached_only_is_a_clear_error(capsys):
    assert cli.main(["lessons", "--cached"]) == 2
    assert "not in the run cache" in capsys.readouterr().err


def test_mnist_rejects_cats_vs_dogs_options(capsys):
    assert cli.main(["train", "mnist", "--augment"]) == 2
    assert "cats-vs-dogs only" in capsys.readouterr().err


@pytest.mark.slow
def test_train_mnist_then_the_book_loads_the_same_run(capsys):
    from dlcv import experiments

    assert cli.main(["train", "mnist", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "mnist_convnet: trained" in out and "test accuracy" in out
    assert cli.main(["runs"]) == 0
    assert "mnist_convnet" in capsys.readouterr().out
    assert experiments.train_mnist(epochs=1).from_cache


@pytest.mark.slow
def test_train_cats_vs_dogs_one_epoch_on_the_sample(capsys):
    command = ["train", "cats-vs-dogs", "--augment", "--dropout", "0.5", "--epochs", "1"]
    assert cli.main(command) == 0
    out = capsys.readouterr().out
    assert "cats_vs_dogs_augmented_dropout0.5: trained" in out
    assert "1 epoch in" in out and "test accuracy" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "cats-vs-dogs", "--dropout", "1.5"], "rate in [0, 1)"),
        (["train", "cats-vs-dogs", "--dropout", "-0.1"], "rate in [0, 1)"),
        (["train", "cats-vs-dogs", "--dropout", "nan"], "rate in [0, 1)"),
        (["train", "cats-vs-dogs", "--dropout", "half"], "not a number"),
        (["train", "mnist", "--epochs", "0"], "from 1"),
        (["train", "mnist", "--epochs", "-3"], "from 1"),
        (["train", "mnist", "--epochs", "two"], "not an integer"),
        (["train", "cats-vs-dogs", "--seed", "-1"], "out of range"),
        (["data", "prepare", "cats-vs-dogs", "--image-size", "100000", "100000"], "out of range"),
        (["data", "prepare", "cats-vs-dogs", "--image-size", "0", "10"], "out of range"),
        (["data", "prepare", "cats-vs-dogs", "--counts", "1", "0", "1"], "out of range"),
    ],
)
def test_bad_arguments_are_refused_by_the_parser(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "record",
    [
        {"config": {"name": "odd", "profile": "quick", "data": {}, "fit": {"epochs": 1}}},
        {"config": {"name": 3, "data": "x", "fit": []}, "best_epoch": "1", "metrics": None},
        {"config": None, "created": "yesterday"},
        [],
        "just a string",
        {},
    ],
)
def test_runs_lists_odd_records_without_crashing(tmp_path, monkeypatch, capsys, record):
    import json

    monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path))
    for index, content in enumerate((record, {"created": 1.0, "config": {"name": "fine"}})):
        (tmp_path / f"run{index}").mkdir()
        (tmp_path / f"run{index}" / "run.json").write_text(json.dumps(content))
    assert cli.main(["runs"]) == 0
    assert "fine" in capsys.readouterr().out
