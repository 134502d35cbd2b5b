"""Training with a run cache: train once, and load the identical run on every later build.

:func:`run` compiles and trains a model the way the book does (a checkpoint on the best
validation loss, the test set evaluated with that best model) and keeps the result in the run
cache (``dlcv.settings.cache_dir()``), keyed by everything that decides it: the builder's source
and arguments, the training settings, the data's provenance, the seed, the profile, the source of
the training loop itself and the versions of TensorFlow and Keras. The same call later loads the
run in seconds.

It trains in the precision the hardware does fastest (:func:`dlcv.hardware.precision_policy`)
and, given a ``tf.distribute`` strategy, on all of that strategy's devices.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from dlcv import hardware, settings
from dlcv.data.fetch import shareable
from dlcv.errors import ConfigError, RunCacheError
from dlcv.runs import RECORD_FILE, list_runs  # noqa: F401  (list_runs: part of this API)

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
# RECORD_FILE (run.json) is written last: its presence marks a complete entry. dlcv.runs lists
# and removes entries without importing TensorFlow.
STEPS_PER_EXECUTION = 4
"""Training steps run per call into TensorFlow: small models spend as long in Python between
steps as in the steps themselves. Results are the same; callbacks see every fourth batch."""


_NOT_DATA_IDENTITY = ("path", "reason")
"""Entries of a data set's ``info`` that say where it lies or why it was chosen, not what it is:
left out of a run's key, so the same data on another machine, or found in a cache instead of
downloaded, keys the same run."""


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
) -> Run:
    """Trains ``build_model(**model_kwargs)`` on ``data``, or loads the identical cached run.

    Args:
        build_model: a function returning an uncompiled Keras model, e.g.
            :func:`dlcv.models.mnist_convnet`.
        data: a data set of :mod:`dlcv.data`: ``train``, ``validation`` and ``test``
            ``tf.data`` pipelines of ``(inputs, labels)`` batches, and ``info``. Its batches
            are global: a ``strategy`` splits each among its replicas. ``info`` (all but where
            the data lies and why it was chosen) is part of the run's key.
        epochs: number of epochs.
        model_kwargs: keyword arguments of ``build_model``.
        optimizer: the optimizer's Keras name.
        learning_rate: the optimizer's learning rate; ``None`` for Keras' default.
        loss: the loss's Keras name.
        metrics: metric names compiled into the model.
        monitor: the quantity whose best value picks the epoch whose weights a checkpoint
            keeps (the book's ``ModelCheckpoint(save_best_only=True)``); ``None`` keeps the
            weights of the last epoch.
        mode: ``"min"`` or ``"max"``: whether the best ``monitor`` is its lowest or highest
            value; ``"auto"`` takes ``"max"`` for accuracies and AUCs, ``"min"`` otherwise.
        seed: the random seed (weights, augmentation, dropout; the data's own seed shuffles
            its pipelines).
        name: a readable name for the cache entry; defaults to the builder's name.
        force: train even when a cached run exists, and replace it.
        train: ``False`` only loads: a run that is not in the cache raises
            :class:`~dlcv.errors.RunCacheError` instead of training.
        verbose: Keras' ``verbose`` for ``fit`` (0 silent, 1 progress bar, 2 one line per epoch).
        cache_dir: the run cache; defaults to ``dlcv.settings.cache_dir()``.
        precision: the Keras dtype policy to train in: ``"float32"``, ``"mixed_float16"``,
            ``"mixed_bfloat16"``, or ``"auto"`` for :func:`dlcv.hardware.precision_policy`.
            A mixed policy joins the run's key.
        strategy: a ``tf.distribute`` strategy to train with, such as
            ``tf.distribute.MirroredStrategy()`` for all the GPUs of a machine; ``None``
            trains on the default device. Its kind and number of replicas join the run's key.

    Returns:
        A :class:`Run`.

    Raises:
        ConfigError: if an argument is invalid.
        RunCacheError: if the run cache folder cannot be written, or ``train=False`` and the
            run is not cached.

    Example (not run here: it trains)::

        mnist = dlcv.data.load_mnist(batch_size=64)
        result = run(dlcv.models.mnist_convnet, mnist, epochs=5)
        result.metrics["accuracy"]

        # On every GPU of the machine, 64 images per GPU in each step:
        strategy = tf.distribute.MirroredStrategy()
        mnist = dlcv.data.load_mnist(batch_size=64 * strategy.num_replicas_in_sync)
        result = run(dlcv.models.mnist_convnet, mnist, epochs=5, strategy=strategy)
    """
    if not (isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 1):
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}.")
    if not all(hasattr(data, name) for name in ("train", "validation", "test", "info")):
        raise ConfigError(
            f"run() cannot train on a {type(data).__name__}: pass a data set from dlcv.data "
            "(train, validation and test pipelines, and info)."
        )
    mode = resolve_mode(monitor, mode)
    policy = resolve_precision(precision)
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    model_kwargs = dict(model_kwargs or {})
    config = {
        "name": name or build_model.__name__,
        "builder": f"{build_model.__module__}.{build_model.__qualname__}",
        "builder_source": _source(build_model),
        "model_kwargs": _canonical(model_kwargs),
        "fit": {
            "epochs": epochs,
            "optimizer": optimizer,
            "loss": loss,
            "metrics": list(metrics),
            "monitor": monitor,
            "mode": mode,
        },
        "data": {k: v for k, v in data.info.items() if k not in _NOT_DATA_IDENTITY},
        "seed": seed,
        "profile": settings.profile(),
        "training_source": _training_source_hash(),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }
    # Added only when not the default, so the keys of float32, one-device runs stay as they were.
    if learning_rate is not None:
        config["fit"]["learning_rate"] = learning_rate
    if policy != "float32":
        config["precision"] = policy
    if strategy is not None:
        config["strategy"] = {"kind": type(strategy).__name__, "replicas": replicas}
    try:
        text = json.dumps(config, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"run() keys a run on its data's info and its settings, which must be JSON "
            f"(strings, numbers, lists, dicts): {error}. Check data.info and the arguments."
        ) from error
    config = json.loads(text)  # as stored: tuples in layer configs become lists
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = _writable_cache(cache_dir)
    path = root / f"{config['name']}-{key}"
    if not force and path.exists():
        cached = _load(path, config)
        if cached is not None:
            return cached
    if not train:
        raise RunCacheError(
            f"The run {path.name} is not in the run cache {root}; train it first "
            "(python -m dlcv lessons, or build the book)."
        )
    model = build_and_compile(
        build_model,
        model_kwargs,
        optimizer=optimizer,
        learning_rate=learning_rate,
        loss=loss,
        metrics=metrics,
        precision=policy,
        strategy=strategy,
        seed=seed,
    )
    return _train_or_load_the_winner(model, data, config, path, verbose)


def _train_or_load_the_winner(model: keras.Model, data, config: dict, path: Path, verbose) -> Run:
    """:func:`_train`; when the entry cannot be put in place because another process made the
    same run meanwhile (the rename loses the race), that process's entry is loaded instead."""
    try:
        result = _train(model, data, config, path, verbose)
        shareable(path)  # mkdtemp made it 0700
        return result
    except OSError as error:
        if (path / RECORD_FILE).exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RunCacheWarning)
                winner = _load(path, config)
            if winner is not None:
                return winner
        raise RunCacheError(
            f"The run {path.name} could not be stored in the run cache {path.parent} "
            f"({error.strerror or error}). Free some disk space or point DLCV_CACHE_DIR at "
            "another folder, then retry."
        ) from error


