"""Feeds a reader can trust: Atom, RSS and JSON Feed for the blog, each tag and each category.

Addresses (permanent, documented in docs/feeds.md), under each feed's page:

- the whole blog: ``blog/atom.xml``, ``blog/rss.xml``, ``blog/feed.json``;
- a tag: ``blog/tag/<slug>/atom.xml`` and so on; a category: ``blog/category/<slug>/...``.

Every entry carries the post's full text and its excerpt, with every link made
absolute against the post's own address, and the dates the author wrote, at
midnight in ``blog_timezone``. Only published posts appear, in the preview too.

ABlog's own feed writer is switched off (``replace_ablog_feeds``): it renders every
post once per feed through a fresh docutils writer, keeps links relative and
stamps the build time. Here each post's HTML is taken from the post page as it is
written (``capture_post_html``: the page body, which costs nothing) and kept
between builds in a cache beside the doctrees (``FeedCache``), so a rebuild renders
only the posts whose pages it rewrites, and writes only the feeds that change.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import os
import pickle
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import ablog
import ablog.post
import feedgen.version
import lxml.etree
import lxml.html
from ablog.blog import Post
from docutils import nodes
from docutils.parsers.rst import Directive
from feedgen.feed import FeedGenerator
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

from . import frontmatter, publishing, state
from .cache import of as cache_of
from .posts import registered_blog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """One of the three feed formats: its file name, media type and names for people."""

    key: str
    filename: str
    media_type: str
    label: str
    link_text: str


ATOM = Format("atom", "atom.xml", "application/atom+xml", "Atom", "Atom feed")
RSS = Format("rss", "rss.xml", "application/rss+xml", "RSS", "RSS feed")
JSON_FEED = Format("json", "feed.json", "application/feed+json", "JSON Feed", "JSON Feed")
FORMATS = (ATOM, RSS, JSON_FEED)

# The site page that explains feeds to readers; linked from the sidebar if it exists.
SUBSCRIBE_PAGE = "subscribe"
# Bump when what the cache keeps changes shape.
# The ``updated`` of a feed with no entries (never the build time).
NO_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
GENERATOR = "Sphinx, ABlog and healedheart"

# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Attributes holding one URL; ``srcset`` holds several.
_URL_ATTRIBUTES = ("href", "src", "poster", "cite", "longdesc", "action", "data")
# What the page shows around the text that a reader's app shows itself: the title,
# the date/tags header, the ¶ permalinks.
_PAGE_FURNITURE = (
    "(//h1)[1]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' post-header ')]"
    " | //a[contains(concat(' ', normalize-space(@class), ' '), ' headerlink ')]"
)


# -- Which feeds there are ----------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One feed (in three formats): the posts of the blog, of a tag or of a category."""

    page: str  # the docname of the HTML page the feed follows: "blog", "blog/tag/x"
    title: str
    description: str
    posts: tuple[Post, ...]  # newest first
    only: str = ""  # for a tag or category, what it follows: 'Only posts tagged "x"'

    def path(self, fmt: Format) -> str:
        """The feed file's path in the site, e.g. ``blog/tag/x/atom.xml``."""
        return f"{self.page}/{fmt.filename}"

    def links(self) -> list[dict[str, str]]:
        """For templates: one link per format (``path`` for ``pathto(path, 1)``)."""
        return [
            {
                "path": self.path(fmt),
                "type": fmt.media_type,
                "label": fmt.label,
                "text": fmt.link_text,
                "title": f"{self.title} ({fmt.label})",
            }
            for fmt in FORMATS
        ]


def published_posts(app: Sphinx, posts: Any) -> list[Post]:
    """``posts`` less any the author has not published, newest first, at most
    ``blog_feed_length``."""
    kept = publishing.published_posts(app, posts)
    kept.sort(key=lambda p: (p.date, p.docname), reverse=True)
    length = app.config.blog_feed_length
    return kept[:length] if length else kept


