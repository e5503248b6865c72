"""The preview's builds: in forks of a warm process, and the same site as sphinx-build's.

``healedheart.warm`` runs each build of the preview in a copy of a process that
has Sphinx loaded already; ``healedheart.preview`` puts it under sphinx-autobuild;
``healedheart.build`` is sphinx-build without Python's teardown. Here they are
run as the author runs them (real processes, a copy of the real site), and what
they write is compared, file by file, with what a fresh process writes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
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
from healedheart import warm as warm_module
from healedheart.warm import WarmSphinx

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm builds need os.fork")

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


@pytest.mark.slow
def test_warm_builds_write_what_a_fresh_sphinx_build_writes(site: Path, tmp_path: Path) -> None:
    with warm_sphinx(site, tmp_path / "warm.log") as warm:
        # The first build: the warm process has imported little yet.
        assert warm_build(warm, site, tmp_path / "warm") == 0
        ready = warm.wait_until_ready()
        # It has now imported what that build imported, and read what it left.
        assert {"ablog", "furo", "myst_parser", "healedheart.speed.traversal"} <= ready.modules
        read_ahead = {Path(path).name for path in ready.files}
        assert {"healedheart-checks.pickle", "healedheart-summaries.pickle"} <= read_ahead
        assert cold_build(site, tmp_path / "cold").returncode == 0
        assert differing(digest(tmp_path / "cold"), digest(tmp_path / "warm")) == []

        # Nothing changed, then a post retitled: the same as a fresh process's
        # rebuild, and as a clean build of the new sources (each build starting
        # from what the warm process read ahead).
        assert warm_build(warm, site, tmp_path / "warm") == 0
        # The first build made Sphinx's environment and search index; this one read them.
        read_ahead = {Path(path).name for path in warm.wait_until_ready().files}
        assert {"environment.pickle", "healedheart-feeds.json"} <= read_ahead
        assert {"healedheart-summaries.pickle", "searchindex.js"} <= read_ahead  # not read
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

        assert (warm.warm_builds, warm.cold_builds, warm.restarts) == (3, 0, 0)
        assert warm.last_usage is not None and warm.last_usage.peak_rss_mb > 20


@pytest.mark.slow
def test_a_change_to_the_sites_code_starts_a_new_warm_process(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    with warm_sphinx(site, tmp_path / "warm.log") as warm:
        assert warm_build(warm, site, out) == 0
        warm.wait_until_ready()
        layout = site / "healedheart" / "layout.py"
        code = layout.read_text(encoding="utf-8")
        assert code.count('"Site menu"') == 1
        layout.write_text(code.replace('"Site menu"', '"The site menu"'), encoding="utf-8")
        post = retitle(site, "Retitled after a change of code")

        assert warm_build(warm, site, out) == 0
        assert warm.restarts == 1 and warm.warm_builds == 2
        page = out / post.relative_to(site).with_suffix("") / "index.html"
        assert 'aria-label="The site menu"' in page.read_text(encoding="utf-8")


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


def test_a_file_read_ahead_is_used_only_as_it_was_and_only_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm_module, "_ahead", {})
    monkeypatch.setattr(warm_module, "_asked", {})
    monkeypatch.setattr(warm_module, "_wanted", {})
    monkeypatch.setattr(warm_module.gc, "freeze", lambda: None)  # not this test process's
    saved = tmp_path / "state.pickle"
    saved.write_bytes(pickle.dumps({"posts": [1, 2]}))
    warm_module._read_ahead({str(saved): "pickle", str(tmp_path / "gone.json"): "json"})
    ahead = warm_module._ahead[str(saved)][2]
    assert list(warm_module._ahead) == [str(saved)]  # a missing file is not read ahead

    taken = warm_module.read_state(saved, "pickle")
    assert taken is ahead and taken == {"posts": [1, 2]}
    assert warm_module.read_state(saved, "pickle") is not ahead  # once: then from disk
    assert warm_module._asked == {str(saved): "pickle"}  # for the next read ahead

    warm_module._read_ahead({})  # what was asked for before, again
    assert list(warm_module._ahead) == [str(saved)]
    saved.write_bytes(pickle.dumps({"posts": [3]}))  # the build before this one wrote it
    assert warm_module.read_state(saved, "pickle") == {"posts": [3]}
    with pytest.raises(FileNotFoundError):
        warm_module.read_state(tmp_path / "gone.json", "json")


# -- healedheart.preview: sphinx-autobuild with warm builds ----------------------


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
