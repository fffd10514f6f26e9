"""The ``nncheck-mathml`` MkDocs plugin: math as MathML made at build time, and the errata pages' stylesheet.

Enabled with ``plugins: [search, nncheck-mathml]`` in mkdocs.yml (the entry point is declared in
pyproject.toml). pymdownx.arithmatex (generic mode) marks the math of each page; ``on_page_content``
replaces it with math-core's MathML (nncheck.site.mathml.render_math), so a page needs no script and no
network. LaTeX that math-core cannot convert is shown as code and logged as a warning naming the page,
which makes ``mkdocs build --strict`` (and ``strict: true``) fail.

The plugin also adds its stylesheet, nncheck/site/errata.css, to every site as ``STYLESHEET``: long
formulas scroll inside their own box instead of running over the table of contents. A file of that name
in the site's docs_dir replaces it.
"""

from __future__ import annotations

from importlib.resources import files as package_files

from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from nncheck.site.mathml import render_math

log = get_plugin_logger(__name__)

# Where the stylesheet is served, relative to the site's root.
STYLESHEET = "assets/nncheck/errata.css"


def stylesheet() -> str:
    """The text of nncheck/site/errata.css, as installed with the package."""
    return package_files("nncheck.site").joinpath("errata.css").read_text(encoding="utf-8")


# mkdocs' Config and BasePlugin build their schema in an untyped __init_subclass__.
class MathMLOptions(Config):  # type: ignore[no-untyped-call]
    """The plugin takes no options; mkdocs warns about any given to it under ``plugins:``."""


class MathMLPlugin(BasePlugin[MathMLOptions]):  # type: ignore[no-untyped-call]
    """Converts each page's arithmatex math to MathML and serves the errata stylesheet."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        if files.get_file_from_path(STYLESHEET) is None:
            files.append(File.generated(config, STYLESHEET, content=stylesheet()))
        return files

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        def warn(problem: str) -> None:
            log.warning("%s: %s", page.file.src_uri, problem)

        return render_math(html, warn)


__all__ = ["STYLESHEET", "MathMLOptions", "MathMLPlugin", "stylesheet"]
