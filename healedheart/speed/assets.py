"""Each stylesheet's and script's checksum looked up once per build, not once per page.

(And docutils' own stylesheets, below.)

Sphinx adds ``?v=<checksum>`` to every stylesheet and script a page links to, so
that a browser fetches a changed file. It keeps the checksums, but finds each
file's real path first (``Path.resolve``: a system call per folder of the path)
for every link of every page: ten links on each of a thousand pages, about 2% of
a clean build. Here the answer for a file is kept for the rest of the build;
Sphinx's own memory of the checksum already assumes the file does not change
while pages are written.

Docutils' HTML writer, which Sphinx's builds on, looks for its own stylesheets
(``minimal.css`` and ``plain.css``, in the current folder, then in docutils'
package) each time a page, a title or a table of contents is turned into HTML:
two files looked for, a path object per folder, three times a page and more
(0.05 ms each). Sphinx does not use the answer, and it cannot change during a
build: it is kept here too, for the same settings and current folder.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import docutils.utils
import sphinx.builders.html
from sphinx.application import Sphinx

from .parsing import frozen

_state: dict[str, Any] = {"on": False, "known": {}, "stylesheets": {}}


def start_build(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: forget the last build's checksums."""
    _state.update(on=bool(app.config.blog_speedups), known={}, stylesheets={})


def install() -> None:
    """Wrap the checksum function the HTML builder calls, and docutils'. Once per process."""
    _keep_docutils_stylesheets()
    checksum = sphinx.builders.html._file_checksum
    if getattr(checksum, "healedheart_kept", False):
        return

    def kept_checksum(outdir: Path, filename: Any) -> str:
        if not _state["on"]:
            return checksum(outdir, filename)
        key = (outdir, filename)
        known = _state["known"]
        if key not in known:
            known[key] = checksum(outdir, filename)
        return known[key]

    kept_checksum.healedheart_kept = True  # type: ignore[attr-defined]
    sphinx.builders.html._file_checksum = kept_checksum  # type: ignore[assignment]


def _keep_docutils_stylesheets() -> None:
    list_stylesheets = docutils.utils.get_stylesheet_list
    if getattr(list_stylesheets, "healedheart_kept", False):
        return

    @functools.wraps(list_stylesheets)
    def kept_stylesheet_list(settings: Any) -> list[str]:
        if not _state["on"]:
            return list_stylesheets(settings)
        key = (
            frozen(settings.stylesheet_path),
            frozen(settings.stylesheet),
            frozen(getattr(settings, "stylesheet_dirs", None)),
            os.getcwd(),  # where "." is
        )
        known = _state["stylesheets"]
        try:
            if key not in known:
                known[key] = list_stylesheets(settings)
        except TypeError:  # a setting that cannot be a key
            return list_stylesheets(settings)
        return list(known[key])  # a list of the caller's own

    kept_stylesheet_list.healedheart_kept = True  # type: ignore[attr-defined]
    docutils.utils.get_stylesheet_list = kept_stylesheet_list
