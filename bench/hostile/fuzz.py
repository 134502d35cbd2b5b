"""A seeded fuzzer over folder trees, names and cached run records (issue 22, item 5).

Each seed builds, in a fresh temporary folder, random trees of hostile entries (names in other
scripts, of 255 bytes, with newlines, leading dashes, 300 digits or bytes that are not UTF-8;
links inside, outside and dangling, loops of links, FIFOs, empty files, 200 GB sparse files,
read-only folders) in the data folder, a folder of photos and the run cache, and random
mutations of cached run records (``run.json`` / ``history.json``: keys removed, values of other
types and sizes, raw bytes cut or replaced). Then it calls the public API and the command line
(``data info``, ``prepare_cats_vs_dogs`` from the photo folder, ``runs``, ``runs --remove``,
``list_runs``, ``remove_run``, loading each run) and checks:

- no exception but dlcv's own (:mod:`dlcv.errors`) and the command line's usage exit (2);
- no hang (every call runs under a deadline);
- nothing dlcv does not own changed or deleted (each tree is snapshotted before and after);
- no silently wrong result (a prepared subset holds photos of the right class from the source,
  a loaded run is exactly a valid record, a run removed was a run dlcv made).

    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile.fuzz --seeds 200         # all scenarios
    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile.fuzz --seeds 50 -k runs  # one

It exits 1 if any seed found something; each finding names its seed, which reproduces it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import random
import shutil
import stat
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.deadline import Hang, deadline

ROOT = os.geteuid() == 0
DEADLINE_S = 120
"""Seconds of wall clock a fuzzed call may run: far more than a Keras load takes on a loaded
machine (tests run on 2 pytest-xdist processes on 2 cores), and still a hang ends."""


@dataclass
class Finding:
    scenario: str
    seed: int
    outcome: str  # traceback, hang, lost, wrong
    detail: str

    def __str__(self) -> str:
        return f"{self.outcome:9}  {self.scenario} seed {self.seed}: {self.detail}"


# --- Names and trees ---------------------------------------------------------------------------

_NAMES = [
    "猫", "ça va", "ｃａｔ", "Ωmega", "\u202eexe.jpg", "e\u0301", "😺",
    "a" * 255, "x" * 200 + ".jpg", "\n", "a\nb", "line\r\n", "tab\there",
    "-rf", "--remove", "-", "--", "0" * 300, "12345678901234567890", "1²2", "٣",
    " ", "  lead", "trail ", "...", ".hidden", "a.b.c.d.e", "#", "*", "?", "[a-z]", "$HOME",
    "~", "~root", "'quote", '"', "back\\slash", "info.json", "run.json", "train.zip",
    "tiny-0123456789abcdef", "cats_vs_dogs", "downloads", "sample-1-1-1",
    ".x-p1-abcdefgh", ".x-p999999999-y.dlcv-tmp", "cat", "dog", "Cats", "dog.7.jpg",
]
_RAW_NAMES = [b"\xff", b"\xfe\xfe.jpg", b"caf\xe9", b"\xc3(", b"cat\x80.jpg"]


def odd_name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return os.fsdecode(rng.choice(_RAW_NAMES))
    name = rng.choice(_NAMES)
    if rng.random() < 0.3:
        name = f"{name[:200]}{rng.randrange(10**6)}"
    return name


def _unique(rng: random.Random, folder: Path, name: str) -> Path:
    path = folder / name
    stem, suffix = (name[:-4], ".jpg") if name.endswith(".jpg") else (name, "")
    while os.path.lexists(path):
        path = folder / f"{stem[:200]}_{rng.randrange(10**9)}{suffix}"
    return path


def hostile_entry(rng: random.Random, folder: Path, outside: Path, depth: int = 0) -> None:
    """One random hostile entry (a folder gets a few more) under ``folder``."""
    try:
        path = _unique(rng, folder, odd_name(rng))
        kind = rng.choice(
            ["file", "file", "empty", "folder", "folder", "link-in", "link-out", "dangling",
             "loop", "fifo", "sparse", "read-only", "jpg-junk"]
        )
        if kind == "file":
            path.write_bytes(rng.randbytes(rng.randrange(1, 2000)))
        elif kind == "empty":
            path.touch()
        elif kind == "jpg-junk":
            path = _unique(rng, folder, path.name[:200] + ".jpg")  # never over a photo
            path.write_bytes(b"\xff\xd8\xff" + rng.randbytes(rng.randrange(0, 300)))
        elif kind in ("folder", "read-only"):
            path.mkdir()
            if depth < 2:
                for _ in range(rng.randrange(0, 4)):
                    hostile_entry(rng, path, outside, depth + 1)
            if kind == "read-only":
                path.chmod(0o555)
        elif kind == "link-in":
            target = rng.choice([".", "..", "/", folder.name, "nowhere/.."])
            path.symlink_to(target)
        elif kind == "link-out":
            path.symlink_to(outside / rng.choice(["precious", "precious/notes.txt"]))
        elif kind == "dangling":
            path.symlink_to(folder / "no such thing")
        elif kind == "loop":
            path.symlink_to(path.name)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "sparse":
            with open(path, "wb") as stream:
                stream.truncate(200 * 1024**3)
    except OSError:
        pass  # a name this file system refuses (too long in this folder): none made


def hostile_tree(rng: random.Random, folder: Path, outside: Path, entries: int) -> None:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir() or folder.is_symlink():
        return  # an earlier entry took its name: a file, a link (never write through it)
    for _ in range(entries):
        hostile_entry(rng, folder, outside)


def precious(outside: Path) -> Path:
    """The user's folder outside everything dlcv is given, which links point into."""
    folder = outside / "precious"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("the user's notes\n")
    (folder / "cat.1.jpg").write_text("not a photo, the user's text\n")
    return folder


