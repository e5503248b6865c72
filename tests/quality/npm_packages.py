"""The validators the quality gates run (npm packages), installed once into a cache.

``package.json`` and ``package-lock.json`` beside this file pin them exactly:
``dependencies`` are what ``nox -s tests`` needs (the Nu Html Checker and axe-core),
``devDependencies`` only Lighthouse, for ``nox -s lighthouse``. ``npm ci`` installs
them into ``_build/npm/<name>/`` (never into the repository's tree), once: a stamp
holding the lock file's hash lets later runs reuse the install, and a file lock
keeps two runs started together from installing over each other.

Standard library only: the ``lighthouse`` session runs this without pytest.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = REPO / "_build" / "npm"
MANIFESTS = ("package.json", "package-lock.json")


class InstallError(RuntimeError):
    """npm is missing or ``npm ci`` failed; the message says what to do."""


def install(name: str = "tests", *, lighthouse: bool = False) -> Path:
    """Install the pinned packages into ``_build/npm/<name>`` and return its node_modules.

    Without ``lighthouse``, devDependencies (Lighthouse and its ~140 packages) are left out.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(
            "npm is not installed, and the quality gates need it to install the Nu Html "
            "Checker and axe-core. Install Node.js 20 or newer (Debian: apt install npm)."
        )
    dest = CACHE / name
    dest.mkdir(parents=True, exist_ok=True)
    wanted = _fingerprint(lighthouse)
    stamp = dest / "installed.stamp"
    with open(dest / "install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be installing: wait for it
        if stamp.is_file() and stamp.read_text() == wanted:
            return dest / "node_modules"
        stamp.unlink(missing_ok=True)
        for manifest in MANIFESTS:
            shutil.copy2(HERE / manifest, dest / manifest)
        # --ignore-scripts: vnu-jar's postinstall would download a Java runtime;
        # the machine's Java 17 runs the jar.
        args = [npm, "ci", "--prefix", str(dest), "--ignore-scripts", "--no-audit", "--no-fund"]
        if not lighthouse:
            args.append("--omit=dev")
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise InstallError(
                f"`{' '.join(args)}` failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        stamp.write_text(wanted)
    return dest / "node_modules"


def _fingerprint(lighthouse: bool) -> str:
    digest = hashlib.sha256()
    for manifest in MANIFESTS:
        digest.update((HERE / manifest).read_bytes())
    return f"{digest.hexdigest()} lighthouse={lighthouse}\n"
