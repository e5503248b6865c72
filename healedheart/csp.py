"""A Content-Security-Policy on every page: the browser loads nothing from anywhere else.

Each page gets, first in its ``<head>``, ``<meta http-equiv="Content-Security-Policy">``
with ``default-src 'self'`` and the SHA-256 of each inline script, style and style
attribute (``'unsafe-hashes'``), added as it is rendered (``layout.PageRenderer``): the
bytes written are the bytes hashed. The preview (``blog_preview``) has none. Anything a
page would load from another website is a build warning.

Hashes must be of the text a browser runs, so a page is read once, as html.parser reads
it (plain markup, as a browser does). That would take half a build: a regular expression
skips, in C, all that notes nothing; the tags that matter are read by html.parser once
each (pages repeat them); a page with anything unusual is read by html.parser whole.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Script types a browser runs (anything else, such as JSON-LD, is data).
_RUNNABLE = {"", "module", "text/javascript", "application/javascript"}
_RUNNABLE |= {"application/ecmascript", "text/ecmascript"}
# Elements and attributes that make the browser fetch something.
_FETCHING = {("script", "src"), ("img", "src"), ("iframe", "src"), ("embed", "src")}
_FETCHING |= {("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src")}
_FETCHING |= {("source", "src"), ("track", "src"), ("input", "src")}
_FETCHING_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_OLD_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">\n?', re.I)


@dataclass
class InlineCode:
    """What a page runs or applies inline, and what it would fetch."""

    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    style_attributes: list[str] = field(default_factory=list)
    event_handlers: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    """What html.parser reads in a page, or in one start tag (`tag`, and `inline` if
    its text is to be noted: a script the browser runs, or a style)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found, self.tag, self.inline, self.text = InlineCode(), "", "", []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {attribute: value or "" for attribute, value in attrs}  # the last of two
        found, self.tag = self.found, tag
        if "style" in values:
            found.style_attributes.append(values["style"])
        found.event_handlers += [attribute for attribute in values if attribute.startswith("on")]
        found.fetched += [value for name, value in values.items() if (tag, name) in _FETCHING]
        if tag == "link" and _FETCHING_LINKS & set(values.get("rel", "").lower().split()):
            found.fetched.append(values.get("href", ""))
        runnable = "src" not in values and values.get("type", "").strip().lower() in _RUNNABLE
        if tag == "style" or (tag == "script" and runnable):
            self.inline, self.text = tag, []

    def handle_data(self, data: str) -> None:
        if self.inline:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.inline == tag:
            kind = self.found.scripts if tag == "script" else self.found.styles
            kind.append("".join(self.text))
            self.inline = ""


_read_tag = functools.lru_cache(maxsize=4096)(_Reader)  # pages repeat their tags

# A start tag spelt plainly, which html.parser and browsers read alike: a name, then
# attributes after white space (name, or name=value: quoted or a bare word), "/"?, ">".
# (*+, ++, ?+ keep the skipping fast; no pattern with them has a capturing group,
# which 3.11's re can get wrong: CPython gh-101955.)
_SP, _NAME = "[ \t\n\r\f]", "[-.:a-zA-Z0-9_]"


def _start_tag(first_of_name: str, first_of_attribute: str) -> str:
    value = r"""(?:"[^"]*+"|'[^']*+'|[^\s"'=<>`]++)"""
    attribute = rf"{_SP}++{first_of_attribute}{_NAME}*+(?:{_SP}*+={_SP}*+{value})?+"
    return rf"<{first_of_name}{_NAME}*+(?:{attribute})*+{_SP}*+/?>"


