"""The chapters as notebooks that read like the pages, and the buttons that open them.

Jupyter, Colab and Binder render none of the book's MyST (glued numbers and figures,
``literalinclude``, admonitions, exercises), and Colab opens only ``.ipynb`` files from GitHub.
After an HTML build this extension converts each notebook page with ``tools.myst_to_jupyter``,
with what the build knows of it (the glued values, the figure and exercise numbers, titles and
labels, the bibliography), and writes, under ``<build>/colab`` (the publish workflow pushes that
folder to the ``colab_branch`` of the repository):

- ``<docname>.ipynb``: the teacher edition (with the solutions), led by a note on running it and
  a cell that installs dlcv where it is missing; the Colab and Binder buttons open it, and the
  page's ``.ipynb`` download gives it;
- ``student/<docname>.ipynb``: the same without the solutions;
- ``binder/``: the environment Binder builds for that branch (the book's pinned requirements,
  dlcv from the book's repository).

It also writes ``<html>/notebooks/dlcv-notebooks.zip`` and ``dlcv-notebooks-student.zip``, every
chapter in reading order, which ``book/notebooks.md`` links to.

Set in ``_config.yml`` under ``sphinx: config:``: ``colab_branch`` (default ``"notebooks"``) and
``notebooks_site_url`` (the published book, for links; default ``html_baseurl``, else the GitHub
Pages address of the repository).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import nbformat
from sphinx.application import Sphinx

# IPython runs a line magic inside a block, so the install happens only where it is needed.
INSTALL_CELL = """\
# Installs dlcv, the book's package, where it is missing (Colab, a fresh Jupyter), at the commit
# this page was built from, and TensorFlow where the platform has none; Keras and matplotlib
# come with dlcv, and nothing of the book's build.
import importlib.util

if importlib.util.find_spec("dlcv") is None:
    %pip install --quiet "dlcv @ git+{repository_url}@{commit}"
if importlib.util.find_spec("tensorflow") is None:
    %pip install --quiet "tensorflow=={tensorflow_version}"
# The runs the book was built from, fetched once into the run cache, so that the page loads them
# instead of training (where it cannot, it says so and trains). A sentence of the page that does
# not hold for a run trained here then shows a note instead of stopping the notebook.
%env DLCV_CLAIMS=note
import dlcv.published

published_runs = dlcv.published.import_runs()  # False: the page trains its runs
"""

RUNNING_NOTE = """\
> **Running this notebook**
>
> This notebook is the page {page} of *{book}*. Run its cells in order (in Colab: \
*Runtime > Run all*); the next cell installs `dlcv`, the book's package, where it is missing.
>
> The code runs with the *quick* profile unless you choose another: sample data where the real \
data is absent and few epochs, minutes on a CPU. For the full data sets and the book's epochs \
(a GPU helps), run `%env DLCV_PROFILE=full` in a cell before the code below.
>
> The numbers in the text are those of the run that built the page ({profile} profile); the \
outputs of your run can differ. A hidden cell stores each figure with `glue`, and \
`glued["..."]` shows it where the page does.\
"""

EDITIONS = {"teacher": "", "student": "student/"}
ARCHIVES = {"teacher": "dlcv-notebooks.zip", "student": "dlcv-notebooks-student.zip"}


def _tools():
    """``tools.myst_to_jupyter``, from the repository the book is built from."""
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tools import myst_to_jupyter

    return myst_to_jupyter


def _theme_option(app: Sphinx, name: str) -> Any:
    return app.config.html_theme_options.get(name)


def _is_notebook(app: Sphinx, docname: str) -> bool:
    # The rule sphinx-book-theme uses to decide whether a page gets launch buttons.
    return "kernelspec" in app.env.metadata.get(docname, {})


def _notebook_path(app: Sphinx, docname: str) -> str:
    prefix = (_theme_option(app, "path_to_docs") or "").strip("/")
    return f"{prefix}/{docname}.ipynb" if prefix else f"{docname}.ipynb"


def _repository(app: Sphinx) -> str:
    return (_theme_option(app, "repository_url") or "").rstrip("/")


def site_url(app: Sphinx) -> str:
    """The published book's address, ending in ``/`` (empty when unknown)."""
    url = app.config.notebooks_site_url or app.config.html_baseurl
    if not url:
        match = re.match(r"https://github\.com/([^/]+)/([^/]+)$", _repository(app))
        url = f"https://{match[1]}.github.io/{match[2]}/" if match else ""
    return url.rstrip("/") + "/" if url else ""


