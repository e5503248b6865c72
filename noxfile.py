"""Every task a person runs on this blog. `nox -l` lists them; README.md explains them.

The sessions' names are the public interface used by the README, CI and the
author's guide: build, serve, new, check, tests, lint, lighthouse, bench, upgrade-check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# The clean build reads and writes on every core: healedheart.posts merges ABlog's
# posts after a parallel read, and the site is byte-identical with or without -j
# and with or without the speed extension (tests/test_speed.py). Not the preview:
# its rebuilds read a post or two, where starting worker processes costs more.
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
    # Serves and rebuilds on save (starlette, uvicorn, watchfiles), each build in a fork of a
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


# -- Upgrades (issue 19): docs/maintainer-guide.md, "Upgrading" --------------------
# Every Python the site supports; the first is the reference (the lock's own).
UPGRADE_PYTHONS = ("3.11", "3.12", "3.13")
UPGRADE = BUILD / "upgrade"
COMPARE = ROOT / "tools" / "compare_sites.py"


@nox.session(name="upgrade-check", python=UPGRADE_PYTHONS[-1], venv_backend="virtualenv")
def upgrade_check(session: nox.Session) -> None:
    """Build with the pinned and with the newest releases and compare: -- --no-tests."""
    run_tests = "--no-tests" not in session.posargs
    pytest_args = [a for a in session.posargs if a != "--no-tests"]
    env = {}
    if epoch := os.environ.get("SOURCE_DATE_EPOCH") or last_commit_epoch():
        env["SOURCE_DATE_EPOCH"] = epoch  # every build stamped alike, as nox -s build does
    site = nox.project.dependency_groups(PYPROJECT, "site")
    UPGRADE.mkdir(parents=True, exist_ok=True)
    differences = []

    # The pinned site on every supported Python, each in an environment of its own
    # (this session's is the newest releases'): they must be the same bytes.
    pinned = {}
    for version in UPGRADE_PYTHONS:
        python = _pinned_python(session, version)
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        session.run(*pip, "-c", str(CONSTRAINTS), *site, external=True)
        pinned[version] = _upgrade_build(session, python, f"pinned-{version}", env)
    reference_python = _pinned_python(session, UPGRADE_PYTHONS[0])
    reference = pinned[UPGRADE_PYTHONS[0]]
    for version in UPGRADE_PYTHONS[1:]:
        if not _compare(session, reference_python, reference, pinned[version], "--exact"):
            differences.append(f"the pinned build on Python {version}")

    # The newest release of every dependency of the site, indirect ones too, no lock:
    # pip resolves them afresh (--ignore-installed, so even those already here are
    # listed), then exactly that set is installed.
    report = UPGRADE / "newest-resolved.json"
    session.install("--dry-run", "--ignore-installed", "--report", str(report), *map(_name, site))
    resolved = {
        canonicalize_name(p["metadata"]["name"]): p["metadata"]["version"]
        for p in json.loads(report.read_text(encoding="utf-8"))["install"]
    }
    newest_pins = [f"{name}=={version}" for name, version in sorted(resolved.items())]
    session.install("--upgrade", *newest_pins)
    locked = _locked_versions()
    session.log(f"Newest releases on Python {session.python} (and the locked one, if older):")
    for name, version in sorted(resolved.items()):
        was = locked.get(name, "not locked")
        session.log(f"  {name} {version}" + ("" if was == version else f"  (locked: {was})"))
    newest = _upgrade_build(session, "python", f"newest-{session.python}", env)
    if not _compare(session, reference_python, reference, newest):
        differences.append(f"the build with the newest releases on Python {session.python}")

    if run_tests:
        # The tests' own tools at their pins, the site's dependencies as just resolved
        # (a tool's requirement of one of them, beautifulsoup4 say, loses its pin).
        constraints = UPGRADE / "newest-constraints.txt"
        others = [
            line.split("#")[0].strip()
            for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
            if line.split("#")[0].strip() and _name(line.split("#")[0]) not in resolved
        ]
        constraints.write_text("\n".join(newest_pins + others) + "\n", encoding="utf-8")
        tools = [
            _name(r) if _name(r) in resolved else r
            for group in ("preview", "test")  # as nox -s tests installs
            for r in nox.project.dependency_groups(PYPROJECT, group)
        ]
        session.install("-c", str(constraints), *tools)
        if differences:
            session.log("The sites differ (above); the tests still run, to show what else broke.")
        session.run("pytest", *pytest_args)
    if differences:
        session.error("Not the same site: " + "; ".join(differences) + " (report above).")


def _name(requirement: str) -> str:
    """A requirement's package name as pip compares names: ``Sphinx==9.0.4`` -> ``sphinx``."""
    return canonicalize_name(Requirement(requirement).name)


def _locked_versions() -> dict[str, str]:
    lines = CONSTRAINTS.read_text(encoding="utf-8").splitlines()
    pins = (Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip())
    return {canonicalize_name(r.name): str(r.specifier).removeprefix("==") for r in pins}


def _pinned_python(session: nox.Session, version: str) -> str:
    """The python of a virtualenv for the pinned site on Python ``version``, made once."""
    venv = Path(session.cache_dir) / "upgrade-check" / f"pinned-{version}"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        # virtualenv is nox's own dependency, so it is beside the Python running nox.
        session.run(
            sys.executable, "-m", "virtualenv", "-q", "--python", version, str(venv), external=True
        )
    return str(python)


def _upgrade_build(session: nox.Session, python: str, name: str, env: dict[str, str]) -> Path:
    """Build the site as nox -s build does, strictly and from clean, into _build/upgrade/NAME."""
    out, doctrees = UPGRADE / name, UPGRADE / f"{name}-doctrees"
    for folder in (out, doctrees):
        shutil.rmtree(folder, ignore_errors=True)
    args = sphinx_args(out, doctrees, *JOBS, "-n", "-W", "--keep-going", "-q")
    session.run(python, "-m", "healedheart.build", *args, env=env, external=True)
    return out


def _compare(session: nox.Session, python: str, old: Path, new: Path, *options: str) -> bool:
    """tools/compare_sites.py OLD NEW: prints its report; True if the sites are the same."""
    command = [python, str(COMPARE), *options, str(old), str(new)]
    session.log(
        " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c for c in command)
    )
    # Its exit status is the answer, and every comparison runs before the session fails.
    return subprocess.run(command, cwd=ROOT, check=False).returncode == 0
