"""Hostile inputs: damaged archives, odd files and folders, odd arguments, races.

Every case here once gave a raw traceback, a wrong diagnosis, a stale result or lost data;
each must now end in a dlcv error that names the cause, or be handled.
"""

import hashlib
import io
import json
import os
import random
import time
import zipfile

import pytest
from PIL import Image

from dlcv.data import cats_vs_dogs
from dlcv.data.cats_vs_dogs import prepare_cats_vs_dogs
from dlcv.data.fetch import extract_member, open_member, open_zip, read_member
from dlcv.errors import ArchiveError, ConfigError, DataUnavailableError, DlcvError


def _jpeg(kind: str, index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200 if kind == "cat" else 40, 10 * index, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def _kaggle_zip(per_class: int = 4, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for kind in ("cat", "dog"):
            for index in range(per_class):
                archive.writestr(f"train/{kind}.{index}.jpg", _jpeg(kind, index))
    return buffer.getvalue()


def _flipped(payload: bytes, rng: random.Random) -> bytes:
    data = bytearray(payload)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _read_everything(path) -> None:
    with open_zip(path) as archive:
        for member in archive.infolist():
            read_member(archive, member, 1024**2)


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_fuzzed_archives_fail_only_with_archive_errors(tmp_path, compression):
    rng = random.Random(16)
    payload = _kaggle_zip(compression=compression)
    path = tmp_path / "fuzzed.zip"
    outcomes = {"read": 0, "refused": 0}
    for _ in range(400):
        path.write_bytes(_flipped(payload, rng))
        try:
            _read_everything(path)
            outcomes["read"] += 1
        except ArchiveError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 50, outcomes  # the fuzzing does damage archives


def test_fuzzed_archives_through_prepare_give_dlcv_errors_or_a_subset(tmp_path):
    rng = random.Random(1616)
    payload = _kaggle_zip(per_class=4)
    refused = 0
    for trial in range(60):
        path = tmp_path / f"fuzzed{trial}.zip"
        path.write_bytes(_flipped(payload, rng))
        try:
            prepare_cats_vs_dogs(
                "kaggle", data_dir=tmp_path / f"data{trial}", archive=path, counts=(1, 1, 1)
            )
        except DlcvError:
            refused += 1
    assert refused > 5


def _zip_with_member(path, compress_type: int, flag_bits: int = 0):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/cat.0.jpg", _jpeg("cat", 0))
    data = bytearray(path.read_bytes())
    # Patch the method (and flags) in the local header and the central directory.
    for signature, method_at, flags_at in ((b"PK\x03\x04", 8, 6), (b"PK\x01\x02", 10, 8)):
        at = data.index(signature)
        data[at + method_at : at + method_at + 2] = compress_type.to_bytes(2, "little")
        data[at + flags_at : at + flags_at + 2] = flag_bits.to_bytes(2, "little")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "compress_type, flag_bits, message",
    [(9, 0, "Deflate64"), (99, 1, "AES"), (97, 0, "compression method 97"), (0, 1, "encrypted")],
)
def test_unsupported_members_name_the_cause(tmp_path, compress_type, flag_bits, message):
    path = _zip_with_member(tmp_path / "odd.zip", compress_type, flag_bits)
    with open_zip(path) as archive, pytest.raises(ArchiveError, match=message):
        open_member(archive, archive.infolist()[0])
    with pytest.raises(ArchiveError, match=message):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=path, counts=(1, 1, 1))


def test_a_corrupt_deflate_stream_is_an_archive_error(tmp_path):
    path = tmp_path / "outer.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.zip", bytes(range(256)) * 64)
    data = bytearray(path.read_bytes())
    start = data.index(b"train.zip") + len(b"train.zip")
    data[start + 5 : start + 40] = b"\xff" * 35  # garbage in the compressed stream
    path.write_bytes(bytes(data))
    with open_zip(path) as archive, pytest.raises(ArchiveError, match="corrupt"):
        extract_member(archive, "train.zip", tmp_path / "out" / "train.zip")
    assert list((tmp_path / "out").iterdir()) == []  # no .part file left


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _train_members(per_class: int, offset: int = 0) -> dict[str, bytes]:
    return {
        f"train/{kind}.{index}.jpg": _jpeg(kind, index + offset)
        for kind in ("cat", "dog")
        for index in range(per_class)
    }


