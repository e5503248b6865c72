"""The preview's builds, each in a fork of a process that has Sphinx loaded already.

A fresh ``sphinx-build`` spends about a second importing Sphinx, MyST, ABlog, Furo
and this package. So the preview keeps one *warm* process that has imported them
and holds no Sphinx application; each build runs in a fork of it, as a fresh
``sphinx-build`` would (the tests compare every byte), and exits (``build.leave``).
After each build the warm process imports what the build imported. :meth:`close`
it when the site's Python code changes (the preview does). Without ``os.fork``
(Windows), or if the warm process died, a build runs in a fresh process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

#: Not ``-m healedheart.warm``: as ``__main__`` this module would be loaded twice.
_WARM_PROCESS = "import sys; from healedheart.warm import main; sys.exit(main(sys.argv[1:]))"


#: What one warm build cost, as ``os.wait4`` measured its process.
class Usage(NamedTuple):
    cpu_seconds: float
    peak_rss_mb: float


class WarmSphinx:
    """Runs ``sphinx-build`` (with ``env``, output to ``stdout``, ``stderr``) warm."""

    def __init__(self, srcdir: Path, *, env=None, stdout=None, stderr=None) -> None:
        self.srcdir, self.env = Path(srcdir).resolve(), env
        self.output = {"stdout": stdout, "stderr": stderr}
        self.warm_builds = self.cold_builds = 0
        self.last_usage: Usage | None = None  #: of the last build, if warm
        self._process: subprocess.Popen | None = None

    def build(self, argv: Sequence[str]) -> int:
        """Run ``sphinx-build argv`` (from the current folder); its exit status."""
        try:
            if hasattr(os, "fork"):
                status, cpu, rss_kb = self._ask({"cwd": os.getcwd(), "argv": list(argv)})
                self.warm_builds += 1
                self.last_usage = Usage(round(cpu, 2), round(rss_kb / 1024, 1))
                return status
        except (OSError, ValueError):  # the warm process died: not the build's fault
            self.close()
        self.cold_builds += 1
        self.last_usage = None
        return subprocess.call(
            # -P: the site's healedheart (on PYTHONPATH), not one in the current folder
            [sys.executable, "-P", "-m", "healedheart.build", *argv],
            env=with_site_path(self.env, self.srcdir),
            **self.output,
        )

    def wait_until_ready(self) -> list[str]:
        """Wait until the warm process is ready for the next build; the modules it holds."""
        return self._ask({"ping": True}) if self._process else []

    def close(self) -> None:
        """Stop the warm process (the next build starts another)."""
        if process := self._process:
            self._process = None
            with contextlib.suppress(OSError):
                process.stdin.close()
            self._replies.close()
            process.wait()

    def __enter__(self) -> WarmSphinx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ask(self, request: dict) -> Any:
        if self._process is None:
            read_end, write_end = os.pipe()  # for its replies: its stdout is the builds'
            self._process = subprocess.Popen(
                [sys.executable, "-c", _WARM_PROCESS, str(write_end)],
                cwd=self.srcdir,  # so that it imports the site's own healedheart
                env=self.env,
                stdin=subprocess.PIPE,
                pass_fds=(write_end,),
                text=True,
                **self.output,
            )
            os.close(write_end)
            self._replies = os.fdopen(read_end)
        print(json.dumps(request), file=self._process.stdin, flush=True)
        if not (line := self._replies.readline()):
            raise OSError("the warm process stopped")
        return json.loads(line)


def with_site_path(env: dict[str, str] | None, folder: Path) -> dict[str, str]:
    """``env`` (or this process's), with ``folder`` first on the module search path."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    return env


def _build_in_fork(request: dict) -> tuple[int, list[str], Any]:
    """The copy builds and says what it imported; its status, and its usage."""
    read_end, write_end = os.pipe()
    if (pid := os.fork()) == 0:  # the copy: leaves by sys.exit, never returns
        os.close(read_end)
        from .build import GC_THRESHOLDS, leave

        status = 2
        try:
            with open(os.devnull) as nothing:
                os.dup2(nothing.fileno(), 0)  # the requests are the warm process's
            os.chdir(request["cwd"])
            from sphinx.cmd.build import main as sphinx_build

            gc.set_threshold(*GC_THRESHOLDS)
            status = sphinx_build(request["argv"])
        finally:
            with contextlib.suppress(OSError), os.fdopen(write_end, "w") as used:
                json.dump(sorted(sys.modules), used)
            leave(status)
    os.close(write_end)
    with os.fdopen(read_end) as used:
        text = used.read()
    _, wait_status, usage = os.wait4(pid, 0)  # not ``resource``: missing on Windows
    return os.waitstatus_to_exitcode(wait_status), json.loads(text or "[]"), usage


def serve(requests: IO[str], replies: IO[str]) -> None:
    """The warm process: one build per request line, until the requests end."""
    import sphinx.cmd.build  # noqa: F401

    for line in requests:
        if "ping" in (request := json.loads(line)):  # answered once ready for a build
            print(json.dumps(sorted(sys.modules)), file=replies, flush=True)
            continue
        status, imported, usage = _build_in_fork(request)
        answer = [status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]
        print(json.dumps(answer), file=replies, flush=True)
        # While the author reads the page: ready for the next build.
        for name in imported:
            if name not in sys.modules and not name.startswith("__"):
                with contextlib.suppress(Exception):  # the build imports it as it needs
                    importlib.import_module(name)
        gc.freeze()  # the builds' collectors never walk it (nor copy its pages to look)


def main(argv: Sequence[str]) -> int:
    """The warm process (:data:`_WARM_PROCESS`): requests on stdin, replies on FD ``argv[0]``."""
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):  # Ctrl+C in the terminal
        serve(sys.stdin, os.fdopen(int(argv[0]), "w"))
    return 0
