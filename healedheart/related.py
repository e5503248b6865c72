"""Up to three related posts at the end of each post.

Related means sharing at least one tag: the posts that share the most tags come
first, and among those the newest. A post that shares no tag is not offered, so
a reader is never pointed somewhere at random. Only published posts are offered.
Shown by ``blog/post-footer.html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ablog.blog import Post
from sphinx.application import Sphinx

HOW_MANY = 3


def _tag_names(post: Post) -> set[str]:
    return {str(tag).casefold() for tag in post.tags or ()}


def related_posts(post: Post, candidates: Iterable[Post], limit: int = HOW_MANY) -> list[Post]:
    """The posts most related to ``post``: most shared tags first, then newest first."""
    mine = _tag_names(post)
    scored = []
    for other in candidates:
        if other.docname == post.docname or not other.date:
            continue
        shared = len(mine & _tag_names(other))
        if shared:
            scored.append((shared, other.date, other.docname, other))
    # Most shared tags, then newest; the docname makes the order total (stable builds).
    scored.sort(key=lambda item: (-item[0], -item[1].timestamp(), item[2]))
    return [other for *_key, other in scored[:limit]]


def published(app: Sphinx, posts: Iterable[Post]) -> list[Post]:
    """``posts`` less drafts and scheduled posts (ABlog alone knows only dates)."""
    statuses = getattr(app, "blog_statuses", {})
    kept = []
    for post in posts:
        status = statuses.get(post.docname)
        if post.published and post.date and (status is None or status.published):
            kept.append(post)
    return kept


def add_related_posts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give a post page's template its related posts (``related_posts``)."""
    blog = context.get("ablog")
    if blog is None or doctree is None or pagename not in blog:
        return
    post = blog[pagename]
    context["related_posts"] = [
        {
            "title": other.title,
            "url": app.builder.get_relative_uri(pagename, other.docname),
            "date": other.date,
            "docname": other.docname,
        }
        for other in related_posts(post, published(app, blog.posts))
    ]
