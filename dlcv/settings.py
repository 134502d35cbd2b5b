"""Settings read from the environment: where data and runs are kept, whether training is
allowed, the seed. (The profile, ``DLCV_PROFILE``, is read by :func:`dlcv.profiles.from_environment`
at the edges: the command line, a page's first cell, the book build.)

Each value is read when it is asked for, so a test (or a reader in a notebook) can change the
environment variable and see the effect without re-importing dlcv.

=================  ==========================================  ===========================
variable           meaning                                     default
=================  ==========================================  ===========================
``DLCV_DATA_DIR``  where data sets are prepared                ``~/.cache/dlcv/data``
``DLCV_CACHE_DIR`` where trained runs are cached               ``~/.cache/dlcv/runs``
``DLCV_TRAINING``  ``forbid``: a run missing from the cache is  ``allow``
                   an error, not a training
=================  ==========================================  ===========================
"""

from __future__ import annotations

import os
from pathlib import Path

from dlcv.errors import ConfigError

SEED = 1337
"""The seed every page and run starts from, so a rebuild draws the same figures."""

TRAINING_MODES = ("allow", "forbid")


def training_forbidden() -> bool:
    """Whether ``DLCV_TRAINING=forbid``: a run missing from the run cache is then an error
    (:class:`dlcv.errors.MissingRunError`) instead of a training. The publishing build sets it
    (``python -m tools.book --from-cache``), so that the site shows exactly the runs it was
    given.

    Raises:
        ConfigError: if ``DLCV_TRAINING`` is set to anything but ``allow`` or ``forbid``.
    """
    value = os.environ.get("DLCV_TRAINING", "").strip().lower() or "allow"
    if value not in TRAINING_MODES:
        raise ConfigError(
            f"DLCV_TRAINING={os.environ['DLCV_TRAINING']!r} is not a training mode; set it to "
            "forbid (train nothing: every run comes from the run cache) or allow (the default)."
        )
    return value == "forbid"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dlcv"


def data_dir() -> Path:
    """Where data sets are prepared (``DLCV_DATA_DIR``, default ``~/.cache/dlcv/data``)."""
    return _directory("DLCV_DATA_DIR", _cache_home() / "data")


def cache_dir() -> Path:
    """Where trained runs are cached (``DLCV_CACHE_DIR``, default ``~/.cache/dlcv/runs``)."""
    return _directory("DLCV_CACHE_DIR", _cache_home() / "runs")


def _directory(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    if not value or not value.strip():  # set but blank: as unset, not a folder named "  "
        return default
    try:
        return Path(value).expanduser().resolve()
    except (RuntimeError, OSError) as error:  # ~nosuchuser, a link loop
        raise ConfigError(
            f"{variable}={value!r} is not a usable folder ({error}); point it at a folder."
        ) from error
