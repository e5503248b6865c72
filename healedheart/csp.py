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
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
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


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = InlineCode()
        self._inline: str | None = None  # "script" or "style" while inside one
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "style" in values:
            self.found.style_attributes.append(values["style"])
        self.found.event_handlers += [name for name in values if name.startswith("on")]
        for name, value in values.items():
            if (tag, name) in _FETCHING:
                self.found.fetched.append(value)
        if tag == "link" and _FETCHING_LINKS & set(values.get("rel", "").lower().split()):
            self.found.fetched.append(values.get("href", ""))
        if tag == "script" and "src" not in values:
            if values.get("type", "").strip().lower() in _RUNNABLE:
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


def scan(page: str) -> InlineCode:
    """The inline scripts, styles and style attributes of an HTML page, as written."""
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    return scanner.found


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


def add_policy(page: str) -> str:
    """``page`` with its policy as the first thing in ``<head>`` (replacing any old one)."""
    page = _OLD_POLICY.sub("", page)
    head = _HEAD.search(page)
    if head is None:
        return page
    policy = policy_for(scan(page))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
    return page[: head.end()] + meta + page[head.end() :]


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


def wrap_renderer(app: Sphinx) -> None:
    """Give every HTML page its policy as it is rendered (``builder-inited``)."""
    templates: Any = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render
    if getattr(render, "healedheart_csp", False):
        return

    def render_with_policy(template: str, context: dict[str, Any]) -> str:
        output = render(template, context)
        if not _HEAD.search(output):
            return output  # a fragment (the post header), not a page
        # The preview (`nox -s serve`) has no policy: sphinx-autobuild adds an inline
        # script to every page as it serves it, to reload it when a file changes.
        page = output if app.config.blog_preview else add_policy(output)
        where = context.get("pagename") or template
        for url in other_sites(scan(page), app.config.html_baseurl):
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

    render_with_policy.healedheart_csp = True  # type: ignore[attr-defined]
    templates.render = render_with_policy
