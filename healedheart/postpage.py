"""A post page's header under its title (``blog/post-header.html``), and the older
and newer post in Furo's footer."""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from . import state
from .posts import registered_blog


def add_post_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give Furo's footer the older and newer post as its previous and next page."""
    blog = context.get("ablog")
    if blog is None or pagename not in blog:
        return
    post = blog[pagename]
    context["blog_post"] = post
    context["prev"] = context["next"] = None
    if not post.published:
        return
    for key, other in (("prev", post.prev), ("next", post.next)):
        if other:
            context[key] = {
                "link": app.builder.get_relative_uri(pagename, other.docname),
                # Furo prints the title as HTML; ABlog's is plain text.
                "title": html.escape(other.title, quote=False),
            }


def insert_post_header(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the post's date, author, category and tags just under its title."""
    if app.builder.format != "html" or not hasattr(app.builder, "templates"):
        return
    blog = registered_blog(app)
    if docname not in blog:
        return
    post = blog[docname]
    title = next(iter(doctree.findall(nodes.title)), None)
    if title is None:
        return
    status = state.of(app).statuses.get(docname)
    # The front matter's `updated:` (feeds.record_updated), if after the date.
    updated = post.update if post.date and post.update and post.update > post.date else None

    def link(coll: Any) -> dict[str, str]:
        return {"name": str(coll), "url": app.builder.get_relative_uri(docname, coll.docname)}

    html = app.builder.templates.render(
        "blog/post-header.html",
        {
            "post": post,
            "state": status.state if status else "published",
            "date": post.date,
            "updated": updated,
            "date_format": app.config.post_date_format,
            "authors": [str(a) for a in post.author],
            "categories": [link(c) for c in post.category],
            "tags": [link(t) for t in post.tags],
        },
    )
    section = title.parent
    section.insert(section.index(title) + 1, nodes.raw("", html, format="html"))
