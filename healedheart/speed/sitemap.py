"""sitemap.xml without a multiprocessing Manager, and complete after any build.

sphinx-sitemap collects the address of each page as it is written, into a queue
that a ``multiprocessing.Manager`` serves so that parallel writers can share it:
a server process started on every build, and a round trip to it for every page.
And it lists only the pages written by *this* build, so after an incremental
build (the preview) sitemap.xml shrinks to the few pages that were rewritten.

Here its two collecting listeners are replaced. The list of pages is known
without watching them being written: every document, in name order (the order a
clean build writes them), then the pages extensions generate and the search
page, in the order they are generated (noted in the main process, where Sphinx
always writes them; ``unchanged`` notes the ones it does not rewrite). Just
before sphinx-sitemap writes the file, each is passed to its own ``add_html_link``
(so its exclusions and URL scheme apply as before) through a plain in-process
queue. A clean build's sitemap.xml is byte for byte what sphinx-sitemap writes.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator
from typing import Any

import sphinx_sitemap
from sphinx.application import Sphinx
from sphinx.config import Config

# sphinx-sitemap's listeners that this module stands in for.
_REPLACED = {
    "builder-inited": sphinx_sitemap.record_builder_type,
    "html-page-context": sphinx_sitemap.add_html_link,
}


def replace_sphinx_sitemap_collector(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: stand in for sphinx-sitemap's Manager and page listener."""
    if not config.blog_speedups or "sphinx_sitemap" not in app.extensions:
        return
    for event, handler in _REPLACED.items():
        listeners = app.events.listeners[event]
        for i, listener in enumerate(listeners):
            if listener.handler is handler:
                replacement = _start if event == "builder-inited" else _ignore
                listeners[i] = listener._replace(handler=replacement)
    app._healedheart_sitemap = []  # type: ignore[attr-defined]


def _start(app: Sphinx) -> None:
    # sphinx_sitemap.record_builder_type, with a plain queue instead of a Manager's.
    builder = app.builder
    builder.env.is_directory_builder = type(builder).__name__ == "DirectoryHTMLBuilder"
    app.sitemap_links = queue.Queue()  # type: ignore[attr-defined]


def _ignore(*args: Any) -> None:
    pass


def _pages(app: Sphinx) -> list[str] | None:
    return getattr(app, "_healedheart_sitemap", None)


def note_page(
    app: Sphinx, pagename: str, templatename: Any = None, context: Any = None, doctree: Any = None
) -> None:
    """Sphinx ``html-page-context``: note a page that is not a document, in order."""
    pages = _pages(app)
    if pages is not None and pagename not in app.env.found_docs:
        pages.append(pagename)


@contextlib.contextmanager
def noted_already(app: Sphinx) -> Iterator[None]:
    """While pages already noted are rendered (``generated``), note none of them again."""
    pages = _pages(app)
    if pages is None:
        yield
        return
    app._healedheart_sitemap = []  # type: ignore[attr-defined]  # a list nobody reads
    try:
        yield
    finally:
        app._healedheart_sitemap = pages  # type: ignore[attr-defined]


def list_every_page(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``, before sphinx-sitemap: every page of the site, in order."""
    pages = _pages(app)
    if exception is not None or pages is None or not hasattr(app, "sitemap_links"):
        return
    for pagename in [*sorted(app.env.found_docs), *pages]:
        sphinx_sitemap.add_html_link(app, pagename, None, {}, None)
