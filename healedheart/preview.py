"""``python -m healedheart.preview ARGS``: the live preview (``nox -s serve``).

This is sphinx-autobuild, with the same arguments, the same messages and the
same page that reloads itself, except for how each build is run: instead of a
fresh ``python -m sphinx build`` process, the build runs in a fork of a warm
process that has Sphinx loaded already (``healedheart.warm``). A rebuild after
saving a post starts about a second sooner (docs/performance.md).

sphinx-autobuild has no setting for this: its ``Builder`` runs
``subprocess.run([python, "-m", "sphinx", "build", ...])`` itself. So, for the
preview only, the ``subprocess`` that ``sphinx_autobuild.build`` sees is
:class:`_Runner`, which sends that one command to the warm process and every
other command (``--pre-build``, ``--post-build``) to the real ``subprocess``.
The tests run the preview and check that its builds were warm, so an upgrade of
sphinx-autobuild that calls Sphinx another way fails a test rather than going
slow in silence.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .warm import WarmSphinx


class _Runner:
    """``subprocess``, as ``sphinx_autobuild.build`` uses it, with Sphinx's builds warm."""

    CalledProcessError = subprocess.CalledProcessError

    def __init__(self, warm: WarmSphinx) -> None:
        self.warm = warm

    def run(self, command: Sequence[str], *, check: bool = False) -> subprocess.CompletedProcess:
        command = list(command)
        sphinx = [sys.executable, "-m", "sphinx", "build"]
        if command[: len(sphinx)] != sphinx:
            return subprocess.run(command, check=check)
        status = self.warm.build(command[len(sphinx) :])
        if check and status:
            raise subprocess.CalledProcessError(status, command)
        return subprocess.CompletedProcess(command, status)


def source_folder(argv: Sequence[str]) -> Path:
    """The folder with conf.py, from sphinx-autobuild's arguments (as it reads them)."""
    from sphinx_autobuild.__main__ import _parse_args

    return _parse_args(list(argv))[0].sourcedir


def main(argv: Sequence[str]) -> int:
    """Run sphinx-autobuild with ``argv``, its builds warm."""
    import sphinx_autobuild.__main__ as autobuild
    import sphinx_autobuild.build

    with WarmSphinx(source_folder(argv)) as warm:
        sphinx_autobuild.build.subprocess = _Runner(warm)
        autobuild.main(list(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