# --- Snapshots ---------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[bytes, str]:
    """Every path under ``root`` (links not followed) and what it is: content hash, link target,
    kind and mode; a change to any of them shows."""
    found = {}
    if not os.path.lexists(root):
        return found
    stack = [root]
    while stack:
        path = stack.pop()
        try:
            st = os.lstat(path)
        except OSError:
            continue
        mode = stat.S_IMODE(st.st_mode)
        key = os.fsencode(path)
        if stat.S_ISLNK(st.st_mode):
            found[key] = f"link:{os.readlink(path)}"
        elif stat.S_ISREG(st.st_mode):
            if st.st_size > 1024**2:
                found[key] = f"large:{st.st_size}:{st.st_mtime_ns}:{mode:o}"
            else:
                with contextlib.suppress(OSError):
                    found[key] = f"file:{mode:o}:" + hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISDIR(st.st_mode):
            found[key] = f"dir:{mode:o}"
            with contextlib.suppress(OSError):
                stack.extend(path.iterdir())
        else:
            found[key] = f"special:{stat.S_IFMT(st.st_mode)}"
    return found


def changed(before: dict[bytes, str], after: dict[bytes, str], owned=()) -> list[str]:
    """Paths of ``before`` gone or changed in ``after``, but those under a folder in ``owned``."""
    prefixes = [os.fsencode(p) for p in owned]
    out = []
    for path, what in before.items():
        if any(path == p or path.startswith(p + b"/") for p in prefixes):
            continue
        if _dlcvs_name(path):
            continue
        if after.get(path) != what:
            out.append(f"{os.fsdecode(path)!r} {what} -> {after.get(path, 'gone')}")
    return out


def _dlcvs_name(path: bytes) -> bool:
    """Whether a file carries the name of a temporary file of dlcv (``.STEM-pPID-...dlcv-tmp``),
    which dlcv removes once its process is gone: named so, it is dlcv's by its own rule."""
    from dlcv import folders

    name = os.fsdecode(os.path.basename(path))
    return bool(folders._TEMPORARY.match(name)) and name.endswith(folders.TEMPORARY_SUFFIX)


# --- Scenarios ---------------------------------------------------------------------------------


