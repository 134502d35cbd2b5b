"""Cats vs dogs: the book's subset of the Kaggle photos, or an offline sample drawn by code.

The book trains on 5,000 of the 25,000 photos of the Kaggle competition "Dogs vs. Cats":
1,000 training, 500 validation and 1,000 test images per class, copied by ``make_subset`` into

    <root>/train/cat/cat.0.jpg ... cat.999.jpg
    <root>/validation/cat/cat.1000.jpg ... cat.1499.jpg
    <root>/test/cat/cat.1500.jpg ... cat.2499.jpg      (and the same for dog)

:func:`prepare_cats_vs_dogs` builds that folder from any of the sources below, dropping corrupt
files first; :func:`load_cats_vs_dogs` turns it into ``tf.data`` pipelines.

==============  ===========================================================================
source          where the images come from
==============  ===========================================================================
``kaggle``      the competition archive: ``dogs-vs-cats.zip`` (holding ``train.zip``),
                ``train.zip`` or its extracted ``train/`` folder, found in the data folder
                or given as ``archive``; else downloaded with kagglehub (needs a Kaggle
                account that has accepted the competition's rules)
``microsoft``   Microsoft's public copy, ``kagglecatsanddogs_5340.zip`` (``PetImages/Cat/0.jpg``
                ...), downloaded and verified by SHA-256
``directory``   ``archive``: any folder of JPEGs sorted into ``cat``/``dog`` subfolders or
                named ``cat.*.jpg``/``dog.*.jpg``
``sample``      cartoon cats and dogs drawn by :mod:`dlcv.data.drawn`, offline
``auto``        a real source already on disk; else, with ``download=True``, a download;
                else the sample
==============  ===========================================================================
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from tqdm import tqdm

from dlcv import folders, settings
from dlcv.data import drawn
from dlcv.data.fetch import (
    download,
    extract_member,
    open_zip,
    read_member,
    remove_leftovers,
    shareable,
    temporary_prefix,
)
from dlcv.errors import ArchiveError, ConfigError, DataUnavailableError, DlcvError

if TYPE_CHECKING:  # TensorFlow loads on first use, not when dlcv.data is imported
    import tensorflow as tf

log = logging.getLogger("dlcv")

SOURCES = ("auto", "kaggle", "microsoft", "directory", "sample")
CLASS_NAMES = drawn.CLASS_NAMES
SPLITS = drawn.SPLITS
BOOK_COUNTS = (1000, 500, 1000)
"""Images per class in the book's train, validation and test splits."""
DROP_REASONS = ("empty", "not_image", "not_jfif", "undecodable")

MICROSOFT_URL = (
    "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
    "kagglecatsanddogs_5340.zip"
)
MICROSOFT_FILE = "kagglecatsanddogs_5340.zip"
MICROSOFT_SHA256 = "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9"
KAGGLE_COMPETITION = "dogs-vs-cats"
KAGGLE_RULES = "https://www.kaggle.com/competitions/dogs-vs-cats/rules"
KAGGLE_NAMES = ("dogs-vs-cats.zip", "train.zip", "train")

_ORIGIN = {
    "kaggle": "Kaggle competition Dogs vs. Cats (train.zip), https://www.kaggle.com/c/dogs-vs-cats",
    "microsoft": f"Microsoft Kaggle Cats and Dogs Dataset, {MICROSOFT_URL}",
    "directory": "a local folder of cat and dog photos",
}
_LICENSE = {
    "kaggle": f"Kaggle competition rules (non-commercial research use), {KAGGLE_RULES}",
    "microsoft": "Microsoft Research (Asirra, Petfinder.com photos); terms at "
    "https://www.microsoft.com/en-us/download/details.aspx?id=54765",
    "directory": "unknown (the owner's data)",
    "sample": "MIT (drawn by dlcv)",
}
_JPEG_SUFFIXES = (".jpg", ".jpeg")
MAX_PHOTO_BYTES = 64 * 1024**2
"""The largest file read as a photo: the competition's largest is under 1 MB. A larger one is
dropped as ``too_large`` (a key of ``dropped`` only when some were) without being read whole."""
_MADE_FROM = ".made_from.json"
"""In a prepared real-photo folder: the path, stamp and SHA-256 of what it was made from."""


