"""book/_ext/jupyter_editions.py: the launch buttons open the chapter's notebooks, both editions."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from tools import REPOSITORY

sys.path.insert(0, str(REPOSITORY / "book" / "_ext"))
import jupyter_editions  # noqa: E402

COLAB = "https://colab.research.google.com"
BINDER = "https://mybinder.org"


def app_for(docname: str) -> SimpleNamespace:
    options = {
        "repository_url": "https://github.com/dlcv-book/dlcv",
        "launch_buttons": {"colab_url": COLAB, "binderhub_url": BINDER},
    }
    return SimpleNamespace(
        config=SimpleNamespace(html_theme_options=options, colab_branch="notebooks"),
        env=SimpleNamespace(metadata={docname: {"kernelspec": {"name": "python3"}}}),
    )


def theme_buttons(docname: str) -> list[dict]:
    """The launch group as sphinx-book-theme makes it, pointing at the page's source."""
    source = f"{docname}.md"
    return [
        {"type": "link", "text": "Binder", "tooltip": "Launch on Binder",
         "url": f"{BINDER}/v2/gh/dlcv-book/dlcv/main?urlpath=lab/tree/{source}"},
        {"type": "link", "text": "Colab", "tooltip": "Launch on Colab",
         "url": f"{COLAB}/github/dlcv-book/dlcv/blob/main/{source}"},
        {"type": "javascript", "text": "Live Code", "javascript": "initThebeSBT()"},
    ]


def test_both_editions_launch_in_binder_and_colab_and_live_code_stays():
    docname = "book/pooling"
    context = {"header_buttons": [{"type": "group", "buttons": theme_buttons(docname)}]}

    jupyter_editions.point_buttons_at_notebook(app_for(docname), docname, "page.html", context,
                                               None)

    buttons = context["header_buttons"][0]["buttons"]
    links = {button["text"]: button.get("url") for button in buttons}
    assert links == {
        "Binder": f"{BINDER}/v2/gh/dlcv-book/dlcv/notebooks?urlpath=lab/tree/book/pooling.ipynb",
        "Binder (student)": f"{BINDER}/v2/gh/dlcv-book/dlcv/notebooks"
        "?urlpath=lab/tree/student/book/pooling.ipynb",
        "Colab": f"{COLAB}/github/dlcv-book/dlcv/blob/notebooks/book/pooling.ipynb",
        "Colab (student)": f"{COLAB}/github/dlcv-book/dlcv/blob/notebooks"
        "/student/book/pooling.ipynb",
        "Live Code": None,
    }
    student = [button for button in buttons if "student" in button["text"]]
    assert all("without the solutions" in button["tooltip"] for button in student)


def test_a_page_without_a_kernel_keeps_its_buttons():
    context = {"header_buttons": [{"type": "group", "buttons": theme_buttons("book/intro")}]}
    app = app_for("book/other")

    jupyter_editions.point_buttons_at_notebook(app, "book/intro", "page.html", context, None)

    assert context["header_buttons"][0]["buttons"] == theme_buttons("book/intro")
