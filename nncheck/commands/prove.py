"""`nncheck prove [SPEC]`: prove the gradient identities with SymPy, for a spec's network or a built-in set."""

from __future__ import annotations

import argparse
import sys

from nncheck.commands import EXIT_FINDINGS, EXIT_OK

NAME = "prove"
HELP = "prove the backward pass equals the derivative of the loss (SymPy)"
DESCRIPTION = (
    "Prove, with symbolic weights, inputs and targets, that the hand-written backward pass equals sympy.diff "
    "of the loss for every parameter, and the identities worked examples use (σ′ = σ(1 − σ), ∂L/∂z = ŷ − y, ...). "
    "With SPEC, for that spec's architecture; without, for a built-in set of networks. ReLU is proved one sign "
    "pattern at a time. A difference that does not reduce to zero is reported 'not proved', never 'false'. "
    "Exit status 1 when anything is not proved."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", nargs="?", help="a spec file whose network to prove (default: the built-in set)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")


def run(args: argparse.Namespace) -> int:
    from nncheck.proofs import Status, builtin_proofs, network_proofs
    from nncheck.proofs import run as run_proofs
    from nncheck.proofs.identities import identity_proofs

    if args.spec:
        from nncheck.errors import UsageError
        from nncheck.readers.spec import load_spec
        from nncheck.records import Spec

        spec = load_spec(args.spec)
        if not isinstance(spec, Spec):
            raise UsageError(f"{args.spec}: nncheck prove proves a layered network's backward pass; this spec gives a "
                             "model in the general form, whose gradients are taken by reverse mode")
        proofs = list(identity_proofs()) + network_proofs(spec.network)
    else:
        proofs = builtin_proofs()
    interactive = sys.stderr.isatty()

    def progress(number: int, total: int, proof: object) -> None:
        if args.quiet:
            return
        line = f"[{number}/{total}] {getattr(proof, 'identity', '')}  {getattr(proof, 'network', '')}"
        if interactive:
            sys.stderr.write("\r\x1b[K" + line)
        elif number == 1 or number == total or number % 25 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    results = list(run_proofs(proofs, progress))
    if interactive and not args.quiet:
        sys.stderr.write("\r\x1b[K")
    headers = ("identity", "network", "status", "time")
    rows = [(r.identity, r.network, r.status.value, f"{r.seconds:.2f} s") for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n")
    counts = {status: sum(r.status is status for r in results) for status in Status}
    sys.stdout.write("\n" + ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
                     + f" in {sum(r.seconds for r in results):.1f} s\n")
    notes = sorted({r.note for r in results if r.note})
    for note in notes:
        sys.stdout.write(f"note: {note}\n")
    return EXIT_FINDINGS if counts[Status.NOT_PROVED] else EXIT_OK
