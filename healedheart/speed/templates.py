"""Compiled templates kept between builds.

Sphinx compiles every Jinja template (Furo's, ABlog's, ours: about forty) from
source at the start of every build: about a tenth of a rebuild in which nothing
changed. Jinja can keep the compiled code in files; here they go in the build's
doctrees folder (``jinja2/``). Jinja checks each file against the template's
source (a checksum) and its own and Python's versions before using it, so a
changed template is always compiled afresh.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx

from . import kept

FOLDER = "jinja2"


def keep_compiled_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: give the builder's Jinja environment a bytecode cache."""
    environment = kept.template_environment(app)
    if environment is None or environment.bytecode_cache is not None:
        return
    folder = Path(app.doctreedir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))
