"""nncheck.testing.check_gradients: the certified reverse-mode reference, its directional cross-check, kinks.

The backprop under test is written here in plain NumPy (a sigmoid hidden layer and a sigmoid output under binary
cross-entropy, by the textbook formulas δ2 = a2 − y, δ1 = W2ᵀδ2 ⊙ a1(1 − a1)), independently of nncheck.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from nncheck import strategies as nst
from nncheck.network import ball, evaluate
from nncheck.records import Layer, Network
from nncheck.testing import GradientMismatch, check_gradients, nncheck_gradients, numeric_gradients, parameters, to_float


def textbook(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Backprop of sigmoid → sigmoid under BCE, by hand."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a1 = 1 / (1 + np.exp(-(W1 @ x + b1)))
    a2 = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
    delta2 = (a2 - y) / a2.size  # BCE averaged over the outputs
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return {"W1": np.outer(delta1, x), "b1": delta1, "W2": np.outer(delta2, a1), "b2": delta2}


def sigmoid_network(widths: tuple[int, int, int], seed: int) -> Network:
    rng = np.random.default_rng(seed)

    def numbers(*shape: int) -> np.ndarray:
        return rng.integers(-100, 101, size=shape)

    def layer(rows: int, cols: int) -> Layer:
        return Layer(tuple(tuple(Fraction(int(v), 100) for v in row) for row in numbers(rows, cols)),
                     tuple(Fraction(int(v), 100) for v in numbers(rows)), "sigmoid")

    return Network((layer(widths[1], widths[0]), layer(widths[2], widths[1])), "bce",
                   input=tuple(Fraction(int(v), 100) for v in numbers(widths[0])),
                   target=tuple(Fraction(int(v) % 2) for v in numbers(widths[2])))


@pytest.mark.parametrize("widths", [(2, 2, 1), (4, 3, 2), (16, 8, 3)])
def test_correct_backprop_passes(widths: tuple[int, int, int]) -> None:
    check_gradients(textbook, sigmoid_network(widths, seed=sum(widths)))


@pytest.mark.parametrize(("name", "index"), [("W1", (1, 0)), ("b2", (0,)), ("W2", (0, 2))])
def test_one_entry_off_by_one_part_in_ten_thousand_is_named_with_both_values(name: str, index: tuple[int, ...]) -> None:
    network = sigmoid_network((4, 3, 2), seed=7)

    def slipped(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        result = textbook(params, x, y)
        result[name] = result[name].copy()
        result[name][index] *= 1.0001
        return result

    right = textbook(parameters(network), np.array(network.input, dtype=float), np.array(network.target, dtype=float))
    with pytest.raises(GradientMismatch) as caught:
        check_gradients(slipped, network)
    message = str(caught.value)
    assert "disagree in 1 of " in message and f"{name:<10} layer {name[1]}" in message and str(list(index)) in message
    assert f"{right[name][index] * 1.0001:.10g}"[:10] in message and f"{right[name][index]:.10g}"[:10] in message


def test_a_wrong_name_or_shape_is_refused() -> None:
    network = sigmoid_network((2, 2, 1), seed=1)
    with pytest.raises(GradientMismatch, match="no analytic value for 'b2'"):
        check_gradients(lambda p, x, y: {k: v for k, v in textbook(p, x, y).items() if k != "b2"}, network)
    with pytest.raises(GradientMismatch, match=r"W1 has shape \(2, 2, 1\), expected \(2, 2\)"):
        check_gradients(lambda p, x, y: {**textbook(p, x, y), "W1": textbook(p, x, y)["W1"][..., None]}, network)


@settings(max_examples=25, deadline=None)
@given(nst.networks(max_depth=2, max_width=3))
def test_no_false_alarm_on_nnchecks_float_backprop(network: Network) -> None:
    """Drawn networks of every activation and loss: nncheck's float64 backprop (another backend than the reference's
    balls) passes, and the reference agrees with the slow 256-bit central differences it replaces."""
    check_gradients(lambda p, x, y: nncheck_gradients(p, x, y, network), network, rtol=1e-6, atol=1e-9)
    with ball.precision(256):
        fast = evaluate(network, ball)
    slow = numeric_gradients(network)
    for name, values in slow.items():
        for index in np.ndindex(values.shape):
            reference, differenced = to_float(fast[f"dL/d{name}"][index]), to_float(values[index])
            if not _at_a_kink(network, fast):
                assert abs(reference - differenced) <= 1e-12 * (1 + abs(differenced)), (name, index)


def _at_a_kink(network: Network, values: Mapping[str, np.ndarray]) -> bool:
    return any(layer.activation in ("relu", "leaky_relu") and any(abs(to_float(v)) < 1e-9 for v in
               np.asarray(values[f"z{l}"]).reshape(-1)) for l, layer in enumerate(network.layers, start=1))


def test_at_a_relu_kink_either_one_sided_derivative_passes_and_a_mismatch_gives_both() -> None:
    """z1 = 0.5·2 − 1 = 0 exactly: ReLU's kink. With ŷ = z2 = 3·relu(z1) + 0.25 under MSE against y = 1, L is
    (3·max(z1, 0) − 0.75)², so dL/dW1 is 0 from the left and 2·(−0.75)·3·2 = −9 from the right (by hand)."""
    network = Network((Layer(((Fraction(1, 2),),), (Fraction(-1),), "relu"), Layer(((Fraction(3),),), (Fraction(1, 4),), "identity")),
                      "mse", input=(Fraction(2),), target=(Fraction(1),))

    def with_derivative_at_zero(slope: float) -> object:
        def gradients(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
            z1 = params["W1"] @ x + params["b1"]
            a1 = np.maximum(z1, 0)
            z2 = params["W2"] @ a1 + params["b2"]
            d2 = 2 * (z2 - y)
            d1 = (params["W2"].T @ d2) * np.where(z1 > 0, 1.0, np.where(z1 == 0, slope, 0.0))
            return {"W1": np.outer(d1, x), "b1": d1, "W2": np.outer(d2, a1), "b2": d2}
        return gradients

    check_gradients(with_derivative_at_zero(0.0), network)  # PyTorch's convention
    check_gradients(with_derivative_at_zero(1.0), network)  # the right derivative
    with pytest.raises(GradientMismatch) as caught:
        check_gradients(with_derivative_at_zero(0.5), network)
    message = str(caught.value)
    assert "at a kink: z1[0]" in message and "one-sided at the kink: " in message
    right, left = (float(v) for v in message.split("one-sided at the kink: ")[1].split(")")[0].split(", "))
    assert abs(right + 9) < 1e-9 and left == 0  # the difference steps' truncation, O(2^-40), apart


def test_the_cross_check_catches_a_reference_that_is_not_the_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """If nncheck's own backward pass were wrong, the random-direction differences would say so, naming nncheck."""
    import nncheck.testing as testing

    network = sigmoid_network((3, 3, 1), seed=3)
    real = testing.evaluate

    def broken(net: Network, backend: object) -> dict[str, np.ndarray]:
        values = dict(real(net, backend))
        values["dL/dW1"] = values["dL/dW1"] * 2
        return values

    monkeypatch.setattr(testing, "evaluate", broken)
    with pytest.raises(GradientMismatch, match="a bug in nncheck"):
        check_gradients(textbook, network)