@dataclass(frozen=True, repr=False)
class CatsVsDogsData:
    """The three splits as ``tf.data`` pipelines, and where they came from.

    Each pipeline yields ``(images, labels)`` batches: images ``float32`` of shape
    ``(batch, height, width, 3)`` with values in [0, 255], labels ``int32`` of shape
    ``(batch,)``, 0 for cat and 1 for dog. ``train`` is reshuffled every epoch;
    ``validation`` and ``test`` keep a fixed order.

    ``info`` is a JSON-serializable dict: ``name``, ``source``, ``counts`` (per split and
    class), ``dropped`` (corrupt files skipped, per reason), ``origin``, ``license``,
    ``fingerprint`` (SHA-256 of the prepared files), ``image_size``, ``path`` (the prepared
    folder) and, when ``source="auto"`` fell back to the sample, ``reason``.
    """

    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    info: dict

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{split}={sum(n.values()):,}" for split, n in self.info["counts"].items()
        )
        return f"CatsVsDogsData(source={self.info['source']!r}, {counts})"


def load_cats_vs_dogs(
    image_size: tuple[int, int] = (180, 180),
    batch_size: int = 32,
    source: str = "auto",
    *,
    data_dir: str | os.PathLike | None = None,
    archive: str | os.PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    counts: tuple[int, int, int] | None = None,
    sample_counts: tuple[int, int, int] | None = None,
    download: bool = False,
) -> CatsVsDogsData:
    """Loads the cats-vs-dogs subset as ``tf.data`` pipelines, preparing it first if needed.

    The images of each split are read by ``keras.utils.image_dataset_from_directory``,
    resized to ``image_size``, cached in memory (as ``uint8``) after the first epoch and
    prefetched, so reading them never slows training down.

    Args:
        image_size: ``(height, width)`` the images are resized to (and the size the sample
            is drawn at).
        batch_size: images per batch.
        source, data_dir, archive, url, sha256, counts, sample_counts, download: as for
            :func:`prepare_cats_vs_dogs`.

    Returns:
        A :class:`CatsVsDogsData` with ``train``, ``validation``, ``test`` and ``info``.

    Raises:
        ConfigError: if an argument has a value that cannot be used.
        DataUnavailableError, DownloadError, ArchiveError: as for :func:`prepare_cats_vs_dogs`.

    Example:
        >>> data = load_cats_vs_dogs(source="sample")
        >>> images, labels = next(iter(data.train))
        >>> images.shape, data.info["source"]
        (TensorShape([32, 180, 180, 3]), 'sample')
    """
    if not (_is_int(batch_size) and batch_size >= 1):
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}.")
    root, reason = _prepare(
        source, data_dir, archive, url, sha256, counts, sample_counts, image_size, download
    )
    info = json.loads((root / "info.json").read_text())
    info["image_size"] = list(image_size)
    info["batch_size"] = batch_size
    if reason:
        info["reason"] = reason
    info["path"] = str(root)
    splits = {
        split: _pipeline(root / split, image_size, batch_size, shuffle=split == "train")
        for split in SPLITS
    }
    return CatsVsDogsData(**splits, info=info)


