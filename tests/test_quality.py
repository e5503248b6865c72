"""Quality gates: the built site judged by real validators in a real browser.

- HTML: the Nu Html Checker, run once over every page of the real build: no error.
- Accessibility: axe-core in Chromium on one page of every type, on a phone and a
  desktop, in light and dark: no WCAG 2.2 A/AA violation. Best-practice findings
  are printed at the end of the run, not failed on.
- Browser: no console error, failed request or request to another site, on the
  page types tests/test_browser.py does not open (it covers home, post and tag);
  an old address (a redirect page) sends the reader on.
- Every kind of page the build has is in PAGE_TYPES, so a new kind is not missed.

Internal links are checked by tests/test_site.py, Lighthouse by `nox -s lighthouse`
(tests/quality/lighthouse.py). The validators are npm packages pinned in
tests/quality/package-lock.json, installed on first use into _build/npm/. A finding
in Furo or ABlog that our templates and CSS cannot fix goes, with its upstream
issue, in tests/quality/allowlist.toml.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The browser tests' server (`origin`), Chromium (`browser`) and page visits, shared:
# tests/test_browser.py. (F811: pytest passes the imported fixtures as arguments.)
from test_browser import SIZES, Visit, luminance, origin  # noqa: F401

QUALITY = Path(__file__).resolve().parent / "quality"
sys.path.insert(0, str(QUALITY))
import npm_packages  # noqa: E402  (tests/quality/, shared with the lighthouse session)

# One page of every type the site has: (name, the page checked, every URL of that
# type). The 404 page is checked once the build has one. A new kind of page (a new
# site page, say) fails test_every_kind_of_page_is_checked until it is added here.
PAGE_TYPES = [
    ("home", "", r""),
    ("post", "posts/2025/to-a-healed-heart/", r"posts/\d{4}/[^/]+/"),
    ("tag", "blog/tag/attachment/", r"blog/tag/[^/]+/"),
    ("tag-index", "blog/tag/", r"blog/tag/"),
    ("category", "blog/category/reflections/", r"blog/category/[^/]+/"),
    ("category-index", "blog/category/", r"blog/category/"),
    ("author", "blog/author/misma/", r"blog/author/[^/]+/"),
    ("author-index", "blog/author/", r"blog/author/"),
    ("archive", "blog/archive/", r"blog/archive/"),
    ("year", "blog/2025/", r"blog/\d{4}/"),
    ("all-posts", "blog/", r"blog/"),
    ("about", "about/", r"about/"),
    ("ethics", "ethics/", r"ethics/"),
    ("subscribe", "subscribe/", r"subscribe/"),
    ("search", "search/?q=attachment", r"search/"),
    ("404", "404.html", r"404\.html"),
    ("redirect", "blog.html", r"(?!404\.html$).+\.html"),  # conf.py's `redirects`
]
PAGES = [(name, url) for name, url, _ in PAGE_TYPES]
# Opened by tests/test_browser.py's console and request checks.
COVERED_BY_TEST_BROWSER = {"home", "post", "tag"}

SCHEMES = ["light", "dark"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# -- Fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The pinned validators, installed with `npm ci` on first use."""
    try:
        return npm_packages.install("tests")
    except npm_packages.InstallError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def allowlist() -> dict[str, list[dict]]:
    """tests/quality/allowlist.toml: known findings upstream, one entry each."""
    entries = tomllib.loads((QUALITY / "allowlist.toml").read_text("utf-8"))
    for kind, items in entries.items():
        for item in items:
            missing = [key for key in ("upstream", "why") if not item.get(key)]
            assert not missing, (
                f"tests/quality/allowlist.toml: the [[{kind}]] entry {item} has no "
                f"{' or '.join(missing)}. Name the upstream issue and say why the site "
                "cannot fix it, or fix the site and delete the entry."
            )
    return entries


class _Findings:
    """Findings reported at the end of the run without failing it."""

    def __init__(self) -> None:
        # (rule, help, page, target) -> the screens it was seen on
        self.seen: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)

    def add(self, rule: str, help_: str, page: str, target: str, where: str) -> None:
        self.seen[(rule, help_, page, target)].append(where)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seen:
            return
        terminalreporter.section("axe: best-practice findings and checks to review (not failed)")
        for (rule, help_, page, target), where in sorted(self.seen.items()):
            terminalreporter.write_line(
                f"{rule}: {help_}\n    /{page} {target} ({', '.join(sorted(set(where)))})"
            )


@dataclass
class Axe:
    script: Path  # axe.min.js
    allowed: list[dict]  # allowlist.toml's [[axe]] entries
    findings: _Findings  # reported, not failed on


