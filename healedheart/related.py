"""Up to three related published posts at the end of each post (``blog/post-footer.html``).

Related means sharing a tag: most shared tags first, then newest; a post that
shares none is never offered. An index by tag, built once per build, keeps the
cost from growing as the square of the number of posts.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from ablog.blog import Post
from sphinx.application import Sphinx

from . import publishing, state
from .posts import registered_blog

HOW_MANY = 3


def _tag_names(post: Post) -> set[str]:
    return {str(tag).casefold() for tag in post.tags or ()}


class RelatedIndex:
    """The candidates for related posts, by tag (case-insensitive)."""

    def __init__(self, candidates: Iterable[Post]) -> None:
        self._by_tag: dict[str, list[str]] = defaultdict(list)
        self._posts: dict[str, Post] = {}
        # Newest first, the docname making the order total (stable builds).
        self._rank: dict[str, tuple[float, str]] = {}
        for other in candidates:
            if not other.date or other.docname in self._rank:
                continue
            self._posts[other.docname] = other
            self._rank[other.docname] = (-other.date.timestamp(), other.docname)
            for tag in _tag_names(other):
                self._by_tag[tag].append(other.docname)

    def related(self, post: Post, limit: int = HOW_MANY) -> list[Post]:
        """The posts most related to ``post``: most shared tags first, then newest first."""
        shared: Counter[str] = Counter()
        for tag in _tag_names(post):
            shared.update(self._by_tag.get(tag, ()))
        shared.pop(post.docname, None)
        # A post has few tags, so few counts: the newest of each count, most shared first
        # (sorting every candidate instead costs 0.7 s at 1000 posts).
        by_count: dict[int, list[str]] = defaultdict(list)
        for name, count in shared.items():
            by_count[count].append(name)
        chosen: list[str] = []
        for count in sorted(by_count, reverse=True)[:limit]:
            chosen += heapq.nsmallest(limit - len(chosen), by_count[count], key=self._rank.get)
        return [self._posts[name] for name in chosen]


def related_posts(post: Post, candidates: Iterable[Post], limit: int = HOW_MANY) -> list[Post]:
    """The posts most related to ``post``: most shared tags first, then newest first."""
    return RelatedIndex(candidates).related(post, limit)


def forget_index(app: Sphinx, *_args: Any) -> None:
    """``env-updated``: the posts may have changed; the next page builds a new index."""
    state.of(app).related = None


def prepare_for_writers(app: Sphinx, builder: Any) -> None:
    """Sphinx ``write-started``: build the index before ``-j`` writers are forked, to share it."""
    if builder.format == "html":
        _index(app, registered_blog(app))


def _index(app: Sphinx, blog: Any) -> RelatedIndex:
    index = state.of(app).related
    if index is None:
        index = RelatedIndex(publishing.published_posts(app, blog.posts))
        state.of(app).related = index
    return index


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
        for other in _index(app, blog).related(post)
    ]
