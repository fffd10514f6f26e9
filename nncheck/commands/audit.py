"""`nncheck audit SPEC`: recompute and judge every number a spec records."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from nncheck.commands import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from nncheck.errors import UsageError
from nncheck.words import counted
from nncheck.report import FORMATS
from nncheck.oracles import ORACLES, TOLERANCE
from nncheck.records import DEFAULT_DIAGNOSE_LIMIT, Network

if TYPE_CHECKING:  # the audit stage loads in run(), so that --help stays fast
    from nncheck.api import Outcome
    from nncheck.config import Config
    from nncheck.audit import Audit, Kind
    from nncheck.baseline import Baseline
    from nncheck.inputs import Input

NAME = "audit"
HELP = "recompute and judge every number of specs and pages"
DESCRIPTION = ("Recompute every claim of each spec and every formula of each page (Markdown .md, notebook .ipynb, HTML "
               ".html, LaTeX .tex) and judge each printed number: holds, rounding slip, carried, wrong, contradiction. "
               "A PATH is a file, a directory (walked for every kind nncheck reads, honouring .gitignore), or - for "
               "standard input. Settings come from [tool.nncheck] in pyproject.toml; options here override them.")
DEFAULT_FAIL_ON = "wrong,contradiction"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", metavar="PATH", nargs="*",
                        help="specs (e.g. specs/blog.yaml), pages (.md, .ipynb, .html, .tex), directories, or - for "
                             "standard input (default: include in [tool.nncheck])")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="the name of standard input (-) in reports; its suffix chooses the reader (default: a spec)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="report format (default: terminal); json is a list of reports for several files, jsonl "
                             "one report per line")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", metavar="VERDICTS", default=None,
                        help="comma-separated verdicts that make the exit status 1: holds, slip, carried, wrong, "
                             f"contradiction, undecided, or 'none' (default: {DEFAULT_FAIL_ON})")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the terminal report (default: auto, i.e. only on a terminal; NO_COLOR and FORCE_COLOR are honoured)")
    known = parser.add_mutually_exclusive_group()
    known.add_argument("--baseline", metavar="FILE",
                       help="accept the findings FILE lists (see --write-baseline): only failing verdicts it does not "
                            "list make the exit status 1; listed findings that no longer occur are reported as fixed")
    known.add_argument("--write-baseline", metavar="FILE",
                       help="record the failing verdicts of every file audited in FILE as accepted, keeping other "
                            "files' entries, and exit 0")
    parser.add_argument("--diagnose", metavar="N", type=diagnose_limit, default=argparse.SUPPRESS,
                        help="look for the likely cause of the first N findings of each file, in document order, or of "
                             f"'all' of them (default: {DEFAULT_DIAGNOSE_LIMIT}; 0 turns the diagnosis off); the summary "
                             "says how many were left out, and standard error how long the rest would take")
    parser.add_argument("--jobs", "-j", metavar="N", type=jobs_count, default=None,
                        help="audit files in N processes at once (default: the number of CPUs); the report is the same")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress, notes or warnings on standard error")
    parser.add_argument("--force-exclude", action="store_true",
                        help="leave out named files that the exclude setting matches too (for pre-commit, which names "
                             "every staged file)")
    parser.add_argument("--oracle", choices=ORACLES,
                        help="also run the network or model in a framework (torch: PyTorch, float64, needs nncheck[torch]) and "
                             "report each quantity's largest discrepancy from the exact values on standard error; "
                             f"one beyond {TOLERANCE:g}·(1 + |exact|) makes the exit status 1 (one file at a time)")


def jobs_count(text: str) -> int:
    """--jobs: a number of processes, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), got {text!r}")
    return value


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
    """--color: always or never as asked; auto colours a terminal (not TERM=dumb), and honours NO_COLOR
    (https://no-color.org, set and not empty: no colour), then FORCE_COLOR (https://force-color.org: colour even
    when piped)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


@dataclass(frozen=True, slots=True)
class Options:
    """What a run of `nncheck audit` does: the command line over [tool.nncheck] over the defaults."""

    paths: tuple[str, ...]
    fail_on: frozenset[Kind]
    diagnose: int | None  # None: every finding
    format: str
    baseline: str | None
    exclude: tuple[str, ...]
    exclude_root: str


def options(args: argparse.Namespace, config: Config) -> Options:
    """The run's options; UsageError when there is nothing to audit or a verdict name is unknown."""
    paths = tuple(args.paths) or config.include
    if not paths:
        raise UsageError("no PATH to audit: name specs, pages or directories (or set include in [tool.nncheck] of "
                         "pyproject.toml)")
    if hasattr(args, "diagnose"):
        diagnose = args.diagnose
    else:
        diagnose = None if config.diagnose_all else config.diagnose if config.diagnose is not None else DEFAULT_DIAGNOSE_LIMIT
    return Options(paths=paths, fail_on=fail_on(args.fail_on or config.fail_on or DEFAULT_FAIL_ON), diagnose=diagnose,
                   format=args.format or config.format or "terminal",
                   baseline=args.baseline or (config.baseline if not args.write_baseline else None),
                   exclude=config.exclude, exclude_root=config.root)


