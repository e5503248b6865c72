"""The blog's pages in Furo's layout, on the basic test root (tests/roots/test-basic).

The root, built as of 2025-06-01, has three published posts (newest first):

=========  ==========  =================================  ===================  ===========
post       date        title                              tags                 category
=========  ==========  =================================  ===================  ===========
third      2025-05-31  Third post                         self care, therapy   Reflections
second     2025-02-14  Second post: A & B <together>      attachment           [Practice]
first      2024-03-10  First post                         attachment, therapy  Reflections
=========  ==========  =================================  ===================  ===========

and a draft and a scheduled post, which must not show anywhere (test_publishing.py).
Every post's author is Tess Ter (the third names her; the others take the default).
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import jinja2.nodes
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, run_sphinx

THIRD, SECOND, FIRST = "Third post", "Second post: A & B <together>", "First post"
POSTS = {
    THIRD: "posts/2025/third/",
    SECOND: "posts/2025/second/",
    FIRST: "posts/2024/first/",
}


@pytest.fixture(scope="module")
def site(shared_site):
    return shared_site("basic")


def main(site, url: str) -> BeautifulSoup:
    article = site.page(url).select_one("article[role=main]")
    assert article is not None, f"{url!r} is not in Furo's layout"
    return article


def listed(site, url: str) -> list[str]:
    """The titles of the posts a list page shows, in order; each must link to its post."""
    titles = []
    for link in main(site, url).select(".post-summary .post-summary-title a"):
        title = link.get_text()
        assert site.follow(url, link["href"]) == POSTS[title]
        titles.append(title)
    return titles


def follow_link(site, url: str, text: str, scope: str = "article[role=main]") -> str:
    """Follow the link with this text, in ``scope`` of the page at ``url``."""
    links = [a for a in site.page(url).select(f"{scope} a[href]") if a.get_text(strip=True) == text]
    assert links, f"no link {text!r} on {url!r}"
    return site.follow(url, links[0]["href"])


def sidebar_section(site, url: str, caption: str) -> list[tuple[str, str]]:
    """(label, target) of each link in the sidebar section with this caption."""
    for nav in site.page(url).select(".sidebar-drawer nav"):
        if nav.select_one(".caption").get_text(strip=True) == caption:
            return [
                (a.get_text(" ", strip=True), site.follow(url, a["href"]))
                for a in nav.select("a[href]")
            ]
    raise AssertionError(f"no sidebar section {caption!r} on {url!r}")


# -- a post page ---------------------------------------------------------------


def test_post_header_shows_date_author_category_and_tags(site) -> None:
    url = POSTS[THIRD]
    header = main(site, url).select_one(".post-header")
    time = header.select_one("time")
    assert time["datetime"] == "2025-05-31"
    assert time.get_text(strip=True) == "31 May 2025"  # post_date_format "%-d %B %Y"
    assert header.select_one(".post-author").get_text(strip=True) == "Tess Ter"

    category = header.select_one(".post-category a")
    assert category.get_text(strip=True) == "Reflections"
    assert "Reflections" in site.heading(site.follow(url, category["href"]))

    tags = header.select("a[rel=tag]")
    assert [a.get_text(strip=True) for a in tags] == ["self care", "therapy"]
    for a in tags:
        assert site.heading(site.follow(url, a["href"])).endswith(a.get_text(strip=True))


def test_post_header_comes_right_after_the_title(site) -> None:
    h1 = main(site, POSTS[FIRST]).select_one("h1")
    assert "post-header" in h1.find_next_sibling()["class"]


@pytest.mark.parametrize(
    ("title", "older", "newer"),
    [(FIRST, None, SECOND), (SECOND, FIRST, THIRD), (THIRD, SECOND, None)],
)
def test_footer_previous_and_next_are_the_older_and_newer_post(site, title, older, newer):
    url = POSTS[title]
    footer = site.page(url).select_one("footer .related-pages")
    for selector, expected in (("a.prev-page", older), ("a.next-page", newer)):
        link = footer.select_one(selector)
        if expected is None:
            assert link is None
        else:
            assert link.select_one(".title").get_text(strip=True) == expected
            assert site.follow(url, link["href"]) == POSTS[expected]


def test_footer_previous_and_next_are_not_on_other_pages(site) -> None:
    """A page that is not a post keeps Furo's own previous/next (the page order)."""
    footer = site.page("about/").select_one("footer .related-pages")
    assert site.follow("about/", footer.select_one("a.prev-page")["href"]) == ""


