"""Find the math of a Markdown document, with the line and column of every character of it.

Display math is ``$$…$$``, ``\\[…\\]`` and fenced ```` ```math ```` blocks; inline math (``\\(…\\)``
and ``$…$``) is found too, because documents define their givens there ("the input x = …"), but
only ``nncheck extract`` reads it. Code (fenced blocks of other languages, code spans) and HTML
comments are skipped, so a `$$` in an example is not mistaken for math.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from nncheck.errors import Location

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
# Opening delimiters, longest first; each with its closing delimiter.
_DELIMITERS = (("$$", "$$", True), ("\\[", "\\]", True), ("\\(", "\\)", False))
_INLINE_DOLLAR = re.compile(r"(?<![\\$])\$(?=\S)(?P<body>[^$\n]*?\S)\$(?!\d)")


@dataclass(frozen=True, slots=True)
class Math:
    """One formula: its LaTeX text and where that text starts in the document."""

    text: str
    offset: int  # of the text's first character in the document
    display: bool
    heading: str | None  # the nearest heading above it, for reports
    section: str | None = None  # every heading above it, outermost first ("Epoch 2 / Forward"): where it stands


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
