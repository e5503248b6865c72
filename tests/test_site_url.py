"""healedheart.site: the site's one public address, and SITE_URL for forks."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree
from sphinx.errors import ConfigError

from healedheart.site import custom_domain, resolve_base_url

CONF = "https://blog.example.org/"  # html_baseurl in tests/roots/test-basic/conf.py
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


# -- resolve_base_url ----------------------------------------------------------


def test_conf_py_address_is_used_without_site_url() -> None:
    assert resolve_base_url(CONF, {}) == CONF


def test_site_url_wins_over_conf_py() -> None:
    assert resolve_base_url(CONF, {"SITE_URL": "https://me.github.io/blog/"}) == (
        "https://me.github.io/blog/"
    )


def test_an_empty_site_url_is_ignored() -> None:
    assert resolve_base_url(CONF, {"SITE_URL": ""}) == CONF


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://blog.example.org", "https://blog.example.org/"),
        ("https://me.github.io/blog", "https://me.github.io/blog/"),
        ("  http://localhost:8000  ", "http://localhost:8000/"),
    ],
)
def test_a_trailing_slash_is_added(given, expected) -> None:
    assert resolve_base_url(None, {"SITE_URL": given}) == expected
    assert resolve_base_url(given, {}) == expected


@pytest.mark.parametrize("bad", ["blog.example.org", "ftp://example.org/", "https://", ""])
def test_an_address_that_is_not_a_web_address_is_refused_clearly(bad) -> None:
    with pytest.raises(ConfigError) as from_env:
        resolve_base_url(CONF, {"SITE_URL": bad} if bad else {"SITE_URL": " "})
    message = str(from_env.value)
    assert "is not a web address" in message
    assert "https://blog.example.org/" in message  # an example of what to write
    if bad:
        assert repr(bad) in message
        assert "SITE_URL" in message  # says where the bad value came from

    with pytest.raises(ConfigError, match=r"from conf\.py"):
        resolve_base_url(bad or None, {})


def test_an_address_with_a_query_or_fragment_is_refused() -> None:
    for bad in ("https://blog.example.org/?a=1", "https://blog.example.org/#top"):
        with pytest.raises(ConfigError, match="must not contain"):
            resolve_base_url(bad, {})


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://blog.mismascounselling.co.uk/", "blog.mismascounselling.co.uk"),
        ("https://me.github.io/blog/", None),
        ("http://localhost:8000/", None),
    ],
)
def test_custom_domain(url, domain) -> None:
    assert custom_domain(url) == domain


# -- a build with SITE_URL -----------------------------------------------------


def test_site_url_moves_the_sitemap_feed_and_canonical_links(make_site, monkeypatch) -> None:
    fork = "https://someone.github.io/healed-heart/"
    monkeypatch.setenv("SITE_URL", fork.rstrip("/"))
    site = make_site("basic")
    assert site.base_url == fork

    sitemap = etree.parse(str(site.file("sitemap.xml")))
    locs = [loc.text for loc in sitemap.iterfind("sm:url/sm:loc", SITEMAP_NS)]
    assert locs
    assert all(loc.startswith(fork) for loc in locs)
    assert fork + "posts/2025/third/" in locs

    feed = feedparser.parse(site.file("blog/atom.xml").read_bytes())
    assert not feed.bozo
    links = [entry.link for entry in feed.entries]
    assert fork + "posts/2025/third/" in links
    assert all(link.startswith(fork) for link in links)

    canonical = site.page("about/").select_one("link[rel=canonical]")["href"]
    assert canonical == fork + "about/"

    texts = site.texts()
    assert not [name for name, text in texts.items() if CONF in text]
    assert "CNAME" not in texts  # a github.io address has no custom domain


def test_without_site_url_the_build_uses_conf_py(make_site, monkeypatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    site = make_site("basic")
    locs = site.file("sitemap.xml").read_text("utf-8")
    assert f"<loc>{CONF}posts/2025/third/</loc>" in locs
    assert site.file("CNAME").read_text("utf-8") == "blog.example.org\n"
