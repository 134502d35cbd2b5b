"""What ``import dlcv`` sets up, once per process: TensorFlow's logs quieted, and, in a notebook,
the matplotlib figures dlcv makes displayed as images. :mod:`dlcv` imports this module first.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import os
import re
import sys
import tempfile

# --- A quiet TensorFlow -----------------------------------------------------------------------
# TensorFlow logs from C++ while it is imported, some of it (oneDNN's notice, absl's "before
# InitializeLog" warning) whatever TF_CPP_MIN_LOG_LEVEL says. Whoever imports it first (a dlcv
# module, Keras, or the reader's own `import tensorflow` after `import dlcv`), the hook below
# imports it with the process's stderr caught, passes on every line that is not known noise, and
# sets TensorFlow's Python loggers to errors only.

# Read once, when TensorFlow is first imported: set before it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ logging below FATAL
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # the "I0000 ..." lines
os.environ.setdefault("GLOG_minloglevel", "2")

_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog|[IW]\d{4} .*"
    rb"(oneDNN custom operations|cpu_feature_guard|This TensorFlow binary is optimized))"
)


@contextlib.contextmanager
def _stderr_without_noise():
    """Catches what the process writes to stderr (file descriptor 2) and passes on the lines
    that are not TensorFlow's import-time noise."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as caught:
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().splitlines(keepends=True):
                if not _NOISE.match(line):
                    os.write(2, line)


class _QuietTensorFlowFinder:
    """Finds ``tensorflow`` as Python would, and imports it quietly (once, then leaves)."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_quietly(module):
            with _stderr_without_noise():
                exec_module(module)
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
            module.get_logger().setLevel("ERROR")

        spec.loader.exec_module = exec_quietly
        return spec


if "tensorflow" not in sys.modules:
    sys.meta_path.insert(0, _QuietTensorFlowFinder())


# --- Figures in notebooks -----------------------------------------------------------------------
# dlcv draws on matplotlib.figure.Figure, never pyplot, and pyplot's inline backend renders only
# the figures pyplot made: others would display as their repr. Registered by the class's name, so
# that matplotlib is imported only when a figure is shown.


def _figure_png(figure) -> bytes:
    """The figure as a PNG at 110 dpi; without the alpha channel when it is opaque (as the
    book's figures are), which makes the file about a sixth smaller."""
    import io

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    png = print_figure(figure, "png", dpi=110)
    image = Image.open(io.BytesIO(png))
    if image.mode != "RGBA" or image.getchannel("A").getextrema() != (255, 255):
        return png
    smaller = io.BytesIO()
    image.convert("RGB").save(smaller, "PNG", optimize=True)
    return smaller.getvalue() if smaller.tell() < len(png) else png


def format_in_ipython(mime: str, module: str, name: str, function) -> None:
    """In a running IPython kernel, shows objects of type ``module.name`` as ``mime`` through
    ``function``; outside one, does nothing."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is not None:
        shell.display_formatter.formatters[mime].for_type_by_name(module, name, function)


# In a kernel, figures display (and myst-nb glues them) as PNG images.
format_in_ipython("image/png", "matplotlib.figure", "Figure", _figure_png)
