"""Incremental builds (the preview) keep every list of posts fresh.

ABlog's lists are rendered when a page is written; Sphinx re-writes only the
pages whose source changed. ``healedheart.freshness`` has every page re-written
when a post's title, date, tags, category, excerpt or state changed.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import ablog.blog
import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

from healedheart import freshness


def build(srcdir: Path, outdir: Path) -> str:
    """An incremental build, as sphinx-autobuild runs one: same outdir, env kept."""
    ablog.blog.Blog._dict.clear()
    status, warnings = io.StringIO(), io.StringIO()
    with patch_docutils(srcdir), docutils_namespace():
        app = Sphinx(
            srcdir,
            srcdir,
            outdir,
            outdir.parent / "doctrees",
            "dirhtml",
            status=status,
            warning=warnings,
            freshenv=False,
        )
        app.build()
    ablog.blog.Blog._dict.clear()
    assert app.statuscode == 0, warnings.getvalue()
    return status.getvalue()


def page(outdir: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((outdir / url / "index.html").read_text("utf-8"), "lxml")


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", srcdir)
    outdir = tmp_path / "html"
    build(srcdir, outdir)
    return srcdir, outdir


def retitle(srcdir: Path, old: str, new: str) -> None:
    path = srcdir / "posts/2024/first.md"
    path.write_text(path.read_text("utf-8").replace(f"# {old}", f"# {new}"), "utf-8")


def titles_shown(outdir: Path) -> dict[str, list[str]]:
    """Where the first post's title appears: home page, another post's sidebar, tag page."""
    home = page(outdir, "")
    other = page(outdir, "posts/2025/second")
    tag = page(outdir, "blog/tag/therapy")
    return {
        "home page": [a.get_text(strip=True) for a in home.select(".latest-posts h3 a")],
        "sidebar of another post": [
            a.get_text(strip=True) for a in other.select("#sidebar-recent ~ ul a")
        ],
        "tag page": [a.get_text(strip=True) for a in tag.select(".post-summary-title a")],
    }


def test_a_new_title_reaches_every_list_on_an_incremental_build(site: tuple[Path, Path]) -> None:
    srcdir, outdir = site
    before = titles_shown(outdir)
    for where, titles in before.items():
        assert "First post" in titles, where  # the selectors find the lists

    retitle(srcdir, "First post", "A renamed first post")
    status = build(srcdir, outdir)
    assert "1 changed" in status  # incremental: only the post was re-read

    for where, titles in titles_shown(outdir).items():
        assert "A renamed first post" in titles, f"{where}: {titles}"
        assert "First post" not in titles, f"{where}: {titles}"


def test_without_it_ablog_leaves_the_lists_stale(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Proves the test above can fail: ABlog on its own re-writes only the changed post.
    monkeypatch.setattr(freshness, "fingerprint", lambda app, env: "unchanged")
    srcdir, outdir = site
    build(srcdir, outdir)  # stores the constant fingerprint
    retitle(srcdir, "First post", "A renamed first post")
    build(srcdir, outdir)
    shown = titles_shown(outdir)
    assert "First post" in shown["home page"]
    assert "First post" in shown["sidebar of another post"]


def test_a_change_that_no_list_shows_rewrites_only_that_page(site: tuple[Path, Path]) -> None:
    srcdir, outdir = site
    path = srcdir / "posts/2024/first.md"
    path.write_text(path.read_text("utf-8") + "\nA new last paragraph.\n", "utf-8")
    home = outdir / "index.html"
    stamp = home.stat().st_mtime_ns
    status = build(srcdir, outdir)
    assert "1 changed" in status
    assert home.stat().st_mtime_ns == stamp  # not re-written
    assert "A new last paragraph." in page(outdir, "posts/2024/first").get_text()
