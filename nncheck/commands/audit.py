"""`nncheck audit SPEC`: recompute and judge every number a spec records."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, TextIO

from nncheck.commands import EXIT_FINDINGS, EXIT_OK
from nncheck.errors import UsageError
from nncheck.report import FORMATS
from nncheck.oracles import ORACLES, TOLERANCE
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Network

if TYPE_CHECKING:  # the audit stage loads in run(), so that --help stays fast
    from nncheck.audit import Audit, Kind
    from nncheck.baseline import Baseline

NAME = "audit"
HELP = "recompute and judge every number a spec records"
DESCRIPTION = ("Recompute every claim of SPEC and judge it: holds, rounding slip, carried, wrong, contradiction. "
               "A page (Markdown .md, notebook .ipynb, HTML .html, LaTeX .tex) is audited directly: every formula whose sides are numeric.")
DEFAULT_FAIL_ON = "wrong,contradiction"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="a spec file, e.g. specs/blog.yaml, or a page (.md, .ipynb, .html, .tex)")
    parser.add_argument("--format", choices=FORMATS, default="terminal", help="report format (default: terminal)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", metavar="VERDICTS", default=DEFAULT_FAIL_ON,
                        help="comma-separated verdicts that make the exit status 1: holds, slip, carried, wrong, "
                             f"contradiction, undecided, or 'none' (default: {DEFAULT_FAIL_ON})")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the terminal report (default: auto, i.e. only on a terminal; NO_COLOR is honoured)")
    known = parser.add_mutually_exclusive_group()
    known.add_argument("--baseline", metavar="FILE",
                       help="accept the findings FILE lists (see --write-baseline): only failing verdicts it does not "
                            "list make the exit status 1; listed findings that no longer occur are reported as fixed")
    known.add_argument("--write-baseline", metavar="FILE",
                       help="record the failing verdicts of SPEC in FILE as accepted, keeping other specs' entries, "
                            "and exit 0")
    parser.add_argument("--diagnose", metavar="N", type=diagnose_limit, default=DEFAULT_DIAGNOSE_LIMIT,
                        help="look for the likely cause of the first N findings, in document order, or of 'all' of them "
                             f"(default: {DEFAULT_DIAGNOSE_LIMIT}; 0 turns the diagnosis off); the summary says how many "
                             "were left out")
    parser.add_argument("--oracle", choices=ORACLES,
                        help="also run the network or model in a framework (torch: PyTorch, float64, needs nncheck[torch]) and "
                             "report each quantity's largest discrepancy from the exact values on standard error; "
                             f"one beyond {TOLERANCE:g}·(1 + |exact|) makes the exit status 1")


def diagnose_limit(text: str) -> int | None:
    """--diagnose: a count of findings, or 'all' (None: no limit)."""
    if text.strip().lower() == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of findings (0 or more) or 'all', got {text!r}")
    return value


def fail_on(text: str, *, option: str = "--fail-on") -> frozenset[Kind]:
    """The verdict kinds named by a --fail-on value (or by the setting ``option``)."""
    from nncheck.audit import Kind

    if text.strip() == "none":
        return frozenset()
    kinds = set()
    for part in text.split(","):
        try:
            kinds.add(Kind.from_key(part.strip()))
        except ValueError as error:
            raise UsageError(f"{option}: {error}") from None
    return frozenset(kinds)


def use_colour(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def run(args: argparse.Namespace) -> int:
    from nncheck.audit import audit
    from nncheck.baseline import load as load_baseline
    from nncheck.baseline import updated
    from nncheck.audit.page import page_network
    from nncheck.oracles import load as load_oracle
    from nncheck.readers import read
    from nncheck.records import ModelSpec, Spec
    from nncheck.report import renderer

    failing_kinds = fail_on(args.fail_on)
    # The framework is loaded first, so that a missing one is the only output.
    oracle = load_oracle(args.oracle) if args.oracle else None
    network: Network | ModelSpec | None = None
    document = read(args.spec)
    spec = document if isinstance(document, Spec) else None
    if spec is not None:
        network = spec.network
    elif oracle is not None and isinstance(document, ModelSpec):  # a model in the general form: its formulas in torch
        network = document
    elif oracle is not None and document.declared is not None:  # a page that declares its model in front matter
        declared = document.declared
        network = declared.network if isinstance(declared, Spec) else declared if isinstance(declared, ModelSpec) else None
    elif oracle is not None:  # a page: the network nncheck extract drafts from it (docs/documents.md)
        network, reasons = page_network(document.source or "", args.spec)
        if network is None:
            raise UsageError(f"--oracle needs a network: nncheck extract cannot draft the one of {args.spec!r} "
                             "without assuming: " + "; ".join(" ".join(reason.split()) for reason in reasons))
    result = audit(document, diagnose=args.diagnose)
    checked = oracle(network) if oracle is not None and network is not None else None
    # Read (or check) the baseline before any report is written, so a broken one is the only output.
    accepted = load_baseline(args.baseline) if args.baseline else None
    written = updated(args.write_baseline, result, failing_kinds, spec_file=args.spec) if args.write_baseline else None
    render = renderer(args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                render(result, handle, False)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        render(result, sys.stdout, args.format == "terminal" and use_colour(args.color, sys.stdout))
    status = _status(args, result, failing_kinds, accepted, written)
    if result.coverage is not None and not result.verdicts:
        from nncheck.report.common import NOTHING_JUDGED, coverage_line

        sys.stdout.flush()
        print(f"nncheck: warning: {args.spec}: {NOTHING_JUDGED} ({coverage_line(result.coverage)})", file=sys.stderr)
    if checked is not None:
        from nncheck.oracles.table import render as render_oracle

        sys.stdout.flush()
        render_oracle(checked, sys.stderr)
        for note in checked.notes:
            print(f"note: {note}", file=sys.stderr)
        if checked.exceeding:
            status = EXIT_FINDINGS
    return status


def _status(args: argparse.Namespace, result: Audit, failing_kinds: frozenset[Kind],
            accepted: Baseline | None, written: Baseline | None) -> int:
    """The audit's own exit status: after writing a baseline 0, else by the baseline or the failing verdicts."""
    from nncheck.baseline import write

    if written is not None:
        write(written)
        print(f"{written.path}: {len(written.for_spec(args.spec))} accepted findings of {args.spec} written", file=sys.stderr)
        return EXIT_OK
    if accepted is not None:
        return _against(accepted, result, failing_kinds, args.spec)
    return EXIT_FINDINGS if result.failing(failing_kinds) else EXIT_OK


def _against(baseline: Baseline, result: Audit, failing_kinds: frozenset[Kind], spec_file: str) -> int:
    """Report to stderr how the failing verdicts compare with the baseline; only new ones fail the run."""
    from nncheck.baseline import compare
    from nncheck.report.lines import headline

    comparison = compare(result, baseline.for_spec(spec_file), failing_kinds)
    print(f"{baseline.path}: {len(comparison.accepted)} accepted, {len(comparison.new)} new, "
          f"{len(comparison.fixed)} fixed", file=sys.stderr)
    for verdict in comparison.new:
        print(f"new: {verdict.location}: {headline(verdict)}", file=sys.stderr)
    for entry in comparison.fixed:
        print(f"fixed: {entry.describe()} no longer occurs; remove it from {baseline.path} "
              "(--write-baseline rewrites the file)", file=sys.stderr)
    return EXIT_FINDINGS if comparison.new else EXIT_OK
