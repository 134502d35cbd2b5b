"""A bundle of runs: one tar archive of run-cache entries with a manifest, made on one machine
and imported on another (a CI job, Binder, a reader's laptop).

``manifest.json`` holds the run keys, the dlcv version and git commit (when known), the hash of
the training code, the TensorFlow and Keras versions, the machine, the seconds of training and
the SHA-256 of every other file. :func:`import_runs` verifies all of it before it writes
anything, refuses a bundle of other training code, never replaces a run already in the cache,
and publishes the new runs by rename (:mod:`dlcv.folders`).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from dlcv import folders
from dlcv.errors import BundleError, ConfigError, RunCacheError
from dlcv.runs import store
from dlcv.runs.key import run_key, training_source_hash

MANIFEST = "manifest.json"
FORMAT = 1
MAX_MEMBER_BYTES = 2 * 1024**3
"""The largest file a bundle may hold (a run's model is a few MiB to a few hundred)."""
MAX_BUNDLE_BYTES = 8 * 1024**3
MAX_MANIFEST_BYTES = 16 * 1024**2
DOWNLOAD_TIMEOUT_S = 60.0
_MEMBER = re.compile(
    r"runs/(?P<entry>[A-Za-z0-9][A-Za-z0-9_.-]*-(?P<key>[0-9a-f]{16}))/"
    r"(?P<file>model\.keras|history\.json|run\.json)"
)


def _training_source() -> str:
    return training_source_hash()


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def _commit() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).resolve().parent,
        )
        if done.returncode == 0:
            return done.stdout.strip()
    return None


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def export_runs(path: str | Path, keys, cache_dir: str | Path | None = None) -> dict:
    """Writes the cached runs with these ``keys`` to one tar archive at ``path``.

    Returns:
        The manifest written.

    Raises:
        BundleError: if a run is missing from the cache or damaged there, or its training code
            is not this dlcv's.
    """
    from importlib.metadata import version

    root = store.cache_root(cache_dir)
    by_key = {}
    for record in store.list_runs(root):
        entry = Path(record["path"])
        key = entry.name.rsplit("-", 1)[-1]
        if key in keys and store.is_run_entry(entry):
            by_key[key] = entry
    missing = [key for key in keys if key not in by_key]
    if missing:
        raise BundleError(
            f"{len(missing)} planned run(s) are not in the run cache {root} (keys "
            f"{', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}): train them first "
            "(python -m dlcv train --key KEY) or build the book."
        )
    source = _training_source()
    files, runs, total = {}, [], 0.0
    for key in keys:
        entry = by_key[key]
        record, _ = store.read_record(entry)
        if record["config"].get("training_source") != source or run_key(record["config"]) != key:
            raise BundleError(f"The cached run {entry.name} was not made by this training code.")
        runs.append({"key": key, "name": entry.name, "seconds": record["seconds"]})
        total += record["seconds"]
        for name in store.ENTRY_FILES:
            with open(entry / name, "rb") as stream:
                files[f"runs/{entry.name}/{name}"] = _sha256(stream)
    manifest = {
        "format": FORMAT,
        "dlcv": version("dlcv"),
        "commit": _commit(),
        "training_source": source,
        "versions": _versions(),
        "machine": {"system": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count()},
        "created": time.time(),
        "seconds": total,
        "runs": runs,
        "files": files,
    }
    path = Path(path)
    partial = path.with_name(f".{path.name}-p{os.getpid()}{folders.TEMPORARY_SUFFIX}")
    try:
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(time.time())
            archive.addfile(info, io.BytesIO(data))
            for member in files:
                _, entry, name = member.split("/")
                archive.add(by_key[entry.rsplit("-", 1)[-1]] / name, arcname=member)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def import_runs(source: str | Path, cache_dir: str | Path | None = None) -> tuple[list, list]:
    """Adds the runs of a bundle (a path, or an ``http(s)`` URL) to the run cache.

    Everything is checked before anything is written: each member's name and kind (regular
    files under ``runs/<name>-<key>/`` only), its size, its SHA-256 against the manifest, the
    manifest's list of files against the archive's, each ``run.json`` against its key, and the
    training code. A run already in the cache is kept as it is. The new runs are staged, then
    published each by one rename; an interrupted import leaves no partial run.

    Returns:
        ``(added, kept)``: the entry names added, and those already in the cache.

    Raises:
        BundleError: if the bundle is damaged, hostile, forged or of other training code.
        RunCacheError: if the run cache is not writable.
    """
    root = store.writable_cache(cache_dir)
    with _local(source, root) as path:
        try:
            archive = tarfile.open(path, "r:*")
        except (tarfile.TarError, OSError) as error:
            raise BundleError(f"{source} is not a readable bundle of runs ({error}).") from error
        with archive:
            try:
                manifest, members = _verified(archive)
            except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
                raise BundleError(f"{source} is a damaged bundle of runs ({error}).") from error
            try:
                return _add(archive, manifest, members, root)
            except OSError as error:
                raise RunCacheError(
                    f"The runs could not be written to the run cache {root} "
                    f"({error.strerror or error}); nothing partial was left. Free some disk "
                    "space or point DLCV_CACHE_DIR at another folder."
                ) from error


