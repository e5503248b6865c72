"""tools/compare_sites.py: version strings are allowed to differ, nothing a reader sees is.

Two tiny hand-made output trees, shaped like the built site (dirhtml pages, Atom,
RSS and JSON feeds, a sitemap, _static/), no Sphinx build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import compare_sites

BASE = "https://blog.example/"
POST = f"{BASE}posts/2025/hello/"
OTHER = f"{BASE}posts/2025/second/"

PAGE = """<!doctype html>
<html lang="en"><head>
<meta name="generator" content="Sphinx {sphinx}">
<title>{title} - To a healed heart</title>
<link rel="stylesheet" href="{up}_static/furo.css?v={digest}">
<script src="{up}_static/documentation_options.js?v={digest}"></script>
<!-- Generated with Sphinx {sphinx} and Furo {furo} -->
</head><body>
<nav class="sidebar"><a href="{up}">Home</a> <a href="{up}blog/">Blog</a></nav>
<article role="main"><h1>{title}</h1>
<p>{text} <a href="{link}">read on</a>.</p>
<script>var x = "{sphinx}";</script>
</article>
<footer>Made with Sphinx {sphinx}</footer>
</body></html>
"""

ATOM = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>{base}</id><title>To a healed heart</title><updated>2025-06-02T00:00:00+01:00</updated>
  <generator version="{feedgen}">python-feedgen</generator>
  <entry>
    <id>{post}</id><title>{title}</title>
    <updated>2025-06-02T00:00:00+01:00</updated>
    <link href="{post}" rel="alternate" type="text/html"/>
    <summary type="text">The first words.</summary>
    <content type="html">&lt;p&gt;Healing takes time.
      &lt;a href="{base}about/"&gt;About&lt;/a&gt;&lt;/p&gt;</content>
    <published>2025-06-01T00:00:00+01:00</published>
  </entry>
  <entry>
    <id>{other}</id><title>Second</title>
    <updated>2025-05-01T00:00:00+01:00</updated>
    <link href="{other}" rel="alternate" type="text/html"/>
    <content type="html">&lt;p&gt;More.&lt;/p&gt;</content>
    <published>2025-05-01T00:00:00+01:00</published>
  </entry>
</feed>
"""

RSS = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0"><channel>
  <title>To a healed heart</title><link>{base}</link><description>d</description>
  <generator>python-feedgen {feedgen}</generator>
  <item><title>{title}</title><link>{post}</link><guid isPermaLink="true">{post}</guid>
    <description>The first words.</description>
    <content:encoded>&lt;p&gt;Healing takes time.&lt;/p&gt;</content:encoded>
    <pubDate>Sun, 01 Jun 2025 00:00:00 +0100</pubDate></item>
</channel></rss>
"""

JSON_FEED = """{{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "To a healed heart",
  "items": [
    {{"id": "{post}", "url": "{post}", "title": "{title}",
      "content_html": "<p>Healing takes time.</p>", "summary": "The first words.",
      "date_published": "2025-06-01T00:00:00+01:00",
      "date_modified": "2025-06-02T00:00:00+01:00"}}
  ]
}}
"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}</loc><lastmod>2025-06-01</lastmod></url>
  <url><loc>{post}</loc><lastmod>2025-06-02</lastmod></url>
</urlset>
"""

PINNED = {"sphinx": "9.0.4", "furo": "2025.12.19", "feedgen": "1.0.0", "digest": "5f2a9c41"}
NEWEST = {"sphinx": "9.2.0", "furo": "2026.1.1", "feedgen": "1.1.0", "digest": "0b7e13dd"}


def make_site(folder: Path, versions: dict[str, str], **changes: str) -> Path:
    """Write a tiny built site; ``changes`` replace the words in the one post's page and feeds."""
    words = {
        "title": "Hello",
        "text": "Healing takes time",
        "link": "../second/",
        "post": POST,
        "other": OTHER,
        "base": BASE,
        **versions,
        **changes,
    }
    files = {
        "index.html": PAGE.format(up="", **{**words, "title": "Home", "link": "posts/2025/hello/"}),
        "posts/2025/hello/index.html": PAGE.format(up="../../../", **words),
        "blog/atom.xml": ATOM.format(**words),
        "blog/rss.xml": RSS.format(**words),
        "blog/feed.json": JSON_FEED.format(**words),
        "sitemap.xml": SITEMAP.format(**words),
        "robots.txt": f"User-agent: *\nSitemap: {BASE}sitemap.xml\n",
        # A version's own formats: theme assets, the search index, Sphinx's hash.
        "_static/furo.css": f"/* furo {versions['furo']} */ body {{}}\n",
        "_static/documentation_options.js": f"const VERSION = '{versions['sphinx']}';\n",
        "searchindex.js": f'Search.setIndex({{"v": "{versions["sphinx"]}"}})',
        ".buildinfo": f"# Sphinx build info version 1\nconfig: {versions['digest']}\ntags: 0\n",
    }
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def pinned(tmp_path: Path) -> Path:
    return make_site(tmp_path / "pinned", PINNED)


