"""Every task a person runs on this blog. `nox -l` lists them; README.md explains them.

The sessions' names are the public interface used by the README, CI and the
author's guide: build, serve, new, check, tests, lint, lighthouse, bench.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["check", "build"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
BUILD = ROOT / "_build"
HTML = BUILD / "html"


def install(session: nox.Session, *groups: str) -> None:
    """Install dependency groups from pyproject.toml, at the versions pinned in the lock.

    Compiled to bytecode as they are installed (pip does this itself; uv, only when
    asked). Otherwise every process compiles Sphinx, docutils and the rest again on a
    machine that keeps no bytecode cache (PYTHONDONTWRITEBYTECODE, as on CI): 2.3 s
    to import them instead of 0.9 s, in every build and every test that builds.
    """
    requirements = [r for g in groups for r in nox.project.dependency_groups(PYPROJECT, g)]
    session.install("-c", str(CONSTRAINTS), *requirements, env={"UV_COMPILE_BYTECODE": "1"})


# The clean build reads and writes on every core: healedheart.speed merges ABlog's
# posts after a parallel read, and the site is byte-identical with or without -j
# (tests/test_speed.py). Not the preview: its rebuilds read a post or two, and
# starting worker processes made them slower (docs/performance.md).
JOBS = ("-j", "auto")


def sphinx_args(outdir: Path, doctrees: Path, *extra: str) -> list[str]:
    """The one way the site is built: dirhtml pages (URLs like /posts/2025/slug/)."""
    return ["-b", "dirhtml", "-d", str(doctrees), *extra, str(ROOT), str(outdir)]


def last_commit_epoch() -> str | None:
    """The last commit's time: stamped into nothing, but fixes any tool that reads a clock."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


@nox.session
def check(session: nox.Session) -> None:
    """Check every post for mistakes (dates, tags, links, images) without building."""
    install(session, "site")
    session.run("python", "-m", "healedheart", "check", "--root", str(ROOT))


@nox.session
def build(session: nox.Session) -> None:
    """Build the public site, strictly and from clean, into _build/html."""
    install(session, "site")
    session.run("python", "-m", "healedheart", "check", "--root", str(ROOT))
    for folder in (HTML, BUILD / "doctrees"):
        shutil.rmtree(folder, ignore_errors=True)
    env = {}
    if "SOURCE_DATE_EPOCH" not in os.environ and (epoch := last_commit_epoch()):
        env["SOURCE_DATE_EPOCH"] = epoch
    # -n -W --keep-going: every warning is reported, then the build fails.
    # sphinx-build itself, ended without Python's teardown (healedheart/build.py).
    session.run(
        "python",
        "-m",
        "healedheart.build",
        *sphinx_args(HTML, BUILD / "doctrees", *JOBS, "-n", "-W", "--keep-going", "-q"),
        env=env,
    )
    session.log(f"The site is in {HTML.relative_to(ROOT)}/. Preview it with: nox -s serve")


@nox.session
def serve(session: nox.Session) -> None:
    """Preview the site at http://127.0.0.1:8000 while you write; drafts are shown."""
    install(session, "site", "preview")
    preview = BUILD / "preview"
    # Serves and rebuilds on save (sphinx-autobuild's pieces), each build in a fork of a
    # warm process (healedheart/preview.py). benchmarks/preview.py runs this same command.
    session.run(
        "python",
        "-m",
        "healedheart.preview",
        *sphinx_args(preview, BUILD / "preview-doctrees", "-D", "blog_preview=1"),
        "--host",
        "127.0.0.1",
        "--port",
        os.environ.get("PREVIEW_PORT", "8000"),
        "--re-ignore",
        r"(^|/)(\.nox|\.git|_build|tests|docs|node_modules)(/|$)",
        *session.posargs,
    )


@nox.session
def new(session: nox.Session) -> None:
    """Start a post: nox -s new -- "Title of the post" --tags a,b --category C."""
    install(session, "site")
    session.run("python", "-m", "healedheart", "new", "--root", str(ROOT), *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run every test: the site is built and opened in Chromium (Debian's /usr/bin/chromium)."""
    install(session, "site", "preview", "test")  # preview: tests/test_warm.py runs it
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint the Python code and the GitHub workflows (ruff, actionlint, zizmor)."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("actionlint", *workflows)
    session.run("zizmor", "--offline", "--config", str(ROOT / ".github" / "zizmor.yml"), *workflows)


@nox.session(venv_backend="virtualenv")
def lock(session: nox.Session) -> None:
    """Re-pin every dependency, direct and indirect, into requirements/constraints.txt."""
    session.install("uv")
    groups = [f"pyproject.toml:{g}" for g in PYPROJECT["dependency-groups"]]
    session.run(
        "uv",
        "pip",
        "compile",
        *[arg for g in groups for arg in ("--group", g)],
        "--python-version",
        "3.11",
        "--no-header",
        "--annotation-style",
        "line",
        "-o",
        str(CONSTRAINTS.relative_to(ROOT)),
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Time the build on N synthetic posts against Pelican: nox -s bench -- 300 1000 3000."""
    install(session, "site", "preview", "bench")  # preview: the bench runs nox -s serve's command
    env = {}
    if "SOURCE_DATE_EPOCH" not in os.environ and (epoch := last_commit_epoch()):
        env["SOURCE_DATE_EPOCH"] = epoch  # as nox -s build does
    # benchmarks/run.py: --repeat R (default 5), -j JOBS, --json, --site; see --help.
    session.run("python", "-m", "benchmarks.run", *session.posargs, env=env)


@nox.session
def lighthouse(session: nox.Session) -> None:
    """Build the site, then score home, a post and a tag page with Lighthouse 12, as a phone."""
    build(session)  # the build session's own steps: check, then a strict, clean build
    # Serves _build/html on 127.0.0.1; npm-installs Lighthouse (pinned) into _build/npm/.
    lighthouse_py = ROOT / "tests" / "quality" / "lighthouse.py"
    session.run("python", str(lighthouse_py), str(HTML), *session.posargs)  # -- --keep DIR