def site_feeds(app: Sphinx) -> list[Feed]:
    """Every feed of the site: the whole blog first, then tags, then categories.

    A tag or category gets feeds only if it has a published post. Computed once per
    build, after the posts are registered (any time in the writing phase).
    """
    cached = state.of(app).feeds
    if cached is not None:
        return cached
    blog = registered_blog(app)
    config = app.config
    title = config.blog_title
    description = config.blog_feed_subtitle or title
    feeds = [Feed(config.blog_path, title, description, tuple(published_posts(app, blog.posts)))]
    for header, catalog in (("Posts tagged", blog.tags), ("Posts in", blog.category)):
        for collection in catalog:
            posts = published_posts(app, collection)
            if posts:
                name = f"{header} {collection}"
                only = f"Only {header.lower()} “{collection}”"
                feeds.append(Feed(collection.docname, f"{title}: {name}", name, tuple(posts), only))
    state.of(app).feeds = feeds
    return feeds


def _active(app: Sphinx) -> bool:
    return bool(app.config.html_baseurl) and ablog.builder_support(app)


# -- The author's ``updated:`` date -----------------------------------------------


def record_updated(app: Sphinx, doctree: nodes.document) -> None:
    """Give ABlog a post's ``updated:`` front matter date as the post's last update.

    ``frontmatter.NormaliseForABlog`` keeps the key from ABlog (which would reject
    it); runs after ABlog's ``process_posts`` has recorded the post.
    """
    env = app.env
    docname = env.docname
    infos = getattr(env, "ablog_posts", {}).get(docname)
    if not infos:
        return
    path = Path(env.doc2path(docname))
    try:
        matter = frontmatter.read(path, path.relative_to(app.srcdir).as_posix())
    except frontmatter.PostError:
        return  # publishing has already reported it, with the line
    if "updated" not in matter.fields:
        return
    line = matter.line_of("updated")
    updated = frontmatter.as_date(matter.fields["updated"])
    if updated is None:
        logger.warning(
            "'updated' is not a date (%r). Write the day you last changed the post "
            "as YYYY-MM-DD, for example 'updated: 2025-10-02', or remove the line.",
            matter.fields["updated"],
            location=(docname, line),
            type="healedheart",
            subtype="updated",
        )
        return
    for info in infos:
        date = info.get("date")
        if date and updated < date.date():
            logger.warning(
                "'updated' (%s) is before the post's date (%s). Write the day you "
                "last changed the post, or remove the line.",
                updated.isoformat(),
                date.date().isoformat(),
                location=(docname, line),
                type="healedheart",
                subtype="updated",
            )
            continue
        stamp = dt.datetime(updated.year, updated.month, updated.day)
        info["update"] = max(info["update"], stamp) if info.get("update") else stamp


def _local(app: Sphinx, when: dt.datetime | dt.date) -> dt.datetime:
    """Midnight of that day where the author lives: posts carry dates, not times."""
    day = when.date() if isinstance(when, dt.datetime) else when
    return dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(app.config.blog_timezone))


# -- A post's HTML for feeds -----------------------------------------------------


def feed_html(body: str, page_url: str) -> str:
    """A post page's body as a feed entry's content.

    Drops the title, the date/tags header and the ¶ permalinks (the reader's app
    shows title and date itself), and makes every URL absolute against the post's
    own address, so that links, images and anchors work inside a feed reader.
    """
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for element in root.xpath(_PAGE_FURNITURE):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        for name in _URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                element.set(name, _absolute(page_url, value))
        srcset = element.get("srcset")
        if srcset is not None:
            element.set("srcset", _absolute_srcset(page_url, srcset))
    parts = [root.text or ""]
    parts += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(parts).replace("\r\n", "\n").strip()


def _absolute(base: str, url: str) -> str:
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return url


