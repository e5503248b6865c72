"""Atom, RSS and JSON Feed for the blog, each tag and each category (docs/feeds.md).

Each entry is a published post in full, links absolute, dated at midnight in
``blog_timezone``. Once every page is written, each fed post is read back from its
page file (serial and ``-j`` builds alike), kept in the build's cache under the
file's stamp: a rebuild reads only rewritten pages and writes only changed feeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import ablog
import lxml.html
from ablog.blog import Post
from docutils import nodes
from docutils.parsers.rst import Directive
from feedgen.feed import FeedGenerator
from sphinx.application import Sphinx
from sphinx.util import logging

from . import frontmatter, publishing, state
from .cache import of as cache_of
from .posts import registered_blog
from .site import page_url, write_if_changed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """One of the three feed formats: its file name, media type and names for people."""

    filename: str
    media_type: str
    label: str
    link_text: str


ATOM = Format("atom.xml", "application/atom+xml", "Atom", "Atom feed")
RSS = Format("rss.xml", "application/rss+xml", "RSS", "RSS feed")
JSON_FEED = Format("feed.json", "application/feed+json", "JSON Feed", "JSON Feed")
FORMATS = (ATOM, RSS, JSON_FEED)

# The site page that explains feeds to readers; linked from the sidebar if it exists.
SUBSCRIBE_PAGE = "subscribe"
# The ``updated`` of a feed with no entries (never the build time).
NO_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
GENERATOR = "Sphinx, ABlog and healedheart"

# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Attributes holding one URL; ``srcset`` holds several.
_URL_ATTRIBUTES = ("href", "src", "poster", "cite", "longdesc", "action", "data")
# Around the text: what a reader's app shows itself (title, date/tags header, ¶
# links) and what templates/blog/post-footer.html adds (related posts, reply).
_PAGE_FURNITURE = "(.//h1)[1]" + "".join(
    f" | .//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
    for tag, name in (("div", "post-header"), ("a", "headerlink"), ("aside", "post-footer"))
)


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
            {"path": self.path(f), "type": f.media_type, "text": f.link_text, "title": title}
            for f in FORMATS
            for title in [f"{self.title} ({f.label})"]
        ]


def published_posts(app: Sphinx, posts: Any) -> list[Post]:
    """``posts`` less any not published, newest first, at most ``blog_feed_length``."""
    kept = sorted(publishing.published_posts(app, posts), key=lambda p: (p.date, p.docname))
    return kept[::-1][: app.config.blog_feed_length or None]


def site_feeds(app: Sphinx) -> list[Feed]:
    """Every feed (the blog's, then each tag's and category's with a published post)."""
    if state.of(app).feeds is not None:
        return state.of(app).feeds
    blog, config = registered_blog(app), app.config
    title = config.blog_title
    description = config.blog_feed_subtitle or title
    feeds = [Feed(config.blog_path, title, description, tuple(published_posts(app, blog.posts)))]
    for header, catalog in (("Posts tagged", blog.tags), ("Posts in", blog.category)):
        for collection in catalog:
            if posts := published_posts(app, collection):
                name = f"{header} {collection}"
                only = f"Only {header.lower()} “{collection}”"
                feeds.append(Feed(collection.docname, f"{title}: {name}", name, tuple(posts), only))
    state.of(app).feeds = feeds
    return feeds


def _active(app: Sphinx) -> bool:
    return bool(app.config.html_baseurl) and ablog.builder_support(app)


def record_updated(app: Sphinx, doctree: nodes.document) -> None:
    """Sphinx ``doctree-read``, after ABlog's: a post's ``updated:`` as its last update."""
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
    updated = frontmatter.as_date(matter.fields["updated"])
    dates = [info["date"].date() for info in infos if info.get("date")]
    if updated is None or any(updated < date for date in dates):
        problem = (
            f"'updated' is not a date ({matter.fields['updated']!r}). Write the day you last "
            "changed the post as YYYY-MM-DD, for example 'updated: 2025-10-02',"
            if updated is None
            else f"'updated' ({updated}) is before the post's date ({min(dates)}). Write the day "
            "you last changed the post,"
        )
        where = (docname, matter.line_of("updated"))
        logger.warning(
            f"{problem} or remove the line.", location=where, type="healedheart", subtype="updated"
        )
        return
    for info in infos:
        stamp = dt.datetime(updated.year, updated.month, updated.day)
        info["update"] = max(info["update"], stamp) if info.get("update") else stamp


def _local(app: Sphinx, when: dt.datetime | dt.date) -> dt.datetime:
    """Midnight of that day where the author lives: posts carry dates, not times."""
    day = when.date() if isinstance(when, dt.datetime) else when
    return dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(app.config.blog_timezone))


