"""Downloads verified by SHA-256, and zip archives opened and extracted safely.

A zip file is only trusted as far as these checks go: every member must stay inside the folder
it is extracted to (no absolute path, no ``..``, no drive letter, no symbolic link), and the
members together may not unpack to more than a size limit (a zip bomb would fill the disk).
"""

from __future__ import annotations

import contextlib
import errno
import lzma
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from dlcv import folders
from dlcv.errors import ArchiveError, ConfigError, DownloadError

MAX_UNPACKED_BYTES = 4 * 1024**3
"""The most an archive may unpack to: the largest real archive, 0.8 GB, with room to spare."""

_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    struct.error,
    OSError,  # bz2's "Invalid data stream"; read errors of the file itself
)
"""What the zipfile module raises, for a member or a whole archive, on damaged bytes."""

_COMPRESSIONS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "Deflate",
    zipfile.ZIP_BZIP2: "BZIP2",
    zipfile.ZIP_LZMA: "LZMA",
}
_UNSUPPORTED = {9: "Deflate64 (what Windows Explorer writes for large files)", 99: "AES encryption"}


def download(url: str, sha256: str | None, folder: Path, filename: str) -> Path:
    """Downloads ``url`` into ``folder/filename`` unless a verified copy is already there.

    The file is written under a temporary name and moved into place only once its SHA-256
    matches, so an interrupted or corrupt download never looks like a finished one. A cached
    copy whose checksum does not match is downloaded again.

    Args:
        url: where to download from.
        sha256: the expected SHA-256 as 64 hex digits; ``None`` accepts any content (only
            for a file whose checksum is not known yet).
        folder: where to keep the file; created when missing.
        filename: the name to keep it under.

    Returns:
        The path of the verified file.

    Raises:
        DownloadError: if the download fails or its checksum does not match.
    """
    import pooch
    import requests
    import urllib3

    from dlcv import validate

    try:
        url = validate.download_url(url)
    except ConfigError as error:
        raise DownloadError(str(error)) from None
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_downloads(folder)
    http = url.lower().startswith(("http://", "https://"))
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{sha256}" if sha256 else None,
            fname=filename,
            path=folder,
            progressbar=True,
            downloader=_download_http if http else None,
        )
    except _DiskFull as error:
        raise DownloadError(
            f"The download of {url} stopped: {error.strerror or error} in {folder}. Nothing was "
            "kept. Free some disk space (or point DLCV_DATA_DIR at another disk) and retry."
        ) from error
    except _TooSlow as error:
        raise DownloadError(
            f"The download of {url} was stopped: {error}. Nothing was kept. Retry later, or "
            f"download the file another way and put it in {folder} as {filename}."
        ) from error
    except (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL) as error:
        raise DownloadError(
            f"Could not download {url}: the server sent dlcv to an address it does not fetch "
            f"({error}). Nothing was kept. Check the url, or download the file another way and "
            f"put it in {folder} as {filename}."
        ) from error
    except (requests.RequestException, urllib3.exceptions.HTTPError, _Truncated) as error:
        raise DownloadError(
            f"Could not download {url} ({type(error).__name__}: {error}). Nothing was "
            f"kept. Check the internet connection and the url and retry, or put the file in "
            f"{folder} yourself as {filename}."
        ) from error
    except ValueError as error:
        if "hash" not in str(error).lower():
            raise DownloadError(f"Could not download {url} ({error}).") from error
        # pooch's checksum mismatch; it has removed the download
        raise DownloadError(
            f"The file downloaded from {url} is not the expected one: {error} "
            "Nothing was kept. If the file has moved or changed, pass the new url and "
            "sha256 (dlcv.data.prepare_cats_vs_dogs(url=..., sha256=...))."
        ) from error
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DownloadError(
                f"The download of {url} stopped: the disk is full ({error}). Free some disk "
                "space and retry."
            ) from error
        raise DownloadError(
            f"Could not download {url} into {folder} ({error.strerror or error}). Check that "
            "the folder is writable, and the internet connection."
        ) from error
    return Path(path)


CONNECT_TIMEOUT_S = 30.0
READ_TIMEOUT_S = 60.0
"""How long a download may wait for a connection, and then for each next byte."""
MIN_RATE_BYTES_S = 10_000.0
RATE_GRACE_S = 120.0
"""After ``RATE_GRACE_S`` seconds, a download averaging less than ``MIN_RATE_BYTES_S`` is
stopped: a server that sends a byte now and then would otherwise keep it alive for ever."""
DEADLINE_S = 6 * 3600.0
"""The longest any download may take."""


class _TooSlow(OSError):
    """A download stalled below the least rate, or ran past its deadline."""