def _absolute_srcset(base: str, srcset: str) -> str:
    candidates = []
    for candidate in srcset.split(","):
        url, _sep, descriptor = candidate.strip().partition(" ")
        if url:
            candidates.append(f"{_absolute(base, url)} {descriptor.strip()}".strip())
    return ", ".join(candidates)


class FeedCache:
    """What the feeds were made from: the feeds' part of the build's cache (``cache``).

    For each post, its feed HTML and excerpt, with the modification time and size
    of its page file as written then: not trusted once those change (a page written
    without passing here: a parallel write, an interrupted build). For each feed, a
    fingerprint of everything it says and the stamps of its files: a feed whose
    fingerprint and files are unchanged is not written again.
    """

    def __init__(self, kept: dict[str, Any]):
        self.posts: dict[str, dict[str, Any]] = kept.setdefault("posts", {})
        self.feeds: dict[str, dict[str, Any]] = kept.setdefault("feeds", {})
        self.captured: dict[str, tuple[str, str]] = {}  # in this build: (html, summary)

    def post(self, docname: str, page_file: Path) -> tuple[str, str] | None:
        """The post's (HTML, summary), if they stand for its page as it is now."""
        if docname in self.captured:
            self.put_post(docname, page_file, *self.captured.pop(docname))
        entry = self.posts.get(docname)
        if entry and entry.get("stamp") == _stamp(page_file):
            return entry["html"], entry["summary"]
        return None

    def put_post(self, docname: str, page_file: Path, html_text: str, summary: str) -> None:
        self.posts[docname] = {"stamp": _stamp(page_file), "html": html_text, "summary": summary}

    def feed_is_current(self, page: str, fingerprint: str, files: list[Path]) -> bool:
        entry = self.feeds.get(page)
        return bool(entry) and entry == {"fingerprint": fingerprint, "files": _stamps(files)}

    def put_feed(self, page: str, fingerprint: str, files: list[Path]) -> None:
        self.feeds[page] = {"fingerprint": fingerprint, "files": _stamps(files)}

    def forget_all_but(self, posts: set[str], feeds: set[str]) -> None:
        """Forget the posts and feeds that are gone."""
        for kept, table in ((posts, self.posts), (feeds, self.feeds)):
            for key in set(table) - kept:
                del table[key]


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_mtime_ns, stat.st_size]


def _stamps(paths: list[Path]) -> list[list[int] | None]:
    return [_stamp(path) for path in paths]


def _cache(app: Sphinx) -> FeedCache:
    cache = state.of(app).feed_cache
    if cache is None:
        cache = FeedCache(cache_of(app).part("feeds"))
        state.of(app).feed_cache = cache
    return cache


def page_url(app: Sphinx, docname: str) -> str:
    """The permanent, absolute address of a page."""
    return app.config.html_baseurl + app.builder.get_target_uri(docname)


