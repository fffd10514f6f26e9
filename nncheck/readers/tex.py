"""The LaTeX reader: a .tex source -> a Document of its math, found by pylatexenc's LaTeX walker.

Inline math is ``$…$`` and ``\\(…\\)``; display math ``$$…$$``, ``\\[…\\]`` and the environments
``equation``, ``align``, ``gather``, ``multline``, ``eqnarray`` and the others of
:data:`nncheck.readers.markdown.ENVIRONMENTS` (starred or not). Comments (``%``, but not ``\\%``)
and ``verbatim``/``lstlisting`` blocks are never read as math; sections (``\\section``,
``\\subsection``, ...) give each formula its section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nncheck.readers.markdown import ENVIRONMENTS, parse_formulas, read_document
from nncheck.records import Document, Math

# Sectioning commands, outermost first: their level.
_SECTIONS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4, "paragraph": 5}
_IGNORED = ("verbatim", "lstlisting", "minted", "comment")


def read_tex(path: str) -> Document:
    """Read and parse a LaTeX file (SpecError, located, when it cannot be read)."""
    return parse_tex(read_document(path), path)


def parse_tex(text: str, path: str = "<document>") -> Document:
    found = tex_math(text)
    return Document(path=path, title=_title(text) or Path(path).stem, formulas=parse_formulas(found), source=text)


def tex_math(text: str, *, single_dollars: bool = True) -> list[Math]:
    """Every formula of a LaTeX text, in order: its body (between the delimiters; an environment whole) and offset.

    ``single_dollars``: whether ``$…$`` is math (it is in LaTeX; MathJax in HTML pages leaves it prose).
    """
    from pylatexenc.latexwalker import LatexWalker

    nodes, _, _ = LatexWalker(text, tolerant_parsing=True).get_latex_nodes()
    finder = _Walk(text, single_dollars)
    finder.walk(nodes)
    return finder.found


class _Walk:
    def __init__(self, text: str, single_dollars: bool) -> None:
        self.text = text
        self.single_dollars = single_dollars
        self.found: list[Math] = []
        self.path: list[tuple[int, str]] = []
        self.headings = 0

    def walk(self, nodes: Any) -> None:
        from pylatexenc.latexwalker import LatexEnvironmentNode, LatexMacroNode, LatexMathNode

        for node in nodes or ():
            if isinstance(node, LatexMathNode):
                opening, closing = node.delimiters
                if opening == "$" and not self.single_dollars:
                    continue
                start, end = node.pos + len(opening), node.pos + node.len - len(closing)
                self.add(start, end, node.displaytype == "display")
            elif isinstance(node, LatexEnvironmentNode):
                name = node.environmentname.rstrip("*")
                if name in ENVIRONMENTS:
                    self.add(node.pos, node.pos + node.len, True)
                elif name not in _IGNORED:
                    self.walk(node.nodelist)
            elif isinstance(node, LatexMacroNode) and node.macroname in _SECTIONS:
                title = self._argument(node)
                if title is not None:
                    level = _SECTIONS[node.macroname]
                    self.path = [(lvl, t) for lvl, t in self.path if lvl < level] + [(level, title)]
                    self.headings += 1
                for argument in getattr(node.nodeargd, "argnlist", None) or []:
                    if argument is not None:
                        self.walk(getattr(argument, "nodelist", None))  # \\section{Sample 2: \\(x = 3\\)} gives x
            elif getattr(node, "nodelist", None):
                self.walk(node.nodelist)

    def _argument(self, node: Any) -> str | None:
        arguments = getattr(node.nodeargd, "argnlist", None) or []
        for argument in reversed(arguments):
            if argument is not None:
                return " ".join(self.text[argument.pos + 1:argument.pos + argument.len - 1].split())
        return None

    def add(self, start: int, end: int, display: bool) -> None:
        heading = self.path[-1][1] if self.path else None
        section = " / ".join(title for _, title in self.path) + f" (heading {self.headings})" if self.path else None
        self.found.append(Math(self.text[start:end], start, display, heading, section))


def _title(text: str) -> str | None:
    from pylatexenc.latexwalker import LatexMacroNode, LatexWalker

    nodes, _, _ = LatexWalker(text, tolerant_parsing=True).get_latex_nodes()
    stack = list(nodes or ())
    while stack:
        node = stack.pop(0)
        if isinstance(node, LatexMacroNode) and node.macroname == "title":
            arguments = getattr(node.nodeargd, "argnlist", None) or []
            for argument in reversed(arguments):
                if argument is not None:
                    return " ".join(text[argument.pos + 1:argument.pos + argument.len - 1].split())
        stack[0:0] = [n for n in getattr(node, "nodelist", None) or () if n is not None]
    return None
