"""The runs the published book was built from, fetched for a reader's notebook or Binder image.

The publish workflow trains every run an edition's pages need (``python -m dlcv runs plan``),
builds the site from them alone, and attaches them, as one bundle (``python -m dlcv runs
export``), to a GitHub release named by the edition and a digest of the run keys::

    https://github.com/dlcv-book/dlcv/releases/download/runs-quick-<digest>/dlcv-runs-quick.tar

A run's key is everything that decides it (code, data, settings, TensorFlow and Keras versions),
so the same code at the same versions plans the same keys, hence the same release: a notebook
installed at the commit the pages were built from finds the bundle of their runs, and a changed
environment finds none (and trains). :func:`import_runs` does that, once, for Binder's
``postBuild`` and each notebook's first cell::

    python -m dlcv.published            # the edition of DLCV_PROFILE (quick when unset)

``DLCV_RELEASES_URL`` replaces the releases' address (a mirror, or a test's local server).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from dlcv import profiles, settings

REPOSITORY = "dlcv-book/dlcv"
RELEASES_URL = f"https://github.com/{REPOSITORY}/releases/download"
IMPORT_TIMEOUT_S = 900
"""The longest a bundle's download and import may take before the page trains instead."""


def runs_digest(keys: Iterable[str]) -> str:
    """A short digest of a set of run keys: the same keys, in any order, give the same digest.

    Example:
        >>> runs_digest(["b2", "a1"]) == runs_digest(["a1", "b2", "a1"])
        True
        >>> len(runs_digest(["a1"]))
        16
    """
    text = "\n".join(sorted(set(keys)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def release_tag(profile: str, keys: Iterable[str]) -> str:
    """The release that holds the bundle of an edition's runs.

    Example:
        >>> release_tag("full", ["a1", "b2"]).startswith("runs-full-")
        True
    """
    return f"runs-{profile}-{runs_digest(keys)}"


def bundle_name(profile: str) -> str:
    """The file name of an edition's bundle, in its release."""
    return f"dlcv-runs-{profile}.tar"


def bundle_url(profile: str, keys: Iterable[str], releases_url: str | None = None) -> str:
    """Where the published bundle of these runs is (``DLCV_RELEASES_URL`` or GitHub's).

    Example:
        >>> bundle_url("quick", ["a1"], "http://127.0.0.1:8000")  # doctest: +ELLIPSIS
        'http://127.0.0.1:8000/runs-quick-.../dlcv-runs-quick.tar'
    """
    base = (releases_url or os.environ.get("DLCV_RELEASES_URL") or RELEASES_URL).rstrip("/")
    return f"{base}/{release_tag(profile, keys)}/{bundle_name(profile)}"


def planned_keys(profile: str) -> list[str]:
    """The run keys of an edition, as ``python -m dlcv runs plan`` lists them here.

    Raises:
        subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError: if the plan cannot
            be made or read.
    """
    output = _dlcv("--profile", profile, "runs", "plan", "--json", timeout=600)
    return [entry["key"] for entry in json.loads(output)["runs"]]


def cached_keys(cache_dir: str | Path | None = None) -> set[str]:
    """The keys of the complete runs in the run cache (entries ``<name>-<key>/run.json``)."""
    root = Path(cache_dir) if cache_dir else settings.cache_dir()
    return {entry.parent.name.rpartition("-")[2] for entry in root.glob("*/run.json")}


def import_runs(profile: str | None = None, *, releases_url: str | None = None) -> bool:
    """Fetches the published runs of an edition into the run cache, or says why not, once.

    Nothing is fetched when every planned run is already cached. Any failure (no network, no
    bundle for this code and these versions, a bundle refused by ``runs import``) prints one
    sentence and returns ``False``: the pages then train their runs, as without a bundle.

    Args:
        profile: the edition; defaults to the active profile (``DLCV_PROFILE``).
        releases_url: where the releases are; defaults to ``DLCV_RELEASES_URL`` or GitHub's.

    Returns:
        Whether every run of the edition's plan is now in the run cache.
    """
    profile = profile or profiles.active().name
    try:
        keys = planned_keys(profile)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as error:
        return _say(f"the runs of this edition could not be listed ({_reason(error)})")
    if not set(keys) - cached_keys():
        return True
    url = bundle_url(profile, keys, releases_url)
    try:
        _dlcv("runs", "import", url, timeout=IMPORT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as error:
        return _say(f"the book's runs could not be fetched from {url} ({_reason(error)})")
    missing = set(keys) - cached_keys()
    if missing:
        return _say(f"the bundle at {url} lacks {len(missing)} of the edition's runs")
    _remember_import(keys, release_tag(profile, keys), url)
    print(
        f"The book's {len(keys)} runs of the {profile} edition are in the run cache "
        f"({release_tag(profile, keys)}): the pages load them instead of training.",
        flush=True,
    )
    return True


def _remember_import(keys: list[str], tag: str, url: str) -> None:
    """Notes in the run cache which release the runs came from, for the pages' provenance note
    (:func:`dlcv.data.provenance.runs_sentence`)."""
    from dlcv.data.provenance import IMPORTS_FILE

    path = settings.cache_dir() / IMPORTS_FILE
    try:
        imports = json.loads(path.read_text())
    except (OSError, ValueError):
        imports = {}
    imports = imports if isinstance(imports, dict) else {}
    imports.update({key: {"release": tag, "url": url} for key in keys})
    partial = path.with_name(f".{path.name}-{os.getpid()}")
    try:
        partial.write_text(json.dumps(imports, indent=1))
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)  # the note then only lacks the release


def _say(why: str) -> bool:
    print(
        f"Not using the published runs: {why}. The pages train their own runs here, which "
        "takes longer and can give other numbers than the book's.",
        flush=True,
    )
    return False


def _reason(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        lines = (error.stderr or "").strip().splitlines()
        return lines[-1] if lines else f"exit status {error.returncode}"
    if isinstance(error, subprocess.TimeoutExpired):
        return f"no answer within {error.timeout:.0f} s"
    return str(error) or type(error).__name__


def _dlcv(*args: str, timeout: float) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dlcv", *args], capture_output=True, text=True, check=True,
        timeout=timeout,
    )
    return result.stdout


def main() -> int:
    """``python -m dlcv.published``: :func:`import_runs` for the active profile; exits 0 either
    way, since a missing bundle only means the pages train."""
    import_runs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
