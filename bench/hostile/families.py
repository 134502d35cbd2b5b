"""The families of probes: arguments, inputs of every kind, names, prepared folders, leftovers,
archives, URLs, credentials, MNIST's cache and the command line."""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np

from bench.hostile.probes import (
    COUNTS,
    SMALL,
    Skip,
    cli_verdict,
    dlcv_cli,
    fifo,
    jpeg,
    no_access,
    photo_folder,
    prepare,
    served,
    sparse,
    subset_is,
    train_members,
    unix_socket,
    zip_bytes,
)

_BAD_ARGUMENTS = {
    "source": ["imagenet", "", None, 3, "Sample", "auto ", ["sample"]],
    "counts": [
        (1, 1),
        (1, 1, 1, 1),
        (0, 1, 1),
        (-1, 1, 1),
        (1.5, 1, 1),
        (True, 1, 1),
        ("1", 1, 1),
        (10**9, 1, 1),
        3,
        "111",
        [],
        {1, 2, 3},
    ],
    "image_size": [
        (0, 8),
        (8,),
        (8, 8, 3),
        (10**6, 8),
        (8.0, 8),
        (True, 8),
        ("8", 8),
        8,
        (-8, 8),
        (8, None),
        (float("nan"), 8),
        (2**70, 8),
    ],
    "data_dir": [3.5, b"/tmp", "", "a\0b", ["x"]],
    "archive": [5, b"x", "", "a\0b"],
    "url": [
        "",
        " ",
        5,
        "file:///etc/passwd",
        "http://",
        "https://[::1",
        "ftp://",
        "javascript:alert(1)",
        "http://a b/c.zip",
        "http://host:99999/x",
        "//host/x.zip",
        "data:,hello",
    ],
    "sha256": ["zz", "0" * 63, "0" * 65, 5, "g" * 64, " " + "0" * 63],
    "sample_counts": [(0, 1, 1), (1, 1), "x"],
    "download": ["yes", 1, None],
}


def register_all(probe) -> None:
    _arguments(probe)
    _input_kinds(probe)
    _names(probe)
    _folder_contents(probe)
    _prepared(probe)
    _leftovers(probe)
    _archives(probe)
    _urls(probe)
    _credentials(probe)
    _mnist(probe)
    _cli(probe)


def _refused(function):
    """A probe whose right answer is a ConfigError (any other answer is wrong)."""

    def run(ctx):
        from dlcv.errors import ConfigError

        try:
            function(ctx)
        except ConfigError as error:
            return True, f"refused: {error}"
        return False, "accepted a value it should refuse"

    return run


def _arguments(probe) -> None:
    for name, values in _BAD_ARGUMENTS.items():
        for index, value in enumerate(values):
            source = "microsoft" if name in ("url", "sha256") else "sample"
            kwargs = {"source": source, "image_size": SMALL, name: value}
            if name == "archive":
                kwargs["source"] = "directory"
            probe(f"argument/{name}/{index}:{value!r}"[:80])(
                _refused(lambda ctx, kwargs=kwargs: prepare(**kwargs))
            )
    for name, value in [
        ("batch_size", 0),
        ("batch_size", 2.5),
        ("batch_size", True),
        ("batch_size", "32"),
        ("batch_size", -1),
    ]:
        probe(f"argument/load/{name}={value!r}")(_refused(lambda ctx, v=value: _load(batch_size=v)))
    for name, value in [
        ("batch_size", 0),
        ("batch_size", 1.0),
        ("validation_split", 1.0),
        ("validation_split", 0),
        ("validation_split", "0.1"),
        ("validation_split", float("nan")),
        ("source", "Full"),
    ]:
        probe(f"argument/mnist/{name}={value!r}")(
            _refused(lambda ctx, n=name, v=value: _mnist_load(**{n: v}))
        )

    def numpy_ints(ctx):
        root = prepare(
            source="sample",
            counts=tuple(np.int64(1) for _ in range(3)),
            image_size=(np.int32(8), np.int64(8)),
        )
        return Path(root).is_dir(), "NumPy integers accepted"

    probe("argument/numpy-integers-as-counts-and-size")(numpy_ints)

    def numpy_batch(ctx):
        data = _load(batch_size=np.int64(2))
        return data.info["batch_size"] == 2, "NumPy batch size accepted"

    probe("argument/numpy-integer-batch-size")(numpy_batch)

    def mnist_numpy(ctx):
        data = _mnist_load(batch_size=np.int64(8))
        return data.info["batch_size"] == 8, "NumPy batch size accepted"

    probe("argument/mnist-numpy-batch-size")(mnist_numpy)

    def pathlike(ctx):
        root = prepare(source="sample", image_size=SMALL, data_dir=ctx.tmp / "other")
        return str(root).startswith(str(ctx.tmp / "other")), "a Path data_dir is used"

    probe("argument/data-dir-as-path")(pathlike)

    def tilde(ctx):
        os.environ["HOME"] = str(ctx.tmp / "h")
        root = prepare(source="sample", image_size=SMALL, data_dir="~/d")
        return str(root).startswith(str(ctx.tmp / "h" / "d")), "~ expanded"

    probe("argument/data-dir-with-tilde")(tilde)


