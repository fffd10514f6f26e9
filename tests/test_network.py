"""Stage 2: the reference network. Expected values come from plain NumPy written here, or another backend."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from nncheck.network import ball, evaluate, exact, floating
from nncheck.network.rules import ACTIVATIONS, LOSSES
from nncheck.records import Conventions, Layer, Network
from nncheck.readers.spec import load_spec
from tests.helpers import BLOG

F = Fraction


def _fractions(values: np.ndarray) -> tuple:
    return tuple(tuple(F(str(v)) for v in row) for row in values) if values.ndim == 2 else tuple(F(str(v)) for v in values)


def test_exact_and_float_agree_on_the_blog_network() -> None:
    network = load_spec(str(BLOG)).network
    exact_values, float_values = evaluate(network, exact), evaluate(network, floating)
    assert exact_values.keys() == float_values.keys()
    for name, value in exact_values.items():
        as_float = np.array([float(v.evalf(30)) for v in np.ravel(value)]).reshape(np.shape(value))
        np.testing.assert_allclose(float_values[name], as_float, rtol=0, atol=1e-12, err_msg=name)


def test_blog_values_match_hand_computation() -> None:
    # By hand: z2 = 0.7·1.3 + 0.9·1.8 + 0.2 = 2.73 exactly; ŷ = 1/(1 + e^-2.73); ∂L/∂z2 = ŷ − 1 for sigmoid + BCE.
    values = evaluate(load_spec(str(BLOG)).network, exact)
    assert values["z2"][0] == F("2.73")
    yhat = 1 / (1 + np.exp(-2.73))
    assert float(values["a2"][0].evalf(20)) == pytest.approx(yhat, abs=1e-15)
    assert float(values["dL/dz2"][0].evalf(20)) == pytest.approx(yhat - 1, abs=1e-15)
    assert float(values["dL/dW1"][1, 1].evalf(20)) == pytest.approx((yhat - 1) * 0.9 * 2, abs=1e-15)


def _deep_network() -> Network:
    rng = np.random.default_rng(7)
    widths = (3, 4, 4, 2)
    layers = []
    for i, activation in enumerate(("tanh", "tanh", "softmax")):
        w = np.round(rng.uniform(-1, 1, (widths[i + 1], widths[i])), 2)
        b = np.round(rng.uniform(-0.5, 0.5, widths[i + 1]), 2)
        layers.append(Layer(_fractions(w), _fractions(b), activation))
    return Network(tuple(layers), "cross_entropy", input=(F("0.5"), F("-1.2"), F("2")), target=(F(0), F(1)),
                   learning_rate=F("0.1"))


def _plain_numpy(network: Network) -> dict[str, np.ndarray]:
    """An independent forward and backward pass: softmax + cross-entropy gives δ = a − y."""
    ws = [np.array(layer.weights, dtype=float) for layer in network.layers]
    bs = [np.array(layer.bias, dtype=float) for layer in network.layers]
    a = [np.array(network.input, dtype=float)]
    zs = []
    for i, (w, b) in enumerate(zip(ws, bs)):
        z = w @ a[-1] + b
        zs.append(z)
        a.append(np.tanh(z) if i < 2 else np.exp(z) / np.exp(z).sum())
    y = np.array(network.target, dtype=float)
    out = {"L": np.array(-np.sum(y * np.log(a[3])))}
    delta = a[3] - y
    for l in (3, 2, 1):
        out[f"z{l}"], out[f"a{l}"] = zs[l - 1], a[l]
        out[f"dL/dz{l}"] = delta
        out[f"dL/dW{l}"] = np.outer(delta, a[l - 1])
        out[f"dL/db{l}"] = delta
        out[f"W{l}_new"] = ws[l - 1] - 0.1 * out[f"dL/dW{l}"]
        grad_a = ws[l - 1].T @ delta
        out[f"dL/da{l - 1}"] = grad_a
        if l > 1:
            delta = grad_a * (1 - a[l - 1] ** 2)
    return out


def test_deep_tanh_softmax_network_matches_plain_numpy() -> None:
    network = _deep_network()
    expected = _plain_numpy(network)
    values = evaluate(network, floating)
    for name, value in expected.items():
        np.testing.assert_allclose(values[name], value, rtol=1e-12, atol=1e-14, err_msg=name)


def test_deep_network_ball_encloses_exact_and_agrees_with_float() -> None:
    network = _deep_network()
    floats = evaluate(network, floating)
    with ball.precision(128):
        balls = evaluate(network, ball)
    exacts = evaluate(network, exact)
    # SymPy's trees for the first layers' gradients grow to ~10^5 operations through the softmax
    # Jacobian, so the exact comparison takes the last layer's quantities; the ball backend is
    # compared with float64 everywhere.
    for name in ("L", "a3", "dL/dz3", "dL/dW3", "W3_new"):
        for index in np.ndindex(np.shape(floats[name])):
            true = exacts[name][index].evalf(60)
            with ball.precision(128):
                enclosure = balls[name][index].enclosure()
                # the 128-bit ball (radius ~1e-36) overlaps the 60-digit value's tiny ball
                assert enclosure.overlaps(ball.arb(str(true), "1e-55")), (name, enclosure, true)
                assert enclosure.rad() < ball.arb("1e-30"), name
    for name, value in floats.items():
        for index in np.ndindex(np.shape(value)):
            assert float(balls[name][index].enclosure().mid()) == pytest.approx(value[index], rel=1e-12, abs=1e-14), name


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"softmax"}))
@pytest.mark.parametrize("loss", sorted(set(LOSSES) - {"cross_entropy"}))
def test_backward_matches_central_differences(activation: str, loss: str) -> None:
    """Hand-written gradients against (L(w + h) − L(w − h)) / 2h in float64, away from ReLU kinks."""
    def network(w: tuple) -> Network:
        hidden = Layer(((F("0.3"), F("-0.2")), (F("0.1"), F("0.4"))), (F("0.05"), F("-0.1")), activation)
        out = Layer((w,), (F("0.1"),), "sigmoid")
        return Network((hidden, out), loss, input=(F("1.5"), F("0.5")), target=(F("0.25"),))

    w = (F("0.6"), F("-0.7"))
    grad = evaluate(network(w), floating)["dL/dW2"][0]
    h = F(1, 10**6)
    for j in range(2):
        up = tuple(v + h if k == j else v for k, v in enumerate(w))
        down = tuple(v - h if k == j else v for k, v in enumerate(w))
        numeric = (evaluate(network(up), floating)["L"] - evaluate(network(down), floating)["L"]) / (2 * float(h))
        assert grad[j] == pytest.approx(float(numeric), rel=1e-6, abs=1e-9), (activation, loss, j)


@pytest.mark.parametrize(("convention", "expected"), [(F(0), 0), (F(1), 1), (F("0.5"), 0.5)])
def test_relu_derivative_at_zero_follows_the_convention(convention: Fraction, expected: float) -> None:
    # z1 = 1·1 + (−1)·1 + 0 = 0 exactly, so ReLU′ is taken at its kink.
    hidden = Layer(((F(1), F(-1)),), (F(0),), "relu")
    network = Network((hidden, Layer(((F(1),),), (F(0),), "sigmoid")), "bce", input=(F(1), F(1)), target=(F(1),),
                      conventions=Conventions(relu_grad_at_zero=convention))
    assert float(evaluate(network, floating)["da1/dz1"][0]) == expected
    assert float(evaluate(network, exact)["da1/dz1"][0]) == expected
    assert evaluate(network, ball)["da1/dz1"][0].exact == expected
