"""Explain a wrong number: simple slips that reproduce it, each recomputed, ranked, at most three.

For a statement judged wrong, contradiction or rounding slip, each family of nncheck/audit/diagnose/
families.py proposes candidates (bounded per family); each is recomputed exactly in two frames (the
document's own numbers, then the exact values) and kept only if it lands in the printed number's
rounding interval. Compound slips are tried in one structured form only: another stated value used
two steps up, with an intermediate rounded on the way. Hypotheses are possibilities, not facts.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from types import MappingProxyType

from nncheck import progress
from nncheck.audit import enclose
from nncheck.audit.diagnose.candidates import Candidate, Context, Statements
from nncheck.audit.diagnose.chain import EXACT, OWN, Chain, Key
from nncheck.audit.diagnose.families import COSTS, FAMILIES
from nncheck.audit.diagnose.render import derivation, recomputed_reads
from nncheck.audit.diagnose.values import rounding_candidates, substituted
from nncheck.findings import DIAGNOSED, Hypothesis, Verdict
from nncheck.errors import Undecided
from nncheck.network.backend import Array
from nncheck.network.steps import Step
from nncheck.records import Index, Spec, Stated

# Reports show at most this many hypotheses per number, simplest first.
MAX_HYPOTHESES = 3
# Candidates tried per family and frame: bounds the search whatever the size of the network.
MAX_CANDIDATES = 64
# The diagnosis's time budget: per finding, and for all the findings of a document. A finding past its budget keeps
# the hypotheses found so far (none: it is left undiagnosed, not "no simple explanation"); past the total, the rest
# are left undiagnosed, and the summary says why (Audit.diagnosis_stopped).
FINDING_SECONDS = 5.0
TOTAL_SECONDS = 60.0
# Frames in the order tried; the exact chain costs a little more, so the document's own numbers win ties.
FRAME_COST = {OWN: 0.0, EXACT: 0.05}
# A substituted value this many steps up or more is tried together with an intermediate rounded on the way.
COMPOUND_DISTANCE = 2

__all__ = ["Context", "FINDING_SECONDS", "MAX_HYPOTHESES", "TOTAL_SECONDS", "diagnose", "diagnose_all", "searched"]


def _safely(candidates: Iterable[Candidate]) -> Iterator[Candidate]:
    """The candidates a generator yields before it fails (a log of 0 in a frame, say)."""
    iterator = iter(candidates)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except (ValueError, ZeroDivisionError, ArithmeticError, Undecided, IndexError):
            return


def _attempt(ctx: Context, chain: Chain, candidate: Candidate) -> Hypothesis | None:
    """The hypothesis, if the candidate reproduces the printed number to its printed digits."""
    target = ctx.target
    try:
        evaluation = chain.run(candidate.edits)
        value = evaluation.values[target.quantity][target.index]
        if not enclose.inside(value, *target.printed.rounding_interval()):
            return None
        lines = derivation(ctx, candidate, evaluation)
    except (ValueError, ZeroDivisionError, ArithmeticError, Undecided, IndexError):
        return None
    cost = sum(COSTS[slip.family] for slip in candidate.slips) + FRAME_COST[chain.frame]
    return Hypothesis(slips=candidate.slips, frame=chain.frame, derivation=lines,
                      value=enclose.show(value, target.printed), cost=round(cost, 2))


def _compounds(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """Another stated value two steps up, and an intermediate it changes rounded before use."""
    for primary in islice(_safely(substituted(ctx, chain)), MAX_CANDIDATES):
        node = primary.edits[0].node
        if chain.distance.get(node, 0) < COMPOUND_DISTANCE:
            continue
        try:
            evaluation = chain.run(primary.edits)
        except (ValueError, ZeroDivisionError, ArithmeticError, Undecided, IndexError):
            continue
        reads: dict[str, list[Index]] = {}
        for quantity, index in recomputed_reads(ctx, evaluation):
            reads.setdefault(quantity, []).append(index)
        for quantity, indices in reads.items():
            for rounding in _safely(rounding_candidates(ctx, chain, quantity, evaluation.values[quantity], tuple(indices))):
                yield Candidate(primary.slips + rounding.slips, primary.edits + rounding.edits)


def _same_frames(own: Chain, exact: Chain) -> bool:
    """Whether the document's own numbers are the exact values everywhere the target reads (nothing to try twice)."""
    try:
        return all(a.exact is not None and a.exact == b.exact
                   for quantity in own.distance for a, b in zip(own.base(quantity).flat, exact.base(quantity).flat))
    except (ValueError, ZeroDivisionError, ArithmeticError, Undecided, IndexError):
        return False


def diagnose(ctx: Context, deadline: float | None = None) -> tuple[Hypothesis, ...]:
    """The simplest hypotheses that reproduce the statement's printed number; () when none does. With a
    ``deadline`` (time.perf_counter()), the search stops there: :func:`searched` says whether it went through."""
    return searched(ctx, deadline)[0]