def run(args: argparse.Namespace) -> int:
    from nncheck.config import load as load_config
    from nncheck.inputs import expand

    chosen = options(args, load_config())
    paths, failing_kinds, diagnose, report_format, baseline_file = (chosen.paths, chosen.fail_on, chosen.diagnose,
                                                                    chosen.format, chosen.baseline)
    inputs = expand(paths, stdin_filename=args.stdin_filename, exclude=chosen.exclude, exclude_root=chosen.exclude_root,
                    force_exclude=args.force_exclude)
    if not inputs:
        if not args.quiet:
            print(f"nncheck: warning: no file to audit in {', '.join(paths)} (none of a kind nncheck reads, or every one "
                  "ignored or excluded)", file=sys.stderr)
        return EXIT_OK
    several = len(inputs) != 1 or any(os.path.isdir(path) for path in paths)  # else one file named alone
    if args.oracle and len(inputs) != 1:
        raise UsageError(f"--oracle runs one file at a time; {len(inputs)} files were given")
    if args.oracle:
        return _with_oracle(args, inputs[0], failing_kinds, diagnose, report_format, baseline_file)
    # Read (or check) the baseline before any work, so a broken one is the only output.
    from nncheck.baseline import load as load_baseline

    accepted = load_baseline(baseline_file) if baseline_file else None
    outcomes = _audited(inputs, diagnose, args.jobs, quiet=args.quiet)
    shown = [o for o, i in zip(outcomes, inputs) if i.named or o.audit is None or not _without_math(o.audit)]
    for outcome in outcomes:
        for problem in outcome.problems:
            print(problem, file=sys.stderr)
    _write_report(args, report_format, shown, several=several)
    audits = [o.audit for o in shown if o.audit is not None]
    if not args.quiet:
        _notes(audits, [i for i in inputs if i.named], len(inputs) - len(shown))
    unreadable = any(o.problems for o in outcomes)
    if args.write_baseline:
        status = _write_baselines(args.write_baseline, audits, failing_kinds)
        return EXIT_ERROR if unreadable else status
    statuses = [_status_of(audit, failing_kinds, accepted, named=len(audits) > 1) for audit in audits]
    return EXIT_ERROR if unreadable else max(statuses, default=EXIT_OK)


def _audited(inputs: list[Input], diagnose: int | None, jobs: int | None, *, quiet: bool) -> list[Outcome]:
    """Every input's Outcome, in order: in this process for one file or --jobs 1, else in a pool of processes.
    Progress shows on standard error when it is a terminal, for a run over a second."""
    from nncheck.api import audit_file

    workers = min(jobs or os.cpu_count() or 1, len(inputs))
    progress = None
    if not quiet and len(inputs) > 1 and sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped]

        progress = tqdm(total=len(inputs), unit="file", delay=1.0, file=sys.stderr, leave=False)
    try:
        if workers <= 1 and len(inputs) == 1 and not quiet and sys.stderr.isatty():
            return [_with_stages(inputs[0], diagnose)]
        if workers <= 1:
            outcomes = []
            for item in inputs:
                outcomes.append(audit_file(item.path, item.text, diagnose))
                if progress is not None:
                    progress.update()
            return outcomes
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(audit_file, item.path, item.text, diagnose) for item in inputs]
            for future in futures:
                future.add_done_callback(lambda _: progress.update() if progress is not None else None)
            return [future.result() for future in futures]
    finally:
        if progress is not None:
            progress.close()


def _with_stages(item: Input, diagnose: int | None) -> Outcome:
    """One file audited with a bar per stage (judging, diagnosing) on the terminal, once a stage has run a second."""
    from tqdm import tqdm

    from nncheck.api import audit_file
    from nncheck.progress import reporting

    bars: dict[str, Any] = {}

    def show(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="step", delay=1.0, file=sys.stderr, leave=False)
        bar.n = done
        bar.refresh() if done == total else bar.update(0)

    try:
        with reporting(show):
            return audit_file(item.path, item.text, diagnose)
    finally:
        for bar in bars.values():
            bar.close()


def _without_math(audit: Audit) -> bool:
    """A page with no formula at all (a README found in a directory): left out of the report."""
    return audit.coverage is not None and audit.coverage.found == 0 and audit.coverage.inline_found == 0


def _write_report(args: argparse.Namespace, report_format: str, outcomes: list[Outcome], *, several: bool) -> None:
    from nncheck.report import render_all

    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                render_all(report_format, outcomes, handle, False, several=several)
        except OSError as error:
            raise UsageError(f"--output {args.output!r}: {error.strerror}") from None
    else:
        render_all(report_format, outcomes, sys.stdout, report_format == "terminal" and use_colour(args.color, sys.stdout),
                   several=several)
    sys.stdout.flush()