def build_and_compile(
    build_model: Callable[..., keras.Model],
    model_kwargs: dict | None = None,
    *,
    optimizer: str = "rmsprop",
    learning_rate: float | None = None,
    loss: str = "sparse_categorical_crossentropy",
    metrics: Sequence[str] = ("accuracy",),
    precision: str = "auto",
    strategy: tf.distribute.Strategy | None = None,
    seed: int = settings.SEED,
) -> keras.Model:
    """Builds and compiles a model as :func:`run` does, without training it.

    The model is built under the ``precision`` policy (the global policy is restored after)
    and, given a ``strategy``, built and compiled in its scope, so its variables are mirrored
    on the strategy's devices. Without a strategy it runs ``STEPS_PER_EXECUTION`` steps per
    call.

    Args:
        build_model, model_kwargs, optimizer, learning_rate, loss, metrics, precision,
        strategy, seed: as for :func:`run`.

    Returns:
        The compiled model.

    Raises:
        ConfigError: if ``precision`` is not a policy dlcv knows.
    """
    policy = resolve_precision(precision)
    # Keras 3.15's multi-step loop fails under MirroredStrategy ("You must feed a value for
    # placeholder tensor"): one step per call there.
    steps_per_execution = STEPS_PER_EXECUTION if strategy is None else 1
    keras.utils.set_random_seed(seed)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            model = build_model(**(model_kwargs or {}))
            model.compile(
                optimizer=_optimizer(optimizer, learning_rate),
                loss=loss,
                metrics=list(metrics),
                steps_per_execution=steps_per_execution,
            )
    finally:
        keras.config.set_dtype_policy(previous)
    return model


