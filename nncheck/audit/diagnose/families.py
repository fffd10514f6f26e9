"""The slip families, one row each: name, prior cost, what it covers, and the generator of its candidates.

The order is the ranking's tie-break: the habits worked examples show most often come first. Every
single slip costs about 1 and a compound slip the sum of its parts, so one slip always outranks two.
"""

from __future__ import annotations

from dataclasses import dataclass

from nncheck.audit.diagnose import steps, values
from nncheck.audit.diagnose.candidates import Generator


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    cost: float  # prior: lower is a simpler, more common slip
    covers: str  # what the family looks for, for documentation
    generate: Generator


FAMILIES: tuple[Family, ...] = (
    Family("substituted", 1.0, "another value the document states, used in place of the right one", values.substituted),
    Family("rounded", 1.0, "an intermediate value rounded or truncated before reuse; a result truncated or rounded twice",
           values.rounded_family),
    Family("sign", 1.1, "a flipped sign, of the result or of one number in the step", steps.sign),
    Family("factor", 1.1, "a factor 2 or ½ (or 1/n of a mean) missing or extra in the loss or its gradient; η left out",
           steps.factor),
    Family("neighbour", 1.2, "the value of a neighbouring element, of an operand, or of a number printed nearby",
           values.neighbour),
    Family("digits", 1.2, "digits transposed, dropped or repeated in copying", values.digits),
    Family("transposed", 1.3, "W for Wᵀ, the outer product turned round, or one weight or bias used for another",
           steps.transposed),
    Family("activation", 1.3, "an activation or its derivative at the wrong point (z for a, a for z, σ′(a))",
           steps.activation),
    Family("bias", 1.3, "a bias left out or added twice", steps.bias),
    Family("product", 1.4, "an elementwise product for an outer one, or a dot product for an elementwise one",
           steps.product),
    Family("updated", 1.4, "the updated weights used in a backward step that needs the original ones", steps.updated),
    Family("consistent", 2.5, "a value worked back from another wrong statement (both from another version of the example)",
           values.consistent),
)
COSTS = {family.name: family.cost for family in FAMILIES}
ORDER = {family.name: position for position, family in enumerate(FAMILIES)}
