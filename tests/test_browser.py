"""The built errata site in a real browser: headless Debian chromium driven by Playwright, served on 127.0.0.1.

Outside CI the tests skip, saying why, when /usr/bin/chromium or Playwright is missing; with CI=true they
fail instead, since .ci/run installs chromium. Playwright never downloads a browser here.

To refresh the screenshot in README.md:
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built strictly from this checkout, served on 127.0.0.1 at a free port; yields its base URL."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    built = tmp_path_factory.mktemp("browser-site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(built)],
                          capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), timeout=300)
    assert done.returncode == 0, done.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
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
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site) else route.abort())
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


def test_no_request_leaves_localhost(site: str, browser: Any) -> None:
    built_pages = ["", "spec/", "verdicts/", "cli/", "errata/", "errata/blog/"]
    for path in built_pages:
        _open(browser, site + path).close()
    assert browser.requests, "the browser made no request at all"
    elsewhere = [url for url in browser.requests if not url.startswith(site)]
    assert elsewhere == []
