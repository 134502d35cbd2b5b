"""dlcv: data, models, training and figures for the book *Deep learning for computer vision*.

Importing dlcv quiets TensorFlow's C++ and absl logging, so pages and notebooks show only what
matters (import dlcv before TensorFlow for that to take effect), and, in a notebook, lets the
matplotlib figures dlcv makes display as images (both done by :mod:`dlcv.startup`).

Submodules load on first use (``dlcv.data``, ``dlcv.models``, ``dlcv.runs``, ``dlcv.viz``,
``dlcv.ops``, ...), so ``import dlcv`` itself is quick.
"""

from __future__ import annotations

import importlib

from dlcv import settings, startup  # noqa: F401  (startup: quiet TensorFlow, figures in IPython)
from dlcv.errors import DlcvError

__all__ = [
    "DlcvError", "settings", "profiles", "data", "models", "training", "viz", "ops", "interpret",
    "hardware", "experiments", "lessons", "runs", "validate", "__version__",
]

_SUBMODULES = {
    "profiles", "data", "models", "training", "viz", "ops", "interpret", "hardware",
    "experiments", "lessons", "runs", "validate", "cli", "folders",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"dlcv.{name}")
        globals()[name] = module
        return module
    if name == "__version__":
        from importlib.metadata import version

        return version("dlcv")
    raise AttributeError(f"module 'dlcv' has no attribute {name!r}")
