"""A page that declares its model: YAML front matter under ``nncheck:``, and the page's numbers as claims of it.

The front matter holds what a spec's model section holds (``network:``, layered, or ``model:``, the general form)
and ``names:``, a map from the page's names, as its LaTeX writes them, to the model's quantities::

    ---
    nncheck:
      network: {…}              # or model: {givens: …, definitions: …}
      names:
        out_{h1}: a1[0]
        \\hat{y}: a2
        E_{total}: L
    ---

Every number the page prints for a mapped name (the last side of ``name = … = number``, in display or inline
math) becomes a claim of that quantity, located where the page prints it, in page order; the spec judge then
gives it a spec claim's verdict (holds, slip, carried, wrong, contradiction, with a layered network's diagnosis).
A problem in the front matter is located in the page (the YAML is read at its place in the page). Nothing read
here is executed: the YAML is composed with the spec reader's safe loader, names are parsed by the LaTeX grammar.
"""

from __future__ import annotations

import dataclasses
from math import prod
import re
from dataclasses import dataclass
from typing import Any

from nncheck import quantities
from nncheck.errors import Problem, SpecError
from nncheck.expr.nodes import Constant, Product, Symbol, Transpose
from nncheck.records import Claim, Formula, ModelSpec, Network, Place, Spec, Stated

# The key of the front matter that declares the model (other keys belong to other tools: title, layout, …).
KEY = "nncheck"
# A top-level "nncheck:" line: front matter without one belongs to other tools and is not composed at all.
_DECLARES = re.compile(rf"^{KEY}\s*:", re.MULTILINE)
# An entry of a mapped list or matrix as a page writes it: p_2 (the second entry), F_24 (row 2, column 4; one digit each).
_ENTRY = re.compile(r"(?P<base>.+)_(?P<digits>[0-9]+)")
# A quantity with an optional index: a1[0], W2_new[0, 1], dL/dw@2.
_TARGET = re.compile(r"\s*(?P<base>[^\[\]]+?)\s*(?:\[(?P<index>[0-9,\s]+)\])?\s*")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a page name points: a model quantity and, for one entry of it, the index."""

    quantity: str
    index: tuple[int, ...]
    shape: tuple[int, ...]  # of what the page prints for it: () for an entry


def front_matter(text: str) -> tuple[str, int] | None:
    """The page's YAML front matter and the line its first line has in the page (1-based), or None."""
    from nncheck.readers.markdown import parse_tokens

    for token in parse_tokens(text)[:1]:
        if token.type == "front_matter" and token.map is not None:
            return str(token.content), token.map[0] + 2
    return None


def declared_spec(text: str, path: str, formulas: tuple[Formula, ...], *, block: tuple[str, int] | None = None,
                  cells: tuple[tuple[int, int], ...] = (), title: str | None = None) -> Spec | ModelSpec | None:
    """The spec a page declares, with a claim for every number it prints for a mapped name; None when it declares none.

    The declaration is the page's front matter (a Markdown page, a notebook's first markdown cell), or ``block``:
    YAML text and the page line it starts on (an HTML page's ``<script type="application/x-nncheck+yaml">``), which
    may also be the ``nncheck:`` mapping itself. ``cells`` locates a notebook's numbers by cell. Raises SpecError,
    located in the page, for a declaration that cannot be read.
    """
    from nncheck.readers.spec.yamlsafe import compose

    found = block if block is not None else front_matter(text)
    if found is None or (block is None and _DECLARES.search(found[0]) is None):
        return None  # front matter of other tools (title, layout, …): not read, whatever its YAML
    content, first_line = found
    cell = cells[0][1] if cells else None
    try:
        root = compose("\n" * (first_line - 1) + content, path)  # composed at its place: marks are the page's lines
        pairs = root.value if isinstance(root.value, list) else []
        node = next((value for key, value in pairs if getattr(key, "value", None) == KEY), None)
        if node is None and block is not None and any(getattr(key, "value", None) == "names" for key, _ in pairs):
            node = root  # a script of its own holds the nncheck mapping itself
        if node is None:
            return None
        return _Declared(path, text, cells, title).read(node, formulas)
    except SpecError as error:
        if cell is None:
            raise
        raise SpecError([dataclasses.replace(p, location=dataclasses.replace(p.location, cell=cell))
                         if p.location.cell is None else p for p in error.problems]) from None


