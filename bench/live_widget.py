"""How fast the MNIST chapter's live widget answers a stroke, in headless Chromium.

    python -m bench.live_widget                 # -> bench/results/live_widget.json
    python -m bench.live_widget --export DIR    # another export (default: the book's, if built)

Serves a page with the widget (``book/_static/widgets/live-digit.js`` and ``.css``) and an exported
model from a temporary folder on 127.0.0.1, replays strokes as mouse events (down, many moves,
up) on the drawing pad, and reads the timings the widget records for each update:

- ``latency``: from the first pointer event the update answers (its ``timeStamp``) to the end of
  the update: the wait for the next animation frame, reading the pad, framing the drawing,
  the forward pass and drawing the input, every feature map and the probabilities;
- ``forward``: the forward pass alone; ``total``: the whole update, without the wait.

The export is the one the book build wrote (``book/_static/mnist-live``) when present, so the
weights are the trained ones (their zeros after ReLU are skipped, so weights matter a little);
otherwise an untrained ``mnist_convnet`` (said in the results). Chromium runs with
``--disable-gpu``, as in the tests: canvases are drawn on the CPU.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import numpy as np

from tools import REPOSITORY

STATIC = REPOSITORY / "book" / "_static" / "widgets"
RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_MS = 50.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def measure(export: Path | None, strokes: int, moves: int, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        model_note = _prepare(folder, export)
        with _served(folder) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url + "index.html")
                page.wait_for_function(
                    "document.querySelector('.live-digit')?.liveDigit?.ready === true"
                )
                stroke_timings = _draw(page, strokes, moves)
                pick_timings = _pick(page)
                version = browser.version
            finally:
                browser.close()
    return {
        "model": model_note,
        "browser": f"Chromium {version} (headless, --disable-gpu)",
        "strokes": strokes,
        "moves_per_stroke": moves,
        "stroke_updates": _summary(stroke_timings),
        "picked_digit_updates": _summary(pick_timings),
        "budget_ms": BUDGET_MS,
    }


def _prepare(folder: Path, export: Path | None) -> str:
    from dlcv.widgets.live_digit import export_mnist_model, live_digit_widget

    for name in ("live-digit.js", "live-digit.css", "widgets.css"):
        shutil.copy(STATIC / name, folder / name)
    if export is not None:
        shutil.copytree(export, folder / "mnist-live")
        manifest = json.loads((folder / "mnist-live" / "model.json").read_text())
        note = f"exported from {export} ({manifest['parameters']:,} parameters)"
    else:
        import keras

        from dlcv.models import mnist_convnet

        keras.utils.set_random_seed(0)
        export_mnist_model(mnist_convnet(), folder / "mnist-live")
        note = "untrained mnist_convnet (no book export found)"
    widget = live_digit_widget("mnist-live/model.json")
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" '
        'href="data:,"><link rel="stylesheet" href="widgets.css">'
        '<link rel="stylesheet" href="live-digit.css"></head>'
        f'<body>{widget}<script src="live-digit.js"></script></body></html>',
        encoding="utf-8",
    )
    return note


class _served:
    """Serves a folder on 127.0.0.1 (a free port) for as long as the ``with`` lasts."""

    def __init__(self, folder: Path):
        import functools
        import http.server

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        import threading

        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _draw(page, strokes: int, moves: int) -> list[dict]:
    """Draws ``strokes`` random scribbles, clearing the pad before each; returns the timings."""
    rng = np.random.default_rng(0)
    widget = page.locator(".live-digit")
    box = widget.locator(".live-digit__pad").bounding_box()
    page.evaluate("() => { document.querySelector('.live-digit').liveDigit.timings.length = 0; }")
    for _ in range(strokes):
        widget.get_by_role("button", name="Clear").click()
        walk = np.cumsum(rng.uniform(-0.05, 0.05, size=(moves, 2)), axis=0)
        points = np.clip(rng.uniform(0.3, 0.7, size=2) + walk, 0.1, 0.9)
        at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
        page.mouse.move(*at[0])
        page.mouse.down()
        for point in at[1:]:
            page.mouse.move(*point)
        page.mouse.up()
        page.evaluate("() => new Promise(r => requestAnimationFrame(r))")
    return page.evaluate("() => document.querySelector('.live-digit').liveDigit.timings")


def _pick(page) -> list[dict]:
    """Picks every test digit in turn; returns each update's time (no frame wait: no event)."""
    return page.evaluate(
        """() => {
            const api = document.querySelector('.live-digit').liveDigit;
            const times = [];
            for (let round = 0; round < 5; round++) {
                for (let i = 0; i < api.digits.length; i++) {
                    const start = performance.now();
                    api.pick(i);
                    times.push({total: performance.now() - start});
                }
            }
            return times;
        }"""
    )


def _summary(timings: list[dict]) -> dict:
    summary: dict = {"count": len(timings)}
    if timings and "latency" in timings[0]:
        within = sum(t["latency"] <= BUDGET_MS for t in timings) / len(timings)
        summary["share_within_budget"] = round(within, 4)
    for key in ("latency", "forward", "total"):
        values = sorted(t[key] for t in timings if key in t)
        if values:
            summary[f"{key}_ms"] = {
                "median": round(statistics.median(values), 2),
                "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))], 2),
                "max": round(values[-1], 2),
            }
    return summary


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.live_widget", description=__doc__)
    built = REPOSITORY / "book" / "_static" / "mnist-live"
    parser.add_argument("--export", type=Path, default=built if built.is_dir() else None)
    parser.add_argument("--strokes", type=int, default=20, help="strokes drawn (default 20)")
    parser.add_argument("--moves", type=int, default=40, help="mouse moves a stroke (default 40)")
    parser.add_argument("--output", type=Path, default=RESULTS / "live_widget.json")
    parser.add_argument("--chromium", default=os.environ.get("DLCV_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)

    from dlcv import hardware

    load = os.getloadavg()
    result = measure(args.export, args.strokes, args.moves, args.chromium)
    result.update(
        machine=hardware.describe(),
        measured=datetime.datetime.now().isoformat(timespec="seconds"),
        load_average={"before": load, "after": os.getloadavg()},
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    latency = result["stroke_updates"]["latency_ms"]
    total = result["stroke_updates"]["total_ms"]
    print(
        f"{result['stroke_updates']['count']} updates while drawing: stroke to updated widget "
        f"median {latency['median']} ms, p95 {latency['p95']} ms, max {latency['max']} ms "
        f"({result['stroke_updates']['share_within_budget']:.1%} within {BUDGET_MS:.0f} ms); "
        f"the update itself median {total['median']} ms, max {total['max']} ms"
    )
    print(f"Results: {args.output}")
    return result


if __name__ == "__main__":
    main()
