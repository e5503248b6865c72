"""Feeds a reader can trust (healedheart/feeds.py), on the test root ``test-feeds``.

The root has three published posts (autumn 2024, winter and spring 2025), a draft
and a post scheduled after ``blog_today``. The spring post has relative links to a
post, a page and an anchor, an image, an ``updated:`` date, two tags, and a title
full of characters to escape. Feeds are fetched over HTTP from a local server, as a
reader's app fetches them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import html
import http.server
import json
import os
import pickle
import re
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
import time_machine
from bs4 import BeautifulSoup
from conftest import ROOTS, BuiltSite, build_site, run_sphinx
from lxml import etree

from healedheart import cache, feeds

BASE = "https://blog.example.org/"
ROOT = ROOTS / "test-feeds"
ATOM_SCHEMA = Path(__file__).resolve().parent / "schemas" / "atom.rng"
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
LONDON = ZoneInfo("Europe/London")

AUTUMN, WINTER, SPRING = "posts/2024/autumn", "posts/2025/winter", "posts/2025/spring"
# Every feed of the root (the page it follows) and its posts, newest first.
FEEDS = {
    "blog": [SPRING, WINTER, AUTUMN],
    "blog/tag/attachment": [SPRING, WINTER],
    "blog/tag/self-care": [SPRING, AUTUMN],
    "blog/category/practice": [SPRING],
    "blog/category/reflections": [WINTER, AUTUMN],
}
FEED_FILES = [f"{page}/{name}" for page in FEEDS for name in ("atom.xml", "rss.xml", "feed.json")]
# Midnight in London on the post's date (and its `updated:` date): GMT in winter,
# BST (+01:00) in summer.
PUBLISHED = {
    AUTUMN: dt.datetime(2024, 11, 5, tzinfo=LONDON),
    WINTER: dt.datetime(2025, 1, 15, tzinfo=LONDON),
    SPRING: dt.datetime(2025, 5, 20, tzinfo=LONDON),
}
UPDATED = {**PUBLISHED, SPRING: dt.datetime(2025, 5, 28, tzinfo=LONDON)}
# As the post page shows them (docutils' smart quotes curl the single quotes).
SPRING_TITLE = "Tea & biscuits: <b>not bold</b> — “quoted” ‘café’ naïve"  # noqa: RUF001
SPRING_EXCERPT = "Fish & chips, 1 < 2, “curly” and “straight” quotes, café."
UNPUBLISHED_WORDS = (
    "zebrafinch",
    "quartzlantern",
    "marmalade",
    "velocipede",
    "Unfinished",
    "Not yet",
)
UNPUBLISHED_TAGS = ("secretdrafttag", "secretscheduledtag")
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)


def url(docname: str) -> str:
    return f"{BASE}{docname}/"


# -- Fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(shared_site) -> BuiltSite:
    """The test root, built once, strictly."""
    return shared_site("feeds")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: BuiltSite) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site.outdir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    with pytest.MonkeyPatch.context() as patch:
        # Straight to the local server, even where an HTTP proxy is configured.
        patch.setenv("no_proxy", "127.0.0.1")
        patch.setenv("NO_PROXY", "127.0.0.1")
        yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def served(server: str, public_url: str) -> str:
    """The local server's address for one of the site's public addresses."""
    assert public_url.startswith(BASE), public_url
    return server + public_url.removeprefix(BASE)


def fetch(address: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(address, timeout=10) as response:
        return response.read(), response.headers.get_content_type()


def parsed(server: str, path: str) -> feedparser.FeedParserDict:
    result = feedparser.parse(server + path)
    assert result.get("status") == 200, f"{path}: HTTP {result.get('status')}"
    assert not result.bozo, f"{path}: {result.get('bozo_exception')!r}"
    return result


def json_feed(server: str, path: str) -> dict:
    data, _type = fetch(server + path)
    return json.loads(data.decode("utf-8"))


def contents(site: BuiltSite) -> dict[str, list[tuple[str, str]]]:
    """Every entry's (id, content HTML) in every feed file, by file."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in FEED_FILES:
        data = site.file(path).read_bytes()
        if path.endswith(".json"):
            items = json.loads(data)["items"]
            found[path] = [(i["id"], i["content_html"]) for i in items]
        elif path.endswith("atom.xml"):
            root = etree.fromstring(data)
            found[path] = [
                (
                    e.findtext("a:id", namespaces=ATOM_NS),
                    e.findtext("a:content", namespaces=ATOM_NS),
                )
                for e in root.findall("a:entry", ATOM_NS)
            ]
        else:
            root = etree.fromstring(data)
            encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
            found[path] = [(i.findtext("guid"), i.findtext(encoded)) for i in root.iter("item")]
    return found


def feed_bytes(outdir: Path) -> dict[str, bytes]:
    return {path: (outdir / path).read_bytes() for path in FEED_FILES}


def feed_stamps(outdir: Path) -> dict[str, int]:
    return {path: (outdir / path).stat().st_mtime_ns for path in FEED_FILES}


# -- Parsing and validity ------------------------------------------------------


@pytest.mark.parametrize("page", FEEDS)
@pytest.mark.parametrize("name, version", [("atom.xml", "atom10"), ("rss.xml", "rss20")])
def test_feeds_fetched_over_http_parse_cleanly_and_list_the_published_posts(
    server: str, page: str, name: str, version: str
) -> None:
    result = parsed(server, f"{page}/{name}")
    assert result.version == version
    assert [e.id for e in result.entries] == [url(d) for d in FEEDS[page]]
    assert [e.link for e in result.entries] == [url(d) for d in FEEDS[page]]


@pytest.mark.parametrize("page", FEEDS)
def test_json_feeds_fetched_over_http_have_the_required_fields(server: str, page: str) -> None:
    # feedparser 6.0 does not read JSON Feed: check the spec's rules directly.
    data, content_type = fetch(f"{server}{page}/feed.json")
    assert content_type == "application/json"
    feed = json.loads(data.decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["home_page_url"] == url(page)
    assert feed["feed_url"] == f"{BASE}{page}/feed.json"
    assert [item["id"] for item in feed["items"]] == [url(d) for d in FEEDS[page]]
    for item in feed["items"]:
        assert isinstance(item["id"], str)
        assert isinstance(item["content_html"], str) and item["content_html"]
        assert item["url"] == item["id"]
        for key in ("date_published", "date_modified"):
            assert dt.datetime.fromisoformat(item[key]).tzinfo is not None


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))


@pytest.mark.parametrize("page", FEEDS)
def test_atom_feeds_validate_against_rfc_4287(
    site: BuiltSite, atom_schema: etree.RelaxNG, page: str
) -> None:
    doc = etree.parse(str(site.file(f"{page}/atom.xml")))
    assert atom_schema.validate(doc), str(atom_schema.error_log)
    # The RFC's Schematron rules, which the RELAX NG schema cannot say.
    root = doc.getroot()
    entries = root.findall("a:entry", ATOM_NS)
    assert root.findall("a:author", ATOM_NS) or all(
        e.find("a:author", ATOM_NS) is not None for e in entries
    )
    for entry in entries:
        assert entry.find("a:content", ATOM_NS) is not None or entry.xpath(
            "a:link[@rel='alternate' or not(@rel)]", namespaces=ATOM_NS
        )
    ids = [e.findtext("a:id", namespaces=ATOM_NS) for e in entries]
    assert len(ids) == len(set(ids))
    assert root.xpath("a:link[@rel='self']/@href", namespaces=ATOM_NS) == [f"{BASE}{page}/atom.xml"]


def test_the_atom_schema_rejects_invalid_feeds(site: BuiltSite, atom_schema: etree.RelaxNG) -> None:
    # The validation above can fail: a missing id, or a date that is not RFC 3339.
    text = site.file("blog/atom.xml").read_text("utf-8")
    no_id = re.sub(r"<id>[^<]*</id>", "", text, count=1)
    bad_date = text.replace("2025-05-28T00:00:00+01:00", "28 May 2025", 1)
    for broken in (no_id, bad_date):
        assert broken != text
        assert not atom_schema.validate(etree.fromstring(broken.encode("utf-8")))


@pytest.mark.parametrize("page", FEEDS)
def test_rss_has_every_required_element_and_rfc_822_dates(site: BuiltSite, page: str) -> None:
    rss = etree.parse(str(site.file(f"{page}/rss.xml"))).getroot()
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel has no {name}"
    assert channel.findtext("link") == url(page)
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [url(d) for d in FEEDS[page]]
    for item, docname in zip(items, FEEDS[page], strict=True):
        assert item.findtext("title") and item.findtext("description")
        assert item.findtext("link") == url(docname)
        assert item.find("guid").get("isPermaLink") == "true"
        pub_date = item.findtext("pubDate")
        assert RFC_822.match(pub_date), pub_date
        assert email.utils.parsedate_to_datetime(pub_date) == PUBLISHED[docname]
    last_build = channel.findtext("lastBuildDate")
    assert RFC_822.match(last_build), last_build
    newest = max(UPDATED[d] for d in FEEDS[page])
    assert email.utils.parsedate_to_datetime(last_build) == newest


# -- What an entry says -----------------------------------------------------------


def test_entries_carry_the_full_text_and_the_excerpt(server: str) -> None:
    atom, rss = parsed(server, "blog/atom.xml"), parsed(server, "blog/rss.xml")
    items = json_feed(server, "blog/feed.json")["items"]
    full_text = "The end of the spring post."  # after the excerpt: only in the full text
    assert full_text in atom.entries[0].content[0].value
    assert full_text in rss.entries[0].content[0].value
    assert full_text in items[0]["content_html"]
    assert atom.entries[0].summary == SPRING_EXCERPT
    assert items[0]["summary"] == SPRING_EXCERPT
    # An RSS description is HTML: the plain-text excerpt arrives escaped.
    assert html.unescape(rss.entries[0].summary) == SPRING_EXCERPT


def test_titles_and_text_with_ampersands_angle_brackets_quotes_and_accents_come_through(
    site: BuiltSite, server: str
) -> None:
    heading = site.page("posts/2025/spring/").find("h1")
    heading.find("a", class_="headerlink").decompose()
    assert heading.get_text() == SPRING_TITLE  # what the post page shows
    atom, rss = parsed(server, "blog/atom.xml"), parsed(server, "blog/rss.xml")
    items = json_feed(server, "blog/feed.json")["items"]
    assert atom.entries[0].title == SPRING_TITLE
    assert rss.entries[0].title == SPRING_TITLE
    assert items[0]["title"] == SPRING_TITLE
    for content in (atom.entries[0].content[0].value, rss.entries[0].content[0].value):
        first = BeautifulSoup(content, "lxml").find("p")
        assert first.get_text() == SPRING_EXCERPT
    assert BeautifulSoup(items[0]["content_html"], "lxml").find("p").get_text() == SPRING_EXCERPT


def test_the_page_title_header_and_permalinks_are_not_repeated_in_the_content(
    site: BuiltSite,
) -> None:
    for path, entries in contents(site).items():
        for entry_id, content in entries:
            soup = BeautifulSoup(content, "lxml")
            where = f"{entry_id} in {path}"
            assert soup.find("h1") is None, where
            assert soup.select(".post-header, .headerlink") == [], where
            assert "¶" not in content, where


def test_every_url_inside_an_entry_is_absolute(site: BuiltSite) -> None:
    for path, entries in contents(site).items():
        for entry_id, content in entries:
            soup = BeautifulSoup(content, "lxml")
            for tag in soup.find_all(attrs={"href": True}) + soup.find_all(attrs={"src": True}):
                link = tag.get("href") or tag.get("src")
                parts = urlsplit(link)
                assert parts.scheme in ("http", "https") and parts.netloc, (path, entry_id, link)


