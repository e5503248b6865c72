"""Private names of other packages: few, and every one listed in healedheart.compat."""

from __future__ import annotations

import ast

from conftest import REPO

from healedheart import compat

PACKAGE = REPO / "healedheart"
# Names of other packages' modules, as the code imports them.
FOREIGN = ("sphinx", "docutils", "myst_parser", "ablog", "furo", "jinja2", "sphinx_autobuild")


def private_uses(source: str) -> set[str]:
    """What ``source`` reaches into that other packages keep private.

    - an attribute whose name starts with one underscore, read or written on
      anything but ``self``, ``cls`` or one of this package's own modules;
    - a name starting with an underscore imported from another package;
    - an assignment into another package's module (``sphinx.builders.x = ...``).
    """
    tree = ast.parse(source)
    own_modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level > 0
        for alias in node.names
    }
    found = set()
    for node in ast.walk(tree):
        foreign = isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        if foreign and node.module.split(".")[0] in FOREIGN:
            found |= {a.name for a in node.names if a.name.startswith("_")}
        if isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            base = node.value.id if isinstance(node.value, ast.Name) else None
            documented = (base, node.attr) == ("os", "_exit")  # the standard library's own
            if private and not documented and base not in {"self", "cls", *own_modules}:
                found.add(node.attr)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                dotted = ast.unparse(target)
                if isinstance(target, ast.Attribute) and dotted.split(".")[0] in FOREIGN:
                    found.add(dotted)
    return found


def test_every_private_name_used_is_listed_with_its_fallback() -> None:
    listed = " ".join(p.name for p in compat.PRIVATE_NAMES)
    unlisted = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        names = {name for name in private_uses(path.read_text("utf-8")) if name not in listed}
        if names:
            unlisted[path.relative_to(REPO).as_posix()] = sorted(names)
    assert unlisted == {}
    assert all(p.fallback and p.used_by for p in compat.PRIVATE_NAMES)


def test_there_are_at_most_ten() -> None:
    assert 0 < len(compat.PRIVATE_NAMES) <= 10
    assert set(p.package for p in compat.PRIVATE_NAMES) <= set(compat.TESTED)


def test_the_scan_finds_each_kind_of_private_use() -> None:
    source = """
from sphinx.util.docutils import _parse_str_to_doctree
from . import feeds
import sphinx.builders
builder._read_parallel = wrapped
sphinx.builders.make_chunks = read_parts
feeds._fed_posts(app)
self._x = 1
value = obj.__class__
"""
    assert private_uses(source) == {
        "_parse_str_to_doctree",
        "_read_parallel",
        "sphinx.builders.make_chunks",
    }


def test_the_tested_versions_are_the_pinned_ones() -> None:
    direct = (REPO / "pyproject.toml").read_text("utf-8")
    locked = (REPO / "requirements" / "constraints.txt").read_text("utf-8")
    for name, tested in compat.TESTED.items():
        assert f'"{name}=={tested}"' in direct or f"\n{name}=={tested} " in locked, name
