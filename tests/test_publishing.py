"""healedheart.publishing: which posts are published, and keeping the others out.

The basic root (tests/roots/test-basic, built as of 2025-06-01) has a draft
(``posts/2025/unfinished.md``, ``draft: true``) and a post scheduled for
2025-06-02 (``posts/2025/tomorrow.md``). Each has words and a tag found nowhere
else, so a leak into any output file shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sphinx.util.matching import Matcher

from healedheart import frontmatter, publishing
from healedheart.publishing import DRAFT, PUBLISHED, SCHEDULED

TODAY = dt.date(2025, 6, 1)
DRAFT_WORDS = ("zebrafinch", "quartzlantern", "secretdrafttag")
SCHEDULED_WORDS = ("marmalade", "velocipede", "secretscheduledtag")
UNPUBLISHED = {"posts/2025/unfinished/": DRAFT_WORDS, "posts/2025/tomorrow/": SCHEDULED_WORDS}


def matter(**fields) -> frontmatter.FrontMatter:
    return frontmatter.FrontMatter("posts/x.md", fields)


# -- classify ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"date": dt.date(2025, 5, 31)}, PUBLISHED),
        ({"date": TODAY}, PUBLISHED),  # goes live on its day
        ({"date": dt.date(2025, 6, 2)}, SCHEDULED),
        ({"date": "2025-06-02"}, SCHEDULED),  # an ISO string, as from a quoted date
        ({"date": dt.datetime(2025, 6, 1, 23, 59)}, PUBLISHED),
        ({"date": dt.date(2025, 5, 31), "draft": True}, DRAFT),
        ({"date": dt.date(2030, 1, 1), "draft": True}, DRAFT),  # draft wins over date
        ({"date": dt.date(2025, 5, 31), "draft": False}, PUBLISHED),
        ({}, DRAFT),  # no date: ABlog would treat it as a draft
        ({"date": "soon"}, DRAFT),
    ],
)
def test_classify(fields, state) -> None:
    assert publishing.classify(matter(**fields), TODAY) == state


def test_today_is_fixed_by_blog_today() -> None:
    assert publishing.today("Europe/London", "2025-06-01") == TODAY


def test_today_is_the_authors_day_not_the_machines() -> None:
    # Kiritimati (UTC+14) and Niue (UTC-11) are 25 hours apart: their dates always
    # differ, so a result that ignored the time zone would fail here.
    assert publishing.today("Pacific/Kiritimati") != publishing.today("Pacific/Niue")


# -- exclude patterns ----------------------------------------------------------


# Sphinx turns "[[]" into the regex "[[]", which Python flags as a possible future
# nested set; it matches a literal "[" today, which is what this test checks.
@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@pytest.mark.parametrize(
    ("path", "others"),
    [
        ("posts/2025/[draft].md", ["posts/2025/d.md", "posts/2025/r.md"]),
        ("posts/2025/what?.md", ["posts/2025/whatx.md"]),
        ("posts/2025/a*b.md", ["posts/2025/ab.md", "posts/2025/aXXb.md"]),
        ("posts/2025/plain.md", ["posts/2025/plain2.md"]),
    ],
)
def test_exclude_pattern_matches_exactly_that_file(path, others) -> None:
    """Sphinx reads exclude_patterns as globs: the post's own path must match only itself."""
    matcher = Matcher([publishing.escape_glob(path)])
    assert matcher(path)
    assert not [other for other in others if matcher(other)]


# -- statuses of a folder of posts ---------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_statuses_of_every_post_matching_the_pattern(tmp_path: Path) -> None:
    write(tmp_path / "posts/2025/old.md", "---\ndate: 2025-01-01\n---\n# Old\n")
    write(tmp_path / "posts/2025/new.md", "---\ndate: 2025-07-01\n---\n# New\n")
    write(tmp_path / "posts/2025/wip.md", "---\ndate: 2025-01-01\ndraft: true\n---\n# Wip\n")
    write(tmp_path / "posts/2025/notes.txt", "not a post")
    write(tmp_path / "about.md", "# About\n")
    found, unreadable = publishing.statuses(tmp_path, "posts/**/*.md", TODAY)
    assert unreadable == []
    assert {(s.docname, s.state) for s in found} == {
        ("posts/2025/old", PUBLISHED),
        ("posts/2025/new", SCHEDULED),
        ("posts/2025/wip", DRAFT),
    }
    assert next(s for s in found if s.docname == "posts/2025/new").date == dt.date(2025, 7, 1)


def test_statuses_report_every_broken_post_at_once(tmp_path: Path) -> None:
    write(tmp_path / "posts/a.md", "---\ndate: 2025-01-01\n")  # never closed
    write(tmp_path / "posts/b.md", "---\ndate: 2025-01-01\ntags: [x\n---\n")  # bad YAML
    write(tmp_path / "posts/c.md", "---\ndate: 2025-01-01\n---\n# Fine\n")
    found, unreadable = publishing.statuses(tmp_path, ["posts/*.md"], TODAY)
    assert [p.path for p in unreadable] == ["posts/a.md", "posts/b.md"]
    assert [s.docname for s in found] == ["posts/c"]


