"""The run cache: a run's key, its entry on disk, load or train, list, remove, plan, bundles.

=================  ================================================================
module             what it does
=================  ================================================================
``runs.key``       the configuration and key of a run (what decides its result)
``runs.store``     the entries on disk: checked records, list, describe, remove
``runs.cache``     :func:`run`: load the cached run, or train and store it
``runs.plan``      the runs an edition needs, as data (key, epochs, seconds)
``runs.bundle``    export the planned runs to one archive, import one, verified
=================  ================================================================

``list_runs``, ``describe`` and ``remove_run`` read files only; ``run`` and ``Run`` load
TensorFlow on first use.
"""

from __future__ import annotations

import importlib

from dlcv.runs.store import RECORD_FILE, describe, list_runs, remove_run

__all__ = ["RECORD_FILE", "Run", "RunCacheWarning", "describe", "list_runs", "remove_run", "run"]

_FROM_CACHE = {"run", "Run", "RunCacheWarning", "load"}


def __getattr__(name: str):
    if name in _FROM_CACHE:
        return getattr(importlib.import_module("dlcv.runs.cache"), name)
    raise AttributeError(f"module 'dlcv.runs' has no attribute {name!r}")