def _load(**kwargs):
    from dlcv.data import load_cats_vs_dogs

    kwargs.setdefault("counts", COUNTS)
    return load_cats_vs_dogs(SMALL, source="sample", **kwargs)


def _mnist_load(**kwargs):
    from dlcv.data import load_mnist

    kwargs.setdefault("source", "sample")
    return load_mnist(**kwargs)


# --- Inputs of every kind, as archive= -----------------------------------------------------


def _input_kinds(probe) -> None:
    def as_archive(make, source="kaggle", must_refuse=True):
        def run(ctx):
            target = make(ctx)
            try:
                prepare(source=source, archive=target)
            except Exception as error:  # noqa: BLE001
                message = str(error)
                if "Delete it" in message or "delete it" in message:
                    return False, f"tells the user to delete their own file: {message[:200]}"
                raise
            return not must_refuse, "accepted"

        return run

    makers = {
        "fifo": lambda ctx: fifo(ctx.tmp / "in.zip"),
        "dev-zero": lambda ctx: Path("/dev/zero"),
        "dev-null": lambda ctx: Path("/dev/null"),
        "empty-file": lambda ctx: _write(ctx.tmp / "a.zip", b""),
        "tar-gz": lambda ctx: _write(ctx.tmp / "a.tar.gz", b"\x1f\x8b\x08\x00" + b"\0" * 100),
        "one-jpeg": lambda ctx: _write(ctx.tmp / "cat.jpg", jpeg("cat", 0)),
        "text": lambda ctx: _write(ctx.tmp / "notes.txt", b"hello"),
        "dangling-link": lambda ctx: _link(ctx.tmp / "gone.zip", ctx.tmp / "nowhere"),
        "link-loop": lambda ctx: _loop(ctx.tmp),
        "socket": lambda ctx: unix_socket(ctx.tmp / "s.zip"),
        "empty-folder": lambda ctx: _mkdir(ctx.tmp / "empty"),
        "sparse-200gb": lambda ctx: sparse(ctx.tmp / "big.zip"),
        "missing": lambda ctx: ctx.tmp / "missing.zip",
        "unreadable-file": lambda ctx: no_access(_write(ctx.tmp / "a.zip", zip_bytes({}))),
        "empty-zip": lambda ctx: _write(ctx.tmp / "e.zip", zip_bytes({})),
        "link-to-dev-zero": lambda ctx: _link(ctx.tmp / "z.zip", Path("/dev/zero")),
    }
    for name, make in makers.items():
        for source in ("kaggle", "microsoft", "directory"):
            if source != "kaggle" and name in ("tar-gz", "text", "socket", "missing"):
                continue
            probe(f"input/{source}/{name}")(as_archive(make, source))

    def user_folder_of_user(ctx):
        photos = photo_folder(ctx.tmp / "mine")
        ctx.keep(ctx.tmp / "mine")
        return subset_is(prepare(source="directory", archive=ctx.tmp / "mine"), photos)

    probe("input/directory/plain-folder-is-used")(user_folder_of_user)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _link(path: Path, target: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "loop-a").symlink_to(tmp / "loop-b")
    (tmp / "loop-b").symlink_to(tmp / "loop-a")
    return tmp / "loop-a"


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Names -------------------------------------------------------------------------------------

_NAMES = {
    "superscript-digit": "1\u00b22.jpg",
    "5000-digits": "9" * 5000,
    "250-digits": "9" * 250,
    "arabic-digits": "\u0661\u0662.jpg",
    "fullwidth-digits": "\uff11\uff12.jpg",
    "leading-zeros": "007.jpg",
    "digits-then-letters": "12a.jpg",
    "letters-then-digits": "a12.jpg",
    "newline": "1\n2.jpg",
    "backslash": "1\\2.jpg",
    "colon": "a:1.jpg",
    "leading-dash": "-1.jpg",
    "spaces": " 1 .jpg",
    "emoji": "\U0001f431 1.jpg",
    "upper-suffix": "1.JPG",
    "jpeg-suffix": "1.jpeg",
    "hidden": ".1.jpg",
    "long-250": "1" * 246 + ".jpg",
    "non-utf8": os.fsdecode(b"\xff\xfe1.jpg"),
    "percent": "%s%n1.jpg",
    "tab": "1\t2.jpg",
}


