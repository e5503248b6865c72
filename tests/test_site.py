"""The real site, built strictly from the repository: what a reader, a feed reader
and a search engine get.

Expected values come from the site's sources (the posts' front matter, conf.py,
the old blog's export in ``tests/data``) or from another part of the build, never
from a copy of the output.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from lxml import etree

from healedheart.site import resolve_base_url

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OLD_BLOG = HERE / "data" / "old-blog-page.txt"
SITEMAP_XSD = HERE / "schemas" / "sitemap.xsd"
MIGRATED = "posts/2025/to-a-healed-heart"
FEED = "blog/atom.xml"

LINK_ATTRIBUTES = ("href", "src", "action")

FURO_ERROR = 'inheriting from "layout.html"'
# Classes of ABlog's own templates (postcard, recentposts, tagcloud, archives, its
# page.html's prev/next and comments) and its Font Awesome icons: none of them may
# reach a page, since the site renders the blog with its own templates in Furo.
ABLOG_CLASS = re.compile(
    r"^(ablog__|ablog-sidebar-item|ablog-post-title|ablog-post-expand|ablog-cloud|"
    r"ablog-archive|fa$|fa-)"
)
# Curly quotes (the old export has some, Sphinx's smartquotes make the rest) to plain.
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


# -- helpers -------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Words and punctuation marks, with quote glyphs made plain and whitespace dropped."""
    return re.findall(r"\w+|[^\w\s]", text.translate(QUOTES))


def plain(text: str) -> str:
    return " ".join(text.translate(QUOTES).split())


