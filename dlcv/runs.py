"""The run cache as files: list the cached runs, describe one in a row, remove one.

Reading ``run.json`` files needs neither Keras nor TensorFlow, so ``python -m dlcv runs`` answers
at once; :mod:`dlcv.training` writes the entries (one folder per run, named ``<name>-<key>``,
its ``run.json`` written last, so its presence marks a complete entry).
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

from dlcv import settings
from dlcv.errors import ConfigError

RECORD_FILE = "run.json"  # as dlcv.training writes it
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def list_runs(cache_dir: str | Path | None = None) -> list[dict]:
    """The complete runs in the cache, newest first.

    Args:
        cache_dir: the run cache; default ``$DLCV_CACHE_DIR`` or ``~/.cache/dlcv/runs``.

    Returns:
        Each run's record as :mod:`dlcv.training` stored it (``config``, ``metrics``,
        ``best_epoch``, ``seconds``, ``created``), plus ``id`` (the folder's name, what
        :func:`remove_run` takes) and ``path``. Unreadable records are left out.
    """
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    records = []
    for record_file in root.glob(f"*/{RECORD_FILE}"):
        try:
            record = json.loads(record_file.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict):
            continue
        record["id"] = record_file.parent.name
        record["path"] = str(record_file.parent)
        records.append(record)
    return sorted(records, key=_created, reverse=True)


def _created(record: dict) -> float:
    created = record.get("created")
    return float(created) if isinstance(created, int | float) else 0.0


def describe(record: dict) -> dict:
    """What tells one run from another, as short strings: a row of ``dlcv runs``.

    Example:
        >>> row = describe({"config": {"name": "cats_vs_dogs", "seed": 3, "profile": "quick",
        ...     "model_kwargs": {"augmentation": {"name": "data_augmentation"}, "dropout": 0.5},
        ...     "data": {"source": "sample"}, "fit": {"epochs": 40}},
        ...     "id": "cats_vs_dogs-61f7dc6e62aa3d96", "best_epoch": 31,
        ...     "metrics": {"accuracy": 0.71}})
        >>> row["augment"], row["dropout"], row["seed"], row["test acc"]
        ('yes', '0.5', '3', '0.7100')
    """
    config = _mapping(record.get("config"))
    kwargs = _mapping(config.get("model_kwargs"))
    created = record.get("created")
    accuracy = _mapping(record.get("metrics")).get("accuracy")
    return {
        "id": str(record.get("id", "")),
        "created": (
            datetime.datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M")
            if isinstance(created, int | float) and 0 < created < 1e11
            else "-"
        ),
        "profile": str(config.get("profile", "-")),
        "data": str(_mapping(config.get("data")).get("source", "-")),
        "augment": ("yes" if kwargs["augmentation"] else "no") if "augmentation" in kwargs else "-",
        "dropout": str(kwargs["dropout"]) if "dropout" in kwargs else "-",
        "seed": str(config.get("seed", "-")),
        "epochs": str(_mapping(config.get("fit")).get("epochs", "-")),
        "best": str(record.get("best_epoch", "-")),
        "test acc": f"{accuracy:.4f}" if isinstance(accuracy, int | float) else "-",
    }


def _mapping(value) -> dict:
    """``value`` if it is a dict, else an empty one: a damaged ``run.json`` lists, with ``-``."""
    return value if isinstance(value, dict) else {}


def remove_run(run_id: str, cache_dir: str | Path | None = None) -> Path:
    """Deletes one cached run (its folder), so that the next request trains it again.

    Args:
        run_id: the run's folder name, the ``id`` column of ``dlcv runs``.
        cache_dir: the run cache; default ``$DLCV_CACHE_DIR`` or ``~/.cache/dlcv/runs``.

    Returns:
        The folder removed.

    Raises:
        ConfigError: if ``run_id`` is not the name of a run in the cache.
    """
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    path = root / run_id
    if not _RUN_ID.fullmatch(run_id) or not path.is_dir():
        raise ConfigError(
            f"No run {run_id!r} in {root}; `python -m dlcv runs` lists the ids of the runs."
        )
    shutil.rmtree(path)
    return path
