"""The nncheck-mathml MkDocs plugin and the mkdocs.yml that `nncheck site` writes for a folder of pages.

The plugin is found through its entry point, as MkDocs finds it (the package must be installed: pip
install -e .). Builds run `python -m mkdocs build --strict` in a temporary folder outside the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils.yaml import yaml_load

from nncheck.errors import UsageError
from nncheck.site.config import minimal_mkdocs_yml, pages_folder, yaml_string
from nncheck.site.plugin import STYLESHEET, MathMLPlugin, stylesheet
from tests.helpers import BLOG, ROOT, run_cli

PAGES = ["errata/index.md", "errata/blog.md"]


def mkdocs_build(folder: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` run in ``folder`` with the mkdocs.yml there, as a reader would run it."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=folder, capture_output=True,
                          text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), timeout=300)


def loaded_config(tmp_path: Path) -> MkDocsConfig:
    """The minimal config for PAGES, written into ``tmp_path`` and loaded by MkDocs (which instantiates the plugins)."""
    (tmp_path / "errata").mkdir(exist_ok=True)
    config = tmp_path / "mkdocs.yml"
    config.write_text(minimal_mkdocs_yml("Errata", PAGES), encoding="utf-8")
    return load_config(config_file=str(config))


# ---- the plugin ---------------------------------------------------------------------------------------

def test_mkdocs_finds_the_plugin_by_its_entry_point(tmp_path: Path) -> None:
    config = loaded_config(tmp_path)
    assert list(config.plugins) == ["material/search", "nncheck-mathml"]
    assert type(config.plugins["nncheck-mathml"]) is MathMLPlugin


def test_the_stylesheet_is_added_once_and_served_from_the_package(tmp_path: Path) -> None:
    config = loaded_config(tmp_path)
    plugin = config.plugins["nncheck-mathml"]
    plugin.on_config(config)
    plugin.on_config(config)
    assert config.extra_css == [STYLESHEET]
    files = config.plugins.on_files(Files([]), config=config)  # as a build calls it: every plugin's on_files
    served = files.get_file_from_path(STYLESHEET)
    assert served is not None and served.content_string == stylesheet()
    assert "overflow-x: auto" in (ROOT / "nncheck" / "site" / "errata.css").read_text(encoding="utf-8")


def test_a_stylesheet_of_the_same_name_in_docs_dir_is_kept(tmp_path: Path) -> None:
    config = loaded_config(tmp_path)
    own = tmp_path / "errata" / "assets" / "nncheck" / "errata.css"
    own.parent.mkdir(parents=True)
    own.write_text("/* the site's own */\n", encoding="utf-8")
    file = File(STYLESHEET, src_dir=str(tmp_path / "errata"), dest_dir=str(tmp_path / "site"), use_directory_urls=True)
    files = config.plugins.on_files(Files([file]), config=config)
    assert files.get_file_from_path(STYLESHEET) is file


def test_page_content_becomes_mathml_and_bad_latex_is_reported_with_the_page(tmp_path: Path,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    config = loaded_config(tmp_path)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="errata/blog.md"))
    html = ('<p><span class="arithmatex">\\(\\frac{1}{2}\\)</span></p>'
            '<div class="arithmatex">\\[\\nosuchcommand{x}\\]</div>')
    logger = "mkdocs.plugins.nncheck.site.plugin"  # under "mkdocs": counted by --strict
    with caplog.at_level("WARNING", logger=logger):
        out = config.plugins["nncheck-mathml"].on_page_content(html, page=page, config=config, files=Files([]))
    assert '<span class="arithmatex"><math><mfrac>' in out
    assert "<code>\\nosuchcommand{x}</code>" in out
    [record] = [r for r in caplog.records if r.name == logger]
    assert record.levelname == "WARNING"
    assert "errata/blog.md" in record.getMessage() and "Unknown command" in record.getMessage()


# ---- the minimal mkdocs.yml ---------------------------------------------------------------------------

def _block(text: str, key: str) -> str:
    """The top-level ``key:`` of a YAML text with its indented lines, as written."""
    found = re.search(rf"^{key}:\n(?:(?:[ ]+.*)?\n)*", text, flags=re.MULTILINE)
    assert found is not None, key
    return found.group(0).rstrip("\n")


def test_the_minimal_config_reads_the_pages_as_this_repository_does() -> None:
    written = minimal_mkdocs_yml("Errata", PAGES)
    repository = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert _block(written, "markdown_extensions") == _block(repository, "markdown_extensions")
    ours, theirs = yaml_load(written), yaml_load(repository)
    assert ours["plugins"] == theirs["plugins"] == ["search", "nncheck-mathml"]
    assert ours["theme"]["font"] is theirs["theme"]["font"] is False
    assert (ours["site_name"], ours["docs_dir"], ours["site_dir"], ours["strict"]) == ("Errata", "errata", "site", True)
    assert "nav" not in ours and "hooks" not in ours


def test_pages_in_a_folder_named_site_are_built_elsewhere() -> None:
    assert yaml_load(minimal_mkdocs_yml("E", ["site/index.md"]))["site_dir"] == "site-html"
    assert yaml_load(minimal_mkdocs_yml("E", ["sites/index.md"]))["site_dir"] == "site"


@given(st.text())
def test_any_site_name_is_one_yaml_string(name: str) -> None:
    assert yaml_load(f"key: {yaml_string(name)}\n") == {"key": name}
    config = yaml_load(minimal_mkdocs_yml(name, PAGES))
    assert config["site_name"] == name
    assert sorted(config) == ["docs_dir", "markdown_extensions", "plugins", "site_dir", "site_name", "strict", "theme"]


@pytest.mark.parametrize(("pages", "says"), [
    ([], "at least one page"),
    (["/tmp/errata/blog.md"], "'/tmp/errata/blog.md': expected a relative path"),
    (["../errata/blog.md"], "'../errata/blog.md': expected a relative path"),
    (["errata/blog.txt"], "'errata/blog.txt': expected a relative path of a .md file"),
    (["blog.md"], "'blog.md' lies beside mkdocs.yml"),
    (["errata/index.md", "other/blog.md"], "lie in several folders (errata, other)"),
], ids=["none", "absolute", "parent", "not-markdown", "beside-config", "two-folders"])
def test_pages_that_cannot_make_one_docs_dir_are_refused(pages: list[str], says: str) -> None:
    with pytest.raises(UsageError) as refused:
        pages_folder(pages)
    assert says in str(refused.value)


# ---- `nncheck site --out DIR` writes it -----------------------------------------------------------------

def test_site_writes_the_config_beside_the_pages_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli("site", str(BLOG), "--out", "errata")
    assert status == 0, err
    assert out.splitlines() == ["errata/index.md", "errata/blog.md", "mkdocs.yml"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == minimal_mkdocs_yml("Errata", PAGES)
    (tmp_path / "mkdocs.yml").write_text("site_name: edited by hand\n", encoding="utf-8")
    status, out, _ = run_cli("site", str(BLOG), "--out", "errata")
    assert status == 0 and "mkdocs.yml" not in out
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: edited by hand\n"


@pytest.mark.parametrize(("config", "out"), [
    ("mkdocs.yml", "docs/errata"),  # a project at the working directory, pages deeper in its docs
    ("mkdocs.yaml", "docs/errata"),
    ("docs/errata/mkdocs.yml", "docs/errata"),
    ("elsewhere/mkdocs.yml", "elsewhere/errata"),  # beside DIR, where the config would go
], ids=["project", "yaml-spelling", "inside-dir", "beside-dir"])
def test_site_leaves_a_project_that_has_a_config_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         config: str, out: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / config).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / config).write_text("site_name: a project\n", encoding="utf-8")
    status, printed, err = run_cli("site", str(BLOG), "--out", out)
    assert status == 0, err
    assert [path for path in tmp_path.rglob("mkdocs.y*ml")] == [tmp_path / config]
    assert "mkdocs.y" not in printed


def test_site_writes_beside_a_folder_outside_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "mkdocs.yml").write_text("site_name: the project we are in\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "work")
    status, out, err = run_cli("site", str(BLOG), "--out", str(tmp_path / "preview" / "errata"))
    assert status == 0, err
    assert out.splitlines()[-1] == str(tmp_path / "preview" / "mkdocs.yml")
    assert yaml_load((tmp_path / "preview" / "mkdocs.yml").read_text(encoding="utf-8"))["docs_dir"] == "errata"


def test_the_written_site_builds_strictly_with_math_admonitions_and_the_stylesheet(tmp_path: Path) -> None:
    # `--out site`: the config builds into site-html, since MkDocs refuses pages inside site_dir.
    done = subprocess.run([sys.executable, "-m", "nncheck", "site", str(BLOG), "--out", "site"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "mkdocs.yml"
    built = mkdocs_build(tmp_path)
    assert built.returncode == 0, built.stderr
    html = (tmp_path / "site-html" / "blog" / "index.html").read_text(encoding="utf-8")
    assert html.count("<math") > 20 and 'class="admonition failure"' in html
    assert "!!! " not in html and "\\frac" not in html and "\\begin{" not in html
    assert f'href="../{STYLESHEET}"' in html
    assert (tmp_path / "site-html" / STYLESHEET).read_text(encoding="utf-8") == stylesheet()


def test_latex_the_plugin_cannot_convert_fails_the_strict_build(tmp_path: Path) -> None:
    (tmp_path / "errata").mkdir()
    (tmp_path / "errata" / "index.md").write_text("# Math\n\n$x^2$ and $\\nosuchcommand{x}$\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(minimal_mkdocs_yml("Errata", ["errata/index.md"]), encoding="utf-8")
    built = mkdocs_build(tmp_path)
    assert built.returncode != 0
    assert "WARNING" in built.stderr and "index.md" in built.stderr and "Unknown command" in built.stderr
