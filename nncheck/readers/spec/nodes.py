"""Typed readers over YAML nodes that record problems with their locations instead of raising."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from nncheck.errors import Location, Problem, SpecError
from nncheck.printed import PLAIN_DECIMAL, Printed, parse_printed
from nncheck.readers.spec.yamlsafe import ScalarNode, location

SCALAR = "ScalarNode"
SEQUENCE = "SequenceNode"
MAPPING = "MappingNode"
TEXT_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# Plain decimals (PLAIN_DECIMAL), each ended by a newline: a row of them checked at once.
_PLAIN_LINES = re.compile(f"(?:{PLAIN_DECIMAL.pattern}\n)*")
# Nested number lists deeper than a matrix are refused before they are walked.
MAX_RANK = 2


def kind(node: Any) -> str:
    return type(node).__name__


def describe(node: Any) -> str:
    """How a node reads to a person: its text for a scalar (with its tag when that is not a string's, an integer's or
    a float's: "'0.5' tagged !foo"), else 'a list' or 'a mapping'."""
    if kind(node) == SCALAR:
        tag = str(node.tag)
        if tag in TEXT_TAGS or tag in _PLAIN_TAGS:
            return repr(node.value)
        return f"{node.value!r} tagged {_short(tag)}"
    return {SEQUENCE: "a list", MAPPING: "a mapping"}.get(kind(node), "something else")


# Tags of plain scalars that are read as they are written (true, null): named by their text alone.
_PLAIN_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")


def _short(tag: str) -> str:
    """A tag as written in YAML: tag:yaml.org,2002:binary is !!binary; a local tag keeps its "!"."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


@dataclass
class Elements:
    """Numbers read from a scalar or nested list: shape, and each element with its index and node."""

    shape: tuple[int, ...]
    items: list[tuple[tuple[int, ...], Any, Any]] = field(default_factory=list)  # (index, Printed or text, node)


@dataclass
class Reader:
    path: str
    problems: list[Problem] = field(default_factory=list)

    def at(self, node: Any) -> Location:
        return location(self.path, node)

    def problem(self, node: Any, message: str) -> None:
        self.problems.append(Problem(self.at(node), message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise SpecError(sorted(self.problems, key=lambda p: (p.location.line, p.location.column)))

    def mapping(self, node: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...] = (), *, open_keys: bool = False) -> dict[str, Any] | None:
        """A mapping's values by key; unknown (unless ``open_keys``), duplicate and missing keys are problems."""
        if kind(node) != MAPPING:
            self.problem(node, f"{what} must be a mapping, found {describe(node)}")
            return None
        accepted = required + optional
        found: dict[str, Any] = {}
        for key, value in node.value:
            if kind(key) != SCALAR:
                self.problem(key, f"keys of {what} must be plain words, found {describe(key)}")
                continue
            name = str(key.value)
            if name in found:
                self.problem(key, f"duplicate key {name!r} in {what}")
            elif name not in accepted and not open_keys:
                self.problem(key, f"unknown key {name!r} in {what}; expected one of: {', '.join(accepted)}")
            else:
                found[name] = value
        missing = [name for name in required if name not in found]
        if missing:
            self.problem(node, f"{what} is missing {', '.join(repr(m) for m in missing)}")
        return found

    def sequence(self, node: Any, what: str) -> list[Any] | None:
        if kind(node) != SEQUENCE:
            self.problem(node, f"{what} must be a list, found {describe(node)}")
            return None
        return list(node.value)

    def string(self, node: Any, what: str) -> str | None:
        if kind(node) != SCALAR or node.tag not in TEXT_TAGS:
            self.problem(node, f"{what} must be text, found {describe(node)}")
            return None
        return str(node.value)

    def choice(self, node: Any, what: str, accepted: Any) -> str | None:
        text = self.string(node, what)
        if text is not None and text not in accepted:
            self.problem(node, f"{what}={text!r} is not known; expected one of: {', '.join(accepted)}")
            return None
        return text

    def boolean(self, node: Any, what: str) -> bool | None:
        if kind(node) == SCALAR and node.tag == "tag:yaml.org,2002:bool":
            return str(node.value).lower() == "true"
        self.problem(node, f"{what} must be true or false, found {describe(node)}")
        return None

    def integer(self, node: Any, what: str, minimum: int = 0) -> int | None:
        if kind(node) == SCALAR and node.tag == "tag:yaml.org,2002:int":
            try:
                value = int(str(node.value), 10)
            except ValueError:
                value = -1
            if value >= minimum:
                return value
        self.problem(node, f"{what} must be a whole number of at least {minimum}, found {describe(node)}")
        return None

    def number(self, node: Any, what: str) -> Printed | None:
        """A number as printed; quoted or plain, its digits are kept as written."""
        if node.__class__ is ScalarNode and PLAIN_DECIMAL.fullmatch(node.value):
            return parse_printed(node.value)  # from the C composer, with no explicit tag: int, float or str
        if kind(node) != SCALAR or node.tag not in TEXT_TAGS:
            self.problem(node, f"{what} must be a number, found {describe(node)}")
            return None
        text = str(node.value)
        if text == "TODO":
            self.problem(node, f"{what} is TODO: `nncheck extract` could not find it on the page; write it in")
            return None
        try:
            return parse_printed(text)
        except ValueError as error:
            lowered = text.strip().lower().lstrip("+-")
            if lowered in ("nan", ".nan", "inf", ".inf", "infinity", ".infinity"):
                self.problem(node, f"{what}={text!r}: NaN and infinities are not numbers a document can state")
            else:
                self.problem(node, f"{what}: {error}")
            return None

    def text(self, node: Any, what: str) -> str | None:
        """A number as printed, checked as :meth:`number` checks it, as its text (the stripped digits parse_printed
        reads): a plain decimal of at most 80 digits is taken as it stands, anything else goes through :meth:`number`."""
        if node.__class__ is ScalarNode and PLAIN_DECIMAL.fullmatch(node.value):
            return node.value  # as in number
        printed = self.number(node, what)
        return None if printed is None else printed.text

    def numbers(self, node: Any, what: str, *, texts: bool = False) -> Elements | None:
        """A number, a list of numbers, or a list of equal-length lists of numbers; each as a Printed, or with
        ``texts`` as its checked text (:meth:`text`)."""
        read = self.text if texts else self.number
        if kind(node) == SCALAR:
            printed = read(node, what)
            return None if printed is None else Elements((), [((), printed, node)])
        rows = self.sequence(node, what)
        if rows is None:
            return None
        if not rows:
            self.problem(node, f"{what} is an empty list")
            return None
        plain = PLAIN_DECIMAL.fullmatch
        if kind(rows[0]) == SCALAR and not all(kind(row) == SCALAR for row in rows):  # a vector with a list in it
            i, odd = next((i, row) for i, row in enumerate(rows) if kind(row) != SCALAR)
            self.problem(odd, f"{what}[{i}] must be a number, found {describe(odd)}")
            return None
        if all(kind(row) == SCALAR for row in rows):
            result = Elements((len(rows),))
            for i, row in enumerate(rows):
                if row.__class__ is ScalarNode and plain(row.value):  # as in number and text, without naming it
                    printed = row.value if texts else parse_printed(row.value)
                else:
                    printed = read(row, f"{what}[{i}]")
                    if printed is None:
                        return None
                result.items.append(((i,), printed, row))
            return result
        result = Elements((len(rows), 0))
        for i, row in enumerate(rows):
            cells = self.sequence(row, f"row {i} of {what}")
            if cells is None:
                return None
            if i == 0:
                result.shape = (len(rows), len(cells))
            elif len(cells) != result.shape[1]:
                self.problem(row, f"row {i} of {what} has {len(cells)} entries; row 0 has {result.shape[1]}")
                return None
            if all(cell.__class__ is ScalarNode for cell in cells):  # a row of plain decimals: checked in one pass
                values = [cell.value for cell in cells]
                if _PLAIN_LINES.fullmatch("\n".join(values) + "\n") is not None:
                    result.items.extend(zip(zip(repeat(i), range(len(cells))),
                                            values if texts else map(parse_printed, values), cells))
                    continue
            for j, cell in enumerate(cells):
                if cell.__class__ is ScalarNode and plain(cell.value):  # as in number and text, without naming it
                    result.items.append(((i, j), cell.value if texts else parse_printed(cell.value), cell))
                    continue
                if kind(cell) != SCALAR:
                    self.problem(cell, f"{what}[{i}][{j}] must be a number, found {describe(cell)}; at most {MAX_RANK} levels of lists are accepted")
                    return None
                printed = read(cell, f"{what}[{i}][{j}]")
                if printed is None:
                    return None
                result.items.append(((i, j), printed, cell))
        if result.shape[1] == 0:
            self.problem(node, f"{what} has empty rows")
            return None
        return result