def test_the_competition_archive_never_overwrites_the_users_train_zip(tmp_path):
    home = tmp_path / "data" / "cats_vs_dogs"
    home.mkdir(parents=True)
    users = _zip_of(_train_members(6))
    (home / "train.zip").write_bytes(users)
    competition = tmp_path / "dogs-vs-cats.zip"
    competition.write_bytes(_zip_of({"train.zip": _zip_of(_train_members(3, offset=3))}))

    with pytest.raises(DlcvError, match="only 3 usable cat photos"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=competition)
    assert (home / "train.zip").read_bytes() == users
    root = prepare_cats_vs_dogs(
        "kaggle", data_dir=tmp_path / "data", archive=competition, counts=(1, 1, 1)
    )
    assert sorted(p.name for p in home.iterdir()) == sorted(["train.zip", root.name])
    assert (home / "train.zip").read_bytes() == users


def _fingerprint(root) -> str:
    return json.loads((root / "info.json").read_text())["fingerprint"]


def test_another_archive_gives_its_own_subset_not_the_old_one(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    a.write_bytes(_zip_of(_train_members(3)))
    b.write_bytes(_zip_of(_train_members(3, offset=5)))
    kwargs = dict(data_dir=tmp_path / "data", counts=(1, 1, 1))
    from_a = _fingerprint(prepare_cats_vs_dogs("kaggle", archive=a, **kwargs))
    root = prepare_cats_vs_dogs("kaggle", archive=b, **kwargs)
    assert _fingerprint(root) != from_a
    assert (root / "train" / "cat" / "cat.0.jpg").read_bytes() == _jpeg("cat", 5)
    info = json.loads((root / "info.json").read_text())
    assert info["made_from_sha256"] == hashlib.sha256(b.read_bytes()).hexdigest()


def test_a_changed_folder_of_photos_is_prepared_again(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name, data in _train_members(3).items():
        (photos / name.removeprefix("train/")).write_bytes(data)
    kwargs = dict(data_dir=tmp_path / "data", archive=photos, counts=(1, 1, 1))
    root = prepare_cats_vs_dogs("directory", **kwargs)
    (photos / "cat.0.jpg").write_bytes(_jpeg("cat", 9))
    assert prepare_cats_vs_dogs("directory", **kwargs) == root
    assert (root / "train" / "cat" / "cat.0.jpg").read_bytes() == _jpeg("cat", 9)


def test_the_same_archive_touched_is_not_prepared_again(tmp_path, monkeypatch):
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(_train_members(3)))
    kwargs = dict(data_dir=tmp_path / "data", archive=archive, counts=(1, 1, 1))
    root = prepare_cats_vs_dogs("kaggle", **kwargs)
    os.utime(archive, ns=(1, 1))

    def fail(*args, **kwargs):
        raise AssertionError("the subset was made again")

    monkeypatch.setattr(cats_vs_dogs.subset, "make_subset", fail)
    assert prepare_cats_vs_dogs("kaggle", **kwargs) == root


def _damage_missing_dogs(root):
    for path in (root / "train" / "dog").iterdir():
        path.unlink()


def _damage_no_info(root):
    (root / "info.json").unlink()


def _damage_truncated_info(root):
    text = (root / "info.json").read_text()
    (root / "info.json").write_text(text[: len(text) // 2])


def _damage_info_not_a_dict(root):
    (root / "info.json").write_text("[1, 2]")


def _damage_extra_photo(root):
    (root / "test" / "cat" / "cat.999.jpg").write_bytes(_jpeg("cat", 1))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_missing_dogs,
        _damage_no_info,
        _damage_truncated_info,
        _damage_info_not_a_dict,
        _damage_extra_photo,
    ],
)
@pytest.mark.parametrize("source", ["kaggle", "sample"])
def test_a_damaged_prepared_folder_is_made_again(tmp_path, damage, source):
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(_train_members(3)))
    kwargs = dict(data_dir=tmp_path / "data", counts=(1, 1, 1), image_size=(16, 16))
    if source == "kaggle":
        kwargs["archive"] = archive
    root = prepare_cats_vs_dogs(source, **kwargs)
    info = (root / "info.json").read_text()
    damage(root)
    assert prepare_cats_vs_dogs(source, **kwargs) == root
    assert (root / "info.json").read_text() == info
    assert len(list(root.rglob("*.jpg"))) == 6
    assert [p.name for p in root.parent.iterdir() if p.name.startswith(".")] == []