class World:
    """The seed's temporary folder: ``data`` (DLCV_DATA_DIR), ``cache`` (DLCV_CACHE_DIR),
    ``outside`` (the user's things), and a record of findings."""

    def __init__(self, scenario: str, seed: int):
        self.scenario, self.seed = scenario, seed
        self.rng = random.Random(f"{scenario}:{seed}")
        self.tmp = Path(tempfile.mkdtemp(prefix="dlcv-fuzz-"))
        self.data, self.cache, self.outside = (self.tmp / n for n in ("data", "cache", "outside"))
        self.findings: list[Finding] = []
        self.stats: Counter = Counter()
        precious(self.outside)

    def find(self, outcome: str, detail: str) -> None:
        self.findings.append(Finding(self.scenario, self.seed, outcome, detail[:400]))

    def call(self, what: str, function, *args, **kwargs):
        """``function(*args, **kwargs)`` under a deadline; a dlcv error is returned (as the
        right answer to some hostile input), anything else is a finding (then ``None``)."""
        from dlcv.errors import DlcvError

        kind = what.split("(")[0].split(" ")[0]
        try:
            with deadline(DEADLINE_S), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = function(*args, **kwargs)
            self.stats[f"{kind}: returned {type(result).__name__}"] += 1
            return result
        except DlcvError as error:
            self.stats[f"{kind}: {type(error).__name__}"] += 1
            return error
        except Hang as error:
            self.find("hang", f"{what}: {error}")
        except SystemExit as exit_:
            self.stats[f"{kind}: exit {exit_.code}"] += 1
            if exit_.code != 2:
                self.find("traceback", f"{what}: SystemExit({exit_.code})")
        except Exception as error:  # noqa: BLE001  (what the fuzzer is for)
            self.find("traceback", f"{what}: {type(error).__name__}: {error}")
        return None

    def cli(self, *argv: str) -> tuple[int | None, str]:
        """``dlcv ARGV`` under :meth:`call`, as :func:`~bench.hostile.probes.dlcv_in_process`
        runs it; returns (exit status, what it printed); status ``None`` when it failed."""
        from bench.hostile.probes import dlcv_in_process

        what = f"dlcv {' '.join(map(repr, argv))}"
        status, text = dlcv_in_process(*argv, call=lambda main, args: self.call(what, main, args))
        if not isinstance(status, int):
            status = None if status is None else 2
        return status, text

    def close(self) -> None:
        for folder, _, _ in os.walk(self.tmp):
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o755)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _env(world: World):
    return {"DLCV_DATA_DIR": str(world.data), "DLCV_CACHE_DIR": str(world.cache)}


def scenario_data_info(world: World) -> None:
    """``dlcv data info`` over a hostile data folder, with prepared-looking folders whose
    ``info.json`` is valid, damaged or no file at all."""
    rng = world.rng
    home = world.data / "cats_vs_dogs"
    hostile_tree(rng, world.data, world.outside, rng.randrange(0, 6))
    hostile_tree(rng, home, world.outside, rng.randrange(0, 10))
    listed = []
    for _ in range(rng.randrange(0, 4) if home.is_dir() and not home.is_symlink() else 0):
        folder = _unique(rng, home, odd_name(rng))
        with contextlib.suppress(OSError):
            folder.mkdir()
            info = {"name": "cats_vs_dogs", "source": odd_name(rng), "counts":
                    {"train": {"cat": 1, "dog": 1}}, "dropped": {}, "origin": odd_name(rng),
                    "license": "x"}
            kind = rng.choice(["valid", "mutated", "fifo", "raw", "folder"])
            if kind == "valid":
                (folder / "info.json").write_text(json.dumps(info))
                listed.append(folder.name)
            elif kind == "mutated":
                (folder / "info.json").write_text(json.dumps(mutate(rng, info)))
            elif kind == "fifo":
                os.mkfifo(folder / "info.json")
            elif kind == "raw":
                (folder / "info.json").write_bytes(raw_damage(rng, json.dumps(info).encode()))
            else:
                (folder / "info.json").mkdir()
    before = snapshot(world.tmp)
    status, text = world.cli("data", "info")
    if status not in (0, 2, None):
        world.find("wrong", f"data info exited {status}")
    if status == 0:
        lines = text.splitlines()
        if any(not line.isprintable() for line in lines) or _raw_name_in(text, before):
            world.find("wrong", "data info printed a line with a control character")
        for name in listed:  # (a name with a control character is printed escaped)
            if name.isprintable() and not any(
                name in line and "damaged" not in line for line in lines
            ):
                world.find("wrong", f"data info did not list the prepared folder {name!r}")
    for path in changed(before, snapshot(world.tmp)):
        world.find("lost", f"data info changed {path}")