def capture_post_html(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep a post page's body, as it is written, for the feeds (no extra rendering)."""
    if doctree is None or "body" not in context or not _active(app):
        return
    blog = registered_blog(app)
    if pagename not in blog:
        return
    if pagename not in _fed_posts(app):
        return  # no feed shows it (each feed holds the newest blog_feed_length posts)
    in_worker = os.getpid() != (state.of(app).main_process or os.getpid())
    captured = (feed_html(context["body"], page_url(app, pagename)), excerpt_text(blog[pagename]))
    _cache(app).captured[pagename] = captured
    if in_worker:
        _hand_over(app, pagename, captured)


# In a parallel write (sphinx-build -j), post pages are written by worker processes:
# what capture_post_html keeps there would be lost, and the main process would
# render the body of every post in a feed again (about 1.5 s at 1000 posts). The
# workers leave it in a folder beside the doctrees, emptied at the start of every
# write, so only this build's pages are taken from it.
HANDOVER_FOLDER = "healedheart-feed-bodies"


def prepare_handover(app: Sphinx, builder: Any) -> None:
    """Sphinx ``write-started`` (main process): empty the folder; which posts are fed."""
    state.of(app).main_process = os.getpid()
    shutil.rmtree(Path(app.doctreedir) / HANDOVER_FOLDER, ignore_errors=True)
    if _active(app) and getattr(builder, "parallel_ok", False):
        _fed_posts(app)  # worked out once, before the workers are forked


def _fed_posts(app: Sphinx) -> set[str]:
    """The posts some feed shows (once per build, in the writing phase)."""
    fed = state.of(app).fed
    if fed is None:
        fed = {post.docname for feed in site_feeds(app) for post in feed.posts}
        state.of(app).fed = fed
    return fed


def _hand_over(app: Sphinx, pagename: str, captured: tuple[str, str]) -> None:
    folder = Path(app.doctreedir) / HANDOVER_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(pagename.encode("utf-8")).hexdigest()
    tmp = folder / f"{name}.{os.getpid()}.tmp"
    tmp.write_bytes(pickle.dumps((pagename, captured)))
    os.replace(tmp, folder / f"{name}.pickle")


def _take_over(app: Sphinx, cache: FeedCache) -> None:
    """The bodies the workers of this build left, into the cache's captured ones."""
    folder = Path(app.doctreedir) / HANDOVER_FOLDER
    for path in sorted(folder.glob("*.pickle")):
        pagename, captured = pickle.loads(path.read_bytes())
        cache.captured.setdefault(pagename, captured)
    shutil.rmtree(folder, ignore_errors=True)


def excerpt_text(post: Post) -> str:
    """The post's excerpt (ABlog's: its first paragraph) as one line of plain text."""
    return " ".join(" ".join(node.astext() for node in post.excerpt).split())


def render_page_body(app: Sphinx, docname: str) -> str:
    """Render a post page's body as the HTML builder's ``write_doc`` does.

    Only for a post whose page was written where ``capture_post_html`` could not
    see it (a parallel write) and whose cached HTML is missing or stale.
    """
    builder = app.builder
    doctree = app.env.get_and_resolve_doctree(docname, builder, tags=builder.tags)
    # The per-page state write_doc sets; put back afterwards (it may not exist yet).
    names = ("imgpath", "dlpath", "current_docname", "secnumbers", "fignumbers")
    saved = {name: getattr(builder, name) for name in names if hasattr(builder, name)}
    target = builder.get_target_uri(docname)
    try:
        builder.imgpath = relative_uri(target, builder.imagedir)
        builder.post_process_images(doctree)  # as write_doc_serialized does
        builder.imgpath = relative_uri(target, "_images")
        builder.dlpath = relative_uri(target, "_downloads")
        builder.current_docname = docname
        builder.secnumbers = app.env.toc_secnumbers.get(docname, {})
        builder.fignumbers = app.env.toc_fignumbers.get(docname, {})
        doctree.settings = builder.docsettings
        visitor = builder.create_translator(doctree, builder)
        doctree.walkabout(visitor)
        return "".join(visitor.fragment)
    finally:
        for name, value in saved.items():
            setattr(builder, name, value)


# -- Entries and the three formats ----------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What every format says about one post."""

    url: str  # the post's permanent address: also its id, everywhere
    title: str
    published: dt.datetime
    updated: dt.datetime
    authors: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]  # (name, scheme) for tags and categories
    summary: str  # the excerpt, as plain text
    content: str  # the full text, as HTML with absolute URLs

    def digest(self) -> str:
        """A fingerprint of everything the entry says."""
        fields = [self.url, self.title, self.published.isoformat(), self.updated.isoformat()]
        fields += [list(self.authors), [list(t) for t in self.tags], self.summary, self.content]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _entries(app: Sphinx, feeds: list[Feed]) -> dict[str, Entry]:
    """One entry per post in any feed, each post's HTML taken or rendered once."""
    cache = _cache(app)
    _take_over(app, cache)
    base = app.config.html_baseurl
    blog_path = app.config.blog_path
    default_authors = _feed_authors(app)
    entries: dict[str, Entry] = {}
    for feed in feeds:
        for post in feed.posts:
            if post.docname in entries:
                continue
            url = page_url(app, post.docname)
            page_file = Path(app.builder.get_outfilename(post.docname))
            text = cache.post(post.docname, page_file)
            if text is None:
                text = feed_html(render_page_body(app, post.docname), url), excerpt_text(post)
                cache.put_post(post.docname, page_file, *text)
            content, summary = text
            published = _local(app, post.date)
            updated = _local(app, post.update) if post.update else published
            tags = [(str(c), f"{base}{blog_path}/category/") for c in post.category]
            tags += [(str(t), f"{base}{blog_path}/tag/") for t in post.tags]
            entries[post.docname] = Entry(
                url=url,
                title=_xml_safe(post.title),
                published=published,
                updated=max(updated, published),
                authors=tuple(str(a) for a in post.author) or default_authors,
                tags=tuple(tags),
                summary=_xml_safe(summary),
                content=_xml_safe(content),
            )
    return entries


