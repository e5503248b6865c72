"""Old addresses that still work: ``redirects`` in conf.py maps an old path to a page
(``{"/blog.html": "blog"}``), and each old path gets a small refresh page
(``old.html``, or ``old/index.html``). docs/redirects.md explains it for the author.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

from .site import write_if_changed

logger = logging.getLogger(__name__)

TEMPLATE = "redirect-page.html"
# Written into every redirect page, so that a rebuild knows the file is ours.
MARKER = '<meta name="generator" content="healedheart redirects">'
_UNSAFE = re.compile(r"[\\?#<>\"'\s]|(^|/)\.\.?(/|$)")


@dataclass(frozen=True)
class Redirect:
    """One entry of the mapping, checked: where the old path is written, where it goes."""

    old: str  # as the author wrote it, for messages
    file: str  # the file to write, relative to the output folder: "blog.html"
    target: str  # the docname of the page it sends readers to


def _file_for(old: str) -> str:
    path = old.strip().lstrip("/")
    if path.endswith((".html", ".htm")):
        return path
    return posixpath.join(path.rstrip("/"), "index.html") if path.strip("/") else "index.html"


def _target_docname(new: str) -> str:
    target = new.strip().strip("/")
    for suffix in (".md", ".html", "/index"):
        target = target.removesuffix(suffix)
    return target


def parse(mapping: Any) -> list[Redirect]:
    """Check the mapping's shape, or stop with a ConfigError that says what to change."""
    if not isinstance(mapping, dict):
        raise ConfigError(
            "conf.py: redirects must be a mapping of old paths to pages, for example "
            'redirects = {"/blog.html": "blog"}.'
        )
    result = []
    for old, new in mapping.items():
        if not isinstance(old, str) or not isinstance(new, str):
            raise ConfigError(
                f"conf.py, redirects: the entry {old!r}: {new!r} must be two texts in "
                'quotes, the old path and the page, like "/blog.html": "blog".'
            )
        path = old.strip()
        if "://" in path or not path.startswith("/") or _UNSAFE.search(path) or path == "/":
            raise ConfigError(
                f"conf.py, redirects: {old!r} is not an old path of this site. Write the "
                "part of the old address after the domain, starting with '/', for example "
                "'/blog.html' for https://blog.mismascounselling.co.uk/blog.html."
            )
        result.append(Redirect(old, _file_for(path), _target_docname(new) or "index"))
    return result


def check_config(app: Sphinx, config: Config) -> None:
    """Fail early, before reading any post, if the mapping is malformed."""
    parse(config.redirects)


def _title_of(app: Sphinx, docname: str) -> str:
    title = app.env.titles.get(docname)
    if title is not None:
        return title.astext()
    if docname == app.config.blog_path:
        return "All posts"
    return docname


def _icon_url(config: Config, site_path: str) -> str | None:
    """The site's icon from the site's root path (else the browser asks for a missing
    /favicon.ico on its way): the page may be served at "/old" as well as "/old/"."""
    icon = config.html_favicon
    if not icon:
        return None
    if "://" in icon:
        return icon
    return site_path + "_static/" + os.path.basename(icon)


def write_redirects(app: Sphinx, exception: Exception | None) -> None:
    """Write one page per old path (``build-finished``: every real page is in place)."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    builder = app.builder
    for redirect in parse(app.config.redirects):
        target_file = Path(builder.get_outfilename(redirect.target))
        if not target_file.is_file():
            logger.warning(
                "conf.py, redirects: %r sends readers to %r, which is not a page of the "
                "site. Write the path of the post's file without '.md', for example "
                "'posts/2025/to-a-healed-heart', or 'blog' for the list of all posts.",
                redirect.old,
                redirect.target,
                type="healedheart",
                subtype="redirects",
            )
            continue
        out = outdir / redirect.file
        if out.is_file() and MARKER not in out.read_text("utf-8", "replace"):
            logger.warning(
                "conf.py, redirects: %r is already a page of this site (%s); a redirect "
                "would hide it. Remove the entry, or map a different old path.",
                redirect.old,
                redirect.file,
                type="healedheart",
                subtype="redirects",
            )
            continue
        target_uri = builder.get_target_uri(redirect.target)
        # From the site's root, not relative: a host may serve "/old" and "/old/"
        # alike, and a relative link would then resolve differently.
        site_path = urlsplit(app.config.html_baseurl).path or "/"
        absolute_path = site_path + target_uri
        context = {
            "target_url": absolute_path,
            "canonical_url": app.config.html_baseurl + target_uri,
            "icon_url": _icon_url(app.config, site_path),
            "target_title": _title_of(app, redirect.target),
            "site_title": app.config.html_title or app.config.project,
            "language": app.config.language or "en",
            "marker": MARKER,
        }
        write_if_changed(out, builder.templates.render(TEMPLATE, context))
