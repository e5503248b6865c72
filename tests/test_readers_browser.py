"""Readers in a real browser: Debian's Chromium, driven by Playwright.

The built site is served over HTTP as a static host serves it, including its 404
page for any address that is not on the site. On every page, in light and dark:
no request to any other origin, no Content-Security-Policy violation, no console
error, no cookie. The theme switch still works under the policy. The 404 page is
styled and its links work at any depth. At 390 px nothing scrolls sideways. The
post page keeps a comfortable measure and line height, shows keyboard focus, and
scales images down.

Screenshots land in ``_build/screenshots/readers-<page>-<width>-<scheme>.png``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from healedheart import redirects

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "_build" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SCHEMES = ["light", "dark"]
POST = "posts/2025/to-a-healed-heart/"
DEEP_MISSING = "no/such/deep/page/"

# Collects every CSP violation the page reports, before any of its own code runs.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || ""}:${event.lineNumber || ""})`);
});
"""


class _StaticHost(SimpleHTTPRequestHandler):
    """A static host: files as they are, and 404.html (status 404) for anything else."""

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


def _serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_StaticHost, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def origin(real_site) -> Iterator[str]:
    yield from _serve(real_site.outdir)


@pytest.fixture(scope="module")
def readers_origin(shared_site) -> Iterator[str]:
    yield from _serve(shared_site("readers").outdir)


def reader_pages(site) -> list[str]:
    """Every page of the site (redirect pages move on at once; they are opened apart)."""
    urls = []
    for path in site.html_files():
        if redirects.MARKER in path.read_text("utf-8"):
            continue
        urls.append(site.url_of(path))
    return [*urls, DEEP_MISSING]


class Visit:
    """One browser context; everything that went wrong on its pages is in ``problems``."""

    def __init__(self, browser, origin: str, scheme: str = "light", screen: dict | None = None):
        self.origin = origin
        self.host = urlsplit(origin).netloc
        self.context = browser.new_context(color_scheme=scheme, **(screen or DESKTOP))
        self.context.add_init_script(WATCH_CSP)
        self.problems: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", self._on_request)
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.netloc != self.host:
            self.problems.append(f"request to another origin: {request.url}")

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # A missing page's own 404 status is the one error a reader should get there.
        if (
            where == self.page.url
            and "status of 404" in message.text
            and not self.page.url.endswith("/404.html")
        ):
            return
        self.problems.append(f"console error: {message.text} ({where})")

    def _on_response(self, response) -> None:
        if "set-cookie" in response.headers:
            self.problems.append(f"Set-Cookie from {response.url}")

    def open(self, url: str):
        response = self.page.goto(self.origin + url, wait_until="load")
        self.settle()
        return response

    def settle(self) -> None:
        """Wait until the page stays put and is quiet, then read what it noted."""
        self.page.wait_for_load_state("networkidle")
        violations = self.page.evaluate("window.__csp")
        self.problems += [f"CSP: {v}" for v in violations]
        if self.page.evaluate("document.cookie") != "":
            self.problems.append("document.cookie is not empty")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, origin) -> Iterator:
    opened: list[Visit] = []

    def _visit(scheme: str = "light", screen: dict | None = None, at: str | None = None) -> Visit:
        v = Visit(browser, at or origin, scheme, screen)
        opened.append(v)
        return v

    yield _visit
    for v in opened:
        v.close()


# -- No third parties, no CSP violation, no cookie ---------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_loads_only_from_the_site_itself(visit, real_site, scheme) -> None:
    v = visit(scheme)
    problems = []
    for url in reader_pages(real_site):
        v.problems = []
        response = v.open(url)
        expected = 404 if url == DEEP_MISSING else 200
        if response is None or response.status != expected:
            problems.append(f"/{url}: status {response and response.status}")
        problems += [f"/{url}: {p}" for p in v.problems]
    assert problems == [], "\n".join(problems)


def test_redirect_pages_move_on_without_a_violation(visit, real_site) -> None:
    # A redirect page moves on as soon as it has loaded: it cannot be read afterwards
    # (its window.__csp goes with it), so it is not settle()d. What it does is caught as
    # it happens: its requests, and Chromium's console, which reports its CSP
    # violations and failed loads. Then the new page is settled and read. Whether a
    # page without an icon link gets as far as asking for /favicon.ico depends on
    # timing; tests/test_readers.py checks the link itself.
    pages = [p for p in real_site.html_files() if redirects.MARKER in p.read_text("utf-8")]
    assert pages
    for path in pages:
        url = real_site.url_of(path)
        target = real_site.page(url).select_one('meta[http-equiv="refresh"]')["content"]
        target = target.partition("url=")[2]
        v = visit()
        response = v.page.goto(v.origin + url, wait_until="commit")
        assert response is not None and response.status == 200, url
        v.page.wait_for_url(v.origin + target.lstrip("/"), wait_until="load")
        v.settle()
        assert v.problems == [], url


