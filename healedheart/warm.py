"""The preview's builds, each in a copy of a process that has Sphinx loaded already.

``nox -s serve`` rebuilds the site every time the author saves a post. A fresh
``sphinx-build`` process spends about a second importing Sphinx, MyST, ABlog,
Furo and this package (and compiling their regular expressions) before it reads
a single post: a third of a rebuild at 1000 posts (docs/performance.md).

So the preview keeps one *warm* process, started once. It has imported those
modules and holds nothing else: no Sphinx application, no environment, no
posts. For each build it forks: the copy runs ``sphinx-build`` with the
preview's arguments, exactly as a fresh process would, and exits
(:func:`healedheart.build.leave`). The warm process itself never builds, so
nothing of one build can leak into the next; the tests build the same site warm
and cold and compare the two trees byte for byte.

- **Which modules.** After each build, the copy tells the warm process which
  modules it imported, and the warm process imports them too, for the next build.
  There is no list to keep up to date.
- **When the code changes.** If a Python file it imported from the site's folder
  (``healedheart/``) changes, the warm process stops, and a new one is started
  for the next build, so the preview always runs the code on disk. ``conf.py``
  is read afresh by every build anyway. After upgrading a package, restart the
  preview.
- **What the last build left.** A build starts by reading what the last one
  saved: Sphinx's environment (``environment.pickle``), the search index, and
  this package's memories (``kept``, the checks' and the feeds'). Between
  builds, the warm process reads those same files ahead (:func:`read_state`);
  the next build takes that copy of a file only if the file is exactly as it
  was read (same size, modification time and inode), and otherwise reads it
  itself. It is the copy's own: the warm process keeps its own, untouched.
- **When it cannot be used** (no ``os.fork``, as on Windows, or the warm process
  died), the build runs in a fresh process instead: slower, never wrong.

:class:`WarmSphinx` is the side that asks for builds (the preview's server,
``healedheart.preview``, and the benchmark); :func:`serve` is the warm process.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: What the warm process answers when its code is out of date: start another.
RESTART = "restart"
#: The warm process. Not ``-m healedheart.warm``: run as ``__main__``, this module
#: would be loaded twice (``healedheart`` imports it), with two sets of state.
_WARM_PROCESS = "import sys; from healedheart.warm import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Usage:
    """What one build cost, as the process that ran it measured."""

    cpu_seconds: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Ready:
    """What the warm process holds for the next build."""

    modules: frozenset[str]  #: the modules it has imported
    files: frozenset[str]  #: the files it has read ahead (paths)


class WarmSphinx:
    """Runs ``sphinx-build`` in forks of a warm process for the site in ``srcdir``.

    ``stdout`` and ``stderr``: where the builds' output goes (by default, where
    this process's goes). ``env``: the builds' environment variables.
    """

    def __init__(
        self,
        srcdir: Path,
        *,
        env: dict[str, str] | None = None,
        stdout: IO | int | None = None,
        stderr: IO | int | None = None,
    ) -> None:
        self.srcdir = Path(srcdir).resolve()
        self.env = env
        self.stdout, self.stderr = stdout, stderr
        self.warm_builds = 0  #: builds run in a fork of the warm process
        self.cold_builds = 0  #: builds run in a fresh process (no fork, or it failed)
        self.restarts = 0  #: warm processes started again, after a change of code
        self.last_usage: Usage | None = None
        self._process: subprocess.Popen | None = None
        self._replies: IO[str] | None = None

    # -- Asking for builds -----------------------------------------------------

    def build(self, argv: Sequence[str]) -> int:
        """Run ``sphinx-build argv`` (from the current folder); its exit status."""
        if not hasattr(os, "fork"):
            return self._cold(argv)
        for _ in range(2):
            try:
                reply = self._ask({"cwd": os.getcwd(), "argv": list(argv)})
            except (OSError, ValueError):  # the warm process died: not the build's fault
                self.close()
                return self._cold(argv)
            if reply[0] == RESTART:
                self.restarts += 1
                self.close()
                continue
            status, cpu, rss_kb = reply[1:]
            self.warm_builds += 1
            self.last_usage = Usage(round(cpu, 2), round(rss_kb / 1024, 1))
            return int(status)
        return self._cold(argv)  # pragma: no cover (a new process is never stale)

    def wait_until_ready(self) -> Ready:
        """Wait until the warm process has imported and read what the last build did."""
        if self._process is None:
            return Ready(frozenset(), frozenset())
        held = self._ask({"ping": True})[1]
        return Ready(frozenset(held["modules"]), frozenset(held["files"]))

    def close(self) -> None:
        """Stop the warm process (the next build starts another)."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        if self._replies is not None:
            self._replies.close()
            self._replies = None
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()

    def __enter__(self) -> WarmSphinx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ask(self, request: dict) -> list:
        if self._process is None:
            self._start()
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._replies.readline()
        if not line:
            raise OSError("the warm process stopped")
        return json.loads(line)

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _WARM_PROCESS, str(write_end)],
                cwd=self.srcdir,  # so that it imports the site's own healedheart
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=self.stdout,
                stderr=self.stderr,
                pass_fds=(write_end,),
                text=True,
            )
        finally:
            os.close(write_end)
        self._replies = os.fdopen(read_end, "r")

    def _cold(self, argv: Sequence[str]) -> int:
        self.cold_builds += 1
        self.last_usage = None
        return subprocess.call(
            # -P: the site's healedheart (on PYTHONPATH), not one in the current folder
            [sys.executable, "-P", "-m", "healedheart.build", *argv],
            cwd=os.getcwd(),
            env=with_site_path(self.env, self.srcdir),
            stdout=self.stdout,
            stderr=self.stderr,
        )


