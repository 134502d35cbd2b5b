"""The runs an edition needs, as data: found by calling its experiments with a recorder in place
of training, so that the plan is, by construction, the set of runs those calls request.

    with recording() as requested:
        experiments.train_mnist(profile=profile)   # records its run; trains nothing
    requested[0].key, requested[0].epochs

:func:`make_plan` does this for a list of labelled calls; each :class:`PlannedRun` can then be
trained alone (``python -m dlcv train --key KEY``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

_RECORDER: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "dlcv_runs_recorder", default=None
)


@dataclass(frozen=True)
class PlannedRun:
    """A run an experiment requests, not trained.

    Attributes:
        key: the run's key in the cache.
        name: the run's name (its cache entry is ``<name>-<key>``).
        config: what keys it (as :func:`dlcv.runs.run` stores it).
        experiment: the label of the experiment (the call) that requests it.
        variant: what tells it from the experiment's other runs (its name).
        seed: its training seed.
        epochs: its number of epochs.
        estimated_seconds: its training time, estimated from a measured rate; 0 for a run
            that the training of a run planned before it stores (``stored_with``).
        train: trains (or loads) exactly this run.
        also_stores: the keys of the runs its training stores too (the same training's best
            epochs by other criteria: ``also_keep`` of :func:`dlcv.runs.run`).
        stored_with: the key of the run planned before it whose training stores it, if any.
    """

    key: str
    name: str
    config: dict = field(repr=False)
    experiment: str = ""
    variant: str = ""
    seed: int = 0
    epochs: int = 0
    estimated_seconds: float = 0.0
    train: Callable = field(default=None, repr=False, compare=False)
    also_stores: tuple[str, ...] = ()
    stored_with: str = ""

    def as_dict(self) -> dict:
        """The JSON row of ``dlcv runs plan --json``."""
        return {
            "key": self.key, "experiment": self.experiment, "variant": self.variant,
            "seed": self.seed, "epochs": self.epochs,
            "estimated_seconds": round(self.estimated_seconds, 1),
            "stored_with": self.stored_with or None,
        }


def recorder() -> list | None:
    """The list :func:`dlcv.runs.run` records into instead of training, if any."""
    return _RECORDER.get()


@contextlib.contextmanager
def recording() -> Iterator[list[PlannedRun]]:
    """Within it, :func:`dlcv.runs.run` records each run it is asked for and returns the
    :class:`PlannedRun`, loading and training nothing."""
    requested: list[PlannedRun] = []
    token = _RECORDER.set(requested)
    try:
        yield requested
    finally:
        _RECORDER.reset(token)


def estimate_seconds(config: dict, images_per_second: dict[str, float]) -> float:
    """A run's training time: its epochs times its training images, over the measured rate of
    its data set (``images_per_second`` by data set name; 0 when there is none)."""
    data = config.get("data", {})
    rate = images_per_second.get(data.get("name"), 0.0)
    train = data.get("counts", {}).get("train", 0)
    images = sum(train.values()) if isinstance(train, dict) else train
    return config["fit"]["epochs"] * images / rate if rate else 0.0


def make_plan(
    calls: Sequence[tuple[str, Callable[[], object]]], images_per_second: dict[str, float]
) -> list[PlannedRun]:
    """The distinct runs requested by ``calls`` (``(experiment label, call)`` pairs), in the
    order first requested.

    Args:
        calls: the experiments' calls, as a page makes them.
        images_per_second: measured training rates by data set name, for the estimates.
    """
    planned: dict[str, PlannedRun] = {}
    stored_with: dict[str, str] = {}  # key -> the key of the planned run whose training stores it
    for experiment, call in calls:
        with recording() as requested:
            call()
        for run in requested:
            if run.key not in planned:
                planned[run.key] = PlannedRun(
                    key=run.key, name=run.name, config=run.config, experiment=experiment,
                    variant=run.name, seed=run.config["seed"],
                    epochs=run.config["fit"]["epochs"],
                    estimated_seconds=(
                        0.0 if run.key in stored_with
                        else estimate_seconds(run.config, images_per_second)
                    ),
                    train=run.train, also_stores=run.also_stores,
                    stored_with=stored_with.get(run.key, ""),
                )
                if run.key not in stored_with:  # a training: it stores its also_stores
                    for other in run.also_stores:
                        stored_with.setdefault(other, run.key)
    return list(planned.values())
