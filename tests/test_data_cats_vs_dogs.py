"""prepare_cats_vs_dogs and load_cats_vs_dogs on small archives built in each real layout.

The Microsoft archive is downloaded from a real HTTP server on 127.0.0.1; no test needs the
internet. Images are 24x24 and counts tiny, so each test takes a moment.
"""

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from dlcv.data import cats_vs_dogs
from dlcv.data.cats_vs_dogs import load_cats_vs_dogs, prepare_cats_vs_dogs
from dlcv.errors import ArchiveError, ConfigError, DataUnavailableError, DownloadError
from tools.serving import serve

PER_CLASS = 10  # photos per class in the test archives
COUNTS = (3, 2, 2)


def _jpeg(kind: str, index: int) -> bytes:
    """A small JFIF JPEG whose colour encodes its class and index."""
    colour = (200 if kind == "cat" else 40, 10 * index, 120)
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _microsoft_members() -> dict[str, bytes]:
    """``PetImages/{Cat,Dog}/N.jpg`` with the real archive's kinds of corrupt files."""
    members = {"CDLA-Permissive-2.0.pdf": b"%PDF", "readme[1].txt": b"read me"}
    for folder, kind in (("Cat", "cat"), ("Dog", "dog")):
        for index in range(PER_CLASS):
            members[f"PetImages/{folder}/{index}.jpg"] = _jpeg(kind, index)
        members[f"PetImages/{folder}/Thumbs.db"] = b"\0" * 64
    members["PetImages/Cat/1.jpg"] = b""  # zero bytes
    members["PetImages/Cat/4.jpg"] = _jpeg("cat", 4)[:200]  # truncated
    members["PetImages/Dog/2.jpg"] = _png()  # not a JFIF JPEG
    return members


def _kaggle_train_members() -> dict[str, bytes]:
    return {
        f"train/{kind}.{index}.jpg": _jpeg(kind, index)
        for kind in ("cat", "dog")
        for index in range(PER_CLASS)
    }


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path):
    """Serves the Microsoft archive on 127.0.0.1: ``(url, sha256)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    payload = _zip_bytes(_microsoft_members())
    (folder / "kagglecatsanddogs_5340.zip").write_bytes(payload)
    with serve(folder) as url:
        yield url + "kagglecatsanddogs_5340.zip", hashlib.sha256(payload).hexdigest()


@pytest.fixture
def home(tmp_path):
    """The data folder, as ``prepare_cats_vs_dogs(data_dir=...)`` takes it."""
    return tmp_path / "data"


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jpg"))


def test_microsoft_archive_is_downloaded_cleaned_and_split(server, home):
    url, sha256 = server
    root = prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)

    assert (home / "cats_vs_dogs" / "downloads" / "kagglecatsanddogs_5340.zip").exists()
    info = json.loads((root / "info.json").read_text())
    assert info["dropped"] == {"empty": 1, "not_image": 2, "not_jfif": 1, "undecodable": 1}
    for split, count in zip(("train", "validation", "test"), COUNTS, strict=True):
        for kind in ("cat", "dog"):
            assert len(list((root / split / kind).iterdir())) == count
            assert info["counts"][split][kind] == count
    # The book's index ranges, over the photos that survived: cat 1 and 4 were dropped.
    expected_cats = [0, 2, 3, 5, 6, 7, 8]
    kept = [(root / s / "cat" / f"cat.{i}.jpg").read_bytes() for s, i in _book_names(COUNTS)]
    assert kept == [_jpeg("cat", index) for index in expected_cats]


def _book_names(counts):
    """(split, index) of each cat photo in the book's make_subset ranges."""
    names, start = [], 0
    for split, count in zip(("train", "validation", "test"), counts, strict=True):
        names += [(split, i) for i in range(start, start + count)]
        start += count
    return names


def test_splits_are_disjoint(server, home):
    url, sha256 = server
    root = prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    contents = [p.read_bytes() for p in root.rglob("*.jpg")]
    assert len(set(contents)) == len(contents) == 2 * sum(COUNTS)


def test_a_wrong_checksum_fails_clearly_and_leaves_no_data(server, home):
    url, _ = server
    with pytest.raises(DownloadError, match="not the expected one"):
        prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256="0" * 64, counts=COUNTS)
    kept = sorted(p.relative_to(home).as_posix() for p in home.rglob("*"))
    assert kept == ["cats_vs_dogs", "cats_vs_dogs/downloads", "cats_vs_dogs/downloads/.dlcv"]


def test_a_second_call_reuses_the_subset(server, home, monkeypatch):
    url, sha256 = server
    first = prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    before = {p: p.stat().st_mtime_ns for p in first.rglob("*")}

    def fail(*args, **kwargs):
        raise AssertionError("the subset was rebuilt")

    monkeypatch.setattr(cats_vs_dogs.subset, "make_subset", fail)
    again = prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    assert again == first
    assert {p: p.stat().st_mtime_ns for p in again.rglob("*")} == before


