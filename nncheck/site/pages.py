"""Render errata as Markdown for mkdocs-material: the overview and one page per document.

Spec text reaches the page only through nncheck.site.markup; LaTeX from a spec only inside a fenced
``math`` block, and only when math-core accepts it (else as a code block with the reason). The rest
of the markup here is fixed by nncheck.
"""

from __future__ import annotations


from collections.abc import Sequence

from nncheck.audit import DEFAULT_FAIL_ON, Audit, Kind
from nncheck.report.common import summary
from nncheck.site import markup, mathml
from nncheck.audit.derive import chain
from nncheck.expr.printer import latex, text
from nncheck.site.errata import Correction, Entry, Errata, Section

# mkdocs-material admonition type per verdict: red for what fails, amber for a digit, blue for what follows.
ADMONITION = {
    Kind.WRONG: "failure", Kind.CONTRADICTION: "danger", Kind.SLIP: "warning",
    Kind.CARRIED: "info", Kind.UNDECIDED: "question", Kind.HOLDS: "success",
}
MARK = {
    Kind.HOLDS: "✓", Kind.SLIP: "≈", Kind.CARRIED: "↪", Kind.WRONG: "✗", Kind.CONTRADICTION: "✗", Kind.UNDECIDED: "?",
}
# Status lights of the overview: (colour, label). Fixed markup, no spec text.
LIGHTS = {"fails": "#c62828", "review": "#ef8f00", "holds": "#2e7d32"}
LIGHT_LABELS = {"fails": "fails", "review": "to review", "holds": "holds"}


# In every page's front matter (MkDocs ignores the key): `nncheck site` replaces only pages that carry it.
GENERATOR = "generator: nncheck site"

def _verdict(kind: Kind) -> str:
    return f"{MARK[kind]} {kind.value}"


def _statement(entry: Entry) -> str:
    """e.g. "ŷ = 0.938", linked to the section that details it."""
    return f"[{markup.text(entry.subject)} = {markup.text(entry.verdict.stated)}](#{entry.anchor})"


def _where(entry: Entry) -> str:
    used = ", a value the step used" if entry.verdict.used_by else ""
    return f"{_statement(entry)} (step “{markup.text(entry.step)}”{used}; {entry.verdict.kind.value})"


def _derivation_text(entry: Entry) -> str:
    if entry.derivation is not None:
        return markup.text(" = ".join(chain(entry.derivation, text)))
    return markup.text(f"{entry.subject} = {entry.verdict.exact}")


def _correction(correction: Correction) -> str:
    entry, verdict = correction.entry, correction.entry.verdict
    title = f"{verdict.kind.value.capitalize()}: {entry.subject} = {verdict.stated} in “{entry.step}”"
    true_value = f" (true value {markup.text(verdict.exact)})" if verdict.exact != entry.should_say else ""
    used = " as a value this step uses" if verdict.used_by else ""
    body = [
        f"The document prints **{markup.text(entry.subject)} = {markup.text(verdict.stated)}**{used}; "
        f"it should print **{markup.text(entry.should_say)}**{true_value}.",
        _derivation_text(entry),
    ]
    if verdict.kind is Kind.CARRIED or correction.carried_from:
        own = f" (they give {markup.text(verdict.own)})" if verdict.own is not None else ""
        sources = ", ".join(_where(e) for e in correction.carried_from) or "earlier statements"
        body.append(f"It is what the document's own earlier numbers give{own}: carried from {sources}. "
                    "Correct that, recompute, and this number follows.")
    elif verdict.own is not None and verdict.own != verdict.exact:
        body.append(f"The document's own earlier numbers give {markup.text(verdict.own)}.")
    if correction.earlier:
        body.append("The document already stated " + ", ".join(_where(e) for e in correction.earlier) + ".")
    if correction.later:
        body.append("The document states it differently later: " + ", ".join(_where(e) for e in correction.later) + ".")
    if correction.carried_into:
        body.append("Affects, carried from this number: " + ", ".join(_statement(e) for e in correction.carried_into) + ".")
    elif verdict.subject != "equation":
        body.append("Affects: no later printed number is computed from this one.")
    for cause in correction.diagnoses:
        body.append(f"Possible cause: {markup.text(cause)}")
    if verdict.diagnosed and not correction.diagnoses:
        body.append("Possible cause: no simple explanation found.")
    corrected = _corrected_latex(verdict.place.latex, verdict.stated, entry.should_say)
    if corrected is not None:
        body.append("As printed:\n" + markup.fenced("math", verdict.place.latex or "").rstrip("\n"))
        body.append("Corrected (what `nncheck fix` writes):\n" + markup.fenced("math", corrected).rstrip("\n"))
    body.append(f"[Details](#{entry.anchor})")
    lines = [f'!!! {ADMONITION[verdict.kind]} "{markup.text(title)}"', ""]
    for paragraph in body:
        lines += ["    " + line if line else "" for line in paragraph.split("\n")] + [""]
    return "\n".join(lines)


def _corrected_latex(latex: str | None, stated: str, should_say: str) -> str | None:
    """The step's LaTeX with the printed number replaced by what it should say (``nncheck fix``'s replacement), when the
    number appears in it exactly once and the result renders; None otherwise."""
    from nncheck.fix import numbers_in, signed_replacement

    if not latex or should_say == stated:
        return None
    starts = numbers_in(latex, stated)
    if len(starts) != 1:
        return None
    begin, old, new = signed_replacement(latex, starts[0], stated, should_say)
    corrected = latex[:begin] + new + latex[begin + len(old):]
    return corrected if mathml.problem(corrected) is None else None


