"""Load or train: :func:`run` returns the cached run of a configuration, or trains and stores it."""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from dlcv import folders, hardware, settings, training
from dlcv.errors import ConfigError, MissingRunError, RunCacheError
from dlcv.runs import plan
from dlcv.runs.key import entry_name, run_config, run_key, training_source_hash
from dlcv.runs.store import (
    HISTORY_FILE,
    MODEL_FILE,
    RECORD_FILE,
    InvalidRecordError,
    cache_root,
    file_sha256,
    read_record,
    writable_cache,
)

MAX_MODEL_BYTES = 2 * 1024**3
"""The largest ``model.keras`` loaded (the largest a bundle may carry, too)."""


class RunCacheWarning(UserWarning):
    """A cached run could not be loaded and is trained again."""


@dataclass
class Run:
    """The result of :func:`run`.

    Attributes:
        model: the trained model, holding the weights of its best epoch.
        history: per-epoch metrics of training, as ``keras.callbacks.History.history``.
        metrics: the best model's metrics on the test set, e.g. ``{"loss": .., "accuracy": ..}``.
        seconds: how long training took when the run was made (also when loaded from cache).
        best_epoch: the 1-based epoch whose weights the model holds.
        from_cache: whether the run was loaded instead of trained.
        config: what keyed the run (builder, arguments, training settings, data, seed, ...).
        path: the run's folder in the cache.
    """

    model: keras.Model
    history: dict[str, list[float]]
    metrics: dict[str, float]
    seconds: float
    best_epoch: int
    from_cache: bool
    config: dict = field(repr=False)
    path: Path = field(repr=False)

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(next(iter(self.history.values())))

    @property
    def key(self) -> str:
        """The run's key (the hash of its ``config``)."""
        return run_key(self.config)


