"""The notebook reader: a Jupyter notebook (.ipynb, read with nbformat) -> a Document of its markdown cells' math.

Each markdown cell is read as a Markdown page (nncheck.readers.markdown), in order, with the
headings of earlier cells as the sections of later ones. Code cells and their outputs are never
read. Locations name the cell (1-based, counting every cell) and the line and column in it, as
ruff and nbQA do: ``lesson.ipynb:cell 3:2:5``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from nncheck.errors import Location, SpecError
from nncheck.readers.markdown import MathFinder, parse_formulas, read_document
from nncheck.records import Document



def read_notebook(path: str) -> Document:
    """Read and parse a notebook file (SpecError, located, when it cannot be read or is not a notebook)."""
    return parse_notebook(read_document(path), path)


@contextlib.contextmanager
def without_id_warnings() -> Iterator[None]:
    """nbformat's validation without its warning about cells that have no id: nncheck reads cells by number, and a
    notebook saved by an older Jupyter is still a notebook."""
    from nbformat.warnings import MissingIDFieldWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
        yield


def parse_notebook(text: str, path: str = "<notebook>") -> Document:
    """A notebook's Document: the math of its markdown cells. SpecError when the text is not a notebook."""
    import json

    import nbformat

    try:
        data = json.loads(text)
        with without_id_warnings():
            nbformat.validate(data)  # raises rather than logs, unlike nbformat.reads
    except json.JSONDecodeError as error:
        raise SpecError.at(Location(path, error.lineno, error.colno), f"not a Jupyter notebook: {error.msg}") from None
    except Exception as error:  # nbformat's ValidationError, or an unknown nbformat version
        detail = " ".join(str(error).split())[:200]
        raise SpecError.at(Location(path, 1, 1), f"not a Jupyter notebook nncheck can read: {detail}") from None
    notebook = nbformat.from_dict(data)  # type: ignore[no-untyped-call]
    finder = MathFinder()
    source: list[str] = []
    cells: list[tuple[int, int]] = []
    offset = 0
    title = None
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "markdown":
            continue
        body = cell.get("source", "")
        body = "".join(body) if isinstance(body, list) else str(body)
        cells.append((offset, number))
        finder.read(body, offset)
        if title is None and finder.path and finder.path[0][0] == 1:
            title = finder.path[0][1]
        source.append(body + "\n")
        offset += len(body) + 1
    from nncheck.readers.front import declared_spec

    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    text, formulas = "".join(source), parse_formulas(finder.found)
    # The first markdown cell may declare the model in front matter, as a Markdown page does.
    declared = declared_spec(text, path, formulas, cells=tuple(cells), title=title or stem) if cells else None
    return Document(path=path, title=title or stem, formulas=formulas, source=text, cells=tuple(cells), declared=declared)