def scenario_prepare(world: World) -> None:
    """``prepare_cats_vs_dogs(source="directory")`` from a folder of photos with hostile names
    and entries among them, into a hostile data folder; then reused, then with a prepared photo
    swapped for one of the other class."""
    from bench.hostile.probes import jpeg, subset_is
    from dlcv.data import prepare_cats_vs_dogs

    rng = world.rng
    photos = world.outside / "photos"
    allowed = {"cat": set(), "dog": set()}
    for kind in allowed:
        folder = photos / rng.choice([kind, kind.title(), f"{kind}s", f"x/{kind}"])
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(rng.randrange(3, 6)):
            data = jpeg(kind, rng.randrange(10**6))
            name = f"{odd_name(rng)[:200]}.jpg"
            if rng.random() < 0.3:
                name = f"{kind}.{rng.randrange(10**9)}.jpg"
            path = _unique(rng, folder, name)
            try:
                path.write_bytes(data)
            except OSError:
                path = _unique(rng, folder, f"{index}.jpg")
                path.write_bytes(data)
            allowed[kind].add(data)
        hostile_tree(rng, folder, world.outside / "elsewhere", rng.randrange(0, 6))
    hostile_tree(rng, photos, world.outside / "elsewhere", rng.randrange(0, 6))
    hostile_tree(rng, world.data, world.outside, rng.randrange(0, 4))
    hostile_tree(rng, world.data / "cats_vs_dogs", world.outside, rng.randrange(0, 4))
    before = snapshot(world.tmp)

    def prepare():
        return world.call(
            "prepare_cats_vs_dogs", prepare_cats_vs_dogs, source="directory", archive=photos,
            counts=(1, 1, 1),
        )

    root = prepare()
    if root is None:
        return
    if not isinstance(root, Path):
        home = world.data / "cats_vs_dogs"
        usable = not os.path.lexists(home) or (home.is_dir() and not home.is_symlink())
        if ROOT and usable:  # every photo can be read, the data folder written: refusing is wrong
            world.find("wrong", f"refused a folder with 3 photos of each class: {root}")
        return
    ok, problem = subset_is(root, allowed)
    if not ok:
        world.find("wrong", problem)
    for path in changed(before, snapshot(world.tmp), owned=[root]):
        world.find("lost", f"prepare changed {path}")
    again = prepare()
    if again != root:
        world.find("wrong", f"a second prepare gave {again!r}, not {root}")
        return
    swapped = root / "train" / "cat" / "cat.0.jpg"
    swapped.write_bytes(jpeg("dog", 999))
    third = prepare()
    if isinstance(third, Path):
        ok, problem = subset_is(third, allowed)
        if not ok:
            world.find("wrong", f"after a photo was swapped: {problem}")


def _raw_name_in(text: str, paths) -> bool:
    """Whether a name with a newline (of a path in ``paths``) is in ``text`` as it is."""
    for path in paths:
        name = os.fsdecode(os.path.basename(path))
        if "\n" in name and len(name) > 2 and name in text:
            return True
    return False


# Cached runs --------------------------------------------------------------------------------

_VALUES = [None, True, False, 0, -1, 1, 2, 0.5, -0.0, 1e308, 10**30, 2**63, "", "x", "1",
           "\udcff", [], [1, 2], {}, {"a": 1}, [[[[[]]]]], "NaN", float("nan"), float("inf")]


def mutate(rng: random.Random, value, depth: int = 0):
    """``value`` with one random change somewhere in it."""
    if isinstance(value, dict) and value and depth < 3 and rng.random() < 0.8:
        key = rng.choice(list(value))
        value = dict(value)
        action = rng.random()
        if action < 0.25:
            del value[key]
        elif action < 0.35:
            value[odd_name(rng)] = rng.choice(_VALUES)
        else:
            value[key] = mutate(rng, value[key], depth + 1)
        return value
    if isinstance(value, list) and value and depth < 3 and rng.random() < 0.7:
        value = list(value)
        action = rng.random()
        if action < 0.3:
            value.pop(rng.randrange(len(value)))
        elif action < 0.5:
            value.append(rng.choice(_VALUES))
        else:
            index = rng.randrange(len(value))
            value[index] = mutate(rng, value[index], depth + 1)
        return value
    return rng.choice(_VALUES)