# What notes nothing, read alike by html.parser and browsers: text, a comment with no
# "--" in it, the doctype, plain end tags, plain start tags but for script, style, link
# and those with an attribute style, on..., src, data or poster, a "<" that is text.
_SKIP = re.compile(
    r"(?:[^<]++|<!--(?!-?>)(?:[^-]++|-(?!-))*+-->|<!(?i:doctype)[^>]*+>"
    rf"|</[a-zA-Z]{_NAME}*+{_SP}*+>|<(?![a-zA-Z/!?])|"
    + _start_tag(
        r"(?!(?i:script|style|link)[ \t\n\r\f/>])[a-zA-Z]",
        r"(?!(?i:on|(?:style|src|data|poster)[ \t\n\r\f=/>]))[a-zA-Z_:]",
    )
    + ")*+"
)
_PLAIN_START_TAG = re.compile(_start_tag("[a-zA-Z]", "[a-zA-Z_:]"))
# A script's or style's text, with no "</" or "<!" (a browser may end it elsewhere), and end.
_TEXT = {tag: re.compile(rf"(?:[^<]++|<(?![/!]))*+</(?ai:{tag})>") for tag in ("script", "style")}


def scan(page: str) -> InlineCode:
    """The inline scripts, styles and style attributes of an HTML page, as written,
    and what it fetches: exactly what html.parser reads in it."""
    found, i = InlineCode(), 0
    while (i := _SKIP.match(page, i).end()) < len(page):  # type: ignore[union-attr]
        plain = _PLAIN_START_TAG.match(page, i)
        if plain is None:
            return _Reader(page).found  # spelt unusually
        i, tag = plain.end(), _read_tag(plain.group())
        for kind, values in vars(tag.found).items():
            getattr(found, kind).extend(values)
        if tag.tag in _TEXT:
            text = _TEXT[tag.tag].match(page, i)
            if text is None or plain.group().endswith("/>"):
                return _Reader(page).found  # its text is not plainly ended, or "<script/>"
            if tag.inline:
                kind = found.scripts if tag.inline == "script" else found.styles
                kind.append(page[i : text.end() - len(tag.tag) - 3])
            i = text.end()
    return found


def sha256(text: str) -> str:
    """A CSP hash source for ``text``: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy_for(found: InlineCode) -> str:
    """The strictest policy under which the page still works."""
    scripts = " ".join(["'self'", *sorted({sha256(s) for s in found.scripts})])
    styles = ["'self'", *sorted({sha256(s) for s in found.styles})]
    if attributes := sorted({sha256(s) for s in found.style_attributes}):
        styles += ["'unsafe-hashes'", *attributes]
    return (  # img-src: Furo's CSS draws one icon from a data: URL
        f"default-src 'self'; script-src {scripts}; style-src {' '.join(styles)}; img-src "
        "'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
    )


def with_policy(page: str) -> tuple[str, InlineCode]:
    """``page`` with its policy as the first thing in ``<head>`` (replacing any old one),
    and what the page, as written, runs inline and fetches: the page is read once."""
    page = _OLD_POLICY.sub("", page)
    found = scan(page)
    if (head := _HEAD.search(page)) is None:
        return page, found
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(found)}">\n'
    written = page[: head.end()] + meta + page[head.end() :]
    # The <meta> notes nothing: the page reads the same with it if it goes between two
    # tags, as on every page the theme writes. If not, the page is read again.
    before = _SKIP.match(page, 0, head.start()).end()  # type: ignore[union-attr]
    if before != head.start() or not _PLAIN_START_TAG.fullmatch(page, *head.span()):
        found = scan(written)
    return written, found


def other_sites(found: InlineCode, base_url: str) -> list[str]:
    """The addresses on a page that would be fetched from another website."""
    return [
        url
        for url in found.fetched
        if (urlsplit(url.strip()).scheme not in ("", "data") or url.strip().startswith("//"))
        and not (base_url and url.strip().startswith(base_url))  # our own address, in full
    ]


def finish_page(config: Any, output: str, where: str) -> str:
    """The rendered page ``where`` with its policy, warning of anything it loads from elsewhere."""
    # The preview (`nox -s serve`) adds an inline script to reload each page: no policy.
    page, found = (output, scan(output)) if config.blog_preview else with_policy(output)
    for url in other_sites(found, config.html_baseurl):
        logger.warning(
            "The page %s would load %s from another website. This site loads nothing from "
            "elsewhere (readers' privacy), and browsers will block it. Save the file in the "
            "site (for an image, beside the post) and link to it there.",
            where,
            url,
            type="healedheart",
            subtype="third-party",
        )
    return page
