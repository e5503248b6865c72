"""Each post's excerpt rendered once per build, not once per list that shows it.

The lists of posts (all posts, a year, a tag, a category, the author, the home
page) show each post's excerpt through ABlog's ``Post.to_html``, which builds a
new docutils document (with freshly parsed default settings), resolves its
references and runs an HTML writer: several milliseconds, five or six times per
post per build. Here ``Post.to_html`` remembers its result for the rest of the
build. An excerpt that is plain text (paragraphs, emphasis, literals) renders the
same on every page; one with a link, an image or anything else is remembered per
page, since its relative addresses depend on where it is shown.

On a remembered call, the builder is left as ABlog's rendering leaves it (its
image and download paths and current page set for that page), so that nothing
rendered afterwards can tell the difference. Full-text rendering is never
remembered. Installed once per process, it stays inert in a build that does not
load this extension or sets ``blog_speedups = False``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from ablog.blog import Post
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from . import kept

# Nodes whose HTML does not depend on the page it appears in.
_SAME_ON_EVERY_PAGE = (
    nodes.Text,
    nodes.paragraph,
    nodes.emphasis,
    nodes.strong,
    nodes.literal,
    nodes.inline,
    nodes.subscript,
    nodes.superscript,
)
_MEMORY = "_healedheart_excerpts"
# The arguments after the page that blog/post-summary.html's post.to_html(pagename) leaves.
_AS_LISTS_ASK = (True, False)  # drop_h1, img_url
# What rendering an excerpt sets on the builder, for one page (see _as_if_rendered).
_PAGE_STATE = ("imgpath", "dlpath", "secnumbers", "fignumbers", "current_docname")
_PLAIN = "plain"  # first item of the key of a plain excerpt's HTML
_PAGE_PATHS = "_healedheart_excerpt_page_paths"  # a page's image and download paths
# Where a build leaves its plain excerpts for the next (in its doctrees folder).
SAVED_FILE = "healedheart-excerpts.pickle"


def start_build(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: this build's memory (or none at all).

    It starts with the plain excerpts the previous build rendered, if it was built
    with the same Sphinx, docutils, configuration and templates (``kept``): a plain
    excerpt's HTML depends on nothing else than its own nodes, which are part of
    the key.
    """
    memory: dict[Any, str] | None = None
    if app.config.blog_speedups:
        memory = dict(kept.load(app, SAVED_FILE, kept.build_inputs(app)) or {})
    setattr(app, _MEMORY, memory)
    setattr(app, _PAGE_PATHS, {})


def save_plain_excerpts(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: keep this build's plain excerpts for the next one."""
    if exception is None and getattr(app, _MEMORY, None) is not None:
        kept.save(app, SAVED_FILE, kept.build_inputs(app), plain_excerpts(app))


def plain_excerpts(app: Sphinx) -> dict[Any, str]:
    """The plain excerpts this build has so far (for ``generated``'s workers)."""
    memory = getattr(app, _MEMORY, None) or {}
    return {key: html for key, html in memory.items() if key[0] == _PLAIN}


def remember_plain_excerpts(app: Sphinx, rendered: dict[Any, str]) -> None:
    """Add plain excerpts rendered elsewhere (a worker process) to this build's."""
    memory = getattr(app, _MEMORY, None)
    if memory is not None:
        memory.update((key, html) for key, html in rendered.items() if key[0] == _PLAIN)


def unrendered_plain(app: Sphinx, posts: Iterable[Post]) -> list[Post]:
    """Those of ``posts`` whose plain excerpt this build has not rendered yet (each once)."""
    memory = getattr(app, _MEMORY, None)
    if memory is None:
        return []
    missing: dict[Any, Post] = {}
    for post in posts:
        if same_on_every_page(post):
            key = _plain_key(post, *_AS_LISTS_ASK)
            if key not in memory:
                missing.setdefault(key, post)
    return list(missing.values())


def render_plain(app: Sphinx, posts: Iterable[Post]) -> None:
    """Render the plain excerpts of ``posts`` as a list of posts asks for them.

    A plain excerpt renders the same on every page, so each post's own page is
    asked for; the builder is then left as it was, as if nothing were rendered.
    """
    builder = app.builder
    state = {name: getattr(builder, name) for name in _PAGE_STATE if hasattr(builder, name)}
    try:
        for post in posts:
            post.to_html(post.docname)
    finally:
        for name in _PAGE_STATE:
            if name in state:
                setattr(builder, name, state[name])
            elif hasattr(builder, name):
                delattr(builder, name)


def install() -> None:
    """Make ``ablog.blog.Post.to_html`` remember excerpts (once per process)."""
    if getattr(Post.to_html, "_remembers_excerpts", False):
        return
    Post.to_html = _remembering(Post.to_html)


def _remembering(to_html: Any) -> Any:
    @functools.wraps(to_html)
    def remembering_to_html(
        post: Post,
        pagename: str,
        fulltext: bool = False,
        drop_h1: Any = True,
        img_url: bool = False,
    ) -> str:
        app = post._blog.app
        memory = getattr(app, _MEMORY, None)
        if memory is None or fulltext:
            return to_html(post, pagename, fulltext, drop_h1, img_url)
        if same_on_every_page(post):
            key = _plain_key(post, drop_h1, img_url)
        else:
            key = (post.docname, post.section, pagename, drop_h1, img_url)
        if key not in memory:
            memory[key] = to_html(post, pagename, fulltext, drop_h1, img_url)
        else:
            _as_if_rendered(app, pagename, img_url)
        return memory[key]

    remembering_to_html._remembers_excerpts = True  # type: ignore[attr-defined]
    return remembering_to_html


def _plain_key(post: Post, drop_h1: Any, img_url: bool) -> tuple[Any, ...]:
    """Where a plain excerpt's HTML is remembered: its nodes, not the page it is shown on."""
    return (_PLAIN, _nodes_digest(post), drop_h1, img_url)


def _nodes_digest(post: Post) -> str:
    """The excerpt's nodes, every attribute included, as a digest (once per post)."""
    digest = getattr(post, "_healedheart_excerpt_digest", None)
    if digest is None:
        text = "\n".join(node.pformat() for node in post.excerpt)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        post._healedheart_excerpt_digest = digest
    return digest


def same_on_every_page(post: Post) -> bool:
    """Whether the post's excerpt renders the same on every page (plain nodes only)."""
    plain = getattr(post, "_healedheart_plain_excerpt", None)
    if plain is None:
        plain = all(
            isinstance(part, _SAME_ON_EVERY_PAGE)
            for node in post.excerpt
            for part in node.findall()
        )
        post._healedheart_plain_excerpt = plain
    return plain


def _as_if_rendered(app: Sphinx, pagename: str, img_url: bool) -> None:
    # The builder attributes ablog.blog.html_builder_write_doc sets for `pagename`.
    builder = app.builder
    paths: dict[tuple[str, bool], tuple[str, str]] = getattr(app, _PAGE_PATHS)
    found = paths.get((pagename, img_url))
    if found is None:  # worked out once per page and build: a list asks once per post
        target = builder.get_target_uri(pagename)
        if img_url and app.config.blog_baseurl:
            imgpath = urljoin(app.config.blog_baseurl, "_images")
        else:
            imgpath = relative_uri(target, "_images")
        found = paths[pagename, img_url] = (imgpath, relative_uri(target, "_downloads"))
    builder.imgpath, builder.dlpath = found
    builder.secnumbers = {}
    builder.fignumbers = {}
    builder.current_docname = pagename
