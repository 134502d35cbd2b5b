"""Settings read from the environment: the profile, where data and runs are kept, the seed.

Each value is read when it is asked for, so a test (or a reader in a notebook) can change the
environment variable and see the effect without re-importing dlcv.

=================  ==========================================  ===========================
variable           meaning                                     default
=================  ==========================================  ===========================
``DLCV_PROFILE``   ``quick`` (sample data where real data is   ``quick``
                   absent, few epochs) or ``full`` (real
                   data, the book's epochs)
``DLCV_DATA_DIR``  where data sets are prepared                ``~/.cache/dlcv/data``
``DLCV_CACHE_DIR`` where trained runs are cached               ``~/.cache/dlcv/runs``
=================  ==========================================  ===========================
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dlcv.errors import ConfigError

PROFILES = ("quick", "full")  # their settings: dlcv.profiles
SEED = 1337
"""The seed every page and run starts from, so a rebuild draws the same figures."""

def profile() -> str:
    """The active profile, from ``DLCV_PROFILE`` (``quick`` when unset).

    Raises:
        ConfigError: if ``DLCV_PROFILE`` is set to anything but ``quick`` or ``full``.
    """
    value = os.environ.get("DLCV_PROFILE", "").strip().lower() or "quick"
    if value not in PROFILES:
        raise ConfigError(
            f"DLCV_PROFILE={os.environ['DLCV_PROFILE']!r} is not a profile; "
            f"set it to one of {', '.join(PROFILES)} (or unset it for 'quick')."
        )
    return value


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
    return Path(value).expanduser().resolve() if value else default


def make_writable_folder(folder: Path) -> None:
    """Creates ``folder`` if needed and proves that this user can write a file in it.

    The data folder and the run cache check themselves with it before any work, and turn its
    ``OSError`` into an error of their own that says which setting to change.

    Raises:
        OSError: if ``folder`` is a file, or cannot be created or written to.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass
