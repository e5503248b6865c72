"""Readers and search engines: what a shared link shows, structured data, robots.txt,
the sitemap, redirects, the 404 page, reading time, related posts, replies by email,
links to other sites, the site's footer.

Built pages are read as files here; tests/test_readers_browser.py opens them in
Chromium (no third-party request, the CSP, the 404 page at any depth, phone width).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from sphinx.errors import ConfigError

from healedheart import readingtime, redirects, related, replies, social
from healedheart.links import is_external

REPO = Path(__file__).resolve().parent.parent
BASE = "https://blog.example.org/"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
POST = "posts/2025/long/"
LOVE = "Love & loss: what\u2019s left? 50% \u201chope\u201d"  # a title to escape
SECOND = "The second post\u2019s excerpt."


@pytest.fixture(scope="module")
def site(shared_site):
    return shared_site("readers")


@pytest.fixture(scope="module")
def site_with_email(shared_site):
    return shared_site("readers", {"blog_reply_email": "replies@example.org"})


def meta(page: BeautifulSoup, key: str) -> list[str]:
    """The content of every <meta> whose property or name is ``key``."""
    found = page.select(f'meta[property="{key}"]') + page.select(f'meta[name="{key}"]')
    return [m["content"] for m in found]


def one_meta(page: BeautifulSoup, key: str) -> str:
    values = meta(page, key)
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def json_ld(page: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in page.select('script[type="application/ld+json"]')]


def sitemap(site) -> dict[str, str | None]:
    """Each URL in sitemap.xml and its <lastmod> (None if it has none)."""
    root = ElementTree.parse(site.outdir / "sitemap.xml").getroot()
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }


def page_urls(site) -> list[str]:
    """The URL path of every page a reader can reach (not redirect pages, not 404)."""
    urls = []
    for path in site.html_files():
        text = path.read_text("utf-8")
        if redirects.MARKER in text or path.name == "404.html":
            continue
        urls.append(site.url_of(path))
    return urls


# -- Sharing cards: Open Graph, Twitter -----------------------------------------


def test_a_post_card_has_its_title_excerpt_url_type_and_site_name(site) -> None:
    page = site.page(POST)
    assert one_meta(page, "og:title") == "A long read"
    assert one_meta(page, "og:type") == "article"
    assert one_meta(page, "og:url") == BASE + POST
    assert one_meta(page, "og:site_name") == "Readers test blog"
    description = one_meta(page, "og:description")
    assert description.startswith("calm calm calm")
    assert len(description) <= social.DESCRIPTION_LENGTH
    assert one_meta(page, "description") == description
    assert one_meta(page, "twitter:card") == "summary_large_image"


def test_a_post_card_describes_the_excerpt_not_the_sidebar_or_header(site) -> None:
    page = site.page("posts/2025/second/")
    assert one_meta(page, "og:description") == SECOND
    assert one_meta(page, "description") == SECOND


def test_a_post_with_an_image_shares_its_own_first_image(site) -> None:
    page = site.page("posts/2024/first/")
    image = one_meta(page, "og:image")
    assert image.startswith(BASE + "_images/garden") and image.endswith(".png")
    assert one_meta(page, "og:image:alt") == "A small garden in spring"
    assert site.existing_file(urlsplit(image).path), "the shared image is not in the site"


def test_a_post_without_an_image_shares_the_site_card(site) -> None:
    page = site.page("posts/2025/second/")
    assert one_meta(page, "og:image") == BASE + "_static/card.png"
    assert one_meta(page, "og:image:alt") == "Readers test blog"
    assert (one_meta(page, "og:image:width"), one_meta(page, "og:image:height")) == ("1200", "630")


def test_post_cards_carry_article_dates_and_tags(site) -> None:
    page = site.page("posts/2025/second/")
    assert one_meta(page, "article:published_time") == "2025-02-14T00:00:00+00:00"
    assert one_meta(page, "article:modified_time") == "2025-04-01T00:00:00+01:00"
    assert meta(page, "article:tag") == ["attachment"]


def test_every_page_has_a_card_with_an_absolute_url_and_image(site) -> None:
    for url in page_urls(site):
        page = site.page(url)
        assert one_meta(page, "og:url") == BASE + url, url
        assert one_meta(page, "og:title"), url
        assert one_meta(page, "og:description"), url
        assert one_meta(page, "og:image").startswith(BASE), url
        assert one_meta(page, "og:site_name") == "Readers test blog", url
        assert one_meta(page, "twitter:card") == "summary_large_image", url
        assert one_meta(page, "description") == one_meta(page, "og:description"), url
        expected = "article" if url.startswith("posts/") else "website"
        assert one_meta(page, "og:type") == expected, url


def test_list_pages_describe_what_they_list(site) -> None:
    assert one_meta(site.page("blog/tag/grief/"), "og:description") == (
        "Posts tagged “grief” on Readers test blog."
    )
    assert one_meta(site.page("blog/"), "og:description") == (
        "A blog for testing what readers and search engines see."
    )
    assert one_meta(site.page(""), "og:description") == (
        "A blog for testing what readers and search engines see."
    )


def test_real_site_cards_and_the_committed_social_card(real_site) -> None:
    page = real_site.page("posts/2025/to-a-healed-heart/")
    base = real_site.base_url
    assert one_meta(page, "og:type") == "article"
    assert one_meta(page, "og:url") == base + "posts/2025/to-a-healed-heart/"
    assert one_meta(page, "og:description").startswith("Why therapy work is still")
    assert one_meta(page, "og:site_name") == "To a healed heart"
    assert one_meta(page, "og:image") == base + "_static/social-card.png"
    card = real_site.outdir / "_static" / "social-card.png"
    data = card.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == social.CARD_SIZE
    assert data == (REPO / "_static" / "social-card.png").read_bytes()


def test_shorten_cuts_at_a_word_and_says_so() -> None:
    assert social.shorten("short text") == "short text"
    cut = social.shorten("word " * 100, 30)
    assert len(cut) <= 30 and cut.endswith("word…")


# -- Canonical links and JSON-LD ------------------------------------------------------


def test_every_page_has_one_canonical_link_to_itself(site) -> None:
    for url in page_urls(site):
        links = site.page(url).select('link[rel="canonical"]')
        assert [link["href"] for link in links] == [BASE + url], url


def test_a_post_has_valid_blogposting_json_ld(site) -> None:
    (data,) = json_ld(site.page("posts/2025/second/"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Second post"
    assert data["url"] == BASE + "posts/2025/second/"
    assert data["datePublished"] == "2025-02-14T00:00:00+00:00"
    assert data["dateModified"] == "2025-04-01T00:00:00+01:00"
    assert data["author"] == {"@type": "Person", "name": "Tess Ter", "url": BASE + "about/"}
    assert data["publisher"]["name"] == "Tester's Practice"
    assert data["publisher"]["@type"] == "Organization"
    assert data["image"] == BASE + "_static/card.png"
    assert data["keywords"] == ["attachment"]
    assert data["description"] == SECOND
    assert data["timeRequired"] == "PT1M"


def test_json_ld_keywords_and_image_follow_the_post(site) -> None:
    (data,) = json_ld(site.page("posts/2024/first/"))
    assert data["keywords"] == ["grief", "attachment"]
    assert data["image"] == one_meta(site.page("posts/2024/first/"), "og:image")


def test_json_ld_cannot_be_broken_out_of_by_the_text(site) -> None:
    path = site.file("posts/2025/love/")
    raw = path.read_text("utf-8")
    block = raw.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["headline"] == LOVE
    assert "</script><script>alert(1)</script>" in data["description"]


def test_card_text_is_escaped_and_reads_as_written(site) -> None:
    page = site.page("posts/2025/love/")
    expected = "The excerpt says </script><script>alert(1)</script> & more safely."
    assert one_meta(page, "og:description") == expected
    assert one_meta(page, "description") == expected
    assert one_meta(page, "og:title") == LOVE
    assert "<script>alert(1)" not in site.file("posts/2025/love/").read_text("utf-8")


def test_page_descriptions_keep_words_whole(site, real_site) -> None:
    ethics = one_meta(real_site.page("ethics/"), "og:description")
    assert "Continuing Professional Development (CPD)" in ethics
    assert ethics.endswith("…") and not ethics.endswith(" …")
    about = one_meta(site.page("about/"), "og:description")
    assert about == "I am the tester who writes this blog."


def test_the_home_page_has_website_json_ld_and_other_pages_none(site) -> None:
    (data,) = json_ld(site.page(""))
    assert data["@type"] == "WebSite"
    assert data["name"] == "Readers test blog"
    assert data["url"] == BASE
    for url in ("about/", "blog/", "blog/tag/grief/"):
        assert json_ld(site.page(url)) == [], url


def test_real_site_json_ld_parses_on_every_page(real_site) -> None:
    types = {}
    for url in page_urls(real_site):
        for data in json_ld(real_site.page(url)):
            types[url] = data["@type"]
    assert types == {"": "WebSite", "posts/2025/to-a-healed-heart/": "BlogPosting"}
    (post,) = json_ld(real_site.page("posts/2025/to-a-healed-heart/"))
    assert post["author"]["name"] == "Misma"
    assert post["publisher"]["name"] == "Misma's Counselling Services"
    assert post["datePublished"].startswith("2025-09-01")
    assert post["keywords"] == [
        "attachment",
        "psychotherapy",
        "therapeutic relationship",
        "healing",
    ]


# -- robots.txt and the sitemap -------------------------------------------------------


def test_robots_txt_names_the_sitemaps_absolute_url(site, real_site) -> None:
    assert (site.outdir / "robots.txt").read_text() == (
        f"User-agent: *\nAllow: /\n\nSitemap: {BASE}sitemap.xml\n"
    )
    text = (real_site.outdir / "robots.txt").read_text()
    assert f"Sitemap: {real_site.base_url}sitemap.xml" in text.splitlines()
    assert "Disallow" not in text


def test_the_sitemap_lists_public_pages_only(site) -> None:
    listed = set(sitemap(site))
    public = {BASE + url for url in page_urls(site)}
    for url in ("search/", "genindex/", "404/", "404.html", "posts/2025/draft/", "blog/drafts/"):
        assert BASE + url not in listed, url
    for url in ("blog.html", "old/first-post/", "posts/2025/renamed/"):
        assert BASE + url not in listed, url  # redirect pages
    assert listed == public - {BASE + "search/", BASE + "genindex/"}


def test_sitemap_lastmod_is_the_updated_date_else_the_date(site) -> None:
    entries = sitemap(site)
    assert entries[BASE + "posts/2025/second/"] == "2025-04-01"  # updated:
    assert entries[BASE + "posts/2024/first/"] == "2024-03-10"  # date:
    assert entries[BASE + "blog/tag/grief/"] == "2025-05-01"  # its newest post
    assert entries[BASE + "blog/"] == "2025-05-20"
    assert entries[BASE + "about/"] is None  # no date to tell: no guess


def test_real_sitemap_has_lastmod_and_no_tools(real_site) -> None:
    entries = sitemap(real_site)
    base = real_site.base_url
    assert entries[base + "posts/2025/to-a-healed-heart/"] == "2025-09-01"
    assert not [u for u in entries if u.endswith(("/search/", "/404/", ".html"))]


def test_preview_keeps_drafts_out_of_the_sitemap_and_marks_them_noindex(shared_site) -> None:
    preview = shared_site("readers", {"blog_preview": True})
    entries = sitemap(preview)
    assert preview.file("posts/2025/draft/").is_file()
    assert BASE + "posts/2025/draft/" not in entries
    assert BASE + "posts/2025/later/" not in entries
    assert meta(preview.page("posts/2025/draft/"), "robots") == ["noindex"]
    assert meta(preview.page("posts/2025/second/"), "robots") == []


# -- Redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "target", "title"),
    [
        ("blog.html", "/blog/", "All posts"),
        ("old/first-post/", "/posts/2024/first/", "First post"),
        ("posts/2025/renamed/", "/posts/2025/second/", "Second post"),
    ],
)
def test_a_redirect_page_refreshes_links_and_is_noindex(site, old, target, title) -> None:
    page = site.page(old)
    assert one_meta(page, "robots") == "noindex"
    refresh = page.select_one('meta[http-equiv="refresh"]')["content"]
    assert refresh == f"0; url={target}"
    assert page.select_one('link[rel="canonical"]')["href"] == BASE + target.lstrip("/")
    link = page.select_one("main a")
    assert link["href"] == target and link.get_text() == title
    assert site.existing_file(target)
    # The site's icon, from the root (else the browser asks for /favicon.ico: a 404).
    icon = page.select_one('link[rel="icon"]')["href"]
    assert icon == "/_static/favicon.svg" and site.existing_file(icon)


def test_redirects_are_checked_before_anything_is_read() -> None:
    with pytest.raises(ConfigError, match="not an old path"):
        redirects.parse({"blog.html": "blog"})
    with pytest.raises(ConfigError, match="not an old path"):
        redirects.parse({"https://old.example/blog.html": "blog"})
    with pytest.raises(ConfigError, match="not an old path"):
        redirects.parse({"/../etc/passwd": "blog"})
    with pytest.raises(ConfigError, match="two texts"):
        redirects.parse({"/old": 3})
    with pytest.raises(ConfigError, match="mapping"):
        redirects.parse(["/old", "blog"])
    (entry,) = redirects.parse({"/blog/old-post": "posts/2025/new-post.md"})
    assert (entry.file, entry.target) == ("blog/old-post/index.html", "posts/2025/new-post")


def test_a_redirect_to_nowhere_or_over_a_page_warns(make_site) -> None:
    built = make_site(
        "readers",
        {"redirects": {"/gone.html": "posts/2025/no-such-post", "/about/": "blog"}},
        strict=False,
    )
    assert "'/gone.html' sends readers to 'posts/2025/no-such-post'" in built.warnings
    assert "'/about/' is already a page of this site" in built.warnings
    assert not (built.outdir / "gone.html").exists()
    assert "This page has moved" not in built.file("about/").read_text()


def test_real_site_maps_the_old_blog_page(real_site) -> None:
    page = real_site.page("blog.html")
    assert page.select_one('meta[http-equiv="refresh"]')["content"].endswith("url=/blog/")
    assert real_site.follow("blog.html", page.select_one("main a")["href"]) == "blog/"


# -- The 404 page (in Chromium: tests/test_readers_browser.py) ----------------------------


def test_the_404_page_is_at_the_top_with_root_relative_links(site) -> None:
    assert (site.outdir / "404.html").is_file()
    assert not (site.outdir / "404").exists()
    page = BeautifulSoup((site.outdir / "404.html").read_text("utf-8"), "lxml")
    assert page.select_one("article h1").get_text(strip=True) == "Page not found"
    assert one_meta(page, "robots") == "noindex"
    assert page.select('link[rel="canonical"]') == []
    assert page.html["data-content_root"] == "/"
    for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for element in page.select(f"{tag}[{attribute}]"):
            value = element[attribute]
            if value.startswith(("#", "mailto:", "tel:", "https://", "http://", "data:")):
                continue
            assert value.startswith("/"), f"<{tag} {attribute}={value!r}> is relative"
            assert site.existing_file(urlsplit(value).path), f"{value} leads nowhere"


def test_a_site_under_a_folder_keeps_404_and_redirect_links_inside_it(make_site) -> None:
    built = make_site("readers", {"html_baseurl": "https://someone.github.io/blog/"})
    page = BeautifulSoup((built.outdir / "404.html").read_text("utf-8"), "lxml")
    stylesheets = [link["href"] for link in page.select('link[rel="stylesheet"]')]
    assert stylesheets and all(href.startswith("/blog/_static/") for href in stylesheets)
    home = page.select_one(".not-found-links a")["href"]
    assert home == "/blog/"
    # Redirect pages, too, send readers to paths under the site's folder.
    redirect = BeautifulSoup((built.outdir / "blog.html").read_text("utf-8"), "lxml")
    assert redirect.select_one("main a")["href"] == "/blog/blog/"
    assert redirect.select_one('link[rel="canonical"]')["href"] == (
        "https://someone.github.io/blog/blog/"
    )
    assert redirect.select_one('link[rel="icon"]')["href"] == "/blog/_static/favicon.svg"
    robots = (built.outdir / "robots.txt").read_text()
    assert "Sitemap: https://someone.github.io/blog/sitemap.xml" in robots


# -- Reading time ---------------------------------------------------------------------


def test_reading_time_counts_prose_not_code_or_the_title() -> None:
    doc = nodes.section()
    doc += nodes.title(text="many words in a title " * 50)
    doc += nodes.paragraph(text="The client\u2019s deep-seated pain, said calmly. " * 5)
    doc += nodes.literal_block(text="code " * 1000)
    assert readingtime.count_words(doc) == 30
    assert readingtime.minutes_for(0) == 1
    assert readingtime.minutes_for(200) == 1
    assert readingtime.minutes_for(201) == 2


def test_reading_time_skips_what_is_not_prose_at_any_depth() -> None:
    doc = nodes.document(None, None)
    section = nodes.section()
    section += nodes.title(text="Not counted")
    item = nodes.list_item()
    para = nodes.paragraph()
    para += nodes.Text("one two ")
    para += nodes.emphasis(text="three")
    para += nodes.Text("four")  # beside "three": a word of its own text node
    para += nodes.raw(text="<b>not counted</b>", format="html")
    item += para
    item += nodes.comment(text="not counted either")
    section += nodes.bullet_list("", item)
    section += nodes.paragraph(text="don't stop\u2014keep going ... -- on")
    doc += section
    assert readingtime.count_words(doc) == 9


def test_reading_time_under_the_title_and_in_lists(site) -> None:
    def shown(url: str, scope: str) -> list[str]:
        return [
            s.get_text(strip=True) for s in site.page(url).select(f"{scope} .post-reading-time")
        ]

    # 1000 words of prose at 200 a minute; the 500 words of code do not count.
    assert shown(POST, ".post-header") == ["5 min read"]
    assert shown("posts/2025/second/", ".post-header") == ["1 min read"]
    listed = dict(
        zip(
            [a.get_text(strip=True) for a in site.page("blog/").select(".post-summary-title a")],
            shown("blog/", ".post-summary"),
            strict=True,
        )
    )
    assert listed["A long read"] == "5 min read"
    assert listed["Second post"] == "1 min read"
    assert shown("", ".latest-posts .post-summary")  # the home page's list too
    assert shown("about/", "article") == []


def test_reading_time_on_the_real_post(real_site) -> None:
    page = real_site.page("posts/2025/to-a-healed-heart/")
    (shown,) = [s.get_text(strip=True) for s in page.select(".post-header .post-reading-time")]
    source = real_site.srcdir / "posts" / "2025" / "to-a-healed-heart.md"
    body = source.read_text("utf-8").split("---", 2)[2].replace("# To a healed heart", "", 1)
    words = len(readingtime._WORD.findall(body))
    assert words > 1000
    assert shown == f"{readingtime.minutes_for(words)} min read"


# -- Related posts ----------------------------------------------------------------------


def related_titles(site, url: str) -> list[str]:
    return [a.get_text(strip=True) for a in site.page(url).select(".related-posts li > a")]


def test_related_posts_most_shared_tags_then_newest(site) -> None:
    # long: grief, attachment. first shares both; fifth, love, second share one.
    assert related_titles(site, POST) == ["First post", "Fifth post", LOVE]
    assert related_titles(site, "posts/2024/first/") == ["A long read", "Fifth post", LOVE]


def test_related_posts_link_to_the_posts(site) -> None:
    for link in site.page(POST).select(".related-posts li > a"):
        assert site.follow(POST, link["href"]).startswith("posts/")


def test_no_related_posts_when_no_tag_is_shared_and_never_drafts(site, shared_site) -> None:
    assert site.page("posts/2025/alone/").select(".related-posts") == []
    preview = shared_site("readers", {"blog_preview": True})
    for url in ("posts/2025/long/", "posts/2024/first/"):
        titles = related_titles(preview, url)
        assert "Unfinished draft" not in titles and "Scheduled later" not in titles


def test_related_posts_are_not_on_other_pages(site) -> None:
    for url in ("", "about/", "blog/", "blog/tag/grief/"):
        assert site.page(url).select(".related-posts") == [], url


def test_related_posts_ranking_is_a_pure_function() -> None:
    class FakePost:
        def __init__(self, name, day, *tags):
            self.docname, self.tags = name, tags
            self.date = dt.datetime(2025, 1, day)

    me = FakePost("me", 1, "a", "b")
    others = [
        FakePost("old-both", 2, "A", "b"),
        FakePost("new-one", 9, "a"),
        FakePost("mid-one", 5, "b"),
        FakePost("none", 10, "c"),
        FakePost("older-one", 3, "a"),
        me,
    ]
    ranked = [p.docname for p in related.related_posts(me, others)]
    assert ranked == ["old-both", "new-one", "mid-one"]


def test_related_posts_index_agrees_with_comparing_every_pair() -> None:
    """The by-tag index gives what comparing each post with every post gives."""
    import random

    class FakePost:
        def __init__(self, name, when, tags):
            self.docname, self.date, self.tags = name, when, tags

    rng = random.Random(8)
    tags = ["Grief", "grief", "love", "shame", "hope", "anger"]
    posts = [
        FakePost(
            f"p{i}",
            dt.datetime(2020, 1, 1) + dt.timedelta(days=rng.randrange(60)),  # equal dates too
            rng.sample(tags, rng.randrange(0, 4)),
        )
        for i in range(150)
    ]

    def by_comparing_every_pair(post):
        mine = {t.casefold() for t in post.tags}
        scored = [
            (
                -len(mine & {t.casefold() for t in other.tags}),
                -other.date.timestamp(),
                other.docname,
            )
            for other in posts
            if other is not post and mine & {t.casefold() for t in other.tags}
        ]
        return [name for *_key, name in sorted(scored)[:3]]

    index = related.RelatedIndex(posts)
    for post in posts:
        assert [p.docname for p in index.related(post)] == by_comparing_every_pair(post), (
            post.docname
        )


# -- Replies by email ----------------------------------------------------------------------


def test_no_reply_link_without_an_address(site) -> None:
    for url in page_urls(site):
        page = site.page(url)
        assert page.select('a[href^="mailto:replies"]') == [], url
        assert page.select(".post-reply") == [], url


def test_each_post_ends_with_a_reply_by_email_link(site_with_email) -> None:
    for url in page_urls(site_with_email):
        links = site_with_email.page(url).select("a.post-reply-link")
        if not url.startswith("posts/"):
            assert links == [], url
            continue
        (link,) = links
        assert link.get_text(strip=True) == "Reply by email"
        title = site_with_email.heading(url)
        assert link["href"].startswith("mailto:replies@example.org?subject=")
        subject = link["href"].split("subject=", 1)[1]
        assert " " not in subject and "&" not in subject
        assert unquote(subject) == title


def test_the_reply_subject_is_url_encoded() -> None:
    assert replies.reply_link("me@example.org", "Love & loss: what\u2019s left?") == (
        "mailto:me@example.org?subject=Love%20%26%20loss%3A%20what%E2%80%99s%20left%3F"
    )


def test_a_reply_address_that_is_not_one_stops_the_build(make_site) -> None:
    with pytest.raises(ConfigError, match="blog_reply_email"):
        make_site("readers", {"blog_reply_email": "not an address"})


def test_the_real_site_shows_replies_only_if_configured(real_site) -> None:
    import conf

    page = real_site.page("posts/2025/to-a-healed-heart/")
    links = page.select("a.post-reply-link")
    assert len(links) == (1 if conf.blog_reply_email else 0)


# -- Links to other sites ------------------------------------------------------------------


def test_external_links_in_posts_carry_noopener_and_open_normally(site) -> None:
    page = site.page("posts/2024/first/")
    external = page.select("article a.reference.external")
    hrefs = {a["href"]: a for a in external}
    for href in ("https://example.org/page", "https://example.com/x"):
        assert hrefs[href].get("rel") == ["noopener"], href
        assert not hrefs[href].get("target"), href
    for a in page.select("article a"):
        href = a.get("href", "")
        if not href.startswith(("http://", "https://")):
            assert "noopener" not in (a.get("rel") or []), href


def test_links_to_the_sites_own_address_are_not_external(site) -> None:
    own = site.page("ethics/").select_one(f'a[href="{BASE}about/"]')
    assert own is not None and not own.get("rel")
    assert is_external("https://example.org/", BASE)
    assert not is_external(BASE + "about/", BASE)
    assert not is_external("../about/", BASE)
    assert not is_external("mailto:a@example.org", BASE)


def test_only_links_to_other_sites_look_like_they_leave_it(real_site) -> None:
    # Furo draws an "external link" arrow after a.external in the sidebars; a
    # reader should see it only on a link that takes them to another website
    # (not, say, on the blog's own feeds in the Subscribe box).
    base, checked = real_site.base_url, []
    for url in page_urls(real_site):
        for a in real_site.page(url).select(".sidebar-drawer a, .toc-drawer a"):
            href = urljoin(base + url, a["href"])
            assert ("external" in a.get("class", [])) == is_external(href, base), (url, href)
            checked.append(href)
    assert f"{base}blog/atom.xml" in checked


def test_every_landmark_of_a_page_has_its_own_name(real_site) -> None:
    # A screen reader lists a page's landmarks to jump between them; Furo's two
    # <aside>s (the site's menu, the page's contents) were both "complementary".
    pages = [*page_urls(real_site), "404.html"]
    for url in pages:
        path = real_site.outdir / url if url.endswith(".html") else None
        page = BeautifulSoup(path.read_text("utf-8"), "lxml") if path else real_site.page(url)
        asides = page.find_all("aside", class_=["sidebar-drawer", "toc-drawer"])
        names = [aside.get("aria-label") for aside in asides]
        assert names == ["Site menu", "On this page"], (url, names)
    assert len(pages) > 10


def test_naming_the_landmarks_leaves_other_markup_alone() -> None:
    from healedheart.layout import name_landmarks

    page = '<aside class="sidebar-drawer"><aside class="toc-drawer no-toc"><p>aside</p>'
    named = name_landmarks(page)
    assert named == (
        '<aside class="sidebar-drawer" aria-label="Site menu">'
        '<aside aria-label="On this page" class="toc-drawer no-toc"><p>aside</p>'
    )
    assert name_landmarks(named) == named  # never named twice
    assert name_landmarks("<p>a fragment</p>") == "<p>a fragment</p>"


def test_real_site_external_links_carry_noopener(real_site) -> None:
    links = real_site.page("ethics/").select("article a.reference.external")
    assert links
    for a in links:
        assert "noopener" in a.get("rel", []), a


# -- The site's footer ----------------------------------------------------------------------


def test_every_real_page_has_the_practice_footer(real_site) -> None:
    for url in [*page_urls(real_site), "404.html"]:
        page = (
            real_site.page(url)
            if url != "404.html"
            else BeautifulSoup((real_site.outdir / "404.html").read_text("utf-8"), "lxml")
        )
        footer = page.select_one("footer .site-footer")
        assert footer is not None, url
        text = footer.get_text(" ", strip=True)
        assert "Misma's Counselling Services" in text, url
        assert "BACP" in text, url
        names = [a.get_text(strip=True) for a in footer.select("a")]
        assert names == ["About", "Code of Ethics"], url
        for a in footer.select("a"):
            target = real_site.target(url if url != "404.html" else "", a["href"])
            assert target and real_site.existing_file(target[0]), (url, a["href"])
