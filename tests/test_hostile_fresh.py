"""Hostile cases found by the second pass of issue 22 (``python -m bench.hostile -k fresh`` and
the seeded fuzzer ``bench/hostile/fuzz.py``): each was seen to fail before its fix."""

import json
import os

import keras
import pytest

from bench.hostile.probes import dlcv_in_process, jpeg, photo_folder, subset_is
from dlcv.cli import main
from dlcv.errors import ConfigError
from tools.deadline import deadline


def data_info(capsys) -> tuple[int, str, str]:
    status = main(["data", "info"])
    out, err = capsys.readouterr()
    return status, out, err


def test_data_info_refuses_a_data_folder_that_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("mine")
    monkeypatch.setenv("DLCV_DATA_DIR", str(tmp_path / "file"))
    status, out, err = data_info(capsys)
    assert status == 2
    assert "is a file, not a folder" in err and "Nothing prepared" not in out


def test_data_info_never_opens_a_fifo_in_place_of_info_json(tmp_path, capsys):
    folder = tmp_path / "data" / "cats_vs_dogs" / "sample-1-1-1"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "info.json")
    with deadline(10):
        status, out, _ = data_info(capsys)
    assert status == 0
    assert "damaged" in out and "sample-1-1-1" in out


def test_data_info_lists_a_dangling_or_special_zip_as_what_it_is(tmp_path, capsys):
    home = tmp_path / "data" / "cats_vs_dogs"
    home.mkdir(parents=True)
    (home / "gone.zip").symlink_to(tmp_path / "nowhere")
    os.mkfifo(home / "pipe.zip")
    with deadline(10):
        status, out, _ = data_info(capsys)
    assert status == 0
    assert "gone.zip  (missing: a dangling link)" in out
    assert "pipe.zip  (a FIFO, not an archive)" in out


def test_data_info_prints_odd_names_escaped_on_one_line(tmp_path, capsys):
    home = tmp_path / "data" / "cats_vs_dogs"
    folder = home / "x\nFAKE: 1,000 cat"
    folder.mkdir(parents=True)
    info = {  # a whole record, as a prepared folder's (prepared.info_record), with odd values
        "name": "cats_vs_dogs\nforged: 1,000 cat",
        "source": "directory",
        "counts": {split: {"cat": 1, "dog": 1} for split in ("train", "validation", "test")},
        "dropped": {"truncated": 1},
        "origin": "\x1b[2Jthe user's folder",
        "license": "CC BY\r",
        "fingerprint": "0" * 64,
    }
    (folder / "info.json").write_text(json.dumps(info))
    (home / os.fsdecode(b"\xff.zip")).write_bytes(b"PK")
    status, out, _ = data_info(capsys)
    assert status == 0
    assert "train 1 cat + 1 dog" in out and "dropped 1 corrupt" in out  # read, not damaged
    assert "\nFAKE" not in out and "\nforged" not in out and "\x1b" not in out
    assert "x\\nFAKE" in out and "\\udcff.zip" in out
    assert "cats_vs_dogs\\nforged: 1,000 cat (directory)" in out
    assert "origin: \\x1b[2J" in out and "license: CC BY\\r" in out


def test_a_fifo_in_place_of_a_prepared_folders_info_json_is_no_hang(tmp_path):
    from dlcv.data import prepare_cats_vs_dogs

    def sample():
        return prepare_cats_vs_dogs(source="sample", counts=(1, 1, 1), image_size=(8, 8))

    root = sample()
    (root / "info.json").unlink()
    os.mkfifo(root / "info.json")
    with deadline(20):
        again = sample()
    assert again == root and (root / "info.json").is_file()


def test_epochs_beyond_the_cap_are_refused_before_anything_is_built(monkeypatch):
    from test_training import train

    from dlcv.runs import cache
    from dlcv.validate import MAX_EPOCHS

    def no_build(*args, **kwargs):
        raise AssertionError("built a model")

    monkeypatch.setattr(cache.training, "build_and_compile", no_build)
    monkeypatch.setattr(keras.Model, "fit", no_build)
    for epochs in (10**12, MAX_EPOCHS + 1):
        with pytest.raises(ConfigError, match="10,000"):
            train(epochs=epochs)


