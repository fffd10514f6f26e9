"""An update (w ← w − η g, also \\gets) re-binds the updated name only: every other name keeps its quantity.

Each page: x = 2, y = 1, w = 0.5, b = 0.1, η = 0.1 given in a Setup section; a Forward section computes
z = w x + b = 0.5·2 + 0.1 = 1.1 and δ = z − y = 0.1; a Backward section g = δ x = 0.1·2 = 0.2; an Update section
updates a weight (w = 0.5 − 0.1·0.2 = 0.48, or b = 0.1 − 0.1·0.1 = 0.09) and restates earlier names. All by hand.

A printed value's rounding interval is [p − u/2, p + u/2]: δ printed 0.1 is [0.05, 0.15] and g printed 0.2 is
[0.15, 0.25], so a restatement δ = 0.3 ([0.25, 0.35]) or g = 0.4 ([0.35, 0.45]) is disjoint from the earlier
statement and wrong: a contradiction. w = 0.46 ([0.455, 0.465]) is disjoint from the 0.48 ([0.475, 0.485]) the
update printed, and b = 0.07 ([0.065, 0.075]) from the 0.09 ([0.085, 0.095]).
"""

from __future__ import annotations

import pytest

from nncheck.audit import Kind, audit_markdown

H, C = Kind.HOLDS, Kind.CONTRADICTION

SETUP = ("# Example\n\n## Setup\n\nThe input is $x = 2$, the target $y = 1$, the weights $w = 0.5$, $b = 0.1$ "
         "and $\\eta = 0.1$.\n\n## Forward\n\n$$z = w x + b = 0.5 \\cdot 2 + 0.1 = 1.1$$\n\n"
         "$$\\delta = z - y = 1.1 - 1 = 0.1$$\n\n## Backward\n\n$$g = \\delta x = 0.1 \\cdot 2 = 0.2$$\n\n")
FIRST = [("z", "1.1", H), ("δ", "0.1", H), ("g", "0.2", H)]
UPDATE_W = "$$w \\leftarrow w - \\eta g = 0.5 - 0.1 \\cdot 0.2 = 0.48$$\n\n"

CASES = {
    # After the update, in its section: δ, z and g keep the quantities of Forward and Backward; w is the updated w.
    "restatements after a \\leftarrow update": (
        "## Update\n\n" + UPDATE_W + "$$\\delta = 0.3$$\n\n$$z = 1.10$$\n\n$$g = 0.4$$\n\n$$w = 0.46$$\n",
        [("w", "0.48", H), ("δ#2", "0.3", C), ("z#2", "1.10", H), ("g#2", "0.4", C), ("w#2", "0.46", C)]),
    # \gets, and restatements in inline math: 0.10 is δ's 0.1 again (holds), g = 0.4 is not.
    "restatements after a \\gets update, inline": (
        ("## Update\n\n$$b \\gets b - \\eta \\delta = 0.1 - 0.1 \\cdot 0.1 = 0.09$$\n\nso $\\delta = 0.10$ and $g = 0.4$.\n\n"
         "$$b = 0.07$$\n"),
        [("b", "0.09", H), ("line21:δ", "0.10", H), ("line21:g", "0.4", C), ("b#2", "0.07", C)]),
    "restatements before and after the update": (
        "## Update\n\n$$\\delta = 0.3$$\n\n" + UPDATE_W + "$$g = 0.20$$\n",
        [("δ#2", "0.3", C), ("w", "0.48", H), ("g#2", "0.20", H)]),
    "an update in the section that computed g": (
        "$$w \\gets w - \\eta g = 0.5 - 0.1 \\cdot 0.2 = 0.48$$\n\n$$\\delta = 0.3$$\n\n$$g = 0.2$$\n",
        [("w", "0.48", H), ("δ#2", "0.3", C)]),  # g = 0.2 repeats the 0.2 printed for g digit for digit: no verdict
    # Control: a new example still binds anew. Epoch 2 gives x anew (3); its δ = 0.7 is that example's value.
    "a new example after the update": (
        "## Update\n\n" + UPDATE_W + "## Epoch 2\n\nThe input is now $x = 3$.\n\n"
        "$$z = w x + b = 0.48 \\cdot 3 + 0.1 = 1.54$$\n\n$$\\delta = 0.7$$\n",  # 1.44 + 0.1 = 1.54
        [("w", "0.48", H), ("z#2", "1.54", H)]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_update_rebinds_only_the_updated_name(case: str) -> None:
    page, expected = CASES[case]
    result = audit_markdown(SETUP + page, diagnose=0)
    assert [(v.ref, v.stated, v.kind) for v in result.verdicts] == FIRST + expected


def test_an_update_continued_in_the_next_display_is_made_once() -> None:
    # w ← w − η g, then "= 0.5 − 0.1·0.2 = 0.48" in the next display: the update is made once (0.48), from the w
    # it replaces, not applied again to the updated w (0.48 − 0.02 = 0.46).
    page = SETUP + "## Update\n\n$$w \\leftarrow w - \\eta g$$\n\n$$= 0.5 - 0.1 \\cdot 0.2 = 0.48$$\n\n$$\\delta = 0.3$$\n"
    result = audit_markdown(page, diagnose=0)
    assert [(v.ref, v.stated, v.kind) for v in result.verdicts] == FIRST + [("w", "0.48", H), ("δ#2", "0.3", C)]
    assert [v.exact for v in result.verdicts if v.ref == "w"] == ["0.48"]


def test_an_update_is_not_made_again_for_a_new_example() -> None:
    # Epoch 2 gives x = 3; its δ is computed again from the updated w: 0.48·3 + 0.1 − 1 = 0.54 (by hand). The update
    # of w is epoch 1's: it is not made again with epoch 2's x (that would give w = 0.48 − 0.1·0.3 = 0.45, δ = 0.45).
    page = SETUP + "## Update\n\n" + UPDATE_W + "## Epoch 2\n\nThe input is now $x = 3$.\n\n$$\\delta = 0.54$$\n"
    result = audit_markdown(page, diagnose=0)
    assert [(v.ref, v.stated, v.kind, v.exact) for v in result.verdicts][3:] == [
        ("w", "0.48", H, "0.48"), ("δ#2", "0.54", H, "0.54")]
