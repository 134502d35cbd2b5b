"""The prepared folder's life cycle: named, built in a staging folder and published whole,
verified against what was recorded before every reuse, and removed only when dlcv made it.

``<root>/info.json`` records the provenance, the counts and ``fingerprint``, the SHA-256 of the
prepared photos' names and bytes. A folder is reused only when it holds exactly the files its
counts name (no file more, none less, none in a subfolder, no link) and their fingerprint is the
recorded one; a folder that carries dlcv's marker and fails is made again, one without the
marker is left alone and refused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from dlcv import folders, settings
from dlcv.data import drawn
from dlcv.data.cats_vs_dogs import sources
from dlcv.data.cats_vs_dogs.subset import CLASS_NAMES, DROP_REASONS, SPLITS
from dlcv.errors import ConfigError, DataUnavailableError

log = logging.getLogger("dlcv")

INFO = "info.json"
MADE_FROM = ".made_from.json"
"""In a prepared real-photo folder: the path, stamp and SHA-256 of what it was made from."""
_RECORDS = {INFO, MADE_FROM, folders.MARKER}
_RECORD_KEYS = {
    "name": str,
    "source": str,
    "counts": dict,
    "dropped": dict,
    "origin": str,
    "license": str,
    "fingerprint": str,
}
"""The keys ``info.json`` must hold, and their types."""


def subset_name(source: str, counts: tuple[int, int, int], archive) -> str:
    """The prepared folder's name: one per source and counts (and folder of photos)."""
    name = f"{source}-{'-'.join(map(str, counts))}"
    if source == "directory":
        folder = os.fsencode(Path(archive).expanduser().resolve())
        name += "-" + hashlib.sha256(folder).hexdigest()[:8]
    return name


def sample_name(counts: tuple[int, int, int], image_size: tuple[int, int]) -> str:
    height, width = image_size
    counts_text = "-".join(map(str, counts))
    return f"sample-v{drawn.VERSION}-seed{settings.SEED}-{height}x{width}-{counts_text}"


def photo_names(counts: tuple[int, int, int]) -> list[str]:
    """The files a prepared folder of ``counts`` holds, in the book's index ranges."""
    names = []
    for kind in CLASS_NAMES:
        start = 0
        for split, count in zip(SPLITS, counts, strict=True):
            names += [f"{split}/{kind}/{kind}.{index}.jpg" for index in range(start, start + count)]
            start += count
    return sorted(names)


def fingerprint(root: Path, counts: tuple[int, int, int]) -> str:
    """SHA-256 over the names and contents of the prepared photos: equal data, equal print."""
    digest = hashlib.sha256()
    for name in photo_names(counts):
        digest.update(name.encode())
        with open(root / name, "rb") as stream:
            digest.update(stream.read())
    return digest.hexdigest()


def _entries(root: Path) -> set[str] | None:
    """Every name under ``root`` (folders end in ``/``), or ``None`` if something in it is
    neither a regular file nor a folder (a link, a FIFO)."""
    names = set()
    for folder, subfolders, files in os.walk(root, onerror=_raise):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        for name in subfolders:
            if os.path.islink(os.path.join(folder, name)):
                return None
            names.add(f"{prefix}{name}/")
        for name in files:
            if not Path(folder, name).is_file() or os.path.islink(os.path.join(folder, name)):
                return None
            names.add(prefix + name)
    return names


def _raise(error: OSError) -> None:
    raise error


def _expected_entries(counts) -> set[str]:
    names = set(photo_names(counts)) | {f"{split}/" for split in SPLITS}
    names |= {f"{split}/{kind}/" for split in SPLITS for kind in CLASS_NAMES}
    return names


def check(root: Path, counts: tuple[int, int, int]) -> tuple[dict | None, str]:
    """``(info, "")`` if ``root`` is an intact prepared folder of ``counts``, else
    ``(None, what is wrong)``."""
    try:
        info = json.loads(sources.read_record_bytes(root / INFO))
        if not isinstance(info, dict) or not all(
            isinstance(info.get(key), kind) for key, kind in _RECORD_KEYS.items()
        ):
            return None, f"{INFO} is not a whole record"
        want = {s: dict.fromkeys(CLASS_NAMES, n) for s, n in zip(SPLITS, counts, strict=True)}
        if info.get("counts") != want:
            return None, f"{INFO} records other counts"
        entries = _entries(root)
        if entries is None:
            return None, "it holds a link or a special file"
        extra = entries - _RECORDS - _expected_entries(counts)
        missing = _expected_entries(counts) - entries
        if extra or missing:
            some = sorted(extra)[:3] if extra else sorted(missing)[:3]
            return None, f"{'extra' if extra else 'missing'} files ({', '.join(some)})"
        if fingerprint(root, counts) != info.get("fingerprint"):
            return None, "a photo's content differs from what was recorded"
    except (OSError, ValueError, RecursionError) as error:
        return None, f"it cannot be read ({getattr(error, 'strerror', None) or error})"
    return info, ""


