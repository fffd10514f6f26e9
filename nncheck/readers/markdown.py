"""The Markdown reader: a page -> a Document of its formulas, with the line and column of every character.

The page is parsed as the renderers parse it: CommonMark (markdown-it-py) with the math syntaxes
of mdit-py-plugins. Display math is ``$$…$$`` (also inline in a paragraph), ``\\[…\\]``, fenced
```` ```math ```` blocks and LaTeX environments written directly in the page (``equation``,
``align``, ``aligned``, ``gather``, ``split``, ``multline``, ``eqnarray``, starred or not), as
MathJax, KaTeX and GitHub render them; inline math is ``$…$`` (a ``$`` in prose, "costs $5", is not)
and ``\\(…\\)``. Code (fenced, indented, spans), HTML blocks and comments, and YAML front matter
are never read as math. Headings give each formula its section.

markdown-it reports lines, not columns, and strips block-quote and list prefixes from the text it
hands on; each formula is therefore found again in the page, character by character, and the
prefixes inside a multi-line formula are blanked to spaces, so that every character of a formula
keeps its offset in the page (``Math.offset`` + its index) and every finding its line and column.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from nncheck.errors import Location, SpecError
from nncheck.records import Document, Formula, Math, Unread

# LaTeX environments MathJax and KaTeX render when written directly in the page.
ENVIRONMENTS = ("equation", "align", "aligned", "gather", "gathered", "split", "multline", "eqnarray", "alignat", "flalign")
_BEGIN = re.compile(r"\\begin\s*\{(?P<name>(?:" + "|".join(ENVIRONMENTS) + r")\*?)\}")
# Characters markdown-it strips from the text of a formula: block-quote markers and indentation.
_PREFIX = " \t>"
# A formula that cannot be found again within this many candidate places is left out (bounded work).
MAX_CANDIDATES = 64


# Documents larger than this are refused, as specs are (docs/hostile.md): a tutorial is a few
# tens of kilobytes.
MAX_BYTES = 1_000_000


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
    """The page's first level-1 heading (ATX or setext), else the file's name without its suffix."""
    tokens = parse_tokens(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return str(tokens[index + 1].content.strip()) or Path(path).stem
    return Path(path).stem


def read_markdown(path: str) -> Document:
    """Read and parse a Markdown file (SpecError, located, when it cannot be read)."""
    return parse_markdown(read_document(path), path)


def parse_markdown(text: str, path: str = "<document>") -> Document:
    """A page's Document: its title and every formula, in order, parsed (or with the reason it cannot be)."""
    from nncheck.readers.front import declared_spec

    formulas = parse_formulas(find_math(text))
    return Document(path=path, title=title_of(text, path), formulas=formulas, source=text,
                    declared=declared_spec(text, path, formulas))


def parse_formulas(found: list[Math]) -> tuple[Formula, ...]:
    """Each formula parsed into chains, or with the reason it cannot be; displays numbered from 1 in order.

    The LaTeX grammar (lark) is imported here, on first use, so that loading the package stays cheap.
    """
    from nncheck.expr.latex import LatexError, LimitError, parse_partly

    formulas = []
    displays = 0
    for math in found:
        math = replace(math, text=_without_comments(math.text))
        if math.display:
            displays += 1
        number = displays if math.display else None
        stray = _stray_dollar(math.text)
        if stray is not None:
            formulas.append(Formula(math, number, (), Unread(_unpaired(math.text, stray), 0)))
            continue
        try:
            chains, unread = parse_partly(math.text)
            formulas.append(Formula(math, number, tuple(chains), None, tuple(Unread(e.reason, e.offset) for e in unread)))
        except LatexError as error:
            formulas.append(Formula(math, number, (), Unread(error.reason, error.offset, isinstance(error, LimitError))))
    return tuple(formulas)


# Text inside math, where a '$' opens math again (\text{for $i = 1$}) rather than ending it.
_TEXT_MACROS = ("\\text", "\\mbox", "\\hbox", "\\textrm", "\\textit", "\\textbf", "\\textsf", "\\texttt",
                "\\textnormal")


