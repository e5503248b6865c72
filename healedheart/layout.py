"""ABlog's pages inside Furo's layout.

ABlog normally puts its own ``page.html`` ahead of the theme's. That template
extends ``layout.html``, which Furo deliberately renders as an error page, so every
page of the site would be Furo's "inheriting from layout.html" notice. Instead we
tell ABlog not to inject its templates and ship our own (``templates/``): a
``page.html`` that extends Furo's, and ABlog's collection, catalog and redirect
pages rewritten to fill Furo's ``content`` block, with accessible markup.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import jinja2
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.jinja2glue import BuiltinTemplateLoader

from . import cache, csp

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def add_templates_and_styles(app: Sphinx, config: Config) -> None:
    """Put our templates after the site's own ``_templates`` and before Furo's."""
    config.skip_injecting_base_ablog_templates = True
    if not config.template_bridge:
        config.template_bridge = f"{__name__}.PageRenderer"
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    app.add_css_file("healedheart.css", priority=600)
    # The site's own styles (_static/site.css, if it has one), last, as html_css_files would place
    # them. Not through html_css_files: Sphinx 9 gives its entries their default
    # priority in place, so the environment saved a value that the next build's
    # conf.py never has ("The configuration has changed" on every rebuild).
    if any(
        (Path(app.confdir) / folder / "site.css").is_file() for folder in config.html_static_path
    ):
        app.add_css_file("site.css", priority=800)


def remove_drafts_page(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: outside the preview, ABlog's Drafts page is removed.

    The deployed build reads no draft, so the page ABlog always generates would
    only say "Drafts" to readers; nothing links to it, and neither the sitemap nor
    robots list it (``sitemap``, ``robots``).
    """
    if exception is not None or app.config.blog_preview or app.builder.format != "html":
        return
    page = Path(app.builder.get_outfilename(f"{app.config.blog_path}/drafts"))
    page.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        page.parent.rmdir()  # dirhtml's folder for it, if now empty


# Furo's page has two <aside> landmarks, the site's menu and the page's contents,
# without names: a screen reader lists both as "complementary". Furo writes each
# inside its `body` block, which would have to be copied whole to add an attribute;
# the rendered page is given the names instead, each tag once.
LANDMARK_NAMES = (
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Site menu">'),
    ('<aside class="toc-drawer', '<aside aria-label="On this page" class="toc-drawer'),
)


def name_landmarks(page: str) -> str:
    """``page`` with Furo's two ``<aside>`` landmarks named (a page without them as it is)."""
    for plain, named in LANDMARK_NAMES:
        page = page.replace(plain, named, 1)
    return page


class PageRenderer(BuiltinTemplateLoader):
    """Sphinx's own template renderer, each whole page finished as it is rendered.

    Set as Sphinx's ``template_bridge`` (the public seam for a renderer):

    - Furo's two landmarks are named, then the page gets its Content-Security-Policy
      (``csp``), so the bytes written are the bytes hashed. Fragments (the post
      header) pass as they are.
    - The templates run in a plain Jinja environment, not Sphinx's sandbox, which
      checks every attribute a template reads and every call it makes, and is for
      templates one does not trust. Every template here is Sphinx's, Furo's, ABlog's
      or ours, pinned; ``tests/test_layout.py`` reads them all and fails on one
      that reads a private name or formats a string, where the sandbox would
      differ. A third of the templates' time at 1000 posts.
    - ``excerpt_html(post, pagename)``: ABlog's excerpt of a post, rendered once per
      build where it holds nothing whose address depends on the page (a link, an
      image), not once for every list that shows it (six lists for each post).
    """

    def init(self, builder: Any, theme: Any = None, dirs: list[str] | None = None) -> None:
        super().init(builder, theme, dirs)
        self.config = builder.config
        sandboxed = self.environment
        self.environment = jinja2.Environment(
            loader=self, extensions=[type(ext) for ext in sandboxed.extensions.values()]
        )
        self.environment.filters.update(sandboxed.filters)
        self.environment.globals.update(sandboxed.globals)
        self.environment.globals["excerpt_html"] = self.excerpt_html
        self.env = builder.env
        self._excerpts: dict[str, str] = {}  # this build's, by docname
        self.kept: dict[str, tuple[Any, str]] = {}  # between builds: by docname

    def render(self, template: str, context: dict[str, Any]) -> str:  # type: ignore[override]
        output = super().render(template, context)
        if "<head" not in output:
            return output
        where = context.get("pagename") or template
        return csp.finish_page(self.config, name_landmarks(output), where)

    def excerpt_html(self, post: Any, pagename: str) -> str:
        """ABlog's HTML for ``post``'s excerpt, as shown on ``pagename``.

        One that is the same on every page is also kept for the next build, in the
        build's cache (``keep_excerpts``), as long as the post is not read again.
        """
        if post.docname in self._excerpts:  # shown alike on every page: worked out once
            return self._excerpts[post.docname]
        if any(isinstance(n, _PAGE_RELATIVE) for part in post.excerpt for n in part.findall()):
            return post.to_html(pagename)  # its links' addresses depend on the page
        read = self.env.all_docs.get(post.docname)
        kept = self.kept.get(post.docname)
        if kept is None or kept[0] != read:
            kept = self.kept[post.docname] = (read, post.to_html(pagename))
        self._excerpts[post.docname] = kept[1]
        return kept[1]


def keep_excerpts(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: the renderer keeps its excerpts in the build's cache."""
    if isinstance(app.builder.templates, PageRenderer):
        app.builder.templates.kept = cache.of(app).part("excerpts")


# What an excerpt may hold whose HTML depends on the page it is shown on.
_PAGE_RELATIVE = (
    nodes.reference,
    nodes.image,
    nodes.raw,
    nodes.target,
    nodes.footnote_reference,
    nodes.citation_reference,
    nodes.substitution_reference,
    addnodes.pending_xref,
    addnodes.download_reference,
)