def test_sites_that_differ_only_in_version_strings_are_the_same(pinned, tmp_path, capsys):
    newest = make_site(tmp_path / "newest", NEWEST)
    assert compare_sites.compare(pinned, newest) == []
    assert compare_sites.main([str(pinned), str(newest)]) == 0
    assert "the same site for readers" in capsys.readouterr().out


def test_exact_allows_nothing_but_the_buildinfo_config_hash(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST)
    found = compare_sites.compare(pinned, newest, exact=True)
    assert "file index.html: bytes differ" in found
    assert "file _static/furo.css: bytes differ" in found
    assert "file searchindex.js: bytes differ" in found
    # The same versions in another environment: .buildinfo's config hash alone differs.
    again = make_site(tmp_path / "again", {**PINNED, "digest": "a1b2c3d4"})
    (again / "_static/furo.css").write_text((pinned / "_static/furo.css").read_text())
    for name in ("index.html", "posts/2025/hello/index.html"):  # the ?v= digests
        (again / name).write_text((pinned / name).read_text())
    assert compare_sites.compare(pinned, again, exact=True) == []


def test_a_missing_or_new_page_is_named(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST)
    (newest / "posts/2025/hello/index.html").unlink()
    (newest / "blog/drafts/index.html").parent.mkdir(parents=True)
    (newest / "blog/drafts/index.html").write_text("<html><body>Drafts</body></html>")
    found = compare_sites.compare(pinned, newest)
    assert "file posts/2025/hello/index.html is missing" in found
    assert "file blog/drafts/index.html is new" in found


def test_a_changed_link_is_named_with_its_page(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST, link="../third/")
    found = compare_sites.compare(pinned, newest)
    assert "page posts/2025/hello/index.html: links differ" in found
    assert "    - ../second/" in found
    assert "    + ../third/" in found


def test_changed_main_text_is_shown_word_for_word(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST, text="Healing takes patience")
    found = compare_sites.compare(pinned, newest)
    at = found.index("page posts/2025/hello/index.html: main text differs")
    assert found[at + 1 : at + 3] == ["    - time", "    + patience"]


@pytest.mark.parametrize("feed", ["blog/atom.xml", "blog/rss.xml", "blog/feed.json"])
def test_a_feed_entry_with_another_title_is_named(pinned, tmp_path, feed):
    newest = make_site(tmp_path / "newest", NEWEST, title="Hello again")
    found = compare_sites.compare(pinned, newest)
    assert f"feed {feed}: entry {POST}: title 'Hello' became 'Hello again'" in found


def test_a_feed_entry_missing_or_moved_is_named(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST)
    atom = newest / "blog/atom.xml"
    atom.write_text(atom.read_text().replace(f"<id>{OTHER}</id>", f"<id>{BASE}x/</id>"))
    found = compare_sites.compare(pinned, newest)
    assert f"feed blog/atom.xml: entry {OTHER} is missing" in found
    assert f"feed blog/atom.xml: entry {BASE}x/ is new" in found


def test_feed_content_text_and_links_are_compared(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST)
    atom = newest / "blog/atom.xml"
    atom.write_text(atom.read_text().replace(f"{BASE}about/", "about/"))  # relative again
    found = compare_sites.compare(pinned, newest)
    assert any(f"entry {POST}: content links" in line and "'about/'" in line for line in found)


def test_a_sitemap_url_or_lastmod_change_is_named(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST, post=f"{BASE}posts/2025/hello-there/")
    found = compare_sites.compare(pinned, newest)
    assert f"sitemap sitemap.xml: URL {POST} is missing" in found
    assert f"sitemap sitemap.xml: URL {BASE}posts/2025/hello-there/ is new" in found
    later = make_site(tmp_path / "later", NEWEST)
    sitemap = later / "sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace("2025-06-02", "2025-06-03"))
    assert compare_sites.compare(pinned, later) == [
        f"sitemap sitemap.xml: lastmod of {POST} '2025-06-02' became '2025-06-03'"
    ]


def test_any_other_file_outside_static_must_be_the_same(pinned, tmp_path):
    newest = make_site(tmp_path / "newest", NEWEST)
    (newest / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    assert compare_sites.compare(pinned, newest) == ["file robots.txt: bytes differ"]


def test_only_sphinx_digest_is_taken_from_a_link():
    assert compare_sites.without_version("_static/furo.css?v=5f2a9c41") == "_static/furo.css"
    assert compare_sites.without_version("a.js?v=5f2a9c41&x=1") == "a.js?x=1"
    assert compare_sites.without_version("a.js?x=1&v=5f2a9c41") == "a.js?x=1"
    # A query a page really uses stays, as does anything that is not a hex digest.
    assert compare_sites.without_version("search/?v=2") == "search/?v=2"
    assert compare_sites.without_version("a?v=release-9.2") == "a?v=release-9.2"


def test_the_command_reports_and_fails_on_a_difference(pinned, tmp_path, capsys):
    newest = make_site(tmp_path / "newest", NEWEST, title="Hello again")
    assert compare_sites.main([str(pinned), str(newest)]) == 1
    out = capsys.readouterr().out
    assert "differences" in out
    assert "  page posts/2025/hello/index.html: title" in out
    with pytest.raises(SystemExit):
        compare_sites.main([str(pinned), str(tmp_path / "nowhere")])