def _unpaired(tex: str, stray: int) -> str:
    """Why a formula with a stray '$' (at ``stray``) is not read, said at the formula's start."""
    if stray == 0 and tex.startswith("$$"):
        return "'$$' is not closed: the formula after it is not read"
    below = tex.count("\n", 0, stray)
    where = "on its first line" if not below else f"{below} line{'s' * (below != 1)} below its start"
    return (f"a '$' {where} inside the formula: its closing '$$' is missing, or the delimiters do not pair up; the "
            "formula is not read")


def _stray_dollar(tex: str) -> int | None:
    """Where a '$' that is not ``\\$`` stands in a formula's TeX outside text (``\\text{…}``), if one does. TeX ends
    math at a '$', so one there means the page's delimiters were paired wrongly: an unclosed ``$$`` takes in the
    prose up to the next one."""
    position, depth, text_depth = 0, 0, None  # text_depth: the brace depth at which a \text{ group opened
    while position < len(tex):
        character = tex[position]
        if character == "\\":
            macro = next((m for m in _TEXT_MACROS if tex.startswith(m, position)
                          and not tex[position + len(m):position + len(m) + 1].isalpha()), None)
            if macro is not None and text_depth is None:
                after = position + len(macro)
                while after < len(tex) and tex[after] in " \t\n":
                    after += 1
                if tex[after:after + 1] == "{":
                    text_depth = depth
                    depth += 1
                    position = after + 1
                    continue
            position += 2  # an escaped character (\$, \{, \\) or a macro's first letter
            continue
        if character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            if text_depth is not None and depth == text_depth:
                text_depth = None
        elif character == "$" and text_depth is None:
            return position
        position += 1
    return None


def _without_comments(tex: str) -> str:
    """TeX with its comments (% to the end of the line; \\% is a percent sign) blanked to spaces, offsets kept."""
    if "%" not in tex:
        return tex
    lines = []
    for line in tex.split("\n"):
        position = 0
        while (position := line.find("%", position)) >= 0:
            backslashes = len(line[:position]) - len(line[:position].rstrip("\\"))
            if backslashes % 2 == 0:
                line = line[:position] + " " * (len(line) - position)
                break
            position += 1
        lines.append(line)
    return "\n".join(lines)


class Lines:
    """Offsets in a text -> 1-based line and column (columns count code points, as SARIF's unicodeCodePoints).

    ``cells``: where each cell of a notebook starts in the text (its markdown cells joined); lines then
    count from the start of the cell, and the location names the cell.
    """

    def __init__(self, path: str, text: str, cells: tuple[tuple[int, int], ...] = ()) -> None:
        self.path = path
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.cells = cells  # (offset in the text, cell number), in order

    def location(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset) - 1
        column = offset - self.starts[line] + 1
        if not self.cells:
            return Location(self.path, line + 1, column)
        index = bisect.bisect_right([start for start, _ in self.cells], offset) - 1
        start, cell = self.cells[max(index, 0)]
        first_line = bisect.bisect_right(self.starts, start) - 1
        return Location(self.path, line - first_line + 1, column, cell=cell)


