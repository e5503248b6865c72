"""The preview as the author sees it: ``nox -s serve`` on N posts, polled over HTTP.

``measure_preview`` starts the very command ``nox -s serve`` runs (read from
noxfile.py's own ``serve`` session, for the synthetic site's folder and a free
port on 127.0.0.1), waits for its first build, then retitles one post several
times. After each save it fetches, every ``POLL_SECONDS``, the post's page, the
blog's home page (``/blog/``: every post; the site's home page lists only the
newest) and the post's tag pages until each shows the new title: the time from
the save to that page, as the author's browser would get it once reloaded.

Once the rebuild has finished (the preview says ``Serving on`` again), every
output file is compared with what it was before the save: the files whose bytes
changed, and those written again with the same bytes (written for nothing). The
preview's log is checked for Sphinx reporting a change of configuration.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import types
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from . import synthetic

NOXFILE = synthetic.REPO / "noxfile.py"
POLL_SECONDS = 0.02
PAGE_TIMEOUT = 60.0  # a page that never shows the new title is reported as this
SETTLE_SECONDS = 3.0  # between a rebuild and the next save, as an author pauses
TARGET_SECONDS = 1.0  # issue 19: every page fresh within a second of the save
#: What the preview (healedheart.preview) prints after every build.
BUILD_DONE = "Serving on "
CONFIG_CHANGED = "The configuration has changed"


def serve_command(srcdir: Path, port: int) -> list[str]:
    """What ``nox -s serve`` runs (its own code, in noxfile.py) for the site in ``srcdir``.

    The noxfile is run with a stand-in for nox that records the session's
    commands instead of running them, as if it sat in ``srcdir``.
    """
    runs: list[list[str]] = []
    session = types.SimpleNamespace(
        posargs=[], install=lambda *a, **k: None, log=print, run=lambda *a, **k: runs.append(a)
    )
    nox = types.ModuleType("nox")
    nox.session = lambda f=None, **kw: f or (lambda g: g)  # type: ignore[attr-defined]
    nox.options = types.SimpleNamespace()  # type: ignore[attr-defined]
    nox.project = types.SimpleNamespace(load_toml=lambda p: {}, dependency_groups=lambda *a: [])  # type: ignore[attr-defined]
    names = {"__file__": str(srcdir / "noxfile.py"), "__name__": "noxfile"}
    with (
        mock.patch.dict(sys.modules, {"nox": nox}),
        mock.patch.dict(os.environ, {"PREVIEW_PORT": str(port)}),
    ):
        exec(compile(NOXFILE.read_text(encoding="utf-8"), str(NOXFILE), "exec"), names)
        names["serve"](session)
    (command,) = runs
    assert command[0] == "python", command
    return [sys.executable, *command[1:]]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> str | None:
    """The page at ``url``, or None if there is none (yet)."""
    try:
        with _opener.open(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except (OSError, http.client.HTTPException):  # none yet, or written while read
        return None


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = POLL_SECONDS) -> bool:
    """Poll ``predicate`` until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def poll_pages(urls: dict[str, str], text: str, since: float) -> dict[str, float]:
    """Seconds from ``since`` (``time.monotonic()``) until each page showed ``text``."""
    waiting, seen = dict(urls), {}
    deadline = since + PAGE_TIMEOUT
    while waiting and time.monotonic() < deadline:
        for name, url in list(waiting.items()):
            if text in (fetch(url) or ""):
                seen[name] = round(time.monotonic() - since, 3)
                del waiting[name]
        time.sleep(POLL_SECONDS)
    return seen | dict.fromkeys(waiting, PAGE_TIMEOUT)


def snapshot(outdir: Path) -> dict[str, tuple[int, str]]:
    """Every output file: when it was last written, and a digest of its bytes."""
    files = {}
    for path in outdir.rglob("*"):
        if path.is_file():
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            files[path.relative_to(outdir).as_posix()] = (path.stat().st_mtime_ns, digest)
    return files


