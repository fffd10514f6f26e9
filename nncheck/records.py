"""The records passed between stages: readers -> document -> network -> audit -> report. All frozen."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar, overload

from nncheck.errors import Location
from nncheck.expr.nodes import Chain, Node
from nncheck.printed import Printed, parse_printed
from nncheck.quantities import Architecture

# The diagnosis explains this many findings, in document order, unless told otherwise (nncheck audit
# --diagnose): each one recomputes its step a few hundred times, up to a second for a 64-wide layer.
# Here rather than in nncheck.audit so that the command line can show it without loading the audit.
DEFAULT_DIAGNOSE_LIMIT = 100

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]
Index = tuple[int, ...]

# leaky_relu's slope for negative inputs when a document gives none: PyTorch's default.
DEFAULT_NEGATIVE_SLOPE = Fraction(1, 100)


@dataclass(frozen=True, slots=True)
class Layer:
    """One dense layer: z = W·a + b, then the activation."""

    weights: Matrix
    bias: Vector
    activation: str
    # Slope of leaky_relu for negative inputs.
    negative_slope: Fraction = DEFAULT_NEGATIVE_SLOPE


@dataclass(frozen=True, slots=True)
class Conventions:
    """Choices a document makes where the mathematics leaves room."""

    # ReLU'(0): PyTorch (and most frameworks) use 0.
    relu_grad_at_zero: Fraction = Fraction(0)
    update_biases: bool = True


@dataclass(frozen=True, slots=True)
class Network:
    layers: tuple[Layer, ...]
    loss: str
    input: Vector
    target: Vector
    learning_rate: Fraction | None = None
    conventions: Conventions = field(default_factory=Conventions)

    @property
    def architecture(self) -> Architecture:
        widths = (len(self.input),) + tuple(len(layer.bias) for layer in self.layers)
        jacobian = frozenset(i + 1 for i, layer in enumerate(self.layers) if layer.activation == "softmax")
        return Architecture(widths=widths, jacobian_layers=jacobian)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a statement stands: in the document (step, equation, line) and in the spec file."""

    step: str
    spec: Location
    latex: str | None = None
    document_line: int | None = None
    latex_at: Location | None = None  # of the spec's latex: scalar (its quote, if quoted), for nncheck fix


@dataclass(frozen=True, slots=True)
class Stated:
    """One printed number standing for one element of a named quantity."""

    ref: str  # unique id: the claim id, an element index, and ":quantity" for a value a step used
    claim_id: str
    quantity: str  # canonical name
    index: Index
    printed: Printed
    place: Place
    location: Location  # of the number itself in the spec
    used_by: str | None = None  # the claim whose step used this value, if it was used rather than stated


T = TypeVar("T")


class LazyTuple(Sequence[T]):
    """A tuple whose items are made on first use (:meth:`_make`, once), and that compares, hashes and pickles as that
    tuple. Subclasses give ``__len__`` without making the items."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: tuple[T, ...] | None = None

    def _make(self) -> tuple[T, ...]:
        raise NotImplementedError

    @property
    def made(self) -> bool:
        """Whether the items have been made."""
        return self._made is not None

    def _items(self) -> tuple[T, ...]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __len__(self) -> int:
        raise NotImplementedError

    @overload
    def __getitem__(self, item: int) -> T: ...
    @overload
    def __getitem__(self, item: slice) -> tuple[T, ...]: ...
    def __getitem__(self, item: int | slice) -> T | tuple[T, ...]:
        return self._items()[item]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LazyTuple, tuple)):
            return self._items() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items())

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (self._items(),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} items)"


class StatedArray(LazyTuple[Stated]):
    """The printed numbers of one claim's value, read and checked but not yet made into :class:`Stated` records.

    Each record is made on first use (then kept), so an audit that judges a whole claim at once
    (:mod:`nncheck.audit.bulk`) never makes one for a 64×64 matrix that holds throughout. ``texts[k]`` is element
    ``indices[k]`` as printed, a plain decimal :func:`nncheck.printed.parse_printed` reads; ``cells[k]`` is where it
    stands, made a :class:`Location` by ``locate``. ``ordered``: the indices are all of the quantity's, in row-major
    order (as written, not transposed). Compares, hashes and pickles as the tuple of its records.
    """

    __slots__ = ("claim_id", "quantity", "place", "indices", "texts", "cells", "locate", "ordered")

    def __init__(self, claim_id: str, quantity: str, place: Place, indices: tuple[Index, ...], texts: tuple[str, ...],
                 cells: tuple[Any, ...], locate: Callable[[Any], Location], *, ordered: bool = False) -> None:
        super().__init__()
        self.claim_id, self.quantity, self.place = claim_id, quantity, place
        self.indices, self.texts, self.cells, self.locate = indices, texts, cells, locate
        self.ordered = ordered  # the indices are every index of the quantity, in row-major order

    def refs(self, positions: range | None = None) -> list[str]:
        """The ids of the elements (of those at ``positions``): the claim id, with the index when there are several."""
        chosen = range(len(self.texts)) if positions is None else positions
        if len(self.texts) == 1:
            return [self.claim_id for _ in chosen]
        return [self.claim_id + "[" + ",".join(map(str, self.indices[k])) + "]" for k in chosen]

    def _make(self) -> tuple[Stated, ...]:
        return tuple(
            Stated(ref=ref, claim_id=self.claim_id, quantity=self.quantity, index=index, printed=parse_printed(text),
                   place=self.place, location=self.locate(cell))
            for ref, index, text, cell in zip(self.refs(), self.indices, self.texts, self.cells))

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement of the document: a quantity (or one element of it) and the values its step used."""

    id: str
    quantity: str
    place: Place
    elements: tuple[Stated, ...] | StatedArray
    uses: tuple[Stated, ...] = ()


