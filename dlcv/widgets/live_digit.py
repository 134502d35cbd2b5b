"""The MNIST convnet in the reader's browser: its weights exported for ``live-digit.js``.

The book's web pages have no kernel. :func:`export_mnist_model` writes a trained model as a
small JSON manifest (layers, shapes, names, a few test digits) and one little-endian float32
binary; ``book/_static/widgets/live-digit.js`` reads them and runs the same forward pass in plain
JavaScript, so the reader can draw a digit and watch every layer answer. The browser tests
check that the page's probabilities and feature maps are Keras' to 1e-4.

A drawing is not an MNIST digit until it is framed like one: :func:`mnist_input` does what
the script does to the drawing pad (and what NIST did to the original digits): the ink's
bounding box is scaled to fit 20x20 pixels and placed in a 28x28 image so that its centre of
mass sits at the centre.

Example (what the MNIST chapter runs in a hidden cell)::

    picks = pick_test_digits(mnist.x_test, mnist.y_test, predicted)
    export_mnist_model(result.model, "_static/mnist-live", digits=picks)
    live_digit_widget("../_static/mnist-live/model.json")
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcv.errors import ConfigError
from dlcv.widgets.container import WidgetHTML, widget_container

FORMAT = "dlcv-live-1"
MANIFEST_NAME = "model.json"
WEIGHTS_NAME = "weights.bin"
INPUT_SIDE = 28
BOX_SIDE = 20
"""MNIST's digits fit a 20x20 box inside the 28x28 image."""
ACTIVATIONS = ("relu", "linear", "softmax")


# --- Framing a drawing as MNIST frames its digits -----------------------------------------


def mnist_input(drawing: np.ndarray) -> np.ndarray:
    """A drawing framed as an MNIST digit: what the live widget feeds the network.

    The bounding box of the ink (pixels above 0) is resampled by area averaging so that its
    longer side is 20 pixels (the aspect ratio kept), then placed in a 28x28 image with its
    centre of mass as near the centre (14, 14) as whole-pixel shifts allow, inside the image.
    ``live-digit.js`` does the same arithmetic on its drawing pad.

    Args:
        drawing: a 2D grayscale image, ink bright on black: ``uint8`` in 0..255 or floats in
            [0, 1], any size.

    Returns:
        A ``(28, 28)`` float32 array in [0, 1]; all zeros for a blank drawing.

    Raises:
        ConfigError: if ``drawing`` is not 2D or its values are out of range.
    """
    pixels = _unit_interval(drawing)
    framed = np.zeros((INPUT_SIDE, INPUT_SIDE), dtype=np.float64)
    rows = np.flatnonzero(pixels.max(axis=1) > 0)
    cols = np.flatnonzero(pixels.max(axis=0) > 0)
    if rows.size == 0:
        return framed.astype(np.float32)
    crop = pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    scale = BOX_SIDE / max(height, width)
    out_height = max(1, _round_half_up(height * scale))
    out_width = max(1, _round_half_up(width * scale))
    small = _area_weights(out_height, height) @ crop @ _area_weights(out_width, width).T
    total = small.sum()
    centre_row = small.sum(axis=1) @ (np.arange(out_height) + 0.5) / total
    centre_col = small.sum(axis=0) @ (np.arange(out_width) + 0.5) / total
    half = INPUT_SIDE / 2
    top = min(max(_round_half_up(half - centre_row), 0), INPUT_SIDE - out_height)
    left = min(max(_round_half_up(half - centre_col), 0), INPUT_SIDE - out_width)
    framed[top : top + out_height, left : left + out_width] = small
    return np.clip(framed, 0.0, 1.0).astype(np.float32)


def _round_half_up(value: float) -> int:
    """Rounding as JavaScript's ``Math.round`` does (numpy's rounds halves to even)."""
    return int(np.floor(value + 0.5))