def test_links_images_and_anchors_point_where_the_post_page_points(
    site: BuiltSite, server: str
) -> None:
    items = json_feed(server, "blog/feed.json")["items"]
    soup = BeautifulSoup(items[0]["content_html"], "lxml")
    links = {a.get_text(): a["href"] for a in soup.find_all("a")}
    assert links == {
        "the winter post": url(WINTER),
        "About page": f"{BASE}about/",
        "outside site": "https://example.org/a?b=1&c=2",
        "further down": f"{url(SPRING)}#further-thoughts",
    }
    # The same targets as the page's own (relative) links, resolved against its URL.
    page = site.page("posts/2025/spring/").find("article")
    for a in page.select("p a.reference"):
        assert urljoin(url(SPRING), a["href"]) == links[a.get_text()]
    image = soup.find("img")
    assert image["src"] == f"{BASE}_images/tiny.png"
    data, content_type = fetch(served(server, image["src"]))
    assert content_type == "image/png"
    assert data == (ROOT / "posts/2025/tiny.png").read_bytes()
    for target in (url(WINTER), f"{BASE}about/"):
        assert fetch(served(server, target))[1] == "text/html"
    assert soup.find(id="further-thoughts") is not None


def test_feed_html_makes_every_kind_of_url_absolute() -> None:
    body = (
        '<section id="t"><h1>T<a class="headerlink" href="#t">¶</a></h1>'
        '<div class="post-header"><a href="../tag/">tag</a></div>'
        '<p><a href="#x">x</a> <a href="mailto:a@b.c">mail</a> <!-- a comment -->'
        '<img src="../../_images/a.png" srcset="../a.png 1x, b.png 2x"></p></section>'
    )
    root = lxml.html.fragment_fromstring(body, create_parent="article")
    out = feeds.feed_html(root, "https://site.example/posts/2025/p/")
    assert out == (
        '<section id="t"><p><a href="https://site.example/posts/2025/p/#x">x</a> '
        '<a href="mailto:a@b.c">mail</a> <!-- a comment -->'
        '<img src="https://site.example/posts/_images/a.png" '
        'srcset="https://site.example/posts/2025/a.png 1x, '
        'https://site.example/posts/2025/p/b.png 2x">'
        "</p></section>"
    )


# -- Dates, ids, what is published --------------------------------------------------


def test_dates_are_the_authors_in_london_time_and_updated_is_the_newest(server: str) -> None:
    for page, docnames in FEEDS.items():
        atom = parsed(server, f"{page}/atom.xml")
        items = json_feed(server, f"{page}/feed.json")["items"]
        newest = max(UPDATED[d] for d in docnames)
        feed_updated = etree.fromstring(fetch(f"{server}{page}/atom.xml")[0]).findtext(
            "a:updated", namespaces=ATOM_NS
        )
        assert dt.datetime.fromisoformat(feed_updated) == newest
        assert feed_updated.endswith(newest.strftime("%z")[:3] + ":00")
        for entry, item, docname in zip(atom.entries, items, docnames, strict=True):
            assert dt.datetime.fromisoformat(entry.published) == PUBLISHED[docname]
            assert dt.datetime.fromisoformat(entry.updated) == UPDATED[docname]
            assert item["date_published"] == PUBLISHED[docname].isoformat()
            assert item["date_modified"] == UPDATED[docname].isoformat()
    spring = json_feed(server, "blog/feed.json")["items"][0]
    assert spring["date_published"] == "2025-05-20T00:00:00+01:00"
    assert spring["date_modified"] == "2025-05-28T00:00:00+01:00"


