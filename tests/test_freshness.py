"""Incremental builds (the preview) keep every list of posts fresh.

ABlog's lists are rendered when a page is written; Sphinx re-writes only the
pages whose source changed. ``healedheart.freshness`` has the pages that show a
change re-written: every page when a post's date, tags, category or state
changed (any list may change), only the pages that link to it when just its
title, excerpt or reading time changed. The result is checked against a clean build.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS, run_sphinx

from healedheart import cache, freshness


def build(srcdir: Path, outdir: Path, overrides: dict | None = None) -> str:
    """An incremental build, as the preview (`nox -s serve`) runs one: same outdir, env kept."""
    doctrees = outdir.parent / "doctrees"
    app, status, warnings = run_sphinx(srcdir, outdir, doctrees, overrides, fresh=False)
    assert app.statuscode == 0, warnings
    return status


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
    unchanged = freshness.Shown("unchanged")
    monkeypatch.setattr(freshness, "shown", lambda app, env, previous=None: unchanged)
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


# -- Only the pages that show the change (freshness.pages_mentioning) ---------------------

NEWER = """---
date: 2025-03-0{n}
tags: hope
category: Practice
---

# Hopeful post {n}

Hopeful post {n}'s excerpt.
"""


@pytest.fixture
def bigger_site(tmp_path: Path) -> tuple[Path, Path]:
    """test-basic and six newer posts, so that the first post is in no sidebar."""
    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", srcdir)
    for n in range(1, 7):
        (srcdir / f"posts/2025/hope-{n}.md").write_text(NEWER.format(n=n), "utf-8")
    outdir = tmp_path / "html"
    build(srcdir, outdir)
    return srcdir, outdir


def stamps(outdir: Path) -> dict[str, int]:
    return {
        path.relative_to(outdir).parent.as_posix(): path.stat().st_mtime_ns
        for path in outdir.rglob("index.html")
    }


def files(outdir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in outdir.rglob("*")
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".js", ".txt")
    }


def test_a_new_title_rewrites_the_pages_that_show_it_and_no_other(
    bigger_site: tuple[Path, Path], tmp_path: Path
) -> None:
    srcdir, outdir = bigger_site
    assert "First post" not in page(outdir, "about").get_text()  # in no sidebar
    before = stamps(outdir)
    retitle(srcdir, "First post", "A renamed first post")
    build(srcdir, outdir)
    after = stamps(outdir)
    rewritten = {url for url in after if after[url] != before.get(url)}

    # The post, its neighbour (previous/next) and the post related to it, and every
    # list it is in: all posts, its year, tags, category and author.
    for url in (
        "posts/2024/first",
        "posts/2025/second",
        "blog",
        "blog/2024",
        "blog/tag/attachment",
        "blog/tag/therapy",
        "blog/category/reflections",
        "blog/author/tess-ter",
    ):
        assert url in rewritten, url
    # Pages that do not show it are left as they were.
    for url in ("about", "posts/2025/hope-3", "blog/tag/hope", "blog/2025"):
        assert url not in rewritten, url

    # And the result is exactly what a clean build of the same posts gives.
    clean = tmp_path / "clean" / "html"
    build(srcdir, clean)
    incremental, fresh = files(outdir), files(clean)
    assert sorted(incremental) == sorted(fresh)
    stale = [name for name in fresh if incremental[name] != fresh[name]]
    assert stale == []


def test_a_new_tag_rewrites_every_page(bigger_site: tuple[Path, Path]) -> None:
    srcdir, outdir = bigger_site
    before = stamps(outdir)
    path = srcdir / "posts/2024/first.md"
    path.write_text(path.read_text("utf-8").replace("therapy]", "therapy, hope]"), "utf-8")
    build(srcdir, outdir)
    after = stamps(outdir)
    assert [url for url in before if after.get(url) == before[url]] == []
    # The hope tag's count in every sidebar, and its page, now include the first post.
    assert "First post" in page(outdir, "blog/tag/hope").get_text()


def test_a_page_title_in_the_navigation_rewrites_every_page(
    bigger_site: tuple[Path, Path],
) -> None:
    srcdir, outdir = bigger_site
    about = srcdir / "about.md"
    old_title = about.read_text("utf-8").split("\n", 1)[0]
    assert old_title.startswith("# ")
    about.write_text(about.read_text("utf-8").replace(old_title, "# About me, renamed"), "utf-8")
    build(srcdir, outdir)
    for url in ("", "posts/2025/hope-3", "blog/tag/hope"):
        nav = page(outdir, url).select_one(".sidebar-tree")
        assert nav is not None and "About me, renamed" in nav.get_text(), url


def test_pages_chosen_by_a_build_that_stopped_are_written_by_the_next(
    bigger_site: tuple[Path, Path],
) -> None:
    srcdir, outdir = bigger_site
    before = stamps(outdir)
    kept = outdir.parent / "doctrees" / cache.FILE
    saved = pickle.loads(kept.read_bytes())
    saved["parts"]["freshness"] = {"pending": ["about"]}  # as a build that crashed leaves it
    kept.write_bytes(pickle.dumps(saved))
    build(srcdir, outdir)
    assert stamps(outdir)["about"] != before["about"]
    assert pickle.loads(kept.read_bytes())["parts"]["freshness"]["pending"] == []


def test_the_preview_after_a_retitle_is_what_a_clean_preview_gives(
    bigger_site: tuple[Path, Path], tmp_path: Path
) -> None:
    """The same in the preview (`nox -s serve`), which also lists drafts."""
    srcdir, _ = bigger_site
    preview = {"blog_preview": True}
    outdir = tmp_path / "preview" / "html"
    build(srcdir, outdir, preview)
    before = stamps(outdir)
    retitle(srcdir, "First post", "A renamed first post")
    build(srcdir, outdir, preview)
    after = stamps(outdir)
    assert after["about"] == before["about"]  # only the pages that show it
    assert after["blog/tag/attachment"] != before["blog/tag/attachment"]
    clean = tmp_path / "clean-preview" / "html"
    build(srcdir, clean, preview)
    incremental, fresh = files(outdir), files(clean)
    assert sorted(incremental) == sorted(fresh)
    assert [name for name in fresh if incremental[name] != fresh[name]] == []


def test_only_the_documents_read_again_are_digested_again(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    srcdir, outdir = site
    digested: list[object] = []
    digest = freshness._digest
    monkeypatch.setattr(freshness, "_digest", lambda value: digested.append(value) or digest(value))

    build(srcdir, outdir)  # nothing changed: only the structure is digested
    assert len(digested) == 1

    digested.clear()
    retitle(srcdir, "First post", "A renamed first post")
    build(srcdir, outdir)  # the structure, and the one post read again
    assert len(digested) == 2
    assert "A renamed first post" in str(digested)
    assert "A renamed first post" in str(titles_shown(outdir)["tag page"])