def prepare_cats_vs_dogs(
    source: str = "auto",
    data_dir: str | os.PathLike | None = None,
    archive: str | os.PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    counts: tuple[int, int, int] | None = None,
    image_size: tuple[int, int] = (180, 180),
    sample_counts: tuple[int, int, int] | None = None,
    download: bool = False,
) -> Path:
    """Prepares the book's subset: ``<root>/{train,validation,test}/{cat,dog}/``.

    Corrupt files are dropped before the subset is made: empty files, files that are not
    JPEGs (``Thumbs.db``...), JPEGs without the JFIF marker (the keras.io check) and files
    TensorFlow cannot decode (truncated, for instance). The subset then takes the book's index
    ranges over the remaining images of each class, in the order of their file numbers: the
    first ``counts[0]`` for training, the next ``counts[1]`` for validation, the next
    ``counts[2]`` for test. Photos are checked in that order until enough are usable, so the
    dropped-file counts in ``info.json`` cover the photos examined, plus every non-JPEG file
    of the classes. The subset is built in a temporary folder and renamed into place, so an
    interrupted run leaves no half-made subset; a later call with the same arguments reuses it.
    ``<root>/info.json`` records its provenance, and for real photos ``made_from_sha256``, the
    SHA-256 of the archive (or of the folder's names and files) it was made from: a subset
    whose source changed since, or whose files no longer match ``info.json`` (photos deleted,
    ``info.json`` missing or truncated), is made again. The Microsoft archive is verified
    against its SHA-256, also when a copy is already on disk.

    Args:
        source: ``"auto"``, ``"kaggle"``, ``"microsoft"``, ``"directory"`` or ``"sample"``
            (see the module's documentation).
        data_dir: the folder data sets live in; defaults to :func:`dlcv.settings.data_dir`.
            Archives are looked for, and subsets built, in its ``cats_vs_dogs`` subfolder.
        archive: the Kaggle or Microsoft archive (or extracted folder) to use instead of
            looking for it; required for ``source="directory"``: the folder of photos.
        url: where to download the Microsoft archive from, if it has moved.
        sha256: the SHA-256 of the archive at ``url``.
        counts: images per class in the train, validation and test splits; defaults to the
            book's ``BOOK_COUNTS``, ``(1000, 500, 1000)``.
        image_size: ``(height, width)`` the sample is drawn at; real photos keep their size.
        sample_counts: ``counts`` for the drawn sample, when that is the source used (``auto``
            falls back to it); defaults to ``counts``.
        download: whether ``source="auto"`` may download the photos when none are on disk
            (the full profile does; the quick one builds offline).

    Returns:
        The prepared folder.

    Raises:
        ConfigError: if an argument has a value that cannot be used.
        DataUnavailableError: if the photos are not on disk and cannot be downloaded, or
            hold fewer usable images than ``counts`` needs.
        DownloadError: if a download fails or does not match its checksum.
        ArchiveError: if an archive is corrupt or unsafe to extract.
    """
    return _prepare(
        source, data_dir, archive, url, sha256, counts, sample_counts, image_size, download
    )[0]


def _prepare(
    source, data_dir, archive, url, sha256, counts, sample_counts, image_size, download
) -> tuple[Path, str | None]:
    """:func:`prepare_cats_vs_dogs`, also saying why ``auto`` chose the sample."""
    if source not in SOURCES:
        raise ConfigError(f"source must be one of {', '.join(SOURCES)}; got {source!r}.")
    _check_pair("image_size", image_size)
    _check_path("data_dir", data_dir)
    _check_path("archive", archive)
    for name, value in (("url", url), ("sha256", sha256)):
        if value is not None and not (isinstance(value, str) and value):
            raise ConfigError(f"{name} must be a non-empty string, got {value!r}.")
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise ConfigError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}.")
    for value in (counts, sample_counts):
        if value is not None:
            _check_counts(value)
    home = Path(data_dir).expanduser() if data_dir else settings.data_dir()
    home = home / "cats_vs_dogs"
    if source == "directory" and archive is None:
        raise ConfigError("source='directory' needs archive=<the folder of cat and dog photos>.")
    if source == "auto" and archive is not None:
        raise ConfigError(
            "archive= needs the source it comes from: 'kaggle', 'microsoft' or 'directory'."
        )

    remove_leftovers(home)
    reason = None
    if source == "auto":
        source, reason = _choose(home, url, sha256, counts, download)
        log.info(
            "cats vs dogs: using the %s data%s.", source, f" because {reason}" if reason else ""
        )
    if source == "sample":
        counts = sample_counts or counts or BOOK_COUNTS
        return _prepare_sample(home, tuple(counts), tuple(image_size)), reason
    counts = tuple(counts or BOOK_COUNTS)
    root = home / _subset_name(source, counts, archive)
    info = _intact_info(root)
    if info is not None and _current(root, info, source, home, archive, sha256):
        return root, reason
    _writable(home)
    location = _locate(source, home, archive, url, sha256)
    made_from = _made_from(location)
    expected = _expected_sha256(archive, sha256) if source == "microsoft" else None
    if expected and made_from["sha256"] != expected:
        raise ArchiveError(
            f"{location} has SHA-256 {made_from['sha256']}, not the expected {expected}: it is "
            "not the archive named. Pass the right archive, or its sha256."
        )

    def make(tmp: Path) -> dict:
        info = _make_subset(tmp, source, photos, counts)
        info["made_from_sha256"] = made_from["sha256"]
        (tmp / _MADE_FROM).write_text(json.dumps(made_from) + "\n")
        return info

    with contextlib.ExitStack() as open_archives:
        photos = _photos(location, home, open_archives)
        _build(root, make)
    return root, reason


