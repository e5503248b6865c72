"""In a ``-j`` build's readers and writers, cyclic garbage collected once per document.

Python's cyclic garbage collector runs whenever 10000 more container objects are
alive than at its last run (``healedheart.build.GC_THRESHOLDS``). In a process
that reads or writes documents, that is in the middle of a document, while its
tree, tokens and templates are still in use: it looks at all of them, finds them
alive and moves them to an older generation, where it looks at them again later,
when most are garbage. At 1000 posts that came to 1.5 to 1.8 s of the readers'
and writers' CPU.

Here each process Sphinx forks to read or write documents turns the automatic
collector off and collects once after each document, when the document's
objects are garbage and what lives on (the environment's record of it, caches)
is little: 0.9 to 1.1 s in all, at the same peak memory. Older generations are
not collected in those processes: what reaches them is what a reader or writer
keeps until it ends (the environment, caches), and each ends after its part.
Processes forked for anything else (ABlog's pages, the feeds, the checks) and the
main process keep the collector as it is.

Wired in by ``speed.parallel.share_out_work`` around Sphinx's parallel read and
write; installed once per process, inert with ``blog_speedups = False`` (which
has no parallel sharing out).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any

from sphinx.util.parallel import ParallelTasks

from .methods import each_call_then

# "forking": set in the main process while it forks readers or writers, so that
# they inherit it; "worker": set in such a process.
_state = {"forking": False, "worker": False}


def install() -> None:
    """Have Sphinx's forked tasks turn the collector off if forked to read or write."""
    process = ParallelTasks._process
    if getattr(process, "_healedheart", False):
        return

    def _process(self: ParallelTasks, pipe: Any, func: Callable[..., Any], arg: Any) -> None:
        if _state["forking"]:
            _state["worker"] = True
            gc.disable()
        process(self, pipe, func, arg)

    _process._healedheart = True  # type: ignore[attr-defined]
    ParallelTasks._process = _process  # type: ignore[method-assign]


@contextlib.contextmanager
def collected_per_document(builder: Any, method: str) -> Iterator[None]:
    """Within: processes forked by Sphinx collect after each ``builder.<method>`` call.

    ``method`` is ``read_doc`` or ``write_doc``: what Sphinx's reading or
    writing tasks call for each document.
    """
    _state["forking"] = True
    try:
        with each_call_then(builder, method, _collect_if_worker):
            yield
    finally:
        _state["forking"] = False


def _collect_if_worker() -> None:
    if _state["worker"]:
        gc.collect(0)