def feed_html(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The text of a post page's element ``root`` (its <article>) as a feed entry's content:
    no page furniture, every URL absolute against the post's address (for readers' apps)."""
    for element in root.xpath(_PAGE_FURNITURE):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        for name in _URL_ATTRIBUTES:
            if (value := element.get(name)) is not None:
                element.set(name, _absolute(page_url, value))
        if (srcset := element.get("srcset")) is not None:
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
    candidates = (c.strip().partition(" ") for c in srcset.split(","))
    return ", ".join(f"{_absolute(base, u)} {d.strip()}".strip() for u, _, d in candidates if u)


def page_text(page_file: Path, page_url: str) -> str:
    """The feed HTML of a written post page: its main article, less the furniture."""
    page = page_file.read_bytes()
    # Only the article is parsed (the sidebars and head would take twice as long).
    start, end = page.find(b'<article role="main"'), page.rfind(b"</article>")
    if 0 <= start < end:
        page = page[start : end + len(b"</article>")]
    parser = lxml.html.HTMLParser(encoding="utf-8")
    article = lxml.html.document_fromstring(page, parser=parser).xpath("//article[@role='main']")
    if not article:
        raise ValueError(f"{page_file} has no <article role=main> to take a feed entry from")
    return feed_html(article[0], page_url)


def _stamp(path: Path) -> list[int] | None:
    """A file's modification time and size: what says it was written again."""
    stat = path.stat() if path.exists() else None
    return [stat.st_mtime_ns, stat.st_size] if stat else None


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


def _entry(app: Sphinx, post: Post, content: str, summary: str) -> Entry:
    base = f"{app.config.html_baseurl}{app.config.blog_path}"
    published = _local(app, post.date)
    updated = _local(app, post.update) if post.update else published
    tags = [(str(c), f"{base}/category/") for c in post.category]
    tags += [(str(t), f"{base}/tag/") for t in post.tags]
    return Entry(
        url=page_url(app, post.docname),
        title=_NOT_XML.sub("", post.title),
        published=published,
        updated=max(updated, published),
        authors=tuple(str(a) for a in post.author) or _feed_authors(app),
        tags=tuple(tags),
        summary=_NOT_XML.sub("", summary),
        content=_NOT_XML.sub("", content),
    )


def _feed_authors(app: Sphinx) -> tuple[str, ...]:
    config = app.config
    keys = config.blog_default_author or []
    keys = [keys] if isinstance(keys, str) else keys
    names = tuple(config.blog_authors[k][0] for k in keys if k in config.blog_authors)
    return names or (config.author,)


def feedgen_bytes(app: Sphinx, feed: Feed, entries: list[Entry], fmt: Format) -> bytes:
    """Atom or RSS 2.0, written by feedgen."""
    base = app.config.html_baseurl
    home = page_url(app, feed.page)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    # The whole blog's Atom id is the site's address, as ABlog had it: keep it so
    # that readers already subscribed see the same feed.
    fg.id(base if feed.page == app.config.blog_path else home)
    fg.title(_NOT_XML.sub("", feed.title))
    fg.subtitle(_NOT_XML.sub("", feed.description))
    fg.author([{"name": name} for name in _feed_authors(app)])
    fg.link(href=base + feed.path(fmt), rel="self", type=fmt.media_type)
    fg.link(href=home, rel="alternate", type="text/html")  # last: RSS's <link>
    fg.language(app.config.language or "en")
    fg.generator(GENERATOR)
    # The newest entry's last change; also RSS's lastBuildDate: never the build time.
    fg.updated(max((e.updated for e in entries), default=NO_DATE))
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
    return fg.atom_str(pretty=True) if fmt is ATOM else fg.rss_str(pretty=True)


