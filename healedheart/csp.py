"""A Content-Security-Policy on every page: the browser loads nothing from anywhere else.

Each HTML page gets, as the first thing in its ``<head>``,
``<meta http-equiv="Content-Security-Policy">`` with ``default-src 'self'``. The
few inline scripts and styles the theme writes (Furo's theme switch and its CSS
variables) are allowed by the SHA-256 of their exact text, so nothing else inline
can run; the SVG icons' ``style`` attributes likewise (``'unsafe-hashes'`` allows
those hashes only). ``frame-ancestors`` and ``report-uri`` are not used: browsers
ignore them in a meta. The preview (``blog_preview``) is served with an inline
reload script added to each page, so it has no policy.

The policy goes into the page's text as it is rendered (``layout.PageRenderer``),
so the bytes written are the bytes hashed, and no file is rewritten afterwards.
Any resource a page would load from another website is a build warning.

Each page is read once (`scan`), before its policy goes in. The hashes must be of
the exact text a browser runs, so a page is read as Python's html.parser reads it
(which, on markup spelt plainly, is as a browser does). html.parser in pure Python
is slow (half a 1000-post build), so one regular expression first skips, in C, all
that notes nothing: text, comments with no "--" inside, the doctype, end tags, and
start tags spelt plainly with no attribute that matters. It stops at the few tags
that matter, read once each (pages repeat them). A page with anything spelt
otherwise is read by html.parser itself. tests/test_csp.py checks that both ways
read the built site's pages and tricky markup alike, and that the site's pages
never need html.parser.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Script types a browser runs (anything else, such as JSON-LD, is data).
_RUNNABLE = {"", "module", "text/javascript", "application/javascript"}
_RUNNABLE |= {"application/ecmascript", "text/ecmascript"}
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_OLD_POLICY = re.compile(
    r"<meta http-equiv=\"Content-Security-Policy\" content=\"[^\"]*\">\n?", re.IGNORECASE
)
# Elements and attributes that make the browser fetch something.
_FETCHING = {("script", "src"), ("img", "src"), ("iframe", "src"), ("embed", "src")}
_FETCHING |= {("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src")}
_FETCHING |= {("source", "src"), ("track", "src"), ("input", "src")}
_FETCHING_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}


@dataclass
class InlineCode:
    """What a page runs or applies inline, and what it would fetch."""

    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    style_attributes: list[str] = field(default_factory=list)
    event_handlers: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def add_tag(self, name: str, attrs: list[tuple[str, str | None]]) -> bool:
        """Note a start tag (attributes as html.parser gives them: names in lower case,
        values decoded; of one written twice, the last). True: a script the browser
        runs, or a style, whose text is to be noted."""
        values = {attribute: value or "" for attribute, value in attrs}
        if "style" in values:
            self.style_attributes.append(values["style"])
        self.event_handlers += [attribute for attribute in values if attribute.startswith("on")]
        self.fetched += [value for attribute, value in values.items() if (name, attribute) in _FETCHING]
        if name == "link" and _FETCHING_LINKS & set(values.get("rel", "").lower().split()):
            self.fetched.append(values.get("href", ""))
        if name == "script":
            return "src" not in values and values.get("type", "").strip().lower() in _RUNNABLE
        return name == "style"


class _HTMLParserScan(HTMLParser):
    """html.parser's reading, for a page with anything spelt unusually."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found, self.inline, self.text = InlineCode(), "", []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found.add_tag(tag, attrs):
            self.inline, self.text = tag, []

    def handle_data(self, data: str) -> None:
        if self.inline:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.inline == tag:
            (self.found.scripts if tag == "script" else self.found.styles).append("".join(self.text))
            self.inline = ""


# A start tag spelt plainly: a name, then attributes each after white space, a name or
# name=value (white space around "="), the value in double or single quotes or a bare
# word; then maybe "/", then ">". Of these, html.parser and browsers read the same name,
# attributes and end. (Possessive quantifiers keep the skipping fast; the patterns that
# have them have no capturing group, which Python 3.11's re can get wrong: CPython
# issue 101955.)
_SP = "[ \t\n\r\f]"
_NAME = "[-.:a-zA-Z0-9_]"


def _start_tag(first_of_name: str, first_of_attribute: str) -> str:
    value = r"""(?:"[^"]*+"|'[^']*+'|[^\s"'=<>`]++)"""
    attribute = rf"{_SP}++{first_of_attribute}{_NAME}*+(?:{_SP}*+={_SP}*+{value})?+"
    return rf"<{first_of_name}{_NAME}*+(?:{attribute})*+{_SP}*+/?>"