def verified(root: Path, counts: tuple[int, int, int]) -> dict | None:
    """The info of the prepared folder ``root`` after checking it whole, or ``None`` when there
    is none (a damaged folder dlcv made is removed, to be made again).

    Raises:
        DataUnavailableError: if ``root`` is damaged and dlcv did not make it, or cannot
            remove it.
    """
    kind = sources.kind_of(root)
    if kind == "missing":
        return None
    info, problem = check(root, counts) if kind == "folder" else (None, f"it is a {kind}")
    marked = folders.is_dlcvs(root)
    if info is not None:
        if not marked:  # made by an older dlcv, and proved intact: mark it as dlcv's
            with contextlib.suppress(OSError):
                (root / folders.MARKER).write_text("made by dlcv\n")
        return info
    if not marked:
        raise DataUnavailableError(
            f"{root} is not an intact prepared folder ({problem}), and dlcv did not make it, so "
            "it leaves it alone: move it away (or point DLCV_DATA_DIR at another folder)."
        )
    log.warning("cats vs dogs: %s is damaged (%s); making it again.", root, problem)
    discard(root)
    return None


def discard(root: Path) -> None:
    """Removes a prepared folder dlcv made: renamed aside first, so no half-removed folder
    looks whole."""
    aside = root.parent / f"{folders.temporary_prefix(root.name)}discarded"
    try:
        if not folders.is_dlcvs(root):
            raise folders.NotDlcvsError(f"{root} carries no {folders.MARKER} marker")
        root.rename(aside)
        folders.remove(aside)
    except FileNotFoundError:
        return
    except (OSError, folders.NotDlcvsError) as error:
        raise DataUnavailableError(
            f"The prepared folder {root} must be made again but cannot be removed "
            f"({getattr(error, 'strerror', None) or error}): delete it yourself and retry."
        ) from error


def build(root: Path, make: Callable[[Path], dict], counts: tuple[int, int, int]) -> None:
    """Fills a staging folder with ``make`` and publishes it as ``root`` once complete."""
    writable(root.parent)
    staging = None
    try:
        staging = folders.make_staging(root.parent, root.name)
        info = make(staging)
        info["fingerprint"] = fingerprint(staging, counts)
        (staging / INFO).write_text(json.dumps(info, indent=2) + "\n")
        if sources.kind_of(root) != "missing":
            discard(root)
        try:
            folders.publish(staging, root)
            staging = None
        except OSError:
            if verified(root, counts) is None:  # not just another process that finished first
                raise
    except OSError as error:  # reading errors are DlcvErrors already: this is writing
        raise DataUnavailableError(_write_failure(root, error)) from error
    finally:
        if staging is not None:
            with contextlib.suppress(OSError, folders.NotDlcvsError):
                folders.remove(staging)


def _write_failure(root: Path, error: OSError) -> str:
    cause = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free some disk space (or point DLCV_DATA_DIR at another disk) and retry."
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "Make the data folder writable, or point DLCV_DATA_DIR at one you can write."
    elif error.errno == errno.ENAMETOOLONG:
        advice = "Point DLCV_DATA_DIR at a folder with a shorter path."
    else:
        advice = "Check the data folder (DLCV_DATA_DIR) and retry."
    return (
        f"Could not write the prepared folder {root} ({cause}); the photos themselves are "
        f"fine. {advice}"
    )


def writable(home: Path) -> None:
    """Refuses a data folder that is a file, or one this user may not write to."""
    try:
        folders.writable_folder(home)
    except OSError as error:
        raise ConfigError(
            f"The data folder {home} cannot be written ({error.strerror or error}): it is a "
            "file, not yours to write, or its path is too long. Point DLCV_DATA_DIR (or "
            "data_dir=, --data-dir) at a folder you can write to."
        ) from error


def info_record(source: str, counts, dropped: dict, origin: str, license_: str) -> dict:
    return {
        "name": "cats_vs_dogs",
        "source": source,
        "counts": {
            split: dict.fromkeys(CLASS_NAMES, n) for split, n in zip(SPLITS, counts, strict=True)
        },
        "dropped": dropped,
        "origin": origin,
        "license": license_,
    }


def prepare_sample(home: Path, counts, image_size, license_: str) -> Path:
    """The drawn sample's prepared folder, drawn when missing or damaged."""
    root = home / sample_name(counts, image_size)
    if verified(root, counts) is not None:
        return root
    height, width = image_size

    def make(staging: Path) -> dict:
        drawn.write_sample(staging, counts, image_size, settings.SEED)
        origin = (
            f"drawn by dlcv.data.drawn (version {drawn.VERSION}, seed {settings.SEED}, "
            f"{height}x{width} pixels)"
        )
        return info_record("sample", counts, dict.fromkeys(DROP_REASONS, 0), origin, license_)

    build(root, make, counts)
    return root


def current(root: Path, info: dict, location: Path | None, expected: str | None) -> bool:
    """Whether the intact subset ``root`` was made from ``location`` as it is now.

    A subset whose source is no longer on disk (``location`` is ``None``) stands: the photos
    may have been deleted to save space. One whose archive or folder changed, or whose
    ``expected`` SHA-256 differs, is made again.
    """
    made = info.get("made_from_sha256")
    if expected and made != expected:
        return False
    if location is None:
        return True
    location = sources.photo_source(location)
    record = sources.recorded(root / MADE_FROM)
    if (
        record.get("sha256") == made
        and record.get("path") == str(location.resolve())
        and record.get("stamp") == sources.stamp(location)
    ):
        return True
    if made is None or sources.content_sha256(location) != made:
        log.info("cats vs dogs: %s changed since %s was made; making it again.", location, root)
        return False
    with contextlib.suppress(OSError):  # the same content, touched: remember the new stamp
        (root / MADE_FROM).write_text(json.dumps(sources.made_from(location)) + "\n")
    return True
