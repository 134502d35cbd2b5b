"""The data findings of the second hostile pass (issue 22), one test each, and a seeded fuzzer
over folder trees, names and prepared-folder records.

Every test here failed on the code before its fix (54c799c's data side); the ones that hung
there end by :func:`deadline` instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlcv.data import load_mnist, prepare_cats_vs_dogs
from dlcv.data.fetch import check_members, download
from dlcv.errors import ArchiveError, ConfigError, DataUnavailableError, DlcvError, DownloadError
from tools.deadline import deadline

COUNTS = (1, 1, 1)


def _jpeg(kind: str, index: int, size: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200 if kind == "cat" else 40, (37 * index) % 256, 90)).save(
        buffer, "JPEG"
    )
    return buffer.getvalue()


def _photos(folder: Path, names=("0.jpg", "1.jpg", "2.jpg")) -> dict[str, list[bytes]]:
    contents = {}
    for kind in ("cat", "dog"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        contents[kind] = []
        for index, name in enumerate(names):
            data = _jpeg(kind, index)
            (folder / kind / name).write_bytes(data)
            contents[kind].append(data)
    return contents


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _used(root: Path, split: str = "train", kind: str = "cat") -> list[bytes]:
    return [path.read_bytes() for path in sorted((Path(root) / split / kind).iterdir())]


def _all_photos(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and p.suffix == ".jpg"
    }


# --- Inputs checked for kind before they are read -------------------------------------------


@pytest.mark.parametrize("make", ["fifo", "dev-zero", "socket"])
def test_an_archive_that_is_no_file_is_refused_unread(tmp_path, make):
    if make == "fifo":
        archive = tmp_path / "in.zip"
        os.mkfifo(archive)
    elif make == "dev-zero":
        archive = Path("/dev/zero")
    else:
        import socket

        archive = tmp_path / "s.zip"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(archive))
    with deadline(20), pytest.raises(ConfigError, match="not a file or folder"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive)


def test_an_empty_file_as_archive_is_not_the_users_to_delete(tmp_path):
    archive = tmp_path / "mine.zip"
    archive.write_bytes(b"")
    with pytest.raises(ArchiveError, match="empty") as caught:
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive)
    assert "elete it" not in str(caught.value)
    assert archive.exists()


@pytest.mark.parametrize("payload", [b"\x1f\x8b\x08\x00" + b"\0" * 64, b"PK\x05\x06" + b"\0" * 9])
def test_a_file_that_is_no_zip_is_told_without_delete_it(tmp_path, payload):
    archive = tmp_path / "mine.tar.gz"
    archive.write_bytes(payload)
    with pytest.raises(ArchiveError, match="not a readable zip archive") as caught:
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive)
    assert "elete it" not in str(caught.value)


def test_a_200_gb_sparse_file_beside_the_photos_is_never_read(tmp_path):
    folder = tmp_path / "photos"
    contents = _photos(folder)
    with open(folder / "backup.img", "wb") as stream:
        stream.truncate(200 * 1024**3)
    with open(folder / "cat" / "huge.jpg", "wb") as stream:  # a candidate, but too large
        stream.truncate(200 * 1024**3)
    with deadline(60):
        root = prepare_cats_vs_dogs(
            "directory", data_dir=tmp_path / "data", archive=folder, counts=COUNTS
        )
    assert _used(root) == contents["cat"][:1]


# --- Names of any kind ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["1\u00b22.jpg", "\u0661.jpg", "9" * 250 + ".jpg", "a:1.jpg"])
def test_any_file_name_sorts(tmp_path, name):
    folder = tmp_path / "photos"
    contents = _photos(folder, names=("0.jpg", name, "5.jpg"))
    root = prepare_cats_vs_dogs(
        "directory", data_dir=tmp_path / "data", archive=folder, counts=COUNTS
    )
    assert _used(root) == contents["cat"][:1]


def test_a_member_with_5000_digits_sorts(tmp_path):
    members = {f"train/{k}.{i}.jpg": _jpeg(k, i) for k in ("cat", "dog") for i in range(3)}
    del members["train/cat.2.jpg"]
    members["train/cat." + "7" * 5000 + ".jpg"] = _jpeg("cat", 9)
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip(members))
    root = prepare_cats_vs_dogs(
        "kaggle", data_dir=tmp_path / "data", archive=archive, counts=COUNTS
    )
    assert _used(root, "train") == [_jpeg("cat", 0)]
    assert _used(root, "test") == [_jpeg("cat", 9)]  # sorted last: numbers by value


def test_a_member_named_like_a_drive_is_not_called_absolute(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(_zip({"a:cat.jpg": b"x"}))
    with zipfile.ZipFile(path) as archive, pytest.raises(ArchiveError) as caught:
        check_members(archive)
    assert "absolute" not in str(caught.value)
    assert "drive" in str(caught.value)


def test_dangling_links_and_linked_class_folders_are_read(tmp_path):
    real = tmp_path / "elsewhere"
    contents = _photos(real)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat").symlink_to(real / "cat")
    (folder / "dog").symlink_to(real / "dog")
    (real / "dog" / "gone.jpg").symlink_to(tmp_path / "nowhere")
    root = prepare_cats_vs_dogs(
        "directory", data_dir=tmp_path / "data", archive=folder, counts=COUNTS
    )
    assert _used(root, kind="dog") == contents["dog"][:1]


def test_a_train_zip_beside_the_photos_does_not_replace_them(tmp_path):
    folder = tmp_path / "photos"
    contents = _photos(folder)
    other = {f"train/{k}.{i}.jpg": _jpeg(k, i + 40) for k in ("cat", "dog") for i in range(3)}
    (folder / "train.zip").write_bytes(_zip(other))
    root = prepare_cats_vs_dogs(
        "directory", data_dir=tmp_path / "data", archive=folder, counts=COUNTS
    )
    assert _used(root) == contents["cat"][:1]


# --- A prepared folder verified before reuse -----------------------------------------------


def _same_size_other_bytes(root: Path) -> None:
    path = next((root / "train" / "cat").iterdir())
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _swap(root: Path) -> None:
    cat = next((root / "train" / "cat").iterdir())
    dog = next((root / "train" / "dog").iterdir())
    cat_bytes, dog_bytes = cat.read_bytes(), dog.read_bytes()
    cat.write_bytes(dog_bytes)
    dog.write_bytes(cat_bytes)


def _in_subfolder(root: Path) -> None:
    (root / "train" / "cat" / "more").mkdir()
    (root / "train" / "cat" / "more" / "cat.7.jpg").write_bytes(_jpeg("dog", 7))


@pytest.mark.parametrize("damage", [_same_size_other_bytes, _swap, _in_subfolder])
@pytest.mark.parametrize("source", ["sample", "directory"])
def test_a_tampered_prepared_folder_is_made_again(tmp_path, damage, source):
    folder = tmp_path / "photos"
    _photos(folder)
    kwargs = dict(data_dir=tmp_path / "data", counts=COUNTS)
    if source == "sample":
        kwargs["image_size"] = (8, 8)
    else:
        kwargs["archive"] = folder
    root = prepare_cats_vs_dogs(source, **kwargs)
    before = _all_photos(root)
    damage(Path(root))
    again = prepare_cats_vs_dogs(source, **kwargs)
    assert _all_photos(again) == before
    assert not list(Path(again).rglob("more"))


def test_a_source_photo_changed_at_the_same_size_and_mtime_is_noticed(tmp_path):
    folder = tmp_path / "photos"
    _photos(folder)
    kwargs = dict(data_dir=tmp_path / "data", archive=folder, counts=COUNTS)
    prepare_cats_vs_dogs("directory", **kwargs)
    first = folder / "cat" / "0.jpg"
    st = first.stat()
    data = bytearray(first.read_bytes())
    data[-3] ^= 0xFF
    first.write_bytes(bytes(data))
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _used(prepare_cats_vs_dogs("directory", **kwargs)) == [bytes(data)]


def test_a_users_folder_with_a_prepared_name_is_left_alone(tmp_path):
    root = Path(
        prepare_cats_vs_dogs("sample", data_dir=tmp_path / "data", counts=COUNTS, image_size=(8, 8))
    )
    import shutil

    shutil.rmtree(root)
    (root / "train" / "cat").mkdir(parents=True)
    (root / "train" / "cat" / "thesis.txt").write_text("years of work")
    with pytest.raises(DataUnavailableError, match="did not make it"):
        prepare_cats_vs_dogs("sample", data_dir=tmp_path / "data", counts=COUNTS, image_size=(8, 8))
    assert (root / "train" / "cat" / "thesis.txt").read_text() == "years of work"


def test_files_named_like_dlcvs_temporary_ones_are_left_alone(tmp_path):
    home = tmp_path / "data" / "cats_vs_dogs"
    home.mkdir(parents=True)
    dead = 999_999_999
    mine = [home / f".notes-p{dead}-x", home / f".photos-p{dead}-y"]
    mine[0].write_text("mine")
    mine[1].mkdir()
    (mine[1] / "a.txt").write_text("mine")
    prepare_cats_vs_dogs("sample", data_dir=tmp_path / "data", counts=COUNTS, image_size=(8, 8))
    assert mine[0].read_text() == "mine" and (mine[1] / "a.txt").read_text() == "mine"


# --- Downloads -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _server(routes):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            routes.get(self.path, lambda h: h.send_error(404))(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


_PAYLOAD = _zip(
    {f"PetImages/{k}/{i}.jpg": _jpeg(k.lower(), i) for k in ("Cat", "Dog") for i in range(3)}
)
_SHA = hashlib.sha256(_PAYLOAD).hexdigest()


def _send(handler, body=_PAYLOAD, cut=False):
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2] if cut else body)
    if cut:
        handler.wfile.flush()
        handler.connection.shutdown(2)


def _to_file(handler):
    handler.send_response(302)
    handler.send_header("Location", "file:///etc/passwd")
    handler.end_headers()


@pytest.mark.parametrize(
    "route, message",
    [
        (lambda h: _send(h, cut=True), "Could not download"),
        (_to_file, "address it does not fetch"),
    ],
)
def test_a_broken_download_is_told_truthfully(tmp_path, route, message):
    with _server({"/a.zip": route}) as url, pytest.raises(DownloadError) as caught:
        download(url + "/a.zip", _SHA, tmp_path / "dl", "a.zip")
    assert message in str(caught.value)
    assert "not the expected one" not in str(caught.value)
    assert not [p for p in (tmp_path / "dl").iterdir() if p.name == "a.zip"]


def test_a_full_disk_during_a_download_says_so(tmp_path, monkeypatch):
    from dlcv.data import fetch

    def full_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            return open("/dev/full", mode, *args, **kwargs)  # noqa: SIM115
        return open(path, mode, *args, **kwargs)  # noqa: SIM115

    monkeypatch.setattr(fetch, "open", full_open, raising=False)
    with _server({"/a.zip": _send}) as url, pytest.raises(DownloadError) as caught:
        download(url + "/a.zip", _SHA, tmp_path / "dl", "a.zip")
    assert "disk" in str(caught.value) and "internet" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://[::1", "http://", "http://host:99999/x", "file:///x"])
def test_a_malformed_url_is_a_config_error(tmp_path, url):
    with pytest.raises(ConfigError, match="url="):
        prepare_cats_vs_dogs("microsoft", data_dir=tmp_path, url=url, sha256="0" * 64)


def test_the_users_microsoft_archive_is_never_replaced(tmp_path):
    home = tmp_path / "data" / "cats_vs_dogs"
    home.mkdir(parents=True)
    mine = home / "kagglecatsanddogs_5340.zip"
    mine.write_bytes(_zip({"PetImages/Cat/0.jpg": _jpeg("cat", 50)}))
    before = mine.read_bytes()
    with _server({"/ms.zip": _send}) as url, contextlib.suppress(DlcvError):
        prepare_cats_vs_dogs(
            "microsoft", data_dir=tmp_path / "data", url=url + "/ms.zip", sha256=_SHA, counts=COUNTS
        )
    assert mine.read_bytes() == before


@pytest.mark.parametrize("text", ["{username", "[]", "", '{"username": "x"}'])
def test_a_malformed_kaggle_json_is_a_config_error(tmp_path, monkeypatch, text):
    pytest.importorskip("kagglehub")
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "kaggle"))
    (tmp_path / "kaggle").mkdir()
    (tmp_path / "kaggle" / "kaggle.json").write_text(text)
    with pytest.raises(ConfigError, match="kaggle.json"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", counts=COUNTS)


def test_the_nested_archives_damage_names_the_archive(tmp_path):
    outer = tmp_path / "dogs-vs-cats.zip"
    outer.write_bytes(_zip({"train.zip": b"garbage" * 20}))
    with pytest.raises(ArchiveError) as caught:
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=outer)
    assert str(outer) in str(caught.value) and "nested-train" not in str(caught.value)


# --- MNIST and NumPy integers --------------------------------------------------------------------


def test_a_corrupt_keras_mnist_file_falls_back_to_the_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"PK\x03\x04 not a zip")
    start = time.monotonic()
    data = load_mnist("auto", batch_size=np.int64(8))
    assert data.info["source"] == "sample" and "mnist.npz" in data.info["reason"]
    assert data.info["batch_size"] == 8
    assert time.monotonic() - start < 60
    with pytest.raises(DataUnavailableError, match="cannot be read"):
        load_mnist("full")


def test_numpy_integers_are_integers(tmp_path):
    root = prepare_cats_vs_dogs(
        "sample",
        data_dir=tmp_path,
        counts=tuple(np.int64(1) for _ in range(3)),
        image_size=(np.int32(8), np.int64(8)),
    )
    assert Path(root).is_dir()


# --- A seeded fuzzer over folder trees, names and records ---------------------------------------

_ALPHABET = [
    "cat",
    "dog",
    "Cat",
    "dogs",
    ".",
    "0",
    "7",
    "\u00b2",
    "\u0661",
    " ",
    "-",
    "a:",
    "\\",
    "é",
    "\U0001f431",
    "jpg",
    "JPEG",
    "9" * 40,
    "train",
    "zip",
]


def _fuzzed_name(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 6)))[:120] or "x"


def _fuzzed_tree(rng: random.Random, folder: Path) -> None:
    for _ in range(rng.randint(2, 14)):
        parts = [_fuzzed_name(rng).replace("/", "_") for _ in range(rng.randint(1, 3))]
        path = folder.joinpath(*parts)
        if rng.random() < 0.5:
            path = path.with_name(path.name + rng.choice([".jpg", ".jpeg", ".JPG", ".txt", ""]))
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            roll = rng.random()
            if roll < 0.55:
                path.write_bytes(_jpeg(rng.choice(["cat", "dog"]), rng.randint(0, 99)))
            elif roll < 0.7:
                path.write_bytes(rng.randbytes(rng.randint(0, 64)))
            elif roll < 0.8:
                path.symlink_to(folder / _fuzzed_name(rng))
            elif roll < 0.9:
                os.mkfifo(path)
            else:
                path.mkdir(exist_ok=True)


@pytest.mark.parametrize("seed", range(12))
def test_fuzzed_folder_trees_give_a_subset_or_a_dlcv_error(tmp_path, seed):
    rng = random.Random(seed)
    folder = tmp_path / "photos"
    folder.mkdir()
    _fuzzed_tree(rng, folder)
    with deadline(60):
        try:
            root = prepare_cats_vs_dogs(
                "directory", data_dir=tmp_path / "data", archive=folder, counts=COUNTS
            )
        except DlcvError:
            return
    assert len(_all_photos(root)) == 2 * sum(COUNTS)


def _fuzzed_record(rng: random.Random, info: dict):
    choices = [
        lambda: {},
        lambda: [],
        lambda: None,
        lambda: "x",
        lambda: {**info, "counts": rng.choice([{}, [], None, {"train": 1}])},
        lambda: {**info, "fingerprint": rng.choice([None, 5, "0" * 64, ""])},
        lambda: {k: v for k, v in info.items() if rng.random() < 0.5},
        lambda: {**info, rng.choice(list(info)): rng.choice([None, 1.5, [], {}, "\udcff"[:0]])},
    ]
    return rng.choice(choices)()


@pytest.mark.parametrize("seed", range(12))
def test_fuzzed_records_of_a_prepared_folder_never_pass_or_crash(tmp_path, seed):
    rng = random.Random(1000 + seed)
    kwargs = dict(data_dir=tmp_path / "data", counts=COUNTS, image_size=(8, 8))
    root = Path(prepare_cats_vs_dogs("sample", **kwargs))
    photos = _all_photos(root)
    info = json.loads((root / "info.json").read_text())
    record = _fuzzed_record(rng, info)
    text = json.dumps(record) if rng.random() < 0.8 else json.dumps(record)[: rng.randint(0, 9)]
    (root / "info.json").write_text(text)
    if rng.random() < 0.5:
        victim = rng.choice(sorted(root.rglob("*.jpg")))
        victim.write_bytes(_jpeg("dog", rng.randint(0, 9), size=8))
    again = Path(prepare_cats_vs_dogs("sample", **kwargs))
    assert _all_photos(again) == photos
    assert json.loads((again / "info.json").read_text()) == info
