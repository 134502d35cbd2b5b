"""The ``fresh`` family of ``python -m bench.hostile`` (issue 22, second pass): probes designed
afresh over names, folders, paths, cached records, FIFOs, huge sparse files and the environment,
through the API and the command line (in the worker's process, its output written as a
terminal's: UTF-8, strict), plus seeds of the fuzzer (:mod:`bench.hostile.fuzz`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.hostile.probes import (
    COUNTS,
    SMALL,
    Skip,
    dlcv_in_process,
    fifo,
    jpeg,
    photo_folder,
    prepare,
    sparse,
)

NAMES = {
    "unicode": "猫ça",
    "emoji": "😺",
    "rtl-override": "\u202egpj",
    "combining": "e\u0301",
    "arabic-digits": "٣٤",
    "superscript-digit": "1²2",
    "long-255": "a" * 251,
    "digits-300": "7" * 300,
    "newline": "a\nb",
    "carriage-return": "a\rb",
    "tab": "a\tb",
    "leading-dash": "-rf",
    "double-dash": "--remove",
    "space-only": " ",
    "trailing-dot-space": "x. ",
    "dots": "...",
    "glob": "*?[a]",
    "dollar": "$HOME",
    "tilde": "~root",
    "backslash": "a\\b",
    "not-utf8": os.fsdecode(b"caf\xe9"),
    "not-utf8-lead": os.fsdecode(b"\xff\xfe"),
    "escape-sequence": "\x1b[31mred",
    "bell": "\x07",
}
"""Names any Linux file system allows (but ``/`` and NUL), each a label for the probe's name."""

_SHORT = ["unicode", "long-255", "newline", "leading-dash", "not-utf8", "escape-sequence",
          "space-only", "glob", "rtl-override", "digits-300", "tilde", "bell"]


def register_all(probe) -> None:
    _photo_names(probe)
    _data_info_entries(probe)
    _cache_entries(probe)
    _environment(probe)
    _records(probe)
    _fuzz_seeds(probe)


def one_line_each(text: str) -> bool:
    return all(line.isprintable() for line in text.splitlines())


def expect_ok(status: int, text: str, raw: str = "") -> tuple[bool, str]:
    """Exit status 0, every line printable, and ``raw`` (a name with a newline, say) nowhere
    as it is: it must be escaped, or it fakes a line."""
    if status != 0:
        return False, f"exit status {status}: {text.strip()[-200:]}"
    if not one_line_each(text):
        return False, "printed a line with a control character"
    if raw and not raw.isprintable() and raw in text:
        return False, f"printed the name {raw!r} as it is, over lines"
    return True, "exit status 0, every line printable"


def expect_refusal(status: int, text: str) -> tuple[bool, str]:
    from dlcv.errors import DlcvError

    if status == 0:
        return False, f"exit status 0: {text.strip()[-200:]}"
    raise DlcvError(f"exit status {status}: {text.strip().splitlines()[-1][:200]}")


# --- Names ---------------------------------------------------------------------------------


def _photo_names(probe) -> None:
    """A cat and a dog photo under each odd name: prepared from the folder, both used."""

    for label, name in NAMES.items():

        def run(ctx, name=name):
            photos = ctx.tmp / "photos"
            contents = photo_folder(photos, per_class=2)
            for kind in contents:
                data = jpeg(kind, 50)
                try:
                    (photos / kind / f"{name}.jpg").write_bytes(data)
                except OSError as error:
                    raise Skip(f"the file system refuses the name: {error}") from None
                contents[kind].add(data)
            ctx.keep(photos)
            root = prepare(source="directory", archive=photos, counts=COUNTS)
            used = {
                (root / split / kind / f"{kind}.{i}.jpg").read_bytes()
                for kind in contents for split, i in (("train", 0), ("validation", 1),
                                                      ("test", 2))
            }
            want = {jpeg(kind, 50) for kind in contents}
            if not want <= used:  # 3 photos a class, all needed: the odd one among them
                return False, "the photo with the odd name was not used"
            return True, "prepared, the odd-named photos among the used"

        probe(f"fresh/photo-name/{label}")(run)


def _data_info_entries(probe) -> None:
    """What ``dlcv data info`` meets in the data folder under odd names: a prepared folder, a
    FIFO as its info.json, a zip that is a FIFO or a dangling link."""

    def make(kind, name, home: Path, ctx):
        if kind == "prepared":
            (home / name).mkdir()
            (home / name / "info.json").write_text(json.dumps(
                {"name": name, "source": name, "counts": {"train": {"cat": 1}}, "dropped": {},
                 "origin": name, "license": name}))
        elif kind == "fifo-info":
            (home / name).mkdir()
            fifo(home / name / "info.json")
        elif kind == "fifo-zip":
            fifo(home / f"{name}.zip")
        elif kind == "dangling-zip":
            (home / f"{name}.zip").symlink_to(ctx.tmp / "nowhere")

    for label in _SHORT:
        for kind in ("prepared", "fifo-info", "fifo-zip", "dangling-zip"):

            def run(ctx, kind=kind, name=NAMES[label]):
                home = ctx.data / "cats_vs_dogs"
                home.mkdir(parents=True)
                try:
                    make(kind, name[:240], home, ctx)
                except OSError as error:
                    raise Skip(f"the file system refuses the name: {error}") from None
                ctx.keep(ctx.data)
                return expect_ok(*dlcv_in_process("data", "info"), raw=name[:240])

            probe(f"fresh/data-info/{kind}/{label}")(run)


