"""The preview's builds: in forks of a warm process, and the same site as sphinx-build's.

``healedheart.warm`` runs each build of the preview in a copy of a process that
has Sphinx loaded already; ``healedheart.preview`` serves the site and rebuilds it
on every save; ``healedheart.build`` is sphinx-build without Python's teardown. Here they are
run as the author runs them (real processes, a copy of the real site), and what
they write is compared, file by file, with what a fresh process writes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, healedheart_build

from benchmarks import preview as bench_preview
from benchmarks import synthetic
from benchmarks.run import differing, digest
from healedheart import preview
from healedheart.warm import WarmSphinx

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm builds need os.fork")

# Output to a pipe is buffered, as it is for the author's nox (not PYTHONUNBUFFERED).
ENV = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PYTHONUNBUFFERED")} | {
    "SOURCE_DATE_EPOCH": "1700000000"
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the real site (its pages, templates and code) with six synthetic posts."""
    return synthetic.write_site(tmp_path / "src", synthetic.generate(6), REPO)


def arguments(src: Path, out: Path, *extra: str) -> list[str]:
    """The arguments ``nox -s build`` gives sphinx-build (noxfile.py)."""
    doctrees = str(out) + "-doctrees"
    return ["-b", "dirhtml", "-d", doctrees, "-n", "-W", "--keep-going", "-q", *extra]