class _DiskFull(OSError):
    """Writing the download failed (a full disk, a quota): not the network's fault."""


class _Truncated(OSError):
    """The server closed the connection before the length it announced."""


POOCH_TEMPORARY = re.compile(r"^tmp[a-z0-9_]{8}$")
"""pooch's name for a download in progress."""
STALE_DOWNLOAD_S = 3600.0


def _remove_stale_downloads(folder: Path) -> None:
    """Removes pooch's abandoned temporary downloads, only in a folder dlcv made (and marked)."""
    folders.remove_leftovers(folder)
    if not folders.is_dlcvs(folder):
        return
    now = time.time()
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            st = entry.lstat()
            if (
                POOCH_TEMPORARY.match(entry.name)
                and stat.S_ISREG(st.st_mode)
                and now - st.st_mtime > STALE_DOWNLOAD_S
            ):
                entry.unlink()


def _download_http(url: str, output_file, pooch_instance, check_only: bool = False):
    """pooch's downloader for http(s), with an overall deadline and a least average rate."""
    import requests

    if check_only:
        with requests.head(url, timeout=CONNECT_TIMEOUT_S, allow_redirects=True) as response:
            return response.status_code == 200
    start = time.monotonic()
    received = 0
    timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    with requests.get(url, stream=True, timeout=timeout) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length", 0) or 0) or None
        with (
            open(output_file, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, disable=None) as progress,
        ):
            while chunk := response.raw.read1(1024**2, decode_content=True):
                try:
                    out.write(chunk)
                except OSError as error:
                    raise _DiskFull(error.errno, error.strerror) from error
                received += len(chunk)
                progress.update(len(chunk))
                elapsed = time.monotonic() - start
                if elapsed > DEADLINE_S:
                    raise _TooSlow(f"it ran past the deadline of {DEADLINE_S:.0f} s")
                if elapsed > RATE_GRACE_S and received / elapsed < MIN_RATE_BYTES_S:
                    raise _TooSlow(
                        f"it averaged {received / elapsed:,.0f} bytes/s after {elapsed:.0f} s, "
                        f"less than the {MIN_RATE_BYTES_S:,.0f} bytes/s needed"
                    )
            if (
                total is not None
                and received < total
                and not response.headers.get("content-encoding")
            ):
                raise _Truncated(f"the connection closed after {received:,} of {total:,} bytes")
    return None


def open_zip(
    path: Path, max_bytes: int = MAX_UNPACKED_BYTES, *, label: str | None = None
) -> zipfile.ZipFile:
    """Opens a zip archive after checking that every member is safe to extract.

    Args:
        path: the archive: a regular file (a FIFO or a device is refused unread).
        max_bytes: the most its members may unpack to, together.
        label: how messages name the archive (for one extracted to a temporary file).

    Returns:
        The open ``zipfile.ZipFile``; close it (or use it in a ``with`` block) when done.

    Raises:
        ArchiveError: if the file is not a readable zip archive, a member would land outside
            the folder it is extracted to, or the members unpack to more than ``max_bytes``.
    """
    label = label or str(path)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise ArchiveError(
                f"{label} is not a regular file (it is a folder, a FIFO or a device), so it is "
                "no zip archive: pass the archive itself."
            )
        stream = open(path, "rb")  # noqa: SIM115  (closed by ZipFile, or below)
    except OSError as error:
        raise ArchiveError(
            f"Cannot open the archive {label} ({error.strerror or error}): check that it is a "
            "file you may read."
        ) from error
    try:
        archive = zipfile.ZipFile(stream)
    except _DAMAGE as error:
        stream.close()
        size = os.stat(path).st_size
        what = "it is empty (0 bytes)" if size == 0 else f"{type(error).__name__}: {error}"
        raise ArchiveError(
            f"{label} is not a readable zip archive ({what}). Pass a .zip archive (the "
            "competition's dogs-vs-cats.zip or train.zip, or Microsoft's "
            "kagglecatsanddogs_5340.zip), or a folder of photos; if it is a download, it may be "
            "incomplete: get it again."
        ) from error
    archive.filename = label
    archive._filePassed = 0  # closing the archive closes the file dlcv opened
    try:
        check_members(archive, max_bytes)
    except ArchiveError:
        archive.close()
        raise
    return archive


