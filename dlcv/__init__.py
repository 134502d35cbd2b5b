"""dlcv: data, models, training and figures for the book *Deep learning for computer vision*.

Importing dlcv quiets TensorFlow's C++ and absl logging, so pages and notebooks show only what
matters. Import dlcv before TensorFlow for that to take effect.

Submodules load on first use (``dlcv.data``, ``dlcv.models``, ``dlcv.training``, ``dlcv.viz``,
``dlcv.ops``), so ``import dlcv`` itself is quick.
"""

from __future__ import annotations

import importlib
import os

# Must be set before TensorFlow is first imported: it reads them once, at import.
# C++ logging below FATAL: the oneDNN and cpu_feature_guard notices, warnings and errors.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # the "I0000 ..." lines
os.environ.setdefault("GLOG_minloglevel", "2")

from dlcv import settings  # noqa: E402
from dlcv.errors import DlcvError  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "DlcvError", "settings", "data", "models", "training", "viz", "ops", "inspect", "hardware",
    "experiments", "__version__",
]

_SUBMODULES = {
    "data", "models", "training", "viz", "ops", "inspect", "hardware", "experiments", "cli",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"dlcv.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dlcv' has no attribute {name!r}")


def _quiet_tensorflow() -> None:
    """Silences absl's Python logging once TensorFlow is imported (called by dlcv modules)."""
    try:
        import absl.logging
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        return
    absl.logging.set_verbosity(absl.logging.ERROR)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
