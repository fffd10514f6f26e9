"""Symbolic proofs: the built-in set goes through, and a wrong identity or a planted bug does not."""

from __future__ import annotations

import sympy
import pytest

from nncheck.network import rules
from nncheck.proofs import Status, builtin_proofs, network_proofs, run
from nncheck.proofs.identities import _linear_layer, identity_proofs
from nncheck.proofs.symbolic import is_zero, skeleton
from tests.helpers import BLOG, run_cli

z = sympy.Symbol("z", real=True)


def test_builtin_proofs_all_go_through() -> None:
    results = list(run(builtin_proofs()))
    not_proved = [(r.identity, r.network, r.note) for r in results if r.status is Status.NOT_PROVED]
    assert not_proved == []
    # A ReLU output feeding a log loss is undefined where a unit is dead (log 0): those pieces, and only
    # those, are "not applicable" rather than proved.
    skipped = {r.network.split(" signs")[0] for r in results if r.status is Status.NOT_APPLICABLE}
    assert skipped == {"2-2 relu bce", "2-2 relu cross_entropy"}
    assert sum(r.status is Status.PROVED for r in results) > 200


def test_every_layered_activation_and_loss_pair_is_in_the_builtin_set() -> None:
    from nncheck.proofs import ACTIVATIONS, LOSSES

    networks = {p.network.split(" signs")[0] for p in builtin_proofs()}
    for activation in ACTIVATIONS:
        for loss in LOSSES:
            assert f"2-2 {activation} {loss}" in networks


def test_every_row_of_the_rule_table_has_its_derivative_proved() -> None:
    from nncheck.proofs.rules import rule_proofs

    proofs = {p.identity: p.check() for p in rule_proofs()}
    named = {identity.split("′")[0] for identity in proofs} | {identity.split("/")[0][1:] for identity in proofs}
    assert set(rules.ACTIVATIONS) - {"softmax"} <= named and set(rules.LOSSES) <= named
    assert set(proofs.values()) == {Status.PROVED}


