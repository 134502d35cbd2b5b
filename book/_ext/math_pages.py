"""MathJax only on the pages that show math.

Sphinx loads MathJax on a page with math of its own, and also on a page whose toctree includes
one (the book's first page, whose toctree is the whole book): 1 MB of script for nothing there.
This drops MathJax and its configuration from every page without a math node of its own.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _is_mathjax(script: Any, mathjax_path: str) -> bool:
    body = script.attributes.get("body", "")
    return (script.filename or "").endswith(mathjax_path) or body.startswith("window.MathJax")


def drop_mathjax_without_math(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if scripts is None or not app.config.mathjax_path:
        return
    if app.env.get_domain("math").data["has_equations"].get(pagename, False):
        return
    # In place: Sphinx sorts this very list after the event, then restores it for the next page.
    scripts[:] = [script for script in scripts if not _is_mathjax(script, app.config.mathjax_path)]


def setup(app: Sphinx) -> dict[str, Any]:
    # After sphinx.ext.mathjax has added its scripts (priority 500).
    app.connect("html-page-context", drop_mathjax_without_math, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
