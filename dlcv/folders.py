"""The folders dlcv writes, in one protocol: create, stage, publish atomically, remove.

Every folder dlcv makes in a data folder or in the run cache carries a marker file, ``.dlcv``,
written before anything else. dlcv removes a folder only when it carries that marker (and is no
symbolic link), so a data folder or run cache pointed at a folder of the user's never loses
anything dlcv did not make. Work is done in a hidden staging folder next to its destination and
published with one ``rename``, so an interrupted process leaves either nothing or the whole
result; :func:`remove_leftovers` later removes the staging folders and temporary files of
processes that no longer run.

Example:
    >>> import pathlib, tempfile
    >>> parent = pathlib.Path(tempfile.mkdtemp())
    >>> staging = make_staging(parent, "subset")
    >>> _ = (staging / "train.txt").write_text("cat/1.jpg")
    >>> publish(staging, parent / "subset")
    >>> sorted(path.name for path in (parent / "subset").iterdir())
    ['.dlcv', 'train.txt']
    >>> remove(parent / "subset")
    >>> (parent / "subset").exists()
    False
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from dlcv.errors import DlcvError

MARKER = ".dlcv"
"""The file that marks a folder as made by dlcv: the only kind of folder dlcv deletes."""

TEMPORARY_SUFFIX = ".dlcv-tmp"
"""How the name of every temporary file dlcv writes ends (a download or extraction)."""

LEFTOVER_AGE_S = 7 * 24 * 3600.0
"""How old a staging folder or temporary file must be to be removed even if its process still
seems to run (process ids are reused)."""

_TEMPORARY = re.compile(r"^\.(?P<stem>.+)-p(?P<pid>\d{1,10})-")


class NotDlcvsError(DlcvError):
    """A folder dlcv was asked to delete does not carry dlcv's marker: it is left alone."""


def writable_folder(folder: Path) -> Path:
    """Creates ``folder`` if needed and proves that this user can write a file in it.

    The data folder and the run cache check themselves with it before any work, and turn its
    ``OSError`` into an error of their own that says which setting to change.

    Returns:
        ``folder``.

    Raises:
        OSError: if ``folder`` is a file, or cannot be created or written to.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass
    return folder


def shareable(path: Path) -> None:
    """Gives a folder made by ``tempfile.mkdtemp`` (mode 0700) the mode of any new folder (0777
    less the umask), so that a data folder or run cache shared by a group stays usable by all."""
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        path.chmod(0o777 & ~umask)


def temporary_prefix(stem: str) -> str:
    """The start of a temporary name: hidden, and naming the process that made it, so that
    :func:`remove_leftovers` tells an interrupted process's leftovers from a live one's work."""
    return f".{stem}-p{os.getpid()}-"


def temporary_file(parent: Path, stem: str) -> Path:
    """A new empty temporary file in ``parent``, named so that :func:`remove_leftovers` knows it."""
    descriptor, name = tempfile.mkstemp(
        prefix=temporary_prefix(stem), suffix=TEMPORARY_SUFFIX, dir=parent
    )
    os.close(descriptor)
    return Path(name)


def make_staging(parent: Path, stem: str) -> Path:
    """A new hidden staging folder in ``parent`` that carries dlcv's marker.

    Args:
        parent: the folder its result will be published in (the same file system, so that
            :func:`publish` is one ``rename``).
        stem: a short name for what is staged (the destination's name).
    """
    staging = Path(tempfile.mkdtemp(prefix=temporary_prefix(stem), dir=parent))
    (staging / MARKER).write_text("made by dlcv; removed by dlcv when it is no longer needed\n")
    shareable(staging)
    return staging


def publish(staging: Path, destination: Path) -> None:
    """Moves a finished staging folder to ``destination`` in one step (``rename``).

    Raises:
        OSError: if ``destination`` exists (as a non-empty folder or a file) or the rename fails;
            the staging folder is then left as it was, for the caller to remove.
    """
    os.rename(staging, destination)


def is_dlcvs(path: Path) -> bool:
    """Whether ``path`` is a real folder (no symbolic link) that carries dlcv's marker."""
    try:
        return path.is_dir() and not path.is_symlink() and (path / MARKER).is_file()
    except OSError:
        return False


def remove(path: Path) -> None:
    """Deletes a folder dlcv made, and nothing else.

    Raises:
        NotDlcvsError: if ``path`` is a symbolic link, not a folder, or carries no marker.
        OSError: if the folder cannot be deleted (a read-only parent, say).
    """
    if not is_dlcvs(path):
        raise NotDlcvsError(
            f"{path} was not made by dlcv (it has no {MARKER} marker file), so dlcv leaves it "
            "alone; delete it yourself if you no longer need it."
        )
    shutil.rmtree(path)


def remove_leftovers(folder: Path, max_age_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Removes what interrupted processes left in ``folder``: staging folders that carry the
    marker and temporary files that end in :data:`TEMPORARY_SUFFIX`, whose process no longer
    runs (or that are older than ``max_age_s``). Nothing else is touched.

    Returns:
        The paths removed.
    """
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match:
            continue
        try:
            stat = entry.lstat()
        except OSError:
            continue
        if not (is_dlcvs(entry) or (entry.is_file() and entry.name.endswith(TEMPORARY_SUFFIX))):
            continue
        if _alive(int(match["pid"])) and now - stat.st_mtime < max_age_s:
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(entry) if is_dlcvs(entry) else entry.unlink()
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (for another user's process too)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def read_small_file(path: Path, limit: int) -> bytes:
    """The bytes of a small file dlcv wrote (a record, a marker), read only if it is a regular
    file of at most ``limit`` bytes: a FIFO in its place would hang the read (it is opened
    without blocking, then checked), a device or a giant file fill memory.

    Raises:
        OSError: if it cannot be opened or read.
        ValueError: if it is not a regular file, or larger than ``limit``.
    """
    with open(path, "rb", opener=open_without_blocking) as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            raise ValueError(f"{path.name} is not a regular file of at most {limit:,} bytes")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name} is larger than {limit:,} bytes")
    return data


def open_without_blocking(path, flags):
    """An ``opener`` for :func:`open` that does not block on a FIFO put where a file was."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