def _feed_authors(app: Sphinx) -> tuple[str, ...]:
    config = app.config
    keys = config.blog_default_author or []
    if isinstance(keys, str):
        keys = [keys]
    names = tuple(config.blog_authors[k][0] for k in keys if k in config.blog_authors)
    return names or (config.author,)


def _updated(entries: list[Entry]) -> dt.datetime:
    """The feed's last change: its most recently published or updated entry."""
    return max((e.updated for e in entries), default=NO_DATE)


def _feedgen(app: Sphinx, feed: Feed, entries: list[Entry], fmt: Format) -> FeedGenerator:
    base = app.config.html_baseurl
    home = page_url(app, feed.page)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    # The whole blog's Atom id is the site's address, as ABlog had it: keep it so
    # that readers already subscribed see the same feed.
    fg.id(base if feed.page == app.config.blog_path else home)
    fg.title(_xml_safe(feed.title))
    fg.subtitle(_xml_safe(feed.description))
    fg.author([{"name": name} for name in _feed_authors(app)])
    fg.link(href=base + feed.path(fmt), rel="self", type=fmt.media_type)
    fg.link(href=home, rel="alternate", type="text/html")  # last: RSS's <link>
    fg.language(app.config.language or "en")
    fg.generator(GENERATOR)
    updated = _updated(entries)
    fg.updated(updated)  # also RSS's lastBuildDate: never the build time
    if entries:
        fg.pubDate(max(e.published for e in entries))
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.url)
        fe.guid(entry.url, permalink=True)
        fe.title(entry.title)
        fe.link(href=entry.url, rel="alternate", type="text/html")
        fe.published(entry.published)
        fe.updated(entry.updated)
        fe.author([{"name": name} for name in entry.authors])
        if fmt is RSS:
            fe.dc.dc_creator(list(entry.authors))
            # RSS descriptions are HTML by custom: escape the plain-text excerpt.
            fe.description(html.escape(entry.summary, quote=False))
        else:
            fe.summary(entry.summary, type="text")
        fe.content(entry.content, type="html")
        for name, scheme in entry.tags:
            fe.category(term=name, scheme=scheme, label=name)
    return fg


def atom_bytes(app: Sphinx, feed: Feed, entries: list[Entry]) -> bytes:
    return _feedgen(app, feed, entries, ATOM).atom_str(pretty=True)


def rss_bytes(app: Sphinx, feed: Feed, entries: list[Entry]) -> bytes:
    return _feedgen(app, feed, entries, RSS).rss_str(pretty=True)


