"""Build speed for a Sphinx + ABlog blog of a thousand posts: an optional extension.

Listed in ``conf.py`` after the site's own extension; never imported by it. The
site is the same site without it, byte for byte (``tests/test_speed.py`` builds
with and without it and compares every file). It needs nothing of the site's own
extension, so it can be added to any ABlog site.

Each speed-up goes through a public seam of Sphinx:

- ``search``: the search index stems each distinct word once per build, not once
  per page it appears on (``app.add_search_language``: a memo around Sphinx's own
  English stemmer; every other language is left as it is).
- ``logging``: no log record is made below what the build shows. Sphinx makes a
  debug record for every event it emits, with the event's arguments written out in
  full (a page's whole context); a ``-j`` build's workers sent them all back to the
  main process, 27 MB at 1000 posts, to be dropped.

And, only with the version of Sphinx it was tested with (``healedheart.compat``
lists the private names and versions; on another it says in one line that it is
off):

- ``parallel``: a ``-j N`` build reads in one part per process and writes in N
  processes (a subclass of the HTML builders, through Sphinx's private methods).

The table of what each saves, at 1000 posts, is in docs/performance.md.
"""

from __future__ import annotations

import logging
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish
from sphinx.util import logging as sphinx_logging
from sphinx.util.logging import NAMESPACE, VERBOSITY_MAP

from .. import compat
from . import parallel

logger = sphinx_logging.getLogger(__name__)

__version__ = "2.0.0"


class MemoStemEnglish(SearchEnglish):
    """Sphinx's English search language, each word stemmed once per build."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        stemmed = self._stems.get(word)
        if stemmed is None:
            stemmed = self._stems[word] = super().stem(word)
        return stemmed


def no_unshown_records(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: Sphinx's logger drops what no handler would show.

    Sphinx's handlers show nothing below ``VERBOSITY_MAP[verbosity]`` (warnings and
    errors are above it); its logger would otherwise make every debug record.
    """
    shown_from = VERBOSITY_MAP.get(max(app.verbosity, 0), logging.DEBUG)
    if shown_from > logging.DEBUG:
        logging.getLogger(NAMESPACE).setLevel(shown_from)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(MemoStemEnglish)
    app.connect("config-inited", no_unshown_records)
    untested = compat.untested(("sphinx",))  # the package whose private names it uses
    if untested:
        logger.info(
            "healedheart.speed: parallel sharing out is off, as it uses private names of "
            "%s. The site is the same, only slower to build.",
            ", ".join(untested),
        )
    else:
        app.connect("builder-inited", parallel.share_out)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
