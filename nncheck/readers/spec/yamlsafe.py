"""Read YAML into position-carrying nodes, refusing what a spec never needs.

ruamel.yaml's composer keeps every scalar's text as written (so "0.0580" keeps its digits) and the
line and column of every node. Anchors and aliases are refused before composing, which rules out
alias bombs; duplicate keys are refused by the loader that walks the nodes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from nncheck.errors import Location, SpecError

# Specs are small: the blog's is a few kilobytes. A cap bounds memory and time on hostile input.
MAX_BYTES = 1_000_000
# A spec nests mappings and lists about five deep (claims > claim > value > row); deeper is refused
# before the composer, which recurses, ever sees it.
MAX_NESTING = 32


def location(path: str, node_or_mark: Any) -> Location:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return Location(path, mark.line + 1, mark.column + 1)


def read_text(path: str) -> str:
    """The file's text, or a SpecError that says why it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise SpecError.at(Location(path, 1, 1), f"cannot read the spec: {error.strerror}") from None
    if len(data) > MAX_BYTES:
        raise SpecError.at(Location(path, 1, 1), f"the spec is over {MAX_BYTES:,} bytes; specs larger than that are refused")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SpecError.at(Location(path, line, 1), "the spec is not UTF-8 text") from None


def compose(text: str, path: str) -> Any:
    """The root node of one YAML document, or a SpecError with the parser's location.

    libyaml's C parser (through PyYAML's binding, composed by :class:`_Composer`) reads a large spec several times
    faster than ruamel.yaml's pure Python one and gives the same nodes, tags and marks, except for the few characters
    and constructs that _C_DIFFERS finds (those texts are read by the pure parser). Its error messages are terser,
    so a text it refuses is read again by the pure parser, whose message and location are the ones reported.
    """
    if _differs(text):
        return _compose(text, path, pure=True)
    try:
        return _compose(text, path, pure=False)
    except (SpecError, _Differs, ImportError):  # ImportError: no PyYAML built with libyaml (the pure parser reads)
        return _compose(text, path, pure=True)


class _Differs(Exception):
    """The C parser met something it places differently from the pure parser."""


# Where libyaml reads a text differently from the pure parser, the text goes to the pure parser only:
# tabs (accepted after a colon), NEL and the Unicode line and paragraph separators (line breaks to
# libyaml: a "# comment" could end early), a byte-order mark, lone surrogates, characters beyond the
# Basic Multilingual Plane (columns counted differently), directives (%YAML 1.1 would change types)
# and a block scalar's indicator followed by "#" (libyaml accepts it). Explicit tags, which libyaml
# resolves differently when malformed ("!!!str"), and empty values, which it marks at another column
# or line, are noticed while parsing (_Differs). A spec needs neither.
_C_DIFFERS = re.compile("[\t\x85\u2028\u2029\ufeff\ud800-\udfff\U00010000-\U0010ffff]|^%|[|>][-+0-9]*#", re.MULTILINE)


_BLOCK_HASH = re.compile("[|>][-+0-9]*#")


def _differs(text: str) -> bool:
    """``_C_DIFFERS.search(text)``, without running its character classes over an ASCII text (most specs): there
    only a tab, a directive or a block scalar's indicator before "#" can be found, and each is looked for alone."""
    if not text.isascii():
        return _C_DIFFERS.search(text) is not None
    if "\t" in text or text.startswith("%") or "\n%" in text:
        return True
    return "#" in text and ("|" in text or ">" in text) and _BLOCK_HASH.search(text) is not None


def _compose(text: str, path: str, *, pure: bool) -> Any:
    root = _compose_pure(text, path) if pure else _Composer(path).compose(text)  # the C path never loads ruamel.yaml
    if root is None:
        raise SpecError.at(Location(path, 1, 1), "the spec is empty")
    return root


