"""ABlog's pages inside Furo's layout.

ABlog normally puts its own ``page.html`` ahead of the theme's. That template
extends ``layout.html``, which Furo deliberately renders as an error page, so every
page of the site would be Furo's "inheriting from layout.html" notice. Instead we
tell ABlog not to inject its templates and ship our own (``templates/``): a
``page.html`` that extends Furo's, and ABlog's collection, catalog and redirect
pages rewritten to fill Furo's ``content`` block, with accessible markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ablog.post
from sphinx.application import Sphinx
from sphinx.config import Config

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def add_templates_and_styles(app: Sphinx, config: Config) -> None:
    """Put our templates after the site's own ``_templates`` and before Furo's."""
    config.skip_injecting_base_ablog_templates = True
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    app.add_css_file("healedheart.css", priority=600)
    # The site's own styles (_static/site.css), last, as html_css_files would place
    # them. Not through html_css_files: Sphinx 9 gives its entries their default
    # priority in place, so the environment saved a value that the next build's
    # conf.py never has ("The configuration has changed" on every rebuild).
    app.add_css_file("site.css", priority=800)


def wrap_ablog_page_generator(app: Sphinx) -> None:
    """Filter the pages ABlog generates, keeping its generator otherwise as it is."""
    for i, listener in enumerate(app.events.listeners["html-collect-pages"]):
        if listener.handler is ablog.post.generate_archive_pages:
            app.events.listeners["html-collect-pages"][i] = listener._replace(handler=_public_pages)


def _public_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """ABlog's generated pages, less the Drafts page outside the preview.

    The deployed build reads no draft, so the page would only say "Drafts" to
    readers and search engines.
    """
    drafts = f"{app.config.blog_path}/drafts"
    for pagename, context, template in ablog.post.generate_archive_pages(app):
        if pagename == drafts and not app.config.blog_preview:
            continue
        yield pagename, context, template


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


def change_every_page(
    app: Sphinx, name: str, change: Callable[[str, str, dict[str, Any]], str]
) -> None:
    """Pass whatever the HTML builder renders through ``change(output, template, context)``.

    Added once per builder under its ``name``, whatever else wraps the renderer;
    a change added later sees the output of those added earlier.
    """
    templates: Any = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render
    names = getattr(render, "healedheart_changes", ())
    if name in names:
        return

    def render_and_change(template: str, context: dict[str, Any]) -> str:
        return change(render(template, context), template, context)

    render_and_change.healedheart_changes = (*names, name)  # type: ignore[attr-defined]
    templates.render = render_and_change


def wrap_renderer(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: name the landmarks of every page as it is rendered."""
    change_every_page(app, "landmarks", lambda output, template, context: name_landmarks(output))
