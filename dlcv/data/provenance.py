"""The provenance notes of the pages: which data a page used, and why; and, at the end of a page
that trains, where every run it used came from (machine, date, seconds, the published bundle)."""

from __future__ import annotations

import datetime
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlcv import folders
from dlcv.errors import ConfigError

MAX_RECORD_BYTES = 16 * 1024**2
"""The largest ``run.json`` or ``published.json`` a runs note reads (as the run cache,
``dlcv.runs.store.MAX_RECORD_BYTES``, which imports Keras)."""

if TYPE_CHECKING:
    from IPython.display import Markdown

_SOURCE_TEXT = {
    "full": "the full data set",
    "sample": "the offline sample",
}
_DATA_SET_TITLE = {"mnist": "MNIST", "cats_vs_dogs": "cats versus dogs"}


def provenance_note(info: dict, runs: Sequence[Any] = (), *, trains: bool = True) -> Markdown:
    """A MyST admonition saying which data a page used, for display in a page or notebook.

    Args:
        info: the ``info`` of a loaded data set.
        runs: the page's runs (:class:`dlcv.training.Run`), if it trains: the note then also
            says where they came from (:func:`runs_sentence`).
        trains: whether the page trains with the profile's epochs; the note of a page that
            does not (that trains nothing, or a fixed number of epochs) leaves epochs out.

    Returns:
        An ``IPython.display.Markdown`` object: an admonition titled "Data used on this page",
        styled as a note, or as important when the page runs on a sample instead of the full
        data. (``{note}`` and ``{important}`` take no title, so the generic ``{admonition}``
        carries the title and the class its style.)
    """
    from IPython.display import Markdown

    source = info["source"]
    kind = "note" if source != "sample" else "important"
    counts = ", ".join(f"{split}: {_count(n)}" for split, n in info["counts"].items())
    lines = [
        f"This page ran on **{_SOURCE_TEXT.get(source, source)}** of "
        f"{_DATA_SET_TITLE.get(info['name'], info['name'])} ({counts}).",
        f"Origin: {info['origin']}. License: {info['license']}.",
    ]
    if info.get("reason"):
        lines.append(f"Why: {info['reason']}.")
    if source == "sample" and info["name"] == "cats_vs_dogs":
        lines.append(
            "These are not photos, nor a sample of the photos: they are cartoon cats and dogs "
            "drawn by code, so the figures and numbers on this page show what the models do "
            "on those drawings, not what the book's photos give."
        )
    if source == "sample" and trains:
        lines.append(
            "Run as a notebook with the environment variable `DLCV_PROFILE=full` set, the page "
            "uses the full data (downloaded when missing) and the book's epochs; a GPU is "
            "recommended."
        )
    elif source == "sample":
        lines.append(
            "Run as a notebook with the environment variable `DLCV_PROFILE=full` set, the page "
            "uses the full data (downloaded when missing)."
        )
    if runs:
        lines.append(runs_sentence(runs))
    body = "\n\n".join(lines)
    return Markdown(f":::{{admonition}} Data used on this page\n:class: {kind}\n\n{body}\n:::\n")


def runs_note(runs: Sequence[Any]) -> Markdown:
    """A note saying where every run a page used came from, for display at the page's end.

    Args:
        runs: all the runs the page used (:class:`dlcv.training.Run`), as
            :func:`dlcv.experiments.runs_used` lists them after the page's last cell that trains.

    Returns:
        An ``IPython.display.Markdown`` admonition titled "Runs used on this page", holding
        :func:`runs_sentence`.

    Raises:
        ConfigError: if ``runs`` is empty (a page that trains nothing has no runs to account for).
    """
    from IPython.display import Markdown

    if not runs:
        raise ConfigError(
            "runs_note needs the runs the page used, and was given none: call it after the "
            "page's last cell that trains, with dlcv.experiments.runs_used()."
        )
    return Markdown(
        f":::{{admonition}} Runs used on this page\n:class: note\n\n{runs_sentence(runs)}\n:::\n"
    )


IMPORTS_FILE = "published.json"
"""In the run cache: the runs :mod:`dlcv.published` imported, by key, with their release."""