def json_feed_bytes(app: Sphinx, feed: Feed, entries: list[Entry]) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    base = app.config.html_baseurl
    data: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": page_url(app, feed.page),
        "feed_url": base + feed.path(JSON_FEED),
        "description": feed.description,
        "language": app.config.language or "en",
        "authors": [{"name": name} for name in _feed_authors(app)],
        "items": [
            {
                "id": e.url,
                "url": e.url,
                "title": e.title,
                "content_html": e.content,
                "summary": e.summary,
                "date_published": e.published.isoformat(),
                "date_modified": e.updated.isoformat(),
                "authors": [{"name": name} for name in e.authors],
                "tags": list(dict.fromkeys(name for name, _scheme in e.tags)),
            }
            for e in entries
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


WRITERS = {ATOM: atom_bytes, RSS: rss_bytes, JSON_FEED: json_feed_bytes}


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_feeds(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """Sphinx ``html-collect-pages``: write every feed (ABlog writes none: ``site.py``)."""
    if _active(app):
        write_every_feed(app)
    return []


def write_every_feed(app: Sphinx) -> None:
    """Write the feeds' files that changed, and keep what they were made from."""
    feeds = site_feeds(app)
    entries = _entries(app, feeds)
    digests = {docname: entry.digest() for docname, entry in entries.items()}
    cache = _cache(app)
    outdir = Path(app.outdir)
    for feed in feeds:
        feed_entries = [entries[post.docname] for post in feed.posts]
        files = [outdir / feed.path(fmt) for fmt in FORMATS]
        fingerprint = _fingerprint(app, feed, [digests[post.docname] for post in feed.posts])
        if cache.feed_is_current(feed.page, fingerprint, files):
            continue  # a no-change rebuild: the same bytes are there already
        for fmt, path in zip(FORMATS, files, strict=True):
            _write_if_changed(path, WRITERS[fmt](app, feed, feed_entries))
        cache.put_feed(feed.page, fingerprint, files)
    cache.forget_all_but(
        posts=set(app.config.matched_blog_posts) | set(entries),
        feeds={feed.page for feed in feeds},
    )


def _fingerprint(app: Sphinx, feed: Feed, entry_digests: list[str]) -> str:
    """Everything a feed's three files are made from, this code included."""
    config = app.config
    fields = [_code_digest(), config.html_baseurl, config.language, list(_feed_authors(app))]
    fields += [feed.page, feed.title, feed.description, entry_digests]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@functools.cache
def _code_digest() -> str:
    """This module's source and the versions of the libraries that write the files."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{feedgen.version.version_str} {lxml.etree.LXML_VERSION}".encode())
    return digest.hexdigest()


# -- Telling readers ------------------------------------------------------------


def add_feed_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give templates the feeds to advertise: the blog's, and a tag's or category's own."""
    if not _active(app):
        return
    feeds = site_feeds(app)
    context["blog_feeds"] = feeds[0].links()
    own = next((f for f in feeds[1:] if f.page == pagename), None)
    context["page_feeds"] = own.links() if own else []
    context["page_feeds_heading"] = own.only if own else ""
    context["subscribe_page"] = SUBSCRIBE_PAGE if SUBSCRIBE_PAGE in app.env.found_docs else ""


class feed_addresses(nodes.General, nodes.Element):
    """Where the list of the blog's feed addresses goes; filled in at write time."""


class FeedAddresses(Directive):
    """``{feed-addresses}``: the whole blog's feed addresses, in full, to copy.

    Filled in when the page is written, so that the addresses follow the site's
    address (``html_baseurl`` or ``SITE_URL``) of that build.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        return [feed_addresses()]


def resolve_feed_addresses(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(feed_addresses)):
        items = nodes.bullet_list(classes=["feed-addresses"])
        base = app.config.html_baseurl
        for fmt in FORMATS:
            url = f"{base}{app.config.blog_path}/{fmt.filename}"
            label = f"{fmt.label} (recommended)" if fmt is ATOM else fmt.label
            para = nodes.paragraph()
            para += nodes.strong(label, label)
            para += nodes.Text(": ")
            para += nodes.reference(url, url, refuri=url, classes=["feed-address"])
            items += nodes.list_item("", para)
        node.replace_self(items)