def _names(probe) -> None:
    for label, name in _NAMES.items():

        def run(ctx, name=name):
            if len(name) > 251:
                raise Skip("longer than a file system allows")
            folder = ctx.tmp / "photos"
            files = [
                "1.jpg",
                name if name.endswith((".jpg", ".jpeg", ".JPG")) else name + ".jpg",
                "0.jpg",
            ]
            contents = photo_folder(folder, 3, names=lambda kind, i: files[i])
            ctx.keep(folder)
            return subset_is(prepare(source="directory", archive=folder), contents)

        probe(f"name/folder/{label}")(run)

        def in_zip(ctx, name=name):
            if "\udcff" in name or "\udcfe" in name:
                raise Skip("a zip member's name is text")
            members = {}
            contents = {"cat": set(), "dog": set()}
            for kind in ("cat", "dog"):
                for i, base in enumerate(["0", name.removesuffix(".jpg"), "2"]):
                    data = jpeg(kind, i)
                    members[f"{kind}/{base}.jpg"] = data
                    contents[kind].add(data)
            archive = _write(ctx.tmp / "photos.zip", zip_bytes(members))
            ctx.keep(archive)
            return subset_is(prepare(source="directory", archive=archive), contents)

        probe(f"name/zip/{label}")(in_zip)

    def too_long(ctx):
        deep = ctx.tmp
        for _ in range(20):
            deep = deep / ("d" * 200)
        try:
            os.makedirs(deep)
        except OSError:
            pass
        return _refused(lambda ctx: prepare(source="sample", image_size=SMALL, data_dir=deep))(ctx)

    probe("name/data-dir-too-long")(too_long)

    def too_long_component(ctx):
        return _refused(
            lambda ctx: prepare(source="sample", image_size=SMALL, data_dir=ctx.tmp / ("x" * 300))
        )(ctx)

    probe("name/data-dir-component-too-long")(too_long_component)

    def archive_name_too_long(ctx):
        prepare(source="kaggle", archive=ctx.tmp / ("x" * 300 + ".zip"))
        return False, "accepted"

    probe("name/archive-name-too-long")(archive_name_too_long)


# --- What else lies in a folder of photos ---------------------------------------------------


def _folder_contents(probe) -> None:
    def with_extra(make, expect_ok=True):
        def run(ctx):
            folder = ctx.tmp / "photos"
            contents = photo_folder(folder)
            make(ctx, folder)
            ctx.keep(folder)
            start = time.monotonic()
            result = subset_is(prepare(source="directory", archive=folder), contents)
            if time.monotonic() - start > 20:
                return False, "took over 20 s"
            return result if expect_ok else (False, "accepted")

        return run

    extras = {
        "sparse-200gb-beside": lambda ctx, f: sparse(f / "backup.img"),
        "sparse-200gb-in-cat": lambda ctx, f: sparse(f / "cat" / "huge.jpg"),
        "fifo-in-cat": lambda ctx, f: fifo(f / "cat" / "pipe.jpg"),
        "fifo-beside": lambda ctx, f: fifo(f / "pipe"),
        "dangling-link-in-dog": lambda ctx, f: _link(f / "dog" / "gone.jpg", f / "nowhere"),
        "link-to-dev-zero-in-cat": lambda ctx, f: _link(f / "cat" / "zero.jpg", Path("/dev/zero")),
        "link-loop-in-cat": lambda ctx, f: _loop(f / "cat"),
        "socket-in-dog": lambda ctx, f: unix_socket(f / "dog" / "s.jpg"),
        "train-zip-beside": lambda ctx, f: _write(
            f / "train.zip",
            zip_bytes(
                {
                    f"train/{k}.{i}.jpg": jpeg("dog" if k == "cat" else "cat", i + 50)
                    for k in ("cat", "dog")
                    for i in range(3)
                }
            ),
        ),
        "thumbs-db": lambda ctx, f: _write(f / "cat" / "Thumbs.db", b"\0" * 100),
        "empty-jpeg-first": lambda ctx, f: _write(f / "cat" / "00.jpg", b""),
        "truncated-jpeg-first": lambda ctx, f: _write(f / "cat" / "00.jpg", jpeg("cat", 9)[:60]),
        "png-named-jpg": lambda ctx, f: _write(
            f / "dog" / "00.jpg", b"\x89PNG\r\n\x1a\n" + b"0" * 50
        ),
        "subfolder-of-cat": lambda ctx, f: _write(f / "cat" / "more" / "x.txt", b"x"),
        "link-to-parent": lambda ctx, f: _link(f / "cat" / "up", f),
    }
    for name, make in extras.items():
        probe(f"folder/{name}")(with_extra(make))

    def symlinked_dog(ctx):
        real = ctx.tmp / "elsewhere"
        contents = photo_folder(real)
        folder = ctx.tmp / "photos"
        folder.mkdir()
        (folder / "cat").symlink_to(real / "cat")
        (folder / "dog").symlink_to(real / "dog")
        ctx.keep(real)
        return subset_is(prepare(source="directory", archive=folder), contents)

    probe("folder/class-folders-are-symlinks")(symlinked_dog)

    def unreadable_dog(ctx):
        folder = ctx.tmp / "photos"
        photo_folder(folder)
        no_access(folder / "dog")
        prepare(source="directory", archive=folder)
        return False, "accepted a folder whose dog/ cannot be read"

    probe("folder/unreadable-dog-folder")(unreadable_dog)

    def unreadable_photo(ctx):
        folder = ctx.tmp / "photos"
        photo_folder(folder)
        no_access(folder / "cat" / "0.jpg")
        prepare(source="directory", archive=folder)
        return False, "an unreadable photo was skipped without a word"

    probe("folder/unreadable-photo")(unreadable_photo)

    def changed_same_stamp(ctx):
        folder = ctx.tmp / "photos"
        photo_folder(folder)
        prepare(source="directory", archive=folder)
        first = folder / "cat" / "0.jpg"
        st = first.stat()
        new = jpeg("cat", 0)
        other = jpeg("cat", 77)
        if len(other) != len(new):
            other = (
                other[: len(new)]
                if len(other) > len(new)
                else other + b"\0" * (len(new) - len(other))
            )
        first.write_bytes(other)
        os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
        again = Path(prepare(source="directory", archive=folder))
        used = (again / "train" / "cat").iterdir().__next__().read_bytes()
        return used == other, "the changed photo is used" if used == other else "stale subset"

    probe("folder/photo-changed-same-size-and-mtime")(changed_same_stamp)

    def new_photo_added(ctx):
        folder = ctx.tmp / "photos"
        photo_folder(folder)
        prepare(source="directory", archive=folder)
        data = jpeg("cat", 99, size=24)
        (folder / "cat" / "0.jpg").unlink()
        (folder / "cat" / "0.jpg").write_bytes(data)
        again = Path(prepare(source="directory", archive=folder))
        used = next((again / "train" / "cat").iterdir()).read_bytes()
        return used == data, "new first photo used" if used == data else "stale subset"

    probe("folder/first-photo-replaced")(new_photo_added)