def test_feeds_do_not_depend_on_the_build_machines_clock_or_time_zone(
    site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        shutil.copytree(ROOT, tmp_path / "src")
        with time_machine.travel(
            dt.datetime(2031, 2, 3, 23, 30, tzinfo=ZoneInfo("Pacific/Kiritimati"))
        ):
            other = build_site(tmp_path / "src", tmp_path / "html")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert feed_bytes(other.outdir) == feed_bytes(site.outdir)


def test_only_published_posts_appear_in_the_deployed_build(site: BuiltSite) -> None:
    for path in FEED_FILES:
        text = site.file(path).read_text("utf-8")
        for word in UNPUBLISHED_WORDS:
            assert word not in text, f"{word!r} in {path}"
    for tag in UNPUBLISHED_TAGS:
        assert not site.file(f"blog/tag/{tag}/atom.xml").exists()


def test_only_published_posts_appear_in_the_preview(make_site) -> None:
    preview = make_site("feeds", overrides={"blog_preview": True})
    assert preview.page("posts/2025/unfinished/")  # the preview does show the draft...
    assert preview.page("posts/2025/summer/")  # ...and the scheduled post
    for page, docnames in FEEDS.items():  # ...but never in a feed
        items = json.loads(preview.file(f"{page}/feed.json").read_bytes())["items"]
        assert [i["id"] for i in items] == [url(d) for d in docnames]
    for path in FEED_FILES:
        text = preview.file(path).read_text("utf-8")
        for word in UNPUBLISHED_WORDS:
            assert word not in text, f"{word!r} in {path}"
    for tag in UNPUBLISHED_TAGS:
        assert not preview.file(f"blog/tag/{tag}/atom.xml").exists()
        page = preview.page("posts/2025/unfinished/")
        assert not page.select(f'link[rel=alternate][href*="{tag}"]')


def test_entry_ids_are_the_posts_addresses_and_survive_an_edit(make_site) -> None:
    def edit(src: Path) -> None:
        post = src / "posts/2025/spring.md"
        text = post.read_text("utf-8").replace("updated: 2025-05-28", "updated: 2025-05-31")
        post.write_text(text.replace("The end of the spring post.", "A new ending."), "utf-8")

    edited = make_site("feeds", edit=edit)
    for page, docnames in FEEDS.items():
        items = json.loads(edited.file(f"{page}/feed.json").read_bytes())["items"]
        assert [i["id"] for i in items] == [url(d) for d in docnames]
    spring = json.loads(edited.file("blog/feed.json").read_bytes())["items"][0]
    assert "A new ending." in spring["content_html"]
    assert spring["date_modified"] == "2025-05-31T00:00:00+01:00"


def test_feed_length_limits_every_feed_to_the_newest_posts(make_site) -> None:
    limited = make_site("feeds", overrides={"blog_feed_length": 1})
    for page, docnames in FEEDS.items():
        items = json.loads(limited.file(f"{page}/feed.json").read_bytes())["items"]
        assert [i["id"] for i in items] == [url(docnames[0])]


# -- The post page's "Updated" ----------------------------------------------------


def test_the_post_page_shows_its_updated_date(site: BuiltSite) -> None:
    updated = site.page("posts/2025/spring/").select(".post-header .post-updated")
    assert len(updated) == 1
    assert updated[0].get_text(" ", strip=True) == "Updated 28 May 2025"
    assert updated[0].find("time")["datetime"] == "2025-05-28"
    assert site.page("posts/2025/winter/").select(".post-updated") == []


@pytest.mark.parametrize(
    "value, message",
    [("last week", "'updated' is not a date"), ("2025-05-01", "'updated' (2025-05-01) is before")],
)
def test_a_wrong_updated_date_is_reported_with_its_line(
    make_site, value: str, message: str
) -> None:
    def edit(src: Path) -> None:
        post = src / "posts/2025/spring.md"
        post.write_text(post.read_text("utf-8").replace("2025-05-28", value), "utf-8")

    built = make_site("feeds", edit=edit, strict=False)
    assert re.search(r"posts/2025/spring\.md:3: WARNING: " + re.escape(message), built.warnings)


# -- Discovery --------------------------------------------------------------------


def _alternates(site: BuiltSite, page_path: Path) -> list[tuple[str, str]]:
    soup = BeautifulSoup(page_path.read_text("utf-8"), "lxml")
    page_url = BASE + site.url_of(page_path)
    links = soup.select("head link[rel=alternate]")
    return [(link["type"], urljoin(page_url, link["href"])) for link in links]


def test_every_page_advertises_the_blogs_feeds_and_tag_pages_their_own(site: BuiltSite) -> None:
    blog_feeds = [
        ("application/atom+xml", f"{BASE}blog/atom.xml"),
        ("application/rss+xml", f"{BASE}blog/rss.xml"),
        ("application/feed+json", f"{BASE}blog/feed.json"),
    ]
    pages = site.html_files()
    assert len(pages) > 10
    for path in pages:
        page = site.url_of(path).rstrip("/")
        own = []
        if page in FEEDS and page != "blog":
            own = [(t, h.replace(f"{BASE}blog/", f"{BASE}{page}/")) for t, h in blog_feeds]
        assert _alternates(site, path) == blog_feeds + own, page
    for _type, address in blog_feeds:  # every advertised feed exists
        assert site.file(address.removeprefix(BASE)).is_file()


def test_the_sidebar_has_a_subscribe_box(site: BuiltSite) -> None:
    page = site.page("posts/2025/winter/")
    box = page.find("nav", attrs={"aria-labelledby": "sidebar-subscribe"})
    assert box is not None and box.find("h2").get_text(strip=True) == "Subscribe"
    links = [(a.get_text(strip=True), urljoin(url(WINTER), a["href"])) for a in box.find_all("a")]
    assert links == [
        ("How to follow this blog", f"{BASE}subscribe/"),
        ("Atom feed", f"{BASE}blog/atom.xml"),
        ("RSS feed", f"{BASE}blog/rss.xml"),
        ("JSON Feed", f"{BASE}blog/feed.json"),
    ]
    assert page.find("nav", attrs={"aria-labelledby": "sidebar-subscribe-page"}) is None
    tag_page = site.page("blog/tag/self-care/")
    own = tag_page.find("nav", attrs={"aria-labelledby": "sidebar-subscribe-page"})
    assert own.find("h2").get_text(strip=True) == "Only posts tagged “self care”"
    hrefs = [urljoin(f"{BASE}blog/tag/self-care/", a["href"]) for a in own.find_all("a")]
    assert hrefs == [f"{BASE}blog/tag/self-care/{n}" for n in ("atom.xml", "rss.xml", "feed.json")]


def test_the_subscribe_page_gives_the_full_addresses_of_this_builds_site(make_site) -> None:
    expected = ["https://other.example/blog/atom.xml", "https://other.example/blog/rss.xml",
                "https://other.example/blog/feed.json"]  # fmt: skip
    built = make_site("feeds", overrides={"html_baseurl": "https://other.example/"})
    addresses = built.page("subscribe/").select("ul.feed-addresses a")
    assert [(a["href"], a.get_text()) for a in addresses] == [(e, e) for e in expected]
    items = json.loads(built.file("blog/feed.json").read_bytes())["items"]
    assert items[0]["id"] == "https://other.example/posts/2025/spring/"


# -- Speed: each post page read once when written, not at all when nothing changed ----


def _incremental_build(srcdir: Path, outdir: Path, parallel: int = 0) -> None:
    """Build as `sphinx-build` does without -E: reuse the saved environment."""
    doctrees = outdir.parent / (outdir.name + "-doctrees")
    app, _status, warnings = run_sphinx(
        srcdir, outdir, doctrees, fresh=False, strict=True, parallel=parallel
    )
    assert app.statuscode == 0, warnings


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The post pages the feeds read back, in order (each URL, from ``page_text``)."""
    read: list[str] = []
    original = feeds.page_text
    monkeypatch.setattr(feeds, "page_text", lambda f, u: read.append(u) or original(f, u))
    return read


def test_each_post_page_is_read_once_per_build_and_not_at_all_when_nothing_changed(
    tmp_path: Path, pages_read: list[str]
) -> None:
    src, out = tmp_path / "src", tmp_path / "html"
    shutil.copytree(ROOT, src)

    _incremental_build(src, out)  # first build: every page written, each read once
    assert sorted(pages_read) == sorted(url(d) for d in (AUTUMN, WINTER, SPRING))
    first = feed_bytes(out)

    pages_read.clear()
    stamps = feed_stamps(out)
    _incremental_build(src, out)  # nothing changed: nothing read, nothing written
    assert pages_read == []
    assert feed_bytes(out) == first
    assert feed_stamps(out) == stamps

    (out / "blog/rss.xml").unlink()  # a feed file lost: written again, the same
    _incremental_build(src, out)
    assert feed_bytes(out) == first

    # Without the cache, every post page is read again: the same feeds.
    (tmp_path / "html-doctrees" / cache.FILE).unlink()
    _incremental_build(src, out)
    assert len(pages_read) == 3
    assert feed_bytes(out) == first


def test_a_post_page_rewritten_behind_the_caches_back_is_read_again(
    tmp_path: Path, pages_read: list[str]
) -> None:
    src, out = tmp_path / "src", tmp_path / "html"
    shutil.copytree(ROOT, src)
    _incremental_build(src, out)
    first = feed_bytes(out)
    # As if a build had rewritten the page and stopped before saving the cache.
    cache_file = tmp_path / "html-doctrees" / cache.FILE
    data = pickle.loads(cache_file.read_bytes())
    data["parts"]["feeds"]["posts"][SPRING]["html"] = "<p>stale</p>"
    cache_file.write_bytes(pickle.dumps(data))
    page = out / "posts/2025/spring/index.html"
    page.write_text(page.read_text("utf-8") + "\n", "utf-8")

    pages_read.clear()
    _incremental_build(src, out)
    assert pages_read == [url(SPRING)]
    assert feed_bytes(out) == first


def test_a_parallel_build_writes_the_same_feeds(site: BuiltSite, tmp_path: Path) -> None:
    # Post pages written by -j writer processes are read back all the same.
    shutil.copytree(ROOT, tmp_path / "src")
    _incremental_build(tmp_path / "src", tmp_path / "html", parallel=2)
    assert feed_bytes(tmp_path / "html") == feed_bytes(site.outdir)


def test_an_incremental_build_after_an_edit_rewrites_only_the_feeds_of_that_post(
    tmp_path: Path,
) -> None:
    src, out = tmp_path / "src", tmp_path / "html"
    shutil.copytree(ROOT, src)
    _incremental_build(src, out)
    before_bytes, before_stamps = feed_bytes(out), feed_stamps(out)
    winter = src / "posts/2025/winter.md"
    text = winter.read_text("utf-8").replace("second paragraph.", "second paragraph, edited.")
    winter.write_text(text, "utf-8")  # past the excerpt: only the full text changes
    later = time.time() + 5  # surely newer than the first build, whatever the clock's grain
    os.utime(winter, (later, later))

    _incremental_build(src, out)
    after = feed_stamps(out)
    winters = {p for p in FEED_FILES if WINTER in FEEDS[p.rsplit("/", 1)[0]]}
    assert len(winters) == 9  # the blog's, the tag attachment's, the category Reflections'
    assert {p for p in FEED_FILES if after[p] != before_stamps[p]} == winters
    assert all(b"second paragraph, edited." in (out / p).read_bytes() for p in winters)
    assert all(feed_bytes(out)[p] == before_bytes[p] for p in set(FEED_FILES) - winters)
    # The same feeds as a clean build of the edited site.
    clean = build_site(src, tmp_path / "clean")
    assert feed_bytes(out) == feed_bytes(clean.outdir)
