"""Two clean builds of the same commit give byte-identical sites.

The second build runs in another time zone, with SOURCE_DATE_EPOCH set, and
with the clock moved (time-machine) more than a year on: nothing in the output
may depend on when or where it was built. (Moving the clock forward keeps the
same posts published; scheduled posts are the one thing a date legitimately
changes.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

BUILD = """
import sys, time_machine
with time_machine.travel({when!r}, tick=True):
    from sphinx.cmd.build import main
    sys.exit(main(sys.argv[1:]))
"""


def build(out: Path, *, tz: str, when: str | None, epoch: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "SITE_URL")}
    env["TZ"] = tz
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    args = ["-b", "dirhtml", "-d", str(out.parent / (out.name + "-doctrees")), "-q"]
    args += ["-n", "-W", "--keep-going", str(REPO), str(out)]
    if when:
        cmd = [sys.executable, "-c", BUILD.format(when=when), *args]
    else:
        cmd = [sys.executable, "-m", "sphinx", *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=out.parent)
    assert result.returncode == 0, result.stderr


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_two_builds_in_different_time_zones_and_clocks_are_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    build(first, tz="UTC", when=None, epoch=None)
    build(second, tz="Pacific/Kiritimati", when="2027-12-31 23:30:00+14:00", epoch="1700000000")

    a, b = tree(first), tree(second)
    assert sorted(a) == sorted(b), "the two builds wrote different files"
    differing = [name for name in a if a[name] != b[name]]
    assert not differing, f"files that differ between the two builds: {differing}"
    assert len(a) > 20  # the comparison covered a whole site