def test_data_info_reports_a_damaged_folder(tmp_path, capsys):
    from dlcv import cli

    root = prepare_cats_vs_dogs(
        "sample", data_dir=tmp_path, counts=(1, 1, 1), image_size=(16, 16)
    )
    _damage_truncated_info(root)
    assert cli.main(["data", "info", "--data-dir", str(tmp_path)]) == 0
    assert "damaged" in capsys.readouterr().out


def _photo_folder(tmp_path, per_class: int = 3):
    photos = tmp_path / "photos"
    photos.mkdir(exist_ok=True)
    for name, data in _train_members(per_class).items():
        (photos / name.removeprefix("train/")).write_bytes(data)
    return photos


@pytest.mark.parametrize("source", ["sample", "directory"])
def test_a_data_folder_that_is_a_file_is_a_clear_error(tmp_path, source):
    (tmp_path / "data").write_text("not a folder")
    archive = _photo_folder(tmp_path) if source == "directory" else None
    with pytest.raises(ConfigError, match="data folder .* cannot be written"):
        prepare_cats_vs_dogs(
            source, data_dir=tmp_path / "data", archive=archive, counts=(1, 1, 1),
            image_size=(16, 16),
        )
    assert (tmp_path / "data").read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_data_folder_is_a_clear_error(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data").chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="cannot be written"):
            prepare_cats_vs_dogs("sample", data_dir=tmp_path / "data", counts=(1, 1, 1))
    finally:
        (tmp_path / "data").chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read anything")
def test_an_unreadable_photo_is_a_clear_error(tmp_path):
    photos = _photo_folder(tmp_path)
    (photos / "cat.0.jpg").chmod(0)
    with pytest.raises(DataUnavailableError, match="Cannot read the photo .*cat.0.jpg"):
        prepare_cats_vs_dogs(
            "directory", data_dir=tmp_path / "data", archive=photos, counts=(1, 1, 1)
        )


def test_an_archive_without_cats_and_dogs_says_so(tmp_path):
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of({f"birds/{i}.jpg": _jpeg("cat", i) for i in range(5)}))
    with pytest.raises(DataUnavailableError, match="no cat photos at all"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive)


def test_photos_without_jfif_are_named_as_the_cause(tmp_path):
    exif_only = {
        f"train/{kind}.{i}.jpg": b"\xff\xd8\xff\xe1" + _jpeg(kind, i)[20:]
        for kind in ("cat", "dog")
        for i in range(3)
    }
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(exif_only))
    with pytest.raises(DataUnavailableError, match="3 not_jfif.*JFIF marker"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive)


def test_windows_member_names_are_read(tmp_path):
    members = {name.replace("/", "\\"): data for name, data in _train_members(3).items()}
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(members))
    root = prepare_cats_vs_dogs(
        "kaggle", data_dir=tmp_path / "data", archive=archive, counts=(1, 1, 1)
    )
    assert (root / "test" / "dog" / "dog.2.jpg").read_bytes() == _jpeg("dog", 2)


def test_a_member_larger_than_any_photo_is_dropped_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(cats_vs_dogs.sources, "MAX_PHOTO_BYTES", 10_000)
    members = _train_members(4)
    members["train/cat.0.jpg"] = _jpeg("cat", 0) + b"\0" * 20_000
    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(members))
    root = prepare_cats_vs_dogs(
        "kaggle", data_dir=tmp_path / "data", archive=archive, counts=(1, 1, 1)
    )
    info = json.loads((root / "info.json").read_text())
    assert info["dropped"]["too_large"] == 1
    assert (root / "train" / "cat" / "cat.0.jpg").read_bytes() == _jpeg("cat", 1)


