"""Reading posts on every core: ABlog's record of the posts, merged after ``-j N``.

With ``sphinx-build -j N`` Sphinx reads the files in N processes and merges each
process's environment into its own; an extension that keeps state in the
environment must merge it in ``env-merge-info``. ABlog keeps its record of the
posts in ``env.ablog_posts`` (plus labels in the standard domain, which Sphinx
merges itself) and has no merge, so it declares itself unsafe for parallel
reading and ``-j`` reads serially with a warning (a failure under ``-W``).

``merge_posts`` is that merge, and ``declare_ablog_parallel_safe`` then tells
Sphinx that ABlog is safe. Two more things make a parallel read give the same
site as a serial one:

- while reading, ABlog also creates the collections (a tag, a year...) each post
  names, on its ``Blog`` object in the reading process; the merge creates them
  in the main process too (a tag only drafts use still has its label);
- ``order_posts`` puts the record in the order of the documents' names, as a
  serial clean build leaves it, whatever order the processes finished in (or
  which files an incremental build re-read). ABlog lists posts of the same date
  and title in that order.

Upstream, ablog#330 proposes the same merge inside ABlog.
"""

from __future__ import annotations

from typing import Any

from ablog.blog import Blog
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

# ABlog's per-post labels that name collections (as its process_posts lists them).
_CATALOGS = ("tags", "author", "category", "location", "language")


def declare_ablog_parallel_safe(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: ABlog's state is merged here, so reading in parallel is safe."""
    ablog = app.extensions.get("ablog")
    if config.blog_speedups and ablog is not None:
        ablog.parallel_read_safe = True


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


def order_posts(app: Sphinx, env: BuildEnvironment) -> None:
    """Sphinx ``env-updated``, first: posts in document-name order, as a clean serial read."""
    posts = getattr(env, "ablog_posts", None)
    if posts and app.config.blog_speedups:
        env.ablog_posts = dict(sorted(posts.items()))