# --- The prepared folder ----------------------------------------------------------------------


def _prepared(probe) -> None:
    def tamper(change, kind="sample"):
        def run(ctx):
            if kind == "sample":
                root = Path(prepare(source="sample", image_size=SMALL))
                reference = {p.relative_to(root): p.read_bytes() for p in root.rglob("*.jpg")}
            else:
                folder = ctx.tmp / "photos"
                photo_folder(folder)
                root = Path(prepare(source="directory", archive=folder))
                reference = {p.relative_to(root): p.read_bytes() for p in root.rglob("*.jpg")}
            change(root)
            if kind == "sample":
                again = Path(prepare(source="sample", image_size=SMALL))
            else:
                again = Path(prepare(source="directory", archive=ctx.tmp / "photos"))
            now = {}
            for path in again.rglob("*"):
                if path.is_symlink() or not path.is_file():
                    if path.is_symlink() or not path.is_dir():
                        return False, f"{path.relative_to(again)} is not a regular file"
                    continue
                if path.name in ("info.json", ".made_from.json", ".dlcv"):
                    continue
                now[path.relative_to(again)] = path.read_bytes()
            if now != reference:
                return False, "a tampered prepared folder was used as it is"
            return True, "made again, or verified"

        return run

    def first(root, split="train", kind="cat"):
        return sorted((root / split / kind).glob("*.jpg"))[0]

    def same_size_other_bytes(root):
        path = first(root)
        st = path.stat()
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF
        path.write_bytes(bytes(data))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def swap_cat_dog(root):
        cat, dog = first(root), first(root, kind="dog")
        c, d = cat.read_bytes(), dog.read_bytes()
        cat.write_bytes(d)
        dog.write_bytes(c)

    changes = {
        "photo-deleted": lambda root: first(root).unlink(),
        "photo-added": lambda root: (root / "train" / "cat" / "cat.999.jpg").write_bytes(
            jpeg("dog", 1)
        ),
        "file-in-subfolder": lambda root: _write(
            root / "train" / "cat" / "x" / "cat.5.jpg", jpeg("dog", 2)
        ),
        "photo-same-size-other-bytes": same_size_other_bytes,
        "cat-and-dog-swapped": swap_cat_dog,
        "photo-replaced-by-link": lambda root: (
            first(root).unlink(),
            _link(
                first(root, kind="dog").with_name("cat.0.jpg").parent.parent / "cat" / "cat.0.jpg",
                first(root, kind="dog"),
            ),
        )[-1],
        "photo-replaced-by-fifo": lambda root: (
            first(root).unlink(),
            fifo(root / "train" / "cat" / "cat.0.jpg"),
        ),
        "photo-replaced-by-folder": lambda root: (
            first(root).unlink(),
            _mkdir(root / "train" / "cat" / "cat.0.jpg"),
        ),
        "info-empty-dict": lambda root: (root / "info.json").write_text("{}"),
        "info-list": lambda root: (root / "info.json").write_text("[]"),
        "info-garbage": lambda root: (root / "info.json").write_bytes(b"\xff\x00"),
        "info-deleted": lambda root: (root / "info.json").unlink(),
        "info-counts-lie": lambda root: _edit_info(root, counts={"train": {"cat": 5, "dog": 5}}),
        "info-fingerprint-lie": lambda root: _edit_info(root, fingerprint="0" * 64),
        "info-is-folder": lambda root: ((root / "info.json").unlink(), _mkdir(root / "info.json")),
        "split-deleted": lambda root: __import__("shutil").rmtree(root / "validation"),
        "extra-class-folder": lambda root: _write(
            root / "train" / "bird" / "b.jpg", jpeg("cat", 3)
        ),
        "stray-file-at-top": lambda root: _write(root / "notes.txt", b"x"),
        "root-replaced-by-file": lambda root: (
            __import__("shutil").rmtree(root),
            _write(root, b"x"),
        ),
        "root-replaced-by-link": lambda root: (
            root.rename(root.with_name("moved")),
            root.symlink_to(root.with_name("moved")),
        ),
    }
    for name, change in changes.items():
        probe(f"prepared/sample/{name}")(tamper(change))
        probe(f"prepared/directory/{name}")(tamper(change, "directory"))

    def users_look_alike(ctx):
        from dlcv.data.cats_vs_dogs import prepare_cats_vs_dogs  # noqa: F401

        root = Path(prepare(source="sample", image_size=SMALL))
        name = root.name
        __import__("shutil").rmtree(root)
        mine = ctx.home / name
        _write(mine / "train" / "cat" / "my-thesis.txt", b"years of work")
        ctx.keep(mine)
        prepare(source="sample", image_size=SMALL)
        return False, "used or replaced the user's folder"

    probe("prepared/users-folder-with-a-prepared-name")(users_look_alike)


