"""The built errata sites in a real browser: headless Debian chromium driven by Playwright, served on 127.0.0.1.

Two sites, one server and one browser for the module: this repository's site (mkdocs.yml), and a site made
the way a reader makes one, in a temporary folder outside the repository: `nncheck site specs/blog.yaml
--out errata`, which also writes mkdocs.yml there, then `mkdocs build --strict`. Math, admonitions and the
stylesheet there come from the installed package (the nncheck-mathml plugin), not from this checkout's files.
At phone, laptop and wide-screen widths no element of an errata page may reach past the article's column
(long formulas scroll inside their own box instead of running over the table of contents).

Outside CI the tests skip, saying why, when /usr/bin/chromium or Playwright is missing; with CI=true they
fail instead, since .ci/run installs chromium. Playwright never downloads a browser here.

The screenshot in README.md (docs/images/blog-errata.png) is not compared with the page; after a change to
how the blog's errata page looks, refresh it with:
NNCHECK_SCREENSHOT=docs/images/blog-errata.png python -m pytest tests/test_browser.py
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Flags this machine needs: no sandbox as root, no GPU, and no background connections to the closed network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; in CI the browser test must run (.ci/run installs Debian's chromium)", pytrace=False)
    pytest.skip(reason)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


@dataclass(frozen=True)
class Served:
    folder: Path  # served as the server's root
    url: str  # its address, ending in "/"


def _succeeded(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{' '.join(done.args)}:\n{done.stdout}\n{done.stderr}"


def _run(*argv: str, cwd: Path = ROOT) -> None:
    _succeeded(subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), timeout=300))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """An empty folder served on 127.0.0.1 at a free port; the sites are built into folders of it."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("served")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(folder, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(served: Served) -> str:
    """This checkout's site, built strictly; its base URL."""
    _run(sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(served.folder / "repo"))
    return served.url + "repo/"


