"""What a page has established so far: its names' values in the true chain and in its own numbers.

A page has a true chain as a spec does: its givens (exact as written) and its formulas. Each name
the page binds carries three values: the **true** value (the formulas over the givens), and the
document's **own** numbers, as printed (``point``) and as ranges (``interval``: a printed result
stands for its rounding interval unless it is exactly the true value). ``sources`` names the
statements whose printed values, differing from the true ones, entered the own numbers: what a
carried value carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nncheck.audit.ledger import Entry, Ledger
from nncheck.expr.evaluate import wrap
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import Printed


@dataclass(frozen=True, slots=True)
class Value:
    """A quantity in the three frames, with the statements its own numbers carry."""

    true: Array
    point: Array
    interval: Array
    sources: tuple[frozenset[str], ...] = ()  # per element (row-major); () when no element carries anything

    @classmethod
    def exact(cls, true: Array) -> Value:
        return cls(true, true, true)

    @classmethod
    def carrying(cls, true: Array, point: Array, interval: Array, sources: frozenset[str]) -> Value:
        """A value whose every element carries ``sources``."""
        return cls(true, point, interval, (sources,) * int(true.size) if sources else ())

    def carried(self, index: int | None = None) -> frozenset[str]:
        """The statements element ``index`` (None: any element) carries."""
        if not self.sources:
            return frozenset()
        if index is None:
            return frozenset().union(*self.sources)
        return self.sources[index]

    def element(self, index: int) -> Value:
        """Element ``index`` (row-major) as a value of its own: a component p_2 of a vector p."""
        sources = (self.sources[index],) if self.sources else ()
        return Value(wrap(self.true.reshape(-1)[index]), wrap(self.point.reshape(-1)[index]),
                     wrap(self.interval.reshape(-1)[index]), sources)

    def with_element(self, index: int, element: Value) -> Value:
        """This value with element ``index`` replaced by ``element`` in the own frames (the true value stays)."""
        point, interval = self.point.copy(), self.interval.copy()
        point.reshape(-1)[index] = element.point.reshape(-1)[0]
        interval.reshape(-1)[index] = element.interval.reshape(-1)[0]
        sources = list(self.sources or (frozenset(),) * int(self.true.size))
        sources[index] = element.carried()
        return replace(self, point=point, interval=interval, sources=tuple(sources) if any(sources) else ())

    def restated(self, index: int, printed: Printed, ref: str) -> Value:
        """This value with element ``index`` replaced, in the own frames, by a printed statement of it."""
        point, interval = self.point.copy(), self.interval.copy()
        flat_point, flat_interval = point.reshape(-1), interval.reshape(-1)
        exact, standing = statement_frames(printed, self.true.reshape(-1)[index])
        flat_point[index], flat_interval[index] = exact, standing
        sources = list(self.sources or (frozenset(),) * int(self.true.size))
        sources[index] = frozenset() if standing is exact else frozenset({ref})
        return replace(self, point=point, interval=interval, sources=tuple(sources) if any(sources) else ())


def statement_frames(printed: Printed, true: Real) -> tuple[Real, Real]:
    """A printed statement's value in the own frames: its digits, and its rounding interval unless it is exactly ``true``."""
    exact = Real(exact=printed.value)
    if true.exact is not None and true.exact == printed.value:
        return exact, exact
    return exact, Real.interval(printed.value, printed.half_unit)


def cell_value(printed: Printed, true: Real, source: str | None) -> Value:
    """A printed number standing for ``true`` (a restated result, a substituted value)."""
    exact, standing = statement_frames(printed, true)
    sources = frozenset({source}) if source is not None and standing is not exact else frozenset()
    return Value.carrying(wrap(true), wrap(exact), wrap(standing), sources)