def test_a_photo_that_cannot_be_read_is_a_clear_error_even_for_root(tmp_path, monkeypatch):
    import builtins

    photos = _photo_folder(tmp_path)
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if str(file).endswith("cat.0.jpg"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    with pytest.raises(DataUnavailableError, match="Permission denied"):
        prepare_cats_vs_dogs(
            "directory", data_dir=tmp_path / "data", archive=photos, counts=(1, 1, 1)
        )


def _aged(path, seconds: float):
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_leftovers_of_interrupted_runs_are_removed_on_the_next_call(tmp_path):
    from dlcv import folders

    home = tmp_path / "data" / "cats_vs_dogs"
    home.mkdir(parents=True)
    dead = 999_999_999  # above any pid_max: no such process
    staging = home / f".kaggle-1-1-1-p{dead}-abc123"
    (staging / "train" / "cat").mkdir(parents=True)
    (staging / folders.MARKER).write_text("made by dlcv")
    (home / f".extract-p{dead}-xyz{folders.TEMPORARY_SUFFIX}").write_bytes(b"half")
    (home / f".nested-train-p{dead}-7f{folders.TEMPORARY_SUFFIX}").write_bytes(b"half")
    kept = [
        home / f".sample-p{os.getpid()}-live{folders.TEMPORARY_SUFFIX}",  # this process's: live
        home / f".photos-p{dead}-mine",  # named like dlcv's, but no marker: the user's
        home / f".extract-p{dead}-xyz.part",  # an old name, not dlcv's temporary suffix
        home / "tmpzz99yy88",  # pooch's name, but not in dlcv's downloads folder
        home / ".DS_Store",  # not ours
        home / "train.zip",
        home / "notes.part",
    ]
    for path in kept:
        path.write_bytes(b"keep")
    _aged(home / "tmpzz99yy88", 7200)
    prepare_cats_vs_dogs("sample", data_dir=tmp_path / "data", counts=(1, 1, 1), image_size=(8, 8))
    left = sorted(p.name for p in home.iterdir() if not p.name.startswith("sample-"))
    assert left == sorted(p.name for p in kept)


def test_the_run_cache_sweep_removes_only_marked_staging_folders_of_dead_processes(tmp_path):
    from dlcv import folders
    from dlcv.runs import store

    dead = tmp_path / ".cats_vs_dogs-0123456789abcdef-p999999999-k2j4_x9a"
    dead.mkdir()
    (dead / folders.MARKER).write_text("")
    users = tmp_path / ".npm-packages"  # hidden, named like a staging folder once was: not ours
    (users / "lib").mkdir(parents=True)
    _aged(users, 9 * 24 * 3600)
    unmarked = tmp_path / ".mnist_convnet-0123456789abcdef-p999999999-abcd1234"
    unmarked.mkdir()
    _aged(unmarked, 9 * 24 * 3600)
    entry = tmp_path / "mnist_convnet-0123456789abcdef"
    entry.mkdir()
    _aged(entry, 9 * 24 * 3600)
    store.writable_cache(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [users.name, unmarked.name, entry.name]
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_size": (10**6, 10**6)}, "image_size=.* must be"),
        ({"image_size": (True, 8)}, "image_size=.* must be"),
        ({"counts": (True, 1, 1)}, "counts=.* must be"),
        ({"counts": (10**9, 1, 1)}, "counts=.* must be"),
        ({"source": "kaggle", "archive": 5}, "archive=.* must be a path"),
        ({"data_dir": 3.5}, "data_dir=.* must be a path"),
        ({"source": "microsoft", "sha256": "zz"}, "64 hexadecimal"),
        ({"source": "microsoft", "url": ""}, "url=.* must be"),
    ],
)
def test_hostile_arguments_are_config_errors(tmp_path, kwargs, message):
    kwargs = {"source": "sample", "data_dir": tmp_path, **kwargs}
    with pytest.raises(ConfigError, match=message):
        prepare_cats_vs_dogs(**kwargs)
    assert not (tmp_path / "cats_vs_dogs").exists() or not any(
        (tmp_path / "cats_vs_dogs").iterdir()
    )


def test_a_member_stored_twice_is_used_once(tmp_path):
    members = _train_members(4)
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("train/cat.0.jpg", _jpeg("cat", 0))
    archive = tmp_path / "train.zip"
    archive.write_bytes(buffer.getvalue())
    root = prepare_cats_vs_dogs(
        "kaggle", data_dir=tmp_path / "data", archive=archive, counts=(2, 1, 1)
    )
    cats = [p.read_bytes() for p in root.glob("*/cat/*.jpg")]
    assert len(set(cats)) == len(cats) == 4  # no photo in two splits


