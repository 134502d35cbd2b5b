"""Finding the real photos: the Kaggle archive, Microsoft's copy, or a folder of the user's.

Every path is checked for its kind (a regular file or a folder) before it is opened, so a FIFO
or a device never hangs a call; only candidate photos (JPEGs of a class, no larger than any
photo) are read or hashed; every name the file system allows sorts.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from dlcv import folders
from dlcv.data.cats_vs_dogs.names import CLASS_NAMES, kind_from_name, natural_key
from dlcv.data.fetch import download, extract_member, open_zip, read_member
from dlcv.errors import ArchiveError, ConfigError, DataUnavailableError, DlcvError

log = logging.getLogger("dlcv")

MICROSOFT_URL = (
    "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
    "kagglecatsanddogs_5340.zip"
)
MICROSOFT_FILE = "kagglecatsanddogs_5340.zip"
MICROSOFT_SHA256 = "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9"
KAGGLE_COMPETITION = "dogs-vs-cats"
KAGGLE_RULES = "https://www.kaggle.com/competitions/dogs-vs-cats/rules"
KAGGLE_NAMES = ("dogs-vs-cats.zip", "train.zip", "train")
DOWNLOADS = "downloads"
"""The folder (made and marked by dlcv) that dlcv's own downloads go to: a file the user put in
the data folder is never replaced by one."""
JPEG_SUFFIXES = (".jpg", ".jpeg")
MAX_PHOTO_BYTES = 64 * 1024**2
"""The largest file read as a photo: the competition's largest is under 1 MB. A larger one is
dropped as ``too_large`` without being read (nor hashed)."""


@dataclass(frozen=True)
class Photo:
    """A candidate photo: its name in the source, its sort key, and how to read it."""

    name: str
    key: tuple
    read: Callable[[], bytes | None]


@dataclass(frozen=True)
class Photos:
    """The candidate photos of each class, sorted by file number, and the count of class files
    that are not JPEGs (``Thumbs.db``...)."""

    by_kind: dict[str, list[Photo]]
    not_images: int


def kind_of(path: Path) -> str:
    """``"file"``, ``"folder"``, ``"missing"`` or what else ``path`` is (``"FIFO"``...),
    following symbolic links; never opens it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return "missing"
        raise DataUnavailableError(
            f"Cannot look at {path} ({error.strerror or error}): check that it and the folders "
            "above it may be read, and that its name is not too long."
        ) from error
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    for test, name in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


def given_location(archive) -> Path:
    """The archive or folder the user passed, once it is known to be one."""
    location = Path(archive).expanduser()
    kind = kind_of(location)
    if kind == "missing":
        raise DataUnavailableError(
            f"{location} does not exist (or is a dangling link, or a loop of links); pass the "
            "path of the archive or folder of photos."
        )
    if kind not in ("file", "folder"):
        raise ConfigError(
            f"archive={str(location)!r} is a {kind}, not a file or folder: pass the zip archive "
            "or the folder of photos."
        )
    if kind == "file" and location.stat().st_size == 0:
        raise ArchiveError(
            f"{location} is empty (0 bytes), so it is no archive of photos: pass the zip "
            "archive itself, or a folder of photos."
        )
    return location


def local_archive(source: str, home: Path) -> Path | None:
    """The archive of ``source`` already in the data folder: the user's, else dlcv's download."""
    if source == "kaggle":
        candidates = [home / name for name in KAGGLE_NAMES]
    else:
        candidates = [home / MICROSOFT_FILE, home / DOWNLOADS / MICROSOFT_FILE]
    return next((path for path in candidates if kind_of(path) in ("file", "folder")), None)