def _choose(home: Path, url, sha256, counts, download: bool) -> tuple[str, str | None]:
    """The source ``auto`` resolves to: real photos on disk, a download, or the sample."""
    for source in ("kaggle", "microsoft"):
        prepared = (home / _subset_name(source, tuple(counts or BOOK_COUNTS), None)).exists()
        if prepared or _local_archive(source, home):
            return source, None
    if not download:
        return "sample", "the real photos are not on disk and downloading them is off"
    source = "kaggle" if _kaggle_credentials() else "microsoft"
    try:
        _locate(source, home, None, url, sha256)
        return source, None
    except DlcvError as error:
        warnings.warn(
            f"Using the drawn sample of cats and dogs instead of the photos: {error}", stacklevel=3
        )
        return "sample", "the real photos could not be downloaded"


# --- The drawn sample -----------------------------------------------------------------------


def _prepare_sample(home: Path, counts: tuple[int, int, int], image_size: tuple[int, int]) -> Path:
    seed = settings.SEED
    height, width = image_size
    size = f"{height}x{width}"
    root = home / f"sample-v{drawn.VERSION}-seed{seed}-{size}-{'-'.join(map(str, counts))}"
    if _intact_info(root) is not None:
        return root

    def make(tmp: Path) -> dict:
        drawn.write_sample(tmp, counts, image_size, seed)
        origin = f"drawn by dlcv.data.drawn (version {drawn.VERSION}, seed {seed}, {size} pixels)"
        return _info("sample", counts, dict.fromkeys(DROP_REASONS, 0), origin)

    _build(root, make)
    return root


# --- Real photos: finding them ----------------------------------------------------------------


@dataclass(frozen=True)
class _Photo:
    """A candidate photo: its name in the source, its sort key, and how to read it."""

    name: str
    key: tuple
    read: Callable[[], bytes]


@dataclass(frozen=True)
class _Photos:
    """The candidate photos of each class, sorted by file number, and the count of class files
    that are not JPEGs (``Thumbs.db``...)."""

    by_kind: dict[str, list[_Photo]]
    not_images: int


def _locate(source: str, home: Path, archive, url, sha256) -> Path:
    """The archive or folder holding the photos of ``source``; downloads it if needed."""
    if archive is not None:
        location = Path(archive).expanduser()
        if not location.exists():
            raise DataUnavailableError(
                f"{location} does not exist; pass the path of the archive or folder."
            )
        return location
    if source == "kaggle":
        return _local_archive(source, home) or _kaggle_download()
    # A local copy is verified too (pooch hashes it, and downloads it again if it differs).
    return download(url or MICROSOFT_URL, sha256 or MICROSOFT_SHA256, home, MICROSOFT_FILE)


def _expected_sha256(archive, sha256: str | None) -> str | None:
    """The SHA-256 the Microsoft archive must have: the one given, or for the archive
    dlcv downloads, the known one."""
    return sha256 or (MICROSOFT_SHA256 if archive is None else None)


def _photo_source(location: Path) -> Path:
    """The folder or archive the photos are read from: kagglehub's download folder holds the
    training photos as ``train.zip``."""
    if location.is_dir() and (location / "train.zip").is_file():
        return location / "train.zip"
    return location


