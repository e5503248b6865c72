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

**Rendered once, linked per page.** Most summaries and every line depend on the
page only through their links: the template makes each link with the function
it is given (``link(docname)``, which is Sphinx's ``pathto`` when the template
renders a fragment itself). So a line, and a summary whose excerpt is the same on
every page (``speed.excerpts``), are rendered once per build for all pages, with
a placeholder for each link (the linked document's name between two characters
of Unicode's private use area, which no name holds), and each page's copy is that
HTML with each placeholder replaced by what the page's own ``pathto`` gives for
the name: what the template would have written. At 1000 posts that is about
2000 renders, rather than 7000 summaries and 5000 lines, one per folder or page.
A summary whose excerpt links somewhere (its HTML differs from page to page), or
whose post shows one of those two characters, is rendered per page as above.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ablog
from jinja2 import pass_context
from sphinx.application import Sphinx

from .. import readingtime
from ..warm import expect_state
from . import excerpts, kept
from .sidebars import code_of, folder_of, links_to

SAVED_FILE = "healedheart-summaries.pickle"
_MEMORY = "_healedheart_summaries"


#: The "level" of a catalog line's key (a summary's is its heading level: 2, 3...).
CATALOG_LINE = "catalog"
#: The "where" of the key of a fragment rendered once for every page (links to fill in).
EVERY_PAGE = "every page"

# A link to fill in: the linked document's name between two private-use characters.
_LINK = re.compile("\ue000([^\ue000\ue001]*)\ue001")


def link_to_fill(docname: str) -> str:
    """The ``link`` a fragment rendered for every page is given: a placeholder."""
    return f"\ue000{docname}\ue001"


def fillable(*texts: str) -> bool:
    """Whether a fragment showing ``texts`` can be filled in: none holds the marks."""
    return not any("\ue000" in text or "\ue001" in text for text in texts)


def filled(html: str, pathto: Callable[[str], str]) -> str:
    """A fragment rendered for every page, with its links as ``pathto`` writes them."""
    return _LINK.sub(lambda link: pathto(link.group(1)), html)


class SummaryMemory:
    """This build's summaries and catalog lines (and the last build's, once asked for)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.known: dict[tuple[Any, ...], str] | None = None  # loaded when first needed
        self.used: dict[tuple[Any, ...], str] = {}
        self.rendered = self.reused = 0  # for the tests and the curious
        # (pathto, uri, folder, links' code, pathto remembering its answers)
        self._page: tuple[Any, ...] = (object(),)
        self._posts: dict[str, tuple[Any, ...]] = {}  # docname: (post, shown, targets, text)

    def summary(self, context: Any, post: Any, level: Any, render: Callable[..., Any]) -> Any:
        """A post's summary (``level``: its heading level), or its catalog line.

        ``render(post, level, link)`` (a summary) or ``render(post, link)`` (a line)
        renders it, making each link with ``link(docname)``.
        """
        pathto = context["pathto"]
        excerpt = None
        if level != CATALOG_LINE:
            # As the template asks (remembered by speed.excerpts; leaves the builder
            # as rendering the summary would).
            excerpt = post.to_html(context["pagename"])
        if (level == CATALOG_LINE or excerpts.same_on_every_page(post)) and fillable(
            self._entry(post)[3], excerpt or ""
        ):
            key = self.key_for_every_page(post, level, excerpt)
            html = self._html(key, post, level, render, link_to_fill)
            return filled(html, self._where(context)[4])
        return self._html(self.key(context, post, level, excerpt), post, level, render, pathto)

    def _html(
        self, key: tuple[Any, ...], post: Any, level: Any, render: Callable[..., Any], link: Any
    ) -> str:
        html = self.used.get(key)
        if html is None:
            if self.known is None:
                self.known = _load(self.app)
            html = self.known.get(key)
        if html is None:
            self.rendered += 1
            html = str(render(post, link) if level == CATALOG_LINE else render(post, level, link))
        else:
            self.reused += 1
        self.used[key] = html
        return html

    def key_for_every_page(self, post: Any, level: Any, excerpt: str | None) -> tuple[Any, ...]:
        """The key of a fragment rendered once for every page: what the post shows."""
        shown = self._entry(post)[1]
        return (self._shown(shown, excerpt), EVERY_PAGE, level)

    def key(self, context: Any, post: Any, level: Any, excerpt: str | None) -> tuple[Any, ...]:
        """The key of a fragment for the page being rendered: also the page's folder."""
        pagename = context["pagename"]
        _, page, folder, code, _ = self._where(context)
        _, shown, targets, _ = self._entry(post)
        if level == CATALOG_LINE:  # date and title, linking to the post only
            targets = targets[:1]
        # A link to the page itself, or below it, is written differently from each page.
        where = (*folder, pagename if links_to(targets, page) else None, code)
        return (self._shown(shown, excerpt), where, level)

    @staticmethod
    def _shown(shown: tuple[Any, ...], excerpt: str | None) -> tuple[Any, ...]:
        if excerpt is None:  # a catalog line: date and title
            return shown[:4]
        return (*shown, hashlib.sha256(excerpt.encode("utf-8")).hexdigest())

    def _entry(self, post: Any) -> tuple[Any, ...]:
        entry = self._posts.get(post.docname)
        if entry is None or entry[0] is not post:
            entry = self._post(post)
        return entry

    def _where(self, context: Any) -> tuple[Any, ...]:
        """The page's address, folder and links' code, and its ``pathto`` remembering
        its answers (a tag's page links to itself from every summary): once per page
        rendered."""
        pathto = context.get("pathto")
        if self._page[0] is not pathto:  # Sphinx makes a pathto() for each page it renders
            page = self.app.builder.get_target_uri(context["pagename"])
            links: dict[str, str] = {}

            def link(docname: str) -> str:
                if docname not in links:
                    links[docname] = pathto(docname)
                return links[docname]

            self._page = (pathto, page, folder_of(page), code_of(pathto), link)
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
        # The text it shows (or links to), for fillable().
        text = "\n".join([str(post.title), *(n for n, _ in categories + tags), *docnames])
        entry = (post, shown, targets, text)
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