@lru_cache(maxsize=1)
def _parser() -> Any:
    """CommonMark with tables, front matter and the math plugins (built once; imported on first use)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    md = (MarkdownIt("commonmark").enable("table").use(front_matter_plugin)
          .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
          .use(texmath_plugin, delimiters="brackets").use(amsmath_plugin))
    # texmath's inline rule matches "\\(…\\)" with a regular expression over a copy of the rest of the paragraph at
    # every "\\(": a paragraph of many formulas, or of unclosed openers, took quadratic time (300 kB: minutes). The
    # rule below finds the same formula (the shortest body of one character or more before "\\)") with str.find, and
    # only where a "\\)" follows at all (the paragraph's last closer, found once), so every page reads in linear time.
    for rule in md.inline.ruler.__rules__:
        if rule.name == "math_inline" and "make_inline_func" in getattr(rule.fn, "__qualname__", ""):
            rule.fn = _inline_brackets()
    md.inline.ruler.__cache__ = None
    return md


def _inline_brackets() -> Any:
    """The markdown-it inline rule for \\(…\\): a "math_inline" token with markup "\\(", as texmath makes it."""
    last: list[Any] = [None, -1]  # the paragraph last seen, and where its last closer starts

    def rule(state: Any, silent: bool) -> bool:
        source, start = state.src, state.pos
        if not source.startswith("\\(", start):
            return False
        if last[0] is not source:
            last[0], last[1] = source, source.rfind("\\)")
        if last[1] < start + 3:
            return False
        close = source.find("\\)", start + 3)
        if not silent:
            token = state.push("math_inline", "math", 0)
            token.content = source[start + 2:close]
            token.markup = "\\("
        state.pos = close + 2
        return True

    return rule


def parse_tokens(text: str) -> list[Any]:
    """markdown-it's block tokens of a page. The front matter, the title and the math of a page are read from one
    parse (the latest pages' tokens are kept; readers do not change them)."""
    return list(_tokens(text))


@lru_cache(maxsize=4)
def _tokens(text: str) -> tuple[Any, ...]:
    return tuple(_parser().parse(text))


def find_math(text: str) -> list[Math]:
    """Every formula of the page, in order, located."""
    return MathFinder().read(text)


_CLOSING = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}