def _made_from(location: Path) -> dict:
    """What a subset is made from: the source's path, a cheap stamp of it (sizes and times),
    and the SHA-256 of its content (an archive's bytes, or a folder's names and files)."""
    location = _photo_source(location)
    return {
        "path": str(location.resolve()),
        "stamp": _stamp(location),
        "sha256": _content_sha256(location),
    }


def _source_files(location: Path) -> list[Path]:
    try:
        return sorted(path for path in location.rglob("*") if path.is_file())
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot list the photos in {location} ({error.strerror or error}): check that the "
            "folder may be read."
        ) from error


def _stamp(location: Path) -> list:
    """Names, sizes and modification times: changes whenever the content may have changed."""
    try:
        if location.is_dir():
            return [
                [path.relative_to(location).as_posix(), (st := path.stat()).st_size,
                 st.st_mtime_ns]
                for path in _source_files(location)
            ]
        st = location.stat()
        return [[location.name, st.st_size, st.st_mtime_ns]]
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read {location} ({error.strerror or error}): check its permissions."
        ) from error


def _content_sha256(location: Path) -> str:
    digest = hashlib.sha256()
    files = _source_files(location) if location.is_dir() else [location]
    try:
        for path in files:
            if location.is_dir():
                digest.update(path.relative_to(location).as_posix().encode() + b"\0")
            with open(path, "rb") as stream:
                while chunk := stream.read(1024**2):
                    digest.update(chunk)
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read {path} ({error.strerror or error}): check its permissions."
        ) from error
    return digest.hexdigest()


def _current(root: Path, info: dict, source: str, home: Path, archive, sha256) -> bool:
    """Whether the intact subset ``root`` was made from the source a call names now.

    A subset whose source is no longer on disk stands (the photos may have been deleted to
    save space); one whose archive or folder changed, or that ``sha256`` does not describe,
    is made again.
    """
    made = info.get("made_from_sha256")
    expected = _expected_sha256(archive, sha256) if source == "microsoft" else None
    if expected and made != expected:
        return False
    location = Path(archive).expanduser() if archive is not None else _local_archive(source, home)
    if location is None:
        return True
    if not location.exists():
        return False  # _locate says what is missing
    location = _photo_source(location)
    try:
        recorded = json.loads((root / _MADE_FROM).read_text())
    except (OSError, ValueError):
        recorded = {}
    if (
        isinstance(recorded, dict)
        and recorded.get("sha256") == made
        and recorded.get("path") == str(location.resolve())
        and recorded.get("stamp") == _stamp(location)
    ):
        return True
    if made is None or _content_sha256(location) != made:
        log.info("cats vs dogs: %s changed since %s was made; making it again.", location, root)
        return False
    with contextlib.suppress(OSError):  # the same content, touched: remember the new stamp
        (root / _MADE_FROM).write_text(json.dumps(_made_from(location)) + "\n")
    return True


def _intact_info(root: Path) -> dict | None:
    """The info of a prepared folder whose files match it, or ``None`` when there is none.

    A folder that is damaged (``info.json`` missing or unreadable, photos missing or added)
    is removed, to be made again.
    """
    if not root.exists():
        return None
    try:
        info = json.loads((root / "info.json").read_text())
        intact = isinstance(info, dict) and all(
            sum(path.is_file() for path in (root / split / kind).glob("*.jpg"))
            == info["counts"][split][kind]
            for split in SPLITS
            for kind in CLASS_NAMES
        )
    except (OSError, ValueError, KeyError, TypeError):
        intact = False
    if intact:
        return info
    log.warning("cats vs dogs: %s is damaged (files differ from info.json); making it again.", root)
    _discard(root)
    return None


def _discard(root: Path) -> None:
    """Removes a prepared folder: renamed aside first, so no half-removed folder looks whole."""
    aside = root.parent / f"{temporary_prefix(root.name)}discarded"
    try:
        root.rename(aside)
    except FileNotFoundError:
        return
    except OSError as error:
        raise DataUnavailableError(
            f"The prepared folder {root} is damaged and cannot be removed "
            f"({error.strerror or error}): delete it yourself and retry."
        ) from error
    shutil.rmtree(aside, ignore_errors=True)


