import pytest

from dlcv import cli


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "runs", "data", "lessons"):
        assert command in out


def test_version_is_the_package_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"dlcv {version('dlcv')}"


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (["train"], "dlcv train cats-vs-dogs --augment --dropout 0.5"),
        (["runs"], "dlcv runs --remove "),
        (["data"], "dlcv data prepare cats-vs-dogs"),
    ],
)
def test_command_help_describes_the_command_with_examples(capsys, command, example):
    with pytest.raises(SystemExit):
        cli.main([*command, "--help"])
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]  # after the usage
    assert len(description.split()) > 10, description
    assert "examples:\n" in out and f"\n  {example}" in out


def test_the_model_to_train_is_explained(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert "mnist: the first convnet" in capsys.readouterr().out


def test_runs_rows_show_id_date_and_settings(capsys, tmp_path, monkeypatch):
    from test_runs import cached_run

    cache = tmp_path / "runs"
    monkeypatch.setenv("DLCV_CACHE_DIR", str(cache))
    cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9, seed=1)
    cached_run(cache, "cats_vs_dogs-bbbb", created=1.1e9, seed=2, dropout=0.5)

    assert cli.main(["runs"]) == 0

    header, *rows = capsys.readouterr().out.splitlines()[1:]
    assert header.split() == [
        "id", "created", "profile", "data", "augment", "dropout", "seed", "epochs", "best",
        "test", "acc",
    ]
    assert [row.split()[0] for row in rows] == ["cats_vs_dogs-bbbb", "cats_vs_dogs-aaaa"]
    assert rows[0].split()[5:8] == ["no", "0.5", "2"]  # the date is two words


def test_runs_remove_deletes_the_run(capsys, tmp_path, monkeypatch):
    from test_runs import cached_run

    cache = tmp_path / "runs"
    monkeypatch.setenv("DLCV_CACHE_DIR", str(cache))
    folder = cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)

    assert cli.main(["runs", "--remove", "cats_vs_dogs-aaaa"]) == 0
    assert not folder.exists() and "Removed" in capsys.readouterr().out
    assert cli.main(["runs", "--remove", "cats_vs_dogs-aaaa"]) == 2
    assert "No run 'cats_vs_dogs-aaaa'" in capsys.readouterr().err


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
    assert "run1" in capsys.readouterr().out  # the sound record is listed beside the odd one


def test_ctrl_c_ends_the_command_with_a_sentence_and_status_130(monkeypatch, capsys):
    from dlcv import cli

    def interrupted(args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    args = parser.parse_args(["runs"])
    args.handler = interrupted
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main(["runs"]) == 130
    assert "interrupted" in capsys.readouterr().err
