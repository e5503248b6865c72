"""A "Reply by email" link under each post when ``blog_reply_email`` is set (docs/replies.md)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

# Deliberately loose: one "@", something either side, no spaces or URL syntax.
_ADDRESS = re.compile(r"^[^@\s?&#/:<>\"]+@[^@\s?&#/:<>\"]+\.[^@\s?&#/:<>\"]+$")


def check_address(app: Sphinx, config: Config) -> None:
    """Stop the build, in plain English, if the reply address is not an address."""
    address = (config.blog_reply_email or "").strip()
    config.blog_reply_email = address
    if address and not _ADDRESS.match(address):
        raise ConfigError(
            f"conf.py: blog_reply_email is {address!r}, which is not an email address. "
            "Write the address readers' replies should go to, for example "
            'blog_reply_email = "replies@example.org", or leave it empty '
            '(blog_reply_email = "") to show no reply link.'
        )


def reply_link(address: str, title: str) -> str:
    """A ``mailto:`` link to ``address`` with the post's title as the subject."""
    return f"mailto:{quote(address, safe='@')}?subject={quote(title, safe='')}"


def add_reply_link(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give a post page's template ``reply_url``, when the author has an address set."""
    blog = context.get("ablog")
    address = app.config.blog_reply_email
    if not address or blog is None or doctree is None or pagename not in blog:
        return
    context["reply_url"] = reply_link(address, blog[pagename].title)