def _edit_info(root: Path, **changes) -> None:
    info = json.loads((root / "info.json").read_text())
    info.update(changes)
    (root / "info.json").write_text(json.dumps(info))


# --- Leftovers and the user's files in the data folder --------------------------------------


def _leftovers(probe) -> None:
    dead = 999_999_999
    look_alikes = {
        "hidden-like-staging": f".sample-p{dead}-abc",
        "hidden-like-staging-folder": f".kaggle-1-1-1-p{dead}-x/",
        "like-extract-part": f".extract-p{dead}-x.part",
        "like-pooch-temp": "tmpab12cd34",
        "like-npm-packages": ".npm-packages/",
        "like-discarded": f".sample-v1-p{dead}-discarded/",
        "dlcv-tmp-suffix-folder": f".photos-p{dead}-x.dlcv-tmp/",
        "train-zip-of-users": "train.zip",
        "ms-archive-of-users": "kagglecatsanddogs_5340.zip",
        "downloads-of-users": "downloads/",
        "dot-dlcv-file-in-users-folder": "mine/.dlcv",
    }
    for label, name in look_alikes.items():

        def run(ctx, name=name):
            path = ctx.home / name.rstrip("/")
            if name.endswith("/"):
                _write(path / "precious.txt", b"mine")
            else:
                _write(path, b"mine, not a zip")
            old = time.time() - 30 * 24 * 3600
            os.utime(path, (old, old))
            ctx.keep(path)
            with __import__("contextlib").suppress(Exception):
                prepare(source="sample", image_size=SMALL)
            return True, "left alone"

        probe(f"leftover/{label}")(run)

    def ms_with_url(ctx):
        mine = _write(
            ctx.home / "kagglecatsanddogs_5340.zip",
            zip_bytes(
                {
                    f"PetImages/{k}/{i}.jpg": jpeg(k.lower(), i)
                    for k in ("Cat", "Dog")
                    for i in range(3)
                }
            ),
        )
        ctx.keep(mine)
        payload = zip_bytes(
            {
                f"PetImages/{k}/{i}.jpg": jpeg(k.lower(), i + 10)
                for k in ("Cat", "Dog")
                for i in range(3)
            }
        )

        def send(handler):
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            if handler.command == "GET":
                handler.wfile.write(payload)

        url, stop = served({"/ms.zip": send})
        try:
            prepare(
                source="microsoft", url=url + "/ms.zip", sha256=hashlib.sha256(payload).hexdigest()
            )
        finally:
            stop()
        return True, "the user's archive stayed"

    probe("leftover/users-microsoft-archive-with-url-and-sha256")(ms_with_url)

    def data_dir_is_users_home(ctx):
        home = ctx.tmp / "h"
        for name in (".npm-packages/lib/x", ".config/y", "Documents/z"):
            _write(home / name, b"mine")
            ctx.keep(home / name.split("/")[0])
        with __import__("contextlib").suppress(Exception):
            prepare(source="sample", image_size=SMALL, data_dir=home)
        snapshot = sorted(p.name for p in home.iterdir())
        return snapshot == [".config", ".npm-packages", "Documents", "cats_vs_dogs"], str(snapshot)

    probe("leftover/data-dir-is-a-users-home")(data_dir_is_users_home)

    def file_as_data_dir(ctx):
        _write(ctx.tmp / "file", b"mine")
        ctx.keep(ctx.tmp / "file")
        return _refused(
            lambda c: prepare(source="sample", image_size=SMALL, data_dir=ctx.tmp / "file")
        )(ctx)

    probe("leftover/data-dir-is-a-file")(file_as_data_dir)

    def home_is_file(ctx):
        _write(ctx.tmp / "d" / "cats_vs_dogs", b"mine")
        ctx.keep(ctx.tmp / "d" / "cats_vs_dogs")
        return _refused(
            lambda c: prepare(source="sample", image_size=SMALL, data_dir=ctx.tmp / "d")
        )(ctx)

    probe("leftover/cats-vs-dogs-folder-is-a-file")(home_is_file)

    def other_users_folder(ctx):
        locked = _mkdir(ctx.tmp / "locked")
        no_access(locked)
        return _refused(
            lambda c: prepare(source="sample", image_size=SMALL, data_dir=locked / "d")
        )(ctx)

    probe("leftover/data-dir-under-a-0700-folder-of-another-user")(other_users_folder)

    def read_only_with_sample(ctx):
        if os.geteuid() == 0:
            raise Skip("permissions do not bind root")
        root = Path(prepare(source="sample", image_size=SMALL))
        ctx.home.chmod(0o555)
        try:
            return Path(prepare(source="sample", image_size=SMALL)) == root, "reused read-only"
        finally:
            ctx.home.chmod(0o755)

    probe("leftover/read-only-data-folder-still-loads")(read_only_with_sample)

    def interrupted(ctx):
        from dlcv.data import drawn

        real = drawn.write_sample

        def stop(*args, **kwargs):
            raise KeyboardInterrupt

        drawn.write_sample = stop
        try:
            prepare(source="sample", image_size=SMALL)
        except KeyboardInterrupt:
            pass
        finally:
            drawn.write_sample = real
        left = sorted(p.name for p in ctx.home.iterdir()) if ctx.home.exists() else []
        return left == [], f"left after Ctrl-C: {left}"

    probe("leftover/ctrl-c-leaves-nothing")(interrupted)


