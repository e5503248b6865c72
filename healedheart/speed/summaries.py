"""Each post's summary in a list, and its line in a catalog, kept for the next build.

ABlog's list pages (all posts, each year, tag, category and author) and the home
page show each post as a summary (``blog/post-summary.html``: title, date,
reading time, category, tags, excerpt): about 6000 at 1000 posts. Its catalog
pages (all tags, all categories, all authors, the archive by year) show each
post as a line (``ablog/catalog.html``: date and title): about 5000 more. After
a post is retitled, every page that lists it is rendered again: thousands of
summaries and lines, to change a few.

A summary or a line is made of what the post shows (title, date, and for a
summary category, tags, reading time and excerpt) and of links that are relative
to the page it is shown on. Sphinx writes a link the same from every page of a
folder unless it points at the page itself or below it (see ``speed.sidebars``).
So each is kept under a key made of all of that: what the post shows, the page's
folder (and the page itself when the fragment links to it or below it, as on a
tag's page), the kind of fragment (a summary's heading level, or a catalog line)
and the code that makes the page's links. The fragments of a build are kept for
the next one, in the doctrees folder, when it has the same templates,
configuration and versions: after a retitle, only that post's are rendered again.

The parts of a key that depend only on the page, or only on the post, are worked
out once per page render and once per post in a build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ablog
from jinja2 import pass_context
from sphinx.application import Sphinx

from .. import readingtime
from ..warm import expect_state
from . import kept
from .sidebars import code_of, folder_of, links_to

SAVED_FILE = "healedheart-summaries.pickle"
_MEMORY = "_healedheart_summaries"


#: The "level" of a catalog line's key (a summary's is its heading level: 2, 3...).
CATALOG_LINE = "catalog"


class SummaryMemory:
    """This build's summaries and catalog lines (and the last build's, once asked for)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.known: dict[tuple[Any, ...], str] | None = None  # loaded when first needed
        self.used: dict[tuple[Any, ...], str] = {}
        self.rendered = self.reused = 0  # for the tests and the curious
        self._page: tuple[Any, ...] = (object(),)  # (pathto, uri, folder, links' code)
        self._posts: dict[str, tuple[Any, ...]] = {}  # docname: (post, shown, targets)

    def summary(self, context: Any, post: Any, level: Any, render: Callable[..., Any]) -> Any:
        """A post's summary (``level``: its heading level), or its catalog line."""
        key = self.key(context, post, level)
        html = self.used.get(key)
        if html is None:
            if self.known is None:
                self.known = _load(self.app)
            html = self.known.get(key)
        if html is None:
            self.rendered += 1
            html = str(render(post) if level == CATALOG_LINE else render(post, level))
        else:
            self.reused += 1
        self.used[key] = html
        return html

    def key(self, context: Any, post: Any, level: Any) -> tuple[Any, ...]:
        pagename = context["pagename"]
        _, page, folder, code = self._where(context)
        entry = self._posts.get(post.docname)
        if entry is None or entry[0] is not post:
            entry = self._post(post)
        _, shown, targets = entry
        if level == CATALOG_LINE:  # date and title, linking to the post only
            shown, targets = shown[:4], targets[:1]
        else:
            excerpt = post.to_html(pagename)  # remembered (speed.excerpts): as the template asks
            shown = (*shown, hashlib.sha256(excerpt.encode("utf-8")).hexdigest())
        # A link to the page itself, or below it, is written differently from each page.
        mine = links_to(targets, page)
        return (shown, (*folder, pagename if mine else None, code), level)

    def _where(self, context: Any) -> tuple[Any, ...]:
        """The page's address, folder and links' code: once per page rendered."""
        pathto = context.get("pathto")
        if self._page[0] is not pathto:  # Sphinx makes a pathto() for each page it renders
            page = self.app.builder.get_target_uri(context["pagename"])
            self._page = (pathto, page, folder_of(page), code_of(pathto))
        return self._page

    def _post(self, post: Any) -> tuple[Any, ...]:
        """What a post shows in a summary, and where it links: once per post in a build."""
        builder: Any = self.app.builder
        categories = tuple((str(c), c.docname) for c in post.category)
        tags = tuple((str(t), t.docname) for t in post.tags)
        shown = (
            post.docname,
            post.title,
            post.published,
            post.date.isoformat() if post.date else None,
            categories,
            tags,
            readingtime.reading_minutes(self.app.env, post.docname),
        )
        docnames = [post.docname, *(d for _, d in categories), *(d for _, d in tags)]
        targets = tuple("/" + builder.get_target_uri(d) for d in docnames)
        entry = (post, shown, targets)
        self._posts[post.docname] = entry
        return entry


def offer_to_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: ``summary_once(post, level, render)`` for post-summary.html."""
    environment = kept.template_environment(app)
    if environment is None:
        return
    # Read only when a list is rendered; the warm preview reads it ahead anyway.
    expect_state(Path(app.doctreedir) / SAVED_FILE, "pickle")
    memory = SummaryMemory(app)
    setattr(app, _MEMORY, memory)

    @pass_context
    def summary_once(context: Any, post: Any, level: int, render: Callable[..., Any]) -> Any:
        return memory.summary(context, post, level, render)

    @pass_context
    def catalog_line_once(context: Any, post: Any, render: Callable[..., Any]) -> Any:
        return memory.summary(context, post, CATALOG_LINE, render)

    environment.globals["summary_once"] = summary_once
    environment.globals["catalog_line_once"] = catalog_line_once


def rendered_summaries(app: Sphinx) -> dict[tuple[Any, ...], str]:
    """This build's summaries so far (for ``generated``'s workers to send back)."""
    memory: SummaryMemory | None = getattr(app, _MEMORY, None)
    return dict(memory.used) if memory is not None else {}


def remember_summaries(app: Sphinx, summaries: dict[tuple[Any, ...], str]) -> None:
    """Add summaries rendered in a worker process to this build's."""
    memory: SummaryMemory | None = getattr(app, _MEMORY, None)
    if memory is not None:
        memory.used.update(summaries)


def save_summaries(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: keep this build's summaries for the next."""
    memory: SummaryMemory | None = getattr(app, _MEMORY, None)
    if exception is not None or memory is None or not memory.used:
        return
    known = memory.known if memory.known is not None else _load(app)
    still_shown = _still_current(known, memory.used, app.env.all_docs)
    if still_shown == known:
        return
    kept.save(app, SAVED_FILE, _inputs(app), still_shown)


def _still_current(
    known: dict[tuple[Any, ...], str], used: dict[tuple[Any, ...], str], docs: Any
) -> dict[tuple[Any, ...], str]:
    """This build's summaries, and the last build's that may still be shown.

    A page this build did not render keeps the summaries it had; a post this
    build rendered summaries of keeps only what it shows now; a post that is gone
    keeps nothing.
    """
    shown_now: dict[str, set[Any]] = {}
    for shown, _where, _level in used:
        shown_now.setdefault(shown[0], set()).add(shown)
    kept = {
        key: html
        for key, html in known.items()
        if key[0][0] in docs and key[0] in shown_now.get(key[0][0], {key[0]})
    }
    kept.update(used)
    return kept


def _load(app: Sphinx) -> dict[tuple[Any, ...], str]:
    return kept.load(app, SAVED_FILE, _inputs(app)) or {}


def _inputs(app: Sphinx) -> tuple[Any, ...]:
    """What a summary depends on besides its key: ``kept``'s, ABlog's and this code."""
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return kept.build_inputs(app, ablog.__version__, code)
