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
- **When it cannot be used** (no ``os.fork``, as on Windows, or the warm process
  died), the build runs in a fresh process instead: slower, never wrong.

:class:`WarmSphinx` is the side that asks for builds (the preview's server,
``healedheart.preview``, and the benchmark); :func:`serve` is the warm process
(``python -m healedheart.warm``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: What the warm process answers when its code is out of date: start another.
RESTART = "restart"


@dataclass(frozen=True)
class Usage:
    """What one build cost, as the process that ran it measured."""

    cpu_seconds: float
    peak_rss_mb: float


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

    def wait_until_ready(self) -> set[str]:
        """Wait until the warm process has imported what the last build did; its modules."""
        if self._process is None:
            return set()
        return set(self._ask({"ping": True})[1])

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
                [sys.executable, "-m", "healedheart.warm", str(write_end)],
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
            env=_with_path(self.env, self.srcdir),
            stdout=self.stdout,
            stderr=self.stderr,
        )


def _with_path(env: dict[str, str] | None, folder: Path) -> dict[str, str]:
    """``env`` (or this process's), with ``folder`` first on the module search path."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    return env


# -- The warm process ----------------------------------------------------------


class _SiteCode:
    """The Python files the warm process imported from the site's folder, as they were."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[str, int | None] = {}

    def note(self) -> None:
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path not in self.seen and Path(path).is_relative_to(self.folder):
                self.seen[path] = _mtime(path)

    def changed(self) -> bool:
        return any(_mtime(path) != mtime for path, mtime in self.seen.items())


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def import_quietly(names: Iterable[str]) -> None:
    """Import each module not imported yet; skip any that cannot be imported alone."""
    for name in names:
        if name in sys.modules or name.startswith("__"):
            continue
        # Warming up only: a module that fails here, the build imports as it needs.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _build_in_fork(request: dict) -> tuple[int, list[str], resource.struct_rusage]:
    """Fork; the copy runs the build and sends back the modules it imported."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy
        os.close(read_end)
        from .build import leave

        status = 2
        try:
            with open(os.devnull) as nothing:
                os.dup2(nothing.fileno(), 0)  # requests are for the warm process only
            os.chdir(request["cwd"])
            from sphinx.cmd.build import main as sphinx_build

            status = sphinx_build(request["argv"])
        finally:
            with contextlib.suppress(OSError), os.fdopen(write_end, "w") as modules:
                json.dump(sorted(sys.modules), modules)
            leave(status)
    os.close(write_end)
    with os.fdopen(read_end) as modules:
        text = modules.read()
    _, wait_status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), json.loads(text or "[]"), usage


def serve(requests: IO[str], replies: IO[str], srcdir: Path) -> None:
    """The warm process: one build per request line, until the requests end."""
    code = _SiteCode(srcdir)
    import_quietly(["sphinx.cmd.build"])
    code.note()
    for line in requests:
        request = json.loads(line)
        if "ping" in request:  # answered once the last build's modules are imported
            replies.write(json.dumps(["ready", sorted(sys.modules)]) + "\n")
            replies.flush()
            continue
        if code.changed():
            replies.write(json.dumps([RESTART]) + "\n")
            replies.flush()
            return
        status, imported, usage = _build_in_fork(request)
        cpu = usage.ru_utime + usage.ru_stime
        replies.write(json.dumps(["done", status, cpu, usage.ru_maxrss]) + "\n")
        replies.flush()
        import_quietly(imported)  # while the author reads the page
        code.note()


def main(argv: Sequence[str]) -> int:
    """``python -m healedheart.warm FD``: serve requests from stdin, answer on FD."""
    try:
        with os.fdopen(int(argv[0]), "w") as replies:
            serve(sys.stdin, replies, Path.cwd().resolve())
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl+C in the preview's terminal
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
