"""The ``runs`` command of ``python -m dlcv``: list, remove, plan, export and import runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dlcv import settings
from dlcv.cli.formatting import HelpFormatter, add_profile_option, examples, shown
from dlcv.errors import ConfigError


def add_runs_command(commands: argparse._SubParsersAction) -> None:
    """Adds ``runs`` (and ``runs plan``, ``runs export``, ``runs import``)."""
    runs = commands.add_parser(
        "runs",
        help="list, plan, export and import the cached runs, or remove one",
        description="List the trained runs in the run cache ($DLCV_CACHE_DIR or "
        "~/.cache/dlcv/runs), newest first: id, date, settings and test accuracy. Removing a "
        "run makes the next page or command that needs it train it again.",
        epilog=examples(
            "dlcv runs",
            "dlcv runs --remove cats_vs_dogs-61f7dc6e62aa3d96",
            "dlcv --profile full runs plan --json",
            "dlcv runs export runs.tar",
            "dlcv runs import https://example.org/runs.tar",
        ),
        formatter_class=HelpFormatter,
    )
    runs.add_argument(
        "--remove", action="append", metavar="ID",
        help="delete the run with this id (the first column); may be given more than once",
    )
    runs.set_defaults(handler=list_command)
    actions = runs.add_subparsers(dest="runs_command", metavar="ACTION")

    plan = actions.add_parser(
        "plan", help="every run a build of the profile's edition needs, trained or not",
        description="List every run the book's pages request in the profile's edition: page, "
        "variant, seed, epochs, key and estimated seconds. Trains nothing.",
    )
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_profile_option(plan)
    plan.set_defaults(handler=plan_command)

    export = actions.add_parser(
        "export", help="write the profile's planned runs to one archive (a bundle)",
        description="Write every planned run of the profile's edition, from the run cache, to "
        "one tar archive with a manifest.json (keys, versions, code hash, SHA-256 of each "
        "file). Every planned run (or each of --keys) must be in the cache.",
    )
    export.add_argument("path", type=Path, help="the archive to write (.tar)")
    export.add_argument(
        "--keys", nargs="+", metavar="KEY",
        help="only these planned runs (a job's share of the plan); default: every planned run",
    )
    add_profile_option(export)
    export.set_defaults(handler=export_command)

    imports = actions.add_parser(
        "import", help="add the runs of a bundle (a file or URL) to the run cache",
        description="Verify a bundle made by `dlcv runs export` (every checksum, the training "
        "code) and add its runs to the run cache; runs already there are kept.",
    )
    imports.add_argument("source", help="the bundle's path or http(s) URL")
    imports.set_defaults(handler=import_command)


def list_command(args: argparse.Namespace) -> int:
    from dlcv.runs import store  # reads JSON files only: no TensorFlow to import

    if args.remove:
        for run_id in args.remove:
            print(f"Removed {shown(store.remove_run(run_id))}")
        return 0
    records = store.list_runs()
    if not records:
        print(f"No cached runs in {shown(settings.cache_dir())}.")
        return 0
    print(f"{len(records)} cached run(s) in {shown(settings.cache_dir())}:")
    # any name a folder may have, on one line: a newline in one must not fake a row
    rows = [{k: shown(v) for k, v in store.describe(record).items()} for record in records]
    widths = {column: max(len(column), *(len(row[column]) for row in rows)) for column in rows[0]}
    left = {"id", "created", "profile", "data"}  # text; the other columns are numbers

    def line(cells: dict) -> str:
        return "  ".join(
            cells[c].ljust(w) if c in left else cells[c].rjust(w) for c, w in widths.items()
        ).rstrip()

    print(line({column: column for column in widths}))
    for row in rows:
        print(line(row))
    return 0


def plan_command(args: argparse.Namespace) -> int:
    from dlcv import edition

    planned = edition.book_plan(args.profile)
    if args.json:
        print(json.dumps(
            {"profile": args.profile.name, "runs": [run.as_dict() for run in planned]}, indent=1
        ))
        return 0
    total = sum(run.estimated_seconds for run in planned)
    print(f"{len(planned)} run(s) in the plan of the {args.profile.name} edition "
          f"(about {total / 60:.0f} min of training on the measured machine):")
    for run in planned:
        cost = f"with {run.stored_with}" if run.stored_with else f"~{run.estimated_seconds:.0f} s"
        print(f"  {run.key}  {run.experiment:<22} {run.variant:<32} seed {run.seed:<5} "
              f"{run.epochs:>4} epochs  {cost}")
    return 0


def export_command(args: argparse.Namespace) -> int:
    from dlcv import edition
    from dlcv.runs import bundle

    planned = [run.key for run in edition.book_plan(args.profile)]
    keys = planned if args.keys is None else list(dict.fromkeys(args.keys))
    unplanned = [key for key in keys if key not in planned]
    if unplanned:
        raise ConfigError(
            f"{', '.join(unplanned)}: not in the plan of the {args.profile.name} profile; "
            f"`python -m dlcv --profile {args.profile.name} runs plan` lists its keys."
        )
    manifest = bundle.export_runs(args.path, keys)
    print(f"Wrote {len(manifest['runs'])} run(s) to {args.path}")
    return 0


def import_command(args: argparse.Namespace) -> int:
    from dlcv.runs import bundle

    added, kept = bundle.import_runs(args.source)
    print(f"Imported {len(added)} run(s); {len(kept)} already in the run cache.")
    return 0
