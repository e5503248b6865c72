"""What a page tells the apps it is shared to, and search engines.

Open Graph tags (sphinxext-opengraph writes them; here, per page: a post's excerpt,
``og:type`` article, its first image or the site's card; and the tags themselves on
ABlog's generated pages, which have no doctree), ``<meta name="description">``, and
JSON-LD (``BlogPosting`` on a post, ``WebSite`` on the home page). Not on the 404 page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from ablog import builder_support
from ablog.blog import Post
from docutils import nodes
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.locale import _

from . import frontmatter, readingtime, state
from .posts import registered_blog
from .site import page_url

# sphinxext-opengraph prints a notice on import that matplotlib is missing, for the
# generated cards this site does not use (ogp_social_cards): import it quietly, here,
# before Sphinx loads it (healedheart's setup() loads it, not conf.py's list).
with contextlib.redirect_stdout(io.StringIO()):
    from sphinxext.opengraph import IMAGE_MIME_TYPES, get_tags

# The longest description, in characters: what search results and cards show.
DESCRIPTION_LENGTH = 300
# The size of the site's social card in _static (tests check the file).
CARD_SIZE = (1200, 630)
NOT_FOR_SHARING = ("404",)


def configure(app: Sphinx, config: Config) -> None:
    """Card URLs follow the site's one address (after ``site.apply_base_url``)."""
    config.ogp_site_url = config.html_baseurl


# -- Helpers ---------------------------------------------------------------------


def plain(text: str) -> str:
    """Collapse whitespace: descriptions are one line."""
    return " ".join(text.split())


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    text = plain(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-\u2013\u2014")  # and en and em dashes
    return cut + "…"


def post_of(app: Sphinx, pagename: str) -> Post | None:
    """The ABlog post a page is, or None (ABlog's context is not yet set at 450)."""
    if not builder_support(app):
        return None
    blog = registered_blog(app)
    return blog[pagename] if pagename in blog else None  # noqa: SIM401 (Blog has no .get)


def post_dates(app: Sphinx, docname: str) -> tuple[dt.date, dt.date] | None:
    """A post's ``date:`` and last change (``updated:`` if later), from its front matter."""
    status = state.of(app).statuses.get(docname)  # read before Sphinx started
    if status is not None:
        date, updated = status.date, status.updated
    else:
        try:
            path = Path(app.env.doc2path(docname))
            matter = frontmatter.read(path, path.relative_to(app.srcdir).as_posix())
        except (OSError, frontmatter.PostError):
            return None
        date, updated = (frontmatter.as_date(matter.fields.get(k)) for k in ("date", "updated"))
    if date is None:
        return None
    return date, max(date, updated) if updated else date


def _local_iso(app: Sphinx, day: dt.date) -> str:
    """Midnight of ``day`` where the author lives: posts carry dates, not times."""
    zone = ZoneInfo(app.config.blog_timezone)
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).isoformat()


def text_of(node: nodes.Node) -> str:
    """The words of ``node`` as a reader sees them: raw HTML and comments left out."""
    hidden = (nodes.raw, nodes.comment)
    return "".join(str(t) for t in node.findall(nodes.Text) if not isinstance(t.parent, hidden))


def excerpt_text(post: Any) -> str:
    return plain(" ".join(text_of(node) for node in post.excerpt or ()))


def opening_text(doctree: nodes.Node) -> str:
    """A page's opening paragraphs as one line of text (not notes or comments)."""
    words: list[str] = []
    for paragraph in doctree.findall(nodes.paragraph):
        parent = paragraph.parent
        while parent is not None and not isinstance(parent, (nodes.Admonition, nodes.Invisible)):
            parent = parent.parent
        if parent is not None:
            continue
        words.append(plain(text_of(paragraph)))
        if sum(len(w) for w in words) > DESCRIPTION_LENGTH:
            break
    return " ".join(words)


def first_image(app: Sphinx, pagename: str, doctree: nodes.Node) -> tuple[str, str] | None:
    """The absolute URL and alt text of a page's first image a card can show."""
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if not uri or urlsplit(uri).scheme or uri.startswith("//"):
            continue  # data: URIs and other sites' images cannot be cards
        if Path(urlsplit(uri).path).suffix[1:].lower() not in IMAGE_MIME_TYPES:
            continue  # SVG and the like: share apps do not show them
        return urljoin(page_url(app, pagename), uri), image.get("alt", "")
    return None


def default_image(app: Sphinx) -> str:
    return urljoin(app.config.html_baseurl, app.config.ogp_image or "")


def _meta(name: str, content: str, attribute: str = "name") -> str:
    return f'<meta {attribute}="{name}" content="{html.escape(content, quote=True)}">'


def _json_ld(data: dict[str, Any]) -> str:
    """A JSON-LD block that cannot end its <script> early, whatever the text holds."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


# -- Open Graph, Twitter card, description ---------------------------------------


def _generated_page_description(app: Sphinx, context: dict[str, Any]) -> str:
    """What one of ABlog's pages lists, in a sentence."""
    site = app.config.project
    collection = context.get("collection")
    header = context.get("header")
    title = plain(html.unescape(str(context.get("title") or "")))
    if context.get("pagename") == "search":
        return f"Search {site}."
    if collection is not None and context.get("pagename") == app.config.blog_path:
        return app.config.blog_feed_subtitle or f"All posts on {site}."
    if collection is not None and header:
        return f"{header} “{collection}” on {site}."
    if collection is not None:
        return f"{title}: posts on {site}."
    return f"{title}: every post on {site}, grouped."


