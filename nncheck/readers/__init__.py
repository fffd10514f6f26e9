"""Stage 1: every input kind -> one Document (nncheck.records.Document). A new input kind is one reader.

| kind | suffixes | reader |
|---|---|---|
| spec | .yaml, .yml | ``readers/spec/``: a layered network, claims and equations, validated whole before any arithmetic |
| Markdown page | .md, .markdown | ``readers/markdown.py``: CommonMark with its math (markdown-it-py) |
| Jupyter notebook | .ipynb | ``readers/notebook.py``: the markdown cells (nbformat) |
| HTML page | .html, .htm | ``readers/html.py``: the TeX MathJax and KaTeX render (html.parser) |
| LaTeX source | .tex | ``readers/tex.py``: inline, display and environment math (pylatexenc) |
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nncheck.errors import Location, SpecError
from nncheck.records import Document

# Each kind of page: its suffixes and the module and function that read it (imported on use).
PAGES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "Markdown page": ((".md", ".markdown"), "nncheck.readers.markdown", "read_markdown"),
    "Jupyter notebook": ((".ipynb",), "nncheck.readers.notebook", "read_notebook"),
    "HTML page": ((".html", ".htm"), "nncheck.readers.html", "read_html"),
    "LaTeX source": ((".tex",), "nncheck.readers.tex", "read_tex"),
}
SPEC_SUFFIXES = (".yaml", ".yml")


def page_kind(path: str) -> str | None:
    """The kind of page ``path`` names by its suffix (a key of PAGES), or None (a spec, or unknown)."""
    suffix = Path(path).suffix.lower()
    return next((kind for kind, (suffixes, _, _) in PAGES.items() if suffix in suffixes), None)


def is_document(path: str) -> bool:
    """Whether ``path`` names a page (Markdown, notebook, HTML, LaTeX) rather than a spec, by its suffix."""
    return page_kind(path) is not None


def kinds() -> str:
    """The kinds nncheck reads, for messages: 'spec (.yaml, .yml), Markdown page (.md, .markdown), ...'."""
    rows = [("spec", SPEC_SUFFIXES)] + [(kind, suffixes) for kind, (suffixes, _, _) in PAGES.items()]
    return ", ".join(f"{kind} ({', '.join(suffixes)})" for kind, suffixes in rows)


def read(path: str) -> Document:
    """The Document of the file at ``path``, by its suffix (see the table above).

    Raises SpecError (located, ``path:line:col: message``) for a file that cannot be read, is invalid,
    or is of a kind nncheck does not read (the message lists the kinds it does).
    """
    kind = page_kind(path)
    if kind is not None:
        import importlib

        _, module, function = PAGES[kind]
        reader: Callable[[str], Document] = getattr(importlib.import_module(module), function)
        return reader(path)
    if Path(path).suffix.lower() not in SPEC_SUFFIXES:
        raise SpecError.at(Location(path, 1, 1), f"nncheck does not read {Path(path).suffix or 'files without a suffix'!r}; "
                                                 f"it reads: {kinds()}")
    from nncheck.readers.spec import load_spec

    return load_spec(path)


def parse(text: str, path: str) -> Document:
    """The Document of ``text``, read as the kind of file ``path`` names by its suffix (standard input named by
    --stdin-filename, a file already read), and as a spec when ``path`` has no suffix (``<stdin>``). Raises
    SpecError as :func:`read` does."""
    import importlib

    kind = page_kind(path)
    if kind is not None:
        _, module, function = PAGES[kind]
        parser: Callable[[str, str], Document] = getattr(importlib.import_module(module), function.replace("read_", "parse_", 1))
        return parser(text, path)
    if Path(path).suffix.lower() not in SPEC_SUFFIXES + ("",):
        raise SpecError.at(Location(path, 1, 1), f"nncheck does not read {Path(path).suffix or 'files without a suffix'!r}; "
                                                 f"it reads: {kinds()}")
    from nncheck.readers.spec import parse_spec

    return parse_spec(text, path)


__all__ = ["PAGES", "SPEC_SUFFIXES", "is_document", "kinds", "page_kind", "parse", "read"]