def test_an_interrupted_build_leaves_no_partial_folder(server, home, monkeypatch):
    url, sha256 = server
    checked = []
    real_check = cats_vs_dogs.image_problem

    def interrupted(data):
        checked.append(data)
        if len(checked) == 5:
            raise KeyboardInterrupt
        return real_check(data)

    monkeypatch.setattr(cats_vs_dogs.subset, "image_problem", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)

    left = sorted(p.name for p in (home / "cats_vs_dogs").iterdir())
    assert left == ["downloads"]  # nothing half-made
    downloaded = sorted(p.name for p in (home / "cats_vs_dogs" / "downloads").iterdir())
    assert downloaded == [".dlcv", "kagglecatsanddogs_5340.zip"]  # the verified download

    monkeypatch.setattr(cats_vs_dogs.subset, "image_problem", real_check)
    root = prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    assert len(_files(root)) == 2 * sum(COUNTS)


def test_an_archive_with_a_traversal_member_is_refused(home, tmp_path):
    members = _microsoft_members()
    members["PetImages/Cat/../../../../evil.jpg"] = _jpeg("cat", 0)
    archive = tmp_path / "kagglecatsanddogs_5340.zip"
    archive.write_bytes(_zip_bytes(members))

    with pytest.raises(ArchiveError, match="evil.jpg.*not safe"):
        prepare_cats_vs_dogs("microsoft", data_dir=home, archive=archive, counts=COUNTS)
    assert not (tmp_path.parent / "evil.jpg").exists()
    assert not any((home / "cats_vs_dogs").glob("microsoft*"))


def test_the_three_kaggle_layouts_give_the_same_subset(home, tmp_path):
    train_zip = _zip_bytes(_kaggle_train_members())
    competition = _zip_bytes(
        {"train.zip": train_zip, "test1.zip": _zip_bytes({}), "sampleSubmission.csv": b"id,label"}
    )
    (tmp_path / "dogs-vs-cats.zip").write_bytes(competition)
    (tmp_path / "train.zip").write_bytes(train_zip)
    extracted = tmp_path / "extracted"
    with zipfile.ZipFile(tmp_path / "train.zip") as archive:
        archive.extractall(extracted)

    prints = set()
    for i, archive in enumerate(
        [tmp_path / "dogs-vs-cats.zip", tmp_path / "train.zip", extracted / "train"]
    ):
        root = prepare_cats_vs_dogs(
            "kaggle", data_dir=home / str(i), archive=archive, counts=COUNTS
        )
        prints.add(json.loads((root / "info.json").read_text())["fingerprint"])
        assert _files(root)[:3] == [
            "test/cat/cat.5.jpg",
            "test/cat/cat.6.jpg",
            "test/dog/dog.5.jpg",
        ]
        assert (root / "train" / "dog" / "dog.2.jpg").read_bytes() == _jpeg("dog", 2)
    assert len(prints) == 1


def test_kaggle_archive_is_found_in_the_data_folder(home):
    (home / "cats_vs_dogs").mkdir(parents=True)
    (home / "cats_vs_dogs" / "train.zip").write_bytes(_zip_bytes(_kaggle_train_members()))

    root = prepare_cats_vs_dogs("auto", data_dir=home, counts=COUNTS)

    assert root.name == "kaggle-3-2-2"
    assert json.loads((root / "info.json").read_text())["source"] == "kaggle"


def test_a_folder_of_photos_is_a_source(home, tmp_path):
    for kind in ("cat", "dog"):
        (tmp_path / "photos" / f"{kind}s").mkdir(parents=True)
        for index in range(PER_CLASS):
            (tmp_path / "photos" / f"{kind}s" / f"{kind}_{index:03}.jpg").write_bytes(
                _jpeg(kind, index)
            )

    root = prepare_cats_vs_dogs(
        "directory", data_dir=home, archive=tmp_path / "photos", counts=COUNTS
    )

    assert (root / "validation" / "dog" / "dog.3.jpg").read_bytes() == _jpeg("dog", 3)