def locate(source: str, home: Path, archive, url, sha256) -> Path:
    """The archive or folder holding the photos of ``source``; downloads it if needed."""
    if archive is not None:
        return given_location(archive)
    if source == "kaggle":
        return local_archive(source, home) or kaggle_download()
    users_copy = home / MICROSOFT_FILE  # used as it is (verified, never replaced)
    if kind_of(users_copy) == "file":
        return users_copy
    downloads = home / DOWNLOADS
    if not folders.is_dlcvs(downloads):
        prepared_writable(home)
        staging = folders.make_staging(home, DOWNLOADS)
        try:
            folders.publish(staging, downloads)
        except OSError:
            with contextlib.suppress(OSError):
                folders.remove(staging)
            if not folders.is_dlcvs(downloads):  # not just another process that made it
                raise DataUnavailableError(
                    f"{downloads} exists and was not made by dlcv, so dlcv does not download "
                    "into it: move it away, or pass the archive yourself (archive=...)."
                ) from None
    return download(url or MICROSOFT_URL, sha256 or MICROSOFT_SHA256, downloads, MICROSOFT_FILE)


def prepared_writable(home: Path) -> None:
    """Refuses a data folder this user cannot write (before dlcv downloads into it)."""
    try:
        folders.writable_folder(home)
    except OSError as error:
        raise ConfigError(
            f"The data folder {home} cannot be written ({error.strerror or error}): point "
            "DLCV_DATA_DIR (or data_dir=, --data-dir) at a folder you can write to."
        ) from error


def photo_source(location: Path) -> Path:
    """The folder or archive the photos are read from: kagglehub's download folder holds the
    training photos as ``train.zip``, and nothing else of a class; a folder of the user's that
    holds photos itself is read as it is, whatever zip lies beside them."""
    if kind_of(location) == "folder" and kind_of(location / "train.zip") == "file":
        has_photos = any(name for name, _ in walk(location) if kind_from_name(name))
        if not has_photos:
            return location / "train.zip"
    return location


def walk(folder: Path) -> list[tuple[str, Path]]:
    """``(relative name, path)`` of every regular file under ``folder``, following links to
    folders (each folder once) and sorted by name; anything else (FIFOs, devices, dangling
    links) is left out, and so is a link to a folder that contains ``folder`` (``..`` or ``/``,
    which would walk the whole disk and take any JPEG on it for a photo of the class). A link to
    any other folder is followed, as a link to one's photos should be.

    Raises:
        DataUnavailableError: if a folder cannot be listed.
    """
    found, seen = [], set()
    with contextlib.suppress(OSError, RuntimeError):
        for parent in Path(folder).resolve().parents:
            st = parent.stat()
            seen.add((st.st_dev, st.st_ino))

    def visit(path: Path, prefix: str) -> None:
        try:
            st = path.stat()
            if (st.st_dev, st.st_ino) in seen:
                return
            seen.add((st.st_dev, st.st_ino))
            entries = sorted(os.scandir(path), key=lambda entry: os.fsencode(entry.name))
        except OSError as error:
            raise DataUnavailableError(
                f"Cannot list the folder {path} ({error.strerror or error}): make it readable, "
                "or move it out of the folder of photos."
            ) from error
        for entry in entries:
            name = f"{prefix}{entry.name}"
            try:
                if entry.is_dir():
                    visit(Path(entry.path), name + "/")
                elif entry.is_file():
                    found.append((name, Path(entry.path)))
            except OSError:
                continue  # a name too long or a loop of links: no photo

    visit(folder, "")
    return found