def with_site_path(env: dict[str, str] | None, folder: Path) -> dict[str, str]:
    """``env`` (or this process's), with ``folder`` first on the module search path."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    return env


# -- What the last build left, read ahead -------------------------------------


def _read_pickle(path: str) -> Any:
    with open(path, "rb") as file:
        return pickle.load(file)


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _read_search_index(path: str) -> Any:
    from sphinx.search import js_index

    with open(path, encoding="utf-8") as file:
        return js_index.load(file)


#: How each kind of state file is read.
READERS = {"pickle": _read_pickle, "json": _read_json, "search index": _read_search_index}

_ahead: dict[str, tuple[str, Any, Any]] = {}  # path: (kind, signature, content)
_asked: dict[str, str] = {}  # path: kind, read by this process (a build) so far
_wanted: dict[str, str] = {}  # path: kind, read by any build of this warm process


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def read_state(path: str | os.PathLike[str], kind: str) -> Any:
    """The content of a file the last build saved, read as ``kind`` (:data:`READERS`).

    In a build forked from the warm process: the copy it read ahead, if the file
    has not changed since (each copy is taken once). Otherwise, read now; raises
    what reading raises (``OSError`` for a missing file, and so on).
    """
    path = os.path.abspath(path)  # the warm process reads from another folder
    _asked[path] = kind
    entry = _ahead.pop(path, None)
    if entry is not None and entry[0] == kind and entry[1] == _signature(path):
        return entry[2]
    return READERS[kind](path)


def expect_state(path: str | os.PathLike[str], kind: str) -> None:
    """Say that builds may read ``path`` as ``kind``, though this one has not (yet)."""
    _asked.setdefault(os.path.abspath(path), kind)


def _read_ahead(files: dict[str, str]) -> None:
    """In the warm process: read ``files`` (path: kind) for the next build.

    Also those the builds before asked for: a build that rendered no list did not
    read the summaries, but the next may.
    """
    _wanted.update(files)
    gc.unfreeze()
    _ahead.clear()  # the last build's copies: stale now
    gc.collect()
    for path, kind in _wanted.items():
        before = _signature(path)
        if before is None or kind not in READERS:
            continue
        with contextlib.suppress(Exception):  # the build reads it itself, and says why
            content = READERS[kind](path)
            if _signature(path) == before:  # not written to while it was read
                _ahead[path] = (kind, before, content)
    # What the warm process holds is never collected by a build's garbage collector:
    # copied to no purpose, page by page, if it were only looked at.
    gc.freeze()


class _SphinxPickle:
    """``pickle`` as ``sphinx.application`` sees it: its environment through read_state."""

    def __getattr__(self, name: str) -> Any:
        return getattr(pickle, name)

    @staticmethod
    def load(file: Any, **options: Any) -> Any:
        name = getattr(file, "name", None)
        if not isinstance(name, str) or options:
            return pickle.load(file, **options)
        return read_state(name, "pickle")


class _Frozen:
    """A search index format whose ``load`` gives what was already read."""

    def __init__(self, frozen: Any) -> None:
        self.frozen = frozen

    def load(self, stream: Any) -> Any:
        return self.frozen


def _install_in_sphinx() -> None:
    """In the warm process: Sphinx reads its environment and search index by read_state."""
    import sphinx.application
    from sphinx.search import IndexBuilder, js_index

    sphinx.application.pickle = _SphinxPickle()  # type: ignore[assignment]
    load_index = IndexBuilder.load

    @functools.wraps(load_index)
    def load(self: Any, stream: Any, format: Any) -> Any:
        name = getattr(stream, "name", None)
        if not isinstance(name, str) or format is not js_index:  # as _read_search_index reads
            return load_index(self, stream, format)
        return load_index(self, stream, _Frozen(read_state(name, "search index")))

    IndexBuilder.load = load  # type: ignore[method-assign]


# -- The warm process ----------------------------------------------------------


class _SiteCode:
    """The Python files the warm process imported from the site's folder, as they were."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[str, tuple[int, int, int] | None] = {}

    def note(self) -> None:
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path not in self.seen and Path(path).is_relative_to(self.folder):
                self.seen[path] = _signature(path)

    def changed(self) -> bool:
        return any(_signature(path) != seen for path, seen in self.seen.items())