# -- lists of posts ------------------------------------------------------------


def test_home_page_lists_the_posts_newest_first(site) -> None:
    assert listed(site, "") == [THIRD, SECOND, FIRST]


def test_all_posts_page_lists_every_published_post_newest_first(site) -> None:
    url = follow_link(site, "", "All posts", ".latest-posts")
    assert listed(site, url) == [THIRD, SECOND, FIRST]
    assert main(site, url).select_one(".collection-count").get_text(strip=True) == "3 posts"


@pytest.mark.parametrize(
    ("tag", "posts"),
    [("attachment", [SECOND, FIRST]), ("therapy", [THIRD, FIRST]), ("self care", [THIRD])],
)
def test_a_tag_page_lists_exactly_its_posts_newest_first(site, tag, posts) -> None:
    url = follow_link(site, "blog/tag/", tag, "article[role=main] h2")
    assert tag in site.heading(url)
    assert listed(site, url) == posts


def test_tag_index_lists_every_tag_with_its_posts(site) -> None:
    groups = {
        h2.select_one("a").get_text(): [a.get_text() for a in h2.find_next("ul").select("a")]
        for h2 in main(site, "blog/tag/").select("h2")
    }
    assert groups == {
        "attachment": [SECOND, FIRST],
        "self care": [THIRD],
        "therapy": [THIRD, FIRST],
    }


def test_a_yaml_list_category_is_one_category(site) -> None:
    """`category: [Practice]` is the category "Practice", not one named '["Practice"'."""
    header = main(site, POSTS[SECOND]).select_one(".post-header")
    assert [a.get_text() for a in header.select(".post-category a")] == ["Practice"]
    url = site.follow(POSTS[SECOND], header.select_one(".post-category a")["href"])
    assert site.heading(url).endswith("Practice")
    assert listed(site, url) == [SECOND]
    names = [h2.select_one("a").get_text() for h2 in main(site, "blog/category/").select("h2")]
    assert names == ["Practice", "Reflections"]
    assert not [p for p in site.outdir.rglob("*") if "[" in p.name or '"' in p.name]


def test_reflections_category_page_lists_its_posts_newest_first(site) -> None:
    url = follow_link(site, "blog/category/", "Reflections", "article[role=main] h2")
    assert listed(site, url) == [THIRD, FIRST]


def test_year_pages_and_the_archive_list_each_years_posts(site) -> None:
    groups = {}
    for h2 in main(site, "blog/archive/").select("h2"):
        year = h2.select_one("a")
        posts = [a.get_text() for a in h2.find_next("ul").select("a")]
        groups[year.get_text()] = posts
        # The year's own page lists the same posts.
        assert listed(site, site.follow("blog/archive/", year["href"])) == posts
    assert list(groups.items()) == [("2025", [THIRD, SECOND]), ("2024", [FIRST])]


# -- the sidebar ---------------------------------------------------------------


def test_sidebar_shows_recent_posts_newest_first(site) -> None:
    assert sidebar_section(site, "about/", "Recent posts") == [
        (title, POSTS[title]) for title in (THIRD, SECOND, FIRST)
    ]


def counts(section: list[tuple[str, str]]) -> dict[str, int]:
    result = {}
    for label, _target in section:
        match = re.fullmatch(r"(.+) \((\d+)\)", label)
        assert match, f"no count in {label!r}"
        result[match[1]] = int(match[2])
    return result


def test_sidebar_shows_tags_categories_and_years_with_counts(site) -> None:
    tags = sidebar_section(site, "about/", "Tags")
    assert counts(tags) == {"attachment": 2, "self care": 1, "therapy": 2}
    assert counts(sidebar_section(site, "about/", "Categories")) == {
        "Practice": 1,
        "Reflections": 2,
    }
    years = sidebar_section(site, "about/", "Archive")
    assert list(counts(years).items()) == [("2025", 2), ("2024", 1)]
    # Each count is the number of posts its page lists.
    for label, target in tags + years:
        assert len(listed(site, target)) == counts([(label, target)]).popitem()[1]