def find_photos(location: Path, home: Path, open_archives: contextlib.ExitStack) -> Photos:
    """The candidate photos in a folder or zip archive (kept open in ``open_archives``)."""
    location = photo_source(location)
    if kind_of(location) == "folder":
        files = [(name, partial(read_file, path)) for name, path in walk(location)]
    else:
        archive = open_archives.enter_context(open_zip(location))
        if "train.zip" in archive.namelist():  # the competition archive nests the training photos
            # Extracted under a name of its own, never over a train.zip of the user's, and
            # removed once read.
            inner = folders.temporary_file(home, "nested-train")
            open_archives.callback(_unlink, inner)
            extract_member(archive, "train.zip", inner)
            archive = open_archives.enter_context(
                open_zip(inner, label=f"{location} (its member train.zip)")
            )
        # A name stored twice is read as unzip tools extract it: the last copy wins.
        members = {member.filename.replace("\\", "/"): member for member in archive.infolist()}
        files = [
            (name, partial(read_member_photo, archive, member))
            for name, member in members.items()
            if not member.is_dir()
        ]
    by_kind = {kind: [] for kind in CLASS_NAMES}
    not_images = 0
    for name, read in files:
        kind = kind_from_name(name)
        if kind is None:
            continue  # not in a class: sampleSubmission.csv, test1.zip...
        if not name.lower().endswith(JPEG_SUFFIXES):
            not_images += 1
            continue
        by_kind[kind].append(Photo(name, natural_key(PurePosixPath(name).name), read))
    for photos in by_kind.values():
        photos.sort(key=lambda photo: (photo.key, photo.name))
    return Photos(by_kind, not_images)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def read_member_photo(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or ``None`` if it is larger than any photo (read no further)."""
    return read_member(archive, member, MAX_PHOTO_BYTES)


def read_file(path: Path) -> bytes | None:
    """The file's bytes, or ``None`` if it is larger than any photo (read no further).

    Raises:
        DataUnavailableError: if it cannot be read (or stopped being a regular file).
    """
    try:
        with open(path, "rb", opener=folders.open_without_blocking) as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise DataUnavailableError(
                    f"{path} is no longer a regular file; move it out of the folder of photos."
                )
            data = stream.read(MAX_PHOTO_BYTES + 1)
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read the photo {path} ({error.strerror or error}). Make it readable, or "
            "move it out of the folder."
        ) from error
    return None if len(data) > MAX_PHOTO_BYTES else data


MAX_RECORD_BYTES = 1024**2
"""The largest ``info.json`` or ``.made_from.json`` read (dlcv writes a few KiB)."""


def read_record_bytes(path: Path) -> bytes:
    """The bytes of an ``info.json`` or ``.made_from.json``, read as
    :func:`dlcv.folders.read_small_file` reads (no FIFO, no giant file).

    Raises:
        OSError: if it cannot be opened or read.
        ValueError: if it is not a regular file, or larger than :data:`MAX_RECORD_BYTES`.
    """
    return folders.read_small_file(path, MAX_RECORD_BYTES)


def made_from(location: Path) -> dict:
    """What a subset is made from: the source's path, a cheap stamp of it (names, sizes, times
    of change) and the SHA-256 of its content: an archive's bytes, or a folder's candidate
    photos (a file beside them, however large, is never read)."""
    location = photo_source(location)
    return {
        "path": str(location.resolve()),
        "stamp": stamp(location),
        "sha256": content_sha256(location),
    }


def _candidates(location: Path) -> list[tuple[str, Path]]:
    return [
        (name, path)
        for name, path in walk(location)
        if kind_from_name(name) and name.lower().endswith(JPEG_SUFFIXES)
    ]


def stamp(location: Path) -> list:
    """Names, sizes, and times of modification and of change (``st_ctime``, which no tool can
    set back): changes whenever the content may have changed, even at the same size and mtime."""
    try:
        if kind_of(location) == "folder":
            return [
                [
                    os.fsencode(name).hex(),
                    (st := path.stat()).st_size,
                    st.st_mtime_ns,
                    st.st_ctime_ns,
                    st.st_ino,
                ]
                for name, path in _candidates(location)
            ]
        st = location.stat()
        return [[location.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]]
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read {location} ({error.strerror or error}): check its permissions."
        ) from error


def content_sha256(location: Path) -> str:
    """SHA-256 of an archive's bytes, or of a folder's candidate photos (names and bytes; a
    file larger than any photo by its name and size only)."""
    digest = hashlib.sha256()
    is_folder = kind_of(location) == "folder"
    files = _candidates(location) if is_folder else [(location.name, location)]
    path = location
    try:
        for name, path in files:
            if is_folder:
                digest.update(os.fsencode(name) + b"\0")
                size = path.stat().st_size
                if size > MAX_PHOTO_BYTES:
                    digest.update(f"too large: {size}\0".encode())
                    continue
            with open(path, "rb", opener=folders.open_without_blocking) as stream:
                while chunk := stream.read(1024**2):
                    digest.update(chunk)
    except OSError as error:
        raise DataUnavailableError(
            f"Cannot read {path} ({error.strerror or error}): check its permissions."
        ) from error
    return digest.hexdigest()


def kaggle_download() -> Path:
    """The competition's files, downloaded by kagglehub (into its own cache)."""
    try:
        import kagglehub
        import requests
        from kagglehub.exceptions import KaggleApiHTTPError
    except ImportError as error:
        raise DataUnavailableError(
            "The Kaggle archive is not on disk and kagglehub is not installed. Install it "
            "(pip install kagglehub), or download dogs-vs-cats.zip from "
            "https://www.kaggle.com/c/dogs-vs-cats/data into the data folder, or use "
            "source='microsoft'."
        ) from error
    if not kaggle_credentials():
        raise DataUnavailableError(
            "The Kaggle archive is not on disk and no Kaggle credentials were found. Create an "
            "API token on kaggle.com (Settings > API) and save it as ~/.kaggle/kaggle.json, "
            "or use source='microsoft' (no account needed)."
        )
    try:
        return Path(kagglehub.competition_download(KAGGLE_COMPETITION))
    except KaggleApiHTTPError as error:
        status = getattr(error.response, "status_code", None)
        if status in (401, 403):
            raise DataUnavailableError(
                f"Kaggle refused the download of {KAGGLE_COMPETITION!r} (HTTP {status}). Accept "
                f"the competition's rules with your account at {KAGGLE_RULES}, then retry."
            ) from error
        raise DataUnavailableError(f"The Kaggle download failed ({error}); retry later.") from error
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DataUnavailableError(
                f"The Kaggle download stopped: the disk is full ({error}). Free some space and "
                "retry."
            ) from error
        raise _offline(error) from error
    except requests.RequestException as error:  # offline, DNS, timeout
        raise _offline(error) from error