@pytest.mark.parametrize("row", ["gelu", "huber", "multiclass_hinge"])
def test_a_wrong_derivative_in_the_rule_table_is_not_proved(row: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planted error: the derivative off by a factor 1.01 on every piece (gelu, Huber) or in one term."""
    from dataclasses import replace

    from nncheck.proofs.rules import rule_proofs

    if row in rules.ACTIVATIONS:
        rule = rules.ACTIVATIONS[row]
        wrong = replace(rule, derivative=lambda B, z, p: rule.derivative(B, z, p) * sympy.Rational(101, 100))
        monkeypatch.setitem(rules.ACTIVATIONS, row, wrong)
    else:
        loss = rules.LOSSES[row]
        monkeypatch.setitem(rules.LOSSES, row, replace(loss, gradient=lambda B, a, y: loss.gradient(B, a, y) + a * 0 + y[0] / 100))
    found = [p.check() for p in rule_proofs() if f"{row}′" in p.identity or f"∂{row}/" in p.identity]
    assert found == [Status.NOT_PROVED]


@pytest.mark.parametrize("wrong", [
    sympy.diff(1 / (1 + sympy.exp(-z)), z) - (1 / (1 + sympy.exp(-z))) * (1 + 1 / (1 + sympy.exp(-z))),  # σ(1 + σ)
    sympy.diff(sympy.tanh(z), z) - (1 + sympy.tanh(z) ** 2),
    sympy.exp(2 * z) - sympy.exp(z),
], ids=["sigmoid-plus", "tanh-plus", "exp-2z"])
def test_a_wrong_identity_is_not_proved(wrong) -> None:
    assert not is_zero(wrong)


def test_true_identities_through_exponential_relations_are_proved() -> None:
    # exp(2z) = exp(z)², and tanh written with exponentials: the zero test must see through both.
    assert is_zero(sympy.exp(2 * z) - sympy.exp(z) ** 2)
    assert is_zero(sympy.tanh(z) - (sympy.exp(2 * z) - 1) / (sympy.exp(2 * z) + 1))


def test_softmax_identity_needs_targets_that_sum_to_one() -> None:
    zs = sympy.symbols("z0:2", real=True)
    ys = sympy.symbols("y0:2", real=True)  # free: no sum-to-one condition
    total = sum(sympy.exp(v) for v in zs)
    loss = -sum(t * sympy.log(sympy.exp(v) / total) for t, v in zip(ys, zs))
    assert not is_zero(sympy.diff(loss, zs[0]) - (sympy.exp(zs[0]) / total - ys[0]))


def test_chain_rule_check_detects_a_transposed_gradient() -> None:
    W, a, _, loss, delta = _linear_layer()
    assert not is_zero(sympy.diff(loss, W[0, 1]) - delta[1] * a[0])  # δ_j a_i instead of δ_i a_j
    assert is_zero(sympy.diff(loss, W[0, 1]) - delta[0] * a[1])


def test_general_identities_are_proved() -> None:
    assert {r.status for r in run(identity_proofs())} == {Status.PROVED}


def test_planted_bug_in_the_backward_pass_is_not_proved(monkeypatch) -> None:
    sigmoid = rules.ACTIVATIONS["sigmoid"]
    broken = rules.Activation(sigmoid.name, sigmoid.latex, "a(1 + a)", sigmoid.forward,
                              lambda B, a, p: a * (1 + a), "a")
    monkeypatch.setitem(rules.ACTIVATIONS, "sigmoid", broken)
    results = list(run(network_proofs(skeleton((2, 1), ("sigmoid",), "mse"))))
    assert {r.status for r in results} == {Status.NOT_PROVED}


def test_prove_command_on_the_blog_network() -> None:
    status, out, err = run_cli("prove", str(BLOG), "--quiet")
    assert status == 0 and err == ""
    assert "backward steps wired as reverse mode" in out and "∂L/∂z1 = (∂a1/∂z1)ᵀ ∂L/∂a1 (relu)" in out
    assert "not proved" not in out and "∂L/∂W1 = backprop" not in out
    status, out, _ = run_cli("prove", str(BLOG), "--quiet", "--whole")  # and the whole network against sympy.diff
    assert status == 0 and "∂L/∂W1 = backprop" in out and "2-2-1 relu,sigmoid bce signs +−" in out


def test_every_smooth_operation_has_its_vector_jacobian_product_proved() -> None:
    from nncheck.expr.operations import OPERATIONS
    from nncheck.proofs.rules import rule_proofs

    proofs = {p.identity: p for p in rule_proofs() if "vector–Jacobian" in p.identity}
    piecewise = {"amax", "amin", "max_pool", "argmax"}  # kinks are conventions: tested against central differences
    for name in set(OPERATIONS) - piecewise | {"softmax", "log_softmax"}:
        proof = proofs[f"the vector–Jacobian product of {name} is its gradient"]
        assert proof.check() is Status.PROVED, name


@pytest.mark.parametrize("name", ["layer_norm", "attention", "conv2d"])
def test_a_wrong_vector_jacobian_product_is_not_proved(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planted error: one argument's adjoint scaled by 1.01."""
    from dataclasses import replace

    from nncheck.expr import operations
    from nncheck.proofs.rules import rule_proofs

    row = operations.OPERATIONS[name]
    assert row.backward is not None
    original = row.backward

    def wrong(ev, adjoint, arguments):  # type: ignore[no-untyped-def]
        found = dict(original(ev, adjoint, arguments))
        found[0] = found[0] * sympy.Rational(101, 100)
        return found

    monkeypatch.setitem(operations.OPERATIONS, name, replace(row, backward=wrong))
    [proof] = [p for p in rule_proofs() if p.identity == f"the vector–Jacobian product of {name} is its gradient"]
    assert proof.check() is Status.NOT_PROVED


def test_a_proof_past_its_time_limit_is_not_proved_and_the_others_still_run() -> None:
    import time as clock

    from nncheck.proofs import Proof, Status, run

    def slow() -> Status:
        end = clock.perf_counter() + 30
        while clock.perf_counter() < end:  # Python steps, as SymPy's: the timer's signal stops it between two
            pass
        return Status.PROVED

    results = list(run([Proof("slow", "n", slow), Proof("quick", "n", lambda: Status.PROVED)], limit=0.2))
    assert [r.status for r in results] == [Status.TIME_LIMIT, Status.PROVED]
    assert results[0].seconds < 5 and "stopped after 0.2 s" in results[0].note


def test_prove_prints_each_row_as_it_finishes_and_a_time_limit_fails_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli("prove", str(BLOG), "--quiet", "--time-limit", "0")
    rows = out.splitlines()
    assert status == 0 and rows[0].split() == ["identity", "network", "status", "time"]
    assert all("proved" in row for row in rows[1:rows.index("")])
    assert run_cli("prove", str(BLOG), "--time-limit", "-1")[0] == 2


@pytest.mark.parametrize(("network", "row"), [
    (skeleton((3, 4, 4, 2), ("sigmoid", "sigmoid", "sigmoid"), "bce"), "sigmoid"),
    (skeleton((2, 3, 3), ("relu", "softmax"), "cross_entropy"), "cross_entropy"),
    (skeleton((2, 3, 1), ("leaky_relu", "tanh"), "half_sse"), "tanh"),
], ids=["sigmoid", "softmax-ce", "leaky-tanh"])
def test_reverse_mode_is_proved_step_by_step_and_a_wrong_step_is_not(network, row: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each backward step against SymPy's Jacobian with a symbolic upstream gradient, and the wiring; with the row's
    derivative (or the loss's gradient) 1% off, exactly that step's proof fails."""
    from dataclasses import replace

    from nncheck.proofs.structure import structural_proofs

    assert {p.check() for p in structural_proofs(network)} == {Status.PROVED}
    if row in rules.ACTIVATIONS:
        rule = rules.ACTIVATIONS[row]
        monkeypatch.setitem(rules.ACTIVATIONS, row, replace(rule, derivative=lambda B, z, p: rule.derivative(B, z, p) * sympy.Rational(101, 100)))
    else:
        loss = rules.LOSSES[row]
        monkeypatch.setitem(rules.LOSSES, row, replace(loss, gradient=lambda B, a, y: loss.gradient(B, a, y) * sympy.Rational(101, 100)))
    failed = [p.identity for p in structural_proofs(network) if p.check() is not Status.PROVED]
    assert failed and all(row in identity or "∇" in identity for identity in failed), failed


def test_a_miswired_backward_step_is_not_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    """dL/dW1 reading dL/dz2 instead of dL/dz1: every local step is still right, the wiring is not."""
    from dataclasses import replace

    import nncheck.proofs.structure as structure

    network = skeleton((2, 2, 2, 1), ("tanh", "tanh", "sigmoid"), "bce")
    table = structure.step_table(network)
    broken = {**table, "dL/dW1": replace(table["dL/dW1"], operands=("dL/dz2", "dz1/dW1"))}
    monkeypatch.setattr(structure, "step_table", lambda net: broken)
    assert structure._wiring(network) is Status.NOT_PROVED
