"""The probes of ``python -m bench.hostile``: each sets up a hostile situation in a fresh
temporary folder, calls dlcv's public API (or ``python -m dlcv`` where the command line is the
point) and checks what came out.

A probe returns ``(True, detail)`` when dlcv handled it, ``(False, detail)`` when the result is
silently wrong; an exception of dlcv's is a clear error, any other a raw traceback; a file the
probe marked as the user's that is gone or changed afterwards makes it ``lost``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = os.geteuid() == 0
COUNTS = (1, 1, 1)
SMALL = (8, 8)


class Skip(Exception):
    """The probe means nothing here (for instance, permissions for root)."""


@dataclass
class Probe:
    name: str
    run: Callable[[Ctx], tuple[bool, str]]


class Ctx:
    """A fresh temporary world: ``data`` (DLCV_DATA_DIR), ``cache``, ``tmp``; the user's files."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.data = tmp / "data"
        self.home = self.data / "cats_vs_dogs"
        self.cache = tmp / "cache"
        self.kept: dict[Path, str] = {}

    def keep(self, *paths: Path) -> None:
        """Marks files or folders as the user's: they must be there, unchanged, afterwards."""
        for path in paths:
            self.kept[path] = _digest(path)

    def lost(self) -> str | None:
        for path, digest in self.kept.items():
            if _digest(path) != digest:
                return f"the user's {path.relative_to(self.tmp)} was deleted or changed"
        return None


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if not os.path.lexists(path):
        return "missing"
    st = path.lstat()
    if stat.S_ISREG(st.st_mode):
        if st.st_size > 64 * 1024**2:  # a sparse giant: its size and times stand for it
            return f"large:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if stat.S_ISDIR(st.st_mode):
        parts = sorted(
            os.fsencode(p.relative_to(path)) + b":" + _digest(p).encode() for p in path.iterdir()
        )
        return hashlib.sha256(b"\n".join(parts)).hexdigest()
    return f"special:{stat.S_IFMT(st.st_mode)}"


def run_probe(probe: Probe) -> tuple[str, str]:
    from dlcv.errors import DlcvError

    tmp = Path(tempfile.mkdtemp(prefix="dlcv-hostile-"))
    ctx = Ctx(tmp)
    saved = dict(os.environ)
    os.environ.update(
        DLCV_DATA_DIR=str(ctx.data),
        DLCV_CACHE_DIR=str(ctx.cache),
        KERAS_HOME=str(tmp / "keras"),
        KAGGLE_CONFIG_DIR=str(tmp / "kaggle"),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok, detail = probe.run(ctx)
        outcome = "handled" if ok else "wrong"
    except Skip as skip:
        outcome, detail = "skipped", str(skip)
    except DlcvError as error:
        outcome, detail = "error", f"{type(error).__name__}: {error}"
    except SystemExit as exit_:
        outcome = "error" if exit_.code == 2 else "traceback"
        detail = f"SystemExit({exit_.code})"
    except BaseException as error:  # noqa: BLE001  (what the probe is for)
        outcome, detail = "traceback", f"{type(error).__name__}: {error}"
    lost = ctx.lost()
    if lost:
        outcome, detail = "lost", lost
    os.environ.clear()
    os.environ.update(saved)
    _rmtree(tmp)
    return outcome, detail


def _rmtree(path: Path) -> None:
    for folder, _, _ in os.walk(path):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)
    shutil.rmtree(path, ignore_errors=True)


# --- Material ---------------------------------------------------------------------------------


def jpeg(kind: str, index: int, size: int = 16) -> bytes:
    buffer = io.BytesIO()
    colour = (200 if kind == "cat" else 40, (37 * index) % 256, 120)
    Image.new("RGB", (size, size), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_folder(folder: Path, per_class: int = 3, names=None) -> dict[str, set[bytes]]:
    """A folder of photos in class folders; returns the bytes of each class."""
    contents = {"cat": set(), "dog": set()}
    for kind in contents:
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            name = names(kind, index) if names else f"{index}.jpg"
            data = jpeg(kind, index)
            (folder / kind / name).write_bytes(data)
            contents[kind].add(data)
    return contents


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def train_members(per_class: int = 3) -> dict[str, bytes]:
    return {
        f"train/{kind}.{i}.jpg": jpeg(kind, i) for kind in ("cat", "dog") for i in range(per_class)
    }


def subset_is(root, contents: dict[str, set[bytes]], counts=COUNTS) -> tuple[bool, str]:
    """Whether the prepared ``root`` holds ``counts`` photos of each class from ``contents``."""
    root = Path(root)
    for kind, allowed in contents.items():
        for split, count in zip(("train", "validation", "test"), counts, strict=True):
            files = sorted((root / split / kind).iterdir())
            if len(files) != count:
                return False, f"{split}/{kind} holds {len(files)} files, not {count}"
            for path in files:
                if path.read_bytes() not in allowed:
                    return False, f"{path.relative_to(root)} is not a {kind} photo of the source"
    return True, "the subset checks out"


def prepare(**kwargs):
    from dlcv.data import prepare_cats_vs_dogs

    kwargs.setdefault("counts", COUNTS)
    return prepare_cats_vs_dogs(**kwargs)


def sample(ctx: Ctx):
    return prepare(source="sample", image_size=SMALL)


def served(routes: dict[str, Callable]) -> tuple[str, Callable[[], None]]:
    """A server on 127.0.0.1 answering ``routes[path](handler)``; returns its URL and a stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server.shutdown


def dlcv_cli(ctx: Ctx, *args: str, timeout: float = 25, interrupt_after: float | None = None):
    """``python -m dlcv ARGS``: returns (exit status, stderr)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dlcv", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise TimeoutError(f"dlcv {' '.join(args)} ran past {timeout} s") from None
    return process.returncode, err


def dlcv_in_process(*argv: str, call=None) -> tuple[int | None, str]:
    """``dlcv ARGV`` in this process, its output written as a terminal would (UTF-8, strict, so
    a name printed unescaped may fail); returns (exit status, all it printed). ``call(main,
    argv)`` runs it when given (the fuzzer's, under a deadline); else an exception that is not
    dlcv's propagates."""
    from dlcv.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = call(main, list(argv)) if call else main(list(argv))
    out.flush()
    err.flush()
    return status, out.buffer.getvalue().decode() + err.buffer.getvalue().decode()


def cli_verdict(status: int, stderr: str) -> tuple[bool, str]:
    if "Traceback" in stderr:
        last = stderr.strip().splitlines()[-1]
        raise RuntimeError(f"the command printed a traceback: {last}")
    if status == 0:
        return True, "exit status 0"
    from dlcv.errors import DlcvError

    raise DlcvError(f"exit status {status}: {stderr.strip().splitlines()[-1] if stderr else ''}")


# --- The probes -------------------------------------------------------------------------------

_PROBES: list[Probe] = []


def probe(name: str):
    def register(function):
        _PROBES.append(Probe(name, function))
        return function

    return register


def registry() -> dict[str, Probe]:
    from bench.hostile import families, fresh, runs_side

    if not _PROBES:
        families.register_all(probe)
        runs_side.register_all(probe)
        fresh.register_all(probe)
    return {p.name: p for p in _PROBES}


def np_int(value: int):
    return np.int64(value)


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int = 200 * 1024**3) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path


def unix_socket(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return path


def no_access(path: Path) -> Path:
    if ROOT:
        raise Skip("permissions do not bind root")
    path.chmod(0)
    return path


def is_mode(path: Path, test) -> bool:
    return test(os.lstat(path).st_mode)


S_ISREG = stat.S_ISREG
