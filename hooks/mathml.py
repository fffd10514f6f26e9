"""MkDocs hook: render the site's math to MathML at build time, so pages need no script and no network.

pymdownx.arithmatex (generic mode) marks math in each page; nncheck.site.mathml converts it with
math-core. LaTeX that math-core cannot convert is shown as code and logged as a warning, which makes
`mkdocs build --strict` (and `strict: true` in mkdocs.yml) fail.
"""

from __future__ import annotations

import logging
from typing import Any

from nncheck.site.mathml import render_math

log = logging.getLogger("mkdocs.hooks.mathml")


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    def warn(problem: str) -> None:
        log.warning("%s: %s", page.file.src_uri, problem)

    return render_math(html, warn)
