"""A Markdown document's arithmetic, audited directly: no spec needed.

``nncheck audit page.md`` reads every display equation (``$$…$$``, ``\\[…\\]``, fenced ``math``
blocks), parses its numeric LaTeX with lark (imported only here, on first use), and judges each
printed number with the spec's rounding rules and verdicts. The result is the same Audit record,
so every report format works unchanged; ``Audit.coverage`` says which equations were checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from nncheck.findings import Audit
from nncheck.errors import Location, SpecError

# Documents larger than this are refused, as specs are (docs/hostile.md): a tutorial is a few
# tens of kilobytes.
MAX_BYTES = 1_000_000
SUFFIXES = (".md", ".markdown")
_TITLE = re.compile(r"^ {0,3}#[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)


def is_document(path: str) -> bool:
    """Whether ``path`` names a Markdown document rather than a spec (by its suffix)."""
    return Path(path).suffix.lower() in SUFFIXES


def read_document(path: str) -> str:
    """The document's text; SpecError (path:1:1: message) when it cannot be read."""
    start = Location(path, 1, 1)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise SpecError.at(start, f"cannot read the document: {error.strerror}") from None
    if len(data) > MAX_BYTES:
        raise SpecError.at(start, f"the document is larger than {MAX_BYTES:,} bytes; nncheck reads at most that much")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SpecError.at(Location(path, line, column), "the document is not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_of(text: str, path: str) -> str:
    match = _TITLE.search(text)
    return match["text"] if match else Path(path).stem


def audit_markdown(text: str, path: str = "<document>") -> Audit:
    """Judge every display equation of a Markdown text."""
    from nncheck.document.judge import audit_text

    return audit_text(text, path, title_of(text, path))


def audit_document(path: str) -> Audit:
    """Read and judge a Markdown file."""
    return audit_markdown(read_document(path), path)


__all__ = ["MAX_BYTES", "audit_document", "audit_markdown", "is_document", "read_document"]
