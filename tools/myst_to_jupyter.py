"""The chapters as plain Jupyter notebooks that read like the pages, for Colab, Binder and download.

A chapter is MyST markdown for Jupyter Book: glued numbers and figures, ``literalinclude``
listings, admonitions, exercises with gated solutions, cross-references and citations. Jupyter
and Colab render none of that. ``export`` turns a chapter into a notebook that does:

- ``{glue:text}`` and the other glue roles: the value the book's build glued (the published
  numbers; the notebook's first note says so), formatted as the page formats it;
- ``{glue:figure}``: a code cell ``glued["key"]`` that displays the figure where the page shows
  it, then its caption; the code imports ``glue`` from ``dlcv.glue`` instead of ``myst_nb``,
  so the notebook needs neither MyST-NB nor Sphinx;
- ``literalinclude``: the source it includes (Sphinx's own reader: ``:pyobject:``, ``:lines:``,
  ``:start-at:``...), as a fenced code block;
- admonitions (any kind, any title): a bold title over a quote; exercises: "**Exercise N**";
- solutions (gated ``{solution-start}``/``{solution-end}``, ``{solution}``, and the older
  code cells tagged ``hide-cell`` that start with ``# Solution N``): under "**Solution to
  Exercise N**" in the teacher edition, left out of the student edition;
- ``{doc}``, ``{ref}``, ``{numref}``: links to the published pages; ``{cite:t}``/``{cite:p}``:
  "Chollet (2021)", "(Chollet, 2021)"; other roles: their text; math: kept.

Everything a page's build knows (glued values, figure and exercise numbers, titles, labels,
citations, the site's address) comes in a ``Context``; ``book/_ext/jupyter_editions.py`` fills it
from the Sphinx build. ``myst_leftovers`` finds what Jupyter would show as raw MyST.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import jupytext
import nbformat

Edition = Literal["teacher", "student"]

GLUE_IMPORT = "from myst_nb import glue"
NOTEBOOK_GLUE_IMPORT = "from dlcv.glue import glue, glued"

ADMONITION_TITLES = {"seealso": "See also", "admonition": "Note"}
DROPPED_DIRECTIVES = {"raw", "bibliography", "toctree", "tableofcontents", "solution-end",
                      "exercise-end", "only", "eval-rst", "index"}
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}

_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.+-]+)\}[ \t]*(?P<argument>.*)$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
# A role (`{name}` then a code span) or a bare code span, which stays as it is.
_ROLE_OR_CODE = re.compile(r"(?:\{(?P<role>[\w:+.-]+)\})?(?P<ticks>`+)(?P<content>.+?)(?P=ticks)")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_TARGET_LINE = re.compile(r"^\([\w:.-]+\)=[ \t]*$")
_COMMENT_LINE = re.compile(r"^%.*$")
_SOLUTION_CELL = re.compile(r"^#\s*Solution\s+(?P<number>\d+)\b")
# A call of a dlcv widget whose script is part of the book's site (dlcv.widgets).
_SITE_WIDGET = re.compile(r"^(?:\w+\s*=\s*)?(?P<name>live_digit_widget|convolution_explorer)\(",
                          re.M)

LEFTOVERS = re.compile(
    r"\{glue|\{doc\}|\{ref\}|\{numref\}|\{cite|\{term\}|\{eq\}|\{math\}|\{download\}"
    r"|\{[\w:-]+\}`|\{\{|^[ \t]*:{3,}|^[ \t]*`{3,}\{|:pyobject:|^[ \t]*:[\w-]+:[ \t]"
    r"|^\([\w:.-]+\)=",
    re.M,
)
"""Markup Jupyter would show as raw text: roles, directives, directive options, targets."""


@dataclass
class Context:
    """What the build knows that a chapter's notebook needs.

    Attributes:
        docname: the page, ``"book/mnist-convnet"``.
        srcdir: the book's source folder (``literalinclude`` paths are relative to the page's).
        glue: each glued key's MIME bundle (``{"text/plain": "60000"}``).
        site_url: the published book's address, ending in ``/``; empty for no links.
        titles: each page's title, by docname.
        labels: each label's ``(docname, anchor, title)``, for ``{ref}`` and ``{numref}``.
        numbers: each numbered label's number as the page shows it: ``"Fig. 2"``, ``"Exercise 1"``.
        citations: each bibliography key's ``(authors, year)``, ``("Chollet", "2021")``.
    """

    docname: str
    srcdir: Path
    glue: dict[str, dict] = field(default_factory=dict)
    site_url: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)


class ExportError(ValueError):
    """A construct of a page that its notebook cannot show."""


@dataclass
class _Code:
    source: str
    metadata: dict = field(default_factory=dict)


@dataclass
class _SolutionStart:
    title: str


class _SolutionEnd:
    pass


Piece = str | _Code | _SolutionStart | _SolutionEnd


def export(source: Path, context: Context, edition: Edition = "teacher") -> nbformat.NotebookNode:
    """The chapter at ``source`` as a notebook that reads like its page.

    Args:
        source: the chapter's MyST markdown (or notebook) file.
        context: what the build knows of the page.
        edition: ``"teacher"`` (with the solutions) or ``"student"`` (without).

    Returns:
        A notebook without outputs, not paired with a text file.

    Raises:
        ExportError: for a construct the notebook cannot show (a glued key the build did not
            glue, ``myst_nb`` imported some other way).
    """
    chapter = jupytext.read(source)
    converter = _Converter(context)
    pieces: list[Piece] = []
    for cell in chapter.cells:
        if cell.cell_type == "markdown":
            pieces += converter.markdown(cell.source)
        elif cell.cell_type == "code":
            pieces += converter.code(cell)
    cells = _assemble(pieces, edition)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=dict(chapter.metadata))
    notebook.metadata.pop("jupytext", None)
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def myst_leftovers(notebook: nbformat.NotebookNode) -> list[str]:
    """The lines of markdown cells that hold MyST-only markup (outside code blocks)."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for kind, text in _blocks(cell.source):
            first = text.split("\n", 1)[0]
            opening = _OPENING.match(first)
            directive = opening and (
                opening["fence"][0] == ":" or _DIRECTIVE.match(opening["info"])
            )
            if kind == "fence" and directive:
                found.append(first)  # a directive
            elif kind == "text":
                found += [
                    line
                    for line in text.splitlines()
                    if LEFTOVERS.search(_CODE_SPAN.sub("``", line))
                ]
    return found