def _cache_entries(probe) -> None:
    """A folder of the user's under an odd name in the run cache, with a run.json: listed on
    one line; ``runs --remove`` refuses it (no marker) and leaves it."""
    for label in _SHORT:

        def listing(ctx, name=NAMES[label]):
            folder = ctx.cache / name
            _mkdir(folder)
            (folder / "run.json").write_text('{"config": {"name": "x"}, "created": 1.0}')
            ctx.keep(ctx.cache)
            status, text = dlcv_in_process("runs")
            ok, detail = expect_ok(status, text, raw=name)
            return ok and "1 cached run" in text, detail

        def removal(ctx, name=NAMES[label]):
            folder = ctx.cache / name
            _mkdir(folder)
            (folder / "run.json").write_text('{"config": {}}')
            (folder / ".dlcv").write_text("a marker, but no valid record")
            ctx.keep(ctx.cache)
            return expect_refusal(*dlcv_in_process("runs", "--remove", name))

        probe(f"fresh/runs-list/{label}")(listing)
        probe(f"fresh/runs-remove/{label}")(removal)


def _mkdir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise Skip(f"the file system refuses the name: {error}") from None


# --- The environment -----------------------------------------------------------------------

_ENV_VALUES = {
    "a-file": (lambda ctx: _file(ctx.tmp / "file"), "refuse"),
    "a-fifo": (lambda ctx: str(fifo(ctx.tmp / "pipe")), "refuse"),
    "dev-null": (lambda ctx: "/dev/null", "refuse"),
    "under-a-file": (lambda ctx: _file(ctx.tmp / "file") + "/sub", "refuse"),
    "loop-link": (lambda ctx: _loop(ctx.tmp), "refuse"),
    "dangling-link": (lambda ctx: _dangling(ctx.tmp), "either"),
    "newline": (lambda ctx: str(ctx.tmp / "a\nb"), "either"),
    "not-utf8": (lambda ctx: str(ctx.tmp / os.fsdecode(b"\xff")), "either"),
    "too-long": (lambda ctx: str(ctx.tmp / ("x" * 300)), "either"),
    "path-5000": (lambda ctx: str(ctx.tmp) + "/d" * 2500, "either"),
    "no-such-user": (lambda ctx: "~nosuchuser-dlcv/x", "either"),
    "leading-dash": (lambda ctx: str(ctx.tmp / "-rf"), "either"),
    "a-sparse-giant": (lambda ctx: str(sparse(ctx.tmp / "giant")), "refuse"),
}


def _file(path: Path) -> str:
    path.write_text("the user's file")
    return str(path)


def _loop(tmp: Path) -> str:
    (tmp / "loop").symlink_to("loop")
    return str(tmp / "loop")


def _dangling(tmp: Path) -> str:
    (tmp / "dangling").symlink_to(tmp / "gone")
    return str(tmp / "dangling")


def _environment(probe) -> None:
    def data_info(ctx):
        return dlcv_in_process("data", "info")

    def runs(ctx):
        return dlcv_in_process("runs")

    def prepare_sample(ctx):
        from dlcv.errors import DlcvError

        try:
            root = prepare(source="sample", image_size=SMALL)
        except DlcvError as error:
            return 2, str(error)
        return 0, f"prepared {root!r}"

    def list_runs(ctx):
        from dlcv.errors import DlcvError
        from dlcv.runs import list_runs

        try:
            return 0, f"{len(list_runs())} runs"
        except DlcvError as error:
            return 2, str(error)

    commands = {
        "DLCV_DATA_DIR": {"data-info": data_info, "prepare-sample": prepare_sample},
        "DLCV_CACHE_DIR": {"runs": runs, "list-runs": list_runs},
    }
    for variable, calls in commands.items():
        for label, (make, expected) in _ENV_VALUES.items():
            for call_name, call in calls.items():

                def run(ctx, variable=variable, make=make, expected=expected, call=call):
                    ctx.tmp.mkdir(exist_ok=True)
                    try:
                        value = make(ctx)
                    except OSError as error:
                        raise Skip(f"cannot make it: {error}") from None
                    for path in ctx.tmp.iterdir():
                        ctx.keep(path)
                    os.environ[variable] = value
                    status, text = call(ctx)
                    if expected == "refuse":
                        return expect_refusal(status, text)
                    if status != 0 and not text.strip():
                        return False, f"exit status {status} and not a word"
                    if status == 0:
                        return expect_ok(status, text)
                    return expect_refusal(status, text)

                probe(f"fresh/env/{variable}={label}/{call_name}")(run)


# --- Records -------------------------------------------------------------------------------