# What notes nothing, each read alike by html.parser and browsers: text; a comment
# with no "--" in it; the doctype; an end tag spelt plainly; a start tag spelt plainly,
# unless a script, style or link or with an attribute style, on..., src, data or poster;
# a "<" that starts no markup (text). It stops at anything else.
_SKIP = re.compile(
    r"(?:[^<]++|<!--(?!-?>)(?:[^-]++|-(?!-))*+-->|<!(?i:doctype)[^>]*+>"
    rf"|</[a-zA-Z]{_NAME}*+{_SP}*+>|<(?![a-zA-Z/!?])|"
    + _start_tag(
        rf"(?!(?i:script|style|link)[ \t\n\r\f/>])[a-zA-Z]",
        rf"(?!(?i:on|(?:style|src|data|poster)[ \t\n\r\f=/>]))[a-zA-Z_:]",
    )
    + ")*+"
)
_PLAIN_START_TAG = re.compile(_start_tag("[a-zA-Z]", "[a-zA-Z_:]"))
_TAG_NAME = re.compile(rf"<([a-zA-Z]{_NAME}*)")
_ATTRIBUTE = re.compile(
    rf"""{_SP}+([a-zA-Z_:]{_NAME}*)(?:{_SP}*={_SP}*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
# The text of a script or style, with no "</" or "<!" in it (a browser may read a
# script's differently), then its end tag, plainly.
_TEXT = {name: re.compile(rf"(?:[^<]++|<(?![/!]))*+</(?ai:{name})>") for name in ("script", "style")}


@functools.lru_cache(maxsize=4096)
def _plain_tag(text: str) -> tuple[InlineCode, bool, str]:
    """What a start tag spelt plainly adds, whether its text is to be noted, and its
    name. Pages repeat the same tags (stylesheets, scripts, icons): each is read once."""
    name = _TAG_NAME.match(text).group(1).lower()  # type: ignore[union-attr]
    attrs = [(a.lower(), unescape(d or s or b)) for a, d, s, b in _ATTRIBUTE.findall(text)]
    found = InlineCode()
    return found, found.add_tag(name, attrs), name


def _scan_plain(page: str) -> InlineCode | None:
    """What `scan` finds, if the page is spelt plainly (None if not)."""
    found = InlineCode()
    i = 0
    while (i := _SKIP.match(page, i).end()) < len(page):  # type: ignore[union-attr]
        tag = _PLAIN_START_TAG.match(page, i)
        if tag is None:
            return None
        i = tag.end()
        adds, runs_inline, name = _plain_tag(tag.group())
        for kind, values in vars(adds).items():
            if values:
                getattr(found, kind).extend(values)
        if name in _TEXT:
            text = _TEXT[name].match(page, i)
            if text is None or tag.group().endswith("/>"):
                return None  # its text is not plainly ended, or "<script/>"
            if runs_inline:
                kind = found.scripts if name == "script" else found.styles
                kind.append(page[i : text.end() - len(name) - 3])
            i = text.end()
    return found


def scan(page: str) -> InlineCode:
    """The inline scripts, styles and style attributes of an HTML page, as written,
    and what it fetches: exactly what html.parser reads in it."""
    found = _scan_plain(page)
    if found is None:
        parser = _HTMLParserScan()
        parser.feed(page)
        parser.close()
        found = parser.found
    return found


def sha256(text: str) -> str:
    """A CSP hash source for ``text``: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy_for(found: InlineCode) -> str:
    """The strictest policy under which the page still works."""
    scripts = sorted({sha256(s) for s in found.scripts})
    styles = sorted({sha256(s) for s in found.styles})
    attributes = sorted({sha256(s) for s in found.style_attributes})
    style_sources = ["'self'", *styles]
    if attributes:
        style_sources += ["'unsafe-hashes'", *attributes]
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *scripts]),
        "style-src " + " ".join(style_sources),
        "img-src 'self' data:",  # Furo's CSS draws one icon from a data: URL.
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


def with_policy(page: str) -> tuple[str, InlineCode]:
    """``page`` with its policy as the first thing in ``<head>`` (replacing any old one),
    and what the page, as written, runs inline and fetches: the page is read once."""
    page = _OLD_POLICY.sub("", page)
    found = scan(page)
    head = _HEAD.search(page)
    if head is None:
        return page, found
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(found)}">\n'
    written = page[: head.end()] + meta + page[head.end() :]
    # The <meta> notes nothing, so the page as written reads as the page read, if it
    # goes between two tags: if only what _SKIP skips comes before a plain <head>. So
    # it is on every page the theme writes; if not, the page as written is read again.
    tag = _PLAIN_START_TAG.match(page, head.start())
    before = _SKIP.match(page, 0, head.start()).end()  # type: ignore[union-attr]
    if before != head.start() or tag is None or tag.end() != head.end():
        found = scan(written)
    return written, found


def add_policy(page: str) -> str:
    """``page`` with its policy as the first thing in ``<head>`` (replacing any old one)."""
    return with_policy(page)[0]


def other_sites(found: InlineCode, base_url: str) -> list[str]:
    """The addresses on a page that would be fetched from another website."""
    result = []
    for url in found.fetched:
        parts = urlsplit(url.strip())
        if parts.scheme in ("", "data") and not url.strip().startswith("//"):
            continue
        if base_url and url.strip().startswith(base_url):
            continue  # our own address, written in full
        result.append(url)
    return result


def finish_page(config: Any, output: str, where: str) -> str:
    """The rendered page ``where`` with its policy, warning of anything it loads from elsewhere."""
    if config.blog_preview:  # `nox -s serve` adds an inline script to reload the page
        page, found = output, scan(output)
    else:
        page, found = with_policy(output)
    for url in other_sites(found, config.html_baseurl):
        logger.warning(
            "The page %s would load %s from another website. This site loads "
            "nothing from elsewhere (readers' privacy), and browsers will block "
            "it. Save the file in the site (for an image, beside the post) and "
            "link to it there.",
            where,
            url,
            type="healedheart",
            subtype="third-party",
        )
    return page