def _compose_pure(text: str, path: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        yaml = YAML(typ="safe", pure=True)
        for _ in _check_events(yaml.parse(text), path, pure=True):
            pass
        return yaml.compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = location(path, mark) if mark is not None else Location(path, 1, 1)
        raise SpecError.at(where, f"not valid YAML: {error.problem or error.context}") from None
    except YAMLError as error:
        position = getattr(error, "position", None)  # a reader's error: a character YAML does not accept
        character = getattr(error, "character", None)
        if isinstance(position, int) and 0 <= position <= len(text) and character is not None:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            code = ord(character) if isinstance(character, str) else int(character)
            raise SpecError.at(Location(path, line, column),
                               f"not valid YAML: the control character U+{code:04X} is not allowed in YAML") from None
        raise SpecError.at(Location(path, 1, 1), f"not valid YAML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise SpecError.at(Location(path, 1, 1), "the YAML is nested too deeply") from None


def _check_events(events: Iterable[Any], path: str, *, pure: bool) -> Iterator[Any]:
    """The events, refused at the first anchor, alias or nesting beyond MAX_NESTING (raises SpecError); on the C
    parser also at an explicit tag or an empty scalar (raises _Differs: the pure parser reads those)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    depth = 0
    for event in events:
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            name = getattr(event, "anchor", "")
            raise SpecError.at(location(path, event), f"YAML anchors and aliases are not accepted (found {name!r}); write the value out")
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise SpecError.at(location(path, event), f"the YAML is nested more than {MAX_NESTING} levels deep; a spec needs about five")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        if not pure and (getattr(event, "tag", None) is not None or (isinstance(event, ScalarEvent) and event.value == "")):
            raise _Differs("libyaml reads tags, and marks empty values, differently")  # "!!!str 1"; "key:" and nothing
        yield event


# Nodes as ruamel.yaml's composer makes them, with the attributes the spec readers use (the readers tell the kinds
# apart by class name). Tags are plain strings, which compare equal to ruamel.yaml's Tag objects.
class ScalarNode:
    """A scalar; a plain one's tag is resolved on first use (most of a spec's scalars are numbers whose text alone
    the readers check, nncheck.printed.PLAIN_DECIMAL, and whose tag is then never read)."""

    __slots__ = ("_tag", "value", "start_mark", "style")

    def __init__(self, tag: str | None, value: str, start_mark: Any, style: str | None) -> None:
        self._tag, self.value, self.start_mark, self.style = tag, value, start_mark, style

    @property
    def tag(self) -> str:
        if self._tag is None:
            self._tag = _resolve(self.value)
        return self._tag


def _resolve(value: str) -> str:
    """A plain scalar's tag by ruamel.yaml's YAML 1.2 implicit resolvers; a string when none matches."""
    for candidate, pattern in _implicit_tags().get(value[:1], ()):
        if pattern.match(value):
            return str(candidate)
    return _STR


class SequenceNode:
    __slots__ = ("tag", "value", "start_mark")

    def __init__(self, tag: str, start_mark: Any) -> None:
        self.tag, self.start_mark = tag, start_mark
        self.value: list[Any] = []


class MappingNode:
    __slots__ = ("tag", "value", "start_mark")

    def __init__(self, tag: str, start_mark: Any) -> None:
        self.tag, self.start_mark = tag, start_mark
        self.value: list[tuple[Any, Any]] = []


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


@functools.lru_cache(maxsize=1)
def _implicit_tags() -> dict[str, tuple[tuple[str, Any], ...]]:
    """ruamel.yaml's implicit resolvers for YAML 1.2 (the version a spec is read in), by a plain scalar's first
    character: the first pattern that matches gives the tag, and a scalar nothing matches is a string."""
    from ruamel.yaml.resolver import VersionedResolver

    table = VersionedResolver(version=(1, 2)).versioned_resolver
    anywhere = tuple((str(tag), pattern) for tag, pattern in table.get(None, ()))
    return {first: tuple((str(tag), pattern) for tag, pattern in resolvers) + anywhere
            for first, resolvers in table.items() if first is not None}


class _Composer:
    """One document's nodes from libyaml's events, in the one pass that also refuses anchors, aliases and deep
    nesting as :func:`_check_events` does. The events come from PyYAML's binding of libyaml (``yaml._yaml.CParser``),
    the fastest the machine has: its event records are built with one constructor call each, where
    ruamel.yaml.clib's take three. Only the event stream is PyYAML's: tags are resolved by ruamel.yaml's YAML 1.2
    table (:func:`_resolve`), and every error is worded by ruamel.yaml's pure parser. A stream this composer does
    not expect (an explicit tag, an empty scalar, a second document, a text libyaml refuses) goes to the pure parser
    (raises _Differs)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def compose(self, text: str) -> Any:
        from yaml import YAMLError
        from yaml._yaml import CParser  # PyYAML built with libyaml (raises ImportError without it)
        from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                                 SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

        parser = CParser(text)
        get: Any = parser.get_event  # events told apart by their exact class, below
        stack: list[Any] = []  # open collections; a mapping's pending key rides along
        keys: list[Any] = []
        root: Any = None
        documents = 0
        try:
            while True:
                event = get()
                kind = type(event)
                if kind is ScalarEvent:
                    if event.anchor or event.tag is not None or event.value == "":
                        self._refuse(event)
                    node: Any = ScalarNode(None if event.implicit[0] else _STR, event.value, event.start_mark, event.style)
                    if not stack:
                        root = node
                        continue
                elif kind is SequenceEndEvent or kind is MappingEndEvent:
                    node = stack.pop()
                    keys.pop()
                    if not stack:
                        continue
                elif kind is SequenceStartEvent or kind is MappingStartEvent:
                    if event.anchor or event.tag is not None:
                        self._refuse(event)
                    if len(stack) >= MAX_NESTING:
                        raise SpecError.at(location(self.path, event),
                                           f"the YAML is nested more than {MAX_NESTING} levels deep; a spec needs about five")
                    node = (SequenceNode(_SEQ, event.start_mark) if kind is SequenceStartEvent
                            else MappingNode(_MAP, event.start_mark))
                    if not stack:
                        root = node
                    stack.append(node)
                    keys.append(None)
                    continue
                elif kind is AliasEvent:
                    self._refuse(event)
                elif kind is DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise _Differs("a second document")  # the pure parser words this error
                    continue
                elif event is None or kind is StreamEndEvent:
                    return root
                else:
                    continue
                # A scalar, or a collection just closed: into the open collection (a mapping's key waits for its value).
                parent = stack[-1]
                if parent.__class__ is SequenceNode:
                    parent.value.append(node)
                elif keys[-1] is None:
                    keys[-1] = node
                else:
                    parent.value.append((keys[-1], node))
                    keys[-1] = None
        except YAMLError as error:
            raise _Differs(f"libyaml refuses the text: {error}") from None  # the pure parser words this error
        finally:
            parser.dispose()

    def _refuse(self, event: Any) -> None:
        """An anchor or alias (SpecError, worded as _check_events words it), or an explicit tag or empty scalar
        (_Differs)."""
        if event.anchor:
            raise SpecError.at(location(self.path, event), f"YAML anchors and aliases are not accepted (found "
                                                           f"{event.anchor!r}); write the value out")
        raise _Differs("libyaml reads tags, and marks empty values, differently")  # "!!!str 1"; "key:" and nothing