# --- Archives ------------------------------------------------------------------------------------


def _archives(probe) -> None:
    def from_zip(members, source="kaggle", expect=None, name="a.zip"):
        def run(ctx):
            archive = _write(
                ctx.tmp / name, zip_bytes(members) if isinstance(members, dict) else members
            )
            ctx.keep(archive)
            root = prepare(source=source, archive=archive)
            if expect is None:
                return False, "accepted"
            return subset_is(root, expect)

        return run

    cats_dogs = {k: {jpeg(k, i) for i in range(3)} for k in ("cat", "dog")}
    plain = train_members()
    probe("archive/kaggle-train-zip")(from_zip(plain, expect=cats_dogs))
    probe("archive/nested-train-zip")(from_zip({"train.zip": zip_bytes(plain)}, expect=cats_dogs))
    probe("archive/top-folder-with-cat-and-dog")(
        from_zip(
            {f"pets/{k}/{i}.jpg": jpeg(k, i) for k in ("cat", "dog") for i in range(3)},
            source="directory",
            expect=cats_dogs,
        )
    )
    probe("archive/member-a-colon-cat")(from_zip({**plain, "a:cat.jpg": b"x"}, expect=cats_dogs))
    for label, member in [
        ("absolute", "/etc/cat.0.jpg"),
        ("dotdot", "train/../../cat.0.jpg"),
        ("drive", "C:/cat.0.jpg"),
        ("backslash-dotdot", "..\\cat.0.jpg"),
    ]:
        probe(f"archive/unsafe-{label}")(from_zip({**plain, member: jpeg("cat", 5)}))
    probe("archive/5000-digit-member")(
        from_zip({**plain, "train/cat." + "9" * 5000 + ".jpg": jpeg("cat", 7)}, expect=cats_dogs)
    )
    probe("archive/nested-train-zip-corrupt")(from_zip({"train.zip": b"PK\x03\x04 garbage"}))
    probe("archive/only-cats")(from_zip({k: v for k, v in plain.items() if "cat." in k}))
    probe("archive/no-classes")(from_zip({"readme.txt": b"hi"}))
    probe("archive/duplicate-member")(from_zip(_duplicate(plain), expect=cats_dogs))
    probe("archive/truncated-zip")(from_zip(zip_bytes(plain)[:-30]))
    probe("archive/zip-with-trailing-garbage")(
        from_zip(zip_bytes(plain) + b"\0" * 100, expect=cats_dogs)
    )
    probe("archive/zip-prefixed-garbage")(
        from_zip(b"\0" * 100 + zip_bytes(plain), expect=cats_dogs)
    )
    probe("archive/all-photos-corrupt")(from_zip({k: b"not a jpeg" for k in plain}))
    probe("archive/symlink-member")(from_zip(_symlinked(plain)))

    def archive_is_users(ctx):
        archive = _write(ctx.tmp / "broken.zip", b"PK\x05\x06" + b"\0" * 10)
        try:
            prepare(source="kaggle", archive=archive)
        except Exception as error:  # noqa: BLE001
            if "elete it" in str(error):
                return False, f"tells the user to delete their own file: {str(error)[:150]}"
            raise
        return False, "accepted"

    probe("archive/users-broken-zip-message")(archive_is_users)

    def nested_message(ctx):
        archive = _write(ctx.tmp / "dogs-vs-cats.zip", zip_bytes({"train.zip": b"garbage" * 10}))
        try:
            prepare(source="kaggle", archive=archive)
        except Exception as error:  # noqa: BLE001
            if "nested-train" in str(error):
                return False, f"names a temporary file: {str(error)[:150]}"
            raise
        return False, "accepted"

    probe("archive/nested-error-names-the-archive")(nested_message)