def json_feed_bytes(app: Sphinx, feed: Feed, entries: list[Entry], fmt: Format) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    data: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": page_url(app, feed.page),
        "feed_url": app.config.html_baseurl + feed.path(JSON_FEED),
        "description": feed.description,
        "language": app.config.language or "en",
        "authors": [{"name": name} for name in _feed_authors(app)],
        "items": [
            dict(
                id=e.url,
                url=e.url,
                title=e.title,
                content_html=e.content,
                summary=e.summary,
                date_published=e.published.isoformat(),
                date_modified=e.updated.isoformat(),
                authors=[{"name": name} for name in e.authors],
                tags=list(dict.fromkeys(name for name, _scheme in e.tags)),
            )
            for e in entries
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_feeds(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """Sphinx ``html-collect-pages`` (every page is written by then): write the feeds.

    Kept: each post's HTML and excerpt under its page's stamp; each feed's fingerprint
    (what it says) and its files' stamps: written again when either differs."""
    if not _active(app):
        return []
    kept = cache_of(app).part("feeds")
    pages, written = kept.setdefault("posts", {}), kept.setdefault("feeds", {})
    feeds, entries, digests = site_feeds(app), {}, {}
    for post in {post.docname: post for feed in feeds for post in feed.posts}.values():
        page_file = Path(app.builder.get_outfilename(post.docname))
        page = pages.get(post.docname)
        if not page or page["stamp"] != _stamp(page_file):  # written again (or changed)
            html_text = page_text(page_file, page_url(app, post.docname))
            summary = " ".join(" ".join(n.astext() for n in post.excerpt).split())  # plain text
            page = {"stamp": _stamp(page_file), "html": html_text, "summary": summary}
            pages[post.docname] = page
        entries[post.docname] = entry = _entry(app, post, page["html"], page["summary"])
        digests[post.docname] = hashlib.sha256(repr(entry).encode()).hexdigest()
    for feed in feeds:
        files = [Path(app.outdir, feed.path(fmt)) for fmt in FORMATS]
        said = [feed.title, feed.description, [digests[post.docname] for post in feed.posts]]
        fingerprint = hashlib.sha256(json.dumps(said).encode()).hexdigest()
        if written.get(feed.page) == [fingerprint, [_stamp(f) for f in files]]:
            continue  # a no-change rebuild: the same bytes are there already
        for fmt, path in zip(FORMATS, files, strict=True):
            writer = json_feed_bytes if fmt is JSON_FEED else feedgen_bytes
            write_if_changed(path, writer(app, feed, [entries[p.docname] for p in feed.posts], fmt))
        written[feed.page] = [fingerprint, [_stamp(f) for f in files]]
    for table, now in ((pages, entries), (written, {feed.page for feed in feeds})):
        for gone in set(table) - set(now):
            del table[gone]
    return []


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
    """``{feed-addresses}``: the blog's feed addresses in full, for this build's address."""

    def run(self) -> list[nodes.Node]:
        return [feed_addresses()]


def resolve_feed_addresses(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Sphinx ``doctree-resolved``: the ``{feed-addresses}`` list for this build's address."""
    for node in list(doctree.findall(feed_addresses)):
        items = nodes.bullet_list(classes=["feed-addresses"])
        for fmt in FORMATS:
            url = f"{app.config.html_baseurl}{app.config.blog_path}/{fmt.filename}"
            label = f"{fmt.label} (recommended)" if fmt is ATOM else fmt.label
            link = nodes.reference(url, url, refuri=url, classes=["feed-address"])
            para = nodes.paragraph("", "", nodes.strong(label, label), nodes.Text(": "), link)
            items += nodes.list_item("", para)
        node.replace_self(items)