def raw_damage(rng: random.Random, data: bytes) -> bytes:
    action = rng.choice(["cut", "flip", "empty", "bom", "utf16", "garbage", "deep"])
    if action == "cut":
        return data[: rng.randrange(len(data))]
    if action == "flip":
        index = rng.randrange(len(data))
        return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1:]
    if action == "empty":
        return b""
    if action == "bom":
        return b"\xef\xbb\xbf" + data
    if action == "utf16":
        return data.decode().encode("utf-16")
    if action == "garbage":
        return rng.randbytes(rng.randrange(1, 500))
    return b"[" * 50_000 + b"]" * 50_000


def valid_run(record, history, config, model: Path) -> bool:
    """The fuzzer's own idea of a run dlcv may load (written apart from dlcv.runs.store)."""

    def number(v):
        return type(v) in (int, float) and math.isfinite(v)

    if not (isinstance(record, dict) and record.get("config") == config):
        return False
    metrics = record.get("metrics")
    if not (isinstance(metrics, dict) and metrics
            and all(isinstance(k, str) and number(v) for k, v in metrics.items())):
        return False
    if not (number(record.get("seconds")) and record["seconds"] >= 0):
        return False
    best = record.get("best_epoch")
    if not (type(best) is int and best >= 1):
        return False
    sha = record.get("model_sha256")
    if sha is not None and sha != hashlib.sha256(model.read_bytes()).hexdigest():
        return False
    if not (isinstance(history, dict) and "loss" in history):
        return False
    lists = list(history.values())
    if not all(isinstance(v, list) and all(number(x) for x in v) for v in lists):
        return False
    return len({len(v) for v in lists}) == 1 and len(lists[0]) >= best