def test_the_theme_switch_works_under_the_policy(visit) -> None:
    for screen, button in (
        (DESKTOP, ".content-icon-container .theme-toggle"),
        (PHONE, ".mobile-header .theme-toggle"),
    ):
        v = visit("light", screen)
        v.open(POST)
        seen = []
        for _ in range(3):
            v.page.click(button)
            seen.append(v.page.evaluate("document.body.dataset.theme"))
        assert sorted(seen) == ["auto", "dark", "light"], seen
        v.open(POST)  # the choice survives a reload (localStorage, not a cookie)
        assert v.page.evaluate("document.body.dataset.theme") == seen[-1]
        assert v.problems == []


def test_the_policy_is_first_in_head_on_every_page(real_site) -> None:
    for path in real_site.html_files():
        text = path.read_text("utf-8")
        head = text.index("<head>") + len("<head>")
        assert text[head:].startswith('<meta http-equiv="Content-Security-Policy"'), path
        assert text.index('<meta charset="utf-8">') < 1024, path


# -- The 404 page at any depth ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["404.html", "no-such-page", DEEP_MISSING, "posts/2099/x/y/z/"])
def test_the_404_page_is_styled_and_its_links_work_at_any_depth(visit, url) -> None:
    v = visit()
    response = v.open(url)
    assert response.status == (200 if url == "404.html" else 404)
    assert v.page.locator("article h1").inner_text() == "Page not found"
    # Furo's stylesheet applied: its page layout is a flex box, the sidebar is laid out.
    assert v.page.evaluate("getComputedStyle(document.querySelector('.page')).display") == "flex"
    stylesheets = v.page.evaluate(
        "[...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])"
    )
    assert stylesheets and all(rules > 0 for _href, rules in stylesheets), stylesheets
    hrefs = v.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    here = v.page.url
    internal = sorted({h.split("#")[0] for h in hrefs if h.startswith(v.origin)} - {here})
    assert len(internal) > 10, internal
    for href in internal:
        assert v.page.request.get(href).status == 200, f"{href} (from /{url})"
    assert v.problems == []


def test_the_404_page_home_link_and_search_work(visit) -> None:
    v = visit()
    v.open(DEEP_MISSING)
    v.page.click(".not-found-links a >> text=Home")
    v.page.wait_for_url(v.origin)
    v.open(DEEP_MISSING)
    v.page.fill(".sidebar-search", "attachment")
    v.page.press(".sidebar-search", "Enter")
    v.page.wait_for_url("**/search/?q=attachment**")
    v.page.wait_for_selector("#search-results li")
    assert v.problems == []


# -- Phone width, typography -----------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nothing_scrolls_sideways_at_390px(visit, real_site, scheme) -> None:
    v = visit(scheme, PHONE)
    too_wide = {}
    for url in reader_pages(real_site):
        v.open(url)
        width = v.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[url] = width
    assert too_wide == {}


def test_images_scale_down_to_the_phone(browser, readers_origin) -> None:
    v = Visit(browser, readers_origin, "light", PHONE)
    try:
        v.open("posts/2024/first/")
        box = v.page.locator("article img[alt^='A wide view']").bounding_box()
        assert box is not None and box["width"] <= 390 - 2 * 8, box  # inside the margins
        natural = v.page.evaluate(
            "document.querySelector(\"img[alt^='A wide view']\").naturalWidth"
        )
        assert natural == 1600
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 390
        assert v.problems == []
    finally:
        v.close()


def test_the_post_reads_comfortably(visit) -> None:
    v = visit()
    v.open(POST)
    # Characters per line: a long paragraph's characters over the lines it takes.
    measure = v.page.evaluate(
        """() => {
          const p = [...document.querySelectorAll("article section > p")]
            .find(e => e.textContent.length > 600);
          const style = getComputedStyle(p);
          const range = document.createRange();
          range.selectNodeContents(p);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
          return {
            perLine: p.textContent.replace(/\\s+/g, " ").length / lines,
            lineHeight: parseFloat(style.lineHeight) / parseFloat(style.fontSize),
          };
        }"""
    )
    assert 60 <= measure["perLine"] <= 80, measure  # about 65-75 is the aim
    assert measure["lineHeight"] >= 1.5, measure
    assert v.problems == []


def test_keyboard_focus_is_visible(visit) -> None:
    v = visit()
    v.open(POST)
    for _ in range(150):
        v.page.keyboard.press("Tab")
        focused = v.page.evaluate(
            """() => {
              const e = document.activeElement;
              if (!e || !e.closest("article") || e.tagName !== "A") return null;
              const s = getComputedStyle(e);
              return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
            }"""
        )
        if focused:
            break
    assert focused, "Tab never reached a link in the post"
    assert focused["style"] != "none" and focused["width"] >= 2, focused


# -- Screenshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("screen", "width"), [(DESKTOP, 1280), (PHONE, 390)])
@pytest.mark.parametrize(("name", "url"), [("post", POST), ("404", DEEP_MISSING)])
def test_screenshots(visit, name, url, screen, width, scheme) -> None:
    v = visit(scheme, screen)
    v.open(url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(SHOTS / f"readers-{name}-{width}-{scheme}.png"), full_page=True)
    assert v.problems == []