@contextlib.contextmanager
def _local(source: str | Path, root: Path):
    """The bundle as a local file: a path as given, a URL downloaded to a temporary file."""
    text = str(source)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if not text.lower().startswith(("http://", "https://")):
            raise ConfigError(f"{text} is not an http(s) URL or a path of a bundle.")
        download = folders.temporary_file(root, "bundle")
        try:
            _download(text, download)
            yield download
        finally:
            download.unlink(missing_ok=True)
        return
    try:
        path = Path(text).expanduser()
        size = path.stat().st_size if path.is_file() else None
    except (OSError, ValueError, RuntimeError) as error:  # too long, a NUL, ~unknown-user
        raise BundleError(f"{text!r} is not a path of a bundle of runs ({error}).") from error
    if size is None:
        raise BundleError(f"{path} is not a file: give the path or URL of a bundle of runs.")
    if size > MAX_BUNDLE_BYTES:  # reading it through every decompressor would take hours
        raise BundleError(f"{path} is larger than a bundle of runs may be.")
    yield path


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, \
                open(target, "wb") as out:
            if not response.geturl().lower().startswith(("http://", "https://")):
                raise BundleError(f"{url} redirected to {response.geturl()}, which is not http(s).")
            size = 0
            for block in iter(lambda: response.read(1 << 20), b""):
                size += len(block)
                if size > MAX_BUNDLE_BYTES:
                    raise BundleError(f"{url} is larger than a bundle may be.")
                out.write(block)
            expected = response.headers.get("Content-Length", "")
            if expected.isdigit() and int(expected) != size:
                raise BundleError(
                    f"The download of {url} was cut after {size} of {expected} bytes; "
                    "retry, or download it yourself and import the file."
                )
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError,
            ValueError) as error:
        raise BundleError(
            f"The bundle at {url} could not be downloaded ({error}); check the URL and the "
            "connection, or download it yourself and import the file."
        ) from error


