"""The Content-Security-Policy: how it is computed, and that every built page has one
that matches exactly what the page runs inline.

In Chromium (no violation on any page, the theme switch still works):
tests/test_readers_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from healedheart import csp

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<style>
  body { color: red; }
</style>
<script type="application/ld+json">{"a": "b"}</script>
</head><body>
<script>
  document.body.dataset.theme = "auto";
</script>
<svg style="display: none;"><path style="opacity: 50%"/></svg>
<p style="opacity: 50%">x &amp; y</p>
<script src="_static/x.js"></script>
<img src="https://cdn.example.net/a.png" alt="">
<link rel="stylesheet" href="//fonts.example.com/f.css">
<a href="https://example.org/">a link is not a fetch</a>
</body></html>
"""


def b64sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    result = {}
    for part in policy.split(";"):
        name, *values = part.split()
        result[name] = values
    return result


def test_the_hash_of_the_empty_string_is_the_known_one() -> None:
    assert csp.sha256("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"


def test_scan_finds_exactly_what_runs_inline() -> None:
    found = csp.scan(PAGE)
    assert found.scripts == ['\n  document.body.dataset.theme = "auto";\n']  # not JSON-LD
    assert found.styles == ["\n  body { color: red; }\n"]
    assert found.style_attributes == ["display: none;", "opacity: 50%", "opacity: 50%"]
    assert found.event_handlers == []


def test_the_policy_allows_only_those_hashes() -> None:
    policy = directives(csp.policy_for(csp.scan(PAGE)))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", b64sha('\n  document.body.dataset.theme = "auto";\n')]
    style = policy["style-src"]
    assert style[:2] == ["'self'", b64sha("\n  body { color: red; }\n")]
    assert style[2] == "'unsafe-hashes'"
    assert sorted(style[3:]) == sorted([b64sha("display: none;"), b64sha("opacity: 50%")])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    assert "frame-ancestors" not in policy and "report-uri" not in policy  # ignored in <meta>


def test_the_policy_goes_first_in_head_once() -> None:
    once = csp.with_policy(PAGE)[0]
    assert once.index('<meta http-equiv="Content-Security-Policy"') == PAGE.index("<head>") + 6
    assert csp.with_policy(once)[0] == once
    assert once.count("Content-Security-Policy") == 1


def test_other_sites_are_found() -> None:
    found = csp.other_sites(csp.scan(PAGE), "https://blog.example.org/")
    assert found == ["https://cdn.example.net/a.png", "//fonts.example.com/f.css"]


@pytest.mark.parametrize("preview", [False, True])
def test_what_a_page_loads_from_elsewhere_is_a_build_warning(preview, monkeypatch) -> None:
    warned: list[str] = []
    monkeypatch.setattr(
        csp.logger, "warning", lambda message, *args, **_: warned.append(message % args)
    )
    config = SimpleNamespace(blog_preview=preview, html_baseurl="https://blog.example.org/")
    page = PAGE.replace("</body>", '<img src="https://blog.example.org/own.png" alt=""></body>')
    written = csp.finish_page(config, page, "posts/2025/p")
    assert [w.split(" from ")[0] for w in warned] == [
        "The page posts/2025/p would load https://cdn.example.net/a.png",
        "The page posts/2025/p would load //fonts.example.com/f.css",
    ]
    assert (written == page) == preview  # the preview has no policy, and still warns


def _independent_hashes(html: str) -> tuple[set[str], set[str], set[str]]:
    """The page's inline code found by another parser (BeautifulSoup + lxml)."""
    soup = BeautifulSoup(html, "lxml")
    scripts = {
        b64sha(s.string or "")
        for s in soup.find_all("script")
        if not s.get("src") and s.get("type", "text/javascript") in ("text/javascript", "module")
    }
    styles = {b64sha(s.string or "") for s in soup.find_all("style")}
    attributes = {b64sha(e["style"]) for e in soup.find_all(style=True)}
    return scripts, styles, attributes


def test_every_built_page_has_a_policy_matching_its_inline_code(real_site) -> None:
    checked = 0
    for path in real_site.html_files():
        html = path.read_text("utf-8")
        match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
        assert match, f"{path} has no policy"
        policy = directives(match.group(1))
        scripts, styles, attributes = _independent_hashes(html)
        assert set(policy["script-src"]) == {"'self'"} | scripts, path
        style_sources = set(policy["style-src"]) - {"'self'", "'unsafe-hashes'"}
        assert style_sources == styles | attributes, path
        assert "on" not in {
            a[:2] for tag in BeautifulSoup(html, "lxml").find_all(True) for a in tag.attrs
        }
        checked += 1
    assert checked > 10


def test_the_theme_has_the_inline_code_the_policy_expects(real_site) -> None:
    # Furo writes one inline script (the theme choice) and one inline style (its
    # colours): if that changes in a Furo upgrade, look at the policy again.
    scripts, styles, _attributes = _independent_hashes(
        real_site.file("posts/2025/to-a-healed-heart/").read_text("utf-8")
    )
    assert (len(scripts), len(styles)) == (1, 1)


def test_the_preview_has_no_policy(shared_site) -> None:
    preview = shared_site("readers", {"blog_preview": True})
    for path in preview.html_files():
        assert "Content-Security-Policy" not in path.read_text("utf-8"), path


# -- The scan reads a page as html.parser does ------------------------------------
#
# csp.scan used to be the html.parser scanner below: it read every page twice and
# took half the build's time. Now a regular expression skips what notes nothing, the
# start tags that matter are read by html.parser one by one, and only a page spelt
# unusually is read by html.parser whole. It must find exactly what the scanner below
# finds, or the hashes would no longer be those of the page Chromium runs.


class _ReferenceScanner(HTMLParser):
    """The scanner csp.scan replaced, as it was (html.parser, pure Python)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = csp.InlineCode()
        self._inline: str | None = None  # "script" or "style" while inside one
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "style" in values:
            self.found.style_attributes.append(values["style"])
        self.found.event_handlers += [name for name in values if name.startswith("on")]
        for name, value in values.items():
            if (tag, name) in csp._FETCHING:
                self.found.fetched.append(value)
        if tag == "link" and csp._FETCHING_LINKS & set(values.get("rel", "").lower().split()):
            self.found.fetched.append(values.get("href", ""))
        if tag == "script" and "src" not in values:
            if values.get("type", "").strip().lower() in csp._RUNNABLE:
                self._inline, self._text = "script", []
        elif tag == "style":
            self._inline, self._text = "style", []

    def handle_data(self, data: str) -> None:
        if self._inline:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._inline == tag:
            text = "".join(self._text)
            (self.found.scripts if tag == "script" else self.found.styles).append(text)
            self._inline = None


def reference_scan(page: str) -> csp.InlineCode:
    scanner = _ReferenceScanner()
    scanner.feed(page)
    scanner.close()
    return scanner.found


# Markup that is easy to misread. Only well-formed markup, which every Python's
# html.parser reads alike (its rules for broken markup changed in 3.11.13 and later
# security releases) and as a browser does.
TRICKY = {
    "a comment with tags": '<!-- <script>alert(1)</script> <p style="x"> --><p>a</p>',
    "a comment then a script": "<!-- a -- b --><script>one()</script><!---->",
    "'>' in quoted values": (
        '<a title="a > b" style="color: red">x</a>'
        "<p title='<script>no()</script>' onclick=\"go('>')\">y</p>"
    ),
    "'<' in a quoted value": '<img alt="<img src=https://evil.example/x.png>" src="a.png">',
    "upper case": (
        '<SCRIPT>Up()</SCRIPT><STYLE>p{}</STYLE><P STYLE="a:b" OnClick="f()">'
        '<IMG SRC="https://cdn.example/x.png"><LINK REL="StyleSheet" HREF="//cdn.example/s.css">'
    ),
    "entities in a style attribute": (
        '<p style="font-family: &quot;A B&quot;, serif; content: &amp;&#39;&lt;">x</p>'
        "<p style='a: &#x22;b&#34;'>y</p>"
    ),
    "JSON-LD is data": '<script type="application/ld+json">{"a": "<b>"}</script>',
    "script types": (
        '<script type="module">m()</script><script type=" Text/JavaScript ">t()</script>'
        '<script type="text/template"><p style="x"></p></script>'
    ),
    "scripts from files": (
        '<script src="_static/x.js"></script><script src=//cdn.example/y.js></script>'
    ),
    "links": (
        '<link rel="stylesheet" href="https://x.example/a.css">'
        '<link rel="icon preload" href="/i.png"><link rel="canonical" href="https://y.example/">'
        '<link rel="author" href="/about/">'
    ),
    "unquoted values": "<img src=//cdn.example/a.png alt=x><p style=color:red>z</p>",
    "self-closing tags": '<img/><br /><img src="a.png"/><svg><path style="opacity: 50%"/></svg>',
    "script text that is not HTML": (
        '<script>if (a < b && c > d) { s = "</div><p style=x>"; } <!-- t</script>'
        "<style>a::after { content: '</p>'; }</style>"
    ),
    "end tags in any case": "<script>a()</SCRIPT><style>b{}</Style >",
    "fetching elements": (
        '<iframe src="https://v.example/e"></iframe><video src="v.mp4" poster="p.jpg"></video>'
        '<object data="o.svg"></object><audio src="a.mp3"></audio><source src="s.webm">'
        '<track src="t.vtt"><embed src="e.swf"><input type="image" src="i.png">'
    ),
    "attribute spellings": (
        '<div\n  class="a"\tstyle="b: c"\n  data-x="y"\n>x</div><p style>z</p>'
        '<span data-style="no" onmouseover="m()" x-onclick="no">q</span>'
        '<input disabled style="d: e" onblur><p hidden class=c style="f: g">'
    ),
    "the doctype and a processing instruction": "<!DOCTYPE html><?xml version='1.0'?><p style=x>",
    "text that looks like markup": "<p>1 < 2 and 3 > 2, style=x src=y <3 </p>",
    "names that start like the ones that matter": (
        '<scripted data-x="1">a()</scripted><styles class=s>b{}</styles>'
        '<linked rel=stylesheet href="//x.example/s.css">'
        '<p styles="a" sources="b" datum="c" posters="d" one="e" data="f" src="g">'
    ),
}
# Read by html.parser whole: a comment with "--" in it, script text with "</" or
# "<!--" in it, an end tag spelt with a space, a processing instruction.
UNUSUAL = {
    "a comment then a script",
    "script types",
    "script text that is not HTML",
    "end tags in any case",
    "the doctype and a processing instruction",
}


def reads_whole(page: str, monkeypatch) -> bool:
    """Whether csp.scan has html.parser read ``page`` whole."""
    whole = []
    reader = csp._Reader
    monkeypatch.setattr(csp, "_Reader", lambda markup: whole.append(markup) or reader(markup))
    csp.scan(page)
    monkeypatch.undo()
    return bool(whole)


@pytest.mark.parametrize("name", list(TRICKY))
def test_the_scan_reads_tricky_markup_as_html_parser_does(name: str, monkeypatch) -> None:
    page = TRICKY[name]
    assert vars(csp.scan(page)) == vars(reference_scan(page))
    # And in the middle of a page, as on the site.
    whole = PAGE.replace("<body>", "<body>" + page)
    assert vars(csp.scan(whole)) == vars(reference_scan(whole))
    # Only the unusual is left to html.parser whole: the rest tests the regular expressions.
    assert reads_whole(page, monkeypatch) == reads_whole(whole, monkeypatch) == (name in UNUSUAL)


def test_the_scan_finds_what_the_tricky_markup_really_holds() -> None:
    # The same as html.parser is not enough if both are wrong: what a browser does.
    assert vars(csp.scan(TRICKY["a comment with tags"])) == vars(csp.InlineCode())
    found = csp.scan(TRICKY["'>' in quoted values"])
    assert found.scripts == [] and found.style_attributes == ["color: red"]
    assert found.event_handlers == ["onclick"]
    assert csp.scan(TRICKY["'<' in a quoted value"]).fetched == ["a.png"]
    found = csp.scan(TRICKY["upper case"])
    assert (found.scripts, found.styles) == (["Up()"], ["p{}"])
    assert found.fetched == ["https://cdn.example/x.png", "//cdn.example/s.css"]
    assert csp.scan(TRICKY["entities in a style attribute"]).style_attributes == [
        'font-family: "A B", serif; content: &\'<',
        'a: "b"',
    ]
    assert csp.scan(TRICKY["JSON-LD is data"]).scripts == []
    assert csp.scan(TRICKY["script types"]).scripts == ["m()", "t()"]
    found = csp.scan(TRICKY["script text that is not HTML"])
    assert found.scripts == ['if (a < b && c > d) { s = "</div><p style=x>"; } <!-- t']
    assert found.styles == ["a::after { content: '</p>'; }"] and found.style_attributes == []
    assert csp.scan(TRICKY["self-closing tags"]).style_attributes == ["opacity: 50%"]
    assert csp.scan(TRICKY["text that looks like markup"]).style_attributes == []
    found = csp.scan(TRICKY["names that start like the ones that matter"])
    assert (found.scripts, found.styles, found.fetched) == ([], [], [])
    assert found.style_attributes == [] and found.event_handlers == ["one"]


def test_the_scan_reads_every_built_page_as_html_parser_does(real_site, monkeypatch) -> None:
    checked = 0
    for path in real_site.html_files():
        page = path.read_text("utf-8")
        assert vars(csp.scan(page)) == vars(reference_scan(page)), path
        # The page as the renderer gives it, before its policy.
        rendered = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page)
        assert vars(csp.scan(rendered)) == vars(reference_scan(rendered)), path
        # The theme's pages are spelt plainly: html.parser never reads one whole (slow).
        assert not reads_whole(rendered, monkeypatch), path
        checked += 1
    assert checked > 10


def test_each_page_is_read_once_as_it_is_rendered(monkeypatch) -> None:
    expected = csp.with_policy(PAGE)[0]
    reads: list[str] = []
    scan = csp.scan
    monkeypatch.setattr(csp, "scan", lambda page: reads.append(page) or scan(page))
    config = SimpleNamespace(blog_preview=False, html_baseurl="https://blog.example.org/")
    assert csp.finish_page(config, PAGE, "p") == expected
    assert reads == [PAGE]


def test_what_the_page_fetches_is_what_it_fetches_as_written() -> None:
    # Read before its <meta> is added, the page reads as it will be written...
    written, found = csp.with_policy(PAGE)
    assert vars(found) == vars(reference_scan(written))
    # ... unless the first "<head" is not a tag, the <meta> goes inside something,
    # and changes it: here it ends the <img> tag before its src.
    page = '<!doctype html><html><body><img alt="<head>" src="https://cdn.example/x.png">'
    assert csp.scan(page).fetched == ["https://cdn.example/x.png"]
    written, found = csp.with_policy(page)
    assert vars(found) == vars(reference_scan(written))
    assert found.fetched == []
