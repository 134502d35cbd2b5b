"""Training one model on one data set, as the book does: compile, fit with a checkpoint on the
best validation loss, evaluate the kept model on the test set. No cache: :mod:`dlcv.runs` keys,
stores and loads runs, and calls :func:`fit_and_evaluate` for a run it does not hold.

It trains in the precision the hardware does fastest (:func:`dlcv.hardware.precision_policy`)
and, given a ``tf.distribute`` strategy, on all of that strategy's devices.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from dlcv import hardware, settings
from dlcv.errors import ConfigError, TrainingDivergedError
from dlcv.validate import MAX_EPOCHS

STEPS_PER_EXECUTION = 4
"""Training steps run per call into TensorFlow: small models spend as long in Python between
steps as in the steps themselves. Results are the same; callbacks see every fourth batch."""


@dataclass
class Trained:
    """What :func:`fit_and_evaluate` returns: the kept model and what training measured.

    Attributes:
        model: the model holding the weights of its best epoch.
        history: per-epoch metrics, as plain floats.
        metrics: the kept model's metrics on the test set.
        seconds: how long ``fit`` took.
        best_epoch: the 1-based epoch whose weights the model holds.
        also_kept: the same fit's best epochs by the other criteria ``fit_and_evaluate`` was
            asked to keep, in the order asked.
    """

    model: keras.Model
    history: dict[str, list[float]]
    metrics: dict[str, float]
    seconds: float
    best_epoch: int
    also_kept: list[Trained] = field(default_factory=list)


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
        ConfigError: if ``precision`` is not a policy dlcv knows, or ``build_model`` does not
            return a Keras model.

    Shown in: book/cats-vs-dogs.md, book/mnist-convnet.md.
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
            if not isinstance(model, keras.Model):
                raise ConfigError(
                    f"{getattr(build_model, '__name__', build_model)!r} returned "
                    f"{type(model).__name__}, not a Keras model: a builder must return the "
                    "uncompiled keras.Model it builds."
                )
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
    """The 1-based epoch a ``ModelCheckpoint(save_best_only=True, mode=mode)`` keeps, decided
    as the checkpoint decides: the first epoch, then each epoch whose value is strictly lower
    (``"min"``) or higher (``"max"``) than the kept one's; so the first of equal values, and
    nothing after a NaN it kept (no comparison with NaN is true).

    Example:
        >>> best_epoch([0.9, 0.5, 0.7, 0.5], "min"), best_epoch([0.6, 0.8, 0.8], "max")
        (2, 2)
        >>> best_epoch([0.7, float("nan"), 0.6], "min"), best_epoch([float("nan"), 0.5], "min")
        (3, 1)

    Raises:
        ValueError: if there are no values.
    """
    values = list(values)
    if not values:
        raise ValueError("best_epoch needs at least one epoch's value.")
    kept = 0
    for epoch, value in enumerate(values):
        if value < values[kept] if mode == "min" else value > values[kept]:
            kept = epoch
    return kept + 1


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


def fit_and_evaluate(
    model: keras.Model, data, fit: dict, model_file: Path, verbose=0,
    also_keep: Sequence[tuple[str, str, Path]] = (),
) -> Trained:
    """Fits ``model`` on ``data`` with the ``fit`` settings of a run (epochs, monitor, mode),
    keeps the best epoch's model in ``model_file`` (a ``.keras`` file) and evaluates it on the
    test set.

    A checkpoint watches training without changing it, so one fit can keep the best epoch by
    other criteria too: ``also_keep`` lists them as ``(monitor, mode, model file)``, and each
    comes back, evaluated, in the result's ``also_kept``.

    Raises:
        TrainingDivergedError: if the loss became NaN or infinite.

    Shown in: book/cats-vs-dogs.md, book/mnist-convnet.md.
    """
    checkpoints = [(fit["monitor"], fit["mode"], model_file)] if fit["monitor"] else []
    checkpoints += also_keep
    callbacks = [
        keras.callbacks.ModelCheckpoint(file, monitor=monitor, mode=mode, save_best_only=True)
        for monitor, mode, file in checkpoints
    ]
    callbacks.append(keras.callbacks.TerminateOnNaN())  # a NaN loss stops; it is not kept
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
    history = {k: [float(v) for v in values] for k, values in history.items()}
    if not all(math.isfinite(v) for v in history.get("loss", [math.nan])):
        raise TrainingDivergedError(
            f"The training loss became {history.get('loss', [math.nan])[-1]} after "
            f"{len(history.get('loss', []))} epoch(s): training diverged and the run is not "
            "kept. Lower the learning rate, or check the data for NaN values."
        )

    def evaluated(kept_model: keras.Model, epoch: int) -> Trained:
        test_metrics = kept_model.evaluate(data.test, verbose=0, return_dict=True)
        return Trained(
            model=kept_model,
            history=history,
            metrics={k: float(v) for k, v in test_metrics.items()},
            seconds=seconds,
            best_epoch=epoch,
        )

    kept = [
        evaluated(keras.saving.load_model(file), best_epoch(history[monitor], mode))
        for monitor, mode, file in checkpoints
    ]
    if not fit["monitor"]:
        model.save(model_file)
        kept.insert(0, evaluated(model, len(history["loss"])))
    kept[0].also_kept = kept[1:]
    return kept[0]


def check_arguments(
    *,
    epochs,
    optimizer: str,
    learning_rate,
    loss: str,
    metrics: Sequence[str],
    monitor: str | None,
    seed,
) -> None:
    """Refuses, before anything is built or trained, the arguments of a run that would fail
    (or train wrongly) only later.

    Raises:
        ConfigError: if ``epochs`` (1 to :data:`dlcv.validate.MAX_EPOCHS`) or ``seed`` is not a
            suitable integer, ``learning_rate`` is not a finite positive number, a name is not
            one Keras knows, or ``monitor`` names no quantity that training will log.
    """
    if not (isinstance(epochs, numbers.Integral) and not isinstance(epochs, bool) and epochs >= 1):
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}.")
    if epochs > MAX_EPOCHS:
        raise ConfigError(
            f"epochs={epochs!r} is more than the {MAX_EPOCHS:,} a run may train for; give at "
            "most that many (the book's longest runs train 100)."
        )
    if not (
        isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and 0 <= seed < 2**32
    ):
        raise ConfigError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}.")
    if learning_rate is not None and not (
        isinstance(learning_rate, numbers.Real)
        and not isinstance(learning_rate, bool)
        and math.isfinite(learning_rate)
        and learning_rate > 0
    ):
        raise ConfigError(
            f"learning_rate must be a finite number above 0 (or None for Keras' default), "
            f"got {learning_rate!r}."
        )
    for kind, name, lookup in (
        ("optimizer", optimizer, keras.optimizers.get),
        ("loss", loss, keras.losses.get),
        *(("metric", metric, keras.metrics.get) for metric in metrics),
    ):
        try:
            known = isinstance(name, str) and lookup(name) is not None
        except (ValueError, TypeError):
            known = False
        if not known:
            raise ConfigError(f"{name!r} is not a {kind} Keras knows by name.")
    logged = {"loss", *metrics}
    if monitor is not None and monitor not in logged | {f"val_{name}" for name in logged}:
        raise ConfigError(
            f"monitor={monitor!r} is not a quantity training logs; pick one of "
            f"{', '.join(sorted(logged | {f'val_{name}' for name in logged}))}."
        )


def has_batches(dataset) -> bool:
    """Whether a ``tf.data`` pipeline yields at least one batch."""
    cardinality = int(dataset.cardinality())
    if cardinality >= 0:
        return cardinality > 0
    return any(True for _ in dataset.take(1))