def run(
    build_model: Callable[..., keras.Model],
    data: Any,
    *,
    epochs: int,
    model_kwargs: dict | None = None,
    optimizer: str = "rmsprop",
    learning_rate: float | None = None,
    loss: str = "sparse_categorical_crossentropy",
    metrics: Sequence[str] = ("accuracy",),
    monitor: str | None = "val_loss",
    mode: str = "auto",
    seed: int = settings.SEED,
    name: str | None = None,
    force: bool = False,
    train: bool = True,
    verbose: int | str = 0,
    cache_dir: str | Path | None = None,
    precision: str = "auto",
    strategy: tf.distribute.Strategy | None = None,
    profile: str | None = None,
    also_keep: dict[str, str] | None = None,
) -> Run:
    """Trains ``build_model(**model_kwargs)`` on ``data``, or loads the identical cached run.

    The run is keyed by everything that decides it (:mod:`dlcv.runs.key`); the same call later
    loads it in seconds. A cached entry that is damaged (its files unreadable, its record of
    other fields or types) is trained again, with a :class:`RunCacheWarning`.

    Args:
        build_model: a function returning an uncompiled Keras model, e.g.
            :func:`dlcv.models.mnist_convnet`.
        data: a data set of :mod:`dlcv.data`: ``train``, ``validation`` and ``test``
            ``tf.data`` pipelines of ``(inputs, labels)`` batches, and ``info``. Its batches
            are global: a ``strategy`` splits each among its replicas. ``info`` (all but where
            the data lies and why it was chosen) is part of the run's key.
        epochs: number of epochs, from 1 to :data:`dlcv.validate.MAX_EPOCHS` (10,000).
        model_kwargs: keyword arguments of ``build_model``.
        optimizer: the optimizer's Keras name.
        learning_rate: the optimizer's learning rate (finite, above 0); ``None`` for Keras'
            default.
        loss: the loss's Keras name.
        metrics: metric names compiled into the model.
        monitor: the quantity whose best value picks the epoch whose weights a checkpoint
            keeps (the book's ``ModelCheckpoint(save_best_only=True)``); ``None`` keeps the
            weights of the last epoch.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (see :func:`dlcv.training.resolve_mode`).
        seed: the random seed, from 0 to 2**32 - 1.
        name: a readable name for the cache entry; defaults to the builder's name.
        force: train even when a cached run exists, and replace it.
        train: ``False`` only loads: a run that is not in the cache raises
            :class:`~dlcv.errors.RunCacheError` instead of training. With
            ``DLCV_TRAINING=forbid`` in the environment every call behaves so, and raises
            :class:`~dlcv.errors.MissingRunError`.
        verbose: Keras' ``verbose`` for ``fit``.
        cache_dir: the run cache; defaults to ``dlcv.settings.cache_dir()``.
        precision: ``"float32"``, ``"mixed_float16"``, ``"mixed_bfloat16"``, or ``"auto"`` for
            :func:`dlcv.hardware.precision_policy`. A mixed policy joins the run's key.
        strategy: a ``tf.distribute`` strategy to train with; its kind and number of replicas
            join the run's key.
        profile: the name of the profile the run belongs to, recorded with it for
            ``dlcv runs`` (not part of its key: the profile's settings are its arguments).
        also_keep: other checkpoint criteria for the same training, as ``{monitor: name}``.
            A checkpoint watches training without changing it, so the run that the same call
            with ``monitor=monitor, name=name`` (and the ``"auto"`` mode) asks for is this
            training's best epoch by that monitor: when training, it is stored too, under its
            own key, unless the cache holds it already. Not part of the key.

    Returns:
        A :class:`Run`.

    Raises:
        ConfigError: if an argument is invalid (checked before anything is trained).
        RunCacheError: if the run cache cannot be written, or the run is not cached and
            training is not allowed.
        TrainingDivergedError: if the loss became NaN (nothing is cached).

    Example (not run here: it trains)::

        mnist = dlcv.data.load_mnist(batch_size=64)
        result = run(dlcv.models.mnist_convnet, mnist, epochs=5)
        result.metrics["accuracy"]
    """
    # getattr_static: looking must not build a pipeline (a data set's train is a property that
    # makes a fresh one, which costs seconds when a plan checks every run).
    missing = object()
    needed = ("train", "validation", "test", "info")
    if any(inspect.getattr_static(data, name, missing) is missing for name in needed):
        raise ConfigError(
            f"run() cannot train on a {type(data).__name__}: pass a data set from dlcv.data "
            "(train, validation and test pipelines, and info)."
        )
    _check_run_arguments(build_model, data, model_kwargs, metrics, name, profile, cache_dir)
    also_keep = _checked_also_keep(also_keep, monitor)
    for checked_monitor in (monitor, *also_keep):
        training.check_arguments(
            epochs=epochs, optimizer=optimizer, learning_rate=learning_rate, loss=loss,
            metrics=metrics, monitor=checked_monitor, seed=seed,
        )
    # NumPy numbers (np.int64(3)) are accepted, and keyed as the Python numbers they equal
    epochs, seed = int(epochs), int(seed)
    learning_rate = None if learning_rate is None else float(learning_rate)
    mode = training.resolve_mode(monitor, mode)
    policy = training.resolve_precision(precision)
    model_kwargs = dict(model_kwargs or {})
    fit = {"epochs": epochs, "optimizer": optimizer, "loss": loss, "metrics": list(metrics),
           "monitor": monitor, "mode": mode}
    if learning_rate is not None:
        fit["learning_rate"] = learning_rate
    def config_of(fit: dict, name: str | None) -> dict:
        return run_config(
            build_model,
            data.info,
            name=name,
            model_kwargs=model_kwargs,
            fit=fit,
            seed=seed,
            policy=policy,
            strategy=(
                {"kind": type(strategy).__name__, "replicas": strategy.num_replicas_in_sync}
                if strategy is not None else None
            ),
            training_source=training_source_hash(),
            versions={"tensorflow": tf.__version__, "keras": keras.__version__},
        )

    config = config_of(fit, name)
    also_configs = [
        config_of({**fit, "monitor": other, "mode": training.resolve_mode(other)}, other_name)
        for other, other_name in also_keep.items()
    ]
    requested = plan.recorder()
    if requested is not None:  # planning: record the run, train nothing
        arguments = {k: v for k, v in locals().items() if k in _RUN_ARGUMENTS}
        planned = plan.PlannedRun(
            key=run_key(config), name=config["name"], config=config,
            train=lambda **overrides: run(**{**arguments, **overrides}),
            also_stores=tuple(run_key(other) for other in also_configs),
        )
        requested.append(planned)
        return planned
    root = cache_root(cache_dir)  # a read-only shared cache still loads
    path = root / entry_name(config)
    _refuse_what_is_in_the_way(path)
    if not force and (path.exists() or path.is_symlink()):
        cached = load(path, config)
        if cached is not None:
            return cached
    if settings.training_forbidden():
        raise MissingRunError(
            f"The run {path.name} (key {run_key(config)}) is not in the run cache {root}, and "
            "training is forbidden (DLCV_TRAINING=forbid): import the runs of this edition "
            "(python -m dlcv runs import BUNDLE) or train it (python -m dlcv train --key "
            f"{run_key(config)})."
        )
    if not train:
        raise RunCacheError(
            f"The run {path.name} is not in the run cache {root}; train it first "
            "(python -m dlcv lessons, or build the book)."
        )
    if not training.has_batches(data.validation):
        raise ConfigError(
            "The validation data holds no batch: a run needs validation data to pick its best "
            "epoch. Give the data set a validation split."
        )
    writable_cache(cache_dir)
    model = training.build_and_compile(
        build_model, model_kwargs, optimizer=optimizer, learning_rate=learning_rate, loss=loss,
        metrics=metrics, precision=policy, strategy=strategy, seed=seed,
    )
    also_store = [
        (other, root / entry_name(other))
        for other in also_configs
        if _may_store(root / entry_name(other), replace=force)
    ]
    return _train_and_store(model, data, config, path, verbose, profile, also_store, force)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _check_run_arguments(
    build_model, data, model_kwargs, metrics, name, profile, cache_dir
) -> None:
    """Refuses, before anything is built, the arguments of :func:`run` that would otherwise
    fail deep inside (or name a cache entry outside the cache)."""
    if not callable(build_model) or not hasattr(build_model, "__name__"):
        raise ConfigError(
            f"build_model must be a function that builds a model, got {build_model!r}."
        )
    if not isinstance(data.info, dict):
        raise ConfigError(f"data.info must be a dict, got a {type(data.info).__name__}.")
    if model_kwargs is not None and not isinstance(model_kwargs, dict):
        raise ConfigError(f"model_kwargs must be a dict, got {model_kwargs!r}.")
    try:
        inspect.signature(build_model).bind(**(model_kwargs or {}))
    except TypeError as error:
        raise ConfigError(f"model_kwargs do not fit {build_model.__name__}(): {error}.") from None
    except ValueError:  # no signature to check (a builtin): building will tell
        pass
    if isinstance(metrics, str) or not isinstance(metrics, list | tuple):
        raise ConfigError(f"metrics must be a list of metric names, got {metrics!r}.")
    if name is not None and not (isinstance(name, str) and _NAME.fullmatch(name)):
        raise ConfigError(
            f"name {name!r} cannot name a run's folder: use up to 100 letters, digits, '_', "
            "'.' or '-', starting with a letter or digit."
        )
    if cache_dir is not None and not isinstance(cache_dir, str | os.PathLike):
        raise ConfigError(f"cache_dir must be a folder's path, got {cache_dir!r}.")
    if profile is not None and not isinstance(profile, str):
        raise ConfigError(f"profile must be a profile's name, got {profile!r}.")