def _local_archive(source: str, home: Path) -> Path | None:
    names = KAGGLE_NAMES if source == "kaggle" else (MICROSOFT_FILE,)
    return next((home / name for name in names if (home / name).exists()), None)


def _photos(location: Path, home: Path, open_archives: contextlib.ExitStack) -> _Photos:
    """The candidate photos in a folder or zip archive (kept open in ``open_archives``)."""
    location = _photo_source(location)
    if location.is_dir():
        files = [
            (path.relative_to(location).as_posix(), partial(_read_file, path))
            for path in _source_files(location)
        ]
    else:
        archive = open_archives.enter_context(open_zip(location))
        if "train.zip" in archive.namelist():  # the competition archive nests the training photos
            # Extracted under a name of its own, never over a train.zip of the user's, and
            # removed once read.
            inner = home / f"{temporary_prefix('nested-train')}{id(open_archives):x}.zip"
            open_archives.callback(_remove, inner)
            extract_member(archive, "train.zip", inner)
            archive = open_archives.enter_context(open_zip(inner))
        # A name stored twice is read as unzip tools extract it: the last copy wins (each
        # photo must be in one split only).
        members = {member.filename.replace("\\", "/"): member for member in archive.infolist()}
        files = [
            (name, partial(_read_member, archive, member))
            for name, member in members.items()
            if not member.is_dir()
        ]
    by_kind = {kind: [] for kind in CLASS_NAMES}
    not_images = 0
    for name, read in files:
        kind = _kind(name)
        if kind is None:
            continue  # not in a class: sampleSubmission.csv, test1.zip...
        if not name.lower().endswith(_JPEG_SUFFIXES):
            not_images += 1
            continue
        by_kind[kind].append(_Photo(name, _natural_key(PurePosixPath(name).name), read))
    for photos in by_kind.values():
        photos.sort(key=lambda photo: photo.key)
    return _Photos(by_kind, not_images)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or ``None`` if it is larger than any photo (read no further)."""
    return read_member(archive, member, MAX_PHOTO_BYTES)


def _read_file(path: Path) -> bytes | None:
    """The file's bytes, or ``None`` if it is larger than any photo (read no further)."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_PHOTO_BYTES + 1)
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read the photo {path} ({error.strerror or error}). Make it readable, or "
            "move it out of the folder."
        ) from error
    return None if len(data) > MAX_PHOTO_BYTES else data


def _kind(name: str) -> str | None:
    """``"cat"`` or ``"dog"`` from a folder (``Cat/``, ``dogs/``) or a prefix (``cat.0.jpg``)."""
    *folders, filename = PurePosixPath(name.lower()).parts
    for kind in CLASS_NAMES:
        if filename.startswith(f"{kind}.") or kind in folders or f"{kind}s" in folders:
            return kind
    return None


