"""Shared fixtures: build a site (a tiny test root, or the real one) and read it.

Sites are built in-process with Sphinx's ``dirhtml`` builder, strictly (any
warning fails), into a temporary folder. ABlog keeps its state on a class
(``ablog.blog.Blog._dict``), so it is reset before every build.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import ablog.blog
import pytest
from bs4 import BeautifulSoup
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

# Tests read the plain words of sphinx-build's and check's output: no colour
# codes, even where CI or nox asks for colour (FORCE_COLOR).
os.environ.pop("FORCE_COLOR", None)
os.environ["NO_COLOR"] = "1"

REPO = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"
_ORIGIN = "http://site.invalid/"  # stands in for the site's root when resolving links


@dataclass
class BuiltSite:
    """A built site: its output folder, and helpers to read it as a reader would."""

    srcdir: Path
    outdir: Path
    warnings: str
    status: str
    base_url: str = ""  # the html_baseurl the build used (after SITE_URL)
    _pages: dict[str, BeautifulSoup] = field(default_factory=dict)

    def file(self, url_path: str) -> Path:
        """The file a web server would send for ``url_path`` (``blog/tag/x/`` and so on)."""
        path = self.outdir / url_path.lstrip("/")
        if url_path == "" or url_path.endswith("/"):
            path = path / "index.html"
        return path

    def page(self, url_path: str) -> BeautifulSoup:
        """The parsed HTML page at ``url_path``."""
        if url_path not in self._pages:
            path = self.file(url_path)
            assert path.is_file(), f"no page at {url_path!r} ({path})"
            self._pages[url_path] = BeautifulSoup(path.read_text("utf-8"), "lxml")
        return self._pages[url_path]

    def html_files(self) -> list[Path]:
        return sorted(self.outdir.rglob("*.html"))

    def url_of(self, path: Path) -> str:
        """The URL path a reader uses for an output file."""
        rel = path.relative_to(self.outdir).as_posix()
        return rel.removesuffix("index.html")

    def target(self, page_url: str, ref: str) -> tuple[str, str] | None:
        """The URL path and fragment that link ``ref`` on ``page_url`` leads to.

        None if it leaves the site (absolute links to the site's own address count
        as internal; ``mailto:`` and ``data:`` are not links to pages).
        """
        if ref.startswith(("mailto:", "tel:", "data:", "javascript:")):
            return None
        absolute = urljoin(_ORIGIN + page_url, ref)
        for root in (_ORIGIN, self.base_url):
            if root and absolute.startswith(root):
                parts = urlsplit(absolute[len(root) :])
                return unquote(parts.path), unquote(parts.fragment)
        return None

    def existing_file(self, url_path: str) -> Path | None:
        """The file a static web server sends for ``url_path``, or None (a 404)."""
        path = self.file(url_path)
        if path.is_dir():  # "x" without a slash: servers redirect to "x/"
            path = path / "index.html"
        return path if path.is_file() else None

    def follow(self, page_url: str, ref: str) -> str:
        """The URL path of the page link ``ref`` on ``page_url`` leads to; it must exist."""
        target = self.target(page_url, ref)
        assert target is not None, f"{ref!r} on {page_url!r} leaves the site"
        assert self.existing_file(target[0]), f"{ref!r} on {page_url!r} leads nowhere"
        return target[0]

    def heading(self, url_path: str) -> str:
        """The page's h1 as a reader sees it, without Sphinx's "¶" permalink."""
        h1 = self.page(url_path).select_one("article[role=main] h1")
        assert h1 is not None, f"the page {url_path!r} has no h1"
        h1 = copy.copy(h1)  # parsed pages are shared between tests: never change one
        for link in h1.select("a.headerlink"):
            link.extract()
        return h1.get_text(" ", strip=True)

    def texts(self) -> dict[str, str]:
        """Every output file's text, by path: what a search engine or a reader could see.

        ``objects.inv`` is decompressed (its body is zlib-compressed after four text
        lines); other binary files are decoded leniently, so no file is skipped.
        """
        result = {}
        for path in sorted(p for p in self.outdir.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.name == "objects.inv":
                header, _, body = data.partition(b"zlib.\n")
                data = header + zlib.decompress(body)
            result[path.relative_to(self.outdir).as_posix()] = data.decode("utf-8", "replace")
        return result


def noting_pid(function: Callable[..., Any], path: Path) -> Callable[..., Any]:
    """``function``, noting in ``path`` the process it runs in (a forked worker's memory
    is its own, so a test learns from the file which processes did the work)."""

    def noting(*args: Any, **kwargs: Any) -> Any:
        with path.open("a") as file:
            file.write(f"{os.getpid()}\n")
        return function(*args, **kwargs)

    return noting


def healedheart_build(
    srcdir: Path,
    outdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``nox -s build``'s command in a fresh process: ``python -m healedheart.build``.

    Runs ``healedheart.build ARGS SRCDIR OUTDIR`` in ``cwd`` (by default ``srcdir``),
    its output captured as text.
    """
    return subprocess.run(
        [sys.executable, "-m", "healedheart.build", *args, str(srcdir), str(outdir)],
        cwd=cwd or srcdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_sphinx(
    srcdir: Path,
    outdir: Path,
    doctrees: Path,
    overrides: dict | None = None,
    *,
    fresh: bool = True,
    strict: bool = False,
    nitpicky: bool = False,
    parallel: int = 0,
) -> tuple[Sphinx, str, str]:
    """Build ``srcdir`` with the dirhtml builder in this process: the app, its output, warnings.

    ``fresh=False`` is an incremental build, as the preview (`nox -s serve`) runs one: the
    environment and the pages of the previous build into ``outdir`` are kept.
    """
    ablog.blog.Blog._dict.clear()
    status, warnings = io.StringIO(), io.StringIO()
    # As sphinx-build does: docutils' directives, roles and nodes are global, and
    # without a namespace the next build in this process warns that they are
    # "already registered".
    with patch_docutils(srcdir), docutils_namespace():
        app = Sphinx(
            srcdir=srcdir,
            confdir=srcdir,
            outdir=outdir,
            doctreedir=doctrees,
            buildername="dirhtml",
            confoverrides=overrides or {},
            status=status,
            warning=warnings,
            freshenv=fresh,
            warningiserror=strict,
            keep_going=False,
            parallel=parallel,
        )
        if nitpicky:
            app.config.nitpicky = True
        app.build(force_all=fresh)
    ablog.blog.Blog._dict.clear()
    return app, status.getvalue(), warnings.getvalue()


def build_site(
    srcdir: Path, outdir: Path, overrides: dict | None = None, strict: bool = True
) -> BuiltSite:
    """Build ``srcdir`` into ``outdir`` with the dirhtml builder, as `nox -s build` does."""
    doctrees = outdir.parent / (outdir.name + "-doctrees")
    app, status, warnings = run_sphinx(
        srcdir, outdir, doctrees, overrides, strict=strict, nitpicky=True
    )
    # Since Sphinx 8.1, warningiserror no longer raises: it only sets the exit status.
    if strict and app.statuscode != 0:
        pytest.fail(f"the build of {srcdir} warned:\n{warnings}", pytrace=False)
    return BuiltSite(srcdir, outdir, warnings, status, app.config.html_baseurl)


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., BuiltSite]:
    """Copy a test root (``tests/roots/test-<name>``) to a temp folder and build it.

    ``edit`` may change files in the copy before the build: ``edit(srcdir)``.
    """

    def _make(
        name: str,
        overrides: dict | None = None,
        edit: Callable[[Path], None] | None = None,
        strict: bool = True,
    ) -> BuiltSite:
        srcdir = tmp_path / "src"
        shutil.copytree(ROOTS / f"test-{name}", srcdir)
        if edit:
            edit(srcdir)
        return build_site(srcdir, tmp_path / "html", overrides, strict)

    return _make


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The real site, built strictly from the repository, once per test run."""
    out = tmp_path_factory.mktemp("real-site") / "html"
    return build_site(REPO, out)


@pytest.fixture(scope="session")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., BuiltSite]:
    """Like ``make_site``, but each (root, overrides) is built once per test run.

    For tests that only read the output: build-once keeps the suite fast.
    """
    cache: dict[str, BuiltSite] = {}

    def _make(name: str, overrides: dict | None = None) -> BuiltSite:
        key = f"{name} {sorted((overrides or {}).items())!r}"
        if key not in cache:
            tmp = tmp_path_factory.mktemp(f"site-{name}")
            srcdir = tmp / "src"
            shutil.copytree(ROOTS / f"test-{name}", srcdir)
            cache[key] = build_site(srcdir, tmp / "html", overrides)
        return cache[key]

    return _make


# -- The browser ---------------------------------------------------------------

# tests/quality/: standard-library modules the lighthouse session shares with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "quality"))
from chromium_flags import CHROMIUM_ARGS  # noqa: E402


def chromium_launch_options() -> dict:
    """How to start Chromium: Debian's ``/usr/bin/chromium`` unless
    ``BLOG_TEST_CHROMIUM`` names another, or says ``playwright`` (Playwright's
    own build, as on GitHub's runners). Missing, the browser tests are skipped,
    except in CI (``CI`` set), where they fail."""
    choice = os.environ.get("BLOG_TEST_CHROMIUM", "/usr/bin/chromium")
    if choice == "playwright":
        return {"args": CHROMIUM_ARGS}
    if not Path(choice).exists():
        message = f"{choice} is missing: install Debian's chromium (apt install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {"executable_path": choice, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module, driven by Playwright.

    Not for the whole session: a later test that forks (a parallel build, or
    sphinx-sitemap's multiprocessing Manager) would inherit Playwright's pipe
    and keep its driver from ever exiting."""
    options = chromium_launch_options()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()
