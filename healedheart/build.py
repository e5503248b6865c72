"""``python -m healedheart.build ARGS``: ``sphinx-build ARGS``, without the slow goodbye.

``nox -s build`` and the benchmark build the site with this command, and the
preview's builds (``healedheart.preview``) end the same way. It runs Sphinx's own
``sphinx-build`` (``sphinx.cmd.build.main``) with the same arguments, so the site
is the same, and then leaves the process as Python would, except for one step.

When a Python program ends, the interpreter takes every object apart, one by one,
before the process exits: the whole build environment, every post's data, every
module. The operating system frees the memory of an exiting process anyway, so
that work is for nothing, and at 1000 posts it took 0.4 to 0.6 s of every build,
a fifth of a rebuild (docs/performance.md). :func:`leave` does everything a normal
exit does that anyone can see (it runs the ``atexit`` handlers, such as the one
that flushes and closes log files, and flushes the output), then ends the process
at once with ``os._exit``.

It also collects cyclic garbage less often (:func:`collect_less_often`).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# Python's cyclic garbage collector runs after every 700 new container objects
# (generation 0), every 10th of those runs looks at older objects too, and every
# 10th of those at all of them. A build makes millions of objects that live on
# (the doctrees, the environment, Jinja's contexts): at 1000 posts the collector
# took 3.7 to 4.2 s of the 33 s of CPU of a clean build, in every process. With
# these thresholds it took 2.1 to 2.3 s, for 5 to 10 MB more memory at the peak
# (60 to 90 MB more at 3000 posts, where it peaks at 450 to 490 MB). Nothing is
# left uncollected: the collections come less often, each finding more.
GC_THRESHOLDS = (10_000, 20, 20)


def collect_less_often() -> None:
    """Set the garbage collector's thresholds for a build (:data:`GC_THRESHOLDS`)."""
    gc.set_threshold(*GC_THRESHOLDS)


def leave(status: int) -> NoReturn:
    """Exit with ``status`` as Python would, without freeing every object first."""
    atexit._run_exitfuncs()  # what a normal exit runs first (logging.shutdown, ...)
    for stream in (sys.stdout, sys.stderr):
        # Closed, or a broken pipe: lost, as in a normal exit.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def main(argv: Sequence[str]) -> NoReturn:
    """Run ``sphinx-build argv`` and exit with its status."""
    from sphinx.cmd.build import main as sphinx_build

    sys.argv[0] = "sphinx-build"  # the name its messages give ("usage: sphinx-build ...")
    collect_less_often()
    leave(sphinx_build(list(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