def _natural_key(filename: str) -> tuple:
    """Sorts ``cat.2.jpg`` before ``cat.10.jpg``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", filename))


def _kaggle_download() -> Path:
    try:
        import kagglehub
        import requests
        from kagglehub.exceptions import KaggleApiHTTPError
    except ImportError as error:
        raise DataUnavailableError(
            "The Kaggle archive is not on disk and kagglehub is not installed. Install it "
            "(pip install kagglehub), or download dogs-vs-cats.zip from "
            "https://www.kaggle.com/c/dogs-vs-cats/data into the data folder, or use "
            "source='microsoft'."
        ) from error
    if not _kaggle_credentials():
        raise DataUnavailableError(
            "The Kaggle archive is not on disk and no Kaggle credentials were found. Create an "
            "API token on kaggle.com (Settings > API) and save it as ~/.kaggle/kaggle.json, "
            "or use source='microsoft' (no account needed)."
        )
    try:
        return Path(kagglehub.competition_download(KAGGLE_COMPETITION))
    except KaggleApiHTTPError as error:
        status = getattr(error.response, "status_code", None)
        if status in (401, 403):
            raise DataUnavailableError(
                f"Kaggle refused the download of {KAGGLE_COMPETITION!r} (HTTP {status}). Accept "
                f"the competition's rules with your account at {KAGGLE_RULES}, then retry."
            ) from error
        raise DataUnavailableError(f"The Kaggle download failed ({error}); retry later.") from error
    except (requests.RequestException, OSError) as error:  # offline, DNS, timeout, disk full
        raise DataUnavailableError(
            f"The Kaggle download failed ({type(error).__name__}: {error}). Check the internet "
            "connection and retry, or put dogs-vs-cats.zip in the data folder yourself, or use "
            "source='microsoft'."
        ) from error


def _kaggle_credentials() -> bool:
    try:
        from kagglehub.config import get_kaggle_credentials
    except ImportError:
        return False
    return get_kaggle_credentials() is not None


# --- Real photos: the subset ------------------------------------------------------------------


def _make_subset(root: Path, source: str, photos: _Photos, counts: tuple[int, int, int]) -> dict:
    """Writes the book's subset of the usable photos into ``root``; returns its info."""
    dropped = dict.fromkeys(DROP_REASONS, 0)
    dropped["not_image"] = photos.not_images
    needed = sum(counts)
    for kind in CLASS_NAMES:
        usable = []
        progress = tqdm(total=needed, desc=f"checking {kind} photos", unit="img", disable=None)
        for photo in photos.by_kind[kind]:
            if len(usable) == needed:
                break
            data = photo.read()
            problem = "too_large" if data is None else image_problem(data)
            if problem:
                dropped[problem] = dropped.get(problem, 0) + 1
                log.info("cats vs dogs: dropped %s (%s)", photo.name, problem)
            else:
                usable.append(data)
                progress.update()
        progress.close()
        if not photos.by_kind[kind]:
            raise DataUnavailableError(
                f"The {source} data holds no {kind} photos at all: no JPEG in a folder named "
                f"{kind} or {kind}s, nor named {kind}.*.jpg. It is not a data set of cats and "
                "dogs: check the archive or folder passed (or found in the data folder)."
            )
        if len(usable) < needed:
            reasons = ", ".join(
                f"{n:,} {reason}" for reason, n in dropped.items() if n and reason != "not_image"
            )
            raise DataUnavailableError(
                f"The {source} data holds only {len(usable):,} usable {kind} photos "
                f"(of {len(photos.by_kind[kind]):,} {kind} JPEGs; dropped so far: "
                f"{reasons or 'none'}; 'not_jfif' means no JFIF marker, as in camera photos "
                f"with only EXIF); counts={counts} needs {needed:,}. Pass smaller counts, or "
                "photos that are JFIF JPEGs."
            )
        start = 0
        for split, count in zip(SPLITS, counts, strict=True):
            folder = root / split / kind
            folder.mkdir(parents=True)
            for index in range(start, start + count):
                (folder / f"{kind}.{index}.jpg").write_bytes(usable[index])
            start += count
    return _info(source, counts, dropped, _ORIGIN[source])


def image_problem(data: bytes) -> str | None:
    """Why a file cannot be used as a photo, or ``None`` when it can.

    Args:
        data: the file's bytes.

    Returns:
        ``"empty"``, ``"not_jfif"`` (no JFIF marker in its first 10 bytes: the check of the
        keras.io example, which catches files that are not JPEGs) or ``"undecodable"``
        (TensorFlow cannot decode it, for instance because it is truncated); ``None`` if fine.
    """
    if not data:
        return "empty"
    if b"JFIF" not in data[:10]:
        return "not_jfif"
    import tensorflow as tf

    try:
        tf.io.decode_image(data, channels=3, expand_animations=False)
    except tf.errors.InvalidArgumentError:
        return "undecodable"
    return None


def _subset_name(source: str, counts: tuple[int, int, int], archive) -> str:
    name = f"{source}-{'-'.join(map(str, counts))}"
    if source == "directory":  # one subset per folder of photos
        folder = str(Path(archive).expanduser().resolve())
        name += "-" + hashlib.sha256(folder.encode()).hexdigest()[:8]
    return name