class _Declared:
    def __init__(self, path: str, text: str, cells: tuple[tuple[int, int], ...], title: str | None) -> None:
        from nncheck.readers.markdown import Lines, title_of
        from nncheck.readers.spec.nodes import Reader

        self.path, self.text = path, text
        self.reader = Reader(path)
        self.lines = Lines(path, text, cells)
        self.title = title if title is not None else title_of(text, path)

    def read(self, node: Any, formulas: tuple[Formula, ...]) -> Spec | ModelSpec:
        from nncheck.readers.spec.loader import _bound_statements, _network, model_part

        reader = self.reader
        keys = reader.mapping(node, f"{KEY} (the page's model)", ("names",), ("network", "model", "title"))
        reader.raise_if_any()
        assert keys is not None
        if ("network" in keys) == ("model" in keys):
            reader.problem(node, f"{KEY}: give one of network: (a layered network) and model: (the general form)")
            reader.raise_if_any()
        title = reader.string(keys["title"], "title") if "title" in keys else self.title
        names = keys["names"]
        entries = reader.mapping(names, "names", (), open_keys=True) or {}
        claimed = [str(value.value) for value in entries.values()]
        if "model" in keys:
            part = model_part(reader, keys["model"], claimed)
            resolve = self._in_model(part.names.shapes)
            network = None
        else:
            network = _network(reader, keys["network"])
            reader.raise_if_any()
            assert network is not None
            resolve = self._in_network(network)
        targets = self._targets(names, resolve)
        reader.raise_if_any()
        claims = self._claims(formulas, targets)
        _bound_statements(reader, claims)
        reader.raise_if_any()
        where = reader.at(keys["model"] if "model" in keys else keys["network"])
        if network is not None:
            return Spec(path=self.path, title=title or "", network=network, claims=tuple(claims), source=self.text,
                        network_at=where)
        return ModelSpec(path=self.path, title=title or "", model=part.graph, gradients=part.gradients, loop=part.loop,
                         claims=tuple(claims), source=self.text, network_at=where, steps=part.table)

    # ---- the names map ----------------------------------------------------------------------------

    def _in_network(self, network: Network) -> Any:
        def resolve(base: str) -> tuple[str, tuple[int, ...]]:
            name = quantities.canonical(base, network.architecture)  # ValueError: not a quantity
            return name, quantities.shape(name, network.architecture)

        return resolve

    def _in_model(self, shapes: dict[str, tuple[int, ...]]) -> Any:
        from nncheck.readers.spec.model import quantity_name

        def resolve(base: str) -> tuple[str, tuple[int, ...]]:
            name = quantity_name(base, set(shapes))  # ValueError: not a quantity
            return name, shapes[name]

        return resolve

    def _targets(self, names: Any, resolve: Any) -> dict[str, tuple[str, Target]]:
        """Each page name, as the LaTeX grammar reads it, with the name reports show and its target."""
        reader = self.reader
        targets: dict[str, tuple[str, Target]] = {}
        where: dict[str, Any] = {}
        if not names.value:
            reader.problem(names, "names: map at least one of the page's names to a quantity of the model")
        for key, value in names.value:
            written = str(key.value)
            spelled = _spelling(written)
            if spelled is None:
                reader.problem(key, f"names: '{written}' is not a name nncheck reads in LaTeX (a letter with subscripts "
                                    "and superscripts, a word such as out_{h1}, or a derivative \\frac{\\partial L}{\\partial w})")
                continue
            text = reader.string(value, f"the quantity of '{written}'")
            match = _TARGET.fullmatch(text or "")
            if text is None or match is None:
                if text is not None:
                    reader.problem(value, f"names: '{text}' is not a quantity (write a1, a1[0] or W2[0,1])")
                continue
            try:
                quantity, shape = resolve(match["base"])
            except ValueError as error:
                reader.problem(value, f"names: {error}")
                continue
            index: tuple[int, ...] = ()
            if match["index"]:
                index = tuple(int(i) for i in match["index"].split(","))
                if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
                    reader.problem(value, f"names: '{text}': {quantity} has shape {shape}, no entry {list(index)}")
                    continue
                shape = ()
            if spelled in targets:
                reader.problem(key, f"names: '{written}' is the name '{where[spelled].value}' of {reader.at(where[spelled])} "
                                    "again, as nncheck reads LaTeX (bold and plain letters are one name)")
                continue
            shown = written if "·" in spelled else spelled  # a claim's id as reports show it: ŷ, ∂L/∂ŷ, out_{h1}
            targets[spelled] = (shown, Target(quantity, index, shape))
            where[spelled] = key
        return targets

    @staticmethod
    def _lookup(targets: dict[str, tuple[str, Target]], spelled: str) -> tuple[str, Target] | None:
        """A page name's target; a subscripted entry of a mapped list or matrix (p_2, F_{24}, counted from 1) is
        that entry."""
        if spelled in targets:
            return targets[spelled]
        match = _ENTRY.fullmatch(spelled)
        if match is None or match["base"] not in targets:
            return None
        written, target = targets[match["base"]]
        digits = [int(d) for d in match["digits"]] if len(target.shape) == 2 else [int(match["digits"])]
        if target.index or len(digits) != len(target.shape) or any(not 1 <= d <= n for d, n in zip(digits, target.shape)):
            return None
        index = tuple(d - 1 for d in digits)
        return f"{written}_{match['digits']}", Target(target.quantity, index, ())

    # ---- the page's numbers -------------------------------------------------------------------------

    def _claims(self, formulas: tuple[Formula, ...], targets: dict[str, tuple[str, Target]]) -> list[Claim]:
        from nncheck.audit.page.statements import cells_of, plan
        from nncheck.expr.printer import text as printed_text

        claims: list[Claim] = []
        seen: dict[str, int] = {}
        for formula in formulas:
            math = formula.math
            used = [g for g in plan(list(formula.chains), math.text).givens if g.used] if formula.chains else []
            for chain in formula.chains:
                if len(chain.sides) < 2:
                    continue
                name, value = chain.sides[0], chain.sides[-1]
                flipped = isinstance(name, Transpose) != isinstance(value, Transpose)  # zᵀ = [row], z = [a, b]ᵀ
                name = name.operand if isinstance(name, Transpose) else name
                value = value.operand if isinstance(value, Transpose) else value
                found = self._lookup(targets, printed_text(name))
                cells = cells_of(value, math.text)
                if found is None or cells is None:
                    continue
                if flipped and len(cells.shape) == 2 and len(found[1].shape) == 2:
                    cells = _transposed(cells)
                written, target = found
                size = prod(target.shape)
                here = self.lines.location(math.offset + value.start)
                if len(cells.printed) != size:
                    count = len(cells.printed)
                    self.reader.problems.append(Problem(here, f"{written} is printed as {count} number{'s' * (count != 1)}; "
                                                              f"{target.quantity} has shape {target.shape}"))
                    continue
                seen[written] = seen.get(written, 0) + 1
                claim_id = written.replace("[", "(").replace("]", ")").replace(":", "") + ("" if seen[written] == 1 else f"-{seen[written]}")
                place = Place(step=math.heading or "document", spec=self.lines.location(math.offset), latex=math.text,
                              document_line=here.line)
                indices = quantities.indices(target.shape) if target.shape else [()]
                several = len(indices) > 1
                elements = tuple(
                    Stated(ref=claim_id + (f"[{','.join(map(str, i))}]" if several else ""), claim_id=claim_id,
                           quantity=target.quantity, index=target.index + i, printed=printed, place=place,
                           location=self.lines.location(math.offset + node.start))
                    for i, printed, node in zip(indices, cells.printed, cells.nodes))
                claims.append(Claim(id=claim_id, quantity=target.quantity, place=place, elements=elements,
                                    uses=self._uses(used, targets, claim_id, target.quantity, place, math)))
        return claims

    def _uses(self, used: list[Any], targets: dict[str, tuple[str, Target]], claim_id: str, quantity: str, place: Place,
              math: Any) -> tuple[Stated, ...]:
        """The values of mapped names the display substituted into its formula (ŷ(1 − ŷ) = 0.938 × (1 − 0.938)): what the
        step used, so that a result computed from a misprinted value is carried, not wrong."""
        result: list[Stated] = []
        for given in used:
            found = self._lookup(targets, given.name)
            if found is None or found[1].quantity == quantity:
                continue
            written, target = found
            if len(given.cells.printed) != prod(target.shape):
                continue
            indices = quantities.indices(target.shape) if target.shape else [()]
            result += [Stated(ref=f"{claim_id}:{written}" + (f"[{','.join(map(str, i))}]" if len(indices) > 1 else ""),
                              claim_id=claim_id, quantity=target.quantity, index=target.index + i, printed=printed,
                              place=place, location=self.lines.location(math.offset + node.start), used_by=claim_id)
                       for i, printed, node in zip(indices, given.cells.printed, given.cells.nodes)]
        return tuple(result)


def _transposed(cells: Any) -> Any:
    """Printed cells of a matrix printed as its transpose, in the quantity's row-major order."""
    from nncheck.audit.page.statements import Cells

    rows, columns = cells.shape
    order = [i * columns + j for j in range(columns) for i in range(rows)]
    return Cells((columns, rows), tuple(cells.printed[k] for k in order), tuple(cells.nodes[k] for k in order))


def _spelling(latex: str) -> str | None:
    """A page name as the LaTeX grammar reads it (the key chains are matched by): None if it is not one."""
    from nncheck.expr.latex import LatexError, parse_display
    from nncheck.expr.printer import text as printed_text

    try:
        chains = parse_display(f"{latex} = 0")
    except LatexError:
        return None
    if len(chains) != 1 or len(chains[0].sides) != 2:
        return None
    side = chains[0].sides[0]
    named = isinstance(side, Symbol) or (isinstance(side, Product) and all(isinstance(f, (Symbol, Constant)) for _, f in side.factors))
    return printed_text(side) if named else None  # a name, or a word such as out_{h1}: not 2x + 1, not 1


__all__ = ["KEY", "declared_spec", "front_matter"]
