"""The page audit, property-tested as the spec audit is: generated pages of random networks.

Each page prints a network's givens, forward pass and loss (tests.helpers.forward_page), with the
values the spec properties use (nncheck.testing.claims_from_true_values, computed on the ball
backend from the network, not by the page audit). No false alarm on a correct page, every planted
error flagged, a truncation never called wrong.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, note
from hypothesis import strategies as st

from nncheck import strategies as nst
from nncheck.audit import audit_markdown
from nncheck.findings import Kind
from nncheck.records import Network
from nncheck.readers.spec.writer import DraftClaim
from tests.helpers import BACKWARD_ACTIVATIONS, BACKWARD_LOSSES, DETECTION, forward_page
from tests.test_auditor_properties import _flat, _places, _replace, _true_claims, _truncate

small_networks = nst.networks(max_depth=2, max_width=3)
PRINTED = ("z1", "a1", "z2", "a2", "L")  # what forward_page prints
# Networks whose backward pass forward_page can write (elementwise derivatives of a; see tests/helpers.py).
backward_networks = nst.networks(max_depth=2, max_width=3, hidden=tuple(BACKWARD_ACTIVATIONS),
                                 heads=tuple((a, loss) for a in BACKWARD_ACTIVATIONS for loss in BACKWARD_LOSSES))
BACKWARD = ("dL/da2", "da2/dz2", "dL/dz2", "dL/dW2", "dL/da1", "da1/dz1", "dL/dz1", "dL/dW1")


def _kinds(network: Network, claims: list[DraftClaim], substitute: bool, backward: bool = False) -> dict[str, Kind]:
    page = forward_page(network, claims, substitute=substitute, backward=backward)
    note(page)
    return {v.ref: v.kind for v in audit_markdown(page).verdicts}


def _page_ref(quantity: str, suffix: str, shape: tuple[int, ...]) -> str:
    """The page's id of a quantity's element: z1[0] is z_1[0], dL/dW2[0,1] is ∂L/∂W_2[0,1], L is L.

    A vector is printed as a column: its index is the row (a one-element column has none); a matrix
    keeps both indices unless it is a single row or column.
    """
    def spelled(name: str) -> str:
        return name if name in ("L",) else f"{name[0]}_{name[1:]}"

    name = spelled(quantity) if "/" not in quantity else "/".join("∂" + spelled(part.removeprefix("d"))
                                                                   for part in quantity.split("/"))
    if suffix.count(",") == 0:
        return name + suffix
    row, column = suffix[1:-1].split(",")
    if shape[0] > 1 and shape[1] > 1:
        return f"{name}[{row},{column}]"
    return name + ("" if shape == (1, 1) else f"[{row if shape[0] > 1 else column}]")


@given(small_networks, st.data(), st.booleans())
def test_correctly_rounded_pages_always_hold(network: Network, data: st.DataObject, substitute: bool) -> None:
    kinds = _kinds(network, _true_claims(network, _places(data)), substitute)
    # UNDECIDED only where a true value lies exactly on a rounding boundary reached through exp
    # (softmax of equal scores), as for specs.
    assert set(kinds.values()) <= {Kind.HOLDS, Kind.UNDECIDED}, kinds


@given(small_networks, st.data(), st.booleans())
def test_pages_computed_from_their_rounded_numbers_never_fail(network: Network, data: st.DataObject, substitute: bool) -> None:
    kinds = _kinds(network, _true_claims(network, _places(data), from_own=True), substitute)
    assert set(kinds.values()) <= {Kind.HOLDS, Kind.CARRIED, Kind.UNDECIDED}, kinds


def _moved_value_is_flagged(network: Network, data: st.DataObject, printed: tuple[str, ...], *, substitute: bool,
                            backward: bool) -> None:
    """Move one printed element of one of the ``printed`` quantities by 2 to 50 units: its verdict is not holds."""
    claims = _true_claims(network, _places(data))
    which = data.draw(st.sampled_from([i for i, c in enumerate(claims) if c.quantity in printed]), label="claim")
    claim = claims[which]
    position = data.draw(st.integers(0, len(_flat(claim.value)) - 1), label="element")
    units = data.draw(st.integers(2, 50) | st.integers(-50, -2), label="units moved")
    original = Decimal(_flat(claim.value)[position])
    moved = original + units * Decimal(1).scaleb(original.as_tuple().exponent)
    value, suffix = _replace(claim.value, position, str(moved))
    claims[which] = DraftClaim(claim.quantity, value, claim.step)
    kinds = _kinds(network, claims, substitute, backward=backward)
    nested = not isinstance(claim.value, str) and not isinstance(claim.value[0], str)
    shape = (len(claim.value), len(claim.value[0])) if nested else (len(_flat(claim.value)), 1)
    ref = _page_ref(claim.quantity, suffix if "," in suffix else f"[{suffix[1:-1] or 0},0]", shape)
    DETECTION["planted"] += 1
    DETECTION["flagged"] += kinds.get(ref, Kind.HOLDS) is not Kind.HOLDS
    assert kinds.get(ref) not in (None, Kind.HOLDS), (ref, str(original), str(moved), kinds)


@given(small_networks, st.data(), st.booleans())
def test_a_printed_value_moved_by_two_or_more_units_is_flagged(network: Network, data: st.DataObject, substitute: bool) -> None:
    _moved_value_is_flagged(network, data, PRINTED, substitute=substitute, backward=False)


@given(small_networks, st.data(), st.booleans())
def test_truncating_instead_of_rounding_is_never_wrong_on_a_page(network: Network, data: st.DataObject, substitute: bool) -> None:
    digits = data.draw(st.integers(1, 6), label="decimals")
    claims = _true_claims(network, lambda quantity: digits)
    precise = _true_claims(network, lambda quantity: digits + 12)
    shown = [i for i, c in enumerate(claims) if c.quantity in PRINTED]
    which = data.draw(st.sampled_from(shown), label="claim")
    claims[which] = DraftClaim(claims[which].quantity, _truncate(precise[which].value, digits), claims[which].step)
    kinds = _kinds(network, claims, substitute)
    assert set(kinds.values()) <= {Kind.HOLDS, Kind.SLIP, Kind.CARRIED, Kind.UNDECIDED}, kinds


@given(backward_networks, st.data(), st.booleans(), st.booleans())
def test_backward_passes_hold_when_correct_and_never_fail_from_their_own_numbers(
        network: Network, data: st.DataObject, substitute: bool, from_own: bool) -> None:
    drawn = _places(data)

    def places(quantity: str) -> int:
        # The page does not print ∂z/∂W or ∂z/∂a (copies of a and W): the values after them are computed
        # from a and W as the page prints them, not from a copy rounded differently.
        return 40 if quantity.startswith("dz") else drawn(quantity)

    kinds = _kinds(network, _true_claims(network, places, from_own=from_own), substitute, backward=True)
    allowed = {Kind.HOLDS, Kind.CARRIED, Kind.UNDECIDED} if from_own else {Kind.HOLDS, Kind.UNDECIDED}
    assert set(kinds.values()) <= allowed, kinds
    assert any(ref.startswith("∂L/∂W_1") for ref in kinds), "the backward pass was not judged"


@given(backward_networks, st.data(), st.booleans())
def test_a_backward_value_moved_by_two_or_more_units_is_flagged(network: Network, data: st.DataObject, substitute: bool) -> None:
    _moved_value_is_flagged(network, data, BACKWARD, substitute=substitute, backward=True)