def _duplicate(members):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive.writestr("train/cat.0.jpg", jpeg("cat", 0))
    return buffer.getvalue()


def _symlinked(members):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        info = zipfile.ZipInfo("train/cat.9.jpg")
        info.external_attr = (0o120777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


# --- URLs --------------------------------------------------------------------------------------


def _urls(probe) -> None:
    payload = zip_bytes(
        {f"PetImages/{k}/{i}.jpg": jpeg(k.lower(), i) for k in ("Cat", "Dog") for i in range(3)}
    )
    digest = hashlib.sha256(payload).hexdigest()

    def ok(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command == "GET":
            handler.wfile.write(payload)

    def cut(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command == "GET":
            handler.wfile.write(payload[: len(payload) // 2])
            handler.wfile.flush()
            handler.connection.shutdown(2)

    def redirect_file(handler):
        handler.send_response(302)
        handler.send_header("Location", "file:///etc/passwd")
        handler.end_headers()

    def redirect_loop(handler):
        handler.send_response(302)
        handler.send_header("Location", handler.path)
        handler.end_headers()

    def error_500(handler):
        handler.send_error(500)

    def html(handler):
        body = b"<html>login</html>"
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command == "GET":
            handler.wfile.write(body)

    routes = {
        "/ok.zip": ok,
        "/cut.zip": cut,
        "/file.zip": redirect_file,
        "/loop.zip": redirect_loop,
        "/500.zip": error_500,
        "/html.zip": html,
    }
    cases = {
        "served-archive": ("/ok.zip", digest, True),
        "cut-mid-body": ("/cut.zip", digest, False),
        "redirect-to-file": ("/file.zip", digest, False),
        "redirect-loop": ("/loop.zip", digest, False),
        "http-500": ("/500.zip", digest, False),
        "http-404": ("/nothing.zip", digest, False),
        "html-instead": ("/html.zip", digest, False),
        "wrong-sha256": ("/ok.zip", "0" * 64, False),
    }
    for label, (path, sha, good) in cases.items():

        def run(ctx, path=path, sha=sha, good=good, label=label):
            url, stop = served(routes)
            try:
                try:
                    root = prepare(source="microsoft", url=url + path, sha256=sha)
                except Exception as error:  # noqa: BLE001
                    text = str(error)
                    if (
                        label
                        in (
                            "cut-mid-body",
                            "redirect-to-file",
                            "redirect-loop",
                            "http-500",
                            "http-404",
                        )
                        and "not the expected one" in text
                    ):
                        return False, f"told as a wrong checksum: {text[:150]}"
                    raise
            finally:
                stop()
            if not good:
                return False, "accepted"
            return subset_is(root, {k: {jpeg(k, i) for i in range(3)} for k in ("cat", "dog")})

        probe(f"url/{label}")(run)

    def refused_port(ctx):
        server = __import__("socket").socket()
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.close()
        prepare(source="microsoft", url=f"http://127.0.0.1:{port}/x.zip", sha256=digest)
        return False, "accepted"

    probe("url/connection-refused")(refused_port)

    def disk_full(ctx):
        if not Path("/dev/full").exists():
            raise Skip("no /dev/full")
        from dlcv.data import fetch

        url, stop = served(routes)
        folder = _mkdir(ctx.tmp / "dl")
        real_open = open

        def full_open(path, mode="r", *args, **kwargs):
            if "w" in mode and str(path).startswith(str(folder)):
                return real_open("/dev/full", mode, *args, **kwargs)
            return real_open(path, mode, *args, **kwargs)

        import builtins

        builtins.open = full_open
        try:
            fetch.download(url + "/ok.zip", digest, folder, "ms.zip")
        except Exception as error:  # noqa: BLE001
            if "internet" in str(error) or "not the expected" in str(error):
                return False, f"a full disk told as: {str(error)[:150]}"
            raise
        finally:
            builtins.open = real_open
            stop()
        return False, "accepted"

    probe("url/full-disk")(disk_full)


# --- Kaggle credentials -------------------------------------------------------------------------


def _credentials(probe) -> None:
    for label, text in {
        "not-json": "{username",
        "a-list": "[]",
        "empty": "",
        "no-key": '{"username": "x"}',
        "numbers": '{"username": 1, "key": 2}',
        "binary": "\udcff",
    }.items():

        def run(ctx, text=text):
            folder = _mkdir(ctx.tmp / "kaggle")
            (folder / "kaggle.json").write_bytes(text.encode("utf-8", "surrogateescape"))
            prepare(source="kaggle")
            return False, "accepted"

        probe(f"kaggle-json/{label}")(run)

    def is_folder(ctx):
        _mkdir(ctx.tmp / "kaggle" / "kaggle.json")
        prepare(source="kaggle")
        return False, "accepted"

    probe("kaggle-json/is-a-folder")(is_folder)


# --- MNIST's cache -------------------------------------------------------------------------------


def _mnist(probe) -> None:
    def with_cache(make):
        def run(ctx):
            path = ctx.tmp / "keras" / "datasets" / "mnist.npz"
            make(path)
            data = _mnist_load(source="auto")
            ok = data.info["source"] == "sample" and "mnist.npz" in data.info.get("reason", "")
            return ok, f"source {data.info['source']}, reason {data.info.get('reason')!r}"

        return run

    probe("mnist/corrupt-cache-falls-back")(with_cache(lambda p: _write(p, b"garbage")))
    probe("mnist/empty-cache-falls-back")(with_cache(lambda p: _write(p, b"")))
    probe("mnist/truncated-npz-falls-back")(with_cache(lambda p: _write(p, b"PK\x03\x04" * 10)))

    def folder_cache(ctx):
        _mkdir(ctx.tmp / "keras" / "datasets" / "mnist.npz")
        data = _mnist_load(source="auto")
        return data.info["source"] == "sample", f"source {data.info['source']}"

    probe("mnist/cache-is-a-folder")(folder_cache)

    def full_corrupt(ctx):
        _write(ctx.tmp / "keras" / "datasets" / "mnist.npz", b"garbage")
        try:
            _mnist_load(source="full")
        except Exception as error:  # noqa: BLE001
            if "not in the Keras cache" in str(error):
                return False, f"a corrupt cache told as missing: {str(error)[:120]}"
            raise
        return False, "loaded garbage"

    probe("mnist/full-with-corrupt-cache")(full_corrupt)


# --- The command line -----------------------------------------------------------------------------


def _cli(probe) -> None:
    def cli(*args, setup=None, interrupt_after=None, expect_ok=False):
        def run(ctx):
            extra = setup(ctx) if setup else []
            status, err = dlcv_cli(ctx, *args, *extra, interrupt_after=interrupt_after)
            ok, detail = cli_verdict(status, err)
            return (ok if expect_ok else False), detail

        return run

    probe("cli/prepare-archive-fifo")(
        cli(
            "data",
            "prepare",
            "cats-vs-dogs",
            "--source",
            "kaggle",
            setup=lambda ctx: ["--archive", str(fifo(ctx.tmp / "p.zip"))],
        )
    )
    probe("cli/prepare-archive-dev-zero")(
        cli("data", "prepare", "cats-vs-dogs", "--source", "kaggle", "--archive", "/dev/zero")
    )
    probe("cli/prepare-sample")(
        cli(
            "data",
            "prepare",
            "cats-vs-dogs",
            "--source",
            "sample",
            "--counts",
            "1",
            "1",
            "1",
            "--image-size",
            "8",
            "8",
            expect_ok=True,
        )
    )
    probe("cli/prepare-bad-url")(
        cli("data", "prepare", "cats-vs-dogs", "--source", "microsoft", "--url", "http://[::1")
    )
    probe("cli/prepare-bad-sha")(
        cli("data", "prepare", "cats-vs-dogs", "--source", "microsoft", "--sha256", "xyz")
    )

    def dangling(ctx):
        _mkdir(ctx.home)
        (ctx.home / "gone").symlink_to(ctx.tmp / "nowhere")
        (ctx.home / ("x" * 250)).symlink_to(ctx.home / ("x" * 250))
        return []

    probe("cli/data-info-with-dangling-links")(cli("data", "info", setup=dangling, expect_ok=True))

    def tampered_info(ctx):
        root = Path(prepare(source="sample", image_size=SMALL))
        (root / "info.json").write_text("[]")
        return []

    probe("cli/data-info-with-a-list-info")(
        cli("data", "info", setup=tampered_info, expect_ok=True)
    )

    def ctrl_c(ctx):
        if os.environ.get("DLCV_HOSTILE_FAST"):
            raise Skip("slow")
        status, err = dlcv_cli(
            ctx,
            "data",
            "prepare",
            "cats-vs-dogs",
            "--source",
            "sample",
            "--counts",
            "300",
            "300",
            "300",
            "--image-size",
            "64",
            "64",
            interrupt_after=6.0,
        )
        if "Traceback" in err:
            raise RuntimeError(f"Ctrl-C printed a traceback: {err.strip().splitlines()[-1]}")
        left = (
            [p.name for p in ctx.home.iterdir() if p.name.startswith(".")]
            if ctx.home.exists()
            else []
        )
        return (not left), f"exit {status}, left {left}"

    probe("cli/ctrl-c-in-data-prepare")(ctrl_c)
