"""Does dlcv's faster training reach the reference code's accuracy? Both train the same model
on the same data from the same seed; the test accuracy of each, and how long training took."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras

from bench import reference
from dlcv import runs, settings
from dlcv.data import load_cats_vs_dogs, load_mnist
from dlcv.models import cats_vs_dogs_convnet, data_augmentation, mnist_convnet


def cats_vs_dogs(epochs: int) -> dict:
    """The convnet with augmentation and dropout: the notebook's training (a checkpoint on the
    best validation loss, that model evaluated) against :func:`dlcv.runs.run`."""
    data = load_cats_vs_dogs(source="sample")
    train, validation, test = reference.cats_vs_dogs_datasets(
        Path(data.info["path"]), seed=settings.SEED
    )
    keras.utils.set_random_seed(settings.SEED)
    model = reference.cats_vs_dogs_model()
    with tempfile.TemporaryDirectory() as folder:
        best = Path(folder) / "best.keras"
        checkpoint = keras.callbacks.ModelCheckpoint(best, save_best_only=True, monitor="val_loss")
        start = time.perf_counter()
        model.fit(
            train, epochs=epochs, validation_data=validation, callbacks=[checkpoint], verbose=0
        )
        reference_seconds = time.perf_counter() - start
        reference_accuracy = keras.saving.load_model(best).evaluate(test, verbose=0)[1]
        fast = _dlcv_run(
            cats_vs_dogs_convnet,
            data,
            model_kwargs={"augmentation": data_augmentation(), "dropout": 0.5},
            epochs=epochs,
            loss="binary_crossentropy",
        )
    return _compare(epochs, reference_accuracy, reference_seconds, fast)


def mnist(epochs: int, batch_size: int = 32) -> dict:
    """The first convnet on the 4,000-digit sample, the last epoch's model evaluated."""
    data = load_mnist("sample")
    (x, y), (x_test, y_test) = reference.mnist_arrays(data)
    keras.utils.set_random_seed(settings.SEED)
    model = reference.mnist_model()
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=0.1, verbose=0)
    reference_seconds = time.perf_counter() - start
    reference_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    fast = _dlcv_run(
        mnist_convnet,
        data,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=0.1,
        loss="sparse_categorical_crossentropy",
        monitor=None,
    )
    return _compare(epochs, reference_accuracy, reference_seconds, fast)


def _dlcv_run(build_model, data, **kwargs) -> runs.Run:
    with tempfile.TemporaryDirectory() as cache:
        return runs.run(build_model, data, optimizer="rmsprop", cache_dir=cache, **kwargs)


def _compare(epochs, reference_accuracy, reference_seconds, fast: runs.Run) -> dict:
    return {
        "epochs": epochs,
        "test_accuracy": {"reference": reference_accuracy, "dlcv": fast.metrics["accuracy"]},
        "difference_points": 100 * (fast.metrics["accuracy"] - reference_accuracy),
        "training_seconds": {"reference": reference_seconds, "dlcv": fast.seconds},
    }
