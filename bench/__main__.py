"""The speed benchmark: the book's reference code against dlcv, on this machine.

    python -m bench                      # training speed (a few minutes)
    python -m bench accuracy             # the same test accuracy? (trains both, longer)
    python -m bench book                 # cold and warm `make book`, each page's time
    python -m bench speed accuracy book  # all of it

Results are merged into ``bench/results/<machine>.json`` (one entry per part, with the
machine's description and its load average), and a summary is printed. Everything runs on the
drawn and packaged samples, offline. On a shared machine, run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
from pathlib import Path

from bench import accuracy, book, speed
from bench.measure import COMPUTE_DTYPES
from dlcv import hardware

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("speed", "accuracy", "book")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help=f"what to measure: {', '.join(PARTS)} (default: speed)",
    )
    parser.add_argument("--steps", type=int, default=16, help="training steps timed (default 16)")
    parser.add_argument("--warmup", type=int, default=4, help="untimed steps first (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="turns of each measurement, the best kept (default 2)"
    )
    parser.add_argument(
        "--epochs", type=int, default=10, help="epochs of the accuracy comparison (default 10)"
    )
    parser.add_argument(
        "--output", type=Path, help="results file (default: bench/results/<machine>.json)"
    )
    return parser


def main(argv: list[str] | None = None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:  # not argparse's choices: Python 3.11 rejects an empty list against them
        parser.error(f"unknown part {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    machine = hardware.describe()
    output = args.output or RESULTS / f"{machine['name']}.json"
    results = json.loads(output.read_text()) if output.exists() else {}
    results["machine"] = machine
    for part in dict.fromkeys(args.parts or ["speed"]):
        load = os.getloadavg()
        if part == "speed":
            measured = _speed(args.steps, args.warmup, args.rounds)
        elif part == "accuracy":
            measured = {
                "cats_vs_dogs": accuracy.cats_vs_dogs(args.epochs),
                "mnist": accuracy.mnist(args.epochs),
            }
        else:
            measured = book.build_times()
        results[part] = {
            **measured,
            "measured": datetime.datetime.now().isoformat(timespec="seconds"),
            "load_average": {"before": load, "after": os.getloadavg()},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=1) + "\n")
        print(summary(part, results[part]))
    print(f"Results: {output}")
    return results


def _speed(steps: int, warmup: int, rounds: int) -> dict:
    policy = hardware.precision_policy()
    dtypes = {"float32", COMPUTE_DTYPES[policy], "bfloat16"}
    peaks = {dtype: hardware.matmul_flops(dtype) for dtype in sorted(dtypes)}
    cats = speed.cats_vs_dogs(steps=steps, warmup=warmup, rounds=rounds)
    mnist = speed.mnist(steps=4 * steps, warmup=4 * warmup, rounds=rounds)
    for result in (cats, mnist):
        result["fraction_of_matmul_peak"] = speed.flops_fractions(result, peaks)
    return {
        "precision_policy": policy,
        "matmul_peak_flops": peaks,
        "cats_vs_dogs": cats,
        "mnist": mnist,
        "settings": {"steps": steps, "warmup": warmup, "rounds": rounds},
    }


def summary(part: str, result: dict) -> str:
    """A few lines for the terminal."""
    load = result["load_average"]["before"][0]
    lines = [f"== {part} (load average {load:.1f} before)"]
    if part == "speed":
        for dtype, flops in result["matmul_peak_flops"].items():
            lines.append(f"matmul peak {dtype:>8}: {flops / 1e9:8.1f} GFLOP/s")
        for model in ("cats_vs_dogs", "mnist"):
            lines.append(f"{model}: images/s (fraction of the matmul peak)")
            model_result = result[model]
            for name, value in model_result["images_per_second"].items():
                fraction = model_result["fraction_of_matmul_peak"].get(name)
                shown = f"{value:8.1f} ({fraction:.0%})" if fraction is not None else value
                lines.append(f"  {name:<32} {shown}")
            ratio = model_result["dlcv_over_reference"]
            lines.append(f"  dlcv / reference: {ratio:.2f}x" if ratio else "  dlcv / reference: -")
            ratio32 = model_result.get("dlcv_float32_over_reference")
            if ratio32 and "dlcv_float32" in model_result["images_per_second"]:
                lines.append(f"  dlcv in float32 / reference (float32): {ratio32:.2f}x")
            cpu_ratios = model_result.get("dlcv_over_reference_cpu", [])
            per_cpu = ", ".join(f"{r:.2f}x" for r in cpu_ratios)
            lines.append(f"  dlcv / reference per CPU-second, each round: {per_cpu or '-'}")
        for name, value in result["cats_vs_dogs"]["pipeline_images_per_second"].items():
            lines.append(f"pipeline alone, {name:<16} {value:8.0f} images/s")
    elif part == "accuracy":
        for model in ("cats_vs_dogs", "mnist"):
            accuracies = result[model]["test_accuracy"]
            seconds = result[model]["training_seconds"]
            lines.append(
                f"{model} ({result[model]['epochs']} epochs): test accuracy reference "
                f"{accuracies['reference']:.3f}, dlcv {accuracies['dlcv']:.3f}; training "
                f"{seconds['reference']:.0f} s vs {seconds['dlcv']:.0f} s"
            )
    else:
        lines.append(
            f"cold build {result['cold_seconds']:.0f} s, warm {result['warm_seconds']:.0f} s"
        )
        for page, seconds in result["page_execution_seconds"].items():
            lines.append(f"  {page:<32} {seconds:6.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