def _area_weights(out: int, n: int) -> np.ndarray:
    """The ``(out, n)`` matrix that resamples ``n`` pixels to ``out`` by area averaging:
    output pixel ``i`` averages the source interval ``[i n / out, (i + 1) n / out)``."""
    step = n / out
    weights = np.zeros((out, n))
    for i in range(out):
        start, end = i * step, (i + 1) * step
        for j in range(int(np.floor(start)), min(n, int(np.ceil(end)))):
            weights[i, j] = (min(end, j + 1) - max(start, j)) / step
    return weights


def _unit_interval(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        raise ConfigError(
            f"A drawing is a 2D grayscale image; got shape {image.shape}. "
            "For an MNIST digit pass x_test[i]."
        )
    if image.dtype == np.uint8:
        return image / 255.0
    pixels = image.astype(np.float64)
    if not (np.isfinite(pixels).all() and pixels.min() >= 0.0 and pixels.max() <= 1.0):
        raise ConfigError(
            "A drawing must be uint8 (0..255) or floats in [0, 1]; "
            f"got values from {pixels.min()} to {pixels.max()}. Divide by 255 first."
        )
    return pixels


# --- Test digits to pick ------------------------------------------------------------------


@dataclass(frozen=True)
class DigitPick:
    """A test digit the reader can pick instead of drawing one."""

    index: int
    """Its index in the test set."""
    label: int
    predicted: int
    """What the model predicts for it (at export time)."""
    pixels: np.ndarray
    """The ``(28, 28)`` ``uint8`` image, as the test set holds it."""

    @property
    def correct(self) -> bool:
        return self.label == self.predicted


def pick_test_digits(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    predicted: Sequence[int] | np.ndarray,
    *,
    wrong: int = 6,
) -> list[DigitPick]:
    """Test digits for the widget: the first correctly classified one of each class, in
    class order, then the first ``wrong`` misclassified ones.

    Args:
        images: ``(n, 28, 28)`` ``uint8`` test images.
        labels: their true classes.
        predicted: the model's classes for them (``predict(...).argmax(axis=1)``).
        wrong: how many misclassified digits to add at most.

    Returns:
        A list of :class:`DigitPick`; a class the model never gets right has no correct pick.

    Raises:
        ConfigError: if the arrays disagree in length or the images are not 28x28 ``uint8``.
    """
    images = np.asarray(images)
    labels = np.asarray(labels).astype(int)
    predicted = np.asarray(predicted).astype(int)
    if images.shape[1:] != (INPUT_SIDE, INPUT_SIDE) or images.dtype != np.uint8:
        raise ConfigError(
            f"pick_test_digits needs (n, 28, 28) uint8 images; got {images.shape} {images.dtype}."
        )
    if not len(images) == len(labels) == len(predicted):
        raise ConfigError(
            f"{len(images)} images, {len(labels)} labels and {len(predicted)} predictions: "
            "pass one label and one prediction per image."
        )
    right = labels == predicted
    indices = [int(np.flatnonzero(right & (labels == c))[0]) for c in range(10)
               if (right & (labels == c)).any()]
    indices += [int(i) for i in np.flatnonzero(~right)[:wrong]]
    return [
        DigitPick(index=i, label=int(labels[i]), predicted=int(predicted[i]), pixels=images[i])
        for i in indices
    ]


# --- Export -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveExport:
    """What :func:`export_mnist_model` wrote."""

    manifest: Path
    weights: Path

    @property
    def bytes(self) -> int:
        """Bytes the export adds to the site (manifest and weights)."""
        return self.manifest.stat().st_size + self.weights.stat().st_size


def export_mnist_model(
    model,
    folder: str | Path,
    *,
    digits: Sequence[DigitPick] = (),
    layer_names: Sequence[str] | None = None,
) -> LiveExport:
    """Writes ``model`` for ``live-digit.js``: ``model.json`` and ``weights.bin`` in ``folder``.

    The model must take ``(28, 28, 1)`` images and be a chain of the layers the script runs:
    ``Conv2D`` (valid padding, stride 1, relu or linear), ``MaxPooling2D`` (valid, stride =
    pool size), ``Flatten`` and ``Dense`` (relu, linear or softmax), channels last, as
    :func:`dlcv.models.mnist_convnet` is. The weights are stored as little-endian float32, one
    array after the other in the order of the layers (kernel, then bias); the manifest gives
    each array's offset and shape, each layer's name, type and output shape, the class names,
    and the test digits the reader can pick.

    Args:
        model: a built Keras model, trained or not.
        folder: where to write; created if needed; earlier files are replaced.
        digits: test digits for the reader to pick (:func:`pick_test_digits`).
        layer_names: the names to show for the layers (the input layer excluded), for example
            those of the model whose summary a page printed (Keras numbers the names of each
            new model, so a retrained model's may differ); default: the model's own.

    Returns:
        A :class:`LiveExport` with the paths and the number of bytes written.

    Raises:
        ConfigError: if the model has a layer or setting the script does not run, or
            ``layer_names`` does not name each layer once.
    """
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if tuple(model.input_shape[1:]) != (INPUT_SIDE, INPUT_SIDE, 1):
        raise ConfigError(
            f"The live widget takes 28x28x1 digits; this model's input is {model.input_shape}."
        )
    if layer_names is None:
        layer_names = [layer.name for layer in layers]
    if len(layer_names) != len(layers):
        raise ConfigError(
            f"layer_names has {len(layer_names)} names for {len(layers)} layers "
            f"({', '.join(layer.name for layer in layers)})."
        )
    arrays: list[np.ndarray] = []
    offset = 0
    described = []
    for layer, name in zip(layers, layer_names, strict=True):
        entry = _describe(layer)
        entry["name"] = str(name)
        entry["outputShape"] = [int(d) for d in layer.output.shape[1:]]
        for key, array in zip(("kernel", "bias"), layer.get_weights(), strict=False):
            array = np.asarray(array, dtype="<f4")
            entry[key] = {"offset": offset, "shape": list(array.shape)}
            arrays.append(array.ravel())
            offset += array.size
        described.append(entry)
    if described[-1]["type"] != "dense" or described[-1]["outputShape"] != [10]:
        raise ConfigError("The live widget needs a model that ends in a Dense layer of 10 classes.")

    blob = np.concatenate(arrays).astype("<f4").tobytes() if arrays else b""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / WEIGHTS_NAME
    weights.write_bytes(blob)
    manifest = {
        "format": FORMAT,
        "model": model.name,
        "dtype": "float32",
        "byteOrder": "little",
        "weights": WEIGHTS_NAME,
        "weightsBytes": len(blob),
        "weightsSha256": hashlib.sha256(blob).hexdigest(),
        "parameters": int(offset),
        "inputShape": [INPUT_SIDE, INPUT_SIDE, 1],
        "boxSide": BOX_SIDE,
        "classes": [str(c) for c in range(10)],
        "layers": described,
        "digits": [
            {
                "index": pick.index,
                "label": pick.label,
                "predicted": pick.predicted,
                "pixels": base64.b64encode(
                    np.asarray(pick.pixels, dtype=np.uint8).tobytes()
                ).decode("ascii"),
            }
            for pick in digits
        ],
    }
    manifest_path = folder / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
    return LiveExport(manifest=manifest_path, weights=weights)


def _describe(layer) -> dict:
    kind = type(layer).__name__
    config = layer.get_config()
    if config.get("data_format", "channels_last") != "channels_last":
        raise ConfigError(f"Layer {layer.name}: the live widget runs channels_last layers only.")
    if kind == "Conv2D":
        settings = (config["padding"], tuple(config["strides"]), tuple(config["dilation_rate"]))
        if settings != ("valid", (1, 1), (1, 1)) or config.get("groups", 1) != 1:
            raise ConfigError(
                f"Layer {layer.name}: the live widget runs Conv2D with valid padding, stride 1, "
                f"no dilation; got padding, strides, dilation = {settings}."
            )
        return {"type": "conv2d", "class": kind, "activation": _activation(layer, config)}
    if kind == "MaxPooling2D":
        pool, strides = tuple(config["pool_size"]), tuple(config["strides"])
        if config["padding"] != "valid" or pool != strides or pool[0] != pool[1]:
            raise ConfigError(
                f"Layer {layer.name}: the live widget runs square MaxPooling2D with valid "
                f"padding and stride = pool size; got pool {pool}, strides {strides}."
            )
        return {"type": "max_pool2d", "class": kind, "pool": int(pool[0])}
    if kind == "Flatten":
        return {"type": "flatten", "class": kind}
    if kind == "Dense":
        return {"type": "dense", "class": kind, "activation": _activation(layer, config)}
    raise ConfigError(
        f"Layer {layer.name} is a {kind}; the live widget runs Conv2D, MaxPooling2D, Flatten "
        "and Dense layers only."
    )


def _activation(layer, config: dict) -> str:
    activation = config.get("activation", "linear")
    if activation not in ACTIVATIONS or not config.get("use_bias", True):
        raise ConfigError(
            f"Layer {layer.name}: the live widget runs relu, linear and softmax layers with "
            f"biases; got activation={activation!r}, use_bias={config.get('use_bias')}."
        )
    return activation


def load_exported_model(folder: str | Path):
    """The Keras model an export describes, rebuilt from ``model.json`` and ``weights.bin``:
    what the browser runs, for checking it against Keras (and a round trip for the export).

    Raises:
        ConfigError: if the folder holds no export of this format or its weights are corrupt.
    """
    import keras
    from keras import layers as keras_layers

    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        blob = (folder / manifest["weights"]).read_bytes()
    except (OSError, ValueError, KeyError) as error:
        raise ConfigError(f"No live-widget export in {folder}: {error}") from error
    if manifest.get("format") != FORMAT or hashlib.sha256(blob).hexdigest() != manifest.get(
        "weightsSha256"
    ):
        raise ConfigError(
            f"{folder} does not hold an intact {FORMAT} export: export the model again."
        )
    values = np.frombuffer(blob, dtype="<f4")
    inputs = keras.Input(shape=tuple(manifest["inputShape"]))
    x = inputs
    built = []
    for entry in manifest["layers"]:
        if entry["type"] == "conv2d":
            layer = keras_layers.Conv2D(
                entry["kernel"]["shape"][-1], entry["kernel"]["shape"][0],
                activation=entry["activation"], name=entry["name"],
            )
        elif entry["type"] == "max_pool2d":
            layer = keras_layers.MaxPooling2D(entry["pool"], name=entry["name"])
        elif entry["type"] == "flatten":
            layer = keras_layers.Flatten(name=entry["name"])
        else:
            layer = keras_layers.Dense(
                entry["kernel"]["shape"][-1], activation=entry["activation"], name=entry["name"]
            )
        x = layer(x)
        built.append((layer, entry))
    model = keras.Model(inputs, x, name=manifest["model"])
    for layer, entry in built:
        if "kernel" in entry:
            layer.set_weights([_array(values, entry[key]) for key in ("kernel", "bias")])
    return model


def _array(values: np.ndarray, spec: dict) -> np.ndarray:
    size = int(np.prod(spec["shape"]))
    return values[spec["offset"] : spec["offset"] + size].reshape(spec["shape"])


# --- The widget's container ---------------------------------------------------------------


FALLBACK = (
    "The live digit: draw a digit, or pick a test digit, and watch the trained model's input, "
    "feature maps and class probabilities change as you draw. Its script "
    "(<code>live-digit.js</code>) computes the same forward pass as Keras, with the weights "
    "trained on this page."
)


def live_digit_widget(manifest_url: str, *, caption: str = "") -> WidgetHTML:
    """The container ``live-digit.js`` turns into the live widget.

    Until the script replaces it (and without JavaScript, or in a notebook) it shows a note
    saying what the widget does and that it runs on the book's web page.

    Args:
        manifest_url: URL of the exported ``model.json``, relative to the page.
        caption: text under the figure.

    Returns:
        A :class:`dlcv.widgets.container.WidgetHTML`.
    """
    attributes = {"data-manifest": manifest_url, "data-caption": caption}
    return widget_container("live-digit", "live digit widget", attributes, FALLBACK)