def test_a_broken_post_stops_the_build_naming_the_file(make_site) -> None:
    def break_a_post(src: Path) -> None:
        (src / "posts/2025/broken.md").write_text("---\ndate: 2025-01-01\n# Broken\n", "utf-8")

    # The build fails (make_site fails the test on a non-zero status) and says why.
    message = r"posts/2025/broken\.md, line 1: .* never closed"
    with pytest.raises(pytest.fail.Exception, match=message):
        make_site("basic", edit=break_a_post)


# -- the deployed build --------------------------------------------------------


@pytest.fixture(scope="module")
def site(shared_site):
    return shared_site("basic")


def test_unpublished_posts_leave_no_trace_in_any_output_file(site) -> None:
    source = "".join(p.read_text("utf-8") for p in (site.srcdir / "posts").rglob("*.md"))
    words = DRAFT_WORDS + SCHEDULED_WORDS
    assert all(w in source for w in words)  # the sources have them: this test can fail
    texts = site.texts()
    assert {"objects.inv", "searchindex.js", "sitemap.xml", "blog/atom.xml"} <= set(texts)
    leaks = sorted({(name, w) for name, text in texts.items() for w in words if w in text})
    assert not leaks


def test_unpublished_posts_and_the_drafts_page_are_not_built(site) -> None:
    for url in [*UNPUBLISHED, "blog/drafts/"]:
        assert site.existing_file(url) is None, url
    assert {site.url_of(p) for p in (site.outdir / "posts").rglob("index.html")} == {
        "posts/2024/first/",
        "posts/2025/second/",
        "posts/2025/third/",
    }


# -- the preview ---------------------------------------------------------------


@pytest.fixture(scope="module")
def preview(shared_site):
    return shared_site("basic", {"blog_preview": True})


def test_preview_builds_the_draft_with_a_draft_notice(preview) -> None:
    page = preview.page("posts/2025/unfinished/")
    assert preview.heading("posts/2025/unfinished/") == "Unfinished thoughts"
    notice = page.select_one("article[role=main] .post-header .post-status")
    assert notice.get_text(" ", strip=True).startswith("Draft")
    assert "zebrafinch" in page.select_one("article[role=main]").get_text()


def test_preview_builds_the_scheduled_post_with_its_date(preview) -> None:
    page = preview.page("posts/2025/tomorrow/")
    notice = page.select_one("article[role=main] .post-header .post-status")
    assert notice.get_text(" ", strip=True).startswith("Scheduled for 2 June 2025")
    assert page.select_one(".post-header time")["datetime"] == "2025-06-02"


def test_preview_marks_only_the_unpublished(preview) -> None:
    for url in ("posts/2025/second/", "posts/2025/third/"):
        assert preview.page(url).select_one(".post-header .post-status") is None


def test_preview_lists_unpublished_posts_on_the_drafts_page(preview) -> None:
    drafts = preview.page("blog/drafts/").select(".post-summary")
    assert {d.select_one(".post-summary-title a").get_text() for d in drafts} == {
        "Not yet",
        "Unfinished thoughts",
    }
    for summary in drafts:
        assert summary.select_one(".post-status").get_text(strip=True) == "Draft"


def test_preview_does_not_list_a_past_dated_draft_as_published(preview) -> None:
    """`draft: true` wins over a date in the past, in the preview's lists too."""
    for url in ("", "blog/", "blog/2025/"):
        titles = [a.get_text() for a in preview.page(url).select(".post-summary-title a")]
        assert "Second post: A & B <together>" in titles
        assert "Unfinished thoughts" not in titles, url
    footer = preview.page("posts/2024/first/").select_one("footer a.next-page .title")
    assert footer.get_text(strip=True) == "Second post: A & B <together>"
    assert "Unfinished thoughts" not in preview.file("blog/atom.xml").read_text("utf-8")


# -- the day a scheduled post goes live ----------------------------------------


def test_a_scheduled_post_goes_live_on_its_day(make_site) -> None:
    site = make_site("basic", overrides={"blog_today": "2025-06-02"})
    assert site.heading("posts/2025/tomorrow/") == "Not yet"
    assert site.page("posts/2025/tomorrow/").select_one(".post-header .post-status") is None
    newest = site.page("").select_one(".latest-posts .post-summary-title a")
    assert newest.get_text() == "Not yet"
    assert "Not yet" in site.file("blog/atom.xml").read_text("utf-8")
    tags = [a.get_text() for a in site.page("blog/tag/").select("article h2 a")]
    assert "secretscheduledtag" in tags
    # The draft stays out whatever the day.
    assert site.existing_file("posts/2025/unfinished/") is None
    assert not [n for n, t in site.texts().items() if "zebrafinch" in t]
