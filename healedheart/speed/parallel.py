"""Reading and writing on every core with ``-j N``: ABlog's posts merged, the work shared out.

With ``sphinx-build -j N`` Sphinx reads the files in N processes and merges each
process's environment into its own; an extension that keeps state in the
environment must merge it in ``env-merge-info``. ABlog keeps its record of the
posts in ``env.ablog_posts`` (plus labels in the standard domain, which Sphinx
merges itself) and has no merge, so it declares itself unsafe for parallel
reading and ``-j`` reads serially with a warning (a failure under ``-W``).

``merge_posts`` is that merge, and ``declare_ablog_parallel_safe`` then tells
Sphinx that ABlog is safe. Two more things make a parallel read give the same
site as a serial one:

- while reading, ABlog also creates the collections (a tag, a year...) each post
  names, on its ``Blog`` object in the reading process; the merge creates them
  in the main process too (a tag only drafts use still has its label);
- ``order_posts`` puts the record in the order of the documents' names, as a
  serial clean build leaves it, whatever order the processes finished in (or
  which files an incremental build re-read). ABlog lists posts of the same date
  and title in that order.

Upstream, ablog#330 proposes the same merge inside ABlog.

``read_parts`` changes how the documents are shared out. Sphinx cuts them into
many small parts (about 15 for 1000 documents on 2 cores) and starts a process
for each; every process is a copy of the main one, and sends back its whole
environment, which by then holds everything the earlier parts read. At 1000
posts, the main process spent 3.4 s of a 10 s parallel read unpickling the same
data over and over. Here the read is cut into one part per process: each
environment sent back holds only its own part's documents. Only the sharing
out changes, not what is read; a site built with ``-j 2`` stays byte-identical
to a serial build (tests/test_speed.py). Upstream, sphinx-doc/sphinx#10967 asks
for the size of these parts to be a setting, for the same reason.

``share_out_work`` decides, for each ``-j N`` build, how the reading and the
writing are shared:

- when writing, Sphinx starts N - 1 processes, leaving the main process to load
  and resolve each document before handing it over. At 1000 posts on 2 cores
  the main process finished that in 3.7 s, then waited 6 s for the one writer,
  with a core idle. Here N processes write: while the main process resolves,
  three processes share two cores, then the writers have them both;
- a rebuild that reads or writes only a few documents (after an edit, say)
  does it in the main process. Sphinx would fork a process even for one
  document, and at 1000 posts send the whole environment back from it: an
  edit-one-post rebuild took 0.3 to 0.6 s longer with ``-j 2`` than without.

``no_unshown_records``: every worker sends the main process the log records
it made, and Sphinx makes a debug record for every event it emits, with the
event's arguments written out in full (a page's whole context, its body
included). At 1000 posts the workers sent 27 MB of such records, which the
main process unpickled only to drop them: no debug message is shown unless
``sphinx-build`` is run with ``-vv``. The records below what the build shows
are no longer made.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import sphinx.builders
from ablog.blog import Blog
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.logging import NAMESPACE, VERBOSITY_MAP
from sphinx.util.parallel import ParallelTasks
from sphinx.util.parallel import make_chunks as sphinx_make_chunks

from .. import related
from . import garbage
from .methods import each_call_then

# ABlog's per-post labels that name collections (as its process_posts lists them).
_CATALOGS = ("tags", "author", "category", "location", "language")


def declare_ablog_parallel_safe(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: ABlog's state is merged here, so reading in parallel is safe."""
    ablog = app.extensions.get("ablog")
    if config.blog_speedups and ablog is not None:
        ablog.parallel_read_safe = True


