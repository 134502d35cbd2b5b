"""Which edition a reader is looking at, on every page.

- A banner at the top of every page (the theme's announcement bar): the quick or the full
  edition, read from :func:`dlcv.profiles.active` when the book is built, what that means, and a
  link to the intro's section on the two profiles.
- In the footer: the dlcv version, the commit the site was built from (when the book is built
  from a git checkout), the build date (UTC; ``SOURCE_DATE_EPOCH`` when set), and the licences of
  the text (CC BY 4.0) and the code (MIT).
- After the build, the theme's Font Awesome script is removed from ``_static``: no page loads it
  (``book/_templates/static/webpack-macros.html``), and it weighs 3 MB with its source map.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

PROFILES_PAGE = "book/intro"
PROFILES_ANCHOR = "profiles-quick-and-full"

def quick_banner() -> str:
    """What the quick edition is, from its profile and the MNIST sample: drawn cartoons, not
    photos; few digits."""
    from dlcv.profiles import QUICK

    per_class = QUICK.sample_counts
    splits = "/".join(f"{2 * n:,}" for n in per_class)
    height, width = QUICK.cats_vs_dogs_image_size
    epochs = {QUICK.baseline_epochs, QUICK.regularized_epochs}
    budget = (
        f"{QUICK.baseline_epochs} epochs for the main variants, fewer for a few one-off "
        "comparisons" if len(epochs) == 1
        else f"{QUICK.baseline_epochs} or {QUICK.regularized_epochs} epochs"
    )
    return (
        "<strong>Quick edition:</strong> unless the real photos are on disk, its cats and dogs "
        "are synthetic cartoons drawn by code, not photos "
        f"({splits} training, validation and test images at {height}x{width}, {budget}), and "
        f"unless the full MNIST is on disk, its MNIST is {mnist_sample()}; so its numbers and "
        "figures are not the book's results on the real data."
    )


def mnist_sample() -> str:
    """The quick edition's MNIST, from the sample loader: real digits, but few of them."""
    from dlcv.data.mnist import sample_counts

    counts = sample_counts()
    return (
        f"a sample of {sum(counts.values()):,} real digits ({counts['train']:,} training, "
        f"{counts['test']:,} test)"
    )


def full_banner() -> str:
    from dlcv.profiles import FULL

    height, width = FULL.cats_vs_dogs_image_size
    return (
        "<strong>Full edition:</strong> built with the real data sets (the cats-vs-dogs "
        f"photos at {height}x{width}) and the book's epochs."
    )


BANNERS = {"quick": quick_banner(), "full": full_banner()}

TEXT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
REPOSITORY_FILE = "https://github.com/dlcv-book/dlcv/blob/main/"


def edition() -> str:
    """The name of the profile the book is being built with: ``"quick"`` or ``"full"``."""
    from dlcv import profiles

    return profiles.active().name


def dlcv_version() -> str:
    try:
        return version("dlcv")
    except PackageNotFoundError:
        return "unknown"


def commit(root: Path) -> str | None:
    """The short hash of the checked-out commit under ``root``, or ``None`` outside git."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True,
            text=True, check=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def build_date() -> datetime.date:
    """Today in UTC, or the date of ``SOURCE_DATE_EPOCH`` for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date()
    return datetime.datetime.now(tz=datetime.UTC).date()


def banner_html(name: str, link: str) -> str:
    return (
        f'<div class="dlcv-edition dlcv-edition-{escape(name)}">{BANNERS[name]} '
        f'<a href="{escape(link)}">About the two editions</a></div>'
    )


def footer_html(root: Path) -> str:
    parts = [f"dlcv {escape(dlcv_version())}"]
    sha = commit(root)
    if sha:
        parts.append(f"commit <code>{escape(sha)}</code>")
    parts.append(f"built {build_date().isoformat()}")
    parts.append(f"{escape(edition())} edition")
    licences = (
        f'Text: <a href="{TEXT_LICENCE}">CC BY 4.0</a>; '
        f'code: <a href="{REPOSITORY_FILE}LICENSE">MIT</a>.'
    )
    return f'<p class="dlcv-build">{" · ".join(parts)}. {licences}</p>'


def on_builder_inited(app: Sphinx) -> None:
    name = edition()  # fails the build early when DLCV_PROFILE names no profile
    if name not in BANNERS:
        raise ValueError(f"No edition banner for the profile {name!r}.")
    app.dlcv_edition = name  # type: ignore[attr-defined]
    app.dlcv_footer = footer_html(Path(app.srcdir))  # type: ignore[attr-defined]


def on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    page = "" if pagename == PROFILES_PAGE else context["pathto"](PROFILES_PAGE)
    link = page + "#" + PROFILES_ANCHOR
    context["theme_announcement"] = banner_html(app.dlcv_edition, link)  # type: ignore[attr-defined]
    context["theme_extra_footer"] = app.dlcv_footer  # type: ignore[attr-defined]


def drop_unused_icon_script(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in (Path(app.outdir) / "_static" / "scripts").glob("fontawesome.js*"):
        path.unlink()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", on_builder_inited)
    app.connect("html-page-context", on_page_context)
    app.connect("build-finished", drop_unused_icon_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
