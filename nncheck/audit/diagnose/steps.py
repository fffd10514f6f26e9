"""Slip families that change how the judged step computes: transposed or swapped weights, a bias
dropped or doubled, a sign, an activation at the wrong point, a factor, the wrong product, updated
weights. Each is planted in the judged statement's own step (a factor also in the loss step above it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from itertools import combinations

import numpy as np

from nncheck import quantities
from nncheck.quantities import layer_of
from nncheck.audit.derive import Term, leaves
from nncheck.expr.printer import binary, negate, num
from nncheck.audit.diagnose.candidates import Candidate, Context, constant, decimal_text, slip
from nncheck.audit.diagnose.chain import Chain, Edit, Transform, replaced
from nncheck.network import ball
from nncheck.network.backend import Array, Backend
from nncheck.network.ball import Real
from nncheck.network.rules import ACTIVATIONS, Parameters
from nncheck.records import Index

# Factors a hand calculation drops or adds: the 2 of a squared error's derivative, the ½ of ½Σ.
FACTORS = ((Fraction(2), "doubled (a factor 2 too many, or a ½ left out)"), (Fraction(1, 2), "halved (the factor 2 left out, or an extra ½)"))
# Loss steps a factor slip is looked for in, this many steps up from the judged one.
FACTOR_DISTANCE = 2


def _transpose(values: Array) -> Array:
    return values.T.copy()


def _negate_at(index: Index) -> Transform:
    return lambda values: replaced(values, index, -values[index])


def _copying(source: Index, *, into: Index) -> Transform:
    return lambda values: replaced(values, into, values[source])


def _swapping(first: Index, second: Index) -> Transform:
    return lambda values: replaced(replaced(values, first, values[second]), second, values[first])


def _scaling(amount: Fraction) -> Transform:
    return lambda values: values * Real(exact=amount)


def _scaled_term(amount: Fraction) -> Callable[[Term], Term]:
    if amount < 1:
        return lambda term: binary("/", term, num(decimal_text(1 / amount)))
    return lambda term: binary("*", num(decimal_text(amount)), term)


def _adjacent(used: Index, shape: tuple[int, ...]) -> Iterator[Index]:
    """The entries next to ``used`` in its row or column (or its vector), in index order."""
    found = []
    for axis, size in enumerate(shape):
        for step in (-1, 1):
            moved = used[axis] + step
            if 0 <= moved < size:
                found.append(used[:axis] + (moved,) + used[axis + 1:])
    yield from sorted(found)


def _weight_label(ctx: Context, operand: str, index: Index) -> str:
    """dz{l}/da{l-1} is a copy of W{l}: name its entries as W{l}'s."""
    layer = layer_of(operand, "dz/da")
    return f"W{layer}[{index[0]},{index[1]}]" if layer is not None else ctx.label(operand, index)


