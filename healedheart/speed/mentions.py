"""Which written pages link to a post: the pages to re-write when its title changes.

Every list that shows a post (the home page, the sidebar's recent posts, tag,
category and year pages, related posts, previous and next) links to it, so the
pages that show a post are among the pages whose HTML contains a link to it.
Rather than keeping a record of every page's links, the pages as written are
searched for the post's address: 1000 pages (about 50 MB) take about 0.1 s, and
the answer is always what is on disk, whatever wrote it (-j 2 included).

A link is relative (``../../2019/a-post/``), but always ends with the last part
of the post's address (``a-post/``), so that is what is searched for, in every
form it can take in HTML (as it is, with ``&`` escaped, percent-encoded). A page
that mentions those characters without linking to the post is re-written for
nothing, which is safe. Where a relative link could avoid that last part (a link
to a page from a page *below* it, ``../``), or a page's file cannot be read,
every candidate page is returned: never too few.

Used by ``healedheart.freshness`` (documents) and ``healedheart.speed.unchanged``
(ABlog's generated pages).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import quote

from sphinx.application import Sphinx


def _needles(app: Sphinx, docname: str) -> list[bytes] | None:
    """What any link to ``docname`` contains; None if a link need not contain anything."""
    uri = app.builder.get_target_uri(docname)
    last = uri.rstrip("/").rsplit("/", 1)[-1]
    if not last:
        return None  # the home page: "../../" links to it
    ending = last + ("/" if uri.endswith("/") else "")
    if any(
        app.builder.get_target_uri(other).startswith(uri) and other != docname
        for other in app.env.found_docs
    ):
        return None  # a page below it can link to it with "../"
    forms = {ending, html.escape(ending), quote(ending, safe="/"), html.escape(quote(ending))}
    return [form.encode("utf-8") for form in sorted(forms)]


def pages_mentioning(app: Sphinx, docnames: Iterable[str], pages: Iterable[str]) -> set[str]:
    """Those of ``pages`` whose written HTML may link to one of ``docnames``."""
    pages = set(pages)
    needles: list[bytes] = []
    for docname in docnames:
        found = _needles(app, docname)
        if found is None:
            return pages
        needles += found
    if not needles:
        return set()
    result = set()
    for page in pages:
        try:
            with open(app.builder.get_outfilename(page), "rb") as file:
                text = file.read()
        except OSError:
            result.add(page)  # not written yet, or gone: write it
            continue
        if any(needle in text for needle in needles):
            result.add(page)
    return result


def documents_mentioning(app: Sphinx, docnames: Iterable[str]) -> set[str]:
    """The documents whose written page may link to one of ``docnames``."""
    return pages_mentioning(app, docnames, app.env.found_docs)
