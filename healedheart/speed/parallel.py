"""A ``-j N`` build shared out as two cores are best used (Sphinx's private methods).

Sphinx cuts a parallel read into many small parts (about 15 for 1000 documents on
2 cores) and forks a process for each; each sends back its whole environment,
which by then holds everything the earlier parts read, and the main process
unpickles each in turn: 2.2 s of a 1000-post build, on one core, the other idle.
Here the read is one part per process. Only the sharing out changes, not what is
read. Upstream, sphinx-doc/sphinx#10967 asks for the parts' size to be a setting.

While writing, Sphinx forks N - 1 writers, leaving the main process to load and
resolve each document before handing it over; on 2 cores the main process then
waits for the one writer with a core idle. Here N processes write.

Both go through the builder's private ``_read_parallel`` and ``_write_parallel``
(wrapped on the builder of this build) and Sphinx's ``make_chunks`` (replaced
while reading), listed in ``healedheart.compat``, and only on the Sphinx version
they were tested with (``healedheart.speed``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import sphinx.builders
from sphinx.application import Sphinx


def read_parts(items: Sequence[str], processes: int, maxbatch: int = 10) -> list[Sequence[str]]:
    """``items`` cut into one part per process, in order, sizes at most one apart."""
    size, larger = divmod(len(items), max(processes, 1))
    parts, start = [], 0
    for part in range(max(processes, 1)):
        end = start + size + (part < larger)
        if end > start:
            parts.append(items[start:end])
        start = end
    return parts


@contextlib.contextmanager
def one_part_per_process() -> Iterator[None]:
    """Within: Sphinx's parallel read cuts the documents into one part per process."""
    sphinx_make_chunks = sphinx.builders.make_chunks
    sphinx.builders.make_chunks = read_parts
    try:
        yield
    finally:
        sphinx.builders.make_chunks = sphinx_make_chunks


def share_out(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: the builder's ``-j`` read and write shared out as above."""
    builder: Any = app.builder
    read, write = (
        getattr(builder, "_read_parallel", None),
        getattr(builder, "_write_parallel", None),
    )
    if read is None or write is None:
        return  # not a builder that reads and writes in parallel as tested

    def read_parallel(docnames: list[str], nproc: int) -> None:
        with one_part_per_process():
            read(docnames, nproc)

    def write_parallel(docnames: Sequence[str], nproc: int) -> None:
        write(docnames, nproc + 1)  # Sphinx passes N - 1: N processes write

    builder._read_parallel = read_parallel
    builder._write_parallel = write_parallel
