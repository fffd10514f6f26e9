"""How long `nncheck prove SPEC` takes: every spec in specs/ and larger layered networks, each against a target of
10 s, measured in one run; the step-by-step proofs and, for comparison, the whole network against sympy.diff of its
loss (--whole, with a 60 s limit per proof).

    python benchmarks/prove.py
"""

from __future__ import annotations

import time
from pathlib import Path

from nncheck.proofs import Status, network_proofs, run
from nncheck.proofs.identities import identity_proofs
from nncheck.proofs.structure import structural_proofs
from nncheck.proofs.symbolic import skeleton
from nncheck.readers.spec import load_spec
from nncheck.records import Network, Spec

TARGET = 10.0
ROOT = Path(__file__).resolve().parent.parent


def seconds(proofs: list, limit: float | None) -> tuple[float, int, int]:  # type: ignore[type-arg]
    start = time.perf_counter()
    results = list(run(proofs, limit=limit))
    return time.perf_counter() - start, sum(r.status is Status.PROVED for r in results), len(results)


def main() -> None:
    networks: list[tuple[str, Network]] = []
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        spec = load_spec(str(path))
        if isinstance(spec, Spec):
            networks.append((path.name, spec.network))
    networks += [("3-4-4-2 sigmoid, bce", skeleton((3, 4, 4, 2), ("sigmoid", "sigmoid", "sigmoid"), "bce")),
                 ("2-3-3-1 relu, bce", skeleton((2, 3, 3, 1), ("relu", "relu", "sigmoid"), "bce")),
                 ("64-64-64-1 sigmoid, bce", skeleton((64, 64, 64, 1), ("sigmoid", "sigmoid", "sigmoid"), "bce"))]
    for name, network in networks:
        step = seconds(list(identity_proofs()) + list(structural_proofs(network)), limit=60)
        line = (f"{name:<26} step by step {step[0]:6.2f} s ({step[1]}/{step[2]} proved; target ≤ {TARGET:g} s: "
                f"{'met' if step[0] <= TARGET and step[1] == step[2] else 'not met'})")
        if "64-64" not in name:
            whole = seconds(network_proofs(network), limit=60)
            line += f"   --whole {whole[0]:7.2f} s ({whole[1]}/{whole[2]} proved)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
