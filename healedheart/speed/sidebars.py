"""The left sidebar rendered once per folder, not once per page.

Furo renders the whole left sidebar on every page: the site's navigation tree (a
toctree, resolved and then reworked with BeautifulSoup) and the blog's lists
(recent posts, tags, categories, years). At 1000 posts that was a tenth of a
clean build. Yet on the pages of one folder (the posts of 2019, say) it is the
same HTML: every link in it is relative, and Sphinx writes a link from
``posts/2019/a/`` exactly as from ``posts/2019/b/`` (``relative_uri``), unless it
points at the page itself or below it, which is also where a sidebar marks "you
are here".

So a sidebar rendered for one page of a folder is kept when it links to nothing
at or below that page, and given to the other pages of the folder, except to a
page it links to (one of the five newest posts, a tag's page): that page's own
sidebar is rendered. Furo's navigation tree is worked out only when a sidebar is
rendered (``lazy_navigation_tree``).

The rule a sidebar template must keep for this to hold: it may depend on the page
only through its links. A page whose links are made by other code (the 404 page's
``pathto`` starts them all from the site's root) has sidebars of its own.
``tests/test_speed.py`` builds the site with and without this and compares every
file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urldefrag, urljoin

import furo
from jinja2 import pass_context
from sphinx.application import Sphinx

from . import kept

# Every address in the sidebar's HTML (Sphinx writes attributes with double quotes).
_ADDRESS = re.compile(r'\s(?:href|src|action)="([^"]*)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def folder_of(uri: str) -> tuple[str, bool]:
    """Pages with the same key get the same relative links (but to themselves).

    ``posts/2019/a/`` (dirhtml) and ``posts/2019/a.html`` (html) both belong to
    ``posts/2019``; the trailing slash says which kind of address it is.
    """
    return posixpath.dirname(uri.rstrip("/")), uri.endswith("/")


def targets(html: str, uri: str) -> frozenset[str]:
    """The site-absolute paths (no fragment) that ``html``, written for ``uri``, links to."""
    base = "/" + uri
    found = set()
    for address in _ADDRESS.findall(html):
        if _SCHEME.match(address) or address.startswith("//"):
            continue
        found.add(urldefrag(urljoin(base, address)).url)
    return frozenset(found)


def links_to(paths: Iterable[str], uri: str) -> bool:
    """Whether any of ``paths`` is the page at ``uri`` or below it."""
    page = "/" + uri
    return any(path == page or path.startswith(page) for path in paths)


class SidebarMemory:
    """The sidebars kept in one build, one per folder."""

    def __init__(self, target_uri: Callable[[str], str]) -> None:
        self._target_uri = target_uri
        self._kept: dict[tuple[Any, ...], tuple[Any, frozenset[str]]] = {}
        self.rendered = self.reused = 0  # for the tests and the curious

    def sidebar(
        self, pagename: str, render: Callable[[], Any], makers: tuple[Any, ...] = ()
    ) -> Any:
        """The page's sidebar: kept, or rendered (and perhaps kept).

        ``makers``: what writes the page's links (the code of its ``pathto`` and
        ``toctree``); a page whose links are written otherwise (the 404 page's
        start from the site's root) never shares a sidebar with one whose are not.
        """
        uri = self._target_uri(pagename)
        folder = (*folder_of(uri), *makers)
        shared = self._kept.get(folder)
        if shared is not None and not links_to(shared[1], uri):
            self.reused += 1
            return shared[0]
        self.rendered += 1
        html = render()
        if shared is None:
            paths = targets(str(html), uri)
            if not links_to(paths, uri):
                self._kept[folder] = (html, paths)
        return html


def offer_to_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: ``sidebar_once_per_folder(super)`` for page.html."""
    environment = kept.template_environment(app)
    if environment is None:
        return
    memory = SidebarMemory(app.builder.get_target_uri)

    @pass_context
    def sidebar_once_per_folder(context: Any, render: Callable[[], Any]) -> Any:
        makers = tuple(code_of(context.get(name)) for name in ("pathto", "toctree"))
        return memory.sidebar(context["pagename"], render, makers)

    sidebar_once_per_folder.memory = memory  # type: ignore[attr-defined]
    environment.globals["sidebar_once_per_folder"] = sidebar_once_per_folder


def code_of(function: Any) -> Any:
    """Where the function's code is (Sphinx makes a pathto() per page, from one code)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return repr(type(function))
    return (code.co_filename, code.co_firstlineno, code.co_qualname)


class LazyNavigationTree:
    """Furo's navigation tree, worked out the first time a template prints it."""

    def __init__(self, compute: Callable[[dict[str, Any]], str], context: dict[str, Any]) -> None:
        self._compute = compute
        self._context: dict[str, Any] | None = context
        self._html = ""

    def __str__(self) -> str:
        if self._context is not None:
            self._html = self._compute(self._context)
            self._context = None
        return self._html


def lazy_navigation_tree() -> None:
    """Have Furo put a ``LazyNavigationTree`` in each page's context, not the tree.

    Furo's ``_html_page_context`` calls its module's ``_compute_navigation_tree``
    for every page, before the page is rendered. The tree is the same string,
    only later, and not at all on a page whose sidebar was kept. Once per process.
    """
    compute = furo._compute_navigation_tree
    if getattr(compute, "healedheart_lazy", False):
        return

    def lazily(context: dict[str, Any]) -> LazyNavigationTree:
        return LazyNavigationTree(compute, context)

    lazily.healedheart_lazy = True  # type: ignore[attr-defined]
    furo._compute_navigation_tree = lazily  # type: ignore[assignment]
