"""A Content-Security-Policy on every page: the browser loads nothing from anywhere else.

Each HTML page gets, as the first thing in its ``<head>``,
``<meta http-equiv="Content-Security-Policy">`` with ``default-src 'self'``. The
few inline scripts and styles the theme writes (Furo's theme switch and its CSS
variables) are allowed by the SHA-256 of their exact text, computed from the page
as it is written, so nothing else inline can run; the SVG icons' ``style``
attributes likewise, by hash (``'unsafe-hashes'`` allows those hashes only).

The policy is added to the page's final text as Sphinx renders it (the builder's
template renderer is wrapped once, at ``builder-inited``): the bytes written are
exactly the bytes hashed, and written files are never rewritten afterwards, which
would change their size and date and defeat feeds.py's cache of post pages.
``frame-ancestors`` and ``report-uri`` are not used: browsers ignore them in a meta.

The preview (``blog_preview``) is served by sphinx-autobuild, which adds its own
inline script to each page to reload it: the preview has no policy.

At the same time, any resource on a page that would load from another website (a
script, stylesheet, image, font or frame) is reported as a build warning: the
policy would block it, so the page would be broken for readers.

Each page is read once (`scan`), as it is rendered, before its policy goes in: what
it runs inline gives the policy, what it fetches gives the warnings. (The ``<meta>``
holds nothing of either, and goes in between two tags, so the page as written reads
the same.) The hashes must be of the exact text the browser runs, so a page is read
exactly as Python's html.parser reads it, which on every page Sphinx and Furo write
is as a browser does: the text of a script or style raw, up to its end tag; comments
skipped; attribute values decoded. html.parser itself, in pure Python, visits each
of a page's thousand or so tags (reading every page twice with it took half of a
1000-post build). Instead, one regular expression skips, in C, all that notes
nothing (text, end tags, and most start tags), and stops only at the few dozen tags
that matter, which pages repeat and are read once, and at anything spelt unusually,
which is read by html.parser's own rules. tests/test_csp.py checks that html.parser
and `scan` read the built site's pages and tricky markup alike.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Script types a browser runs (anything else, such as JSON-LD, is data).
_RUNNABLE = {
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/ecmascript",
}
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_OLD_POLICY = re.compile(
    r"<meta http-equiv=\"Content-Security-Policy\" content=\"[^\"]*\">\n?", re.IGNORECASE
)
# Elements and attributes that make the browser fetch something.
_FETCHING = {
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("source", "src"),
    ("track", "src"),
    ("input", "src"),
}
_FETCHING_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}


@dataclass
class InlineCode:
    """What a page runs or applies inline, and what it would fetch."""

    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    style_attributes: list[str] = field(default_factory=list)
    event_handlers: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


class _Tag(NamedTuple):
    """What one start tag adds to what a page runs and fetches."""

    name: str
    style_attributes: tuple[str, ...]
    event_handlers: tuple[str, ...]
    fetched: tuple[str, ...]
    runs_inline: bool  # a script the browser runs, or a style: its text is noted
    self_closing: bool  # written <.../>


def _tag(name: str, attrs: Iterable[tuple[str, str | None]], self_closing: bool) -> _Tag:
    """A start tag, from its name and attributes as html.parser gives them (names in
    lower case, values decoded). Of an attribute written twice, the last is taken."""
    values = {attribute: value or "" for attribute, value in attrs}
    fetched = [value for attribute, value in values.items() if (name, attribute) in _FETCHING]
    if name == "link" and _FETCHING_LINKS & set(values.get("rel", "").lower().split()):
        fetched.append(values.get("href", ""))
    if name == "script":
        runs_inline = "src" not in values and values.get("type", "").strip().lower() in _RUNNABLE
    else:
        runs_inline = name == "style"
    return _Tag(
        name,
        (values["style"],) if "style" in values else (),
        tuple(attribute for attribute in values if attribute.startswith("on")),
        tuple(fetched),
        runs_inline,
        self_closing,
    )


# How a page is read: as Python's html.parser reads it (the scanner this replaced).
# Its rules are written out here as they are in Python 3.11.7. (Later security
# releases changed how it reads broken markup: written out, they no longer change
# with the Python in use.) Most of a page is text, end tags and start tags that
# matter nothing here; they are skipped by one regular expression, _SKIP, in C. Where
# it stops, html.parser is at the same place, at something that may matter: that is
# read in Python, then skipping goes on.
#
# A start tag "spelt plainly" is a name, then attributes each after white space: a
# name, or name=value (spaces allowed around "="), the value in double or single
# quotes (which may hold ">" or "<") or a bare word; then maybe "/", then ">". Of
# such a tag html.parser reads the same name, attributes and end (its rules allow
# more, never less). Any other spelling is read by html.parser's own rules
# (_read_start_tag).
_SP = r"[ \t\n\r\f]"  # white space, as HTML has it
_NAME_CHAR = r"[-.:a-zA-Z0-9_]"
_VALUE = r"""(?:"[^"]*+"|'[^']*+'|[^\s"'=<>`]++)"""
# The patterns with possessive quantifiers (*+, ++, ?+: no going back, which keeps them
# fast) have no capturing groups: Python 3.11's re can fail on those (CPython issue
# 101955, "The span of capturing group is wrong").


