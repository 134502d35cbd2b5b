"""Each script once per page.

sphinx-thebe adds an inline script (``const THEBE_JS_URL = ...``) once the builder has started;
Sphinx 7.4 then lists it twice, once as filename ``None`` and once as ``""``, and the second
``const`` declaration is a SyntaxError in every page. This keeps the first of equal scripts.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple:
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_repeated_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if scripts is None:
        return
    unique = {_key(script): script for script in reversed(scripts)}
    # In place: Sphinx sorts this very list after the event, then restores it for the next page.
    scripts[:] = [script for script in scripts if unique.get(_key(script)) is script]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