def check_members(archive: zipfile.ZipFile, max_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Refuses an archive with a member that would escape its folder or unpacks too large.

    Args:
        archive: an open zip archive.
        max_bytes: the most its members may unpack to, together.

    Raises:
        ArchiveError: naming the first unsafe member, or giving the unpacked size.
    """
    name = archive.filename
    total = 0
    for member in archive.infolist():
        reason = _unsafe(member)
        if reason:
            raise ArchiveError(
                f"{name} holds the member {member.filename!r}, which {reason}. The archive is "
                "not safe to extract and was not used (nor changed): get a good copy from its "
                "source."
            )
        # zipfile stops reading a member at its declared size (and checks its CRC), so the
        # declared sizes bound what extraction writes.
        total += member.file_size
    if total > max_bytes:
        raise ArchiveError(
            f"{name} would unpack to {total / 1024**3:.1f} GiB, more than the "
            f"{max_bytes / 1024**3:.1f} GiB allowed: it is not the expected archive "
            "(possibly a zip bomb), and was not used: get a good copy from its source."
        )


def extract_member(archive: zipfile.ZipFile, member: str, target: Path) -> Path:
    """Extracts one member of a checked archive to ``target``, atomically.

    Args:
        archive: an archive opened with :func:`open_zip`.
        member: the member's name in the archive.
        target: the file to write; it appears only once completely written.

    Returns:
        ``target``.

    Raises:
        ArchiveError: if the member is missing or cannot be read (a corrupt archive).
    """
    try:
        info = archive.getinfo(member)
    except KeyError as error:
        raise ArchiveError(
            f"{archive.filename} has no member {member!r}: it is not the expected archive."
        ) from error
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(folders.temporary_file(target.parent, "extract"), "wb")  # noqa: SIM115
    except OSError as error:
        raise ArchiveError(
            f"Cannot write into {target.parent} ({error.strerror or error}) to extract "
            f"{member!r}: make the folder writable, or use another data folder."
        ) from error
    try:
        with out:
            with open_member(archive, info) as source:
                while True:
                    chunk = read_chunk(archive, info, source, 1024**2)
                    if not chunk:
                        break
                    try:
                        out.write(chunk)
                    except OSError as error:
                        raise ArchiveError(
                            f"Cannot write {target} ({error.strerror or error}) while extracting "
                            f"{member!r}; the archive is fine. Free some disk space (or pick "
                            "another data folder) and retry."
                        ) from error
        os.replace(out.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(out.name)
        raise
    return target


def open_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo):
    """Opens ``member`` for reading; a member that cannot be read is an :class:`ArchiveError`.

    Raises:
        ArchiveError: naming the cause: a compression method or encryption Python cannot read,
            or damaged bytes.
    """
    unsupported = _UNSUPPORTED.get(member.compress_type)
    if unsupported is None and member.compress_type not in _COMPRESSIONS:
        unsupported = f"compression method {member.compress_type}"
    if unsupported:
        raise ArchiveError(
            f"{archive.filename}: the member {member.filename!r} uses {unsupported}, which "
            "Python's zipfile cannot read. Extract the archive with another tool and pass the "
            "folder, or re-create it as a standard (Deflate) zip."
        )
    if member.flag_bits & 0x1:
        raise ArchiveError(
            f"{archive.filename}: the member {member.filename!r} is encrypted. Extract the "
            "archive with its password and pass the folder instead."
        )
    try:
        return archive.open(member)
    except _DAMAGE as error:
        raise _damaged(archive, member, error) from error


def read_chunk(archive: zipfile.ZipFile, member: zipfile.ZipInfo, source, size: int) -> bytes:
    """Up to ``size`` bytes of an opened member; damage is an :class:`ArchiveError`."""
    try:
        return source.read(size)
    except _DAMAGE as error:
        raise _damaged(archive, member, error) from error


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_bytes: int) -> bytes | None:
    """The bytes of ``member``, or ``None`` when it unpacks to more than ``max_bytes``.

    Reads at most ``max_bytes + 1`` bytes, so a member that lies about its size cannot fill
    the memory.

    Raises:
        ArchiveError: if the member cannot be read (see :func:`open_member`).
    """
    if member.file_size > max_bytes:
        return None
    with open_member(archive, member) as source:
        data = read_chunk(archive, member, source, max_bytes + 1)
    return None if len(data) > max_bytes else data


def _damaged(archive: zipfile.ZipFile, member: zipfile.ZipInfo, error: BaseException):
    return ArchiveError(
        f"Could not read {member.filename!r} from {archive.filename} "
        f"({type(error).__name__}: {error}): the archive is incomplete or corrupt. Get a good "
        "copy from its source."
    )


def _unsafe(member: zipfile.ZipInfo) -> str | None:
    """Why extracting ``member`` would be unsafe, or ``None``."""
    name = member.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or re.match(r"^[A-Za-z]:[/]", name):
        return "is an absolute path"
    if re.match(r"^[A-Za-z]:", name):
        return "starts with a drive letter, which Windows would write outside the folder"
    if ".." in path.parts:
        return "climbs out of the target folder with '..'"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "is a symbolic link"
    return None
