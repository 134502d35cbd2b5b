"""What a chapter needs when it runs as a plain notebook (Colab, Binder, Jupyter), not in the book.

In the book, a page glues figures and numbers with ``myst_nb.glue`` and the build places them in
the text. The chapters' notebooks (``tools.myst_to_jupyter``) import ``glue`` from here instead,
so they need neither MyST-NB nor Sphinx: this ``glue`` keeps each value in ``glued`` (displaying
it only when asked, as MyST-NB's does), and the notebook shows a figure where the page does with
``glued["key"]``.

    from dlcv.glue import glue, glued

    glue("mnist_n_train", 60000, display=False)
    glued["mnist_n_train"]  # 60000

Importing this module in IPython also shows the MyST admonitions that dlcv's Markdown outputs use
(``dlcv.data.provenance_note``) as plain Markdown, a bold title over a quote, as Jupyter and
Colab render no MyST.
"""

from __future__ import annotations

import re
from typing import Any

from dlcv.startup import format_in_ipython

glued: dict[str, Any] = {}
"""Every value glued in this kernel, by its key."""


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Keeps ``variable`` under ``name`` in ``glued``, and displays it if ``display``.

    The signature of ``myst_nb.glue``, for a notebook run outside the book.

    Args:
        name: the key, as the page's ``{glue:text}`` and ``{glue:figure}`` use it.
        variable: any value: a number, a string, a matplotlib figure.
        display: whether to display the value now, under the cell.
    """
    glued[name] = variable
    if display:
        from IPython.display import display as show

        show(variable)


_ADMONITION = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{(?P<kind>[\w-]+)\}[ \t]*(?P<title>[^\n]*)\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)\n?^(?P=fence)[ \t]*$",
    re.M | re.S,
)


def plain_markdown(text: str) -> str:
    """``text`` with each MyST admonition (``:::{note} Title``) as a bold title over a quote.

    >>> print(plain_markdown(":::{important} Data used\\nThe sample.\\n\\nOf MNIST.\\n:::\\n"))
    > **Data used**
    >
    > The sample.
    >
    > Of MNIST.
    <BLANKLINE>
    """

    def quote(match: re.Match) -> str:
        title = match["title"].strip() or match["kind"].replace("-", " ").capitalize()
        lines = [f"**{title}**", "", *match["body"].strip("\n").split("\n")]
        return "\n".join(f"> {line}".rstrip() for line in lines)

    return _ADMONITION.sub(quote, text)


def _markdown_without_myst(markdown) -> str:
    return plain_markdown(markdown.data)


def _show_markdown_without_myst() -> None:
    format_in_ipython("text/markdown", "IPython.core.display", "Markdown", _markdown_without_myst)


_show_markdown_without_myst()