def solution_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells that give a solution away: its title, or code that starts ``# Solution``."""
    return [
        cell
        for cell in notebook.cells
        if "Solution to Exercise" in cell.source
        or (cell.cell_type == "code" and _SOLUTION_CELL.match(cell.source.lstrip()))
    ]


def _assemble(pieces: list[Piece], edition: Edition) -> list[nbformat.NotebookNode]:
    cells: list[nbformat.NotebookNode] = []
    markdown: list[str] = []
    in_solution = False

    def flush() -> None:
        text = "\n\n".join(part.strip("\n") for part in markdown if part.strip())
        if text:
            cells.append(nbformat.v4.new_markdown_cell(text))
        markdown.clear()

    for piece in pieces:
        if isinstance(piece, _SolutionStart):  # a solution is cells of its own
            flush()
            in_solution = True
            if edition == "teacher":
                markdown.append(f"**{piece.title}**")
        elif isinstance(piece, _SolutionEnd):
            if in_solution:
                flush()
            in_solution = False
        elif in_solution and edition == "student":
            continue
        elif isinstance(piece, _Code):
            flush()
            cells.append(nbformat.v4.new_code_cell(piece.source, metadata=piece.metadata))
        else:
            markdown.append(piece)
    flush()
    return cells


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """``text`` split into ``("text", ...)`` and ``("fence", ...)`` parts (fenced blocks whole)."""
    lines = text.split("\n")
    plain: list[str] = []
    index = 0
    while index < len(lines):
        opening = _OPENING.match(lines[index])
        if opening is None:
            plain.append(lines[index])
            index += 1
            continue
        end = _closing(lines, index, opening)
        if plain:
            yield "text", "\n".join(plain)
            plain = []
        yield "fence", "\n".join(lines[index : end + 1])
        index = end + 1
    if plain:
        yield "text", "\n".join(plain)


def _closing(lines: list[str], start: int, opening: re.Match) -> int:
    """The index of the line that closes the fence opened at ``lines[start]`` (or the last)."""
    fence = opening["fence"]
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    index = start + 1
    while index < len(lines):
        if closing.match(lines[index]):
            return index
        nested = _OPENING.match(lines[index])
        # A directive may hold other fenced blocks (colon fences, longer backtick fences).
        if nested and nested["info"].strip() and fence[0] == ":" or (
            nested and nested["info"].strip() and len(nested["fence"]) < len(fence)
        ):
            index = _closing(lines, index, nested) + 1
            continue
        index += 1
    return len(lines) - 1


