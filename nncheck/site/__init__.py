"""Stage 4 (site): the Markdown pages of an errata site for audited specs. Returns text; never writes or prints.

``build_site`` takes each spec with its audit and gives an overview page (``index.md``) and one page
per document (named after the spec file), plus warnings for spec LaTeX that cannot be rendered (the
page then shows it as code). mkdocs-material and the nncheck-mathml plugin (nncheck/site/plugin.py) turn the pages into HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nncheck.audit import Audit
from nncheck.errors import Problem
from nncheck.records import ModelSpec, Spec
from nncheck.site.errata import Errata, errata, page_errata, slug
from nncheck.site.pages import document_page, overview_page

OVERVIEW = "index.md"


@dataclass(frozen=True, slots=True)
class Page:
    name: str  # file name inside the output folder, e.g. "blog.md"
    text: str


@dataclass(frozen=True, slots=True)
class Site:
    pages: tuple[Page, ...]
    warnings: tuple[Problem, ...]  # spec LaTeX shown as code because it cannot be rendered


def build_site(audited: Sequence[tuple[Spec | ModelSpec | None, Audit]]) -> Site:
    """The overview and one page per document (named after its file; "blog.md" for specs/blog.yaml).

    A Markdown page is audited without a spec (``None``): its errata page lists its display equations.
    """
    taken = {OVERVIEW.removesuffix(".md")}
    documents: list[Errata] = [errata(spec, audit, slug(spec.path, taken)) if spec is not None
                               else page_errata(audit, slug(audit.path, taken)) for spec, audit in audited]
    warnings = tuple(
        Problem(section.place.spec, f"LaTeX of {section.id!r} is shown as code: {section.latex_problem}")
        for document in documents for section in document.claims + document.equations if section.latex_problem
    )
    pages = (Page(OVERVIEW, overview_page(documents)),) + tuple(Page(f"{d.slug}.md", document_page(d)) for d in documents)
    return Site(pages, warnings)


__all__ = ["OVERVIEW", "Page", "Site", "build_site"]
