"""`nncheck prove [SPEC]`: prove the gradient identities with SymPy, for a spec's network or a built-in set."""

from __future__ import annotations

import argparse
import sys

from nncheck.commands import EXIT_FINDINGS, EXIT_OK

NAME = "prove"
HELP = "prove the backward pass equals the derivative of the loss (SymPy)"
DESCRIPTION = (
    "Prove, with symbolic weights, inputs and targets, that the backward pass equals the derivative of the loss, and "
    "the identities worked examples use (σ′ = σ(1 − σ), ∂L/∂z = ŷ − y, ...). With SPEC, for that spec's network, "
    "step by step: each backward step is the vector–Jacobian product of its forward step (SymPy's Jacobian, a "
    "symbolic upstream gradient) and the steps are wired as reverse mode, so the time grows with the kinds of "
    "operation, not the widths (--whole adds sympy.diff of the whole loss). Without SPEC, a built-in set of networks "
    "and every rule of the vocabulary. ReLU is proved one sign pattern at a time. A difference that does not reduce "
    "to zero is reported 'not proved', never 'false'. Results print as they finish. Exit status 1 when anything is "
    "not proved."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", nargs="?", help="a spec file whose network to prove (default: the built-in set)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")
    parser.add_argument("--whole", action="store_true",
                        help="with SPEC, also prove every gradient of the whole network against sympy.diff of its loss, "
                             "at its real widths (slower: it grows with the network)")
    parser.add_argument("--time-limit", metavar="SECONDS", type=_seconds, default=DEFAULT_TIME_LIMIT,
                        help="stop a proof after this long and report it 'not proved (time limit)' "
                             f"(default: {DEFAULT_TIME_LIMIT:g}; 0 for none)")


DEFAULT_TIME_LIMIT = 60.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (0 for no limit), got {text!r}")
    return value


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
        from nncheck.proofs.structure import structural_proofs

        proofs = list(identity_proofs()) + list(structural_proofs(spec.network))
        if args.whole:
            proofs += network_proofs(spec.network)
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

    # Each row is printed as its proof finishes (an interrupted run keeps them): the columns are as wide as the
    # longest identity and network to come, and the status column as its longest value.
    headers = ("identity", "network", "status", "time")
    widths = [max([len(headers[0]), *(len(p.identity) for p in proofs)]), max([len(headers[1]), *(len(p.network) for p in proofs)]),
              max(len(headers[2]), *(len(status.value) for status in Status)), 0]

    def row(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip() + "\n"

    sys.stdout.write(row(headers))
    results = []
    for result in run_proofs(proofs, progress, limit=args.time_limit or None):
        results.append(result)
        if interactive and not args.quiet:
            sys.stderr.write("\r\x1b[K")
        sys.stdout.write(row((result.identity, result.network, result.status.value, f"{result.seconds:.2f} s")))
        sys.stdout.flush()
    counts = {status: sum(r.status is status for r in results) for status in Status}
    sys.stdout.write("\n" + ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
                     + f" in {sum(r.seconds for r in results):.1f} s\n")
    notes = sorted({r.note for r in results if r.note})
    for note in notes:
        sys.stdout.write(f"note: {note}\n")
    return EXIT_FINDINGS if counts[Status.NOT_PROVED] or counts[Status.TIME_LIMIT] else EXIT_OK