def front_matter(source: Path) -> dict:
    """A post's front matter, read here with PyYAML (not with the code under test)."""
    text = source.read_text("utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def source_title(source: Path) -> str:
    """The text of the first '# ' heading after the front matter."""
    body = source.read_text("utf-8").split("---\n", 2)[2]
    return next(line[2:].strip() for line in body.splitlines() if line.startswith("# "))


def comma_list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def configured_base_url() -> str:
    """html_baseurl as conf.py sets it (read without executing conf.py), after SITE_URL."""
    tree = ast.parse((REPO / "conf.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "html_baseurl" for t in node.targets
        ):
            return resolve_base_url(ast.literal_eval(node.value), os.environ)
    raise AssertionError("conf.py sets no html_baseurl")


def ids_of(page: BeautifulSoup) -> set[str]:
    return {el["id"] for el in page.find_all(id=True)} | {
        el["name"] for el in page.find_all("a", attrs={"name": True})
    }


def post_urls(site) -> set[str]:
    """The URL paths of the post pages actually built (posts live under posts/)."""
    return {site.url_of(p) for p in (site.outdir / "posts").rglob("index.html")}


def refresh_target(page: BeautifulSoup) -> str | None:
    """Where a page's ``<meta http-equiv="refresh">`` sends the reader, if it has one."""
    meta = page.find("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)})
    if meta is None:
        return None
    match = re.search(r"url=(.*)$", meta.get("content", ""), re.I)
    return match[1].strip("'\" ") if match else ""


def pages(site, redirects: bool = False):
    """Every HTML page (url, parsed), less redirect stubs unless ``redirects``.

    A redirect stub (an old address: a meta refresh, noindex) is not a page a
    reader stays on; test_every_internal_link checks where it leads.
    """
    for path in site.html_files():
        url = site.url_of(path)
        page = site.page(url)
        if redirects or refresh_target(page) is None:
            yield url, page


# -- every page ----------------------------------------------------------------


def test_every_page_has_furos_layout(real_site) -> None:
    failures = []
    for url, page in pages(real_site):
        missing = [
            selector
            for selector in (".page", ".sidebar-drawer", "article[role=main]", ".theme-toggle")
            if page.select_one(selector) is None
        ]
        if missing or FURO_ERROR in page.get_text():
            failures.append(f"{url or 'home'}: missing {missing}")
    assert len(real_site.html_files()) > 10
    assert not failures


def test_no_page_shows_ablogs_own_templates(real_site) -> None:
    failures = []
    for url, page in pages(real_site):
        classes = {c for el in page.find_all(class_=True) for c in el["class"]}
        stray = sorted(c for c in classes if ABLOG_CLASS.match(c))
        text = "".join(
            s for s in page.find_all(string=True) if s.parent.name not in ("script", "style")
        )
        unrendered = [m for m in ("{{", "}}", "{%", "%}", "{#") if m in text]
        if stray or unrendered:
            failures.append(f"{url or 'home'}: classes {stray}, template syntax {unrendered}")
    assert not failures


def test_every_internal_link_leads_to_a_file_and_fragment(real_site) -> None:
    broken, checked = [], 0
    for url, page in pages(real_site, redirects=True):
        refresh = refresh_target(page)
        if refresh is not None:
            target = real_site.target(url, refresh)
            if not target or not real_site.existing_file(target[0]):
                broken.append(f"{url}: refresh to {refresh!r} (no file)")
        for attr in LINK_ATTRIBUTES:
            for el in page.find_all(attrs={attr: True}):
                target = real_site.target(url, el[attr])
                if target is None:
                    continue
                checked += 1
                path, fragment = target
                file = real_site.existing_file(path)
                if file is None:
                    broken.append(f"{url or 'home'}: {el[attr]} (no file)")
                elif (
                    fragment
                    and file.suffix == ".html"
                    and fragment not in ids_of(real_site.page(real_site.url_of(file)))
                ):
                    broken.append(f"{url or 'home'}: {el[attr]} (no #{fragment})")
    assert checked > 100  # the walk found the site's links
    assert not broken


# -- the migrated post ---------------------------------------------------------


def post_body(page: BeautifulSoup) -> list[Tag]:
    """The post's own paragraphs: the section's direct <p> children (not the header's)."""
    section = page.select_one("article[role=main] > section")
    assert section is not None
    return section.find_all("p", recursive=False)


def test_migrated_post_says_what_the_old_blog_said_word_for_word(real_site) -> None:
    old_body = OLD_BLOG.read_text("utf-8").splitlines()[5]
    paragraphs = post_body(real_site.page(MIGRATED + "/"))
    new_body = " ".join(p.get_text() for p in paragraphs)
    assert words(new_body) == words(old_body)
    # The export lost the paragraph breaks; the post has them back.
    assert len(paragraphs) >= 10


def test_the_spam_comment_is_published_nowhere(real_site) -> None:
    old = OLD_BLOG.read_text("utf-8")
    spam = ("Tailored depression treatment", "Los Angeles")
    assert all(s in old for s in spam)  # the export still holds it: this test can fail
    leaks = [(name, s) for name, text in real_site.texts().items() for s in spam if s in text]
    assert not leaks


def test_post_page_shows_title_date_author_category_tags_and_navigation(real_site) -> None:
    source = REPO / (MIGRATED + ".md")
    meta = front_matter(source)
    page = real_site.page(MIGRATED + "/")
    assert real_site.heading(MIGRATED + "/") == source_title(source)
    assert page.title.get_text().startswith(source_title(source))

    header = page.select_one("article[role=main] .post-header")
    assert header.select_one("time")["datetime"] == meta["date"].isoformat()
    assert header.select_one(".post-author").get_text(strip=True) == "Misma"

    categories = header.select(".post-category a")
    assert [a.get_text(strip=True) for a in categories] == comma_list(meta["category"])
    for a in categories:
        target = real_site.follow(MIGRATED + "/", a["href"])
        assert a.get_text(strip=True) in real_site.heading(target)

    tags = header.select("a[rel=tag]")
    assert [a.get_text(strip=True) for a in tags] == comma_list(meta["tags"])
    for a in tags:
        target = real_site.follow(MIGRATED + "/", a["href"])
        assert a.get_text(strip=True) in real_site.heading(target)

    # The site's navigation: home, About, Code of Ethics, search.
    sidebar = page.select_one(".sidebar-drawer")
    reached = {real_site.follow(MIGRATED + "/", a["href"]) for a in sidebar.select("a[href]")}
    assert {"", "about/", "ethics/"} <= reached
    assert sidebar.select_one("form[role=search]") is not None


# -- home, About, Code of Ethics -----------------------------------------------


def test_home_page_introduces_the_blog_as_the_old_one_did(real_site) -> None:
    old = OLD_BLOG.read_text("utf-8").splitlines()
    home = real_site.page("")
    main = home.select_one("article[role=main]")
    assert real_site.heading("") == old[0] == "To a healed heart"
    assert plain(main.select_one(".site-subtitle").get_text()) == plain(old[1])
    intro = " ".join(old[2:5])
    assert intro.startswith("This blog is a space for thoughtful reflection")
    texts = [plain(p.get_text()) for p in main.find_all("p")]
    assert plain(intro) in texts


def test_home_page_lists_the_latest_posts_newest_first(real_site) -> None:
    summaries = real_site.page("").select(".latest-posts .post-summary")
    posts = post_urls(real_site)
    assert len(summaries) == min(10, len(posts)) > 0
    dates = []
    for summary in summaries:
        link = summary.select_one(".post-summary-title a")
        target = real_site.follow("", link["href"])
        assert target in posts
        post = real_site.page(target)
        assert link.get_text(strip=True) == real_site.heading(target)
        date = summary.select_one("time")["datetime"]
        assert date == post.select_one(".post-header time")["datetime"]
        dates.append(date)
        assert [a.get_text() for a in summary.select("a[rel=tag]")] == [
            a.get_text() for a in post.select(".post-header a[rel=tag]")
        ]
        assert summary.select("a[rel=tag]")  # every post so far has tags
        excerpt = plain(summary.select_one(".post-excerpt").get_text())
        assert excerpt and excerpt == plain(post_body(post)[0].get_text())
        assert real_site.follow("", summary.select_one(".post-read-more a")["href"]) == target
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    ("link_text", "title"), [("About me", "About me"), ("Code of Ethics", "Code of Ethics")]
)
def test_home_page_links_to_the_practice_pages(real_site, link_text, title) -> None:
    links = [a for a in real_site.page("").select("a[href]") if a.get_text(strip=True) == link_text]
    assert links, f"no link {link_text!r} on the home page"
    for a in links:
        assert real_site.heading(real_site.follow("", a["href"])) == title


def test_code_of_ethics_names_bacp_supervision_and_cpd(real_site) -> None:
    home = real_site.page("")
    link = next(a for a in home.select("a[href]") if a.get_text(strip=True) == "Code of Ethics")
    main = real_site.page(real_site.follow("", link["href"])).select_one("article[role=main]")
    text = plain(main.get_text(" "))
    for phrase in ("BACP", "supervision", "Continuing Professional Development"):
        assert phrase in text
    hrefs = [a["href"] for a in main.select("a[href]")]
    assert "https://www.bacp.co.uk/ethical_framework/" in hrefs


# -- sitemap -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sitemap_urls(real_site) -> list[str]:
    doc = etree.parse(str(real_site.file("sitemap.xml")))
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    assert schema.validate(doc), schema.error_log
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [loc.text for loc in doc.iterfind("sm:url/sm:loc", ns)]


def test_the_build_used_the_configured_address(real_site) -> None:
    assert real_site.base_url == configured_base_url()


def test_sitemap_lists_real_pages_at_the_configured_address(real_site, sitemap_urls) -> None:
    base = configured_base_url()
    assert sitemap_urls
    assert not [u for u in sitemap_urls if "/en/" in u]
    assert not [u for u in sitemap_urls if not u.startswith(base)]
    paths = [u[len(base) :] for u in sitemap_urls]
    assert not [p for p in paths if real_site.existing_file(p) is None]
    assert len(paths) == len(set(paths))


def test_sitemap_leaves_out_search_and_index(real_site, sitemap_urls) -> None:
    paths = {u[len(real_site.base_url) :] for u in sitemap_urls}
    assert not paths & {"search/", "genindex/", "py-modindex/"}


def test_sitemap_lists_home_practice_pages_and_every_post(real_site, sitemap_urls) -> None:
    paths = {u[len(real_site.base_url) :] for u in sitemap_urls}
    assert {"", "about/", "ethics/"} | post_urls(real_site) <= paths


# -- feed ----------------------------------------------------------------------


def test_atom_feed_is_valid_and_lists_every_published_post(real_site) -> None:
    feed = feedparser.parse(real_site.file(FEED).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    links = {entry.link for entry in feed.entries}
    assert links == {real_site.base_url + url for url in post_urls(real_site)}
    for entry in feed.entries:
        assert entry.title == real_site.heading(entry.link[len(real_site.base_url) :])


def test_every_page_announces_the_feed(real_site) -> None:
    feed = real_site.file(FEED).resolve()
    missing = []
    for url, page in pages(real_site):
        links = page.select('head link[rel=alternate][type="application/atom+xml"]')
        targets = [real_site.target(url, link["href"]) for link in links]
        if not any(t and real_site.file(t[0]).resolve() == feed for t in targets):
            missing.append(url or "home")
    assert not missing


# -- search --------------------------------------------------------------------


def test_search_page_and_index_find_the_migrated_post(real_site) -> None:
    search = real_site.page("search/")
    assert search.select_one("#search-results") is not None  # where Sphinx's search.js writes
    assert search.find("script", src=re.compile(r"searchtools\.js")) is not None
    title = real_site.heading(MIGRATED + "/")
    assert title in real_site.file("searchindex.js").read_text("utf-8")


# -- the build is strict -------------------------------------------------------


def test_a_warning_fails_a_build(make_site) -> None:
    """The fixtures promise strict builds: a broken cross-reference must fail one."""

    def break_a_link(src: Path) -> None:
        about = src / "about.md"
        about.write_text(about.read_text("utf-8") + "\nSee [nowhere](nowhere.md).\n", "utf-8")

    with pytest.raises(pytest.fail.Exception, match="nowhere"):
        make_site("basic", edit=break_a_link)
