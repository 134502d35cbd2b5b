"""Training with a run cache: train once, and load the identical run on every later build.

:func:`run` compiles and trains a model the way the book does (a checkpoint on the best
validation loss, the test set evaluated with that best model) and keeps the result in the run
cache (``dlcv.settings.cache_dir()``), keyed by everything that decides it: the builder's source
and arguments, the training settings, the data's provenance, the seed, the profile and the
versions of TensorFlow, Keras and dlcv. The same call later loads the run in seconds.

It trains in the precision the hardware does fastest (:func:`dlcv.hardware.precision_policy`)
and, given a ``tf.distribute`` strategy, on all of that strategy's devices.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import dlcv
from dlcv import hardware, settings
from dlcv.errors import ConfigError, RunCacheError

dlcv._quiet_tensorflow()
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
RECORD_FILE = "run.json"  # written last: its presence marks a complete entry
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
    batch_size: int = 32,
    optimizer: str = "rmsprop",
    loss: str = "sparse_categorical_crossentropy",
    metrics: Sequence[str] = ("accuracy",),
    validation_split: float = 0.2,
    monitor: str | None = "val_loss",
    seed: int = settings.SEED,
    name: str | None = None,
    force: bool = False,
    verbose: int | str = 0,
    cache_dir: str | Path | None = None,
    precision: str = "auto",
    strategy: tf.distribute.Strategy | None = None,
) -> Run:
    """Trains ``build_model(**model_kwargs)`` on ``data``, or loads the identical cached run.

    Args:
        build_model: a function returning an uncompiled Keras model, e.g.
            :func:`dlcv.models.mnist_convnet`.
        data: a loaded data set: either one with ``train``, ``validation`` and ``test``
            ``tf.data`` pipelines (already batched), or one with a ``prepared()`` method
            returning ``((x_train, y_train), (x_test, y_test))`` arrays, of which the last
            ``validation_split`` of the training set is held out for validation. Its ``info``
            (all but ``"path"``) is part of the run's key.
        epochs: number of epochs.
        model_kwargs: keyword arguments of ``build_model``.
        batch_size: batch size for array data, per replica of ``strategy`` (pipelines come
            batched: their batches are global, split among the replicas).
        optimizer: the optimizer's Keras name.
        loss: the loss's Keras name.
        metrics: metric names compiled into the model.
        validation_split: the held-out fraction for array data.
        monitor: the quantity whose minimum picks the best epoch, whose weights a checkpoint
            keeps (the book's ``ModelCheckpoint(save_best_only=True)``); ``None`` keeps the
            weights of the last epoch.
        seed: the random seed (weights, shuffling, augmentation, dropout).
        name: a readable name for the cache entry; defaults to the builder's name.
        force: train even when a cached run exists, and replace it.
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
        RunCacheError: if the run cache folder cannot be written.

    Example:
        >>> mnist = dlcv.data.load_mnist()
        >>> result = run(dlcv.models.mnist_convnet, mnist, epochs=5, batch_size=64)
        >>> result.metrics["accuracy"]

        On every GPU of the machine, 64 images per GPU in each step:

        >>> strategy = tf.distribute.MirroredStrategy()
        >>> result = run(dlcv.models.mnist_convnet, mnist, epochs=5, batch_size=64,
        ...              strategy=strategy)
    """
    if epochs < 1:
        raise ConfigError(f"epochs must be at least 1, got {epochs!r}.")
    if not 0.0 < validation_split < 1.0:
        raise ConfigError(f"validation_split must be in (0, 1), got {validation_split!r}.")
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
            **_data_fit_settings(data, batch_size * replicas, validation_split),
        },
        "data": {k: v for k, v in data.info.items() if k not in _NOT_DATA_IDENTITY},
        "seed": seed,
        "profile": settings.profile(),
        "versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "dlcv": dlcv.__version__,
        },
    }
    # Added only when not the default, so the keys of float32, one-device runs stay as they were.
    if policy != "float32":
        config["precision"] = policy
    if strategy is not None:
        config["strategy"] = {"kind": type(strategy).__name__, "replicas": replicas}
    text = json.dumps(config, sort_keys=True)
    config = json.loads(text)  # as stored: tuples in layer configs become lists
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = _writable_cache(cache_dir)
    path = root / f"{config['name']}-{key}"
    if not force and path.exists():
        cached = _load(path, config)
        if cached is not None:
            return cached
    model = build_and_compile(
        build_model,
        model_kwargs,
        optimizer=optimizer,
        loss=loss,
        metrics=metrics,
        precision=policy,
        strategy=strategy,
        seed=seed,
    )
    return _train(model, data, config, path, verbose)


def build_and_compile(
    build_model: Callable[..., keras.Model],
    model_kwargs: dict | None = None,
    *,
    optimizer: str = "rmsprop",
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
        build_model, model_kwargs, optimizer, loss, metrics, precision, strategy, seed:
            as for :func:`run`.

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
                optimizer=optimizer,
                loss=loss,
                metrics=list(metrics),
                steps_per_execution=steps_per_execution,
            )
    finally:
        keras.config.set_dtype_policy(previous)
    return model


def batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle_seed: int | None = None
) -> tf.data.Dataset:
    """Arrays as a pipeline for ``fit``, as :func:`run` feeds them: held in memory, batched,
    prefetched, and given a ``shuffle_seed``, reshuffled every epoch.

    ``tf.data`` prepares the next batches while a step runs; arrays passed to ``fit`` are
    sliced in Python between steps, which slows small models down.
    """
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


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


def list_runs(cache_dir: str | Path | None = None) -> list[dict]:
    """The complete runs in the cache, newest first: name, settings and test metrics of each."""
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    records = []
    for record_file in root.glob(f"*/{RECORD_FILE}"):
        try:
            record = json.loads(record_file.read_text())
        except (OSError, ValueError):
            continue
        record["path"] = str(record_file.parent)
        records.append(record)
    return sorted(records, key=lambda r: r.get("created", 0), reverse=True)


def _data_fit_settings(data: Any, batch_size: int, validation_split: float) -> dict:
    if hasattr(data, "train"):
        return {"batch_size": data.info.get("batch_size")}
    if hasattr(data, "prepared"):
        return {"batch_size": batch_size, "validation_split": validation_split}
    raise ConfigError(
        f"run() cannot train on a {type(data).__name__}: pass a data set from dlcv.data "
        "(with train/validation/test pipelines or a prepared() method)."
    )


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


def _writable_cache(cache_dir: str | Path | None) -> Path:
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        raise RunCacheError(
            f"The run cache {root} is not writable ({error.strerror or error}). "
            "Point DLCV_CACHE_DIR at a folder you can write to."
        ) from error
    return root


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
                    staging / MODEL_FILE, monitor=fit["monitor"], save_best_only=True
                )
            )
        if hasattr(data, "train"):
            inputs = {"x": data.train, "validation_data": data.validation}
            test = {"x": data.test}
        else:
            (x_train, y_train), (x_test, y_test) = data.prepared()
            n_train = int(len(x_train) * (1 - fit["validation_split"]))  # Keras holds out the end
            batch_size = fit["batch_size"]
            inputs = {
                "x": batches(
                    x_train[:n_train], y_train[:n_train], batch_size, shuffle_seed=config["seed"]
                ),
                "validation_data": batches(x_train[n_train:], y_train[n_train:], batch_size),
            }
            test = {"x": batches(x_test, y_test, batch_size)}
        start = time.perf_counter()
        history = model.fit(
            **inputs,
            epochs=fit["epochs"],
            callbacks=callbacks,
            shuffle=False,  # the pipelines shuffle; Keras would warn that it cannot
            verbose=verbose,
        ).history
        seconds = time.perf_counter() - start
        if fit["monitor"]:
            best_model = keras.saving.load_model(staging / MODEL_FILE)
            monitored = history[fit["monitor"]]
            best_epoch = monitored.index(min(monitored)) + 1
        else:
            model.save(staging / MODEL_FILE)
            best_model, best_epoch = model, len(history["loss"])
        test_metrics = best_model.evaluate(**test, verbose=0, return_dict=True)
        history = {k: [float(v) for v in values] for k, values in history.items()}
        record = {
            "config": config,
            "metrics": {k: float(v) for k, v in test_metrics.items()},
            "seconds": seconds,
            "best_epoch": best_epoch,
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
