"""Keep ABlog's copies of whole posts out of the saved environment.

When it reads a post, ABlog stores in ``env.ablog_posts`` a deep copy of the
post's whole document (for full-text feeds) and copies of its first paragraphs
(the excerpt). A docutils copy keeps a reference to the document it was copied
from, so each excerpt drags the original document along too. Sphinx pickles the
environment after every build that reads a file and unpickles it at the start of
every build: at 1000 posts these copies are 31 MB of the 35 MB, several seconds
of every rebuild.

After ABlog (and everything else listening to ``doctree-read``) is done with a
post, its full copy is replaced by a :class:`StoredPost` that reads the post back
from the doctree Sphinx has just pickled, and the excerpt's nodes forget the
document they came from (they are only ever rendered inside a new one). The
full copy is not even made: while ABlog records a post that is a whole
document, the document's ``deepcopy`` gives an empty document in its place
(copying a post's whole tree, to drop it, was about 3% of reading it). The
site uses neither the full copy (our feeds take each post's HTML from its page)
nor the excerpt's link to its document; ``tests/test_speed.py`` checks that what
ABlog renders from them is unchanged.
"""

from __future__ import annotations

import weakref
from typing import Any

import ablog.post
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

# The environment StoredPost reads from: the one being built in this process.
_environment: weakref.ref[BuildEnvironment] | None = None


class StoredPost:
    """Stands in ``env.ablog_posts`` for ABlog's copy of a post's document.

    ABlog only ever calls ``deepcopy()`` on it (``Post.to_html(fulltext=True)``);
    this returns the post's doctree as Sphinx saved it at the end of reading.
    """

    __slots__ = ("docname",)

    def __init__(self, docname: str):
        self.docname = docname

    def deepcopy(self) -> nodes.document:
        env = _environment() if _environment else None
        if env is None:
            raise RuntimeError(f"no Sphinx build to read the post {self.docname!r} from")
        return env.get_doctree(self.docname)  # a fresh object on every call

    def __getstate__(self) -> str:
        return self.docname

    def __setstate__(self, state: str) -> None:
        self.docname = state

    def __repr__(self) -> str:
        return f"<StoredPost {self.docname}>"


def remember_environment(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: the environment StoredPost reads posts from."""
    global _environment
    _environment = weakref.ref(app.env)


def no_whole_post_copies(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: ABlog records a post without copying its whole document.

    ABlog's ``process_posts`` (``doctree-read``) keeps ``doctree.deepcopy()`` for
    a post that is a whole document; ``drop_post_copies`` replaces it with a
    :class:`StoredPost` anyway. While it runs, that copy is an empty document.
    """
    if not app.config.blog_speedups:
        return
    listeners = app.events.listeners["doctree-read"]
    for i, listener in enumerate(listeners):
        if listener.handler is ablog.post.process_posts:
            listeners[i] = listener._replace(handler=_without_whole_copy(listener.handler))


def _without_whole_copy(process_posts: Any) -> Any:
    def process_posts_without_whole_copy(app: Sphinx, doctree: nodes.document) -> None:
        doctree.deepcopy = doctree.copy  # type: ignore[method-assign]  # an empty document
        try:
            process_posts(app, doctree)
        finally:
            del doctree.deepcopy

    return process_posts_without_whole_copy


def drop_post_copies(app: Sphinx, doctree: nodes.document) -> None:
    """Sphinx ``doctree-read``, last: slim down ABlog's record of the post just read."""
    if not app.config.blog_speedups:
        return
    docname = app.env.docname
    for info in getattr(app.env, "ablog_posts", {}).get(docname, ()):
        _slim(info, docname)


def _slim(info: dict[str, Any], docname: str) -> None:
    # Only a post that is a whole document: ABlog's `post` directive can make
    # several posts of one file, each a copy of a section, and those are kept.
    if not info.get("section") and isinstance(info.get("doctree"), nodes.document):
        info["doctree"] = StoredPost(docname)
    for node in info.get("excerpt") or ():
        for part in node.findall():
            part.__dict__.pop("_document", None)
