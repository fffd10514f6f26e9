"""The mkdocs.yml of a stand-alone errata site: the theme, plugins and Markdown extensions the pages need.

``nncheck site --out DIR`` writes it beside DIR when no MkDocs project holds DIR yet, so that
``mkdocs build --strict`` works there as it does in this repository: mkdocs-material without web fonts,
the ``nncheck-mathml`` plugin (nncheck/site/plugin.py: math as MathML, long formulas kept inside the
article), and the extensions that read the pages' admonitions, anchors, tables and math.

The text is written out, not dumped: the ``math`` fence needs a ``!!python/object/apply`` tag, which MkDocs'
YAML loader resolves to arithmatex's formatter. Strings from the caller are written as ASCII-only
double-quoted YAML scalars, so no name can add a key or a tag.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from nncheck.errors import UsageError

# The names mkdocs looks for in the folder it is run from (mkdocs.yml first).
CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")

_SETTINGS = """\
strict: true

theme:
  name: material
  # No web fonts: the site renders without reaching Google Fonts.
  font: false

plugins:
  - search
  - nncheck-mathml

markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.superfences:
      custom_fences:
        - name: math
          class: arithmatex
          format: !!python/object/apply:pymdownx.arithmatex.arithmatex_fenced_format
            kwds:
              mode: generic
"""


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar of printable ASCII: quote and backslash escaped, the rest as \\u or \\U."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif " " <= char <= "~":
            escaped.append(char)
        elif ord(char) <= 0xFFFF:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(f"\\U{ord(char):08x}")
    return '"' + "".join(escaped) + '"'


def pages_folder(pages: list[str]) -> str:
    """The one folder, relative to mkdocs.yml, that holds every page of ``pages`` (``"errata"`` for ``errata/blog.md``).

    Raises UsageError, quoting the page, when there are no pages, when a page is not a relative ``.md``
    path below the config's folder, or when pages lie in different folders. The pages cannot lie beside
    mkdocs.yml itself: MkDocs refuses a docs_dir that is the config's own folder.
    """
    if not pages:
        raise UsageError("an errata site needs at least one page, e.g. 'errata/index.md'")
    folders = set()
    for page in pages:
        path = PurePosixPath(page)
        if path.is_absolute() or ".." in path.parts or path.suffix != ".md":
            raise UsageError(f"page {page!r}: expected a relative path of a .md file below the folder of mkdocs.yml, "
                             "e.g. 'errata/blog.md'")
        if path.parent == PurePosixPath("."):
            raise UsageError(f"page {page!r} lies beside mkdocs.yml; MkDocs needs the pages in a folder of their own, "
                             "e.g. 'errata/blog.md'")
        folders.add(str(path.parent))
    if len(folders) > 1:
        raise UsageError(f"pages {pages!r} lie in several folders ({', '.join(sorted(folders))}); "
                         "expected one folder of pages")
    return folders.pop()


def minimal_mkdocs_yml(site_name: str, pages: list[str]) -> str:
    """A mkdocs.yml that builds ``pages`` (paths relative to the config's folder, all in one folder) into a site.

    docs_dir is the pages' folder; site_dir is ``site`` (``site-html`` when the pages are in ``site``).
    There is no ``nav``: MkDocs then lists every page of docs_dir, the overview (index.md) first, so pages
    written there later appear without editing the config. Raises UsageError as ``pages_folder`` does.
    """
    folder = pages_folder(pages)
    # MkDocs' own default, unless the pages are in it: MkDocs refuses a docs_dir inside site_dir.
    site_dir = "site-html" if PurePosixPath(folder).parts[0] == "site" else "site"
    header = ("# An errata site for the pages nncheck site wrote. Build it with: mkdocs build --strict\n"
              "# (pip install 'nncheck[docs]' installs mkdocs-material and math-core).\n")
    return (f"{header}site_name: {yaml_string(site_name)}\ndocs_dir: {yaml_string(folder)}\n"
            f"site_dir: {yaml_string(site_dir)}\n{_SETTINGS}")


def existing_config(folder: Path, cwd: Path) -> Path | None:
    """The mkdocs.yml (or mkdocs.yaml) of a MkDocs project that may already hold the pages in ``folder``, or None.

    Looked for in ``folder`` and its parent (where a new config would go) and, when ``folder`` lies under the
    working directory ``cwd``, in every folder from it up to ``cwd``, where ``mkdocs build`` finds its config.
    Both paths absolute. So ``nncheck site ... --out docs/errata`` run beside a project's mkdocs.yml finds it.
    """
    places = [folder, folder.parent]
    if folder.is_relative_to(cwd):
        places += [folder, *folder.parents][: len(folder.relative_to(cwd).parts) + 1]
    for place in places:
        for name in CONFIG_NAMES:
            if (place / name).exists():
                return place / name
    return None


__all__ = ["CONFIG_NAMES", "existing_config", "minimal_mkdocs_yml", "pages_folder", "yaml_string"]