def transposed(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """W used for Wᵀ (or the outer product turned round), or one weight or bias used in place of another."""
    quantity, index = ctx.target.quantity, ctx.target.index
    operands = ctx.table[quantity].operands
    widths = ctx.network.architecture.widths
    layer = layer_of(quantity, "z")
    if layer is not None and widths[layer] == widths[layer - 1]:
        yield Candidate((slip("transposed", "W{l}ᵀ used instead of W{l}", l=str(layer)),),
                        (Edit(quantity, operands=((f"W{layer}", _transpose),)),))
    layer = layer_of(quantity, "dL/da")
    if layer is not None and layer < ctx.depth and widths[layer + 1] == widths[layer]:
        yield Candidate((slip("transposed", "W{l} used instead of W{l}ᵀ", l=str(layer + 1)),),
                        (Edit(quantity, operands=((f"dz{layer + 1}/da{layer}", _transpose),)),))
    layer = layer_of(quantity, "dL/dW")
    if layer is not None and widths[layer] == widths[layer - 1]:
        i, j = index
        delta, inputs = f"dL/dz{layer}", f"dz{layer}/dW{layer}"
        yield Candidate((slip("transposed", "the outer product taken the other way round (a·δᵀ instead of δ·aᵀ)"),),
                        (Edit(quantity, compute=lambda B, d, a: B.outer(a, d)),),
                        formula=lambda leaf: binary("*", leaf(delta, (j,)), leaf(inputs, (i,))))
    for operand in operands:
        if layer_of(operand, "W", "b", "dz/da") is None:
            continue
        values = chain.base(operand)
        read = [leaf for q, leaf in leaves(quantity, index, ctx.network) if q == operand]
        for used in read:
            for other in _adjacent(used, values.shape):
                # "w2 for w3": the entry next to it, in its row or column.
                if values[other].exact == values[used].exact:
                    continue
                yield Candidate(
                    (slip("transposed", "{other} = {value} used in place of {used}", other=_weight_label(ctx, operand, other),
                          value=decimal_text(values[other].exact or Fraction(0)), used=_weight_label(ctx, operand, used)),),
                    (Edit(quantity, operands=((operand, _copying(other, into=used)),)),))
        for first, second in combinations(read, 2):
            if values[first].exact != values[second].exact:
                yield Candidate((slip("transposed", "{first} and {second} swapped", first=_weight_label(ctx, operand, first),
                                      second=_weight_label(ctx, operand, second)),),
                                (Edit(quantity, operands=((operand, _swapping(first, second)),)),))


def bias(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """z = W·a without b, or with b twice."""
    layer = layer_of(ctx.target.quantity, "z")
    if layer is None:
        return
    index = ctx.target.index
    name = f"b{layer}"
    if chain.base(name)[index].exact == 0:
        return
    label = ctx.label(name, index)
    yield Candidate((slip("bias", "bias {b} left out", b=label),),
                    (Edit(ctx.target.quantity, operands=((name, lambda v: replaced(v, index, Real(exact=Fraction(0)))),)),))
    yield Candidate((slip("bias", "bias {b} added twice", b=label),),
                    (Edit(ctx.target.quantity, operands=((name, lambda v: replaced(v, index, v[index] * 2)),)),))


def sign(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """The result's sign flipped, or one number's sign lost in the step (W + η·g for W − η·g, say)."""
    quantity, index = ctx.target.quantity, ctx.target.index
    yield Candidate((slip("sign", "sign flipped"),), (Edit(quantity, result=_negate_at(index)),), wrap=negate)
    for operand, element in leaves(quantity, index, ctx.network):
        if chain.base(operand)[element].exact == 0:
            continue
        yield Candidate((slip("sign", "sign of {name} flipped", name=_weight_label(ctx, operand, element)),),
                        (Edit(quantity, operands=((operand, _negate_at(element)),)),))


def activation(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """An activation or its derivative at the wrong point: z for a (pre- for post-activation), a for z, f(a) for a."""
    quantity = ctx.target.quantity
    for operand in ctx.table[quantity].operands:
        layer = layer_of(operand, "a")
        if layer is not None and layer > 0:
            yield Candidate((slip("activation", "z{l} (before the activation) used instead of a{l}", l=str(layer)),),
                            (Edit(quantity, operands=((operand, constant(chain.base(f"z{layer}"))),)),))
        layer = layer_of(operand, "z")
        if layer is not None:
            yield Candidate((slip("activation", "a{l} (after the activation) used instead of z{l}", l=str(layer)),),
                            (Edit(quantity, operands=((operand, constant(chain.base(f"a{layer}"))),)),))
    layer = layer_of(quantity, "da/dz")
    if layer is not None:
        rule = ACTIVATIONS[ctx.network.layers[layer - 1].activation]
        if rule.derivative_of == "a" and not rule.jacobian:
            forward = rule.forward
            parameters = Parameters.of(ball, ctx.network.layers[layer - 1], ctx.network.conventions)

            def again(values: Array) -> Array:
                return forward(ball, values, parameters)

            yield Candidate((slip("activation", "the derivative evaluated at a{l} instead of z{l} ({name}′(a{l}))",
                                  l=str(layer), name=rule.name),),
                            (Edit(quantity, operands=((f"a{layer}", again),)),))
    layer = layer_of(quantity, "a")
    if layer is not None and layer > 0:
        z, index = f"z{layer}", ctx.target.index
        yield Candidate((slip("activation", "the activation left out (a{l} = z{l})", l=str(layer)),),
                        (Edit(quantity, compute=lambda B, values: values.copy()),), formula=lambda leaf: leaf(z, index))


def factor(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """A factor 2 or ½ (or 1/n of a mean) dropped or added in the loss or its gradient; η left out of an update."""
    depth, width = ctx.depth, ctx.network.architecture.widths[-1]
    factors = list(FACTORS)
    if width > 1:
        factors += [(Fraction(width), f"multiplied by n = {width} (the 1/n of the mean left out)"),
                    (Fraction(1, width), f"divided by n = {width} once too often")]
    for node in ("L", f"dL/da{depth}"):
        distance = chain.distance.get(node)
        if distance is None or distance > FACTOR_DISTANCE or (distance > 0 and chain.stated(node)):
            continue
        label = quantities.display(node, depth)
        for amount, how in factors:
            yield Candidate((slip("factor", "{name} {how}", name=label, how=how),),
                            (Edit(node, result=_scaling(amount)),), wrap=_scaled_term(amount) if distance == 0 else None)
    layer = layer_of(ctx.target.quantity, "W_new", "b_new")
    rate = ctx.network.learning_rate
    if layer is not None and rate is not None:
        old, gradient = ctx.table[ctx.target.quantity].operands
        index = ctx.target.index
        yield Candidate((slip("factor", "the learning rate η = {rate} left out", rate=decimal_text(rate)),),
                        (Edit(ctx.target.quantity, compute=lambda B, value, grad: value - grad),),
                        formula=lambda leaf: binary("-", leaf(old, index), leaf(gradient, index)))


def _sum(terms: list[Term]) -> Term:
    total = terms[0]
    for term in terms[1:]:
        total = binary("+", total, term)
    return total


def _filled(shape: tuple[int, ...], value: Real) -> Array:
    return np.full(shape, value, dtype=object)


def product(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """Elementwise where the step takes an outer product, or the reverse (a dot product, the Jacobian's diagonal)."""
    quantity, index = ctx.target.quantity, ctx.target.index
    widths = ctx.network.architecture.widths
    layer = layer_of(quantity, "dL/dW")
    if layer is not None and widths[layer] == widths[layer - 1]:
        delta, inputs, (i, _) = f"dL/dz{layer}", f"dz{layer}/dW{layer}", index
        n = widths[layer]

        def elementwise(B: Backend, d: Array, a: Array) -> Array:
            return np.array([[d[r] * a[r]] * n for r in range(n)], dtype=object)

        def inner(B: Backend, d: Array, a: Array) -> Array:
            return _filled((n, n), sum((d[k] * a[k] for k in range(1, n)), d[0] * a[0]))

        yield Candidate((slip("product", "the elementwise product δ⊙a instead of the outer product δ·aᵀ"),),
                        (Edit(quantity, compute=elementwise),), formula=lambda leaf: binary("*", leaf(delta, (i,)), leaf(inputs, (i,))))
        yield Candidate((slip("product", "the inner product δ·a instead of the outer product δ·aᵀ"),),
                        (Edit(quantity, compute=inner),),
                        formula=lambda leaf: _sum([binary("*", leaf(delta, (k,)), leaf(inputs, (k,))) for k in range(n)]))
    layer = layer_of(quantity, "dL/dz")
    if layer is not None and widths[layer] > 1:
        derivative = f"da{layer}/dz{layer}"
        if layer in ctx.network.architecture.jacobian_layers:
            def diagonal(values: Array) -> Array:
                result = values.copy()
                for row, column in np.ndindex(values.shape):
                    if row != column:
                        result[row, column] = Real(exact=Fraction(0))
                return result

            yield Candidate((slip("product", "only the diagonal of the softmax Jacobian (a⊙(1 − a)) used"),),
                            (Edit(quantity, operands=((derivative, diagonal),)),))
        else:
            gradient, n = f"dL/da{layer}", widths[layer]

            def dot(B: Backend, g: Array, d: Array) -> Array:
                return _filled((n,), sum((g[k] * d[k] for k in range(1, n)), g[0] * d[0]))

            yield Candidate((slip("product", "the dot product of ∂L/∂a{l} and ∂a{l}/∂z{l} instead of their elementwise product",
                                  l=str(layer)),),
                            (Edit(quantity, compute=dot),),
                            formula=lambda leaf: _sum([binary("*", leaf(gradient, (k,)), leaf(derivative, (k,))) for k in range(n)]))


def updated(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """The updated weights W′ = W − η·∂L/∂W used in the backward step that needs the original W."""
    if ctx.network.learning_rate is None:
        return
    quantity = ctx.target.quantity
    layer = layer_of(quantity, "dL/da")
    if layer is not None and layer < ctx.depth:
        operand, name = f"dz{layer + 1}/da{layer}", layer + 1
    else:
        layer = layer_of(quantity, "dz/da")
        if layer is None:
            return
        operand, name = f"W{layer}", layer
    updated_name = f"W{name}_new"
    options = [chain.base(updated_name), ctx.exact[updated_name]]
    stated = ctx.exact[updated_name].copy()
    for statement in ctx.document.by_quantity.get(updated_name, ()):
        stated[statement.index] = Real(exact=statement.printed.value)
    options.append(stated)
    seen: list[Array] = []
    for values in options:
        if any(all(_same(a, b) for a, b in zip(values.flat, other.flat)) for other in seen):
            continue
        seen.append(values)
        yield Candidate((slip("updated", "the updated weights W{l}′ used instead of W{l}", l=str(name)),),
                        (Edit(quantity, operands=((operand, constant(values)),)),))


def _same(left: Real, right: Real) -> bool:
    return left.exact is not None and left.exact == right.exact or left is right