def test_too_few_photos_is_a_clear_error(home, tmp_path):
    (tmp_path / "train.zip").write_bytes(_zip_bytes(_kaggle_train_members()))
    with pytest.raises(DataUnavailableError, match="only 10 usable cat photos.*needs 15"):
        prepare_cats_vs_dogs(
            "kaggle", data_dir=home, archive=tmp_path / "train.zip", counts=(5, 5, 5)
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"source": "imagenet"}, "source=.* must be one of"),
        ({"counts": (3, 2)}, "counts=.* must be 3 positive integers"),
        ({"counts": (3, 0, 2)}, "counts=.* must be 3 positive integers"),
        ({"image_size": (0, 24)}, "image_size=.* must be"),
        ({"source": "directory"}, "needs archive="),
    ],
)
def test_bad_arguments_are_config_errors(home, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        prepare_cats_vs_dogs(data_dir=home, **kwargs)


def test_auto_without_downloads_draws_the_sample_and_says_why(home):
    data = load_cats_vs_dogs(
        (24, 24), batch_size=4, data_dir=home, counts=COUNTS, sample_counts=(3, 1, 1)
    )
    assert data.info["source"] == "sample"
    assert "downloading them is off" in data.info["reason"]
    assert data.info["counts"]["train"] == {"cat": 3, "dog": 3}  # the sample's own counts


def test_the_choice_of_data_is_said_once_per_process(home, caplog, monkeypatch):
    monkeypatch.setattr(cats_vs_dogs, "_SAID", set())
    with caplog.at_level("INFO", logger=cats_vs_dogs.log.name):
        for _ in range(3):  # as `python -m dlcv lessons` loads the data once per run
            prepare_cats_vs_dogs("auto", data_dir=home, counts=COUNTS, sample_counts=(3, 1, 1))
    said = [r.getMessage() for r in caplog.records if "using the" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("cats vs dogs: using the sample data because")


def test_auto_with_downloads_fetches_the_photos(server, home):
    url, sha256 = server
    data = load_cats_vs_dogs(
        (24, 24), data_dir=home, url=url, sha256=sha256, counts=COUNTS, download=True
    )
    assert data.info["source"] == "microsoft"
    assert data.info["counts"]["train"] == dict.fromkeys(("cat", "dog"), COUNTS[0])


def test_pipelines_yield_batches_of_the_right_shape_and_labels(server, home):
    url, sha256 = server
    data = load_cats_vs_dogs(
        (16, 20),
        batch_size=4,
        source="microsoft",
        data_dir=home,
        url=url,
        sha256=sha256,
        counts=COUNTS,
    )

    images, labels = next(iter(data.train))
    assert images.shape == (4, 16, 20, 3) and images.dtype.name == "float32"
    assert labels.shape == (4,) and labels.dtype.name == "int32"
    test_labels = np.concatenate([y.numpy() for _, y in data.test])
    assert test_labels.tolist() == [0, 0, 1, 1]  # cat=0, dog=1, in folder order
    # Our cats are red (200) and dogs dark (40): the labels must follow the pictures.
    for x, y in data.validation:
        np.testing.assert_array_equal(x.numpy()[:, 0, 0, 0] < 120, y.numpy() == 1)
    assert sum(len(y) for _, y in data.train) == 2 * COUNTS[0]


def test_training_batches_are_reshuffled_every_epoch(home):
    """Each access of ``data.train`` is a fresh pipeline (a run's order depends on its seed
    alone); one pipeline reshuffles from epoch to epoch."""
    data = load_cats_vs_dogs(
        (24, 24), batch_size=16, source="sample", data_dir=home, counts=(8, 1, 1)
    )
    train = data.train  # one pipeline, read for four epochs, as fit() reads it
    orders = {tuple(np.concatenate([y.numpy() for _, y in train])) for _ in range(4)}
    assert len(orders) > 1


def test_info_is_json_and_the_same_everywhere_but_its_path(server, home, tmp_path):
    url, sha256 = server
    kwargs = dict(source="microsoft", url=url, sha256=sha256, counts=COUNTS)
    here = load_cats_vs_dogs((24, 24), data_dir=home, **kwargs).info
    there = load_cats_vs_dogs((24, 24), data_dir=tmp_path / "elsewhere", **kwargs).info

    assert json.loads(json.dumps(here)) == here
    assert here.pop("path") != there.pop("path")
    assert here == there
    assert here["name"] == "cats_vs_dogs" and here["image_size"] == [24, 24]
    assert {"origin", "license", "fingerprint", "dropped", "counts"} <= here.keys()


def test_a_new_sha256_is_not_answered_with_the_old_subset(server, home):
    url, sha256 = server
    prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    with pytest.raises(DownloadError, match="not the expected one"):
        prepare_cats_vs_dogs("microsoft", data_dir=home, url=url, sha256="1" * 64, counts=COUNTS)


def test_a_damaged_microsoft_download_is_verified_and_fetched_again(server, home):
    url, sha256 = server
    kwargs = dict(data_dir=home, url=url, sha256=sha256, counts=COUNTS)
    root = prepare_cats_vs_dogs("microsoft", **kwargs)
    local = home / "cats_vs_dogs" / "downloads" / "kagglecatsanddogs_5340.zip"
    local.write_bytes(local.read_bytes()[:-100])
    assert prepare_cats_vs_dogs("microsoft", **kwargs) == root
    assert hashlib.sha256(local.read_bytes()).hexdigest() == sha256
