"""Hostile probes of dlcv (the data side: probes.py and families.py; the run side: runs_side.py),
each classified automatically; a summary at the end.

    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile            # all probes
    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile -k archive # those whose name holds it
    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile --json out.json
    PYTHONPATH=$PWD .venv/bin/python -m bench.hostile --family env  # env/..., not fresh/env/...

The probes run one after another in a worker process (which imports dlcv and TensorFlow once);
a probe that runs past its timeout is a hang: the worker is killed and a new one goes on with
the next probe. Each probe ends as one of:

``handled``    dlcv did the right thing (a result that checks out, or a refusal that was right)
``error``      a clear dlcv error (or a usage error of the command line, exit status 2)
``traceback``  an exception that is not dlcv's, or a traceback printed by the command line
``hang``       it ran past its timeout
``lost``       a file of the user's was deleted or changed
``wrong``      a result that does not check out (the wrong photos, a false report)

Probes that only mean something for a user without root rights are skipped as root.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import time
from collections import Counter

OUTCOMES = ("handled", "error", "traceback", "hang", "lost", "wrong", "skipped")


def _worker_main() -> None:
    import signal

    # Started from a shell's background job, SIGINT is ignored, and the processes the probes
    # start would inherit that (their Ctrl-C would do nothing): a handler of its own resets
    # theirs to the default on exec.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever dlcv or a library prints goes to stderr, not into the results
    from bench.hostile import probes

    registry = probes.registry()
    import dlcv.data  # noqa: F401  (imported before the clock of the first probe starts)
    from dlcv.data.cats_vs_dogs import image_problem

    image_problem(probes.jpeg("cat", 0))  # loads TensorFlow
    print(json.dumps({"ready": True}), file=results, flush=True)
    for line in sys.stdin:
        name = line.strip()
        started = time.monotonic()
        outcome, detail = probes.run_probe(registry[name])
        print(
            json.dumps(
                {
                    "name": name,
                    "outcome": outcome,
                    "detail": detail[:300],
                    "seconds": round(time.monotonic() - started, 2),
                }
            ),
            file=results,
            flush=True,
        )


class _Worker:
    def __init__(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.hostile", "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.process.stdout.readline()  # "ready": dlcv and TensorFlow are imported

    def ask(self, name: str, timeout: float) -> dict | None:
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.process.stdout.readline()
        if not line:
            return {"name": name, "outcome": "traceback", "detail": "the worker died"}
        return json.loads(line)

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-k", default="", help="run the probes whose name holds this")
    parser.add_argument(
        "--family", help="run one family: the probes whose name starts with FAMILY/"
    )
    parser.add_argument("--json", help="write every probe's outcome to this file")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per probe")
    parser.add_argument("-v", action="store_true", help="print every probe, not only failures")
    args = parser.parse_args(argv)
    if args.worker:
        _worker_main()
        return 0
    from bench.hostile import probes

    names = [
        name for name in probes.registry()
        if args.k in name and (args.family is None or name.startswith(args.family + "/"))
    ]
    results, worker = [], _Worker()
    for name in names:
        result = worker.ask(name, args.timeout)
        if result is None:
            worker.kill()
            worker = _Worker()
            result = {"name": name, "outcome": "hang", "detail": f"over {args.timeout:.0f} s"}
        results.append(result)
        if args.v or result["outcome"] not in ("handled", "error", "skipped"):
            print(f"{result['outcome']:9}  {name}: {result['detail']}", flush=True)
    worker.kill()
    counts = Counter(result["outcome"] for result in results)
    print(f"\n{len(results)} probes: " + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(results, stream, indent=1)
    bad = sum(counts[o] for o in ("traceback", "hang", "lost", "wrong"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
