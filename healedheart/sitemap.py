"""sitemap.xml lists the public pages only, each post with the day it last changed.

After sphinx-sitemap: ``noindex`` pages dropped, pages in the order of their
addresses, ``<lastmod>`` from a post's ``updated:`` or ``date:`` (never the build
time), and on a list page the newest of its posts'.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree import ElementTree

from sphinx.application import Sphinx
from sphinx.config import Config

from . import publishing, social, state
from .posts import registered_blog
from .site import page_url

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NOINDEX = re.compile(r"<meta\s+name=[\"']robots[\"']\s+content=[\"'][^\"']*noindex", re.IGNORECASE)


def exclude_non_public(app: Sphinx, config: Config) -> None:
    """Before sphinx-sitemap collects pages: leave out 404 and, in the preview, drafts."""
    excludes = list(getattr(config, "sitemap_excludes", None) or [])
    pagename = getattr(config, "notfound_pagename", "404")
    wanted = [f"{pagename}/", f"{pagename}.html", f"{config.blog_path}/drafts/"]
    for status in state.of(app).statuses.values():
        if not status.published:
            wanted.append(status.docname + "/")
    config.sitemap_excludes = excludes + [p for p in wanted if p not in excludes]


def remember_previous(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: the last sitemap's addresses, for pages a rebuild
    leaves as they were (sphinx-sitemap lists only the pages a build writes)."""
    path = Path(app.outdir) / (getattr(app.config, "sitemap_filename", None) or "sitemap.xml")
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return
    state.of(app).sitemap_before = {url.findtext(f"{{{NS}}}loc", "") for url in root}


def _file_for(outdir: Path, base_url: str, loc: str) -> Path | None:
    if not loc.startswith(base_url):
        return None
    path = outdir / loc[len(base_url) :]
    if loc.endswith("/") or loc == base_url:
        path = path / "index.html"
    return path


def _noindex(page: Path) -> bool:
    """Whether the page's ``<head>`` asks search engines not to list it."""
    head = page.read_bytes().partition(b"</head>")[0]
    if b"noindex" not in head.lower():  # most pages: no need to read it as text
        return False
    return _NOINDEX.search(head.decode("utf-8", errors="replace")) is not None


def last_changes(app: Sphinx) -> dict[str, dt.date]:
    """Each published post's and each list page's last change, by page URL."""

    blog = registered_blog(app)

    changes: dict[str, dt.date] = {}
    for post in publishing.published_posts(app, blog.posts):
        if dates := social.post_dates(app, post.docname):
            changes[page_url(app, post.docname)] = dates[1]

    def newest(posts) -> dt.date | None:
        days = [d for d in (changes.get(page_url(app, p.docname)) for p in posts) if d]
        return max(days) if days else None

    if everything := newest(blog.posts):
        changes[page_url(app, blog.posts.docname)] = everything
    for catalog in (blog.archive, blog.tags, blog.category, blog.author):
        days = []
        for collection in catalog:
            if day := newest(collection):
                changes[page_url(app, collection.docname)] = day
                days.append(day)
        if days:
            changes[page_url(app, catalog.docname)] = max(days)
    return changes


def refine(app: Sphinx, exception: Exception | None) -> None:
    """After sphinx-sitemap: drop ``noindex`` pages, add ``<lastmod>`` (``build-finished``)."""
    if exception is not None or app.builder.format != "html":
        return
    filename = Path(app.outdir) / (getattr(app.config, "sitemap_filename", None) or "sitemap.xml")
    if not filename.is_file():
        return
    ElementTree.register_namespace("", NS)
    tree = ElementTree.parse(filename)
    root = tree.getroot()
    outdir = Path(app.outdir)
    base = app.config.html_baseurl
    changes = last_changes(app)
    # The pages this build left as they were, as the last sitemap listed them.
    site = state.of(app)
    kept = {page_url(app, name) for name in app.env.found_docs | site.pages_left_unwritten}
    listed = {url.findtext(f"{{{NS}}}loc", "") for url in root}
    for loc in sorted((site.sitemap_before & kept) - listed):
        ElementTree.SubElement(
            ElementTree.SubElement(root, f"{{{NS}}}url"), f"{{{NS}}}loc"
        ).text = loc
    for url in list(root.findall(f"{{{NS}}}url")):
        loc = url.findtext(f"{{{NS}}}loc", "")
        page = _file_for(outdir, base, loc)
        if page is not None and page.is_file() and _noindex(page):
            root.remove(url)
            continue
        day = changes.get(loc)
        if day is not None:
            lastmod = url.find(f"{{{NS}}}lastmod")
            if lastmod is None:
                lastmod = ElementTree.SubElement(url, f"{{{NS}}}lastmod")
            lastmod.text = day.isoformat()
    # In the order of the addresses: sphinx-sitemap lists pages as they were
    # written, which in a -j build is the order the writers happened to finish in.
    root[:] = sorted(root, key=lambda url: url.findtext(f"{{{NS}}}loc", ""))
    tree.write(filename, xml_declaration=True, encoding="utf-8", method="xml")