def resolve_mode(monitor: str | None, mode: str = "auto") -> str | None:
    """Whether the best value of ``monitor`` is its ``"min"`` or its ``"max"``.

    ``"auto"`` decides as Keras' callbacks do by name: accuracies and AUCs are best high,
    anything else (losses, errors) low. ``None`` when nothing is monitored.

    Example:
        >>> resolve_mode("val_loss"), resolve_mode("val_accuracy"), resolve_mode("val_auc")
        ('min', 'max', 'max')

    Raises:
        ConfigError: if ``mode`` is not ``"auto"``, ``"min"`` or ``"max"``.
    """
    if mode not in ("auto", "min", "max"):
        raise ConfigError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}.")
    if monitor is None:
        return None
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if "acc" in name or name.endswith("auc") else "min"


def best_epoch(values: Sequence[float], mode: str) -> int:
    """The 1-based epoch a ``ModelCheckpoint(save_best_only=True, mode=mode)`` keeps: the
    first epoch with the lowest (``"min"``) or highest (``"max"``) value.

    Example:
        >>> best_epoch([0.9, 0.5, 0.7, 0.5], "min"), best_epoch([0.6, 0.8, 0.8], "max")
        (2, 2)
    """
    best = min(values) if mode == "min" else max(values)
    return list(values).index(best) + 1


def resolve_precision(precision: str) -> str:
    """The dtype policy ``precision`` stands for: itself, or for ``"auto"`` the policy of
    :func:`dlcv.hardware.precision_policy`.

    Raises:
        ConfigError: if ``precision`` is neither ``"auto"`` nor one of
            ``dlcv.hardware.POLICIES``.
    """
    if precision == "auto":
        return hardware.precision_policy()
    if precision not in hardware.POLICIES:
        raise ConfigError(
            f"precision must be 'auto' or one of {', '.join(hardware.POLICIES)}; "
            f"got {precision!r}."
        )
    return precision


def _optimizer(name: str, learning_rate: float | None) -> str | keras.optimizers.Optimizer:
    if learning_rate is None:
        return name
    return type(keras.optimizers.get(name))(learning_rate=learning_rate)


def _training_source_hash() -> str:
    """A hash of the code that trains: a change to it trains every run again."""
    deciding = (build_and_compile, _optimizer, _train)
    text = "".join(inspect.getsource(function) for function in deciding)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _source(build_model: Callable) -> str:
    try:
        return inspect.getsource(build_model)
    except (OSError, TypeError) as error:
        raise ConfigError(
            f"run() keys a run on its builder's source code, and the source of {build_model!r} "
            "cannot be found: define the builder with def in a file or notebook cell."
        ) from error


