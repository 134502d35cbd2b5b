"""tools.myst_to_jupyter: a chapter's MyST becomes a notebook that Jupyter and Colab show as the
page does, in a teacher edition (with the solutions) and a student edition (without)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools.myst_to_jupyter import (
    Context,
    ExportError,
    citation_names,
    export,
    myst_leftovers,
    solution_cells,
)

HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

PAGE = HEADER + '''
# Shapes

(shapes-intro)=
An opening paragraph.

:::{admonition} In this chapter
:class: learning-goals
**You will learn** how shapes flow.

**Prerequisites:** {doc}`convolution`, {doc}`the first convnet <mnist-convnet>`.
:::

```{code-cell} ipython3
:tags: [hide-cell]

import dlcv  # first
from myst_nb import glue
```

```{code-cell} ipython3
:tags: [hide-cell]

glue("shape_n", 60000, display=False)
glue("shape_acc", 0.98765, display=False)
glue("shape_fig", object(), display=False)
```

There are {glue:text}`shape_n:,` images, {glue:text}`shape_acc:.1%` right; `{glue:text}` in
code stays. Chollet reports more ({cite:t}`chollet2021`, 2nd ed.); see also {cite:p}`chollet2021`.
% a MyST comment
As {numref}`fig-shape` shows, and as {ref}`shapes-intro` says, $k \\times k$ kernels work:

```{glue:figure} shape_fig
:alt: A chart.
:name: fig-shape

The caption, with {glue:text}`shape_n:,` images.
```

```{literalinclude} ../helper.py
:pyobject: shown
```

```{note}
A backtick note with code:

~~~python
x = 1
~~~
```

:::{important} Data used on this page
The *sample*.
:::

```{raw} html
<script src="x.js"></script>
```

## Exercises

:::{exercise}
:label: shape-ex-1
What is the output size?
:::

:::{solution-start} shape-ex-1
:class: dropdown
:::

The idea of the answer.

```{code-cell} ipython3
answer = 26
```

:::{solution-end}
:::

:::{exercise} A title
:label: shape-ex-2
Count the parameters.
:::

```{code-cell} ipython3
:tags: [hide-cell]

# Solution 3: an older solution cell.
print(3)
```

After the exercises.
'''

HELPER = '''\
def hidden():
    return 0


def shown(x):
    """Doubles."""
    return 2 * x
'''

GLUE = {
    "shape_n": {"text/plain": "60000"},
    "shape_acc": {"text/plain": "0.98765"},
    "shape_fig": {"text/plain": "<Figure>", "image/png": "iVBOR"},
}


@pytest.fixture
def page(tmp_path) -> Path:
    (tmp_path / "book").mkdir()
    (tmp_path / "helper.py").write_text(HELPER)
    source = tmp_path / "book" / "shapes.md"
    source.write_text(PAGE)
    return source


@pytest.fixture
def context(tmp_path) -> Context:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@book{chollet2021, author = {Chollet, Fran\\c{c}ois}, title = {Deep Learning with "
        "Python}, year = {2021}, publisher = {Manning}}\n"
    )
    return Context(
        docname="book/shapes",
        srcdir=tmp_path,
        glue=dict(GLUE),
        site_url="https://example.org/book/",
        titles={"book/convolution": "Convolution", "book/shapes": "Shapes"},
        labels={
            "shapes-intro": ("book/shapes", "shapes-intro", "Shapes"),
            "fig-shape": ("book/shapes", "fig-shape", ""),
        },
        numbers={"fig-shape": "Fig. 1", "shape-ex-1": "Exercise 1", "shape-ex-2": "Exercise 2"},
        citations=citation_names([bib]),
    )


def markdown(notebook) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def code(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_glued_numbers_are_the_builds_values_formatted_as_the_page_formats_them(page, context):
    text = markdown(export(page, context))

    assert "There are 60,000 images, 98.8% right; `{glue:text}` in\ncode stays." in text
    assert "**Fig. 1** The caption, with 60,000 images." in text


def test_a_glued_figure_is_displayed_by_a_code_cell_where_the_page_shows_it(page, context):
    notebook = export(page, context)
    sources = [cell.source for cell in notebook.cells]

    figure = sources.index('glued["shape_fig"]')
    assert notebook.cells[figure].cell_type == "code"
    assert sources[figure + 1].startswith("**Fig. 1** The caption")
    assert "As [Fig. 1]" not in sources[figure - 1]  # a figure of the same page: no link
    assert "As Fig. 1 shows" in sources[figure - 1]


def test_glue_is_imported_from_dlcv_not_myst_nb(page, context):
    imports = code(export(page, context))[0]

    assert "myst_nb" not in imports
    assert "from dlcv.glue import glue, glued" in imports


def test_a_literalinclude_becomes_the_source_it_includes(page, context):
    text = markdown(export(page, context))

    assert '```python\ndef shown(x):\n    """Doubles."""\n    return 2 * x\n```' in text
    assert "def hidden" not in text
    assert ":pyobject:" not in text


def test_admonitions_become_a_bold_title_over_a_quote(page, context):
    text = markdown(export(page, context))

    assert "> **In this chapter**\n>\n> **You will learn** how shapes flow." in text
    assert "> **Data used on this page**\n>\n> The *sample*." in text
    assert "> **Note**\n>\n> A backtick note with code:\n>\n> ~~~python\n> x = 1\n> ~~~" in text
    assert "<script" not in text


def test_references_link_to_the_published_pages_and_citations_read_as_author_year(
    page, context
):
    text = markdown(export(page, context))

    assert "[Convolution](https://example.org/book/book/convolution.html)" in text
    assert "[the first convnet](https://example.org/book/book/mnist-convnet.html)" in text
    assert "[Shapes](https://example.org/book/book/shapes.html#shapes-intro) says" in text
    assert "Chollet (2021), 2nd ed.); see also (Chollet, 2021)." in text
    assert "$k \\times k$" in text


def test_no_markdown_cell_keeps_myst_only_markup(page, context):
    for edition in ("teacher", "student"):
        assert myst_leftovers(export(page, context, edition)) == []


def test_the_checker_finds_what_jupyter_would_show_raw(page, context):
    notebook = export(page, context)
    notebook.cells[0].source += "\n\n:::{note}\nx\n:::\nSee {doc}`a` and {glue:text}`k`."
    notebook.cells[0].source += "\n```{literalinclude} x.py\n:pyobject: f\n```\n(a-label)="

    assert myst_leftovers(notebook) == [
        ":::{note}", "See {doc}`a` and {glue:text}`k`.", "```{literalinclude} x.py", "(a-label)="
    ]


def test_the_teacher_edition_labels_each_solution_after_its_exercise(page, context):
    notebook = export(page, context, "teacher")
    text = markdown(notebook)

    assert "**Exercise 1**\n\nWhat is the output size?" in text
    assert "**Exercise 2** (A title)\n\nCount the parameters." in text
    assert "**Solution to Exercise 1**\n\nThe idea of the answer." in text
    assert "answer = 26" in code(notebook)
    assert "**Solution to Exercise 3**" in text  # the older "# Solution 3" cell
    assert "After the exercises." in text


def test_the_student_edition_has_the_exercises_without_their_solutions(page, context):
    notebook = export(page, context, "student")
    text = markdown(notebook)

    assert "**Exercise 1**" in text and "**Exercise 2** (A title)" in text
    assert "The idea of the answer." not in text
    assert not any("answer = 26" in source or "Solution" in source for source in code(notebook))
    assert solution_cells(notebook) == []
    assert len(solution_cells(export(page, context, "teacher"))) == 3
    assert "After the exercises." in text


def test_hidden_cells_stay_hidden_in_jupyterlab(page, context):
    cells = [cell for cell in export(page, context).cells if cell.cell_type == "code"]

    assert cells[0].metadata["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in cells[2].metadata  # the figure cell


def test_a_key_the_build_did_not_glue_is_an_error_not_a_blank(page, context):
    del context.glue["shape_acc"]

    with pytest.raises(ExportError, match="shape_acc"):
        export(page, context)


def test_myst_nb_imported_another_way_is_an_error(page, context):
    page.write_text(PAGE.replace("from myst_nb import glue", "import myst_nb"))

    with pytest.raises(ExportError, match="from myst_nb import glue"):
        export(page, context)


def test_the_exported_notebook_is_valid_and_not_paired_with_a_text_file(page, context):
    import nbformat

    notebook = export(page, context)

    nbformat.validate(notebook)
    assert "jupytext" not in notebook.metadata
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize(
    "fence",
    [
        textwrap.dedent(
            """\
            ::::{tip} Outer
            :::{warning}
            Inner.
            :::
            ::::"""
        ),
    ],
)
def test_nested_admonitions_are_nested_quotes(fence, context, tmp_path):
    source = tmp_path / "book" / "nested.md"
    source.parent.mkdir(exist_ok=True)
    source.write_text(HEADER + "\n# Nested\n\n" + fence + "\n")
    context.docname = "book/nested"

    text = markdown(export(source, context))

    assert text.endswith("> **Outer**\n>\n> > **Warning**\n> >\n> > Inner.")


def test_the_student_edition_is_the_teacher_edition_less_the_solution_cells(page, context):
    teacher = [cell.source for cell in export(page, context, "teacher").cells]
    student = [cell.source for cell in export(page, context, "student").cells]

    assert student == [source for source in teacher if source in student]
    assert [s for s in teacher if s not in student] == [
        "**Solution to Exercise 1**\n\nThe idea of the answer.",
        "answer = 26",
        "**Solution to Exercise 3**",
        "# Solution 3: an older solution cell.\nprint(3)",
    ]


WIDGET_PAGE = HEADER + '''
# Draw

Draw a digit below.

```{code-cell} ipython3
:tags: [remove-input]

live_digit_widget("../_static/mnist-live/model.json", caption="Draw")
```

```{code-cell} ipython3
explorer = convolution_explorer(digit)
```

```{code-cell} ipython3
print("no widget here")
```
'''


@pytest.mark.parametrize("site_url", ["https://example.org/book/", ""])
def test_a_widget_of_the_site_is_followed_by_a_note_linking_to_its_page(
    context, tmp_path, site_url
):
    source = tmp_path / "draw.md"
    source.write_text(WIDGET_PAGE)
    context.site_url = site_url

    cells = export(source, context).cells

    widgets = [i for i, cell in enumerate(cells) if "widget(" in cell.source
               or "explorer(" in cell.source]
    assert len(widgets) == 2
    for index in widgets:
        note = cells[index + 1]
        assert note.cell_type == "markdown"
        assert "runs in the browser on" in note.source
        assert "JavaScript" not in note.source
        if site_url:
            assert "(https://example.org/book/book/shapes.html)" in note.source
    last = cells[-1]
    assert last.source == 'print("no widget here")'
    assert sum("interactive figure" in cell.source for cell in cells) == 2
