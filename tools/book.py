"""The strict build of the book, in one place: ``make book``, ``make book-full`` and the build
benchmark (``bench/book.py``) all build through it.

    python -m tools.book                          # into _build (the profile of $DLCV_PROFILE)
    python -m tools.book --path-output _build/full
    python -m tools.book --from-cache             # train nothing: every run from the run cache

Page outputs are cached by jupyter-cache, keyed on each page's code only, so a change to dlcv's
sources must execute the pages again: before building, the page cache of a build made with
other dlcv sources is dropped (trained runs stay in the run cache, keyed on what decides them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tools import REPOSITORY

STRICT_FLAGS = ("-W", "-n", "--keep-going")
"""Warnings are errors, nitpicky references, and every error reported before failing."""

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
SOURCES_STAMP = ".dlcv-sources"  # in the build folder: the sources its page outputs came from
PAGE_OUTPUTS = (".jupyter_cache", ".doctrees", "jupyter_execute")
BUILD_RECORD = "dlcv-build.json"  # in the build folder: when it started, with which run cache


def sources_hash(root: Path = REPOSITORY) -> str:
    """A hash of dlcv's Python sources under ``root``: their paths and contents."""
    digest = hashlib.sha256()
    for path in sorted((root / "dlcv").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def drop_stale_page_outputs(build_dir: Path, sources: str) -> bool:
    """Removes the cached page outputs in ``build_dir`` unless they came from ``sources``.

    Returns:
        Whether anything was dropped.
    """
    stamp = build_dir / SOURCES_STAMP
    if stamp.is_file() and stamp.read_text().strip() == sources:
        return False
    present = [build_dir / name for name in PAGE_OUTPUTS if (build_dir / name).exists()]
    for path in present:
        shutil.rmtree(path)
    return bool(present)


def build_command(path_output: Path | None = None) -> list[str]:
    """The strict ``jupyter-book build`` command line, into ``path_output/_build`` if given."""
    command = [str(JUPYTER_BOOK), "build", ".", *STRICT_FLAGS]
    if path_output is not None:
        command += ["--path-output", str(path_output)]
    return command


def build_environment(from_cache: bool = False) -> dict[str, str]:
    """The environment of the build (its kernels inherit it): claims strict (a false sentence
    fails its page, whatever a reader's startup files say) and, with ``from_cache``,
    ``DLCV_TRAINING=forbid``, so that a run missing from the run cache fails its page with
    :class:`dlcv.errors.MissingRunError` (naming its key) instead of being trained."""
    environment = dict(os.environ, DLCV_CLAIMS="strict")
    if from_cache:
        environment["DLCV_TRAINING"] = "forbid"
    return environment


def record_build(build_dir: Path, environment: dict[str, str]) -> dict:
    """Writes ``BUILD_RECORD`` in ``build_dir``: when the build started, its profile and the run
    cache its kernels use, so that a test over the built site can tell the runs the build
    trained (created after it started) from those it found (``tests/site/test_build_runs.py``).

    Returns:
        The record written.
    """
    from dlcv import profiles, settings

    saved = dict(os.environ)
    os.environ.update(environment)  # the kernels' environment decides the profile and cache
    try:
        record = {
            "started": time.time(),
            "profile": profiles.active().name,
            "run_cache": str(settings.cache_dir()),
            "training_forbidden": settings.training_forbidden(),
        }
    finally:
        os.environ.clear()
        os.environ.update(saved)
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / BUILD_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    return record


def build(
    path_output: Path | None = None, root: Path = REPOSITORY, from_cache: bool = False
) -> int:
    """Builds the book strictly, with page outputs as fresh as dlcv's sources; the exit status.

    With ``from_cache`` no run is trained: each comes from the run cache (filled by
    ``python -m dlcv runs import``), or its page fails naming the missing key."""
    if path_output is not None:
        path_output = root / path_output  # relative to the repository, as jupyter-book runs there
    build_dir = (path_output or root) / "_build"
    sources = sources_hash(root)
    if drop_stale_page_outputs(build_dir, sources):
        print(f"dlcv's sources changed: the pages under {build_dir} execute again.")
    environment = build_environment(from_cache)
    record_build(build_dir, environment)
    status = subprocess.run(build_command(path_output), cwd=root, env=environment).returncode
    if status == 0:
        (build_dir / SOURCES_STAMP).write_text(sources + "\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--path-output", type=Path, help="build into PATH/_build (default: ./_build)"
    )
    parser.add_argument(
        "--from-cache", action="store_true",
        help="train nothing (DLCV_TRAINING=forbid): a run missing from the run cache fails its "
        "page, naming its key",
    )
    args = parser.parse_args(argv)
    return build(args.path_output, from_cache=args.from_cache)


if __name__ == "__main__":
    sys.exit(main())