def _canonical(value: Any) -> Any:
    """A JSON-able description of an argument; Keras objects by their config, minus names
    (Keras numbers auto-named layers per session, which must not change the key)."""
    if isinstance(value, keras.Layer | keras.optimizers.Optimizer):
        return _without_names(keras.saving.serialize_keras_object(value))
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ConfigError(
        f"run() cannot key a run on a model argument of type {type(value).__name__}; "
        "pass numbers, strings, or Keras layers."
    )


def _without_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items() if k not in ("name", "build_config")}
    if isinstance(value, list):
        return [_without_names(v) for v in value]
    return value


STAGING_AGE_S = 2 * 24 * 3600.0
"""How long a training's staging folder may go unchanged before it is taken for the leftover of
an interrupted run and removed (a live training rewrites its checkpoint every better epoch)."""
_STAGING = re.compile(r"^\..+-[a-z0-9_]{8}$")  # tempfile.mkdtemp(prefix=".<entry>-")


def _writable_cache(cache_dir: str | Path | None) -> Path:
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    try:
        settings.make_writable_folder(root)
    except OSError as error:
        raise RunCacheError(
            f"The run cache {root} is not writable ({error.strerror or error}). "
            "Point DLCV_CACHE_DIR at a folder you can write to."
        ) from error
    _remove_stale_staging(root)
    return root


def _remove_stale_staging(root: Path) -> None:
    """Removes the staging folders of trainings that were killed (unchanged for
    ``STAGING_AGE_S``): they never become cache entries."""
    now = time.time()
    for entry in root.iterdir():
        if not _STAGING.match(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and now - _newest_mtime(entry) > STAGING_AGE_S:
                shutil.rmtree(entry)


def _newest_mtime(folder: Path) -> float:
    return max([folder.stat().st_mtime] + [p.stat().st_mtime for p in folder.iterdir()])


def _load(path: Path, config: dict) -> Run | None:
    try:
        record = json.loads((path / RECORD_FILE).read_text())
        if record["config"] != config:
            raise ValueError("the stored configuration differs from the requested one")
        history = json.loads((path / HISTORY_FILE).read_text())
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


def _train(model: keras.Model, data, config, path: Path, verbose) -> Run:
    fit = config["fit"]
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        callbacks = []
        if fit["monitor"]:
            callbacks.append(
                keras.callbacks.ModelCheckpoint(
                    staging / MODEL_FILE,
                    monitor=fit["monitor"],
                    mode=fit["mode"],
                    save_best_only=True,
                )
            )
        start = time.perf_counter()
        history = model.fit(
            data.train,
            validation_data=data.validation,
            epochs=fit["epochs"],
            callbacks=callbacks,
            shuffle=False,  # the pipelines shuffle; Keras would warn that it cannot
            verbose=verbose,
        ).history
        seconds = time.perf_counter() - start
        if fit["monitor"]:
            best_model = keras.saving.load_model(staging / MODEL_FILE)
            kept = best_epoch(history[fit["monitor"]], fit["mode"])
        else:
            model.save(staging / MODEL_FILE)
            best_model, kept = model, len(history["loss"])
        test_metrics = best_model.evaluate(data.test, verbose=0, return_dict=True)
        history = {k: [float(v) for v in values] for k, values in history.items()}
        record = {
            "config": config,
            "metrics": {k: float(v) for k, v in test_metrics.items()},
            "seconds": seconds,
            "best_epoch": kept,
            "created": time.time(),
        }
        (staging / HISTORY_FILE).write_text(json.dumps(history))
        (staging / RECORD_FILE).write_text(json.dumps(record, indent=1))
        if path.exists():
            shutil.rmtree(path)
        staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(
        model=best_model,
        history=history,
        metrics=record["metrics"],
        seconds=seconds,
        best_epoch=record["best_epoch"],
        from_cache=False,
        config=config,
        path=path,
    )
