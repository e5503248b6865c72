"""The synthetic posts as a Pelican site: the yardstick for the build times.

Pelican 4.12 with its default theme, an Atom feed of all posts and one per tag
and per category, absolute URLs, building the same posts (same text, same
links between posts, same tags, categories and dates) from Pelican's Markdown
format. Its full build is timed in the same run as ours, so that the ratio
between the two holds on a busy machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .synthetic import Post, body_markdown

SETTINGS_FILE = "pelicanconf.py"
SETTINGS = """\
# Pelican settings for the benchmark: defaults, plus the feeds the blog has.
AUTHOR = "Misma"
SITENAME = "To a healed heart"
SITEURL = "https://blog.mismascounselling.co.uk"
RELATIVE_URLS = False
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
PATH = "content"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
TAG_FEED_ATOM = "feeds/tag-{slug}.atom.xml"
"""


def _pelican_link(post: Post, target: Post) -> str:
    # Pelican's way to link to another source file, from the content folder.
    return "{filename}/" + target.path


def to_pelican(post: Post, posts: list[Post]) -> str:
    """The post in Pelican's Markdown format: metadata lines, then the body."""
    header = [
        f"Title: {post.title}",
        f"Date: {post.date.isoformat()}",
        f"Category: {post.category}",
        f"Tags: {', '.join(post.tags)}",
        f"Slug: {post.slug}",
    ]
    body = "\n\n".join(body_markdown(post, posts, _pelican_link))
    return "\n".join(header) + "\n\n" + body + "\n"


def write_site(dest: Path, posts: list[Post]) -> Path:
    """Write a Pelican site (settings and ``content/``) into ``dest``; returns ``dest``."""
    content = dest / "content"
    for post in posts:
        path = content / post.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_pelican(post, posts), encoding="utf-8")
    (dest / SETTINGS_FILE).write_text(SETTINGS, encoding="utf-8")
    return dest


def command(site: Path, output: Path) -> list[str]:
    """The command that builds ``site`` into ``output``, failing on any warning."""
    return [
        sys.executable,
        "-m",
        "pelican",
        str(site / "content"),
        "--settings",
        str(site / SETTINGS_FILE),
        "--output",
        str(output),
        "--fatal",
        "warnings",
        "--quiet",
    ]