_RUN_ARGUMENTS = (
    "build_model", "data", "epochs", "model_kwargs", "optimizer", "learning_rate", "loss",
    "metrics", "monitor", "mode", "seed", "name", "force", "train", "verbose", "cache_dir",
    "precision", "strategy", "profile", "also_keep",
)


def _checked_also_keep(also_keep, monitor: str | None) -> dict[str, str]:
    """``also_keep`` as a dict, or :class:`ConfigError` when it is not ``{monitor: name}`` of
    criteria other than ``monitor`` and names a run's folder can have."""
    if also_keep is None:
        return {}
    if not isinstance(also_keep, dict) or not all(
        isinstance(other, str) and isinstance(name, str) and _NAME.fullmatch(name)
        for other, name in also_keep.items()
    ):
        raise ConfigError(
            f"also_keep must map monitors to run names ({{'val_accuracy': 'my_run_by_acc'}}), "
            f"got {also_keep!r}."
        )
    if monitor is None or monitor in also_keep:
        raise ConfigError(
            f"also_keep keeps other criteria of a run that has one: monitor={monitor!r} with "
            f"also_keep={also_keep!r}."
        )
    return dict(also_keep)


def load(path: Path, config: dict) -> Run | None:
    """The run stored at ``path``, if it is a complete entry of ``config``; else ``None``, with
    a :class:`RunCacheWarning` saying what is wrong."""
    try:
        if path.is_symlink() or not folders.is_dlcvs(path):
            raise InvalidRecordError("it is not a folder dlcv made")
        record, history = read_record(path)
        if record["config"] != config:
            raise InvalidRecordError("the stored configuration differs from the requested one")
        model_status = (path / MODEL_FILE).stat()
        # a FIFO would hang loading, a giant (sparse) file hashing
        if not stat.S_ISREG(model_status.st_mode) or model_status.st_size > MAX_MODEL_BYTES:
            raise InvalidRecordError(f"{MODEL_FILE} is not a regular file of a model's size")
        if "model_sha256" in record and file_sha256(path / MODEL_FILE) != record["model_sha256"]:
            raise InvalidRecordError(f"{MODEL_FILE} is not the model this run saved")
        model = keras.saving.load_model(path / MODEL_FILE)
    except Exception as error:  # any damage to an entry means: train again
        warnings.warn(
            f"The cached run {path.name} is incomplete or corrupt ({error}); training it again.",
            RunCacheWarning,
            stacklevel=3,
        )
        return None
    return Run(
        model=model,
        history=history,
        metrics=record["metrics"],
        seconds=record["seconds"],
        best_epoch=record["best_epoch"],
        from_cache=True,
        config=config,
        path=path,
    )