def point_buttons_at_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Points the page's Colab and Binder buttons at its notebook on the ``colab_branch``, and
    adds a button of each for the student edition (``student/``, without the solutions)."""
    if not _is_notebook(app, pagename):
        return
    launch = _theme_option(app, "launch_buttons") or {}
    owner_and_name = _repository(app).split("github.com/")[-1]
    branch, notebook = app.config.colab_branch, _notebook_path(app, pagename)
    colab_url = (launch.get("colab_url") or "").rstrip("/")
    binder_url = (launch.get("binderhub_url") or "").rstrip("/")
    for group in context.get("header_buttons", []):
        buttons = []
        for button in group.get("buttons", []):
            buttons.append(button)
            url = button.get("url", "")
            if colab_url and url.startswith(f"{colab_url}/github/"):
                link = f"{colab_url}/github/{owner_and_name}/blob/{branch}/{{edition}}{notebook}"
            elif binder_url and url.startswith(f"{binder_url}/v2/gh/"):
                # ...?urlpath=lab/tree/book/page.md: the same interface, the notebook's path.
                interface = url.split("?urlpath=", 1)[1].split("/tree/", 1)[0]
                link = (
                    f"{binder_url}/v2/gh/{owner_and_name}/{branch}"
                    f"?urlpath={interface}/tree/{{edition}}{notebook}"
                )
            else:
                continue
            button["url"] = link.format(edition=EDITIONS["teacher"])
            buttons.append({
                **button,
                "text": f"{button['text']} (student)",
                "tooltip": f"{button.get('tooltip', button['text'])}: the student edition, "
                "without the solutions",
                "url": link.format(edition=EDITIONS["student"]),
            })
        if "buttons" in group:
            group["buttons"] = buttons


def context_of(app: Sphinx, docname: str):
    """What the build knows of ``docname``, for ``tools.myst_to_jupyter``."""
    export = _tools()
    env = app.env
    glue_file = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.glue.json"
    glue = json.loads(glue_file.read_text()) if glue_file.is_file() else {}
    std = env.get_domain("std")
    labels = {label: (doc, anchor, title) for label, (doc, anchor, title) in std.labels.items()}
    for label, (doc, anchor) in std.anonlabels.items():
        labels.setdefault(label, (doc, anchor, ""))
    numbers = {}
    for kind, by_id in env.toc_fignumbers.get(docname, {}).items():
        form = app.config.numfig_format.get(kind, "%s")
        for node_id, number in by_id.items():
            numbers[node_id] = form % ".".join(map(str, number))
    for label, (doc, anchor, _title) in labels.items():
        if doc == docname and anchor in numbers:
            numbers[label] = numbers[anchor]
    bibfiles = [Path(app.srcdir) / path for path in getattr(app.config, "bibtex_bibfiles", [])]
    return export.Context(
        docname=docname,
        srcdir=Path(app.srcdir),
        glue={key: output["data"] for key, output in glue.items()},
        site_url=site_url(app),
        titles={doc: title.astext() for doc, title in env.titles.items()},
        labels=labels,
        numbers=numbers,
        citations=export.citation_names(bibfiles),
    )


def chapter_notebook(app: Sphinx, docname: str, edition: str) -> nbformat.NotebookNode:
    """The page ``docname`` as a notebook, led by a note on running it and an install cell."""
    from dlcv.profiles import active as active_profile

    export = _tools()
    context = context_of(app, docname)
    notebook = export.export(Path(app.env.doc2path(docname)), context, edition)
    title = context.titles.get(docname, docname)
    note = RUNNING_NOTE.format(
        page=f"[{title}]({context.site_url}{docname}.html)" if context.site_url else title,
        book=app.config.html_title or app.config.project,
        profile=active_profile().name,
    )
    install = INSTALL_CELL.format(
        repository_url=_repository(app), commit=pinned_ref(app),
        tensorflow_version=_pinned_version(app, "tensorflow"),
    ).rstrip("\n")
    first_code = next(
        (i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"),
        len(notebook.cells),
    )
    notebook.cells[first_code:first_code] = [
        nbformat.v4.new_markdown_cell(note),
        nbformat.v4.new_code_cell(install),
    ]
    nbformat.validate(notebook)
    return notebook


def binder_environment(app: Sphinx) -> dict[str, str]:
    """The files of ``binder/`` on the notebooks branch: the book's environment, dlcv from git."""
    root = Path(app.srcdir)
    requirements = [
        line
        for line in (root / "requirements.txt").read_text().splitlines()
        if line.strip() != "-e ."
    ]
    requirements += ["", f"dlcv @ git+{_repository(app)}@{pinned_ref(app)}"]
    return {
        "requirements.txt": "\n".join(requirements) + "\n",
        "runtime.txt": (root / "runtime.txt").read_text(),
        # The repository's own: the sample drawn, claims as notes, the published runs imported.
        "postBuild": (root / "postBuild").read_text(),
    }


