"""The run cache as files: where it is, what a valid entry holds, list, describe and remove.

Each run is a folder ``<name>-<key>`` that carries dlcv's marker (:mod:`dlcv.folders`) and
holds ``model.keras``, ``history.json`` and ``run.json``; it is written in a staging folder and
published by one rename, so an entry is complete or absent. Reading ``run.json`` files needs
neither Keras nor TensorFlow, so ``python -m dlcv runs`` answers at once.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import re
from pathlib import Path

from dlcv import folders, settings
from dlcv.errors import ConfigError, RunCacheError

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
RECORD_FILE = "run.json"
ENTRY_FILES = (MODEL_FILE, HISTORY_FILE, RECORD_FILE)
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_RECORD_BYTES = 16 * 1024**2
"""The largest ``run.json`` or ``history.json`` read (dlcv writes a few KiB)."""


class InvalidRecordError(ValueError):
    """A run's ``run.json`` or ``history.json`` does not hold what dlcv wrote."""


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The run cache folder: ``cache_dir``, else ``$DLCV_CACHE_DIR`` or ``~/.cache/dlcv/runs``."""
    return Path(cache_dir) if cache_dir else settings.cache_dir()


def writable_cache(cache_dir: str | Path | None = None) -> Path:
    """The run cache, created if needed and proven writable; leftovers of killed trainings in it
    (marked staging folders of processes that no longer run) are removed.

    Raises:
        RunCacheError: if the folder cannot be created or written to.
    """
    root = cache_root(cache_dir)
    try:
        folders.writable_folder(root)
    except OSError as error:
        cause = error.strerror or str(error)
        if os.path.lexists(root) and not root.is_dir():  # "File exists" says too little
            cause = "it is a link to nothing" if not root.exists() else "it is not a folder"
        raise RunCacheError(
            f"The run cache {root} is not writable ({cause}). "
            "Point DLCV_CACHE_DIR at a folder you can write to."
        ) from error
    folders.remove_leftovers(root)
    return root


def read_record(path: Path) -> tuple[dict, dict]:
    """The ``run.json`` record and the history of the entry at ``path``, checked.

    Returns:
        ``(record, history)``.

    Raises:
        OSError: if a file cannot be read.
        InvalidRecordError: if a file is not JSON, or lacks a field or has one of a wrong type.
    """
    record = read_json(path / RECORD_FILE)
    history = read_json(path / HISTORY_FILE)
    check_record(record)
    check_history(history, record["best_epoch"])
    return record, history


def read_json(path: Path):
    """The JSON value in ``path``, which must be a regular file of at most
    :data:`MAX_RECORD_BYTES` (a FIFO, a device or a giant file would hang the read).

    Raises:
        OSError: if the file cannot be read.
        InvalidRecordError: if it is not a regular file of a record's size, or not JSON.
    """
    try:
        data = folders.read_small_file(path, MAX_RECORD_BYTES)
    except ValueError as error:
        raise InvalidRecordError(str(error)) from error
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise InvalidRecordError(f"{path.name} is not JSON ({error})") from error


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a model may be hundreds of MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_record(record) -> None:
    """Raises :class:`InvalidRecordError` unless ``record`` has the fields and types of a
    ``run.json`` dlcv wrote."""
    if not isinstance(record, dict):
        raise InvalidRecordError("run.json is not an object")
    if not isinstance(record.get("config"), dict):
        raise InvalidRecordError("run.json has no config")
    metrics = record.get("metrics")
    if not (isinstance(metrics, dict) and metrics and all(
        isinstance(k, str) and _number(v) for k, v in metrics.items()
    )):
        raise InvalidRecordError("its metrics are not numbers by name")
    if not (_number(record.get("seconds")) and record["seconds"] >= 0):
        raise InvalidRecordError("its seconds are not a number")
    model_sha256 = record.get("model_sha256")  # absent in records of earlier dlcv versions
    if model_sha256 is not None and not (
        isinstance(model_sha256, str) and re.fullmatch(r"[0-9a-f]{64}", model_sha256)
    ):
        raise InvalidRecordError("its model_sha256 is not a SHA-256")
    best = record.get("best_epoch")
    if not (isinstance(best, int) and not isinstance(best, bool) and best >= 1):
        raise InvalidRecordError("its best_epoch is not a positive integer")


def check_history(history, best_epoch: int) -> None:
    """Raises :class:`InvalidRecordError` unless ``history`` maps metric names to lists of
    numbers of one length, at least ``best_epoch``, with a ``loss``."""
    if not (isinstance(history, dict) and "loss" in history):
        raise InvalidRecordError("history.json has no loss")
    lengths = set()
    for name, values in history.items():
        if not (isinstance(values, list) and all(_number(v) for v in values)):
            raise InvalidRecordError(f"history.json's {name!r} is not a list of numbers")
        lengths.add(len(values))
    if len(lengths) != 1 or lengths.pop() < best_epoch:
        raise InvalidRecordError("history.json's lists are empty, of unequal lengths, or short")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def list_runs(cache_dir: str | Path | None = None) -> list[dict]:
    """The complete runs in the cache, newest first.

    Args:
        cache_dir: the run cache; default ``$DLCV_CACHE_DIR`` or ``~/.cache/dlcv/runs``.

    Returns:
        Each run's record as stored (``config``, ``metrics``, ``best_epoch``, ``seconds``,
        ``created``), plus ``id`` (the folder's name, what :func:`remove_run` takes) and
        ``path``. Entries whose ``run.json`` cannot be read are left out. A cache folder that
        does not exist holds no runs.

    Raises:
        RunCacheError: if the cache folder exists but cannot be read.
    """
    root = cache_root(cache_dir)
    try:
        if not os.path.lexists(root):
            root.stat()  # a path under a file (ENOTDIR) or too long is an error, not "no runs"
        entries = sorted(root.iterdir()) if os.path.lexists(root) else []
    except FileNotFoundError:
        entries = []
    except OSError as error:
        raise RunCacheError(
            f"The run cache {root} cannot be read ({error.strerror or error}). Check its "
            "permissions, or point DLCV_CACHE_DIR at another folder."
        ) from error
    records = []
    for entry in entries:
        try:
            record = read_json(entry / RECORD_FILE)
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict):
            continue
        record["id"] = entry.name
        record["path"] = str(entry)
        records.append(record)
    return sorted(records, key=_created, reverse=True)


def _created(record: dict) -> float:
    created = record.get("created")
    return float(created) if _number(created) else 0.0


def describe(record: dict) -> dict:
    """What tells one run from another, as short strings: a row of ``dlcv runs``.

    Example:
        >>> row = describe({"config": {"name": "cats_vs_dogs", "seed": 3,
        ...     "model_kwargs": {"augmentation": {"name": "data_augmentation"}, "dropout": 0.5},
        ...     "data": {"source": "sample"}, "fit": {"epochs": 40}}, "profile": "quick",
        ...     "id": "cats_vs_dogs-61f7dc6e62aa3d96", "best_epoch": 31,
        ...     "metrics": {"accuracy": 0.71}})
        >>> row["augment"], row["dropout"], row["seed"], row["test acc"], row["profile"]
        ('yes', '0.5', '3', '0.7100', 'quick')
    """
    config = _mapping(record.get("config"))
    kwargs = _mapping(config.get("model_kwargs"))
    created = record.get("created")
    accuracy = _mapping(record.get("metrics")).get("accuracy")
    return {
        "id": str(record.get("id", "")),
        "created": (
            datetime.datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M")
            if _number(created) and 0 < created < 1e11
            else "-"
        ),
        "profile": str(record.get("profile", config.get("profile", "-"))),
        "data": str(_mapping(config.get("data")).get("source", "-")),
        "augment": ("yes" if kwargs["augmentation"] else "no") if "augmentation" in kwargs else "-",
        "dropout": str(kwargs["dropout"]) if "dropout" in kwargs else "-",
        "seed": str(config.get("seed", "-")),
        "epochs": str(_mapping(config.get("fit")).get("epochs", "-")),
        "best": str(record.get("best_epoch", "-")),
        "test acc": f"{accuracy:.4f}" if _number(accuracy) else "-",
    }


def _mapping(value) -> dict:
    """``value`` if it is a dict, else an empty one: a damaged ``run.json`` lists, with ``-``."""
    return value if isinstance(value, dict) else {}


def is_run_entry(path: Path) -> bool:
    """Whether ``path`` is a run entry dlcv made: a marked folder (no symbolic link) whose
    ``run.json`` is a valid record."""
    if not folders.is_dlcvs(path):
        return False
    try:
        check_record(read_json(path / RECORD_FILE))
    except (OSError, ValueError):
        return False
    return True


def remove_run(run_id: str, cache_dir: str | Path | None = None) -> Path:
    """Deletes one cached run (its folder), so that the next request trains it again.

    Only a run entry dlcv made is removed: a folder named like a run, carrying dlcv's marker,
    with a valid ``run.json``, and no symbolic link.

    Args:
        run_id: the run's folder name, the ``id`` column of ``dlcv runs``.
        cache_dir: the run cache; default ``$DLCV_CACHE_DIR`` or ``~/.cache/dlcv/runs``.

    Returns:
        The folder removed.

    Raises:
        ConfigError: if ``run_id`` is not the name of a run entry in the cache.
        RunCacheError: if the entry cannot be deleted (a read-only cache, say).
    """
    root = cache_root(cache_dir)
    if not (isinstance(run_id, str) and _RUN_ID.fullmatch(run_id)
            and is_run_entry(path := root / run_id)):
        raise ConfigError(
            f"No run {run_id!r} in {root} (a run is a folder dlcv made, with its run.json); "
            "`python -m dlcv runs` lists the ids of the runs."
        )
    try:
        folders.remove(path)
    except OSError as error:
        raise RunCacheError(
            f"The run {run_id} could not be removed from {root} ({error.strerror or error}): "
            "the run cache is read-only for you. Ask its owner, or point DLCV_CACHE_DIR at "
            "a folder of yours."
        ) from error
    return path