@dataclass(frozen=True, slots=True)
class Binding:
    """A name's value and how the page gave it: a formula (``computed``) or a given, in which section."""

    value: Value
    computed: bool
    section: str | None
    generation: int  # a new binding of the same name is another quantity: statements are compared within one
    formula: Any = None  # the expression that computed it (a judge's Side), to recompute when what it reads is re-bound
    reads: tuple[tuple[str, int], ...] = ()  # the names the formula read, with their generations then
    element: int | None = None  # set on the view of one component of a vector (p_2 of p)
    recomputed: bool = False  # a formula's value recomputed after a name it read was given anew
    # The own value of the formula that computed it, over the page's printed operands, before any statement of the
    # name itself restated it: what a later statement of the name that is not a repeat is judged with (None: a given,
    # or a value the page printed with no formula, which has no own value).
    own: Value | None = None


COMPONENT = re.compile(r"(?P<base>.+)_(?P<index>[0-9]+|[0-9]+,[0-9]+)")


class Bindings(dict[str, Binding]):
    """Names and their bindings; ``p_2`` also names the second component of a bound vector ``p`` (counted from 1),
    and ``A_{12}`` or ``A_{1,2}`` the entry in row 1, column 2 of a bound matrix ``A``.

    A component is a view: reading it gives a scalar binding of the vector's generation, and
    :meth:`State.update` writes a statement of it back into the vector. A page that numbers a vector's
    components from 0 (classes 0, 1, 2) says so by the values it substitutes: ``zero_based`` holds those vectors.
    """

    zero_based: set[str]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.zero_based = set()

    def component(self, name: str) -> tuple[str, int] | None:
        if dict.__contains__(self, name):
            return None
        match = COMPONENT.fullmatch(name)
        if match is None or not dict.__contains__(self, match["base"]):
            return None
        true = dict.__getitem__(self, match["base"]).value.true
        written = match["index"]
        if sum(1 for n in true.shape if n > 1) == 1 and "," not in written:
            index = int(written) - (0 if match["base"] in self.zero_based else 1)
            return (match["base"], index) if 0 <= index < true.size else None
        if true.ndim != 2 or min(true.shape) < 2:
            return None
        # A_{12} or A_{1,2}: row 1, column 2 (two digits only when the matrix has at most 9 rows and columns)
        if "," in written:
            row, column = (int(part) for part in written.split(","))
        elif len(written) == 2 and max(true.shape) <= 9:
            row, column = int(written[0]), int(written[1])
        else:
            return None
        if not (1 <= row <= true.shape[0] and 1 <= column <= true.shape[1]):
            return None
        return match["base"], (row - 1) * true.shape[1] + column - 1

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or (isinstance(name, str) and self.component(name) is not None)

    def __getitem__(self, name: str) -> Binding:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        found = self.component(name)
        if found is None:
            raise KeyError(name)
        base, index = found
        binding = dict.__getitem__(self, base)
        own = None if binding.own is None else binding.own.element(index)
        return replace(binding, value=binding.value.element(index), element=index, formula=None, reads=(), own=own)

    def get(self, name: str, default: Binding | None = None) -> Binding | None:  # type: ignore[override]
        return self[name] if name in self else default


@dataclass(frozen=True, slots=True)
class Result:
    """An earlier printed result, found again by its digits when a later step uses it."""

    true: Real
    negative: bool
    ref: str
    section: str | None = None  # where it was printed


Key = tuple[str, int, int, int]  # (name, generation, size, index)


class FrameView(Mapping[str, Array]):
    """A name's value in one frame, read lazily from the bindings (no copy per evaluation)."""

    def __init__(self, bindings: Mapping[str, Binding], frame: str) -> None:
        self.bindings, self.frame = bindings, frame

    def __getitem__(self, name: str) -> Array:
        return getattr(self.bindings[name].value, self.frame)  # type: ignore[no-any-return]

    def __contains__(self, name: object) -> bool:
        return name in self.bindings

    def __iter__(self) -> Iterator[str]:
        return iter(self.bindings)

    def __len__(self) -> int:
        return len(self.bindings)


_MISSING = object()


