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

The package: :mod:`~dlcv.data.cats_vs_dogs.sources` finds the real photos (the four sources),
:mod:`~dlcv.data.cats_vs_dogs.subset` makes the book's subset of them,
:mod:`~dlcv.data.cats_vs_dogs.prepared` keeps the prepared folder's life cycle (on
:mod:`dlcv.folders`: staged, published whole, verified before reuse, removed only when dlcv made
it) and :mod:`~dlcv.data.cats_vs_dogs.pipeline` reads a split for ``fit``. This module holds the
public API.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os  # noqa: F401  (os.PathLike in the signatures)
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlcv import folders, settings, validate
from dlcv.data.cats_vs_dogs import prepared, sources, subset
from dlcv.data.cats_vs_dogs.pipeline import pipeline
from dlcv.data.cats_vs_dogs.sources import (
    KAGGLE_RULES,
    MAX_PHOTO_BYTES,
    MICROSOFT_FILE,
    MICROSOFT_SHA256,
    MICROSOFT_URL,
)
from dlcv.data.cats_vs_dogs.subset import CLASS_NAMES, DROP_REASONS, SPLITS, image_problem
from dlcv.errors import ArchiveError, ConfigError

if TYPE_CHECKING:  # TensorFlow loads on first use, not when dlcv.data is imported
    import tensorflow as tf

__all__ = [
    "BOOK_COUNTS",
    "CLASS_NAMES",
    "DROP_REASONS",
    "MAX_PHOTO_BYTES",
    "MICROSOFT_FILE",
    "MICROSOFT_SHA256",
    "MICROSOFT_URL",
    "SOURCES",
    "SPLITS",
    "CatsVsDogsData",
    "image_problem",
    "load_cats_vs_dogs",
    "pipeline",
    "prepare_cats_vs_dogs",
]

log = logging.getLogger("dlcv")

SOURCES = ("auto", "kaggle", "microsoft", "directory", "sample")
BOOK_COUNTS = (1000, 500, 1000)
"""Images per class in the book's train, validation and test splits."""

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


