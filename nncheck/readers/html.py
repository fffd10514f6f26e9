"""The HTML reader: an .html page -> a Document of the TeX that MathJax and KaTeX render in it.

The page is parsed with Python's HTML parser (html.parser); nothing is read from the markup by
pattern. What is read as math, with the line and column of the HTML file:

- ``\\(…\\)``, ``\\[…\\]``, ``$$…$$`` and LaTeX environments in the page's text (MathJax's defaults: a
  single ``$`` is prose), found by the LaTeX reader's walker;
- ``<script type="math/tex">`` (display with ``; mode=display``), MathJax 2's source of each formula;
- ``<annotation encoding="application/x-tex">``, KaTeX's and MathML's copy of each formula's TeX
  (display inside ``<math display="block">``).

Scripts, styles, ``<code>``, ``<pre>`` and ``<textarea>`` are never read as math, and neither are
tags, attributes or comments. The page's text keeps its offsets: tags are blanked to spaces and
the character references ``&amp;``, ``&lt;``, ``&gt;``, ``&nbsp;`` are written as their character
followed by spaces, so every formula's characters keep their place in the file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from nncheck.errors import Location, SpecError
from nncheck.readers.markdown import parse_formulas, read_document
from nncheck.readers.tex import tex_math
from nncheck.records import Document, Math

_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SKIPPED = frozenset({"script", "style", "code", "pre", "textarea", "kbd", "samp"})
# The script type of a page's model declaration (the YAML a Markdown page puts in front matter).
DECLARATION = "application/x-nncheck+yaml"
_REFERENCES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": " ", "quot": '"', "apos": "'", "minus": "−", "times": "×"}


def read_html(path: str) -> Document:
    """Read and parse an HTML file (SpecError, located, when it cannot be read)."""
    return parse_html(read_document(path), path)


def parse_html(text: str, path: str = "<document>") -> Document:
    page = _Page(text, path)
    page.feed(text)
    page.close()
    visible = "".join(page.visible)
    # A single $ is prose in HTML (MathJax's default): blanked, so that the walker cannot open math at it.
    visible = "".join(" " if ch == "$" and visible[i - 1:i] != "$" and visible[i + 1:i + 2] != "$" else ch
                      for i, ch in enumerate(visible))
    found = [m for m in tex_math(visible, single_dollars=False) if not m.text.isspace()]
    found += page.scripts
    found.sort(key=lambda math: math.offset)
    found = _sectioned(found, page.headings)
    from nncheck.readers.front import declared_spec

    first_h1 = next((text for _, level, text in page.headings if level == 1), "")
    title, formulas = " ".join(page.title.split()) or first_h1 or Path(path).stem, parse_formulas(found)
    declared = declared_spec(text, path, formulas, block=page.declaration, title=title) if page.declaration else None
    return Document(path=path, title=title, formulas=formulas, source=text, declared=declared)


def _sectioned(found: list[Math], headings: list[tuple[int, int, str]]) -> list[Math]:
    """Each formula with its nearest heading and its section, as the Markdown reader gives them: every heading above
    it, outermost first, and which heading of the page the nearest is ("Epoch 2 / Forward (heading 5)"). A formula in
    a heading's own text (givens in a title) belongs to that heading."""
    if not headings:
        return found
    result: list[Math] = []
    path: list[tuple[int, str]] = []
    index = 0
    for math in found:
        while index < len(headings) and headings[index][0] <= math.offset:
            _, level, title = headings[index]
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            index += 1
        if path:
            section = " / ".join(title for _, title in path) + f" (heading {index})"
            math = replace(math, heading=path[-1][1], section=section)
        result.append(math)
    return result


def rendered_spans(text: str) -> list[tuple[int, int]]:
    """The offsets (start, end) of the TeX annotations of formulas the page shows already rendered (KaTeX, MathML):
    editing their TeX would not change what the page shows (nncheck fix leaves them, saying so)."""
    page = _Page(text)
    page.feed(text)
    page.close()
    return page.rendered


