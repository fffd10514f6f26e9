"""Stage 1: every input kind -> one Document (nncheck.records.Document). A new input kind is one reader.

- a YAML spec (``readers/spec/``): a layered network, claims and equations, validated whole before
  any arithmetic;
- a Markdown page (``readers/markdown.py``): its formulas, located, for the page's own true chain.
"""

from __future__ import annotations

from nncheck.records import Document
from nncheck.readers.markdown import is_document


def read(path: str) -> Document:
    """The Document of the file at ``path``: a Markdown page by its suffix (.md, .markdown), else a spec.

    Raises SpecError (located, ``path:line:col: message``) for a file that cannot be read or is invalid.
    """
    if is_document(path):
        from nncheck.readers.markdown import read_markdown

        return read_markdown(path)
    from nncheck.readers.spec import load_spec

    return load_spec(path)


__all__ = ["is_document", "read"]
