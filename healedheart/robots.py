"""``robots.txt`` naming the sitemap, and ``noindex`` on pages that are not content.

Nothing is hidden with ``Disallow``: a crawler that may not fetch a page cannot
see its ``noindex`` either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from . import state
from .site import write_if_changed

NOINDEX = '<meta name="robots" content="noindex">'


def write_robots_txt(app: Sphinx, exception: Exception | None) -> None:
    """Write robots.txt at the top of the site (``build-finished``)."""
    if exception is not None or app.builder.format != "html":
        return
    filename = getattr(app.config, "sitemap_filename", None) or "sitemap.xml"
    text = f"User-agent: *\nAllow: /\n\nSitemap: {app.config.html_baseurl}{filename}\n"
    write_if_changed(Path(app.outdir) / "robots.txt", text)


def add_noindex(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Mark ``noindex`` the 404 page, the Drafts page and (in the preview) drafts."""
    status = state.of(app).statuses.get(pagename)
    if pagename in (
        getattr(app.config, "notfound_pagename", "404"),
        f"{app.config.blog_path}/drafts",
    ) or (status is not None and not status.published):
        context["metatags"] = context.get("metatags", "") + NOINDEX + "\n"
