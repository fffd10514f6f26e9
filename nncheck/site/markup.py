"""Markdown building blocks that keep spec text inert: text, anchors, links, math and code fences.

Everything a spec supplies (titles, sources, steps, ids, LaTeX) reaches a page only through these
functions. Text becomes plain characters plus numeric character references for every character
that Markdown, its extensions (attr_list, arithmatex's ``$`` and ``\\(``) or HTML could read as
syntax, so it shows literally and cannot open a tag, a link, an emphasis or a math span.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Characters that mean something to Markdown, attr_list, arithmatex or HTML anywhere in a line.
SYNTAX = frozenset("\\`*_{}[]()<>#!|$&~^\"")
# Characters that open a block (a list, a rule, a setext heading, a definition) at the start of a line.
LINE_START = frozenset("-+=:")


def _opens_block(cleaned: str, position: int) -> bool:
    """Whether the character at ``position`` could start a list or rule if the text began a line."""
    after = cleaned[position + 1:position + 2]
    if position == 0 and cleaned[0] in LINE_START:
        return after in ("", " ", cleaned[0])
    return cleaned[position] in ".)" and cleaned[:position].isdigit() and after in ("", " ")


def text(value: str) -> str:
    """Inline text that renders as exactly these characters (control characters and newlines become spaces, ends trimmed).

    Safe anywhere a line of Markdown may hold text, including at its start: "1. " or "- " cannot open a list.
    """
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value).strip()
    return "".join(f"&#{ord(ch)};" if ch in SYNTAX or _opens_block(cleaned, i) else ch for i, ch in enumerate(cleaned))


def anchor(value: str, taken: set[str], prefix: str = "") -> str:
    """An HTML id or file stem made only of [a-z0-9-], unique among ``taken`` (which it extends)."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"
    base = f"{prefix}-{slug}" if prefix else slug
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"`\\]+")


def source(value: str) -> str:
    """A document's source: a link when it is a plain http(s) address, else text."""
    if _WEB_ADDRESS.fullmatch(value) is None:
        return text(value)
    target = quote(value, safe=":/?#[]@!&'*+,;=-._~%")
    target = target.replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D").replace("*", "%2A")
    return f"[{text(value)}]({target})"


def _fence_for(body: str) -> str:
    """A backtick fence longer than any run of backticks in the body, so no line of it can close the block."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def fenced(language: str, body: str) -> str:
    """A fenced block whose content is shown verbatim (``math`` blocks are rendered by the nncheck-mathml plugin)."""
    lines = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    fence = _fence_for(lines)
    return f"{fence}{language}\n{lines}\n{fence}\n"


def math_inline(latex: str) -> str:
    """Inline math for trusted LaTeX built by nncheck itself (never spec text: that goes through ``fenced``)."""
    assert "$" not in latex and "\n" not in latex, latex
    return f"${latex}$"


def cell(value: str) -> str:
    """A table cell: text, with the pipe escaped like everything else."""
    return text(value)
