"""The site's public address: ``html_baseurl`` in conf.py, or ``SITE_URL`` (a fork)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

ENV_VAR = "SITE_URL"


def resolve_base_url(configured: str | None, environ: Mapping[str, str]) -> str:
    """Return the site's address, ending in ``/``: ``SITE_URL`` wins over conf.py."""
    url = (environ.get(ENV_VAR) or configured or "").strip()
    source = f"the {ENV_VAR} environment variable" if environ.get(ENV_VAR) else "conf.py"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"The site's address {url!r} (from {source}) is not a web address. "
            "Set html_baseurl in conf.py, or SITE_URL, to something like "
            "https://blog.example.org/"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"The site's address {url!r} (from {source}) must not contain '?' or '#'."
        )
    return url if url.endswith("/") else url + "/"


def apply_base_url(app: Sphinx, config: Config) -> None:
    """Give every consumer of the address the same value."""
    url = resolve_base_url(config.html_baseurl, os.environ)
    config.html_baseurl = url
    # ABlog writes its one Atom feed only when blog_baseurl is set: left empty, it
    # writes none, and healedheart.feeds writes the site's (public seam, no swap).
    config.blog_baseurl = ""


# Pages that are tools, not content: a search engine should not list them.
NOT_IN_SITEMAP = ("search/", "genindex/", "py-modindex/")


def keep_tools_out_of_sitemap(app: Sphinx, config: Config) -> None:
    """Leave the search page and Sphinx's indices out of sitemap.xml."""
    excludes = list(getattr(config, "sitemap_excludes", None) or [])
    config.sitemap_excludes = excludes + [p for p in NOT_IN_SITEMAP if p not in excludes]


def custom_domain(base_url: str) -> str | None:
    """The custom domain a host should serve the site on, or None on github.io."""
    host = urlsplit(base_url).hostname or ""
    if not host or host.endswith(".github.io") or host in ("localhost", "127.0.0.1"):
        return None
    return host


def page_url(app: Sphinx, pagename: str) -> str:
    """The permanent, absolute address of a page."""
    return app.config.html_baseurl + app.builder.get_target_uri(pagename)


def write_if_changed(path: Path, data: bytes | str) -> None:
    """Write ``path`` only if it would change: a rebuild leaves a page's date alone."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_cname(app: Sphinx, exception: Exception | None) -> None:
    """Write ``CNAME`` (the custom domain) beside the site, from the one base URL."""
    if exception is not None or app.builder.format != "html":
        return
    domain = custom_domain(app.config.html_baseurl)
    cname = Path(app.outdir) / "CNAME"
    if domain:
        write_if_changed(cname, domain + "\n")
    elif cname.exists():
        cname.unlink()
