"""The ``data`` commands of ``python -m dlcv``: prepare a data set, show what is where.

:mod:`dlcv.cli` adds them with :func:`add_data_commands`; each parsed command carries its
``handler``, which returns the exit status.

    python -m dlcv data prepare cats-vs-dogs --source microsoft
    python -m dlcv data info
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from dlcv import settings
from dlcv.cli.argtypes import MAX_COUNT, MAX_IMAGE_SIZE, int_in
from dlcv.cli.formatting import HelpFormatter, examples, shown
from dlcv.data.cats_vs_dogs import SOURCES, prepare_cats_vs_dogs, sources
from dlcv.errors import ConfigError, DataUnavailableError

DATASETS = ("cats-vs-dogs",)


def add_data_commands(subparsers: argparse._SubParsersAction) -> None:
    """Adds ``data prepare`` and ``data info`` to the parser of ``python -m dlcv``.

    Args:
        subparsers: what ``ArgumentParser.add_subparsers()`` returned for the main parser.
    """
    data = subparsers.add_parser(
        "data",
        help="prepare data sets and show what is where",
        description="Prepare the data the pages load (the cats-vs-dogs photos or the drawn "
        "sample) ahead of time, and list what is prepared, with its provenance.",
        epilog=examples(
            "dlcv data prepare cats-vs-dogs",
            "dlcv data prepare cats-vs-dogs --source microsoft",
            "dlcv data info",
        ),
        formatter_class=HelpFormatter,
    )
    commands = data.add_subparsers(dest="data_command", required=True, metavar="COMMAND")

    prepare = commands.add_parser(
        "prepare",
        help="download and prepare a data set (the book's subset of the photos, or the sample)",
        description="Prepare the cats-vs-dogs folder the pages load. With no options it "
        "prepares exactly what the active profile's pages open: the photos on disk, else "
        "(full profile) downloaded, else the drawn sample at the profile's size and counts.",
    )
    prepare.add_argument("dataset", choices=DATASETS, help="the data set to prepare")
    prepare.add_argument(
        "--source",
        choices=SOURCES,
        default="auto",
        help="where the photos come from (default: auto: what is on disk, else a download in "
        "the full profile, else the sample)",
    )
    prepare.add_argument(
        "--data-dir", type=Path, help="default: $DLCV_DATA_DIR or ~/.cache/dlcv/data"
    )
    prepare.add_argument("--archive", type=Path, help="an archive or folder of photos to use")
    prepare.add_argument("--url", help="where to download the Microsoft archive from")
    prepare.add_argument("--sha256", help="the SHA-256 of the archive at --url")
    prepare.add_argument(
        "--counts",
        type=int_in(1, MAX_COUNT),
        nargs=3,
        metavar=("TRAIN", "VALIDATION", "TEST"),
        help="images per class in each split (default: the book's 1000 500 1000 for photos, "
        "the profile's for the sample)",
    )
    prepare.add_argument(
        "--image-size",
        type=int_in(8, MAX_IMAGE_SIZE),
        nargs=2,
        metavar=("HEIGHT", "WIDTH"),
        help="the size the sample is drawn at (default: the profile's, 100 100 in quick)",
    )
    prepare.set_defaults(handler=prepare_command)

    info = commands.add_parser("info", help="list the prepared data sets and their provenance")
    info.add_argument("--data-dir", type=Path, help="default: $DLCV_DATA_DIR or ~/.cache/dlcv/data")
    info.set_defaults(handler=info_command)


def prepare_command(args: argparse.Namespace) -> int:
    """``data prepare cats-vs-dogs``: prepares the subset and prints a summary of it.

    Its defaults are the active profile's, so that with none given it prepares the very folder
    :func:`dlcv.experiments.cats_vs_dogs_data` opens (Binder's ``postBuild`` relies on it).
    """
    profile = args.profile
    counts = tuple(args.counts) if args.counts else None
    root = prepare_cats_vs_dogs(
        source=args.source,
        data_dir=args.data_dir,
        archive=args.archive,
        url=args.url,
        sha256=args.sha256,
        counts=counts,
        image_size=tuple(args.image_size or profile.cats_vs_dogs_image_size),
        sample_counts=counts or profile.sample_counts,
        download=profile.downloads,
    )
    print(_summary(root))
    return 0


def info_command(args: argparse.Namespace) -> int:
    """``data info``: what is prepared, and where. Reads only ``info.json`` files (regular files
    of a record's size) and the sizes of ``*.zip`` archives; anything else in the folder is not
    listed."""
    data = args.data_dir or settings.data_dir()
    home = data / "cats_vs_dogs"
    for folder in (data, home):
        try:
            folder.stat()
        except NotADirectoryError:
            raise ConfigError(
                f"The data folder {shown(folder)} lies under a file, so it cannot be a folder: "
                "point DLCV_DATA_DIR (or --data-dir) at a folder."
            ) from None
        except OSError:
            pass  # missing (said below), or what kind_of says
        kind = sources.kind_of(folder)
        if kind not in ("folder", "missing"):
            raise ConfigError(
                f"The data folder {shown(folder)} is a {kind}, not a folder: point "
                "DLCV_DATA_DIR (or --data-dir) at a folder."
            )
    try:
        entries = sorted(home.iterdir()) if sources.kind_of(home) == "folder" else []
    except OSError as error:
        raise DataUnavailableError(
            f"The data folder {shown(home)} cannot be listed ({error.strerror or error}): make "
            "it readable, or point DLCV_DATA_DIR at another folder."
        ) from error
    prepared = [e for e in entries if _is_folder(e) and os.path.lexists(e / "info.json")]
    archives = [e for e in entries if e.name.endswith(".zip")]
    print(f"Data folder: {shown(data)}")
    if not prepared and not archives:
        print("Nothing prepared yet: run `python -m dlcv data prepare cats-vs-dogs`.")
        return 0
    for root in prepared:
        print(_summary(root))
    for archive in archives:
        kind = sources.kind_of(archive)
        size = (
            f"{archive.stat().st_size / 1024**2:,.0f} MiB" if kind == "file"
            else "missing: a dangling link" if kind == "missing"
            else f"a {kind}, not an archive"
        )
        print(f"  archive  {shown(archive.name)}  ({size})")
    return 0


def _is_folder(path: Path) -> bool:
    """Whether an entry is a folder; one that cannot be looked at is skipped, not an error
    (unlike :func:`dlcv.data.cats_vs_dogs.sources.kind_of`), so that it cannot hide the rest."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _summary(root: Path) -> str:
    try:
        info = json.loads(sources.read_record_bytes(root / "info.json"))
        return _describe(root, info)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        return (
            f"damaged: {shown(root)} ({type(error).__name__}: {shown(error)}); "
            "`python -m dlcv data prepare` makes it again"
        )


def _describe(root: Path, info: dict) -> str:
    counts = "  ".join(
        f"{split} {' + '.join(f'{n:,} {kind}' for kind, n in per_class.items())}"
        for split, per_class in info["counts"].items()
    )
    dropped = sum(info["dropped"].values())
    lines = [
        f"{info['name']} ({info['source']}): {root}",
        f"  {counts}",
        f"  origin: {info['origin']}",
        f"  license: {info['license']}",
    ]
    if dropped:
        reasons = ", ".join(f"{n} {reason}" for reason, n in info["dropped"].items() if n)
        lines.append(f"  dropped {dropped} corrupt files: {reasons}")
    return "\n".join(shown(line) for line in lines)
