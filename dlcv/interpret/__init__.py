"""Seeing inside a trained convnet: feature maps, filter patterns and class heatmaps.

Three ways to look at what a convnet learned, after the book's chapter on interpreting
convnets, all working on the book's own trained models:

- :func:`activation_model` and :func:`plot_feature_maps`: what each convolution and pooling
  layer outputs for one image;
- :func:`filter_patterns` and :func:`plot_filter_patterns`: the input each filter responds to
  most, found by gradient ascent on the input;
- :func:`grad_cam` and :func:`plot_grad_cam`: which parts of an image pushed the classifier
  towards a class (Grad-CAM), and :func:`receptive_field`: how much of the image one cell of
  the explained feature map sees.

The package's modules: :mod:`~dlcv.interpret.activations`, :mod:`~dlcv.interpret.patterns`,
:mod:`~dlcv.interpret.heatmaps`, and :mod:`~dlcv.interpret.common` for what they share.

Functions taking an ``image`` take one image as the model takes it, without the batch axis
(``(height, width, channels)``; a grayscale ``(height, width)`` image is accepted too), or a
batch of one. Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure`.

Example (an untrained MNIST convnet and a random digit: the shapes are those of a trained one):
    >>> import dlcv.models
    >>> model = dlcv.models.mnist_convnet()
    >>> digit = np.random.default_rng(0).random((28, 28, 1), "float32")
    >>> fig = dlcv.interpret.plot_feature_maps(model, digit)
    >>> heatmap = dlcv.interpret.grad_cam(model, digit, class_index=7)
    >>> heatmap.shape  # the last convolution's output: 3 x 3
    (3, 3)
"""


from __future__ import annotations

import numpy as np  # noqa: F401  (the example above uses it)

from dlcv.interpret.activations import (
    FEATURE_MAP_LAYERS,
    activation_model,
    plot_feature_maps,
    standardize_for_display,
)
from dlcv.interpret.heatmaps import (
    grad_cam,
    logits,
    overlay_heatmap,
    plot_grad_cam,
    receptive_field,
)
from dlcv.interpret.patterns import (
    BORDER_CROP,
    filter_patterns,
    maximize_activations,
    plot_filter_patterns,
)

__all__ = [
    "BORDER_CROP", "FEATURE_MAP_LAYERS", "activation_model", "filter_patterns", "grad_cam",
    "logits", "maximize_activations", "overlay_heatmap", "plot_feature_maps",
    "plot_filter_patterns", "plot_grad_cam", "receptive_field", "standardize_for_display",
]