@pytest.fixture(scope="session")
def axe(node_modules, allowlist, pytestconfig: pytest.Config) -> Axe:
    """axe-core, what it may find (the allow-list), and where to report the rest."""
    findings = _Findings()
    pytestconfig.pluginmanager.register(findings, "healedheart-axe-findings")
    return Axe(node_modules / "axe-core" / "axe.min.js", allowlist.get("axe", []), findings)


def _page_url(real_site, url: str) -> str:
    """Check the page type's page exists; the 404 page is skipped until it is built."""
    path = urlsplit(url).path
    if not real_site.file(path).is_file():
        if path == "404.html":
            pytest.skip("the build has no 404.html yet")
        pytest.fail(
            f"There is no page at /{path} in the build, so this page type is not checked. "
            "Update PAGE_TYPES in tests/test_quality.py to a page that exists.",
            pytrace=False,
        )
    return url


# The height at which nothing is scrolled out of sight: the page, and the content of
# Furo's sidebars (which scroll inside boxes as tall as the window).
FULL_HEIGHT = """Math.ceil(Math.max(
    document.documentElement.scrollHeight,
    ...[...document.querySelectorAll(".sidebar-scroll, .toc-scroll")].map(
        box => box.getBoundingClientRect().top + window.scrollY + box.scrollHeight)))"""


def _without_refresh(route) -> None:
    response = route.fetch()
    body = response.text().replace('http-equiv="refresh"', 'http-equiv="x-refresh-held"')
    route.fulfill(response=response, body=body)


def _wait_for_search_results(page, url: str) -> None:
    """Sphinx's search fills its page after it has loaded: wait for the summary line."""
    if url.startswith("search/"):
        page.wait_for_selector("#search-results .search-summary", timeout=10_000)


# -- Which pages are checked --------------------------------------------------


def test_every_kind_of_page_is_checked(real_site):
    """Every page of the build is of a type in PAGE_TYPES, so the gates see its kind."""
    unchecked = [
        url
        for url in map(real_site.url_of, real_site.html_files())
        if not url.startswith("_static/")
        and not any(re.fullmatch(pattern, url) for _, _, pattern in PAGE_TYPES)
    ]
    if unchecked:
        pytest.fail(
            "These pages are of a kind the accessibility and browser gates never open: "
            + ", ".join(f"/{url}" for url in unchecked)
            + ". Add one of each kind to PAGE_TYPES in tests/test_quality.py.",
            pytrace=False,
        )


# -- HTML: the Nu Html Checker ------------------------------------------------

CANARY = "<!doctype html><html lang=en><title>canary</title><p><div></div></p>"


def test_every_page_is_valid_html(real_site, node_modules, allowlist, tmp_path):
    """The Nu Html Checker, once over the whole build: not one error."""
    java = shutil.which("java")
    assert java, "Java 17 or newer runs the Nu Html Checker: apt install default-jre-headless"
    # A page with a known error, checked in the same run: proves errors are reported.
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, "utf-8")
    jar = node_modules / "vnu-jar" / "build" / "dist" / "vnu.jar"
    done = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--skip-non-html", "--format", "json",
         "--stdout", str(real_site.outdir), str(canary)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    try:
        messages = json.loads(done.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"The Nu Html Checker did not run:\n{done.stdout}\n{done.stderr}")
    assert any(canary.name in m.get("url", "") for m in messages), (
        "The Nu Html Checker reported no error on a page with one: it is not checking."
    )
    allowed = allowlist.get("vnu", [])
    used: set[int] = set()
    errors = []
    for m in messages:
        url = m.get("url", "")
        if canary.name in url:
            continue
        page = url.removeprefix("file:").removeprefix(str(real_site.outdir)).lstrip("/")
        page = page.removesuffix("index.html")
        for i, entry in enumerate(allowed):
            if entry["message"] in m.get("message", "") and page in entry.get("pages", [page]):
                used.add(i)
                break
        else:
            extract = m.get("extract", "").strip().replace("\n", " ")
            errors.append(
                f"/{page} line {m.get('lastLine', '?')}, column {m.get('firstColumn', '?')}: "
                f"{m.get('message', m)}\n    {extract}"
            )
    if errors:
        pytest.fail(
            f"The Nu Html Checker found {len(errors)} error(s) in the built site. Fix the "
            "template that writes the markup (or, if it is Furo's or ABlog's and cannot be "
            "fixed here, see tests/quality/allowlist.toml):\n" + "\n".join(errors),
            pytrace=False,
        )
    stale = [entry for i, entry in enumerate(allowed) if i not in used]
    assert not stale, f"These allow-list entries match nothing any more; delete them: {stale}"