def merge_posts(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    """Sphinx ``env-merge-info``: take the posts a reading process found."""
    found = getattr(other, "ablog_posts", {})
    if not hasattr(env, "ablog_posts"):
        env.ablog_posts = {}
    blog = Blog(app)
    for docname in sorted(docnames):
        if docname in found:
            env.ablog_posts[docname] = found[docname]
            for info in found[docname]:
                _create_collections(blog, info)


def _create_collections(blog: Blog, info: dict[str, Any]) -> None:
    # What ablog.post.process_posts does for each post it reads, besides recording it.
    for key in _CATALOGS:
        for label in info.get(key) or ():
            blog.catalogs[key][label]  # creates the collection, and its label
    if info.get("date"):
        blog.archive[info["date"].year]


def order_posts(app: Sphinx, env: BuildEnvironment) -> None:
    """Sphinx ``env-updated``, first: posts in document-name order, as a clean serial read."""
    posts = getattr(env, "ablog_posts", None)
    if posts and app.config.blog_speedups:
        env.ablog_posts = dict(sorted(posts.items()))


# -- Sharing out the work ------------------------------------------------------------


class _Reading:
    """Whether Sphinx is inside a parallel read that ``share_out_work`` started."""

    now = False


def read_parts(items: Sequence[str], processes: int) -> list[Sequence[str]]:
    """``items`` cut into one part per process, in order, sizes at most one apart."""
    size, larger = divmod(len(items), max(processes, 1))
    parts, start = [], 0
    for part in range(max(processes, 1)):
        end = start + size + (part < larger)
        if end > start:
            parts.append(items[start:end])
        start = end
    return parts


def _make_chunks(arguments: Sequence[str], nproc: int, maxbatch: int = 10) -> list[Any]:
    # Sphinx calls make_chunks once while reading (``Builder._read_parallel``) and
    # once while writing; only the read sends environments back.
    if _Reading.now:
        return read_parts(arguments, nproc)
    return write_parts(arguments, nproc, maxbatch)


# The first part written in parallel: the main process resolves it alone, a core
# idle, before the first writer starts.
FIRST_WRITE_PART = 10


def write_parts(items: Sequence[str], processes: int, maxbatch: int = 10) -> list[Sequence[str]]:
    """Sphinx's parts for writing ``items`` (about 70 documents each at 1000), the first cut short.

    The main process resolves a whole part before handing it to a writer; with
    Sphinx's first part, the first writer started 0.3 s into the writing, at 1000
    posts, a core idle until then. Every writer is a new process that costs some
    20 ms to start, so the other parts stay as Sphinx cuts them.
    """
    parts = sphinx_make_chunks(items, processes, maxbatch)
    if parts and len(parts[0]) > 2 * FIRST_WRITE_PART:
        first = parts[0]
        parts[:1] = [first[:FIRST_WRITE_PART], first[FIRST_WRITE_PART:]]
    return parts


def share_out_reading() -> None:
    """Have Sphinx's parallel read cut the documents into one part per process."""
    sphinx.builders.make_chunks = _make_chunks


# Fewer documents than this are read or written by the main process alone. A
# document takes about 12 ms to read and 9 ms to write here; starting a process
# and sending its results back costs 0.3 s and more at 1000 posts, which sharing
# out 50 documents on two cores about repays.
FEW_DOCUMENTS = 50


def share_out_work(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: how a ``-j N`` build shares out its reading and writing.

    A few documents are read or written in the main process; more are read in
    one part per process (``read_parts``) and written by N processes.
    """
    builder: Any = app.builder
    if not app.config.blog_speedups or app.parallel <= 1:
        return
    sphinx_read_parallel = getattr(builder, "_read_parallel", None)
    sphinx_write_parallel = getattr(builder, "_write_parallel", None)
    if sphinx_read_parallel is None or sphinx_write_parallel is None:
        return

    def _read_parallel(docnames: list[str], nproc: int) -> None:
        if len(docnames) < FEW_DOCUMENTS:
            builder._read_serial(docnames)
            return
        _Reading.now = True
        try:
            with garbage.collected_per_document(builder, "read_doc"):
                sphinx_read_parallel(docnames, nproc)
        finally:
            _Reading.now = False

    def _write_parallel(docnames: Sequence[str], nproc: int) -> None:
        if len(docnames) < FEW_DOCUMENTS:
            builder._write_serial(docnames)
            return
        before_forking_writers(app)
        with (
            writers_started_promptly(builder),
            garbage.collected_per_document(builder, "write_doc"),
        ):
            sphinx_write_parallel(docnames, nproc=max(nproc, app.parallel))

    builder._read_parallel = _read_parallel
    builder._write_parallel = _write_parallel


def before_forking_writers(app: Sphinx) -> None:
    """Work out, in the main process, what every writer would otherwise work out for itself.

    Each writer is a copy of the main process, made when it starts: what the main
    process holds by then, every writer has. At 1000 posts the related-post index
    and ABlog's links between consecutive posts took each writer some 20 ms to
    build for its first post page, and a parallel write starts 15 writers.
    """
    related.prepare(app)
    for post in Blog(app).posts:
        post.prev  # noqa: B018 (ABlog links every post to its neighbours, once)
        break


class PromptTasks(ParallelTasks):
    """Sphinx's ``ParallelTasks``, able to start a waiting task as soon as a process is free.

    Sphinx starts a waiting task only when it is given another, or told to join.
    While writing, it is given one every 70 documents or so (each part, once the
    main process has resolved all its documents): at 1000 posts a writer that
    finished waited up to 0.4 s before starting on a part that was already
    waiting, a core idle meanwhile.
    """

    def start_waiting(self) -> None:
        """Take any finished task's results, and start waiting tasks on the free processes."""
        try:
            while self._join_one():
                pass
        except BaseException:
            self.terminate()  # as Sphinx's join does when a task failed
            raise


@contextlib.contextmanager
def writers_started_promptly(builder: Any) -> Iterator[None]:
    """Within: Sphinx's parallel writing starts a waiting part after each resolved document.

    The main process resolves the documents one by one (``write_doc_serialized``
    is called for each, in the main process) and hands them over in parts.
    """
    made: list[PromptTasks] = []

    class Tasks(PromptTasks):
        def __init__(self, nproc: int) -> None:
            super().__init__(nproc)
            made.append(self)

    def offer_waiting_parts() -> None:
        for tasks in made:
            tasks.start_waiting()

    sphinx.builders.ParallelTasks = Tasks  # type: ignore[attr-defined,misc]
    try:
        with each_call_then(builder, "write_doc_serialized", offer_waiting_parts):
            yield
    finally:
        sphinx.builders.ParallelTasks = ParallelTasks  # type: ignore[attr-defined,misc]


def no_unshown_records(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: no log record is made that no handler would show.

    Sphinx's handlers show nothing below ``VERBOSITY_MAP[verbosity]`` (warnings
    and errors are above it); its logger lets every record through to them.
    """
    shown_from = VERBOSITY_MAP[max(app.verbosity, 0)]
    if config.blog_speedups and shown_from > logging.DEBUG:
        logging.getLogger(NAMESPACE).setLevel(shown_from)
