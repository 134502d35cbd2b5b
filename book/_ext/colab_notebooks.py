"""Chapters as Colab notebooks, and a Colab button that opens them.

Colab opens only ``.ipynb`` files from GitHub, and the chapters are MyST markdown, so the Colab
button that sphinx-book-theme makes (the page's ``.md`` on the book's branch) cannot work. After
an HTML build this extension writes each notebook page as a ``.ipynb`` (converted by jupytext,
led by a cell that installs dlcv where it is missing) into ``<build>/colab/<docname>.ipynb``;
the publishing workflow pushes that folder to the ``colab_branch`` of the repository, and every
page's Colab button points at its notebook there.

Set in ``_config.yml`` under ``sphinx: config:``: ``colab_branch`` (default ``"notebooks"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbformat
from sphinx.application import Sphinx

# IPython runs a line magic inside a block, so the install happens only where it is needed.
INSTALL_CELL = """\
# Colab (or any Jupyter without dlcv): install the book's package, and MyST-NB for glue().
try:
    import dlcv
except ModuleNotFoundError:
    %pip install --quiet "dlcv @ git+{repository_url}@{branch}" myst-nb"""


def colab_notebook(source: Path, repository_url: str, branch: str) -> nbformat.NotebookNode:
    """The chapter at ``source`` as a notebook whose first cell installs dlcv when missing."""
    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not paired with a text file
    install = INSTALL_CELL.format(repository_url=repository_url, branch=branch)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(install))
    return notebook


def _theme_option(app: Sphinx, name: str) -> Any:
    return app.config.html_theme_options.get(name)


def _is_notebook(app: Sphinx, docname: str) -> bool:
    # The rule sphinx-book-theme uses to decide whether a page gets launch buttons.
    return "kernelspec" in app.env.metadata.get(docname, {})


def _notebook_path(app: Sphinx, docname: str) -> str:
    prefix = (_theme_option(app, "path_to_docs") or "").strip("/")
    return f"{prefix}/{docname}.ipynb" if prefix else f"{docname}.ipynb"


def point_colab_button_at_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Rewrites the page's Colab launch URL to its notebook on the ``colab_branch``."""
    colab_url = ((_theme_option(app, "launch_buttons") or {}).get("colab_url") or "").rstrip("/")
    if not colab_url or not _is_notebook(app, pagename):
        return
    repository = (_theme_option(app, "repository_url") or "").rstrip("/")
    owner_and_name = repository.split("github.com/")[-1]
    url = f"{colab_url}/github/{owner_and_name}/blob/{app.config.colab_branch}/"
    url += _notebook_path(app, pagename)
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if button.get("url", "").startswith(f"{colab_url}/github/"):
                button["url"] = url


def write_colab_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Writes every notebook page as ``<build>/colab/<docname>.ipynb``."""
    if exception is not None or app.builder.format != "html":
        return
    repository_url = (_theme_option(app, "repository_url") or "").rstrip("/")
    branch = _theme_option(app, "repository_branch") or "main"
    out_dir = Path(app.outdir).parent / "colab"
    for docname in sorted(app.env.found_docs):
        if _is_notebook(app, docname):
            target = out_dir / _notebook_path(app, docname)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = Path(app.env.doc2path(docname))
            nbformat.write(colab_notebook(source, repository_url, branch), target)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("colab_branch", "notebooks", "html")
    # After sphinx-book-theme's add_launch_buttons (priority 501) has made the buttons.
    app.connect("html-page-context", point_colab_button_at_notebook, priority=502)
    app.connect("build-finished", write_colab_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
