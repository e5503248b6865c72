"""In a parallel build, the pages extensions generate are rendered on every core.

With ``-j``, Sphinx writes the documents on every core, but the pages that
extensions generate (ABlog's lists: all posts, each year, tag, category and
author; the 404 page) are rendered one after another by the main process at the
end, while the other cores wait: about 4 s of a clean build at 1000 posts, two
of the pages listing every post. Here they are shared out, by the number of
posts each lists, between the main process and forked workers (Sphinx's own
``ParallelTasks``, as its parallel writing uses).

Most posts are listed on pages of every share (all posts, the author, a year, a
tag), so each process would render each post's excerpt once: at 1000 posts,
1000 excerpts rendered twice over (0.65 s of CPU each time). The plain excerpts the pages
show (``excerpts``: those the same on every page) are rendered first, shared out
the same way, and the pages are shared out once every process has them all.

The feeds, which ``feeds.write_feeds`` writes while the pages are collected,
are written meanwhile by one more process (``beside_pages``), not by the main
process before it starts on the pages.

What rendering a page leaves behind in the main process is put back as a serial
build leaves it: the sitemap's list of pages, in the order the pages were
generated; the stamps of the pages written (``unchanged``); the excerpts and
post summaries a worker rendered, kept for the next build (``excerpts``,
``summaries``). Serial builds (``-j 1``, the preview) are not touched.
"""

from __future__ import annotations

from typing import Any

from ablog.blog import Collection, Post
from sphinx.application import Sphinx
from sphinx.util.parallel import ParallelTasks

from . import excerpts, sitemap, summaries, unchanged

Page = tuple[str, dict[str, Any], str]


def render_on_every_core(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: share out the generated pages of a parallel build."""
    builder: Any = app.builder
    if not app.config.blog_speedups or builder.format != "html" or app.parallel <= 1:
        return
    if not hasattr(builder, "gen_pages_from_extensions"):
        return
    serial = builder.gen_pages_from_extensions

    def gen_pages_from_extensions() -> None:
        if not getattr(builder, "parallel_ok", False):
            serial()
            return
        _generate(app)

    builder.gen_pages_from_extensions = gen_pages_from_extensions


def shares(pages: list[Page], count: int) -> list[list[Page]]:
    """``pages`` in ``count`` shares of about equal cost, each in the pages' order."""
    load = [0] * count
    owner: dict[int, int] = {}
    for i in sorted(range(len(pages)), key=lambda i: -_cost(pages[i])):
        least = load.index(min(load))
        owner[i] = least
        load[least] += _cost(pages[i])
    return [[page for i, page in enumerate(pages) if owner[i] == share] for share in range(count)]


def _cost(page: Page) -> int:
    # A page's rendering is mostly its list of posts, each with its excerpt.
    collection = _collection(page)
    try:
        return 10 + len(collection or ())
    except TypeError:
        return 10


def _collection(page: Page) -> Any:
    """What an ABlog page lists (a collection of posts, or a catalog of collections)."""
    context = page[1]
    return context.get("collection") if isinstance(context, dict) else None


def _generate(app: Sphinx) -> None:
    pages: list[Page] = []
    beside = ParallelTasks(1)
    # beside_pages: the feeds (feeds.write_feeds, a page collector that writes files,
    # not pages) are written by a process of their own, beside the pages: 0.4 to
    # 0.6 s at 1000 posts that the main process spent alone, a core idle.
    app._healedheart_beside_pages = lambda work: beside.add_task(work, app)  # type: ignore[attr-defined]
    try:
        for pagelist in app.events.emit("html-collect-pages"):
            for page in pagelist:
                pages.append(page)
                # In the order a serial build notes it (unchanged pages, skipped, are noted as met).
                sitemap.note_page(app, page[0])
    finally:
        del app._healedheart_beside_pages  # type: ignore[attr-defined]
    try:
        _render_shared_out(app, pages)
    finally:
        beside.join()
    unchanged.record_written(app, [pagename for pagename, _, _ in pages])


def _render_shared_out(app: Sphinx, pages: list[Page]) -> None:
    workers = min(app.parallel, len(pages)) - 1
    if workers < 1:
        with sitemap.noted_already(app):
            _render(app, pages)
        return
    _excerpts_first(app, pages, workers + 1)
    mine, *theirs = shares(pages, workers + 1)
    tasks = ParallelTasks(workers)
    for share in theirs:
        tasks.add_task(_render_in_worker, (app, share), _back_in_main(app))
    try:
        with sitemap.noted_already(app):
            _render(app, mine)
    finally:
        tasks.join()  # the workers' warnings and errors are reported here


# Fewer excerpts than this are left to the pages: starting a worker costs about as much
# as rendering ten.
FEW_EXCERPTS = 10


def _excerpts_first(app: Sphinx, pages: list[Page], count: int) -> None:
    """Render the plain excerpts the pages show, shared out between ``count`` processes.

    Every process renders the excerpts of the pages it renders, and most posts
    are listed in pages of each share (all posts, the author, a year, a tag): done
    with the pages, each plain excerpt would be rendered by every process.
    """
    posts = excerpts.unrendered_plain(app, _listed_posts(pages))
    if len(posts) < FEW_EXCERPTS:
        return
    mine, *theirs = (posts[share::count] for share in range(count))
    tasks = ParallelTasks(count - 1)
    for share in theirs:
        tasks.add_task(_excerpts_in_worker, (app, share), _excerpts_back_in_main(app))
    try:
        excerpts.render_plain(app, mine)
    finally:
        tasks.join()


def _listed_posts(pages: list[Page]) -> list[Post]:
    """The posts the pages list (ABlog's collection pages), in the order they list them."""
    listed: dict[str, Post] = {}
    for page in pages:
        collection = _collection(page)
        if isinstance(collection, Collection):
            for post in collection:
                if isinstance(post, Post):
                    listed.setdefault(post.docname, post)
    return list(listed.values())


def _excerpts_in_worker(arg: tuple[Sphinx, list[Post]]) -> dict[Any, str]:
    app, posts = arg
    return _rendered_by(app, lambda: excerpts.render_plain(app, posts))[0]


def _excerpts_back_in_main(app: Sphinx) -> Any:
    def merge(arg: Any, rendered: dict[Any, str]) -> None:
        excerpts.remember_plain_excerpts(app, rendered)

    return merge


def _render(app: Sphinx, pages: list[Page]) -> None:
    for pagename, context, template in pages:
        app.builder.handle_page(pagename, context, template)  # type: ignore[attr-defined]


def _render_in_worker(arg: tuple[Sphinx, list[Page]]) -> tuple[dict[Any, str], dict[Any, str]]:
    app, pages = arg
    return _rendered_by(app, lambda: _render(app, pages))


def _rendered_by(app: Sphinx, work: Any) -> tuple[dict[Any, str], dict[Any, str]]:
    """The plain excerpts and the summaries that ``work`` rendered (in a worker, to send back)."""
    known_excerpts = excerpts.plain_excerpts(app)
    known_summaries = summaries.rendered_summaries(app)
    work()
    new_excerpts = excerpts.plain_excerpts(app).items()
    new_summaries = summaries.rendered_summaries(app).items()
    return (
        {key: html for key, html in new_excerpts if key not in known_excerpts},
        {key: html for key, html in new_summaries if key not in known_summaries},
    )


def _back_in_main(app: Sphinx) -> Any:
    def merge(arg: Any, rendered: tuple[dict[Any, str], dict[Any, str]]) -> None:
        excerpts.remember_plain_excerpts(app, rendered[0])
        summaries.remember_summaries(app, rendered[1])

    return merge