def _verified(archive: tarfile.TarFile) -> tuple[dict, dict]:
    """The manifest and ``{member name: TarInfo}``, after every check that needs no writing."""
    members, manifest_info, total = {}, None, 0
    for info in archive.getmembers():
        if info.name == MANIFEST and info.isreg():
            manifest_info = info
            continue
        if info.isdir() and (info.name in ("runs", "runs/") or _is_entry_dir(info.name)):
            continue
        if not (info.isreg() and _MEMBER.fullmatch(info.name)):
            raise BundleError(
                f"The bundle holds {info.name!r} ({_kind(info)}), which no bundle of runs holds: "
                "it may be hostile, and nothing was imported."
            )
        if info.size > MAX_MEMBER_BYTES or info.name in members:
            raise BundleError(f"The bundle's member {info.name!r} is too large or repeated.")
        total += info.size
        members[info.name] = info
    if manifest_info is None or manifest_info.size > MAX_MANIFEST_BYTES:
        raise BundleError("The bundle has no manifest.json (or an oversized one).")
    if total > MAX_BUNDLE_BYTES:
        raise BundleError("The bundle's files are larger than a bundle may be.")
    manifest = _manifest(archive, manifest_info)
    if set(manifest["files"]) != set(members):
        raise BundleError(
            "The bundle's manifest does not list exactly the files it holds: it was changed "
            "after it was made, and nothing was imported."
        )
    for name, info in members.items():
        if _sha256(archive.extractfile(info)) != manifest["files"][name]:
            raise BundleError(f"The bundle's {name} does not match its SHA-256: it is damaged.")
    source = _training_source()
    if manifest["training_source"] != source:
        raise BundleError(
            f"The bundle was made by other training code (its hash {manifest['training_source']}, "
            f"this dlcv's {source}): its runs would never be loaded here. Use the bundle made "
            "for this version of the book, or train the runs."
        )
    entries = {name.split("/")[1] for name in members}
    keys = {run["key"] for run in manifest["runs"]}
    for entry in entries:
        record_name = f"runs/{entry}/{store.RECORD_FILE}"
        if not all(f"runs/{entry}/{f}" in members for f in store.ENTRY_FILES):
            raise BundleError(f"The bundle's run {entry} is incomplete.")
        try:
            record = json.loads(archive.extractfile(members[record_name]).read())
            store.check_record(record)
            history_member = members[f"runs/{entry}/{store.HISTORY_FILE}"]
            history = json.loads(archive.extractfile(history_member).read())
            store.check_history(history, record["best_epoch"])
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise BundleError(f"The bundle's run {entry} has a damaged record ({error}).") \
                from error
        key = entry.rsplit("-", 1)[-1]
        if (run_key(record["config"]) != key or key not in keys
                or record["config"].get("training_source") != source
                or entry != f"{record['config'].get('name')}-{key}"):
            raise BundleError(
                f"The bundle's run {entry} is not the run its name and the manifest say: it was "
                "forged or changed, and nothing was imported."
            )
    if keys != {entry.rsplit("-", 1)[-1] for entry in entries}:
        raise BundleError("The bundle's manifest lists runs the bundle does not hold.")
    return manifest, members


def _manifest(archive: tarfile.TarFile, info: tarfile.TarInfo) -> dict:
    try:
        manifest = json.loads(archive.extractfile(info).read())
        ok = (
            isinstance(manifest, dict) and manifest.get("format") == FORMAT
            and isinstance(manifest.get("files"), dict)
            and all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                    for v in manifest["files"].values())
            and isinstance(manifest.get("runs"), list)
            and all(isinstance(r, dict) and isinstance(r.get("key"), str)
                    for r in manifest["runs"])
            and isinstance(manifest.get("training_source"), str)
        )
    except (ValueError, UnicodeDecodeError, RecursionError):
        ok = False
    if not ok:
        raise BundleError("The bundle's manifest.json is not one dlcv writes.")
    return manifest


def _is_entry_dir(name: str) -> bool:
    name = name.rstrip("/")
    return name.count("/") == 1 and bool(_MEMBER.fullmatch(f"{name}/run.json"))


def _kind(info: tarfile.TarInfo) -> str:
    if info.issym() or info.islnk():
        return "a link"
    if info.isdir():
        return "a folder"
    return "a file" if info.isreg() else "a special file"


def _add(archive: tarfile.TarFile, manifest: dict, members: dict, root: Path):
    """Stages every new run, then publishes each; on failure removes what it staged."""
    entries = sorted({name.split("/")[1] for name in members})
    kept = [entry for entry in entries if (root / entry).exists() or (root / entry).is_symlink()]
    staged = {}
    try:
        for entry in entries:
            if entry in kept:
                continue
            staging = folders.make_staging(root, entry)
            staged[entry] = staging
            for name in store.ENTRY_FILES:
                member = f"runs/{entry}/{name}"
                with archive.extractfile(members[member]) as source, \
                        open(staging / name, "wb") as out:
                    shutil.copyfileobj(source, out)
                with open(staging / name, "rb") as written:
                    if _sha256(written) != manifest["files"][member]:
                        raise BundleError(f"{member} changed while it was imported.")
        added = []
        for entry, staging in staged.items():
            try:
                folders.publish(staging, root / entry)
                added.append(entry)
            except OSError:  # another process imported or trained it meanwhile: keep theirs
                kept.append(entry)
    finally:
        for staging in staged.values():
            if staging.exists():
                folders.remove(staging)
    return added, kept