def _train_and_store(
    model, data, config: dict, path: Path, verbose, profile, also_store=(), replace=False
) -> Run:
    """Trains in a staging folder and publishes it as the entry at ``path``; when another
    process published the run meanwhile (the rename loses the race), loads that one. Then
    publishes the same training's runs by the other criteria of ``also_store`` (``(config,
    path)`` pairs) where they may still be stored (:func:`_may_store`); one that cannot be is
    left out with a :class:`RunCacheWarning`: the run asked for is stored either way."""
    stagings = [folders.make_staging(path.parent, path.name)]
    try:
        stagings += [folders.make_staging(p.parent, p.name) for _, p in also_store]
        also_keep = [
            (other["fit"]["monitor"], other["fit"]["mode"], staging / MODEL_FILE)
            for (other, _), staging in zip(also_store, stagings[1:], strict=True)
        ]
        trained = training.fit_and_evaluate(
            model, data, config["fit"], stagings[0] / MODEL_FILE, verbose, also_keep
        )
        record = _write_entry(stagings[0], config, trained, profile)
        _replace(path, stagings[0])
    except BaseException as error:
        for staging in stagings:
            _discard(staging)
        if isinstance(error, OSError):
            return _the_winner_or_error(path, config, error)
        raise
    for (other, other_path), staging, other_trained in zip(
        also_store, stagings[1:], trained.also_kept, strict=True
    ):
        try:
            _write_entry(staging, other, other_trained, profile, trained_with=run_key(config))
            if _may_store(other_path, replace):  # again: another process may have stored it
                _replace(other_path, staging)
        except (OSError, RunCacheError) as error:
            warnings.warn(
                f"The run {other_path.name}, kept from the same training by "
                f"{other['fit']['monitor']}, could not be stored ({error}); the run asked for "
                "is stored, and that one is trained when it is asked for.",
                RunCacheWarning,
                stacklevel=3,
            )
        finally:
            _discard(staging)
    return Run(
        model=trained.model,
        history=trained.history,
        metrics=record["metrics"],
        seconds=trained.seconds,
        best_epoch=trained.best_epoch,
        from_cache=False,
        config=config,
        path=path,
    )


def _write_entry(
    staging: Path, config: dict, trained: training.Trained, profile, trained_with: str = ""
) -> dict:
    """Writes a trained run's history and record beside its model in ``staging``; returns the
    record. ``trained_with``: the key of the run whose training it was kept from, if another."""
    record = {
        "config": config,
        "key": run_key(config),
        "metrics": trained.metrics,
        "seconds": trained.seconds,
        "best_epoch": trained.best_epoch,
        "created": time.time(),
        "machine": hardware.machine_name(),
        "model_sha256": file_sha256(staging / MODEL_FILE),
    }
    if profile is not None:
        record["profile"] = profile
    if trained_with:
        record["trained_with"] = trained_with
    (staging / HISTORY_FILE).write_text(json.dumps(trained.history))
    (staging / RECORD_FILE).write_text(json.dumps(record, indent=1))
    return record


def _may_store(path: Path, replace: bool) -> bool:
    """Whether a run may be stored at ``path``: nothing is there, or (with ``replace``) an
    entry dlcv made."""
    if path.is_symlink() or not path.exists():
        return not path.is_symlink()
    return replace and folders.is_dlcvs(path)


def _refuse_what_is_in_the_way(path: Path) -> None:
    """Raises :class:`RunCacheError` if something dlcv did not make (a file, a link, a folder
    without the marker) sits on the run's name: checked before loading and before training."""
    if path.is_symlink() or (path.exists() and not folders.is_dlcvs(path)):
        raise RunCacheError(
            f"{path} is in the way of a run and was not made by dlcv: move it out of the run "
            "cache, then retry."
        )


def _replace(path: Path, staging: Path) -> None:
    """Publishes ``staging`` as ``path``, first removing a damaged entry dlcv made there."""
    _refuse_what_is_in_the_way(path)
    if path.exists():
        folders.remove(path)
    folders.publish(staging, path)


def _discard(staging: Path) -> None:
    if staging.exists():
        folders.remove(staging)


def _the_winner_or_error(path: Path, config: dict, error: OSError) -> Run:
    if (path / RECORD_FILE).exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunCacheWarning)
            winner = load(path, config)
        if winner is not None:
            return winner
    raise RunCacheError(
        f"The run {path.name} could not be stored in the run cache {path.parent} "
        f"({error.strerror or error}). Free some disk space or point DLCV_CACHE_DIR at "
        "another folder, then retry."
    ) from error