@dataclass(frozen=True, repr=False)
class CatsVsDogsData:
    """The three splits as ``tf.data`` pipelines, and where they came from.

    Each pipeline yields ``(images, labels)`` batches: images ``float32`` of shape
    ``(batch, height, width, 3)`` with values in [0, 255], labels ``int32`` of shape
    ``(batch,)``, 0 for cat and 1 for dog. ``train`` is reshuffled every epoch, and is a new
    pipeline at each access, whose order follows the random seed set when it is made: a run's
    data order depends on its seed alone, not on what read the data before it. ``validation``
    and ``test`` keep a fixed order.

    ``info`` is a JSON-serializable dict: ``name``, ``source``, ``counts`` (per split and
    class), ``dropped`` (corrupt files skipped, per reason), ``origin``, ``license``,
    ``fingerprint`` (SHA-256 of the prepared files), ``image_size``, ``path`` (the prepared
    folder) and, when ``source="auto"`` fell back to the sample, ``reason``.
    """

    validation: tf.data.Dataset
    test: tf.data.Dataset
    info: dict

    @property
    def train(self) -> tf.data.Dataset:
        """The training images in shuffled batches: a new pipeline at each access."""
        folder = Path(self.info["path"]) / "train"
        return pipeline(folder, self.info["image_size"], self.info["batch_size"], shuffle=True)

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
        >>> data = load_cats_vs_dogs((64, 64), 8, source="sample", sample_counts=(8, 4, 4))
        >>> images, labels = next(iter(data.train))
        >>> tuple(images.shape), data.info["source"]
        ((8, 64, 64, 3), 'sample')
    """
    batch_size = validate.positive_int(batch_size, "batch_size")
    root, reason = _prepare(
        source, data_dir, archive, url, sha256, counts, sample_counts, image_size, download
    )
    info = json.loads((root / prepared.INFO).read_text())
    info["image_size"] = list(image_size)
    info["batch_size"] = batch_size
    if reason:
        info["reason"] = reason
    info["path"] = str(root)
    return CatsVsDogsData(
        validation=pipeline(root / "validation", image_size, batch_size, shuffle=False),
        test=pipeline(root / "test", image_size, batch_size, shuffle=False),
        info=info,
    )


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
    validate.one_of(source, "source", SOURCES)
    image_size = validate.image_size(image_size)
    validate.optional_path(data_dir, "data_dir")
    validate.optional_path(archive, "archive")
    url = validate.download_url(url)
    sha256 = validate.sha256_hex(sha256)
    counts = validate.split_counts(counts) if counts is not None else None
    sample_counts = (
        validate.split_counts(sample_counts, "sample_counts") if sample_counts is not None else None
    )
    if not isinstance(download, bool):
        raise ConfigError(f"download={download!r} must be True or False.")
    if source == "directory" and archive is None:
        raise ConfigError("source='directory' needs archive=<the folder of cat and dog photos>.")
    if source == "auto" and archive is not None:
        raise ConfigError(
            "archive= needs the source it comes from: 'kaggle', 'microsoft' or 'directory'."
        )
    home = Path(data_dir).expanduser() if data_dir else settings.data_dir()
    home = home / "cats_vs_dogs"
    if sources.kind_of(home) not in ("missing", "folder"):
        prepared.writable(home)  # says what is wrong with it
    folders.remove_leftovers(home)
    reason = None
    if source == "auto":
        source, reason = sources.choose(
            home,
            url,
            sha256,
            lambda s: (
                sources.kind_of(home / prepared.subset_name(s, counts or BOOK_COUNTS, None))
                == "folder"
            ),
            download,
        )
        _say_once(f"cats vs dogs: using the {source} data"
                  + (f" because {reason}." if reason else "."))
    if source == "sample":
        counts = sample_counts or counts or BOOK_COUNTS
        return prepared.prepare_sample(home, counts, image_size, _LICENSE["sample"]), reason
    counts = counts or BOOK_COUNTS
    if archive is not None:
        sources.given_location(archive)  # a missing path, a loop of links or a FIFO: said now
    root = home / prepared.subset_name(source, counts, archive)
    expected = _expected_sha256(archive, sha256) if source == "microsoft" else None
    info = prepared.verified(root, counts)
    if info is not None:
        location = (
            sources.given_location(archive)
            if archive is not None
            else sources.local_archive(source, home)
        )
        if prepared.current(root, info, location, expected):
            return root, reason
    prepared.writable(home)
    location = sources.locate(source, home, archive, url, sha256)

    def make(staging: Path) -> dict:
        dropped = subset.make_subset(staging, source, photos, counts)
        info = prepared.info_record(source, counts, dropped, _ORIGIN[source], _LICENSE[source])
        info["made_from_sha256"] = made_from["sha256"]
        (staging / prepared.MADE_FROM).write_text(json.dumps(made_from) + "\n")
        return info

    with contextlib.ExitStack() as open_archives:
        photos = sources.find_photos(location, home, open_archives)  # refuses a non-archive fast
        made_from = sources.made_from(location)
        if expected and made_from["sha256"] != expected:
            raise ArchiveError(
                f"{location} has SHA-256 {made_from['sha256']}, not the expected {expected}: it "
                "is not the archive named, and was not used (nor changed). Pass the right "
                "archive or its sha256, or move that file away so that dlcv downloads its own "
                "copy."
            )
        prepared.build(root, make, counts)
    return root, reason


def _expected_sha256(archive, sha256: str | None) -> str | None:
    """The SHA-256 the Microsoft archive must have: the one given, or for the archive
    dlcv finds or downloads, the known one."""
    return sha256 or (MICROSOFT_SHA256 if archive is None else None)


_SAID: set[str] = set()
"""The choices of data already logged by this process."""


def _say_once(message: str) -> None:
    """Logs ``message`` at INFO the first time this process has it to say: a command that loads
    the data once per run (``python -m dlcv lessons``) says which data it uses once."""
    if message not in _SAID:
        _SAID.add(message)
        log.info(message)