def test_the_command_line_caps_epochs_as_run_does():
    from dlcv.validate import MAX_EPOCHS

    assert MAX_EPOCHS == 10_000
    with pytest.raises(SystemExit) as exit_:
        main(["train", "mnist", "--epochs", "10001"])
    assert exit_.value.code == 2


def _subset_is(root, contents):
    ok, problem = subset_is(root, contents)
    assert ok, problem


def test_the_nearest_class_folder_decides_over_a_files_prefix(tmp_path):
    from dlcv.data import prepare_cats_vs_dogs
    from dlcv.data.cats_vs_dogs.names import kind_from_name

    assert kind_from_name("dog/cat.3.jpg") == "dog"
    assert kind_from_name("cats/dogs/1.jpg") == "dog"
    assert kind_from_name("train/cat.0.jpg") == "cat"
    photos = tmp_path / "photos"
    contents = photo_folder(photos)
    # a dog photo the user sorted into dog/, under a name that starts with "cat."
    (photos / "dog" / "cat.jpg").write_bytes(data := jpeg("dog", 77))
    contents["dog"].add(data)
    for index in range(3):  # sorted first among the cats if taken for one
        (photos / "dog" / f"cat.{index}.jpg").write_bytes(data := jpeg("dog", 80 + index))
        contents["dog"].add(data)
    root = prepare_cats_vs_dogs(source="directory", archive=photos, counts=(1, 1, 1))
    _subset_is(root, contents)


@pytest.mark.parametrize("target", ["/", "../.."])  # from photos/cat, "../.." is tmp_path
def test_a_link_to_a_folder_above_the_photos_is_not_walked(tmp_path, target):
    from dlcv.data import prepare_cats_vs_dogs
    from dlcv.data.cats_vs_dogs import sources

    photos = tmp_path / "photos"
    contents = photo_folder(photos)
    (tmp_path / "dog.jpg").write_bytes(jpeg("dog", 99))  # above the photos: a cat if walked
    (photos / "cat" / "everything").symlink_to(target)
    with deadline(30):
        names = [name for name, _ in sources.walk(photos)]
        root = prepare_cats_vs_dogs(source="directory", archive=photos, counts=(1, 1, 1))
    assert not any(name.startswith("cat/everything/") for name in names)
    _subset_is(root, contents)


def test_dlcv_runs_lists_any_folder_name_on_one_line(tmp_path):
    cache = tmp_path / "runs"
    for name in ("x\nFAKE 2026-01-01 quick", os.fsdecode(b"caf\xe9")):
        (cache / name).mkdir(parents=True)
        (cache / name / "run.json").write_text('{"config": {}, "created": 1.0}')
    status, out = dlcv_in_process("runs")
    assert status == 0
    assert "\nFAKE" not in out and "x\\nFAKE" in out and "caf\\udce9" in out


@pytest.mark.parametrize("command", [["data", "info"], ["runs"]])
def test_a_folder_setting_under_a_file_is_an_error_not_an_empty_folder(
    tmp_path, monkeypatch, capsys, command
):
    (tmp_path / "file").write_text("mine")
    monkeypatch.setenv("DLCV_DATA_DIR", str(tmp_path / "file" / "sub"))
    monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path / "file" / "sub"))
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert "Nothing prepared" not in out and "No cached runs" not in out
    assert "dlcv: error:" in err
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.parametrize("kind", ["file", "dangling-link"])
def test_a_run_cache_that_is_no_folder_is_called_so(tmp_path, kind):
    from dlcv.errors import RunCacheError
    from dlcv.runs import store

    cache = tmp_path / "cache"
    if kind == "file":
        cache.write_text("mine")
    else:
        cache.symlink_to(tmp_path / "gone")
    with pytest.raises(RunCacheError) as error:
        store.writable_cache(cache)
    assert "File exists" not in str(error.value)
    assert ("not a folder" if kind == "file" else "link to nothing") in str(error.value)