def test_a_photo_replaced_by_a_folder_in_a_prepared_subset_is_noticed(tmp_path):
    root = prepare_cats_vs_dogs("sample", data_dir=tmp_path, counts=(1, 1, 1), image_size=(8, 8))
    photo = next((root / "train" / "cat").iterdir())
    photo.unlink()
    photo.mkdir()
    assert prepare_cats_vs_dogs(
        "sample", data_dir=tmp_path, counts=(1, 1, 1), image_size=(8, 8)
    ) == root
    assert photo.is_file()


def test_a_url_of_an_unknown_scheme_is_named_as_such(tmp_path):
    with pytest.raises(ConfigError, match="not a URL dlcv can download"):
        prepare_cats_vs_dogs(
            "microsoft", data_dir=tmp_path, url="file-ish:/x", sha256="0" * 64, counts=(1, 1, 1)
        )


def test_a_fractional_batch_size_is_a_config_error(tmp_path):
    from dlcv.data.cats_vs_dogs import load_cats_vs_dogs

    with pytest.raises(ConfigError, match="batch_size"):
        load_cats_vs_dogs((8, 8), batch_size=2.5, source="sample", data_dir=tmp_path)


def test_kaggle_credentials_offline_fall_back_to_the_sample(tmp_path, monkeypatch):
    kagglehub = pytest.importorskip("kagglehub")
    import requests

    def offline(*args, **kwargs):
        raise requests.ConnectionError("Failed to resolve 'www.kaggle.com'")

    monkeypatch.setattr(cats_vs_dogs.sources, "kaggle_credentials", lambda: True)
    monkeypatch.setattr(kagglehub, "competition_download", offline)
    with pytest.raises(DataUnavailableError, match="Kaggle download failed.*ConnectionError"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path, counts=(1, 1, 1))
    with pytest.warns(UserWarning, match="drawn sample"):
        root = prepare_cats_vs_dogs(
            "auto", data_dir=tmp_path, counts=(1, 1, 1), image_size=(8, 8), download=True
        )
    assert root.name.startswith("sample-")


def test_prepared_folders_are_not_private_to_their_maker(tmp_path):
    umask = os.umask(0o022)
    try:
        root = prepare_cats_vs_dogs(
            "sample", data_dir=tmp_path, counts=(1, 1, 1), image_size=(8, 8)
        )
    finally:
        os.umask(umask)
    assert root.stat().st_mode & 0o777 == 0o755


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_full_disk_while_preparing_is_not_called_a_corrupt_archive(tmp_path, monkeypatch):
    from pathlib import Path

    archive = tmp_path / "train.zip"
    archive.write_bytes(_zip_of(_train_members(3)))
    monkeypatch.setattr(Path, "write_bytes", _disk_full)
    with pytest.raises(DataUnavailableError, match="No space left.*photos themselves are fine"):
        prepare_cats_vs_dogs("kaggle", data_dir=tmp_path / "data", archive=archive,
                             counts=(1, 1, 1))
    assert [p.name for p in (tmp_path / "data" / "cats_vs_dogs").iterdir()] == []


def test_a_full_disk_while_extracting_is_not_called_a_corrupt_archive(tmp_path, monkeypatch):
    from dlcv.data import fetch

    outer = tmp_path / "dogs-vs-cats.zip"
    outer.write_bytes(_zip_of({"train.zip": _zip_of(_train_members(3))}))

    class Full:
        def __init__(self, *args, **kwargs):
            self.handle = open(*args, **kwargs)  # noqa: SIM115
            self.name = self.handle.name

        def write(self, data):
            _disk_full()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def opening(path, mode="r", *args, **kwargs):
        return Full(path, mode) if "w" in mode else open(path, mode, *args, **kwargs)  # noqa: SIM115

    monkeypatch.setattr(fetch, "open", opening, raising=False)
    with open_zip(outer) as archive, pytest.raises(ArchiveError, match="the archive is fine"):
        extract_member(archive, "train.zip", tmp_path / "out" / "train.zip")
    assert list((tmp_path / "out").iterdir()) == []