@dataclass
class State:
    """Everything established before the formula being judged.

    A formula is judged on the state itself; every change is journalled, so that a judgement the
    enclosures cannot settle is undone (:meth:`rollback`) and made again at a higher precision.
    Undoing costs what the formula changed, not the size of the page.
    """

    bindings: Bindings = field(default_factory=Bindings)
    results: dict[tuple[str, bool], Result] = field(default_factory=dict)  # (unsigned digits, negative) -> latest result
    ledger: Ledger[Key] = field(default_factory=Ledger)
    generations: int = 0
    euler_is_name: bool = False
    refs: dict[str, int] = field(default_factory=dict)  # how often each name got an id: z_2, z_2#2, ...
    last_chain: tuple[Any, ...] = ()  # the sides of the last equation, for a display that begins with "="
    # Sections that bound anew a name bound in another section: each holds another example (or epoch).
    new_examples: set[str | None] = field(default_factory=set)
    # Sections that substituted a given of another section unchanged: they go on with that section's example, so a
    # given substituted there with other digits later is a conflict, not another example.
    continuing: set[str | None] = field(default_factory=set)
    earlier_bindings: dict[str, tuple[Binding, ...]] = field(default_factory=dict)  # each name's bindings before its latest
    journal: list[Callable[[], None]] = field(default_factory=list)
    # Printed numbers that repeat an earlier statement digit for digit (a value substituted again, a result restated
    # in later arithmetic): document offset -> the statement's ref. ``nncheck fix`` rewrites them with it.
    copies: dict[int, str] = field(default_factory=dict)

    def mark(self) -> int:
        """A point to roll back to."""
        return len(self.journal)

    def rollback(self, mark: int) -> None:
        """Undo every change made since ``mark``."""
        while len(self.journal) > mark:
            self.journal.pop()()

    def commit(self) -> None:
        """Forget the journal: what was judged stands."""
        self.journal.clear()

    def put(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        """``mapping[key] = value``, journalled."""
        old = dict.get(mapping, key, _MISSING)
        self.journal.append(lambda: dict.__delitem__(mapping, key) if old is _MISSING else dict.__setitem__(mapping, key, old))
        dict.__setitem__(mapping, key, value)

    def record(self, key: Key, entry: Entry) -> None:
        """A statement, into the ledger, journalled."""
        self.ledger.record(key, entry)
        self.journal.append(lambda: self.ledger.unrecord(key))

    def go_on(self, section: str | None) -> None:
        """``section`` goes on with an example given in another section (journalled)."""
        if section not in self.continuing:
            self.continuing.add(section)
            self.journal.append(lambda: self.continuing.discard(section))

    def count_from_zero(self, base: str) -> None:
        """The page numbers the components of vector ``base`` from 0 (journalled)."""
        if base not in self.bindings.zero_based:
            self.bindings.zero_based.add(base)
            self.journal.append(lambda: self.bindings.zero_based.discard(base))

    def count_ref(self, name: str) -> int:
        """How often ``name`` has been given an id, this one included."""
        count = self.refs.get(name, 0) + 1
        self.put(self.refs, name, count)
        return count

    def continue_from(self, sides: tuple[Any, ...]) -> None:
        old = self.last_chain
        self.journal.append(lambda: setattr(self, "last_chain", old))
        self.last_chain = sides

    def reopen(self, sides: tuple[Any, ...]) -> None:
        """A display that begins with "=" judges the last chain again with its own sides (``sides``): an update that
        chain made (w ← w - η g, its formula one of ``sides``) is undone first, so that it is made once, from the
        value it replaces (journalled)."""
        for name, binding in list(dict.items(self.bindings)):
            formula = binding.formula
            if formula is None or not any(formula is side for side in sides) or name not in formula.reads:
                continue
            earlier = self.earlier_bindings.get(name, ())
            if earlier:
                self.put(self.earlier_bindings, name, earlier[:-1])
                self.put(self.bindings, name, earlier[-1])

    def bind(self, name: str, value: Value, *, computed: bool, section: str | None, formula: Any = None,
             recomputed: bool = False, update: bool = False, own: Value | None = None) -> None:
        """Bind ``name`` anew. Binding in another section a name bound before marks that section as another example
        (or epoch), unless it is an ``update`` (w ← w − η g, a formula that reads the name it binds): the same
        example goes on, and every other name keeps its quantity there."""
        old = self.generations
        self.journal.append(lambda: setattr(self, "generations", old))
        self.generations += 1
        # An update (w = w - η g) reads the value it replaces: not a dependency to recompute it from.
        reads = tuple((n, self.bindings[n].generation) for n in getattr(formula, "reads", ()) if n in self.bindings and n != name)
        previous = self.bindings.get(name)
        if previous is not None:
            self.put(self.earlier_bindings, name, self.earlier_bindings.get(name, ()) + (previous,))
        if previous is not None and previous.section != section and not update and section not in self.new_examples:
            self.new_examples.add(section)
            self.journal.append(lambda: self.new_examples.discard(section))
        self.put(self.bindings, name, Binding(value, computed, section, self.generations, formula, reads,
                                             recomputed=recomputed, own=own))

    def update(self, name: str, value: Value) -> None:
        component = self.bindings.component(name)
        if component is None:
            self.put(self.bindings, name, replace(self.bindings[name], value=value))
            return
        base, index = component
        binding = dict.__getitem__(self.bindings, base)
        self.put(self.bindings, base, replace(binding, value=binding.value.with_element(index, value)))

    def key(self, name: str, index: int) -> Key:
        component = self.bindings.component(name)
        if component is not None:
            base, element = component
            binding = dict.__getitem__(self.bindings, base)
            return (base, binding.generation, int(binding.value.true.size), element)
        binding = self.bindings[name]
        return (name, binding.generation, int(binding.value.true.size), index)

    def stale(self, name: str) -> bool:
        """Whether a formula's value read a name that another example has given anew since (or that was
        recomputed for that reason). A name the page computed anew by a formula of its own does not make
        it stale: w_1 = w_0 - η ∂L/∂w stays step 1's w_1 when step 2 computes its own ∂L/∂w. Nor is an update
        (w ← w - η g): the value it read is the one it replaced, so it cannot be computed again."""
        binding = self.bindings.get(name)
        if binding is None or binding.formula is None or name in binding.formula.reads:
            return False
        for read, generation in binding.reads:
            current = self.bindings.get(read)
            if current is not None and current.generation != generation and (not current.computed or current.recomputed):
                return True
        return False

    def superseded(self, name: str, index: int, printed: Printed) -> bool:
        """Whether ``printed`` is, digit for digit, element ``index`` of a value ``name`` had before its latest
        binding: an exact given with that value, or a statement printed with those digits."""
        for old in self.earlier_bindings.get(name, ()):
            size = int(old.value.true.size)
            if index >= size:
                continue
            true = old.value.true.reshape(-1)[index]
            if not old.computed and true.exact is not None and true.exact == printed.value:
                return True
            latest = self.ledger.latest((name, old.generation, size, index))
            if latest is not None and latest.printed.digits == printed.digits:
                return True
        return False

    def learn(self, printed: Printed, true: Real, ref: str, section: str | None = None) -> None:
        """A printed result: a later step that uses these digits uses this quantity."""
        if "." in printed.text:
            self.put(self.results, (printed.text.lstrip("-\u2212+"), printed.value < 0),
                     Result(true, printed.value < 0, ref, section))

    def result(self, digits: str, negative: bool) -> Result | None:
        """The latest printed result with these digits (unsigned) and sign."""
        return self.results.get((digits.lstrip("-\u2212+"), negative))

    def vector_of(self, score: Real) -> tuple[str, int] | None:
        """The latest bound vector with an element that is ``score``, and its index (for softmax of one score).

        An element is the score when both are the same exact rational, or the same computed quantity
        (a rounded result restated by its digits stands for the very value the vector holds).
        """
        for name in reversed(list(self.bindings)):
            true = self.bindings[name].value.true
            if true.size < 2 or sum(1 for n in true.shape if n > 1) > 1:
                continue
            for index, element in enumerate(true.reshape(-1)):
                if element is score or (element.exact is not None and element.exact == score.exact):
                    return name, index
        return None


def as_array(values: list[Real], shape: tuple[int, ...]) -> Array:
    result = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        result[i] = value
    return result.reshape(shape)