def pinned_ref(app: Sphinx) -> str:
    """The commit the book is being built from (what the notebooks install), or, outside a git
    checkout, the configured branch."""
    import subprocess

    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=app.srcdir, capture_output=True, text=True,
            check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return sha or _theme_option(app, "repository_branch") or "main"


def _pinned_version(app: Sphinx, package: str) -> str:
    """The version requirements.txt pins for ``package`` (its Linux CPU wheel counts too)."""
    text = (Path(app.srcdir) / "requirements.txt").read_text()
    match = re.search(rf"^{package}(?:-cpu)?==([\w.]+)", text, re.M)
    return match[1] if match else ""


def write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Writes the notebooks of both editions, Binder's environment, and the two archives."""
    if exception is not None or app.builder.format != "html":
        return
    out_dir = Path(app.outdir).parent / "colab"
    shutil.rmtree(out_dir, ignore_errors=True)
    archives_dir = Path(app.outdir) / "notebooks"
    archives_dir.mkdir(parents=True, exist_ok=True)
    docnames = [doc for doc in app.env.found_docs if _is_notebook(app, doc)]
    ordered = sorted(docnames, key=lambda doc: (_reading_order(app, doc), doc))
    for edition, prefix in EDITIONS.items():
        with zipfile.ZipFile(archives_dir / ARCHIVES[edition], "w", zipfile.ZIP_DEFLATED) as zf:
            for number, docname in enumerate(ordered, start=1):
                notebook = chapter_notebook(app, docname, edition)
                target = out_dir / prefix / _notebook_path(app, docname)
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, target)
                name = f"{number:02d}-{docname.rpartition('/')[2]}.ipynb"
                zf.write(target, f"{ARCHIVES[edition].removesuffix('.zip')}/{name}")
                if edition == "teacher":  # the page's .ipynb download
                    download = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
                    download.parent.mkdir(parents=True, exist_ok=True)
                    nbformat.write(notebook, download)
    for name, text in binder_environment(app).items():
        path = out_dir / "binder" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (out_dir / "binder" / "postBuild").chmod(0o755)


def _reading_order(app: Sphinx, docname: str) -> int:
    """The page's place in the table of contents (depth-first from the root)."""
    seen: list[str] = []

    def walk(doc: str) -> None:
        seen.append(doc)
        for child in app.env.toctree_includes.get(doc, []):
            if child not in seen:
                walk(child)

    walk(app.config.root_doc)
    return seen.index(docname) if docname in seen else len(seen)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("colab_branch", "notebooks", "html")
    app.add_config_value("notebooks_site_url", "", "html")
    # After sphinx-book-theme's add_launch_buttons (priority 501) has made the buttons.
    app.connect("html-page-context", point_buttons_at_notebook, priority=502)
    app.connect("build-finished", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