def compare(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """The files whose bytes changed, and those written again with the same bytes."""
    changed = sorted(
        n for n in before.keys() | after.keys() if _bytes(before, n) != _bytes(after, n)
    )
    idle = sorted(n for n in before.keys() & after.keys() if before[n][0] != after[n][0])
    return changed, [n for n in idle if n not in changed]


def _bytes(files: dict, name: str) -> str | None:
    return files[name][1] if name in files else None


def rebuilds(log: str) -> list[str]:
    """The preview's log, one piece per build (each ends with ``BUILD_DONE``)."""
    return log.split(BUILD_DONE)[:-1]


@dataclass
class Edit:
    """One save of a retitled post, as the preview answered it."""

    seconds: dict[str, float]  #: by page (post, blog, tag: NAME), until it showed the title
    changed: list[str]  #: output files whose bytes changed
    rewritten_same: list[str]  #: output files written again, byte for byte the same
    config_changed: bool  #: Sphinx said the configuration had changed

    @property
    def slowest(self) -> float:
        return max(self.seconds.values())


@dataclass
class PreviewResult:
    """The preview's answers to ``len(edits)`` saves."""

    posts: int
    edited: str
    first_build_s: float
    edits: list[Edit] = field(default_factory=list)

    def median(self, page: str | None = None) -> float:
        """The median of one page's seconds (or of the slowest page's, for None)."""
        return statistics.median(e.slowest if page is None else e.seconds[page] for e in self.edits)

    def as_dict(self) -> dict:
        pages = self.edits[0].seconds if self.edits else {}
        return {
            "posts": self.posts,
            "edited_post": self.edited,
            "first_build_s": self.first_build_s,
            "median_s": {page: self.median(page) for page in pages} | {"slowest": self.median()},
            "edits": [e.__dict__ | {"slowest": e.slowest} for e in self.edits],
        }


@contextlib.contextmanager
def running(command: list[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    """``command`` running in its own process group; Ctrl+C'd (as in a terminal) at the end."""
    # Unbuffered, so that BUILD_DONE reaches the log as it is printed.
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def measure_preview(
    srcdir: Path, post: synthetic.Post, posts: int, edits: int = 5, log=print
) -> PreviewResult:
    """Run ``nox -s serve``'s command on ``srcdir``; retitle ``post`` ``edits`` times."""
    port = free_port()
    command = serve_command(srcdir, port)
    outdir = srcdir / "_build" / "preview"  # noxfile.py's, for the site in srcdir
    if str(outdir) not in command:
        raise RuntimeError(f"nox -s serve no longer builds into {outdir}: {command}")
    base = f"http://127.0.0.1:{port}/"
    year_slug = post.path.removesuffix(".md")
    urls = {"post": f"{base}{year_slug}/", "blog": f"{base}blog/"}
    urls |= {f"tag: {tag}": f"{base}blog/tag/{synthetic.slugify(tag)}/" for tag in post.tags}
    logfile = srcdir.parent / "preview.log"
    text = lambda: logfile.read_text(encoding="utf-8", errors="replace")  # noqa: E731
    start = time.monotonic()
    with running(command, srcdir, logfile) as process:
        if not wait_until(lambda: fetch(base) is not None or process.poll() is not None, 900, 0.2):
            raise RuntimeError(f"The preview never served its first build; see {logfile}")
        if process.poll() is not None:
            raise RuntimeError(f"The preview stopped; see {logfile}")
        result = PreviewResult(posts, post.path, round(time.monotonic() - start, 1))
        log(f"  N={posts} preview: first build served after {result.first_build_s:.1f} s")
        token = f"{os.getpid():x}{int(time.time()) % 10000:04d}"
        for run in range(1, edits + 1):
            time.sleep(SETTLE_SECONDS)
            before, builds = snapshot(outdir), len(rebuilds(text()))
            title = f"{post.title} (edit {run} in the preview {token})"
            saved = time.monotonic()
            synthetic.set_title(srcdir / post.path, title)
            seconds = poll_pages(urls, title, saved)
            if not wait_until(lambda n=builds: len(rebuilds(text())) > n, PAGE_TIMEOUT):
                raise RuntimeError(f"The preview did not finish rebuilding; see {logfile}")
            # Also any build that began while this one ran (a second save event).
            wait_until(lambda: False, 0.5)
            pieces = rebuilds(text())[builds:]
            changed, same = compare(before, snapshot(outdir))
            edit = Edit(seconds, changed, same, any(CONFIG_CHANGED in p for p in pieces))
            result.edits.append(edit)
            log(
                f"  N={posts} preview edit {run}: "
                + ", ".join(f"{page} {s:.2f} s" for page, s in seconds.items())
                + f"; {len(changed)} files changed, {len(same)} written the same"
                + (", configuration 'changed'" if edit.config_changed else "")
                + (f", {len(pieces)} builds" if len(pieces) != 1 else "")
            )
    return result


def table(result: PreviewResult) -> str:
    """The preview's figures beside the target."""
    lines = [
        f"The preview, as `nox -s serve` runs it (N = {result.posts}; {len(result.edits)} saves "
        f"of {result.edited}, median; each page polled over HTTP every "
        f"{POLL_SECONDS * 1000:.0f} ms)",
        f"  first build served after {result.first_build_s:.1f} s",
    ]
    for page in result.edits[0].seconds if result.edits else []:
        median = result.median(page)
        each = ", ".join(f"{e.seconds[page]:.2f}" for e in result.edits)
        lines.append(
            f"  {page:28} {median:5.2f} s  (each: {each})  target <= {TARGET_SECONDS} s: "
            f"{'yes' if median <= TARGET_SECONDS else 'NO'}  ({median / TARGET_SECONDS:.2f}x)"
        )
    slowest = result.median()
    lines.append(
        f"  {'every page fresh':28} {slowest:5.2f} s  target <= {TARGET_SECONDS} s: "
        f"{'yes' if slowest <= TARGET_SECONDS else 'NO'}  ({slowest / TARGET_SECONDS:.2f}x)"
    )
    changed = [len(e.changed) for e in result.edits]
    same = [len(e.rewritten_same) for e in result.edits]
    config = sum(e.config_changed for e in result.edits)
    lines.append(f"  files changed per save: {changed}; written again unchanged: {same} (target 0)")
    lines.append(f"  rebuilds reporting a change of configuration: {config} (target 0)")
    worst = max(result.edits, key=lambda e: len(e.rewritten_same), default=None)
    if worst and worst.rewritten_same:
        names = worst.rewritten_same
        lines.append(
            f"  written unchanged: {', '.join(names[:20])}{', ...' if len(names) > 20 else ''}"
        )
    return "\n".join(lines)
