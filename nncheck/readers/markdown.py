"""The Markdown reader: a page -> a Document of its formulas, with the line and column of every character.

Display math is ``$$…$$``, ``\\[…\\]`` and fenced ```` ```math ```` blocks; inline math (``\\(…\\)``
and ``$…$``) is found too, because documents define their givens there ("the input x = …"), but
only ``nncheck extract`` reads it. Code (fenced blocks of other languages, code spans) and HTML
comments are skipped, so a `$$` in an example is not mistaken for math.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from nncheck.errors import Location, SpecError
from nncheck.records import Document, Formula, Math, Unread

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
# Opening delimiters, longest first; each with its closing delimiter.
_DELIMITERS = (("$$", "$$", True), ("\\[", "\\]", True), ("\\(", "\\)", False))
_INLINE_DOLLAR = re.compile(r"(?<![\\$])\$(?=\S)(?P<body>[^$\n]*?\S)\$(?!\d)")


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


def read_markdown(path: str) -> Document:
    """Read and parse a Markdown file (SpecError, located, when it cannot be read)."""
    return parse_markdown(read_document(path), path)


def parse_markdown(text: str, path: str = "<document>") -> Document:
    """A page's Document: its title and every formula, in order, parsed (or with the reason it cannot be).

    The LaTeX grammar (lark) is imported here, on first use, so that loading the package stays cheap.
    """
    from nncheck.expr.latex import LatexError, LimitError, parse_display

    formulas = []
    displays = 0
    for math in find_math(text):
        if math.display:
            displays += 1
        number = displays if math.display else None
        try:
            formulas.append(Formula(math, number, tuple(parse_display(math.text)), None))
        except LatexError as error:
            formulas.append(Formula(math, number, (), Unread(error.reason, error.offset, isinstance(error, LimitError))))
    return Document(path=path, title=title_of(text, path), formulas=tuple(formulas), source=text)


class Lines:
    """Offsets in a text -> 1-based line and column (columns count code points, as SARIF's unicodeCodePoints)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def location(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Location(self.path, line + 1, offset - self.starts[line] + 1)


def find_math(text: str) -> list[Math]:
    """Every formula of the document, in order."""
    found: list[Math] = []
    heading: str | None = None
    path: list[tuple[int, str]] = []  # the headings above, (level, text), outermost first
    prose: list[tuple[int, str]] = []  # (offset, line) of the current run of prose lines
    lines = text.split("\n")
    offset, number = 0, 0
    while number < len(lines):
        line = lines[number]
        fence = _FENCE.match(line)
        heading_match = _HEADING.match(line)
        if fence is None and heading_match is None:
            prose.append((offset, line))
            offset += len(line) + 1
            number += 1
            continue
        found += _scan_prose(text, prose, heading, _section(path))
        prose = []
        if heading_match is not None:
            heading = heading_match["text"].strip()
            level = len(heading_match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, heading)]
            found += _scan_prose(text, [(offset, line)], heading, _section(path))  # "### Sample 2: \\(x = (2, -1)\\)" gives x
            offset += len(line) + 1
            number += 1
            continue
        assert fence is not None
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence['fence'][0])}{{{len(fence['fence'])},}}[ \t]*$")
        body_start = offset + len(line) + 1
        end, body_end = number + 1, body_start
        while end < len(lines) and closing.match(lines[end]) is None:
            body_end += len(lines[end]) + 1
            end += 1
        if fence["info"].strip().split(" ")[0].lower() == "math":
            found.append(Math(text[body_start:max(body_start, body_end - 1)], body_start, True, heading, _section(path)))
        offset = body_end + (len(lines[end]) + 1 if end < len(lines) else 0)
        number = end + 1
    found += _scan_prose(text, prose, heading, _section(path))
    return found


def _section(path: list[tuple[int, str]]) -> str | None:
    return " / ".join(title for _, title in path) if path else None


def _scan_prose(text: str, prose: list[tuple[int, str]], heading: str | None, section: str | None) -> list[Math]:
    """Math in a run of prose lines (delimited math may span lines)."""
    if not prose:
        return []
    start = prose[0][0]
    end = prose[-1][0] + len(prose[-1][1])
    chunk = _blank_code(text[start:end])
    result: list[Math] = []
    position = 0
    while True:
        opening = _next_opening(chunk, position)
        if opening is None:
            return result
        at, (open_text, close_text, display) = opening
        body = at + len(open_text)
        close = chunk.find(close_text, body)
        if close < 0:
            position = body
            continue
        result.append(Math(text[start + body:start + close], start + body, display, heading, section))
        position = close + len(close_text)


def _next_opening(chunk: str, position: int) -> tuple[int, tuple[str, str, bool]] | None:
    best: tuple[int, tuple[str, str, bool]] | None = None
    for delimiter in _DELIMITERS:
        at = chunk.find(delimiter[0], position)
        while at > 0 and chunk[at - 1] == "\\" and delimiter[0] != "$$":
            at = chunk.find(delimiter[0], at + 1)  # "\\[" is an escaped backslash, not math
        if at >= 0 and (best is None or at < best[0]):
            best = (at, delimiter)
    dollar = _INLINE_DOLLAR.search(chunk, position)
    if dollar is not None and (best is None or dollar.start() < best[0]) and not chunk.startswith("$$", dollar.start()):
        best = (dollar.start(), ("$", "$", False))
    return best


def _blank_code(chunk: str) -> str:
    """Code spans and HTML comments replaced by spaces of the same length (offsets stay valid)."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    chunk = re.sub(r"<!--.*?-->", blank, chunk, flags=re.DOTALL)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", blank, chunk, flags=re.DOTALL)