def scenario_runs(world: World) -> None:
    """A run cache of good runs, runs with mutated records, and hostile entries; then
    ``list_runs``, ``dlcv runs``, loading each run, ``remove_run`` and ``dlcv runs --remove``
    with every name there and some odd ones."""
    from bench.hostile import runs_side
    from dlcv import folders
    from dlcv.runs import cache as run_cache
    from dlcv.runs import store

    rng = world.rng
    template, entry = runs_side.template()
    config = json.loads((template / entry / "run.json").read_text())["config"]
    world.cache.mkdir(parents=True)
    entries = {}  # name -> whether the fuzzer's oracle holds it a valid run
    for index in range(rng.randrange(1, 5)):
        name = entry if index == 0 else f"{entry}{rng.choice(['', '-', '.'])}{index}"
        path = world.cache / name
        shutil.copytree(template / entry, path, symlinks=True)
        if index and rng.random() < 0.8:
            which = rng.choice(["run.json", "history.json"])
            data = json.loads((path / which).read_text())
            with contextlib.suppress(OSError):
                (path / which).unlink()
                if rng.random() < 0.7:
                    (path / which).write_text(json.dumps(mutate(rng, data)))
                else:
                    (path / which).write_bytes(raw_damage(rng, json.dumps(data).encode()))
        entries[name] = _oracle(path, config)
    hostile_tree(rng, world.cache, world.outside, rng.randrange(0, 10))
    for _ in range(rng.randrange(0, 3)):  # the user's folders named like runs, unmarked
        name = rng.choice([f"{entry[:-3]}{rng.randrange(999)}", odd_name(rng)])
        folder = _unique(rng, world.cache, name)
        with contextlib.suppress(OSError):
            folder.mkdir()
            (folder / "run.json").write_text(json.dumps({"config": config, "mine": True}))
    before = snapshot(world.tmp)

    listed = world.call("list_runs", store.list_runs, world.cache)
    if isinstance(listed, list):
        for record in listed:
            world.call("describe", store.describe, record)
    status, text = world.cli("runs")
    if status not in (0, 2, None):
        world.find("wrong", f"dlcv runs exited {status}")
    elif status == 0 and (
        any(not line.isprintable() for line in text.splitlines()) or _raw_name_in(text, before)
    ):
        world.find("wrong", "dlcv runs printed a line with a control character")

    for name, valid in entries.items():
        if rng.random() < 0.5:
            continue
        path = world.cache / name
        result = world.call(f"load {name}", run_cache.load, path, config)
        if result is not None and not valid:
            world.find("wrong", f"loaded the run {name}, whose record is not valid")
        if isinstance(result, run_cache.Run):
            record = json.loads((path / "run.json").read_bytes())
            history = json.loads((path / "history.json").read_bytes())
            if (result.metrics, result.seconds, result.best_epoch, result.history) != (
                record["metrics"], record["seconds"], record["best_epoch"], history
            ):
                world.find("wrong", f"the run {name} loaded is not what its files hold")

    names = []
    with contextlib.suppress(OSError):
        names = [p.name for p in world.cache.iterdir()]
    names += [odd_name(rng) for _ in range(3)] + ["..", ".", "", "/", str(world.outside)]
    rng.shuffle(names)
    removed = set()
    for name in names[:8]:
        valid = entries.get(name, False)
        marked = folders.is_dlcvs(world.cache / name) if name else False
        if rng.random() < 0.5:
            result = world.call(f"remove_run({name!r})", store.remove_run, name, world.cache)
            gone = isinstance(result, Path)
        else:
            status, _ = world.cli("runs", "--remove", name)
            gone = status == 0
        if gone:
            removed.add(name)
            if not marked:  # a damaged run dlcv made may go: it is dlcv's, by its marker
                world.find("wrong", f"removed {name!r}, which dlcv did not make")
            if os.path.lexists(world.cache / name):
                world.find("wrong", f"said it removed {name!r}, which is still there")
        elif valid and marked and name in entries:
            world.find("wrong", f"refused to remove the valid run {name!r}")
    owned = [world.cache / name for name in removed]
    for path in changed(before, snapshot(world.tmp), owned=owned):
        world.find("lost", f"the runs commands changed {path}")


def _oracle(path: Path, config: dict) -> bool:
    try:
        record = json.loads((path / "run.json").read_bytes())
        history = json.loads((path / "history.json").read_bytes())
    except (ValueError, RecursionError, OSError):
        return False
    return valid_run(record, history, config, path / "model.keras")


SCENARIOS = {
    "data-info": scenario_data_info,
    "prepare": scenario_prepare,
    "runs": scenario_runs,
}


STATS: Counter = Counter()
"""What the calls of every seed so far returned or raised, by kind of call (coverage)."""


def fuzz(scenario: str, seed: int) -> list[Finding]:
    """Runs one seed of one scenario; returns what it found (nothing, when dlcv is right)."""
    world = World(scenario, seed)
    saved = dict(os.environ)
    os.environ.update(_env(world), KERAS_HOME=str(world.tmp / "keras"))
    try:
        SCENARIOS[scenario](world)
    except Hang as error:
        world.find("hang", f"the scenario itself: {error}")
    except Exception as error:  # noqa: BLE001
        world.find("traceback", f"outside any call: {type(error).__name__}: {error}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        world.close()
        STATS.update(world.stats)
    return world.findings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile.fuzz")
    parser.add_argument("--seeds", type=int, default=50, help="seeds 0 .. N-1 of each scenario")
    parser.add_argument("--first", type=int, default=0, help="the first seed")
    parser.add_argument("--stats", action="store_true", help="count what the calls returned")
    parser.add_argument("-k", default="", help="only the scenarios whose name holds this")
    args = parser.parse_args(argv)
    findings, runs = [], 0
    for scenario in SCENARIOS:
        if args.k not in scenario:
            continue
        for seed in range(args.first, args.first + args.seeds):
            found = fuzz(scenario, seed)
            runs += 1
            for finding in found:
                print(finding, flush=True)
            findings += found
    if args.stats:
        for what, count in sorted(STATS.items()):
            print(f"  {count:6}  {what}")
    print(f"\n{runs} seeds, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