def test_sidebar_links_to_the_blogs_own_pages(site) -> None:
    labels = dict(sidebar_section(site, "", "Blog"))
    assert set(labels) == {"All posts", "Archive by year", "Tags", "Categories"}
    assert listed(site, labels["All posts"]) == [THIRD, SECOND, FIRST]


def test_sidebar_marks_the_current_post(site) -> None:
    nav = next(
        nav
        for nav in site.page(POSTS[SECOND]).select(".sidebar-drawer nav")
        if nav.get_text(" ", strip=True).startswith("Recent posts")
    )
    current = nav.select('a[aria-current="page"]')
    assert [a.get_text() for a in current] == [SECOND]


# -- a title with HTML's special characters ------------------------------------


def test_a_title_with_ampersand_and_angle_brackets_is_shown_as_written(site) -> None:
    url = POSTS[SECOND]
    assert site.heading(url) == SECOND
    assert site.page(url).title.get_text().startswith(SECOND)
    # Where other pages show it: lists, the sidebar, Furo's footer on the older post.
    assert SECOND in listed(site, "")
    assert SECOND in dict(sidebar_section(site, "", "Recent posts"))
    footer = site.page(POSTS[FIRST]).select_one("footer a.next-page .title")
    assert footer.get_text(strip=True) == SECOND
    feed = feedparser.parse(site.file("blog/atom.xml").read_bytes())
    assert SECOND in [entry.title for entry in feed.entries]


def test_no_page_turns_a_title_into_an_html_element(site) -> None:
    pages = [site.url_of(p) for p in site.html_files()]
    assert not [url for url in pages if site.page(url).find("together") is not None]


# -- The templates run without Jinja's sandbox (layout.PageRenderer) --------------------


def _unsafe_in_sandbox(template: jinja2.nodes.Template) -> list[str]:
    """What a template reads that Jinja's sandbox would refuse or change."""
    found = []
    for node in template.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        name = node.attr if isinstance(node, jinja2.nodes.Getattr) else None
        if isinstance(node, jinja2.nodes.Getitem) and isinstance(node.arg, jinja2.nodes.Const):
            name = node.arg.value
        if not isinstance(name, str):
            continue
        # The sandbox's str.format refuses only what the format string reads of its
        # arguments' insides; a theme option's is the site's own (conf.py).
        formats_own_setting = (
            name in ("format", "format_map")
            and isinstance(node.node, jinja2.nodes.Name)
            and node.node.name.startswith("theme_")
        )
        if (
            name.startswith("_") or name in ("format", "format_map", "mro") or "func_" in name
        ) and not formats_own_setting:
            found.append(name)
    return found


def test_no_template_reads_what_the_sandbox_would_refuse(tmp_path: Path) -> None:
    """The sandbox is dropped only because no template of the site's (Sphinx's, Furo's,
    ABlog's, ours) reads a private name or formats a string other than a theme option."""
    app, _, _ = run_sphinx(REPO, tmp_path / "html", tmp_path / "doctrees")
    environment = app.builder.templates.environment
    assert type(environment) is jinja2.Environment  # not Sphinx's SandboxedEnvironment
    files = [
        path
        for folder in app.builder.templates.pathchain
        for path in Path(folder).rglob("*")
        if path.suffix in {".html", ".xml", ".txt"} and path.is_file()
    ]
    assert len(files) > 40
    unsafe = {}
    for path in files:
        try:
            template = environment.parse(path.read_text(encoding="utf-8"))
        except jinja2.TemplateSyntaxError:
            continue  # not a template this build can load
        if found := _unsafe_in_sandbox(template):
            unsafe[str(path)] = found
    assert unsafe == {}
    # And the check finds what it looks for.
    unsafe_template = "{{ post._secret }}{{ '{}'.format(x) }}{{ theme_link.format(x=1) }}"
    assert _unsafe_in_sandbox(environment.parse(unsafe_template)) == ["_secret", "format"]
