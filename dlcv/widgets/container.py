"""The one container both widgets emit: a ``<div>`` whose ``data-`` attributes carry what the
page's script needs, and a note for where no script runs.

On the book's web pages a widget's script (``book/_static/widgets/``) replaces the container's
contents with the interactive figure. Elsewhere (a notebook in Jupyter or Colab, a page read
without JavaScript) the note stays: what the widget does, and that it runs on the book's web
page. ``book/_static/widgets/widgets.css`` styles what the widgets share (``.dlcv-widget``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

WHERE_IT_RUNS = "It runs on the book's web page, in the browser, where its script is loaded."


@dataclass(frozen=True, repr=False)
class WidgetHTML:
    """A widget's container; notebooks and myst-nb display it as HTML."""

    name: str
    """What the widget is, for its ``repr``: ``"convolution explorer"``."""
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self.html):,} characters of HTML>"

    def __str__(self) -> str:
        return self.html


def widget_container(
    kind: str, name: str, attributes: Mapping[str, object], note: str
) -> WidgetHTML:
    """The container of a widget of class ``kind`` (``"conv-explorer"``, ``"live-digit"``).

    Args:
        kind: the CSS class its script looks for.
        name: what it is, in words.
        attributes: its ``data-`` attributes, by name; values are written as escaped strings.
        note: HTML saying what the widget does; :data:`WHERE_IT_RUNS` is added to it.

    Returns:
        A :class:`WidgetHTML`.
    """
    rendered = " ".join(f'{key}="{html.escape(str(value))}"' for key, value in attributes.items())
    return WidgetHTML(
        name,
        f'<div class="dlcv-widget {kind}" {rendered}>'
        f'<p class="dlcv-widget__fallback {kind}__fallback">{note} {WHERE_IT_RUNS}</p></div>',
    )