def _plain_start_tag(first_of_tag_name: str, first_of_attribute_name: str) -> str:
    return (
        rf"<{first_of_tag_name}{_NAME_CHAR}*+"
        rf"(?:{_SP}++{first_of_attribute_name}{_NAME_CHAR}*+(?:{_SP}*+={_SP}*+{_VALUE})?+)*+"
        rf"{_SP}*+/?>"
    )


# _SKIP skips, each exactly as html.parser reads it:
# - text, up to the next "<" (text outside a script or style notes nothing);
# - an end tag: outside a script or style, html.parser ends it at its first ">";
# - a start tag spelt plainly, unless it is a script, style or link or has an
#   attribute style, on..., src, data or poster. (Those names start with l or s, and
#   d, o, p or s: a name starting with any other letter is skipped without a look.)
# - a "<" not followed by a letter, "/", "!" or "?": text.
# It stops at anything else: comments, the doctype, the tags that matter, and any
# start tag spelt otherwise.
_SKIP = re.compile(
    r"[^<]*+(?:(?:</[^>]*+>|"
    + _plain_start_tag(
        r"(?:[a-km-rt-zA-KM-RT-Z]|(?!(?i:script|style|link)[ \t\n\r\f/>])[lLsS])",
        r"(?:[abce-nq-rt-zA-CE-NQ-RT-Z_:]"
        r"|(?!(?i:on|(?:style|src|data|poster)[ \t\n\r\f=/>]))[dDoOpPsS])",
    )
    + r"|<(?=[^a-zA-Z/!?]))[^<]*+)*+"
)
_PLAIN_START_TAG = re.compile(_plain_start_tag("[a-zA-Z]", "[a-zA-Z_:]"))
# What may come before <head>: the doctype, then what _SKIP skips.
_BEFORE_HEAD = re.compile(r"[^<]*+(?:<!(?ai:doctype)[^>]*+>)?" + _SKIP.pattern)
# One attribute of a start tag spelt plainly, as _PLAIN_START_TAG matched it (nothing
# after the name is required, so the first way to match is the longest, as there).
_PLAIN_ATTRIBUTE = re.compile(
    rf"""{_SP}+([a-zA-Z_:]{_NAME_CHAR}*)"""
    rf"""(?:{_SP}*={_SP}*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)


@functools.lru_cache(maxsize=4096)
def _plain_tag(text: str) -> _Tag:
    """A start tag spelt plainly (all of ``text``). Pages repeat the same tags
    (stylesheets, scripts, icons): each is read once."""
    name = _TAG_NAME.match(text, 1)
    assert name is not None
    attributes = list(_PLAIN_ATTRIBUTE.finditer(text, name.end(1)))
    attrs = [
        (attribute.lower(), unescape(double or single or bare or ""))
        for attribute, double, single, bare in (match.groups() for match in attributes)
    ]
    rest = text[attributes[-1].end() if attributes else name.end(1) :]
    return _tag(name.group(1).lower(), attrs, rest.lstrip(" \t\n\r\f") == "/>")


# html.parser's own expressions, for the rest: locatestarttagend_tolerant,
# tagfind_tolerant and attrfind_tolerant (a start tag), commentclose, and the end of
# a script's or style's text (its set_cdata_mode, then endtagfind: the name must be
# in ASCII letters, in any case).
_START_TAG_END = re.compile(
    r"""
  <[a-zA-Z][^\t\n\r\f />\x00]*       # tag name
  (?:[\s/]*                          # optional whitespace before attribute name
    (?:(?<=['"\s/])[^\s/>][^\s/=>]*  # attribute name
      (?:\s*=+\s*                    # value indicator
        (?:'[^']*'                   # LITA-enclosed value
          |"[^"]*"                   # LIT-enclosed value
          |(?!['"])[^>\s]*           # bare value
         )
        \s*                          # possibly followed by a space
       )?(?:\s|/(?!>))*
     )*
   )?
  \s*                                # trailing whitespace
""",
    re.VERBOSE,
)
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
_ATTRIBUTE = re.compile(
    r"((?<=[\'\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*"
    r"(\'[^\']*\'|\"[^\"]*\"|(?![\'\"])[^>\s]*))?(?:\s|/(?!>))*"
)
_COMMENT_END = re.compile(r"--\s*>")
_TEXT_END = {
    "script": re.compile(r"</\s*(?ai:script)\s*>"),
    "style": re.compile(r"</\s*(?ai:style)\s*>"),
}
_DECLARATION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_MARKED_SECTION_END = {
    **dict.fromkeys(("temp", "cdata", "ignore", "include", "rcdata"), re.compile(r"]\s*]\s*>")),
    **dict.fromkeys(("if", "else", "endif"), re.compile(r"]\s*>")),
}


def _unfinished(page: str, i: int) -> int:
    """Where reading goes on after something at ``i`` that never ends (html.parser reads
    it as text, up to the first ">" or, if none, the next "<")."""
    k = page.find(">", i + 1)
    if k >= 0:
        return k + 1
    k = page.find("<", i + 1)
    return k if k >= 0 else i + 1


def _past(page: str, i: int, close: str, start: int) -> int:
    """Just past the first ``close`` from ``start``, for something begun at ``i``."""
    k = page.find(close, start)
    return k + len(close) if k >= 0 else _unfinished(page, i)


def _read_start_tag(page: str, i: int) -> tuple[_Tag | None, int]:
    """The start tag at ``i``, read by html.parser's rules, and where it ends (None:
    it is text, up to there)."""
    # check_for_whole_start_tag: where the tag ends.
    j = _START_TAG_END.match(page, i).end()  # type: ignore[union-attr]
    if page.startswith(">", j):
        end = j + 1
    elif page.startswith("/>", j):
        end = j + 2
    elif j == len(page) or page[j] in string.ascii_letters or page[j] in "=/":
        return None, _unfinished(page, i)
    else:
        end = j
    # parse_starttag: its name and attributes.
    name = _TAG_NAME.match(page, i + 1)
    assert name is not None  # the tag starts with "<" and a letter
    k = name.end()
    attrs: list[tuple[str, str | None]] = []
    while k < end:
        match = _ATTRIBUTE.match(page, k)
        if not match:
            break
        attribute, rest, value = match.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = unescape(value)
        attrs.append((attribute.lower(), value))
        k = match.end()
    closing = page[k:end].strip()
    if closing not in (">", "/>"):
        return None, end  # not a tag after all
    return _tag(name.group(1).lower(), attrs, closing == "/>"), end


def _other_markup(page: str, i: int) -> int:
    """Where reading goes on after the end tag, comment, doctype or such at ``i``."""
    if page.startswith("</", i):  # an end tag (without a ">" after it, or _SKIP takes it)
        return _past(page, i, ">", i + 1)
    if page.startswith("<!--", i):
        comment_end = _COMMENT_END.search(page, i + 4)
        return comment_end.end() if comment_end else _unfinished(page, i)
    if page.startswith("<?", i):  # a processing instruction
        return _past(page, i, ">", i + 2)
    if page.startswith("<![", i):  # a marked section, such as <![CDATA[ ... ]]>
        name = _DECLARATION_NAME.match(page, i + 3)
        if i + 3 == len(page) or (name and name.end() == len(page)):
            return _unfinished(page, i)
        section_end = name and _MARKED_SECTION_END.get(name.group().strip().lower())
        if section_end:
            match = section_end.search(page, i + 3)
            return match.end() if match else _unfinished(page, i)
        # html.parser stops with an error here; a browser reads a bogus comment.
        return _past(page, i, ">", i + 2)
    if page[i : i + 9].lower() == "<!doctype":
        return _past(page, i, ">", i + 9)
    return _past(page, i, ">", i + 2)  # "<!...>", a bogus comment


def scan(page: str) -> InlineCode:
    """The inline scripts, styles and style attributes of an HTML page, as written,
    and what it fetches: exactly what html.parser reads in it."""
    found = InlineCode()
    i = 0
    while True:
        i = _SKIP.match(page, i).end()  # type: ignore[union-attr]
        if i >= len(page) - 1:
            break  # the end, or a "<" as the very last character: text
        plain = _PLAIN_START_TAG.match(page, i)
        if plain:
            tag: _Tag | None = _plain_tag(plain.group())
            i = plain.end()
        elif page[i + 1] in string.ascii_letters:
            tag, i = _read_start_tag(page, i)
        else:
            i = _other_markup(page, i)
            continue
        if tag is None:
            continue
        found.style_attributes += tag.style_attributes
        found.event_handlers += tag.event_handlers
        found.fetched += tag.fetched
        if tag.self_closing:  # "<script/>": html.parser opens and closes it at once
            if tag.runs_inline:
                (found.scripts if tag.name == "script" else found.styles).append("")
        elif tag.name in _TEXT_END:
            # The text of a script or style is not HTML: it runs to the first end tag.
            text_end = _TEXT_END[tag.name].search(page, i)
            if text_end is None:
                break  # never closed: html.parser drops it, and reads nothing after
            if tag.runs_inline:
                text = page[i : text_end.start()]
                (found.scripts if tag.name == "script" else found.styles).append(text)
            i = text_end.end()
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
        # Furo's CSS draws one icon from a data: URL.
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


def with_policy(page: str) -> tuple[str, InlineCode]:
    """``page`` with its policy as the first thing in ``<head>`` (replacing any old one),
    and what the page, as written, runs inline and fetches: the page is read once.
    """
    page = _OLD_POLICY.sub("", page)
    found = scan(page)
    head = _HEAD.search(page)
    if head is None:
        return page, found
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(found)}">\n'
    written = page[: head.end()] + meta + page[head.end() :]
    # The <meta> is a start tag spelt plainly that scan() skips (no style, on..., src
    # or data attribute; no '"' in the policy), so the page as written reads as the
    # page read did, provided it goes between two tags: provided html.parser, reading
    # the page, is between two tags where <head> starts (only the doctype and what
    # _SKIP skips come before it), and <head> is a plain start tag. So it is in every
    # page this theme writes; if not, the page is read again, as written, for what it
    # fetches (the policy is that of the page read, as it always was).
    head_tag = _PLAIN_START_TAG.match(page, head.start())
    if (
        _BEFORE_HEAD.match(page, 0, head.start()).end() != head.start()  # type: ignore[union-attr]
        or head_tag is None
        or head_tag.end() != head.end()
    ):
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
    # The preview (`nox -s serve`) has no policy: sphinx-autobuild adds an inline
    # script to every page as it serves it, to reload it when a file changes.
    if config.blog_preview:
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