class _Converter:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.exercises = 0
        self.figures = 0
        self.exercise_numbers: dict[str, str] = {}

    # --- code cells -----------------------------------------------------------------------------

    def code(self, cell: nbformat.NotebookNode) -> list[Piece]:
        source = cell.source
        if "myst_nb" in source:
            lines = [
                NOTEBOOK_GLUE_IMPORT if line.strip() == GLUE_IMPORT else line
                for line in source.split("\n")
            ]
            source = "\n".join(lines)
            if "myst_nb" in source:
                raise ExportError(
                    f"{self.context.docname}: import glue as `{GLUE_IMPORT}`, on a line of its "
                    "own, so that its notebook can import dlcv.glue's instead"
                )
        tags = set(cell.metadata.get("tags", []))
        metadata = {"tags": sorted(tags)} if tags else {}
        if tags & {"hide-cell", "hide-input", "remove-cell", "remove-input"}:
            metadata["jupyter"] = {"source_hidden": True}  # collapsed, as on the page
        pieces: list[Piece] = []
        solution = _SOLUTION_CELL.match(source.lstrip())
        if solution and tags & {"hide-cell", "hide-input", "remove-cell"}:
            title = self._exercise_title(None, solution["number"])
            pieces += [_SolutionStart(f"Solution to {title}"), _Code(source, metadata),
                       _SolutionEnd()]
            return pieces
        pieces.append(_Code(source, metadata))
        if _SITE_WIDGET.search(source):
            pieces.append(self._widget_note())
        return pieces

    def _widget_note(self) -> str:
        """Says that the widget the cell above displays runs on the page, with a link to it."""
        page = f"{self.context.site_url}{self.context.docname}.html"
        where = f"[the book's web page]({page})" if self.context.site_url else "the book's web page"
        return (
            "> **An interactive figure of the book's web page**\n>\n"
            "> The cell above displays an interactive figure that runs in the browser on "
            f"{where}, where its script is loaded: a notebook shows only its description. "
            "Open the page to use it."
        )

    # --- markdown -------------------------------------------------------------------------------

    def markdown(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        for kind, part in _blocks(text):
            if kind == "text":
                pieces.append(self.text(part))
            else:
                pieces += self.fence(part)
        return pieces

    def text(self, text: str) -> str:
        lines = [
            line
            for line in text.split("\n")
            if not _TARGET_LINE.match(line) and not _COMMENT_LINE.match(line)
            and line.strip() != "+++"
        ]
        return _ROLE_OR_CODE.sub(self._role, "\n".join(lines))

    def fence(self, block: str) -> list[Piece]:
        lines = block.split("\n")
        opening = _OPENING.match(lines[0])
        indent, fence = opening["indent"], opening["fence"]
        closed = len(lines) > 1 and lines[-1].strip() and set(lines[-1].strip()) == {fence[0]}
        inner = lines[1:-1] if closed else lines[1:]
        directive = _DIRECTIVE.match(opening["info"].strip())
        if directive is None:  # a plain code block
            return [block]
        name, argument = directive["name"], directive["argument"].strip()
        options, body = _options_and_body(inner)
        return self.directive(name, argument, options, body, indent)

    def directive(
        self, name: str, argument: str, options: dict[str, str], body: str, indent: str = ""
    ) -> list[Piece]:
        if name in DROPPED_DIRECTIVES:
            return [_SolutionEnd()] if name == "solution-end" else []
        if name in {"glue:figure", "glue", "glue:any"}:
            return self._glue_figure(argument, options, body)
        if name == "glue:md":
            return [self._glued_text(argument, "text/markdown")]
        if name == "glue:math":
            return [f"$$\n{self._glued_text(argument, 'text/latex').strip('$')}\n$$"]
        if name == "literalinclude":
            return [self._literalinclude(argument, options)]
        if name in CODE_DIRECTIVES:
            language = argument or options.get("language", "")
            return [f"```{language}\n{body}\n```"]
        if name == "code-cell":
            return [_Code(body)]
        if name == "math":
            return [f"$$\n{body.strip()}\n$$"]
        if name in {"figure", "image"}:
            return self._figure(argument, options, body)
        if name in {"exercise", "exercise-start"}:
            title = self._exercise_title(options.get("label"), None)
            heading = f"**{title}**" + (f" ({self.text(argument)})" if argument else "")
            return [heading, *self.markdown(body)]
        if name in {"solution", "solution-start"}:
            exercise = self.exercise_numbers.get(argument) or self._exercise_title(argument, None)
            title = f"{options['title']}" if "title" in options else f"Solution to {exercise}"
            if name == "solution-start":
                return [_SolutionStart(title), *self.markdown(body)]
            return [_SolutionStart(title), *self.markdown(body), _SolutionEnd()]
        return self._admonition(name, argument, body)

    def _admonition(self, name: str, argument: str, body: str) -> list[Piece]:
        title = argument if argument else ADMONITION_TITLES.get(name, name.replace("-", " "))
        title = title[:1].upper() + title[1:]
        inner = self.markdown(body)
        pieces: list[Piece] = []
        quoted = [f"**{self.text(title)}**"]
        for piece in inner:
            if isinstance(piece, str):
                quoted.append(piece)
            else:
                pieces.append(_quote(quoted))
                quoted = []
                pieces.append(piece)
        if quoted:
            pieces.append(_quote(quoted))
        return pieces

    def _exercise_title(self, label: str | None, number: str | None) -> str:
        if label and label in self.exercise_numbers:
            return self.exercise_numbers[label]
        if label and label in self.context.numbers:
            title = self.context.numbers[label]
        elif number is not None:
            title = f"Exercise {number}"
        else:
            self.exercises += 1
            title = f"Exercise {self.exercises}"
        if label:
            self.exercise_numbers[label] = title
        return title

    def _glue_figure(self, key: str, options: dict[str, str], body: str) -> list[Piece]:
        self._glued(key)  # the build glued it
        pieces: list[Piece] = [_Code(f'glued["{key}"]')]
        name = options.get("name")
        self.figures += 1
        number = self.context.numbers.get(name or "", f"Fig. {self.figures}")
        if body.strip():
            pieces.append(f"**{number}** {self.text(body.strip())}")
        return pieces

    def _figure(self, path: str, options: dict[str, str], body: str) -> list[Piece]:
        alt = options.get("alt", "")
        if not re.match(r"^[a-z]+://", path):
            page_folder = posixpath.dirname(self.context.docname)
            path = self.context.site_url + posixpath.normpath(posixpath.join(page_folder, path))
        pieces: list[Piece] = [f"![{alt}]({path})"]
        if body.strip():
            self.figures += 1
            number = self.context.numbers.get(options.get("name", ""), f"Fig. {self.figures}")
            pieces.append(f"**{number}** {self.text(body.strip())}")
        return pieces

    def _literalinclude(self, argument: str, options: dict[str, str]) -> str:
        from sphinx.directives.code import LiteralIncludeReader

        if argument.startswith("/"):
            path = self.context.srcdir / argument.lstrip("/")
        else:
            path = self.context.srcdir / posixpath.dirname(self.context.docname) / argument
        parsed: dict[str, object] = dict(options)
        if "dedent" in parsed:
            parsed["dedent"] = int(options["dedent"]) if options["dedent"].strip() else None
        for flag in ("lineno-match", "linenos", "diff"):
            parsed.pop(flag, None)
        reader = LiteralIncludeReader(str(path), parsed, SimpleNamespace(source_encoding="utf-8"))
        text, _ = reader.read()
        language = options.get("language") or {".py": "python"}.get(path.suffix, "")
        listing = f"```{language}\n{text.rstrip()}\n```"
        if "caption" in options:
            listing = f"*{self.text(options['caption'])}*\n\n{listing}"
        return listing

    # --- roles ----------------------------------------------------------------------------------

    def _role(self, match: re.Match) -> str:
        role, content = match["role"], match["content"]
        if role is None:
            return match[0]  # inline code
        if role in {"glue", "glue:", "glue:text", "glue:any"}:
            return self._glue_text(content)
        if role == "glue:md":
            return self._glued_text(content, "text/markdown")
        if role == "math":
            return f"${content}$"
        if role in {"sub", "sup", "kbd"}:
            return f"<{role}>{content}</{role}>"
        if role == "doc":
            return self._doc(content)
        if role in {"ref", "numref", "eq"}:
            return self._ref(role, content)
        if role.startswith("cite"):
            return self._cite(role, content)
        if role == "abbr":
            return content.split("(")[0].strip()
        target = _TARGET.match(content)
        return target["text"] if target and target["text"] else content

    def _glued(self, key: str) -> dict:
        if "::" in key:
            raise ExportError(f"{self.context.docname}: glue from another page ({key!r})")
        if key not in self.context.glue:
            raise ExportError(f"{self.context.docname}: the build glued no {key!r}")
        return self.context.glue[key]

    def _glued_text(self, key: str, mime: str) -> str:
        data = self._glued(key)
        if mime not in data:
            raise ExportError(f"{self.context.docname}: {key!r} was glued without {mime}")
        return data[mime]

    def _glue_text(self, content: str) -> str:
        from myst_nb.core.variables import format_plain_text

        key, _, spec = content.rpartition(":") if ":" in content else (content, "", "")
        if not key:
            key, spec = content, ""
        return format_plain_text(self._glued_text(key, "text/plain"), spec)

    def _link(self, text: str, docname: str, anchor: str = "") -> str:
        if not self.context.site_url:
            return text
        url = f"{self.context.site_url}{docname}.html" + (f"#{anchor}" if anchor else "")
        return f"[{text}]({url})"

    def _doc(self, content: str) -> str:
        target = _TARGET.match(content)
        text, name = (target["text"], target["target"]) if target else ("", content)
        if name.startswith("/"):
            docname = name.lstrip("/")
        else:
            docname = posixpath.normpath(
                posixpath.join(posixpath.dirname(self.context.docname), name)
            )
        docname = re.sub(r"\.(md|ipynb)$", "", docname)
        return self._link(text or self.context.titles.get(docname, name), docname)

    def _ref(self, role: str, content: str) -> str:
        target = _TARGET.match(content)
        text, label = (target["text"], target["target"]) if target else ("", content)
        docname, anchor, title = self.context.labels.get(label, (self.context.docname, label, ""))
        number = self.context.numbers.get(label, "")
        if role == "numref":
            shown = (text.replace("{number}", number.split()[-1]).replace("%s", number.split()[-1])
                     if text and number else text or number or label)
        elif role == "eq":
            shown = f"({number or label})"
        else:
            shown = text or title or label
        if docname == self.context.docname and role != "ref":
            return shown
        return self._link(shown, docname, anchor)

    def _cite(self, role: str, content: str) -> str:
        keys = [key.strip() for key in content.split(",")]
        unknown = [key for key in keys if key not in self.context.citations]
        if unknown:
            raise ExportError(f"{self.context.docname}: no bibliography entry {unknown}")
        cited = [self.context.citations[key] for key in keys]
        if role in {"cite:t", "cite:ts", "cite:ct"}:
            return "; ".join(f"{authors} ({year})" for authors, year in cited)
        if role in {"cite:author", "cite:authors"}:
            return "; ".join(authors for authors, _ in cited)
        if role == "cite:year":
            return "; ".join(year for _, year in cited)
        return "(" + "; ".join(f"{authors}, {year}" for authors, year in cited) + ")"


def _options_and_body(lines: list[str]) -> tuple[dict[str, str], str]:
    options: dict[str, str] = {}
    index = 0
    if lines and lines[0].strip() == "---":  # options as a YAML block
        import yaml

        end = lines.index("---", 1) if "---" in lines[1:] else 0
        parsed = yaml.safe_load("\n".join(lines[1:end])) or {}
        options = {str(key): str(value) for key, value in parsed.items()}
        index = end + 1
    else:
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            options[option["key"]] = _unquote(option["value"].strip())
            index += 1
    return options, "\n".join(lines[index:]).strip("\n")


def _unquote(value: str) -> str:
    """An option's value as MyST reads it: quoted YAML strings unquoted."""
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        import yaml

        return str(yaml.safe_load(value))
    return value


def _quote(parts: list[str]) -> str:
    text = "\n\n".join(part.strip("\n") for part in parts if part.strip())
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def citation_names(bibfiles: list[Path]) -> dict[str, tuple[str, str]]:
    """Each entry's ``(authors, year)`` as an author-year citation names them."""
    from pybtex.database import parse_file

    names: dict[str, tuple[str, str]] = {}
    for path in bibfiles:
        for key, entry in parse_file(str(path)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            last = [" ".join(person.last_names) for person in people]
            if len(last) > 2:
                authors = f"{last[0]} et al."
            else:
                authors = " and ".join(last) or entry.fields.get("title", key)
            names[key] = (authors.replace("{", "").replace("}", ""), entry.fields.get("year", ""))
    return names