def _notes(audits: list[Audit], named: list[Input], left_out: int) -> None:
    """Warnings and notes on standard error: a named page nothing could be judged on, pages without math left out
    of a directory's report, and how long the diagnosis of the findings beyond the limit would take."""
    from nncheck.report.common import NOTHING_JUDGED, coverage_line

    names = {item.path for item in named}
    for audit in audits:
        if audit.coverage is not None and not audit.verdicts and audit.path in names:
            print(f"nncheck: warning: {audit.path}: {NOTHING_JUDGED} ({coverage_line(audit.coverage)})", file=sys.stderr)
        diagnosed = sum(1 for v in audit.verdicts if v.diagnosed)
        if audit.undiagnosed and diagnosed:
            rest = audit.undiagnosed * audit.diagnosis_seconds / diagnosed
            print(f"nncheck: note: {audit.path}: {counted(audit.undiagnosed, 'finding')} not diagnosed; the first "
                  f"{diagnosed} took {_duration(audit.diagnosis_seconds)}, so --diagnose all would take about "
                  f"{_duration(rest)} more", file=sys.stderr)
    if left_out:
        print(f"nncheck: note: {counted(left_out, 'page')} without math left out of the report", file=sys.stderr)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _write_baselines(path: str, audits: list[Audit], failing_kinds: frozenset[Kind]) -> int:
    """--write-baseline: every audited file's failing verdicts, other files' entries kept."""
    from nncheck.baseline import updated, write

    written = None
    for audit in audits:
        written = updated(path, audit, failing_kinds, spec_file=audit.path, previous=written)
    if written is not None:
        write(written)
        for audit in audits:
            print(f"{written.path}: {counted(len(written.for_spec(audit.path)), 'accepted finding')} of {audit.path} written",
                  file=sys.stderr)
    return EXIT_OK


def _status_of(audit: Audit, failing_kinds: frozenset[Kind], accepted: Baseline | None, *, named: bool = False) -> int:
    """One file's exit status: by the baseline when there is one, else by its failing verdicts. ``named``: the
    baseline's comparison names the file (a run over several)."""
    if accepted is not None:
        return _against(accepted, audit, failing_kinds, audit.path, named=named)
    return EXIT_FINDINGS if audit.failing(failing_kinds) else EXIT_OK


def _with_oracle(args: argparse.Namespace, item: Input, failing_kinds: frozenset[Kind], diagnose: int | None,
                 report_format: str, baseline_file: str | None) -> int:
    """One file audited and run in a framework (--oracle): the report, then the framework's discrepancies."""
    from nncheck.api import Outcome
    from nncheck.audit import audit
    from nncheck.audit.page import page_network
    from nncheck.baseline import load as load_baseline
    from nncheck.oracles import load as load_oracle
    from nncheck.readers import parse, read
    from nncheck.records import ModelSpec, Spec

    # The framework is loaded first, so that a missing one is the only output.
    oracle = load_oracle(args.oracle)
    document = read(item.path) if item.text is None else parse(item.text, item.path)
    network: Network | ModelSpec | None = None
    if isinstance(document, Spec):
        network = document.network
    elif isinstance(document, ModelSpec):  # a model in the general form: its formulas in torch
        network = document
    elif document.declared is not None:  # a page that declares its model in front matter
        declared = document.declared
        network = declared.network if isinstance(declared, Spec) else declared if isinstance(declared, ModelSpec) else None
    else:  # a page: the network nncheck extract drafts from it (docs/documents.md)
        network, reasons = page_network(document.source or "", item.path)
        if network is None:
            raise UsageError(f"--oracle needs a network: nncheck extract cannot draft the one of {item.path!r} "
                             "without assuming: " + "; ".join(" ".join(reason.split()) for reason in reasons))
    result = audit(document, diagnose=diagnose)
    checked = oracle(network) if network is not None else None
    accepted = load_baseline(baseline_file) if baseline_file else None
    _write_report(args, report_format, [Outcome(item.path, result)], several=False)
    if args.write_baseline:
        status = _write_baselines(args.write_baseline, [result], failing_kinds)
    else:
        status = _status_of(result, failing_kinds, accepted)
    if not args.quiet:
        _notes([result], [item], 0)
    if checked is not None:
        from nncheck.oracles.table import render as render_oracle

        render_oracle(checked, sys.stderr)
        for note in checked.notes:
            print(f"note: {note}", file=sys.stderr)
        if checked.exceeding:
            status = EXIT_FINDINGS
    return status


def _against(baseline: Baseline, result: Audit, failing_kinds: frozenset[Kind], spec_file: str, *,
             named: bool = False) -> int:
    """Report to stderr how the failing verdicts compare with the baseline; only new ones fail the run."""
    from nncheck.baseline import compare
    from nncheck.report.lines import headline

    comparison = compare(result, baseline.for_spec(spec_file), failing_kinds)
    print(f"{baseline.path}: {spec_file + ': ' if named else ''}{len(comparison.accepted)} accepted, {len(comparison.new)} new, "
          f"{len(comparison.fixed)} fixed", file=sys.stderr)
    for verdict in comparison.new:
        print(f"new: {verdict.location}: {headline(verdict)}", file=sys.stderr)
    for entry in comparison.fixed:
        print(f"fixed: {entry.describe()} no longer occurs; remove it from {baseline.path} "
              "(--write-baseline rewrites the file)", file=sys.stderr)
    return EXIT_FINDINGS if comparison.new else EXIT_OK