@pytest.fixture(scope="module")
def outside_site(served: Served, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The blog's errata site made in a folder outside the repository with the written mkdocs.yml; its base URL."""
    folder = tmp_path_factory.mktemp("outside")
    assert not folder.is_relative_to(ROOT)
    done = subprocess.run([sys.executable, "-m", "nncheck", "site", str(ROOT / "specs" / "blog.yaml"), "--out", "errata"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    _succeeded(done)
    assert done.stdout.splitlines()[-1] == "mkdocs.yml" and (folder / "mkdocs.yml").is_file()
    _run(sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(served.folder / "outside"), cwd=folder)
    return served.url + "outside/"


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    """One headless chromium for the module, with every request any page makes recorded in ``browser.requests``."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=VIEWPORT)
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        # Anything not for the local server is answered here, never sent: the test records it and fails.
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served.url) else route.abort())
        context.requests = requests
        try:
            yield context
        finally:
            context.close()
            chromium.close()


def _open(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page


def test_blog_page_shows_the_z2_erratum(site: str, browser: Any, tmp_path: Path) -> None:
    page = _open(browser, site + "errata/blog/")
    first = page.locator("article .admonition").first
    assert first.locator(".admonition-title").inner_text() == "Wrong: z2 = 3.18 in “3. Layer 2: linear”"
    body = first.inner_text()
    assert "should print 2.73" in body and "0.7·1.3 + 0.9·1.8 + 0.2 = 2.73" in body
    assert first.is_visible() and first.bounding_box()["y"] < VIEWPORT["height"]  # type: ignore[index]
    shot = tmp_path / "blog-errata.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("NNCHECK_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["NNCHECK_SCREENSHOT"])


def test_math_is_rendered_as_mathml_not_raw_latex(site: str, browser: Any) -> None:
    page = _open(browser, site + "errata/blog/")
    article = page.locator("article")
    assert article.locator("math").count() > 20
    assert article.locator("math mfrac").count() > 0
    text = article.inner_text()
    for raw in ("\\frac", "\\begin{bmatrix}", "\\hat", "\\(", "\\["):
        assert raw not in text
    # Laid out by the browser's MathML engine: the printed z2 equation has a real size on the page.
    box = page.locator("#claim-z2 ~ div.arithmatex math").first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 10


def test_search_finds_the_wrong_z2(site: str, browser: Any) -> None:
    page = _open(browser, site)
    page.locator("input.md-search__input").click()
    page.keyboard.type("3.18")
    hit = page.locator(".md-search-result__item a[href*='errata/blog']").first
    hit.wait_for(timeout=15_000)
    assert "3.18" in page.locator(".md-search-result").inner_text()


def test_no_request_leaves_localhost(site: str, outside_site: str, served: Served, browser: Any) -> None:
    built_pages = [site + path for path in ("", "spec/", "verdicts/", "cli/", "errata/", "errata/blog/")]
    for url in built_pages + [outside_site, outside_site + "blog/"]:
        _open(browser, url).close()
    assert browser.requests, "the browser made no request at all"
    elsewhere = [url for url in browser.requests if not url.startswith(served.url)]
    assert elsewhere == []


# ---- a site made outside the repository -----------------------------------------------------------------

def test_a_site_made_outside_the_repository_renders_math_and_admonitions(outside_site: str, browser: Any) -> None:
    page = _open(browser, outside_site + "blog/")
    article = page.locator("article")
    text = article.inner_text()
    for raw in ("!!! ", "\\frac", "\\begin{", "\\(", "\\["):
        assert raw not in text
    assert article.locator("math").count() > 20 and article.locator("math mfrac").count() > 0
    first = article.locator(".admonition").first
    assert first.locator(".admonition-title").inner_text() == "Wrong: z2 = 3.18 in “3. Layer 2: linear”"
    # The package's stylesheet is served and applied: inline math scrolls inside its own box.
    assert page.evaluate("getComputedStyle(document.querySelector('article span.arithmatex')).overflowX") == "auto"


# ---- nothing runs past the article -----------------------------------------------------------------------

# Each element of the article, unless a box that scrolls or clips holds it, must end inside the article's
# column: the article's margin box (mkdocs-material lets tables and display math bleed into the article's
# side margins on narrow screens; the table of contents starts past them). 1 px is allowed for rounding.
# Returns one line per element that reaches past it: tag, class, where it ends, the start of its text.
OVERFLOWING = """() => {
  const article = document.querySelector("article");
  const style = getComputedStyle(article), box = article.getBoundingClientRect();
  const left = box.left - parseFloat(style.marginLeft), right = box.right + parseFloat(style.marginRight);
  const column = article.parentElement.getBoundingClientRect();
  const found = [];
  if (right > column.right + 1) found.push(`article ends at ${right}, its column at ${column.right}`);
  const scrolls = (element) => getComputedStyle(element).overflowX !== "visible";
  for (const element of article.querySelectorAll("*")) {
    let holder = element.parentElement;
    while (holder !== article && !scrolls(holder)) holder = holder.parentElement;
    if (holder !== article) continue;
    const edges = element.getBoundingClientRect();
    if (edges.width === 0 && edges.height === 0) continue;
    if (edges.right > right + 1 || edges.left < left - 1) {
      const name = typeof element.className === "string" && element.className ? "." + element.className.split(" ").join(".") : "";
      const text = element.textContent.replace(/\\s+/g, " ").trim().slice(0, 60);
      found.push(`<${element.tagName.toLowerCase()}${name}> spans ${Math.round(edges.left)}-${Math.round(edges.right)} px, `
                 + `the column ${Math.round(left)}-${Math.round(right)} px: ${text}`);
    }
  }
  return found;
}"""

WIDTHS = [375, 1100, 1400, 1920]  # a phone; laptops and wide screens, where the table of contents is beside the article


def test_no_element_runs_past_the_article_at_any_width(site: str, outside_site: str, served: Served, browser: Any) -> None:
    # The blog's page has the longest derivations (its loss line); attention and conv-pool have wide matrices.
    urls = [site + "errata/blog/", site + "errata/attention/", site + "errata/conv-pool/", outside_site + "blog/"]
    found = {}
    for url in urls:
        page = _open(browser, url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
            found[f"{url.removeprefix(served.url)} at {width} px"] = page.evaluate(OVERFLOWING)
        page.close()
    assert {place: lines for place, lines in found.items() if lines} == {}