def import_quietly(names: Iterable[str]) -> None:
    """Import each module not imported yet; skip any that cannot be imported alone."""
    for name in names:
        if name in sys.modules or name.startswith("__"):
            continue
        # Warming up only: a module that fails here, the build imports as it needs.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _build_in_fork(request: dict) -> tuple[int, dict[str, Any], Any]:
    """Fork; the copy runs the build and sends back the modules and files it read.

    Its status, what it read, and its ``os.wait4`` usage (no ``resource`` import:
    this module is imported on Windows too, where builds are never forked).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy
        os.close(read_end)
        from .build import collect_less_often, leave

        collect_less_often()
        status = 2
        try:
            with open(os.devnull) as nothing:
                os.dup2(nothing.fileno(), 0)  # requests are for the warm process only
            os.chdir(request["cwd"])
            from sphinx.cmd.build import main as sphinx_build

            status = sphinx_build(request["argv"])
        finally:
            with contextlib.suppress(OSError), os.fdopen(write_end, "w") as used:
                json.dump({"modules": sorted(sys.modules), "files": _asked}, used)
            leave(status)
    os.close(write_end)
    with os.fdopen(read_end) as used:
        text = used.read()
    _, wait_status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), json.loads(text or "{}"), usage


def serve(requests: IO[str], replies: IO[str], srcdir: Path) -> None:
    """The warm process: one build per request line, until the requests end."""
    code = _SiteCode(srcdir)
    import_quietly(["sphinx.cmd.build", "sphinx.search"])
    _install_in_sphinx()
    code.note()
    for line in requests:
        request = json.loads(line)
        if "ping" in request:  # answered once the last build's modules are imported
            _reply(replies, "ready", {"modules": sorted(sys.modules), "files": sorted(_ahead)})
            continue
        if code.changed():
            _reply(replies, RESTART)
            return
        status, used, usage = _build_in_fork(request)
        _reply(replies, "done", status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
        # While the author reads the page: ready for the next build.
        import_quietly(used.get("modules", []))
        code.note()
        _read_ahead(used.get("files", {}))


def _reply(replies: IO[str], *answer: Any) -> None:
    replies.write(json.dumps(answer) + "\n")
    replies.flush()


def main(argv: Sequence[str]) -> int:
    """The warm process (:data:`_WARM_PROCESS`): serve requests from stdin, answer on FD."""
    try:
        with os.fdopen(int(argv[0]), "w") as replies:
            serve(sys.stdin, replies, Path.cwd().resolve())
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl+C in the preview's terminal
        pass
    return 0
