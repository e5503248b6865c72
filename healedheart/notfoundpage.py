"""The 404 page (sphinx-notfound-page): links from the path of ``html_baseurl``, so
that it works at any depth of address, and moved to ``/404.html``, where hosts look.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config

FILENAME = "404.html"


def set_prefix(app: Sphinx, config: Config) -> None:
    """Links on the 404 page start at the site's root path (after ``site.apply_base_url``)."""
    path = urlsplit(config.html_baseurl).path or "/"
    config.notfound_urls_prefix = path if path.endswith("/") else path + "/"


def adjust_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """No canonical link; the root for scripts is the site's root, not ``../``."""
    if pagename != app.config.notfound_pagename:
        return
    context["pageurl"] = None
    # sphinx-notfound-page links the home page as "#" (its address is empty in
    # dirhtml), which on /no/such/page/ goes nowhere: give it the site's root.
    prefix = app.config.notfound_urls_prefix
    root_doc = app.config.root_doc
    absolute_pathto = context["pathto"]

    def pathto(otheruri: str, resource: bool = False, baseuri: str = prefix) -> str:
        uri = absolute_pathto(otheruri, resource, baseuri)
        if uri == "#" and not resource and otheruri == root_doc:
            return prefix
        return uri

    context["pathto"] = pathto
    # Sphinx's scripts read <html data-content_root>: relative, it would break
    # on /no/such/deep/page/.
    context["content_root"] = prefix


def move_to_top(app: Sphinx, exception: Exception | None) -> None:
    """``404/index.html`` (dirhtml) becomes ``404.html``, where hosts look for it."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pagename = app.config.notfound_pagename
    written = Path(app.builder.get_outfilename(pagename))
    wanted = outdir / FILENAME
    if written == wanted or not written.is_file():
        return
    if wanted.is_file() and wanted.read_bytes() == written.read_bytes():
        written.unlink()  # the same page: the one there keeps its date
    else:
        shutil.move(written, wanted)
    folder = written.parent
    if folder != outdir and not any(folder.iterdir()):
        folder.rmdir()