class MathFinder:
    """Formulas found again in a page, in order (a cursor moves forward through the text).

    One finder reads the markdown cells of a notebook in turn (``read`` with each cell's offset in
    the notebook's text): the headings of one cell are the sections of the next.
    """

    def __init__(self) -> None:
        self.text = ""
        self.base = 0
        self.cursor = 0
        self.found: list[Math] = []
        self.path: list[tuple[int, str]] = []  # the headings above, (level, text), outermost first
        self.headings = 0  # how many headings so far: two sibling headings of one title are two sections
        self.quotes = 0  # block quotes open around the current token
        self.block = 0  # where the current block starts in the text

    def read(self, text: str, base: int = 0) -> list[Math]:
        """The formulas of ``text`` (offsets + ``base``), added to those found so far; all of them."""
        self.text, self.base, self.cursor, self.block = text, base, 0, 0
        tokens = parse_tokens(text)
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        for index, token in enumerate(tokens):
            if token.map:  # a block's first line: a copy of its formula in an earlier comment or code block is passed
                self.block = starts[min(token.map[0], len(starts) - 1)]
                self.cursor = max(self.cursor, self.block)
            if token.type == "heading_open":
                self.heading(int(token.tag[1:]), tokens[index + 1].content.strip())
            elif token.type == "blockquote_open":
                self.quotes += 1
            elif token.type == "blockquote_close":
                self.quotes -= 1
            elif token.type in ("math_block", "math_block_eqno", "math_block_label"):
                content = token.content
                if self.quotes:  # texmath keeps the quote's "> " on the lines of a \[…\] block
                    content = "\n".join(line.lstrip(" \t>") if i else line for i, line in enumerate(content.split("\n")))
                self.add(content, token.markup, _CLOSING[token.markup], True)
            elif token.type == "amsmath":
                self.add(token.content, "", "", True)
            elif token.type == "fence" and token.info.strip().split(" ")[0].lower() == "math":
                self.add(token.content, "", "", True)
            elif token.type == "inline":
                self.inline(token)
        return self.found

    def heading(self, level: int, title: str) -> None:
        self.path = [(lvl, t) for lvl, t in self.path if lvl < level] + [(level, title)]
        self.headings += 1

    def inline(self, token: Any) -> None:
        """The math of a paragraph (or heading, or table cell), in the order it is written."""
        content = token.content
        code = [child.content for child in token.children or () if child.type == "code_inline"]
        found: list[tuple[int, str, str, str, bool]] = []  # (where in the paragraph, body, opening, closing, display)
        cursor = 0
        for child in token.children or ():
            if child.type == "code_inline":  # a formula quoted in code before the real one is passed
                where = content.find(child.markup + child.content + child.markup, cursor)
                if where >= 0:
                    cursor = where + len(child.markup) * 2 + len(child.content)
            if child.type in ("math_inline", "math_inline_double"):
                where = content.find(child.markup + child.content, cursor)
                cursor = max(where, cursor) + 1
                found.append((max(where, 0), child.content, child.markup, _CLOSING[child.markup],
                              child.type == "math_inline_double"))
        if "\\begin" in content:
            found += self.environments(content, code)
        if "\\[" in content:
            found += self.brackets(content, code)
        for child in token.children or ():  # '$$' left in the text: a display never closed
            if child.type == "text" and "$$" in child.content:
                found.append((max(content.find(child.content), 0), child.content[child.content.index("$$"):], "", "", True))
        for where, body, opening, closing, display in sorted(found, key=lambda item: item[0]):
            # The paragraph's text is the page's from the block's start, less prefixes markdown-it removed (quote
            # markers, indentation): the formula is no earlier in the page than there (a code span before it).
            self.cursor = max(self.cursor, self.block + where)
            self.add(body, opening, closing, display)

    @staticmethod
    def brackets(content: str, code: list[str]) -> list[tuple[int, str, str, str, bool]]:
        """Display math \\[…\\] inside a paragraph (markdown-it reads a paragraph's "\\[" as an escaped bracket)."""
        found = []
        position = 0
        while (start := content.find("\\[", position)) >= 0:
            end = content.find("\\]", start + 2)
            if end < 0:
                break
            body = content[start + 2:end]
            if start > 0 and content[start - 1] == "\\":  # "\\\\[" is a row break followed by a bracket
                position = start + 2
                continue
            if not any(content[start:end + 2] in span for span in code) and body.strip():
                found.append((start, body, "\\[", "\\]", True))
            position = end + 2
        return found

    @staticmethod
    def environments(content: str, code: list[str]) -> list[tuple[int, str, str, str, bool]]:
        """LaTeX environments written in a paragraph (``\\begin{aligned} … \\end{aligned}``)."""
        found = []
        position = 0
        while (begin := _BEGIN.search(content, position)) is not None:
            end_text = f"\\end{{{begin['name']}}}"
            end = content.find(end_text, begin.end())
            if end < 0:
                break
            body = content[begin.start():end + len(end_text)]
            if not any(body in span for span in code):
                found.append((begin.start(), body, "", "", True))
            position = end + len(end_text)
        return found

    def add(self, content: str, opening: str, closing: str, display: bool) -> None:
        located = self.locate(content, opening)
        if located is None:
            return  # not found again (markdown-it rewrote it): left out rather than misplaced
        offset, body, end = located
        if any(math.offset == self.base + offset for math in self.found[-3:]):
            return  # one environment seen through several text children
        heading = self.path[-1][1] if self.path else None
        section = " / ".join(title for _, title in self.path) + f" (heading {self.headings})" if self.path else None
        self.found.append(Math(body, self.base + offset, display, heading, section))
        self.cursor = end + len(closing)

    def locate(self, content: str, opening: str) -> tuple[int, str, int] | None:
        """Where ``content`` stands in the page after ``opening``: its offset, its text with the prefixes
        markdown-it stripped blanked to spaces (offsets kept), and its end."""
        text = self.text
        lead = opening or content.strip()[:1]
        if not lead:
            return None
        at = text.find(lead, self.cursor)
        for _ in range(MAX_CANDIDATES):
            if at < 0:
                return None
            start = at + len(opening)
            mapped = _align(text, start, content.strip("\n") if not opening else content)
            if mapped is not None and mapped:
                first, last = mapped[0], mapped[-1] + 1
                kept = set(mapped)
                body = "".join(ch if i + first in kept or ch == "\n" else " " for i, ch in enumerate(text[first:last]))
                return first, body, last
            at = text.find(lead, at + 1)
        return None


def _align(text: str, position: int, content: str) -> list[int] | None:
    """The page offset of each non-blank character of ``content``, read from ``position`` on, skipping the
    block-quote markers and indentation markdown-it removed; None when the page does not continue so."""
    mapped: list[int] = []
    j = position
    for character in content:
        while j < len(text) and text[j] != character and text[j] in _PREFIX:
            j += 1
        if j < len(text) and text[j] == character:
            if not character.isspace():
                mapped.append(j)
            j += 1
        elif not character.isspace():
            return None
    return mapped


