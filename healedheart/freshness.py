"""Fresh post lists after an incremental build (the preview, ``nox -s serve``).

The lists of posts (the home page's latest posts, the sidebars, the tag,
category, year and all-posts pages, related posts) and each post's previous/next
links are rendered from ABlog's record of every post when a page is *written*.
Sphinx's incremental build re-writes only the pages whose source changed, so
after a post is retitled every other page would keep the old title. This module
has the pages that show the change re-written too (re-written, not re-read:
that is quick).

What the lists show is split in two, and compared with the previous build:

- **the structure**: which documents and posts exist, the table of contents, and
  everything that decides where a post is listed and in which order (its dates,
  tags, category, author, draft or scheduled state...). When it changes (a post
  is added, re-dated or re-tagged), any list may change: every page is re-written.
- **what each document shows of itself**: its title, and for a post also its
  excerpt and reading time. When only that changes, for posts, only the pages
  that link to a changed post are re-written (every list entry links to its
  post), found in the pages as written (``pages_mentioning``). A page title
  that is not a post's (About, say) is in every page's navigation: every page is
  re-written.

The pages chosen are written down (in the build's cache, ``healedheart.cache``)
before the build writes anything and forgotten when it finishes: a build that stops half-way leaves
them to the next build, which would otherwise see nothing changed.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.builders import dirhtml
from sphinx.builders import html as sphinx_html
from sphinx.environment import BuildEnvironment

from . import cache, state

# Kept in the pickled environment, so that the next build can compare.
ENV_ATTRIBUTE = "healedheart_post_lists"
# What a post list shows of a post without deciding where or whether it is listed.
_DISPLAY_KEYS = {"title", "excerpt"}
# Not shown anywhere: ABlog's copy of the post's doctree.
_IGNORED_KEYS = {"doctree"}


@dataclass
class Shown:
    """Everything lists and navigation show, as digests."""

    structure: str
    display: dict[str, str] = field(default_factory=dict)  # by docname


@dataclass
class Changes:
    """How what the lists show changed since the previous build."""

    everything: bool  # the structure changed, or there is no previous build to compare
    posts: set[str] = field(default_factory=set)  # posts whose own display changed
    other_documents: set[str] = field(default_factory=set)  # non-posts whose title changed

    @property
    def none(self) -> bool:
        return not (self.everything or self.posts or self.other_documents)


def _digest(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shown(app: Sphinx, env: BuildEnvironment, previous: dict[str, Any] | None = None) -> Shown:
    """What lists and navigation show, for every document.

    ``previous``: the last build's record (``ENV_ATTRIBUTE``); a document this
    build did not read again (Sphinx's ``all_docs`` stamps the time it was read)
    shows what it showed then, and its digest is taken from there.
    """
    stamps = (previous or {}).get("read", {})
    digests = (previous or {}).get("display", {})
    statuses = state.of(app).statuses
    posts = getattr(env, "ablog_posts", {})
    minutes = getattr(env, "healedheart_reading_minutes", {})
    structure: list[Any] = [
        sorted(env.found_docs),
        sorted((doc, list(map(str, inc))) for doc, inc in env.toctree_includes.items()),
    ]
    display: dict[str, str] = {}
    for docname in sorted(env.found_docs):
        known = stamps.get(docname) == env.all_docs.get(docname) and docname in digests
        title = env.titles.get(docname)
        own: list[Any] = [] if known else [title.pformat() if title is not None else None]
        if docname in posts:
            status = statuses.get(docname)
            entries = []
            for info in posts[docname]:
                entries.append(
                    {
                        key: str(value) if not isinstance(value, list) else list(map(str, value))
                        for key, value in info.items()
                        if key not in _DISPLAY_KEYS | _IGNORED_KEYS
                    }
                )
                if not known:
                    own.append(info.get("title"))
                    own.append([node.pformat() for node in info.get("excerpt") or []])
            structure.append([docname, entries, status.state if status else None])
            if not known:
                own.append(minutes.get(docname))
        display[docname] = digests[docname] if known else _digest(own)
    return Shown(_digest(structure), display)


def compare(previous: Shown | None, current: Shown, posts: set[str]) -> Changes:
    """What changed between two builds' ``Shown``; ``posts`` are the current posts."""
    if not isinstance(previous, Shown) or previous.structure != current.structure:
        return Changes(everything=True)
    changed = {
        doc for doc, digest in current.display.items() if previous.display.get(doc) != digest
    }
    return Changes(False, changed & posts, changed - posts)


def rewrite_pages_if_posts_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Sphinx ``env-updated``: the pages to re-write because what they list changed."""
    previous = getattr(env, ENV_ATTRIBUTE, None)
    current = shown(app, env, previous if isinstance(previous, dict) else None)
    # Pickled as plain data, so that the environment never depends on this module's classes.
    read = {doc: env.all_docs.get(doc) for doc in current.display}
    record = {"structure": current.structure, "display": current.display, "read": read}
    setattr(env, ENV_ATTRIBUTE, record)
    first_build = previous is None
    if isinstance(previous, dict):
        previous = Shown(previous.get("structure", ""), previous.get("display", {}))
    changes = compare(previous, current, set(getattr(env, "ablog_posts", {})))
    pending = _read_pending(app)
    site = state.of(app)
    # The generated pages (ABlog's lists) to write: all, unless only some posts'
    # own display changed, or nothing did (``SiteHTMLBuilder.handle_page``).
    site.changed_posts = None if (first_build or pending or changes.everything) else changes.posts
    if first_build:
        return sorted(pending)  # a first build writes every page anyway
    if changes.none:
        pages = set()
    elif changes.everything or changes.other_documents:
        pages = set(env.found_docs)
        site.changed_posts = None
    else:
        pages = pages_mentioning(app.builder, changes.posts, env.found_docs)
    pages = (pages | pending) & env.found_docs
    _write_pending(app, pages)
    return sorted(pages)


class SiteHTMLBuilder:
    """An HTML builder that writes a generated page again only if what it shows changed.

    ABlog renders all its pages (every tag, category, year, the archive and all
    posts) on every build, and Sphinx writes them all. In a rebuild that writes only
    some documents, a generated page is written again only if it links to a post
    whose title, excerpt or reading time changed (``pages_mentioning``); when
    anything else that lists show changed, or Sphinx writes every document (a new
    configuration or template), every page is. Mixed in before Sphinx's builder
    and registered in its place (``app.add_builder(..., override=True)``).
    """

    def __init__(self, app: Sphinx, env: BuildEnvironment) -> None:
        super().__init__(app, env)  # type: ignore[call-arg]
        self.site = state.of(app)
        self.writing_every_document = True

    def prepare_writing(self, docnames: Set[str]) -> None:
        self.writing_every_document = set(self.env.found_docs) <= set(docnames)  # type: ignore[attr-defined]
        super().prepare_writing(docnames)  # type: ignore[misc]

    def handle_page(self, pagename: str, addctx: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        changed = self.site.changed_posts
        unchanged = (
            not self.writing_every_document
            and changed is not None
            and kwargs.get("event_arg") is None
            and pagename not in self.env.found_docs  # type: ignore[attr-defined]
            and not pages_mentioning(self, changed, [pagename])
        )
        if unchanged:
            self.site.pages_left_unwritten.add(pagename)
        else:
            super().handle_page(pagename, addctx, *args, **kwargs)  # type: ignore[misc]


# Named as Sphinx names them: sphinx-sitemap tells a dirhtml build by the class's name.
class StandaloneHTMLBuilder(SiteHTMLBuilder, sphinx_html.StandaloneHTMLBuilder):
    """Sphinx's ``html`` builder, with ``SiteHTMLBuilder``'s generated pages."""


class DirectoryHTMLBuilder(SiteHTMLBuilder, dirhtml.DirectoryHTMLBuilder):
    """Sphinx's ``dirhtml`` builder, with ``SiteHTMLBuilder``'s generated pages."""


BUILDERS = (StandaloneHTMLBuilder, DirectoryHTMLBuilder)


def _read_pending(app: Sphinx) -> set[str]:
    return set(cache.of(app).part("freshness").get("pending", ()))


def _write_pending(app: Sphinx, pages: set[str]) -> None:
    kept = cache.of(app)
    if set(kept.part("freshness").get("pending", ())) != pages:
        kept.part("freshness")["pending"] = sorted(pages)
        kept.save()  # now, before any page is written: a build that stops leaves them


def forget_pending(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: once the build has written its pages, nothing is pending."""
    if exception is None:
        cache.of(app).part("freshness")["pending"] = []


def drop_stale_search_terms(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: the search index without words that find no page.

    On a rebuild, Sphinx's index keeps a word that no page has any more, finding
    nothing (``"resili":[]``), where a clean build has no entry; taken out, the
    rebuild's index is the clean build's, byte for byte (written as Sphinx writes it).
    """
    path = Path(app.outdir) / "searchindex.js"
    prefix, suffix = "Search.setIndex(", ")"
    try:
        text = path.read_text(encoding="utf-8") if exception is None else ""
    except OSError:
        return
    if ":[]" not in text or not (text.startswith(prefix) and text.endswith(suffix)):
        return
    index = json.loads(text[len(prefix) : -len(suffix)])
    for key in ("terms", "titleterms"):
        index[key] = {word: pages for word, pages in index.get(key, {}).items() if pages != []}
    new = prefix + json.dumps(index, separators=(",", ":"), sort_keys=True) + suffix
    if new != text:
        path.write_text(new, encoding="utf-8")


# -- Which written pages link to a post --------------------------------------------
# Every list that shows a post (home page, sidebar, tag, category and year pages,
# related posts, previous and next) links to it, so the pages that show it are among
# those whose HTML links to it. The pages as written are searched for the last part
# of its address, in every form it can take in HTML: 1000 pages take about 0.1 s,
# and the answer is what is on disk, whatever wrote it. A page that merely mentions
# those characters is re-written for nothing, which is safe; where a link need not
# contain them (``../`` from a page below it), every page is returned.


def _needles(builder: Any, docname: str) -> list[bytes] | None:
    """What any link to ``docname`` contains; None if a link need not contain anything."""
    uri = builder.get_target_uri(docname)
    last = uri.rstrip("/").rsplit("/", 1)[-1]
    if not last:
        return None  # the home page: "../../" links to it
    ending = last + ("/" if uri.endswith("/") else "")
    if any(
        builder.get_target_uri(other).startswith(uri) and other != docname
        for other in builder.env.found_docs
    ):
        return None  # a page below it can link to it with "../"
    forms = {ending, html.escape(ending), quote(ending, safe="/"), html.escape(quote(ending))}
    return [form.encode("utf-8") for form in sorted(forms)]


def pages_mentioning(builder: Any, docnames: Iterable[str], pages: Iterable[str]) -> set[str]:
    """Those of ``pages`` whose written HTML may link to one of ``docnames``."""
    pages = set(pages)
    needles: list[bytes] = []
    for docname in docnames:
        found = _needles(builder, docname)
        if found is None:
            return pages
        needles += found
    if not needles:
        return set()
    result = set()
    for page in pages:
        try:
            with open(builder.get_outfilename(page), "rb") as file:
                text = file.read()
        except OSError:
            result.add(page)  # not written yet, or gone: write it
            continue
        if any(needle in text for needle in needles):
            result.add(page)
    return result
