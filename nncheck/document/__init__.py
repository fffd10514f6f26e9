"""A Markdown document's arithmetic, audited directly: no spec needed.

``nncheck audit page.md`` reads the page's math, parses its LaTeX with lark (imported only here, on
first use), follows the page's own true chain (nncheck/document/judge.py) and judges each printed
number of each display equation with the verdict ladder every number goes down. The result is the
same Audit record, so every report format works unchanged; ``Audit.coverage`` says which equations
were checked.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path

from nncheck.errors import Location, NncheckError, SpecError
from nncheck.findings import DIAGNOSED, Audit, Verdict
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Network, Spec

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


def audit_markdown(text: str, path: str = "<document>", *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Audit:
    """Judge every display equation of a Markdown text; explain the first ``diagnose`` findings (None: all).

    The diagnosis is the spec's (nncheck/audit/diagnose/): when the page describes a layered network that
    ``nncheck extract`` reads without assuming anything, the drafted spec is audited with its diagnosis,
    and each hypothesis goes to the page's finding that prints the same number in the same display.
    Otherwise the page's findings are left undiagnosed (``Verdict.diagnosed`` False).
    """
    from nncheck.document.judge import audit_text

    result = audit_text(text, path, title_of(text, path))
    if diagnose == 0 or not any(v.kind in DIAGNOSED for v in result.verdicts):
        return result
    return _diagnosed(result, text, path, diagnose)


@lru_cache(maxsize=8)
def drafted_spec(text: str, path: str) -> tuple[Spec | None, tuple[str, ...]]:
    """The spec ``nncheck extract`` drafts from a page, or None with what it would have to assume or why it cannot.

    Read once per page: the diagnosis and ``--oracle`` both use it.
    """
    from nncheck.document.extract import draft_spec
    from nncheck.errors import NncheckError
    from nncheck.spec import parse_spec

    try:
        body, todo = draft_spec(text, path)
        if todo:
            return None, tuple(todo)  # an assumption: what rests on the draft would rest on a guess
        return parse_spec(body, path), ()
    except NncheckError as error:
        return None, (str(error),)  # no network the draft can describe


def _diagnosed(result: Audit, text: str, path: str, limit: int | None) -> Audit:
    from nncheck.audit import audit

    spec, _ = drafted_spec(text, path)
    if spec is None:
        return result  # the page's findings stay undiagnosed
    try:
        explained = audit(spec, diagnose=limit)
    except (NncheckError, ValueError, ArithmeticError):
        return result
    by_number: dict[tuple[int, str], list[Verdict]] = {}
    for verdict in explained.verdicts:
        if verdict.diagnosed and verdict.place.document_line is not None:
            by_number.setdefault((verdict.place.document_line, verdict.stated), []).append(verdict)
    verdicts = []
    for verdict in result.verdicts:
        lines = range(verdict.place.spec.line, verdict.location.line + 1)
        found = [v for line in lines for v in by_number.get((line, verdict.stated), [])]
        if verdict.kind in DIAGNOSED and len({v.hypotheses for v in found}) == 1:
            verdict = dataclasses.replace(verdict, hypotheses=found[0].hypotheses, diagnosed=True)
        verdicts.append(verdict)
    # Findings the limit left out (--diagnose): the drafted spec's count; a finding the draft has no number for is
    # simply not explained.
    return dataclasses.replace(result, verdicts=tuple(verdicts), undiagnosed=explained.undiagnosed)


def page_network(text: str, path: str) -> tuple[Network | None, list[str]]:
    """The network a page describes, as ``nncheck extract`` drafts it, or None with the reasons it cannot."""
    spec, reasons = drafted_spec(text, path)
    return (spec.network if spec is not None else None), list(reasons)


def audit_document(path: str, *, diagnose: int | None = DEFAULT_DIAGNOSE_LIMIT) -> Audit:
    """Read and judge a Markdown file."""
    return audit_markdown(read_document(path), path, diagnose=diagnose)


__all__ = ["MAX_BYTES", "audit_document", "audit_markdown", "drafted_spec", "is_document", "page_network", "read_document"]
