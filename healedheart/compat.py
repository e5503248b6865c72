"""Every private name of another package that this code base uses, in one place.

A private name (one a package does not document, or that starts with ``_``) can
change in any release without notice. Each one used here is listed in
``PRIVATE_NAMES`` with the versions it was tested against and what happens when
it is missing: always a fallback that keeps the site correct. Nothing else in
``healedheart`` may reach into another package's private names;
``tests/test_compat.py`` reads the code and fails if one is used outside this
module, or if the list grows past ten.

``TESTED`` is the set of versions the optional speed extension
(``healedheart.speed``) was measured and compared byte for byte against; it
turns itself off, with one line saying why, on any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The versions the code was last tested against (the pins in pyproject.toml).
TESTED = {
    "sphinx": "9.0.4",
    "docutils": "0.22.4",
    "myst-parser": "5.2.0",
    "ablog": "0.11.13",
    "furo": "2025.12.19",
    "sphinx-sitemap": "2.9.0",
}


@dataclass(frozen=True)
class PrivateName:
    """One private name of another package, why it is used and what happens without it."""

    package: str
    name: str
    used_by: str
    fallback: str


PRIVATE_NAMES = (
    PrivateName(
        "sphinx",
        "parallel_read_safe (set on ABlog's entry in app.extensions)",
        "compat.declare_parallel_read_safe, once posts.merge_posts merges ABlog's record",
        "left as ABlog declares it: a -j build reads serially (and warns)",
    ),
    PrivateName(
        "ablog",
        "ablog.blog.TOMORROW (set to the day after the author's today)",
        "publishing.exclude_unpublished: ABlog's published-or-draft line in her time zone",
        "without it, ABlog's own line (the build machine's tomorrow): only a post dated "
        "today could be filed as a draft, in the hour after midnight in summer",
    ),
    PrivateName(
        "sphinx",
        "Builder._read_parallel (wrapped on the build's builder)",
        "speed.parallel.share_out: one reading part per process",
        "speed turns it off on an untested Sphinx: Sphinx's own small parts",
    ),
    PrivateName(
        "sphinx",
        "sphinx.builders.make_chunks (replaced while reading)",
        "speed.parallel.one_part_per_process",
        "as above",
    ),
    PrivateName(
        "sphinx",
        "Builder._write_parallel (wrapped on the build's builder)",
        "speed.parallel.share_out: N writers, not N - 1",
        "as above: N - 1 writers",
    ),
)


def installed(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def untested(packages: tuple[str, ...]) -> list[str]:
    """``"name found (tested with v)"`` for each of ``packages`` not at its tested version."""
    return [
        f"{name} {installed(name)} (tested with {TESTED[name]})"
        for name in packages
        if installed(name) != TESTED[name]
    ]


def declare_parallel_read_safe(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: ABlog's state is merged (``parallelread``), so say it is safe.

    ABlog declares itself unsafe only because it has no merge of its record of the
    posts. Sphinx reads the flag from the extension's metadata, which it keeps on
    ``app.extensions``; if that ever changes shape, the flag is left alone and a
    ``-j`` build reads serially, with Sphinx's warning.
    """
    entry = app.extensions.get("ablog")
    if entry is not None and hasattr(entry, "parallel_read_safe"):
        entry.parallel_read_safe = True
