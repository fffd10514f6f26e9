"""Property tests of the reference network: two oracles per property, drawn networks, short asserts."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.network import ball, evaluate, exact, floating
from nncheck.network.batch import SUMMED, batch_gradients
from nncheck.records import Layer, Network
from nncheck.testing import FLOAT_TOLERANCE, compare, numeric_gradients, to_float

# Float weights, inputs and targets, converted exactly: the float and exact backends see the same numbers.
float_networks = nst.networks(numbers=nst.binary_fractions(), max_depth=3, max_width=4)


def _values(network: Network, backend: object, bits: int = 128) -> dict[str, np.ndarray]:
    with ball.precision(bits):
        return dict(evaluate(network, backend))  # type: ignore[arg-type]


@given(float_networks)
def test_float_backend_agrees_with_exact_values(network: Network) -> None:
    floats, exacts = _values(network, floating), _values(network, ball)
    note(repr(network))
    for name, value in exacts.items():
        true = np.vectorize(to_float, otypes=[float])(value)
        assert np.all(np.abs(floats[name] - true) <= FLOAT_TOLERANCE * (1 + np.abs(true))), (name, floats[name], true)


@given(nst.networks(max_depth=2, max_width=3))
def test_ball_backend_encloses_sympy_values(network: Network) -> None:
    # Every quantity (forward, loss, backward, SGD update): the SymPy backend is the reference. The
    # ball backend's matrix products run in flint's fmpq_mat/arb_mat; where it claims an exact
    # rational, SymPy must give that very rational; elsewhere its ball must contain SymPy's value.
    import sympy

    exacts, balls = _values(network, exact), _values(network, ball)
    assert exacts.keys() == balls.keys()
    for name in exacts:
        for index in np.ndindex(np.shape(exacts[name])):
            reference, enclosure = exacts[name][index], balls[name][index]
            if enclosure.exact is not None:
                assert reference.is_Rational, (name, index, reference)
                assert reference == sympy.Rational(enclosure.exact.numerator, enclosure.exact.denominator), (name, index)
                continue
            digits = sympy.N(reference, 60)
            with ball.precision(256):
                assert enclosure.enclosure().overlaps(ball.arb(str(digits), "1e-50")), (name, index, digits, enclosure)


def _kink_free(network: Network) -> bool:
    values = _values(network, ball)
    for l, layer in enumerate(network.layers, start=1):
        if layer.activation in ("relu", "leaky_relu"):
            if any(abs(to_float(v)) < 1e-6 for v in values[f"z{l}"].flat):
                return False
    return True


@given(nst.networks(max_depth=3, max_width=3, learning_rate=False))
def test_backprop_agrees_with_high_precision_central_differences(network: Network) -> None:
    assume(_kink_free(network))
    analytic = _values(network, ball, bits=256)
    compare({name: analytic[f"dL/d{name}"] for name in numeric_gradients(network)}, numeric_gradients(network),
            rtol=1e-15, atol=1e-18, what="backprop against central differences")


@given(nst.networks(min_depth=2, max_depth=2, max_width=3, hidden=("relu",), learning_rate=False), st.data())
def test_at_a_relu_kink_the_gradient_lies_between_the_one_sided_slopes(network: Network, data: st.DataObject) -> None:
    # Put hidden unit i exactly at its kink: b1[i] = −W1[i]·x, so z1[i] = 0 and ReLU′ takes its convention (0).
    i = data.draw(st.integers(0, len(network.layers[0].bias) - 1))
    first = network.layers[0]
    bias = list(first.bias)
    bias[i] = -sum(w * x for w, x in zip(first.weights[i], network.input))
    network = Network((Layer(first.weights, tuple(bias), "relu"),) + network.layers[1:], network.loss,
                      network.input, network.target)
    analytic = _values(network, ball, bits=256)["dL/db1"][i]
    h = Fraction(1, 2**40)
    with ball.precision(256):
        from nncheck.testing import _nudged
        from nncheck.network import loss
        here = loss(network, ball)[()]
        right = (loss(_nudged(network, "b1", (i,), h), ball)[()] - here) / h
        left = (here - loss(_nudged(network, "b1", (i,), -h), ball)[()]) / h
    low, high = sorted((to_float(left), to_float(right)))
    assert low - 1e-9 <= to_float(analytic) <= high + 1e-9, (left, analytic, right)


@given(st.fractions(-6, 6, max_denominator=1000), st.fractions(0, 1, max_denominator=10))
def test_sigmoid_bce_delta_is_prediction_minus_target(z: Fraction, y: Fraction) -> None:
    network = Network((Layer(((Fraction(1),),), (Fraction(0),), "sigmoid"),), "bce", (z,), (y,))
    values = _values(network, ball)
    with ball.precision(128):
        difference = (values["dL/dz1"][0] - (values["a1"][0] - y)).enclosure()
        assert abs(difference) < 1e-30


@given(st.lists(st.fractions(-4, 4, max_denominator=100), min_size=2, max_size=4), st.data())
def test_softmax_cross_entropy_delta_is_prediction_minus_target(zs: list[Fraction], data: st.DataObject) -> None:
    n = len(zs)
    hot = data.draw(st.integers(0, n - 1))
    identity = tuple(tuple(Fraction(int(i == j)) for j in range(n)) for i in range(n))
    network = Network((Layer(identity, (Fraction(0),) * n, "softmax"),), "cross_entropy", tuple(zs),
                      tuple(Fraction(int(i == hot)) for i in range(n)))
    values = _values(network, ball)
    with ball.precision(128):
        for i in range(n):
            expected = values["a1"][i] - network.target[i]
            assert abs((values["dL/dz1"][i] - expected).enclosure()) < 1e-30


@given(nst.networks(min_depth=2, max_depth=3, max_width=4, learning_rate=False), st.randoms(use_true_random=False))
def test_permuting_hidden_units_permutes_the_gradients(network: Network, random: object) -> None:
    width = len(network.layers[0].bias)
    order = list(range(width))
    random.shuffle(order)  # type: ignore[attr-defined]
    first, second = network.layers[0], network.layers[1]
    permuted_first = Layer(tuple(first.weights[i] for i in order), tuple(first.bias[i] for i in order), first.activation)
    permuted_second = Layer(tuple(tuple(row[i] for i in order) for row in second.weights), second.bias, second.activation)
    permuted = Network((permuted_first, permuted_second) + network.layers[2:], network.loss, network.input, network.target)
    original, shuffled = _values(network, floating), _values(permuted, floating)
    np.testing.assert_allclose(shuffled["L"], original["L"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(shuffled["dL/dW1"], original["dL/dW1"][order], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(shuffled["dL/dW2"], original["dL/dW2"][:, order], rtol=1e-12, atol=1e-14)


@given(nst.networks(max_depth=3, max_width=3, learning_rate=False), st.data())
def test_batch_gradient_is_the_mean_or_sum_of_per_sample_gradients(network: Network, data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 4))
    samples = [network] + [
        Network(network.layers, network.loss, data.draw(st.tuples(*[nst.decimals()] * len(network.input))),
                data.draw(nst.targets(network.loss, len(network.target), nst.decimals())))
        for _ in range(size - 1)
    ]
    inputs = np.array([[float(v) for v in s.input] for s in samples]).T
    targets = np.array([[float(v) for v in s.target] for s in samples]).T
    batch = batch_gradients(network, inputs, targets, floating)
    per_sample = [_values(s, floating) for s in samples]
    scale = 1 if network.loss in SUMMED else size
    for name in batch:
        expected = sum(v[name] for v in per_sample) / scale
        np.testing.assert_allclose(batch[name], expected, rtol=1e-10, atol=1e-12, err_msg=name)


@st.composite
def _reals(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Arrays mixing exact rationals (zeros often) and balls (exp of a rational), as the network produces."""
    def one() -> ball.Real:
        kind = draw(st.sampled_from(["zero", "exact", "ball"]))
        if kind == "zero":
            return ball.Real(exact=Fraction(0))
        value = draw(st.fractions(-3, 3, max_denominator=50))
        if kind == "exact":
            return ball.Real(exact=value)
        return ball.exp(np.array([ball.Real(exact=value)], dtype=object))[0]

    values = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        values[index] = one()
    return values


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.data())
def test_flint_matrix_products_keep_the_elementwise_semantics(m: int, k: int, n: int, data: st.DataObject) -> None:
    # The oracle is numpy's object-array product, which multiplies and adds the Reals one by one.
    with ball.precision(128):
        left, right = data.draw(_reals((m, k))), data.draw(_reals((k, n)))
        vector, other = data.draw(_reals((k,))), data.draw(_reals((n,)))
        cases = [(ball.matmul(left, right), left @ right), (ball.matmul(left, vector), left @ vector),
                 (ball.matmul(vector, right), vector @ right), (ball.outer(vector, other), np.outer(vector, other))]
        for fast, slow in cases:
            assert fast.shape == slow.shape
            for index in np.ndindex(slow.shape):
                a, b = fast[index], slow[index]
                assert (a.exact is None) == (b.exact is None), (index, a, b)  # exact exactly where elementwise is
                if a.exact is not None:
                    assert a.exact == b.exact
                else:
                    assert a.enclosure().overlaps(b.enclosure()), (index, a, b)
                    assert a.enclosure().rad() < 1e-30