def add_sharing_meta(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Per-page card and description, as overrides in ``context["meta"]``, which
    sphinxext-opengraph reads (a copy: the dict belongs to the environment)."""
    if pagename in NOT_FOR_SHARING:
        return
    config = app.config
    fields = dict(context.get("meta") or {})
    extra: list[str] = []
    description = ""
    image = None
    post = post_of(app, pagename)
    if post is not None and doctree is not None:
        description = shorten(excerpt_text(post))
        fields["og:type"] = "article"
        image = first_image(app, pagename, doctree)
        if dates := post_dates(app, pagename):
            extra.append(_meta("article:published_time", _local_iso(app, dates[0]), "property"))
            extra.append(_meta("article:modified_time", _local_iso(app, dates[1]), "property"))
        for tag in post.tags or ():
            extra.append(_meta("article:tag", str(tag), "property"))
    elif pagename == config.root_doc:
        description = config.blog_feed_subtitle or ""
    elif doctree is None:
        description = _generated_page_description(app, context)
    else:
        # sphinxext-opengraph's own would cut a word in half and join words across
        # line breaks ("Development(CPD)").
        description = shorten(opening_text(doctree))
    if image is not None:
        fields["og:image"], alt = image
        fields["og:image:alt"] = html.escape(alt or config.ogp_image_alt or config.project, False)
    elif config.ogp_image:
        fields["og:image"] = default_image(app)
        fields["og:image:alt"] = html.escape(config.ogp_image_alt or config.project, False)
        fields["og:image:width"], fields["og:image:height"] = map(str, CARD_SIZE)
    if description:
        # sphinxext-opengraph escapes only quotes in what it is given.
        fields["og:description"] = html.escape(description, quote=False)
        # Before sphinxext-opengraph's, which would take the page's first words.
        extra.insert(0, _meta("description", description))
    context["meta"] = fields
    metatags = context.get("metatags", "")
    if doctree is None:
        # sphinxext-opengraph skips pages without a doctree: write its tags here.
        # Sphinx's search page has its title in its template only.
        title = context.get("title") or (_("Search") if pagename == "search" else config.project)
        titled = {**context, "title": title}
        metatags += "\n" + get_tags(
            titled,
            new_document(pagename),
            srcdir=app.srcdir,
            outdir=app.outdir,
            config=config,
            builder=app.builder,
            env=app.env,
        )
    context["metatags"] = metatags + "\n" + "\n".join(extra) + "\n"


# -- JSON-LD -------------------------------------------------------------------------


def _publisher(app: Sphinx) -> dict[str, Any]:
    config = app.config
    return {
        "@type": "Organization",
        "name": config.copyright or config.author,
        "url": config.html_baseurl,
    }


def _author(app: Sphinx, post: Any) -> list[dict[str, Any]] | dict[str, Any]:
    config = app.config
    about = page_url(app, "about") if "about" in app.env.found_docs else None
    people = []
    for author in post.author or ():
        person: dict[str, Any] = {"@type": "Person", "name": str(author)}
        link = getattr(author, "href", None) or about
        if link:
            person["url"] = link
        people.append(person)
    if not people:
        people = [{"@type": "Person", "name": config.author}]
    return people[0] if len(people) == 1 else people


def blog_posting(app: Sphinx, pagename: str, post: Any, image: str) -> dict[str, Any]:
    """schema.org BlogPosting for one post."""
    url = page_url(app, pagename)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "description": shorten(excerpt_text(post)),
        "author": _author(app, post),
        "publisher": _publisher(app),
        "image": image,
        "inLanguage": app.config.language or "en",
        "isPartOf": {
            "@type": "Blog",
            "name": app.config.blog_title,
            "url": page_url(app, app.config.blog_path),
        },
    }
    if dates := post_dates(app, pagename):
        data["datePublished"] = _local_iso(app, dates[0])
        data["dateModified"] = _local_iso(app, dates[1])
    if tags := [str(tag) for tag in post.tags or ()]:
        data["keywords"] = tags
    if sections := [str(c) for c in post.category or ()]:
        data["articleSection"] = sections[0] if len(sections) == 1 else sections
    if minutes := readingtime.reading_minutes(app.env, pagename):
        data["timeRequired"] = f"PT{minutes}M"
    return data


def web_site(app: Sphinx) -> dict[str, Any]:
    """schema.org WebSite for the home page."""
    config = app.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.project,
        "url": config.html_baseurl,
        "inLanguage": config.language or "en",
        "publisher": _publisher(app),
    }
    if config.blog_feed_subtitle:
        data["description"] = config.blog_feed_subtitle
    return data


def add_json_ld(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """BlogPosting on a published post, WebSite on the home page."""
    post = post_of(app, pagename)
    data = None
    if post is not None and doctree is not None:
        if post.published:
            image = (context.get("meta") or {}).get("og:image") or default_image(app)
            data = blog_posting(app, pagename, post, image)
    elif pagename == app.config.root_doc:
        data = web_site(app)
    if data is not None:
        context["metatags"] = context.get("metatags", "") + _json_ld(data) + "\n"
