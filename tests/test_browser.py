"""The real site in a real browser: Debian's Chromium, driven by Playwright.

The built site is served over HTTP on 127.0.0.1 (as a static host would serve
it), and the home page, the migrated post and a tag page are opened at a desktop
and a phone size, in light and dark. Nothing may go wrong on the way: no console
error, no failed request, no 4xx/5xx response, and no request to any other
origin (a privacy matter for a counsellor's readers as much as a speed one).
Screenshots land in ``_build/screenshots/<page>-<width>-<scheme>.png`` for a
person to look at.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "_build" / "screenshots"
SIZES = {1280: (1280, 900), 390: (390, 844)}
SCHEMES = ("light", "dark")
MIGRATED = "posts/2025/to-a-healed-heart/"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin(real_site) -> Iterator[str]:
    """The built site, served over HTTP on a free port of 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(real_site.outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def pages(real_site) -> dict[str, str]:
    """The pages to open: home, the migrated post, and the tag page its first tag links to."""
    tag = real_site.page(MIGRATED).select_one(".post-header a[rel=tag]")
    return {"home": "", "post": MIGRATED, "tag": real_site.follow(MIGRATED, tag["href"])}


class Visit:
    """A page opened in a fresh browser context, with everything that went wrong."""

    def __init__(self, browser, origin: str, url: str, width: int, scheme: str) -> None:
        w, h = SIZES[width]
        self.context = browser.new_context(viewport={"width": w, "height": h}, color_scheme=scheme)
        self.page = self.context.new_page()
        self._problems: list[str] = []
        self.requests: list[str] = []
        # Requests the browser cancelled, each with the address of the page that made it.
        self._cancelled: list[tuple[str, str]] = []
        self._asked_on: dict[object, str] = {}
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self._problems.append(f"page error: {exc}"))
        self.page.on("request", self._request)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        response = self.page.goto(origin + url, wait_until="networkidle")
        assert response is not None and response.status == 200, f"{url}: {response}"

    @property
    def problems(self) -> list[str]:
        """Everything that went wrong. A request cancelled because its page was left (a
        redirect page's icon, say, when the page moves on) is not a failure: the reader
        sees nothing of it. Cancelled on the page that stayed, it is."""
        return self._problems + [
            f"failed: {request} net::ERR_ABORTED"
            for request, page in self._cancelled
            if page == self.page.url
        ]

    def _request(self, request) -> None:
        self.requests.append(request.url)
        self._asked_on[request] = self.page.url

    def _failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED" and not request.is_navigation_request():
            self._cancelled.append((request.url, self._asked_on.get(request, "")))
        else:
            self._problems.append(f"failed: {request.url} {request.failure}")

    def _console(self, message) -> None:
        if message.type == "error":
            self._problems.append(f"console error: {message.text} at {message.location}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self._problems.append(f"HTTP {response.status}: {response.url}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, origin):
    opened: list[Visit] = []

    def _visit(url: str, width: int = 1280, scheme: str = "light") -> Visit:
        opened.append(Visit(browser, origin, url, width, scheme))
        return opened[-1]

    yield _visit
    for v in opened:
        v.close()


def luminance(css_colour: str) -> float:
    """Relative luminance of a computed CSS colour (``rgb(r, g, b)``)."""
    r, g, b = (int(c) for c in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3])

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", ["home", "post", "tag"])
def test_page_loads_cleanly_and_is_screenshotted(visit, pages, origin, name, width, scheme):
    v = visit(pages[name], width, scheme)
    assert not v.problems
    assert v.requests, "the browser made no requests"
    elsewhere = [u for u in v.requests if not u.startswith((origin, "data:", "blob:"))]
    assert not elsewhere, "requests left the site"

    # The page follows the reader's colour scheme.
    background = v.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (luminance(background) < 0.2) == (scheme == "dark"), background
    # Nothing is wider than a phone's screen.
    overflow = v.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"

    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}-{width}-{scheme}.png"
    v.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", ["home", "tag"])
def test_a_post_summary_s_title_lines_up_with_its_date_and_excerpt(
    visit, pages, name, width
) -> None:
    v = visit(pages[name], width)
    left = """(selector) => {
        const node = document.querySelector(selector);
        const range = document.createRange();
        range.selectNodeContents(node);
        return range.getBoundingClientRect().left;
    }"""
    title = v.page.evaluate(left, ".post-summary-title a")
    date = v.page.evaluate(left, ".post-summary .post-meta")
    excerpt = v.page.evaluate(left, ".post-summary .post-excerpt")
    assert abs(title - date) < 1 and abs(title - excerpt) < 1, (title, date, excerpt)


@pytest.mark.parametrize("width", SIZES)
def test_theme_toggle_cycles_the_theme(visit, width) -> None:
    v = visit("", width)
    theme = "document.body.dataset.theme"
    seen = [v.page.evaluate(theme)]
    button = v.page.locator(".theme-toggle:visible")
    assert button.count() == 1
    for _ in range(3):
        button.click()
        seen.append(v.page.evaluate(theme))
    assert seen[0] == "auto"
    assert set(seen[1:3]) == {"light", "dark"}
    assert seen[3] == seen[0]  # three clicks come back round
    assert v.page.evaluate("localStorage.getItem('theme')") == seen[3]


def test_dark_theme_from_the_toggle_darkens_the_page(visit) -> None:
    v = visit("", 1280, "light")
    button = v.page.locator(".theme-toggle:visible")
    while v.page.evaluate("document.body.dataset.theme") != "dark":
        button.click()
    background = v.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(background) < 0.2


def test_search_finds_the_migrated_post(visit, real_site) -> None:
    title = real_site.heading(MIGRATED)
    v = visit("search/?q=attachment")
    results = v.page.locator("#search-results a")
    results.first.wait_for(timeout=10_000)
    assert title in results.all_inner_texts()
    assert not v.problems