def _math_or_code(latex_source: str, problem: str | None) -> str:
    if problem is None:
        return markup.fenced("math", latex_source)
    return (f"The LaTeX recorded for this step cannot be rendered ({markup.text(problem)}); it is shown as written:\n\n"
            + markup.fenced("text", latex_source))


def _section(section: Section, level: str) -> str:
    place = section.place
    heading = f"{level} {markup.text(place.step) or markup.text(section.id)} {{ #{section.anchor} }}"
    kind = "Equation" if section.expression is not None else section.kind
    facts = [f"{kind} {markup.text(section.id)}"]
    if place.document_line is not None:
        facts.append(f"line {place.document_line} of the document")
    facts.append(f"{'page' if section.kind == 'Display equation' else 'spec'} {markup.text(str(place.spec))}")
    parts = [heading, " · ".join(facts)]
    if section.expression is not None:
        parts.append(f"Arithmetic as printed: {markup.text(section.expression)}")
    if place.latex:
        parts.append(_math_or_code(place.latex, section.latex_problem).rstrip("\n"))
    else:
        parts.append("The spec records no LaTeX for this step.")
    if section.entries:
        rows = ["| number | printed | correct value | verdict |", "|---|---|---|---|"]
        for entry in section.entries:
            label = markup.cell(entry.subject) + (" (used)" if entry.verdict.used_by else "")
            rows.append(f"| {label} | {markup.cell(entry.verdict.stated)} | {markup.cell(entry.verdict.exact)} | {_verdict(entry.verdict.kind)} |")
        parts.append("\n".join(rows))
        derivations = []
        for entry in section.entries:
            if entry.derivation is None:
                continue
            if entry.derivation.formula is None:
                derivations.append(f"- {markup.math_inline(' = '.join(chain(entry.derivation, latex)))}, given")
            else:
                derivations.append(f"- {markup.math_inline(' = '.join(chain(entry.derivation, latex)))}")
        if derivations:
            parts.append("How the correct values are computed:\n\n" + "\n".join(dict.fromkeys(derivations)))
    return "\n\n".join(parts) + "\n"


def document_page(errata: Errata) -> str:
    """The page of one document: corrections first, then every claim in document order."""
    audit = errata.audit
    title = markup.text(f"Errata: {audit.title}")
    # The front matter's title is what the theme puts in <title>. Without it the theme takes the H1's
    # text through Jinja's striptags, which decodes character references: "</title><script>" would escape.
    intro = ["---", f'title: "{title}"', GENERATOR, "---", "", f"# {title}", ""]
    if audit.source:
        intro.append(f"Document: {markup.source(audit.source)}  ")
    page = audit.coverage is not None  # a Markdown page, audited by its own true chain
    intro += [f"{'Page' if page else 'Spec'}: {markup.text(audit.path)} · {markup.text(summary(audit))}", ""]
    out = ["\n".join(intro), "## Corrections\n"]
    if not errata.corrections:
        out.append(f"Every number the {'page' if page else 'spec'} records holds: nothing to correct.\n")
    for heading, corrections in errata.corrections:
        out.append(f"### {heading}\n")
        out += [_correction(c) for c in corrections]
    if page:
        out.append("## Equations in page order\n")
        out.append("Each display equation as the page prints it, every number it states and its true value, computed from "
                   "the page's givens through its formulas (shown rounded; the verdicts are decided exactly).\n")
    else:
        out.append("## Claims in document order\n")
        out.append("Each step as the document prints it, every number it states, and how the correct value is computed "
                   f"from the {'model' if errata.model else 'network'}'s givens (shown rounded; the verdicts are decided "
                   "exactly).\n")
    out += [_section(section, "###") for section in errata.claims]
    if errata.equations:
        out.append("## Equations\n")
        out += [_section(section, "###") for section in errata.equations]
    return "\n".join(out).rstrip("\n") + "\n"


def status(audit: Audit) -> str:
    """The overview's light: fails (a default --fail-on verdict), review (any other finding), holds."""
    if audit.failing(DEFAULT_FAIL_ON):
        return "fails"
    return "review" if any(v.is_finding for v in audit.verdicts) else "holds"


def _light(audit: Audit) -> str:
    key = status(audit)
    return f'<span style="color: {LIGHTS[key]}" aria-hidden="true">●</span> {LIGHT_LABELS[key]}'


def overview_page(pages: Sequence[Errata]) -> str:
    """One row per document: its status light and the count of each verdict."""
    kinds = list(Kind)
    lines = [
        "---",
        "hide: [toc]  # mkdocs-material: the table gets the width the table of contents would take",
        GENERATOR,
        "---",
        "",
        "# Errata",
        "",
        "One row per audited document. The light is red when a number is wrong or contradicts the document, "
        "amber when numbers are off in the last digit or carry an earlier error, green when every number holds.",
        "",
        "| document | status | " + " | ".join(kind.key for kind in kinds) + " |",
        "|---|---|" + "---:|" * len(kinds),
    ]
    for errata in sorted(pages, key=lambda e: e.slug):
        counts = errata.audit.counts()
        link = f"[{markup.text(errata.audit.title)}]({errata.slug}.md)"
        lines.append(f"| {link} | {_light(errata.audit)} | " + " | ".join(str(counts[kind]) for kind in kinds) + " |")
    return "\n".join(lines) + "\n"