def _records(probe) -> None:
    """Records dlcv reads, replaced by what would hang or fill memory."""

    def prepared_record(file, kind):
        def run(ctx):
            root = prepare(source="sample", image_size=SMALL)
            (root / file).unlink(missing_ok=True)
            if kind == "fifo":
                fifo(root / file)
            elif kind == "sparse":
                sparse(root / file)
            elif kind == "deep":
                (root / file).write_bytes(b"[" * 100_000 + b"]" * 100_000)
            again = prepare(source="sample", image_size=SMALL)
            if again != root or not (root / "info.json").is_file():
                return False, "not made again"
            status, text = dlcv_in_process("data", "info")
            return expect_ok(status, text)

        return run

    for kind in ("fifo", "sparse", "deep"):
        probe(f"fresh/prepared/info.json-{kind}")(prepared_record("info.json", kind))

    def made_from(kind):
        def run(ctx):
            photos = ctx.tmp / "photos"
            photo_folder(photos)
            root = prepare(source="directory", archive=photos, counts=COUNTS)
            (root / ".made_from.json").unlink()
            fifo(root / ".made_from.json") if kind == "fifo" else sparse(root / ".made_from.json")
            again = prepare(source="directory", archive=photos, counts=COUNTS)
            return again == root, "prepared again"

        return run

    for kind in ("fifo", "sparse"):
        probe(f"fresh/prepared/made-from-{kind}")(made_from(kind))

    def epochs(value):
        def run(ctx):
            from bench.hostile.runs_side import tiny_run

            tiny_run(ctx, epochs=value)
            return False, f"trained epochs={value}"

        return run

    for value in (10**12, 10_001, 2**63):
        probe(f"fresh/run/epochs={value}")(epochs(value))

    def cli_epochs(ctx):
        try:
            dlcv_in_process("train", "mnist", "--epochs", "10001")
        except SystemExit as exit_:
            if exit_.code == 2:
                return True, "a usage error"
            raise
        return False, "accepted"

    probe("fresh/cli/train-epochs-10001")(cli_epochs)

    def interrupted_prepare(ctx):
        """Ctrl-C once the drawing is under way (its staging folder exists): no traceback,
        exit status 130, nothing left behind."""
        import signal
        import subprocess
        import sys
        import time

        home = ctx.data / "cats_vs_dogs"
        process = subprocess.Popen(
            [sys.executable, "-m", "dlcv", "data", "prepare", "cats-vs-dogs", "--source",
             "sample", "--counts", "3000", "1000", "3000", "--image-size", "128", "128"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        started = time.monotonic()
        while time.monotonic() - started < 40 and process.poll() is None:
            if home.is_dir() and any(p.name.startswith(".sample") for p in home.iterdir()):
                break
            time.sleep(0.05)
        if process.poll() is not None:
            raise Skip("it ended before its staging folder was seen")
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise TimeoutError("Ctrl-C did not stop data prepare in 30 s") from None
        if "Traceback" in err:
            raise RuntimeError(f"Ctrl-C printed a traceback: {err.strip().splitlines()[-1]}")
        left = [p.name for p in home.iterdir() if p.name.startswith(".")]
        ok = process.returncode == 130 and not left
        return ok, f"exit {process.returncode}, {err.strip()[-80:]!r}, leftovers {left}"

    probe("fresh/cli/ctrl-c-in-data-prepare")(interrupted_prepare)

    def link_to_root(ctx):
        photos = ctx.tmp / "photos"
        photo_folder(photos)
        (photos / "cat" / "all").symlink_to("/")
        root = prepare(source="directory", archive=photos, counts=COUNTS)
        return True, f"prepared {root.name}"

    probe("fresh/photos/link-to-root")(link_to_root)

    def prefix_against_folder(ctx):
        photos = ctx.tmp / "photos"
        contents = photo_folder(photos)
        for i in range(3):
            (photos / "dog" / f"cat.{i}.jpg").write_bytes(data := jpeg("dog", 60 + i))
            contents["dog"].add(data)
        root = prepare(source="directory", archive=photos, counts=COUNTS)
        for split in ("train", "validation", "test"):
            for path in (root / split / "cat").iterdir():
                if path.read_bytes() not in contents["cat"]:
                    return False, f"{split}/cat holds a dog photo named cat.N.jpg"
        return True, "the dog/ folder decided"

    probe("fresh/photos/dog-folder-cat-prefix")(prefix_against_folder)


def _fuzz_seeds(probe) -> None:
    from bench.hostile import fuzz

    for scenario in fuzz.SCENARIOS:
        for seed in range(1000, 1010):

            def run(ctx, scenario=scenario, seed=seed):
                findings = fuzz.fuzz(scenario, seed)
                if not findings:
                    return True, "nothing found"
                worst = findings[0]
                if worst.outcome == "traceback":
                    raise RuntimeError(str(worst))
                if worst.outcome == "hang":
                    raise TimeoutError(str(worst))
                return False, str(worst)

            probe(f"fresh/fuzz/{scenario}/seed-{seed}")(run)
