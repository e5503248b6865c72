"""Each post's summary in a list kept for the next build.

ABlog's list pages (all posts, each year, tag, category and author) and the home
page show each post as a summary (``blog/post-summary.html``: title, date,
reading time, category, tags, excerpt): about 6000 at 1000 posts. After a post
is retitled, the pages that list it (all posts and the author's page among them)
are rendered again: 3000 summaries, to change one.

A summary is made of what the post shows (title, date, category, tags, reading
time, excerpt) and of links that are relative to the page it is shown on. Sphinx
writes a link the same from every page of a folder unless it points at the page
itself or below it (see ``speed.sidebars``). So each summary is kept under a key
made of all of that: what the post shows, the page's folder (and the page itself
when the summary links to it or below it, as on a tag's page), the heading level
and the code that makes the page's links. The summaries of a build are kept for
the next one, in the doctrees folder, when it has the same templates,
configuration and versions: after a retitle, only that post's summaries are
rendered again.
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
from . import kept
from .sidebars import code_of, folder_of, links_to

SAVED_FILE = "healedheart-summaries.pickle"
_MEMORY = "_healedheart_summaries"


class SummaryMemory:
    """This build's summaries (and the last build's, once one is asked for)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.known: dict[tuple[Any, ...], str] | None = None  # loaded when first needed
        self.used: dict[tuple[Any, ...], str] = {}
        self.rendered = self.reused = 0  # for the tests and the curious

    def summary(self, context: Any, post: Any, level: int, render: Callable[..., Any]) -> Any:
        key = self.key(context, post, level)
        html = self.used.get(key)
        if html is None:
            if self.known is None:
                self.known = _load(self.app)
            html = self.known.get(key)
        if html is None:
            self.rendered += 1
            html = str(render(post, level))
        else:
            self.reused += 1
        self.used[key] = html
        return html

    def key(self, context: Any, post: Any, level: int) -> tuple[Any, ...]:
        builder: Any = self.app.builder
        pagename = context["pagename"]
        page = builder.get_target_uri(pagename)
        categories = tuple((str(c), c.docname) for c in post.category)
        tags = tuple((str(t), t.docname) for t in post.tags)
        targets = [post.docname, *(d for _, d in categories), *(d for _, d in tags)]
        # A link to the page itself, or below it, is written differently from each page.
        mine = links_to(frozenset("/" + builder.get_target_uri(t) for t in targets), page)
        excerpt = post.to_html(pagename)  # remembered (speed.excerpts): as the template asks
        shown = (
            post.docname,
            post.title,
            post.published,
            post.date.isoformat() if post.date else None,
            categories,
            tags,
            readingtime.reading_minutes(self.app.env, post.docname),
            hashlib.sha256(excerpt.encode("utf-8")).hexdigest(),
        )
        where = (*folder_of(page), pagename if mine else None, code_of(context.get("pathto")))
        return (shown, where, level)


def offer_to_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: ``summary_once(post, level, render)`` for post-summary.html."""
    environment = kept.template_environment(app)
    if environment is None:
        return
    memory = SummaryMemory(app)
    setattr(app, _MEMORY, memory)

    @pass_context
    def summary_once(context: Any, post: Any, level: int, render: Callable[..., Any]) -> Any:
        return memory.summary(context, post, level, render)

    environment.globals["summary_once"] = summary_once


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