def _offline(error: BaseException) -> DataUnavailableError:
    return DataUnavailableError(
        f"The Kaggle download failed ({type(error).__name__}: {error}). Check the internet "
        "connection and retry, or put dogs-vs-cats.zip in the data folder yourself, or use "
        "source='microsoft'."
    )


def kaggle_credentials() -> bool:
    """Whether Kaggle credentials are set up.

    Raises:
        ConfigError: if ``~/.kaggle/kaggle.json`` (or ``$KAGGLE_CONFIG_DIR``'s) is malformed.
    """
    try:
        from kagglehub.config import get_kaggle_credentials
    except ImportError:
        return False
    try:
        return get_kaggle_credentials() is not None
    except Exception as error:  # kagglehub raises what json and dict access raise
        folder = os.environ.get("KAGGLE_CONFIG_DIR") or "~/.kaggle"
        raise ConfigError(
            f"{folder}/kaggle.json cannot be used ({type(error).__name__}: {error}): it must be "
            'JSON like {"username": "...", "key": "..."}. Fix it (download a new API token '
            "from kaggle.com, Settings > API), or use source='microsoft'."
        ) from error


def choose(home: Path, url, sha256, prepared: Callable[[str], bool], download: bool):
    """The source ``auto`` resolves to, and why: real photos on disk, a download, or the sample."""
    for source in ("kaggle", "microsoft"):
        if prepared(source) or local_archive(source, home):
            return source, None
    if not download:
        return "sample", "the real photos are not on disk and downloading them is off"
    try:
        source = "kaggle" if kaggle_credentials() else "microsoft"
    except ConfigError as error:
        warnings.warn(f"{error} Downloading Microsoft's copy instead.", stacklevel=4)
        source = "microsoft"
    try:
        locate(source, home, None, url, sha256)
        return source, None
    except DlcvError as error:
        warnings.warn(
            f"Using the drawn sample of cats and dogs instead of the photos: {error}", stacklevel=4
        )
        return "sample", "the real photos could not be downloaded"


def recorded(path: Path) -> dict:
    """A JSON record of a prepared folder, or ``{}`` when it is missing or malformed."""
    try:
        value = json.loads(read_record_bytes(path))
    except (OSError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