class _Tex:
    """A TeX script or annotation being read: where its text starts and ends, and its character references."""

    def __init__(self, display: bool, rendered: bool = False) -> None:
        self.display = display
        self.rendered = rendered  # an annotation: the TeX of a formula the page shows already rendered
        self.start: int | None = None
        self.end = 0
        self.references: list[tuple[int, str]] = []  # (offset, the character it stands for)

    def extend(self, start: int, length: int) -> None:
        self.start = start if self.start is None else self.start
        self.end = start + length

    def math(self, text: str) -> Math | None:
        if self.start is None or not text[self.start:self.end].strip():
            return None
        body = list(text[self.start:self.end])
        for offset, character in self.references:
            length = text.index(";", offset) + 1 - offset
            body[offset - self.start:offset - self.start + length] = [character] + [" "] * (length - 1)
        return Math("".join(body), self.start, self.display, None, None)


class _Page(HTMLParser):
    """The page's visible text, blanked where it is not text (same length as the page), and its TeX scripts."""

    def __init__(self, text: str, path: str = "<document>") -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.path = path
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.visible = [ch if ch == "\n" else " " for ch in text]
        self.scripts: list[Math] = []
        self.rendered: list[tuple[int, int]] = []  # the spans of annotations: TeX shown rendered beside it
        self.open: list[str] = []  # the elements around the current position
        self.tex: _Tex | None = None  # inside a TeX script or annotation
        self.block_math = 0
        self.title = ""
        self.declaration: tuple[str, int] | None = None  # <script type="application/x-nncheck+yaml">: text, first line
        self.declaring = False
        self.headings: list[tuple[int, int, str]] = []  # (offset of <hN>, N, its text), in page order
        self.heading: tuple[int, int, list[str]] | None = None  # the <h1>…<h6> being read: offset, level, text

    def position(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        kind = values.get("type", "").replace(" ", "").lower()
        if tag == "script" and kind.startswith("math/tex"):
            self.tex = _Tex("mode=display" in kind)
        elif tag == "script" and kind == DECLARATION:
            if self.declaration is not None:
                line, column = self.getpos()
                raise SpecError.at(Location(self.path, line, column + 1),
                                   f"a second <script type=\"{DECLARATION}\">: a page declares its model once")
            self.declaring = True
        elif tag == "annotation" and values.get("encoding", "").lower() == "application/x-tex":
            self.tex = _Tex(self.block_math > 0, rendered=True)
        if tag == "math" and values.get("display", "").lower() == "block":
            self.block_math += 1
        if tag in _HEADINGS and self.heading is None:
            self.heading = (self.position(), _HEADINGS[tag], [])
        if tag not in ("br", "img", "hr", "meta", "link", "input", "wbr"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "math" and self.block_math:
            self.block_math -= 1
        if tag in ("script", "annotation") and self.tex is not None:
            math = self.tex.math(self.text)
            if math is not None:
                self.scripts.append(math)
                if self.tex.rendered:
                    self.rendered.append((math.offset, math.offset + len(math.text)))
            self.tex = None
        if tag in _HEADINGS and self.heading is not None and _HEADINGS[tag] == self.heading[1]:
            offset, level, parts = self.heading
            self.headings.append((offset, level, " ".join("".join(parts).split())))
            self.heading = None
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        start = self.position()
        if self.declaring:  # the page's model: YAML, read at its place in the file (nncheck.readers.front)
            self.declaration = (data, self.getpos()[0])
            self.declaring = False
            return
        if self.tex is not None:
            self.tex.extend(start, len(data))
            return
        if "title" in self.open:
            self.title += data
        if self.heading is not None:
            self.heading[2].append(data)
        if _SKIPPED.intersection(self.open):
            return
        self.visible[start:start + len(data)] = list(self.text[start:start + len(data)])

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};", _REFERENCES.get(name))

    def handle_charref(self, name: str) -> None:
        try:
            character = chr(int(name[1:], 16) if name[:1] in "xX" else int(name))
        except (ValueError, OverflowError):
            character = None
        self._reference(f"&#{name};", character)

    def _reference(self, written: str, character: str | None) -> None:
        start = self.position()
        if character is None or not self.text.startswith(written, start):
            return
        if self.tex is not None:
            self.tex.extend(start, len(written))
            self.tex.references.append((start, character))
            return
        if self.heading is not None:
            self.heading[2].append(character)
        if not _SKIPPED.intersection(self.open):
            self.visible[start] = character  # the character, then spaces: the text keeps its length