def runs_sentence(runs: Sequence[Any]) -> str:
    """Where a page's runs came from, from their records in the run cache: the machines they
    were trained on, the dates, the seconds of training, and the published bundle (release)
    they were imported from, if any. A run kept from the training of another run of the page
    (its record's ``trained_with``) is that training: its seconds are counted once.

    Args:
        runs: objects with ``path`` (the run's folder), ``seconds`` and ``from_cache``, such as
            :class:`dlcv.training.Run`.

    Returns:
        One or two sentences of Markdown.
    """
    records = [_record(run) for run in runs]
    keys = [Path(getattr(run, "path", "")).name.rpartition("-")[2] for run in runs]
    kept_from = {key: record["trained_with"] for key, record in zip(keys, records, strict=True)}
    # a run kept from the training of another run of the page, one that was trained itself
    kept = {
        key for key, trainer in kept_from.items()
        if trainer in kept_from and trainer != key and kept_from[trainer] not in kept_from
    }
    trainings = [run for run, key in zip(runs, keys, strict=True) if key not in kept]
    seconds = sum(float(getattr(run, "seconds", 0.0) or 0.0) for run in trainings)
    trained_here = sum(1 for run in runs if not getattr(run, "from_cache", True))
    trainings_here = sum(1 for run in trainings if not getattr(run, "from_cache", True))
    machines = sorted({r["machine"] for r in records if r.get("machine")})
    dates = sorted({_date(r["created"]) for r in records if _is_number(r.get("created"))})
    count = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
    if len(trainings) < len(runs):
        count += f" (from {len(trainings)} training{'s' if len(trainings) != 1 else ''})"
    when = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}" if dates else "-"
    if machines:
        where = "on " + "; ".join(f"`{m}`" for m in machines)
    elif trained_here == len(runs):
        where = f"on this machine (`{_this_machine()}`)"
    else:
        where = "on a machine the records do not name"
    verb = "was" if len(runs) == 1 else "were"
    text = f"This page's {count} {verb} trained {where}, {when}, in {seconds:,.0f} s of training"
    text += " in all"
    if trained_here and trained_here < len(runs):
        if len(trainings) < len(runs):  # "of them" would count runs kept from a training
            text += f" ({trainings_here} of these trainings took place as this page ran)"
        else:
            was = "was" if trained_here == 1 else "were"
            text += f" ({trained_here} of them {was} trained as this page ran)"
    releases = sorted({r["release"] for r in records if r.get("release")})
    if releases:
        text += (
            "; they were imported from the published bundle "
            + ", ".join(f"`{release}`" for release in releases)
        )
    return text + "."


def _record(run: Any) -> dict:
    path = Path(getattr(run, "path", ""))
    try:  # a FIFO or a giant file in its place must not hang the page
        record = json.loads(folders.read_small_file(path / "run.json", MAX_RECORD_BYTES))
    except (OSError, ValueError):
        record = {}
    record = record if isinstance(record, dict) else {}
    machine = record.get("machine")
    if isinstance(machine, dict):  # the form of a bundle's manifest
        machine = ", ".join(str(v) for v in machine.values())
    key = path.name.rpartition("-")[2]
    imported = _imports(path.parent).get(key, {})
    trained_with = record.get("trained_with")
    return {
        "created": record.get("created"),
        "machine": machine if isinstance(machine, str) else None,
        "release": imported.get("release") if isinstance(imported, dict) else None,
        "trained_with": trained_with if isinstance(trained_with, str) else None,
    }


def _imports(cache: Path) -> dict:
    try:
        imports = json.loads(folders.read_small_file(cache / IMPORTS_FILE, MAX_RECORD_BYTES))
    except (OSError, ValueError):
        return {}
    return imports if isinstance(imports, dict) else {}


def _this_machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs"


def _date(created: float) -> str:
    return datetime.datetime.fromtimestamp(created, tz=datetime.UTC).date().isoformat()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e11


def _count(n) -> str:
    if isinstance(n, dict):
        return " + ".join(f"{v:,} {k}" for k, v in n.items())
    return f"{n:,}"
