"""ABlog's record of the posts: merged after a parallel read, kept light, registered.

With ``-j N`` Sphinx reads the files in N processes and merges each process's
environment into its own; an extension that keeps state in the environment must
merge it in ``env-merge-info``, Sphinx's public seam for this. ABlog keeps its
record of the posts in ``env.ablog_posts`` and has no such merge, so it declares
itself unsafe for parallel reading, and ``-j`` then reads serially with a warning
(a failure under ``-W``). This module is that merge; once it is connected, ABlog
is declared safe (``compat.declare_parallel_read_safe``). Upstream, ablog#330
proposes the same merge inside ABlog.

A merge sends each reading process's environment back whole, so what ABlog keeps
in it matters: ABlog stores a deep copy of every post's whole document (for its
own full-text feeds, which this site does not use: ``feeds.py`` writes the feeds
from the pages as written), and each excerpt's nodes keep a reference to the
document they came from. At 1000 posts that was 31 MB of a 35 MB environment,
pickled, sent back and unpickled by every part of a parallel read, and by every
preview rebuild. ``drop_post_copies`` lets both go once a post is recorded.

Two more things make a parallel read give the same site as a serial one:

- while reading, ABlog also creates on its ``Blog`` object the collections (a tag,
  a year...) each post names; the merge creates them in the main process too;
- ``order_posts`` puts the record in the order of the documents' names, as a
  serial clean build leaves it, whatever order the processes finished in.
"""

from __future__ import annotations

from typing import Any

from ablog.blog import Blog
from ablog.post import register_posts
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

# ABlog's per-post fields that name collections (as its process_posts lists them).
_CATALOGS = ("tags", "author", "category", "location", "language")


def merge_posts(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    """Sphinx ``env-merge-info``: take the posts a reading process found."""
    found = getattr(other, "ablog_posts", {})
    if not hasattr(env, "ablog_posts"):
        env.ablog_posts = {}
    blog = Blog(app)
    for docname in sorted(docnames):
        if docname in found:
            env.ablog_posts[docname] = found[docname]
            for info in found[docname]:
                _create_collections(blog, info)


def _create_collections(blog: Blog, info: dict[str, Any]) -> None:
    # What ablog.post.process_posts does for each post it reads, besides recording it.
    for key in _CATALOGS:
        for label in info.get(key) or ():
            blog.catalogs[key][label]  # creates the collection, and its label
    if info.get("date"):
        blog.archive[info["date"].year]


def drop_post_copies(app: Sphinx, doctree: nodes.document) -> None:
    """Sphinx ``doctree-read``, after ABlog (500): keep no copy of the whole post."""
    for info in getattr(app.env, "ablog_posts", {}).get(app.env.docname, ()):
        info["doctree"] = None  # only ABlog's own feeds read it, and ABlog writes none
        for node in info.get("excerpt") or ():
            for part in node.findall():
                part.document = None  # rendered only inside a new document


def order_posts(app: Sphinx, env: BuildEnvironment) -> None:
    """Sphinx ``env-updated``, first: posts in document-name order, as a clean serial read."""
    posts = getattr(env, "ablog_posts", None)
    if posts:
        env.ablog_posts = dict(sorted(posts.items()))


def registered_blog(app: Sphinx) -> Blog:
    """ABlog's ``Blog``, its posts registered.

    ABlog registers the posts of the environment on first use, from some of its
    own listeners only; a walk of ``Blog(app).posts`` before that caches an empty
    list for the rest of the build.
    """
    found = Blog(app)
    if not len(found.posts) and not len(found.drafts):  # (a Blog's len counts posts only)
        register_posts(app)
    return found
