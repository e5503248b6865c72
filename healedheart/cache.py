"""The one cache: what a build keeps for the next, in one file under one key.

Beside Sphinx's own saved environment, a build keeps what would otherwise be
worked out again on every rebuild of the preview: each post's verdict from the
checks, and what the feeds were made from. It all lives in one file,
``_build/<doctrees>/healedheart-cache.pickle``, under one key: the versions of the
libraries that shape the site, this package's code and templates, and the
configuration. When any of them changes, the whole cache is forgotten; a cache
that cannot be read is ignored. Each module keeps its own part (``part``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from . import state

FILE = "healedheart-cache.pickle"
HERE = Path(__file__).parent
# The libraries whose versions shape what is kept.
LIBRARIES = ("sphinx", "docutils", "myst-parser", "ablog", "furo", "feedgen", "lxml", "pyyaml")
# The settings that shape it.
SETTINGS_PREFIXES = ("blog_", "post_", "html_baseurl", "language", "project", "author")


@functools.cache
def code_digest() -> str:
    """This package's code and templates, and the libraries' versions."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(HERE.rglob("*")):
        if path.suffix in (".py", ".html") and path.is_file():
            digest.update(path.relative_to(HERE).as_posix().encode() + path.read_bytes())
    for name in LIBRARIES:
        with contextlib.suppress(PackageNotFoundError):
            digest.update(f"{name} {version(name)}".encode())
    return digest.hexdigest()


def key_for(config: Any) -> str:
    """The cache's key for a build with ``config``."""
    settings = sorted(
        (item.name, repr(item.value)) for item in config if item.name.startswith(SETTINGS_PREFIXES)
    )
    return hashlib.blake2b(repr((code_digest(), settings)).encode(), digest_size=16).hexdigest()


class Cache:
    """The parts kept between builds, each a dict owned by one module."""

    def __init__(self, path: Path, key: str, parts: dict[str, dict[str, Any]] | None = None):
        self.path, self.key, self.parts = path, key, parts or {}

    @classmethod
    def load(cls, path: Path, key: str) -> Cache:
        """The cache at ``path`` if it was saved under ``key``; otherwise an empty one."""
        with contextlib.suppress(Exception):  # missing, damaged, or of another version
            with path.open("rb") as file:
                saved = pickle.load(file)
            if saved["key"] == key:
                return cls(path, key, saved["parts"])
        return cls(path, key)

    def part(self, name: str) -> dict[str, Any]:
        """The part of the cache that module ``name`` keeps (empty at first)."""
        return self.parts.setdefault(name, {})

    def save(self) -> None:
        """Write the cache (to a temporary file first: a reader never sees half of it)."""
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps({"key": self.key, "parts": self.parts}))
            os.replace(tmp, self.path)


def of(app: Sphinx) -> Cache:
    """This build's cache (loaded on first use)."""
    site = state.of(app)
    if site.cache is None:
        site.cache = Cache.load(Path(app.doctreedir) / FILE, key_for(app.config))
    return site.cache


def save(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: keep what this build found for the next."""
    cache = state.of(app).cache
    if cache is not None and exception is None:
        cache.save()
