"""Each stylesheet's and script's checksum looked up once per build, not once per page.

Sphinx adds ``?v=<checksum>`` to every stylesheet and script a page links to, so
that a browser fetches a changed file. It keeps the checksums, but finds each
file's real path first (``Path.resolve``: a system call per folder of the path)
for every link of every page: ten links on each of a thousand pages, about 2% of
a clean build. Here the answer for a file is kept for the rest of the build;
Sphinx's own memory of the checksum already assumes the file does not change
while pages are written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sphinx.builders.html
from sphinx.application import Sphinx

_state: dict[str, Any] = {"on": False, "known": {}}


def start_build(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: forget the last build's checksums."""
    _state.update(on=bool(app.config.blog_speedups), known={})


def install() -> None:
    """Wrap the checksum function the HTML builder calls. Once per process."""
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
