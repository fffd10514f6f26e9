"""`nncheck site SPEC... --out DIR`: write the Markdown pages of an errata site."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nncheck.commands import EXIT_OK
from nncheck.errors import UsageError

NAME = "site"
HELP = "write the Markdown pages of an errata site (mkdocs-material)"
DESCRIPTION = ("Audit each SPEC (or page: .md, .ipynb, .html, .tex) and write an overview (index.md) and one errata page per "
               "document (named after its file) into DIR, for the mkdocs-material site; beside DIR, a mkdocs.yml for them "
               "unless a MkDocs project already holds DIR. This project's pages: "
               "nncheck site specs/*.yaml examples/models/*.yaml --out docs/errata")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("specs", metavar="SPEC", nargs="+",
                        help="spec files or pages (.md, .ipynb, .html, .tex), or directories of them, e.g. specs/")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for the pages (created if missing)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no warnings on standard error")


def run(args: argparse.Namespace) -> int:
    from nncheck.audit import Audit, audit
    from nncheck.config import load as load_config
    from nncheck.inputs import expand
    from nncheck.readers import read
    from nncheck.records import ModelSpec, Spec
    from nncheck.site import build_site

    if "-" in args.specs:
        raise UsageError("nncheck site names each errata page after its file; standard input (-) has none")
    config = load_config()
    audited: list[tuple[Spec | ModelSpec | None, Audit]] = []
    for item in expand(args.specs, exclude=config.exclude, exclude_root=config.root):
        document = read(item.path)
        audited.append((document if isinstance(document, (Spec, ModelSpec)) else None, audit(document)))
    site = build_site(audited)
    for warning in site.warnings if not args.quiet else ():
        # Spec text in the message: control characters could move the cursor or recolour the terminal.
        message = "".join(ch if ch.isprintable() else "?" for ch in warning.message)
        print(f"{warning.location}: warning: {message}", file=sys.stderr)
    out = Path(args.out)
    from nncheck.site.pages import GENERATOR

    for page in site.pages:  # a page of the user's own (a home page in docs/) is never replaced
        existing = out / page.name
        if existing.is_file() and GENERATOR not in existing.read_text(encoding="utf-8", errors="replace").split("\n---", 1)[0]:
            raise UsageError(f"{existing} exists and is not a page nncheck site wrote; choose another --out (or remove it)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for page in site.pages:
            (out / page.name).write_text(page.text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--out {args.out!r}: {error.strerror}") from None
    for page in site.pages:
        print(out / page.name)
    write_config_if_missing(out, [page.name for page in site.pages])
    return EXIT_OK


def write_config_if_missing(out: Path, pages: list[str]) -> None:
    """Write a minimal mkdocs.yml for ``pages`` (file names in ``out``) beside ``out``, and print its path.

    Only when no MkDocs project holds ``out`` yet (nncheck.site.config.existing_config); an existing
    config is never replaced.
    """
    from nncheck.site.config import existing_config, minimal_mkdocs_yml

    folder, cwd = Path(os.path.abspath(out)), Path(os.getcwd())
    existing = existing_config(folder, cwd)
    if existing is not None:
        docs = _docs_dir(existing)
        if docs is not None and not folder.is_relative_to(docs):
            print(f"nncheck: warning: {out} is not under {docs}, the docs_dir of {existing}: mkdocs build will not "
                  "include these pages", file=sys.stderr)
        return
    if folder.parent == folder:
        return
    config = folder.parent / "mkdocs.yml"
    try:
        with config.open("x", encoding="utf-8") as file:
            file.write(minimal_mkdocs_yml("Errata", [f"{folder.name}/{page}" for page in pages]))
    except FileExistsError:
        return
    except OSError as error:
        raise UsageError(f"--out {str(out)!r}: cannot write {str(config)!r}: {error.strerror}") from None
    print(config.relative_to(cwd) if config.is_relative_to(cwd) else config)


def _docs_dir(config: Path) -> Path | None:
    """The docs_dir of a MkDocs config (default docs/), absolute; None when the config cannot be read safely (a
    Python tag, invalid YAML): then nothing is said about it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(config.read_text(encoding="utf-8"))
    except (OSError, YAMLError, ValueError):
        return None
    folder = data.get("docs_dir", "docs") if isinstance(data, dict) else "docs"
    return (config.parent / str(folder)).resolve()
