"""``robots.txt`` naming the sitemap, and ``noindex`` on pages that are not content.

Nothing is hidden with ``Disallow``: a crawler that may not fetch a page cannot
see its ``noindex`` either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from . import state

NOINDEX = '<meta name="robots" content="noindex">'


def robots_txt(base_url: str, sitemap_filename: str = "sitemap.xml") -> str:
    """The text of robots.txt for a site at ``base_url``."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {base_url}{sitemap_filename}\n"


def write_robots_txt(app: Sphinx, exception: Exception | None) -> None:
    """Write robots.txt at the top of the site (``build-finished``)."""
    if exception is not None or app.builder.format != "html":
        return
    filename = getattr(app.config, "sitemap_filename", None) or "sitemap.xml"
    text = robots_txt(app.config.html_baseurl, filename)
    (Path(app.outdir) / "robots.txt").write_text(text, encoding="utf-8")


def is_public(app: Sphinx, pagename: str) -> bool:
    """False for pages that are not for search engines: 404, drafts, the Drafts page."""
    if pagename == getattr(app.config, "notfound_pagename", "404"):
        return False
    if pagename == f"{app.config.blog_path}/drafts":
        return False
    status = state.of(app).statuses.get(pagename)
    return status is None or status.published


def add_noindex(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Mark the pages that are not content ``noindex``."""
    if not is_public(app, pagename):
        context["metatags"] = context.get("metatags", "") + NOINDEX + "\n"