def searched(ctx: Context, deadline: float | None = None) -> tuple[tuple[Hypothesis, ...], bool]:
    """:func:`diagnose`'s hypotheses, and whether every candidate was tried before the ``deadline``."""
    if ctx.target.quantity not in ctx.table:
        return (), True  # a given (the input, a weight) misquoted: no step to have slipped in
    found: list[tuple[float, int, Hypothesis]] = []
    complete = True
    own = Chain(ctx.table, ctx.exact, ctx.target, ctx.ledger, ctx.pinned, OWN)
    exact = Chain(ctx.table, ctx.exact, ctx.target, ctx.ledger, ctx.pinned, EXACT)
    for chain in (own, exact) if not _same_frames(own, exact) else (own,):
        searches = [islice(_safely(family.generate(ctx, chain)), MAX_CANDIDATES) for family in FAMILIES]
        searches.append(islice(_compounds(ctx, chain), MAX_CANDIDATES))
        for search in searches:
            for candidate in search:
                if deadline is not None and time.perf_counter() > deadline:
                    complete = False
                    break
                hypothesis = _attempt(ctx, chain, candidate)
                if hypothesis is not None:
                    found.append((hypothesis.cost, len(found), hypothesis))
    chosen: dict[tuple[str, ...], Hypothesis] = {}
    said: set[tuple[str, tuple[str, ...]]] = set()
    for _, _, hypothesis in sorted(found, key=lambda entry: (entry[0], entry[1])):
        # One hypothesis per family (or pair of families), the simplest: a reader wants to know which habits
        # could have produced the number, and three variants of one habit would hide the others. Two
        # families that read the same to a person (the own and exact frames can agree) are said once.
        wording = (hypothesis.describe(), hypothesis.derivation)
        if hypothesis.families in chosen or wording in said:
            continue
        chosen[hypothesis.families] = hypothesis
        said.add(wording)
    return tuple(chosen.values())[:MAX_HYPOTHESES], complete


def diagnose_all(spec: Spec, exact: Mapping[str, Array], table: Mapping[str, Step], verdicts: Sequence[Verdict],
                 limit: int | None = None, *, finding_seconds: float | None = None,
                 total_seconds: float | None = None, stopped: list[str] | None = None) -> list[Verdict]:
    """``verdicts`` (of the spec's statements, in document order) with those in DIAGNOSED diagnosed.

    With a ``limit``, only the first ``limit`` of them are (one diagnosis recomputes its step many
    times; a large document wrong throughout would take minutes); the others keep ``diagnosed`` False.

    Each statement is diagnosed against what the document had said before it, as the audit judged it:
    a step's used values first, then its results (the ledger of nncheck/audit/own.py, replayed).
    """
    if not any(verdict.kind in DIAGNOSED for verdict in verdicts):
        return list(verdicts)
    document = Statements.of(tuple(s for claim in spec.claims for s in (*claim.uses, *claim.elements)))
    position = {verdict.ref: i for i, verdict in enumerate(verdicts)}
    kinds = {verdict.ref: verdict.kind for verdict in verdicts}
    result = list(verdicts)
    ledger: dict[Key, Stated] = {}

    budget = [limit]
    findings = sum(1 for verdict in verdicts if verdict.kind in DIAGNOSED)
    total, done = findings if limit is None else min(limit, findings), [0]
    finding_seconds = FINDING_SECONDS if finding_seconds is None else finding_seconds
    total_seconds = TOTAL_SECONDS if total_seconds is None else total_seconds
    end = time.perf_counter() + total_seconds

    def explain(statement: Stated, pinned: Mapping[Key, Stated]) -> None:
        i = position.get(statement.ref)
        if i is None or verdicts[i].kind not in DIAGNOSED:
            return
        if budget[0] is not None:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        now = time.perf_counter()
        if now > end:
            if stopped is not None and not stopped:
                stopped.append(f"the diagnosis stopped at its time budget of {total_seconds:g} s")
            return
        context = Context(network=spec.network, table=table, exact=exact, target=statement, document=document,
                          kinds=kinds, ledger=MappingProxyType(ledger), pinned=pinned)  # read while explain runs
        hypotheses, complete = searched(context, min(end, now + finding_seconds))
        if hypotheses or complete:
            result[i] = dataclasses.replace(verdicts[i], hypotheses=hypotheses, diagnosed=True)
        elif stopped is not None and not stopped:
            stopped.append(f"a finding's diagnosis stopped at its time budget of {finding_seconds:g} s")
        done[0] += 1
        progress.advance("diagnosing", done[0], total)

    for claim in spec.claims:
        for used in claim.uses:
            explain(used, {})
        ledger.update(((used.quantity, used.index), used) for used in claim.uses)
        overlay = {(used.quantity, used.index): used for used in claim.uses}
        for element in claim.elements:
            explain(element, overlay)
        ledger.update(((element.quantity, element.index), element) for element in claim.elements)
    return result