def cold_build(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``nox -s build``'s command, in a fresh process: ``python -m healedheart.build``."""
    return healedheart_build(src, out, *arguments(src, out, *extra), env=ENV)


def warm_build(warm: WarmSphinx, src: Path, out: Path, *extra: str) -> int:
    return warm.build([*arguments(src, out, *extra), str(src), str(out)])


@contextlib.contextmanager
def warm_sphinx(src: Path, log: Path) -> Iterator[WarmSphinx]:
    with log.open("w") as output, WarmSphinx(src, env=ENV, stdout=output, stderr=output) as warm:
        yield warm


def retitle(src: Path, title: str) -> Path:
    post = sorted((src / "posts").rglob("*.md"))[2]
    synthetic.set_title(post, title)
    return post


# -- healedheart.build ---------------------------------------------------------


def test_the_quick_exit_keeps_sphinx_builds_output_and_status(tmp_path: Path) -> None:
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    result = healedheart_build(src, tmp_path / "out", "-b", "dirhtml", env=ENV)
    # Output to a pipe is buffered: it is all there, up to Sphinx's last line.
    assert result.returncode == 0, result.stderr
    assert "build succeeded" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("The HTML pages are in ")
    assert (tmp_path / "out" / "index.html").is_file()

    missing = healedheart_build(
        src / "no-such-folder", src / "out", "-b", "dirhtml", cwd=src, env=ENV
    )
    assert missing.returncode == 2
    assert "Cannot find source directory" in missing.stderr  # Sphinx's own report


LEAVES_NOTHING_BEHIND = """
import sys
from healedheart.warm import WarmSphinx
with WarmSphinx(sys.argv[1]) as warm:
    status = warm.build(sys.argv[2:])
sys.exit(status or warm.cold_builds)
"""


def _session(sid: int) -> list[str]:
    """The processes still in session ``sid`` (Linux)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            if int(text[text.rindex(")") + 2 :].split()[3]) == sid:
                left.append(text[: text.rindex(")") + 1])
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("where", ["fresh process", "warm fork"])
def test_a_build_leaves_no_process_behind(where: str, tmp_path: Path) -> None:
    """sphinx-sitemap starts a process (a multiprocessing manager) in every build."""
    if where == "warm fork" and not hasattr(os, "fork"):
        pytest.skip("warm builds need os.fork")
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    args = ["-b", "dirhtml", "-q", str(src), str(tmp_path / "out")]
    start = ["-m", "healedheart.build"]
    if where == "warm fork":
        start = ["-c", LEAVES_NOTHING_BEHIND, str(src)]
    # Its own session, to find what it leaves; stdout a pipe, as nox's: a process left
    # holding it would keep communicate() waiting (the benchmark once hung so).
    build = subprocess.Popen(
        [sys.executable, *start, *args],
        cwd=src,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, errors = build.communicate(timeout=120)
        assert build.returncode == 0, errors
        assert _wait_for(lambda: not _session(build.pid), 5), _session(build.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)


def test_leaving_flushes_what_was_printed_and_keeps_the_status() -> None:
    script = "print('all of it', end=''); from healedheart.build import leave; leave(3)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (3, "all of it")


NOTE_THE_COLLECTOR = """
import gc as _gc
with open(__file__.replace("conf.py", "collector.txt"), "a") as _file:
    _file.write(repr(_gc.get_threshold()) + "\\n")
"""


@needs_fork
@pytest.mark.slow
def test_builds_collect_garbage_less_often(tmp_path: Path) -> None:
    """Cold, warm and the test process's own: only the first two are this module's doing."""
    from healedheart.build import GC_THRESHOLDS

    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    with (src / "conf.py").open("a") as conf:
        conf.write(NOTE_THE_COLLECTOR)
    assert cold_build(src, tmp_path / "cold").returncode == 0
    with warm_sphinx(src, tmp_path / "warm.log") as warm:
        assert warm_build(warm, src, tmp_path / "warm") == 0
    seen = (src / "collector.txt").read_text().split("\n")
    assert seen == [repr(GC_THRESHOLDS)] * 2 + [""]
    assert GC_THRESHOLDS != (700, 10, 10)  # Python's own


# -- healedheart.warm ----------------------------------------------------------


@needs_fork
@pytest.mark.slow
def test_warm_builds_write_what_a_fresh_sphinx_build_writes(site: Path, tmp_path: Path) -> None:
    with warm_sphinx(site, tmp_path / "warm.log") as warm:
        # The first build: the warm process has imported little yet.
        assert warm_build(warm, site, tmp_path / "warm") == 0
        # It has now imported what that build imported.
        ready = set(warm.wait_until_ready())
        assert {"ablog", "furo", "myst_parser", "healedheart.feeds"} <= ready
        assert cold_build(site, tmp_path / "cold").returncode == 0
        assert differing(digest(tmp_path / "cold"), digest(tmp_path / "warm")) == []

        # Nothing changed, then a post retitled: the same as a fresh process's
        # rebuild, and as a clean build of the new sources.
        assert warm_build(warm, site, tmp_path / "warm") == 0
        assert differing(digest(tmp_path / "cold"), digest(tmp_path / "warm")) == []
        retitle(site, "A title changed while the preview ran")
        assert warm_build(warm, site, tmp_path / "warm") == 0
        assert cold_build(site, tmp_path / "cold").returncode == 0
        assert cold_build(site, tmp_path / "clean").returncode == 0
        warm_site = digest(tmp_path / "warm")
        assert differing(digest(tmp_path / "cold"), warm_site) == []
        assert differing(digest(tmp_path / "clean"), warm_site) == []
        blog = (tmp_path / "warm" / "blog" / "index.html").read_text(encoding="utf-8")
        assert "A title changed while the preview ran" in blog

        assert (warm.warm_builds, warm.cold_builds) == (3, 0)
        assert warm.last_usage is not None and warm.last_usage.peak_rss_mb > 20


@needs_fork
def test_without_fork_or_a_warm_process_a_build_runs_in_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    out = tmp_path / "html"
    with warm_sphinx(src, tmp_path / "warm.log") as warm:
        assert warm_build(warm, src, out) == 0
        assert (warm.warm_builds, warm.cold_builds) == (1, 0)

        # The warm process dies (killed, out of memory): the next build runs in a
        # fresh process, and the one after in a new warm process.
        warm._process.kill()
        warm._process.wait()
        assert warm_build(warm, src, out) == 0
        assert (warm.warm_builds, warm.cold_builds) == (1, 1)
        assert warm.last_usage is None
        assert warm_build(warm, src, out) == 0
        assert (warm.warm_builds, warm.cold_builds) == (2, 1)

        monkeypatch.delattr(os, "fork")  # as on Windows
        assert warm_build(warm, src, out) == 0
        assert (warm.warm_builds, warm.cold_builds) == (2, 2)
    assert (out / "index.html").is_file()


AS_ON_WINDOWS = """
import os, sys
del os.fork
sys.modules["resource"] = None  # neither exists on Windows: importing it fails
from healedheart.warm import WarmSphinx
with WarmSphinx(sys.argv[1]) as warm:
    status = warm.build(sys.argv[2:])
sys.exit(status or (warm.warm_builds, warm.cold_builds) != (0, 1))
"""


def test_without_fork_or_resource_a_build_runs_in_a_fresh_process(tmp_path: Path) -> None:
    """As on Windows."""
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    args = [*arguments(src, tmp_path / "html"), str(src), str(tmp_path / "html")]
    windows = [sys.executable, "-c", AS_ON_WINDOWS, str(src), *args]
    result = subprocess.run(windows, cwd=src, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "html" / "index.html").is_file()


@needs_fork
def test_a_warm_build_of_a_bad_post_fails_with_the_checks_words(tmp_path: Path) -> None:
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(2), REPO)
    (src / "posts" / "2025").mkdir(exist_ok=True)
    (src / "posts" / "2025" / "no-title.md").write_text(
        "---\ndate: 2025-01-01\n---\n\nJust text.\n", encoding="utf-8"
    )
    with warm_sphinx(src, tmp_path / "warm.log") as warm:
        assert warm_build(warm, src, tmp_path / "html") == 1
        assert warm.warm_builds == 1
    log = (tmp_path / "warm.log").read_text(encoding="utf-8")
    assert "posts/2025/no-title.md, line 4: The post has no title." in log
    assert "Traceback" not in log


# -- healedheart.preview: the live preview, its builds warm -----------------------


def test_the_previews_options_and_what_it_leaves_to_sphinx_build(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    sphinx = [
        "-b",
        "dirhtml",
        "-d",
        str(tmp_path / "dt"),
        "-D",
        "blog_preview=1",
        str(src),
        str(out),
    ]
    options, left = preview.parse([*sphinx, "--port", "8123", "--re-ignore", r"(^|/)drafts/"])
    assert left == sphinx and options.port == 8123 and options.host == "127.0.0.1"
    assert (options.srcdir, options.outdir) == (src.resolve(), out.resolve())
    ignored = options.ignored
    assert ignored(str(out / "index.html")) and ignored(str(tmp_path / "dt" / "env.pickle"))
    assert ignored(str(src / "drafts" / "a.md")) and not ignored(str(src / "posts" / "a.md"))
    with pytest.raises(FileNotFoundError):  # no such source folder: said before anything runs
        preview.parse(["-b", "dirhtml", str(tmp_path / "missing"), str(out)])


def test_a_rebuild_of_nothing_changed_reports_no_change_of_configuration(tmp_path: Path) -> None:
    """Sphinx compares the configuration with the one the last build saved: nothing differs."""
    src = synthetic.write_site(tmp_path / "src", synthetic.generate(3), REPO)
    out = tmp_path / "html"
    assert cold_build(src, out).returncode == 0
    before = bench_preview.snapshot(out)
    again = healedheart_build(src, out, *arguments(src, out)[:-1], env=ENV)  # without -q
    assert again.returncode == 0, again.stderr
    assert "loading pickled environment... done" in again.stdout
    assert "The configuration has changed" not in again.stdout + again.stderr
    changed, same = bench_preview.compare(before, bench_preview.snapshot(out))
    assert changed == []
    # No page made from a document is written again (some extensions' files still are).
    assert not [name for name in same if name.startswith("posts/") or name == "index.html"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _descendants(pid: int) -> dict[int, str]:
    """The command lines of a process's children and theirs, by process ID (Linux)."""
    children: dict[int, list[int]] = {}
    lines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
            lines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = lines.get(child, "")
            todo.append(child)
    return found


@needs_fork
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_preview_rebuilds_a_saved_post_in_the_warm_process(site: Path, tmp_path: Path) -> None:
    port = _free_port()
    out = tmp_path / "preview"
    log = (tmp_path / "preview.log").open("w")
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "healedheart.preview", "-b", "dirhtml"],
            *["-d", str(tmp_path / "preview-doctrees"), "-D", "blog_preview=1"],
            *[str(site), str(out), "--host", "127.0.0.1", "--port", str(port)],
        ],
        cwd=site,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl+C goes to the whole group, as in a terminal
    )
    try:
        blog = f"http://127.0.0.1:{port}/blog/"
        assert _wait_for(lambda: _fetch(blog) is not None, 300), "the preview never served"
        warm = [pid for pid, line in _descendants(server.pid).items() if "healedheart.warm" in line]
        assert len(warm) == 1

        retitle(site, "Saved while the preview was open")
        assert _wait_for(lambda: "Saved while the preview was open" in (_fetch(blog) or ""), 120)
        assert "/websocket-reload" in (_fetch(blog) or "")  # the page reloads itself

        # A change to the site's code: the next build runs it, in a new warm process.
        layout = site / "healedheart" / "layout.py"
        code = layout.read_text(encoding="utf-8")
        assert code.count('"Site menu"') == 1
        layout.write_text(code.replace('"Site menu"', '"The site menu"'), encoding="utf-8")
        post = retitle(site, "Retitled after a change of code").relative_to(site).with_suffix("")
        page = f"http://127.0.0.1:{port}/{post.as_posix()}/"
        assert _wait_for(lambda: 'aria-label="The site menu"' in (_fetch(page) or ""), 120)

        def warms() -> list[int]:
            return [p for p, cmd in _descendants(server.pid).items() if "healedheart.warm" in cmd]

        assert _wait_for(lambda: len(warms()) == 1, 60)  # once the build's own fork is gone
        assert warms() != warm and not Path(f"/proc/{warm[0]}").exists()
        warm = warms()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
        log.close()
    output = (tmp_path / "preview.log").read_text(encoding="utf-8")
    assert output.count("Rebuilding...") >= 1
    assert "Sphinx exited with exit code" not in output
    assert "The configuration has changed" not in output
    assert "Traceback" not in output
    assert not Path(f"/proc/{warm[0]}").exists()  # Ctrl+C stopped the warm process too