# -- Accessibility: axe-core in Chromium --------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(("kind", "url"), PAGES, ids=[k for k, _ in PAGES])
def test_no_wcag_violations(origin, browser, real_site, axe, kind, url):  # noqa: F811
    """axe-core finds no WCAG 2.2 A or AA violation on a phone or a desktop, light or dark.

    The page is loaded once, then resized and switched between colour schemes (the
    reader's setting, which Furo follows), and axe runs on each of the four.
    """
    url = _page_url(real_site, url)
    path = urlsplit(url).path
    allowed = [e for e in axe.allowed if path in e.get("pages", [path])]
    failures: list[str] = []
    # bypass_csp: the site's Content-Security-Policy rightly refuses axe's script.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        if kind == "redirect":
            # It sends the reader on at once: hold it still, so that axe sees it.
            page.route(origin + url, _without_refresh)
        page.goto(origin + url, wait_until="load")
        _wait_for_search_results(page, url)
        page.add_script_tag(path=str(axe.script))
        for width, (_, height) in SIZES.items():
            for scheme in SCHEMES:
                where = f"{width}px {scheme}"
                page.emulate_media(color_scheme=scheme)
                page.set_viewport_size({"width": width, "height": height})
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert kind == "redirect" or (luminance(background) < 0.2) == (scheme == "dark"), (
                    f"/{url} did not switch to its {scheme} colours (background {background})"
                )  # The redirect page has no theme: the browser's own colours, always light.
                # The whole page in the viewport: axe cannot judge the contrast of text
                # that the window's edge, or the edge of Furo's sticky sidebars, cuts.
                page.set_viewport_size({"width": width, "height": page.evaluate(FULL_HEIGHT)})
                results = page.evaluate(AXE_RUN, [*WCAG_TAGS, "best-practice"])
                assert results["passes"], "axe ran no check at all"
                found = _wcag_violations(results, allowed, axe.findings, url, where)
                failures += [f"at {where}:\n{f}" for f in found]
    finally:
        context.close()
    if failures:
        pytest.fail(
            f"axe-core found {len(failures)} WCAG 2.2 A/AA violation(s) on /{url} "
            f"({kind} page):\n" + "\n".join(failures),
            pytrace=False,
        )


AXE_RUN = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations", "incomplete"],
})"""


def _wcag_violations(results, allowed, findings, url: str, where: str) -> list[str]:
    """axe's WCAG violations, less the allowed; best practice and "incomplete" are noted."""
    failures = []
    for rule in results["violations"]:
        wcag = sorted(set(rule["tags"]) & set(WCAG_TAGS))
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not wcag:
                findings.add(rule["id"], rule["help"], url, target, where)
            elif not any(
                e["rule"] == rule["id"] and e.get("selector", "") in target for e in allowed
            ):
                summary = node["failureSummary"].replace("\n", "\n      ")
                failures.append(
                    f"- {rule['id']} ({rule['impact']}; {', '.join(wcag)}): {rule['help']}\n"
                    f"    {rule['helpUrl']}\n    at {target}: {node['html'][:200]}\n"
                    f"      {summary}"
                )
    for rule in results["incomplete"]:
        # Checks axe could not decide (a colour over an image, say): for a person.
        if set(rule["tags"]) & set(WCAG_TAGS):
            for node in rule["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                findings.add(f"review {rule['id']}", rule["help"], url, target, where)
    return failures


# -- Browser: console errors and failed requests ------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    ("kind", "url"),
    [(k, u) for k, u in PAGES if k not in COVERED_BY_TEST_BROWSER],
    ids=[k for k, _ in PAGES if k not in COVERED_BY_TEST_BROWSER],
)
def test_page_loads_cleanly(real_site, origin, browser, kind, url):  # noqa: F811
    """No console error, failed request, error response, or request to another site."""
    url = _page_url(real_site, url)
    visit = Visit(browser, origin, url, 390, "light")
    try:
        _wait_for_search_results(visit.page, url)
        arrived = visit.page.url
    finally:
        visit.close()
    if kind == "redirect" and arrived == origin + url:
        pytest.fail(f"/{url} did not send the reader on to its new address", pytrace=False)
    elsewhere = [
        f"request to another site: {u}"
        for u in visit.requests
        if not u.startswith((origin, "data:", "blob:"))
    ]
    if visit.problems or elsewhere:
        pytest.fail(
            f"/{url} ({kind} page) in Chromium at 390 px:\n"
            + "\n".join(visit.problems + elsewhere),
            pytrace=False,
        )
