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
