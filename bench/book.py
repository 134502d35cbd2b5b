"""How long the book takes to build: cold (a fresh machine: no page cache, no trained runs, no
drawn data) and warm (the same build again), and how long each page ran.

Builds into a temporary folder with its own caches, so the checkout's ``_build`` and the
reader's caches are left alone.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from jupyter_cache import get_cache

from tools import REPOSITORY
from tools.book import build_command


def build_times() -> dict:
    """Seconds of a cold and a warm strict build, and each page's execution seconds (cold)."""
    with tempfile.TemporaryDirectory(prefix="dlcv-bench-book-") as folder:
        folder = Path(folder)
        env = {
            **os.environ,
            "DLCV_CACHE_DIR": str(folder / "runs"),
            "DLCV_DATA_DIR": str(folder / "data"),
            "DLCV_PROFILE": "quick",
        }
        cold = _build(folder, env)
        pages = {
            Path(record.uri).relative_to(REPOSITORY).as_posix(): record.data["execution_seconds"]
            for record in get_cache(folder / "_build" / ".jupyter_cache").list_cache_records()
        }
        warm = _build(folder, env)
    return {"cold_seconds": cold, "warm_seconds": warm, "page_execution_seconds": pages}


def _build(output: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(
        build_command(output),
        cwd=REPOSITORY,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start