@dataclass(frozen=True, slots=True)
class Equation:
    """Arithmetic the document shows that is not a named quantity: ``expression = value``."""

    id: str
    expression: Node
    source: str  # the expression as written in the spec
    printed: Printed
    place: Place
    location: Location


@dataclass(frozen=True, slots=True)
class Math:
    """One formula of a page: its LaTeX text and where that text starts in the document."""

    text: str
    offset: int  # of the text's first character in the document
    display: bool
    heading: str | None  # the nearest heading above it, for reports
    # Where it stands: every heading above it, outermost first, and which heading of the page the nearest is
    # ("Epoch 2 / Forward (heading 5)"), so that two sibling headings of one title are two sections.
    section: str | None = None


@dataclass(frozen=True, slots=True)
class Unread:
    """Why a formula could not be read: the reason, where in its text (0-based), and whether a bound refused it."""

    reason: str
    offset: int
    over_limit: bool = False


@dataclass(frozen=True, slots=True)
class Formula:
    """One formula of a page, parsed into chains of sides (``a = b = c``), or the reason it cannot be."""

    math: Math
    number: int | None  # 1-based among display equations; None for inline math
    chains: tuple[Chain, ...]
    error: Unread | None
    unread: tuple[Unread, ...] = ()  # sides left unread in a chain that is still judged


@dataclass(frozen=True, slots=True)
class Document:
    """What every reader produces and the judge takes (nncheck.readers -> nncheck.audit).

    ``network`` is the model the document declares (a spec's ``network:``), or None for a page whose
    true chain is its own givens and formulas. ``claims`` are printed values that state a quantity of
    the network, ``equations`` a spec's free arithmetic, ``formulas`` a page's math in order (givens,
    definitions and printed results, told apart by the judge). ``source`` is the text as read.
    """

    path: str
    title: str
    network: Network | None = None
    claims: tuple[Claim, ...] = ()
    equations: tuple[Equation, ...] = ()
    formulas: tuple[Formula, ...] = ()
    source: str | None = None
    network_at: Location | None = None  # where the network section starts, for evaluation errors
    # A page's model as its front matter declares it, with the page's numbers for mapped names as claims
    # (nncheck.readers.front); None when the page declares none.
    declared: Document | None = None
    cells: tuple[tuple[int, int], ...] = ()  # a notebook's cells read: (offset in ``source``, cell number), in order


@dataclass(frozen=True, slots=True)
class Definition:
    """``name = formula``: a quantity of a model, computed from givens and earlier definitions."""

    name: str
    formula: Node
    location: Location | None = None  # of the formula, in the spec


@dataclass(frozen=True, slots=True)
class Graph:
    """A computation in the general form: givens (name -> array of Fractions, or of a backend's numbers) and
    definitions in an order where every name is defined before it is read."""

    givens: Mapping[str, Any]
    definitions: tuple[Definition, ...]


@dataclass(frozen=True, slots=True)
class Loop:
    """A training loop: ``steps`` times, the definitions (and gradients) are computed, then each given in
    ``updates`` takes its formula's value (which may read grad(f, x)). Quantities are named per step: w@1 is
    w's given value, w@2 its value after one step; L@1 is the loss of step 1."""

    updates: tuple[Definition, ...]
    steps: int


@dataclass(frozen=True, slots=True)
class ModelSpec(Document):
    """A document whose model is given in the general form: givens, definitions, and the scalars whose
    gradients (∂f/∂name for every given and definition) it states; optionally repeated as a training loop."""

    model: Graph = field(default_factory=lambda: Graph({}, ()))
    gradients: tuple[str, ...] = ()
    loop: Loop | None = None
    # The model written out as steps (nncheck.network.graph.model_table: definitions, adjoints, each step of a loop),
    # as the loader wrote it once; None: written when needed.
    steps: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Spec(Document):
    """A document whose model is a layered network (a YAML spec, or the draft ``nncheck extract`` writes)."""

    network: Network