# --- Building a prepared folder ---------------------------------------------------------------


def _build(root: Path, make: Callable[[Path], dict]) -> None:
    """Fills a temporary folder with ``make`` and renames it to ``root`` once complete; an
    older ``root`` (stale) is replaced only then."""
    _writable(root.parent)
    tmp = Path(tempfile.mkdtemp(prefix=temporary_prefix(root.name), dir=root.parent))
    try:
        info = make(tmp)
        info["fingerprint"] = _fingerprint(tmp)
        (tmp / "info.json").write_text(json.dumps(info, indent=2) + "\n")
        shareable(tmp)
        _discard(root)
        try:
            tmp.rename(root)
        except OSError:
            if _intact_info(root) is None:  # not just another process that finished first
                raise
    except OSError as error:  # reading errors are DlcvErrors already: this is writing
        raise DataUnavailableError(
            f"Could not write the prepared folder {root} ({error.strerror or error}); the "
            "photos themselves are fine. Free some disk space (or point DLCV_DATA_DIR at "
            "another folder) and retry."
        ) from error
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _writable(home: Path) -> None:
    """Refuses a data folder that is a file, or one this user may not write to."""
    try:
        folders.writable_folder(home)
    except OSError as error:
        raise ConfigError(
            f"The data folder {home} cannot be written ({error.strerror or error}): it is a "
            "file, or not yours to write. Point DLCV_DATA_DIR (or data_dir=, --data-dir) at a "
            "folder you can write to."
        ) from error


def _info(source: str, counts, dropped: dict, origin: str) -> dict:
    return {
        "name": "cats_vs_dogs",
        "source": source,
        "counts": {
            split: dict.fromkeys(CLASS_NAMES, n) for split, n in zip(SPLITS, counts, strict=True)
        },
        "dropped": dropped,
        "origin": origin,
        "license": _LICENSE[source],
    }


def _fingerprint(root: Path) -> str:
    """SHA-256 over the names and contents of the prepared images: equal data, equal print."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.jpg")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


MAX_IMAGE_SIZE = 4096
"""The largest side ``image_size`` may have: one batch of 32 such images already takes 6 GiB."""
MAX_COUNT = 100_000
"""The most images per class and split: more than any source holds."""


def _check_pair(name: str, value) -> None:
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_int(v) and 0 < v <= MAX_IMAGE_SIZE for v in value)
    ):
        raise ConfigError(
            f"{name} must be (height, width) in integers from 1 to {MAX_IMAGE_SIZE}, got "
            f"{value!r}."
        )


def _check_counts(counts) -> None:
    if not (
        isinstance(counts, (tuple, list))
        and len(counts) == 3
        and all(_is_int(n) and 0 < n <= MAX_COUNT for n in counts)
    ):
        raise ConfigError(
            f"counts must be 3 positive integers, at most {MAX_COUNT:,} (train, validation, "
            f"test images per class), got {counts!r}."
        )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_path(name: str, value) -> None:
    if value is not None and not isinstance(value, str | os.PathLike):
        raise ConfigError(f"{name} must be a path (str or pathlib.Path), got {value!r}.")


# --- The pipelines ----------------------------------------------------------------------------


def _pipeline(folder: Path, image_size, batch_size: int, shuffle: bool):
    import keras
    import tensorflow as tf

    images = keras.utils.image_dataset_from_directory(
        folder,
        class_names=list(CLASS_NAMES),
        image_size=tuple(image_size),
        batch_size=None,
        shuffle=False,
        verbose=False,
    )
    # Cached as uint8, a quarter of the float32 memory; the resize's fractions are rounded off.
    images = images.map(lambda x, y: (tf.cast(tf.round(x), tf.uint8), y)).cache()
    if shuffle:
        images = images.shuffle(
            images.cardinality(), seed=settings.SEED, reshuffle_each_iteration=True
        )
    return (
        images.batch(batch_size)
        .map(lambda x, y: (tf.cast(x, tf.float32), y))
        .prefetch(tf.data.AUTOTUNE)
    )
