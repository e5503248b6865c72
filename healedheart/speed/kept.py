"""What the speed-ups keep between builds, and where they reach the templates.

``excerpts`` and ``summaries`` keep rendered HTML in the doctrees folder for the
next build. Such HTML depends on more than its own key: the versions of Sphinx
and docutils, the configuration, the templates, the builder. ``build_inputs``
is that list; ``load`` gives back what was saved only when it is the same, and
``save`` writes through a temporary file so that a build stopped half-way leaves
no half-written file.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from pathlib import Path
from typing import Any

import docutils
import sphinx
from sphinx.application import Sphinx

from ..warm import read_state


def build_inputs(app: Sphinx, *more: Any) -> tuple[Any, ...]:
    """What rendered HTML depends on besides its key (and ``more``: the caller's own)."""
    build_info = getattr(app.builder, "build_info", None)
    templates: Any = getattr(app.builder, "templates", None)
    return (
        sphinx.__version__,
        docutils.__version__,
        getattr(build_info, "config_hash", None),
        getattr(build_info, "tags_hash", None),
        templates.newest_template_mtime() if templates else None,
        app.builder.name,
        *more,
    )


def load(app: Sphinx, filename: str, inputs: tuple[Any, ...]) -> Any | None:
    """What the last build saved as ``filename``, if it was built from the same ``inputs``."""
    with contextlib.suppress(Exception):  # missing, damaged, from other code
        saved = read_state(Path(app.doctreedir) / filename, "pickle")
        if saved["inputs"] == inputs:
            return saved["data"]
    return None


def save(app: Sphinx, filename: str, inputs: tuple[Any, ...], data: Any) -> None:
    """Keep ``data`` for the next build (nothing is lost if it cannot be written)."""
    path = Path(app.doctreedir) / filename
    with contextlib.suppress(OSError):
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as file:
            pickle.dump({"inputs": inputs, "data": data}, file)
        os.replace(tmp, path)


def template_environment(app: Sphinx) -> Any | None:
    """The HTML builder's Jinja environment; None without one, or with the speed-ups off."""
    if not app.config.blog_speedups:
        return None
    return getattr(getattr(app.builder, "templates", None), "environment", None)
