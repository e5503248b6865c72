"""The templates: compiled code kept between builds, run without a sandbox, looked up once.

- **Kept.** Sphinx compiles every Jinja template (Furo's, ABlog's, ours: about
  forty) from source at the start of every build: about a tenth of a rebuild in
  which nothing changed. Jinja can keep the compiled code in files; here they go
  in the build's doctrees folder (``jinja2-unsandboxed/``). Jinja checks each file
  against the template's source (a checksum) and its own and Python's versions
  before using it, so a changed template is always compiled afresh.
- **No sandbox.** Sphinx renders in Jinja's ``SandboxedEnvironment``, made for
  templates one does not trust: every call a template makes and every attribute
  it reads is first checked (is the name private, is it a function's internals,
  may it be called). The templates here are Sphinx's, Furo's, ABlog's and ours,
  all pinned and trusted, and none reads a private name, or formats a string
  other than a theme option from conf.py: where the sandbox would give something
  else (``tests/test_speed.py`` reads every template to be sure). The checks
  were about 3% of a clean build at 1000 posts (a fifth to a quarter of the
  templates' time, measured on every render of a 300-post build). The
  environment Sphinx made is turned into Jinja's plain ``Environment``, keeping
  all that was put in it (globals, filters, loader); compiled sandboxed code
  calls what the plain one does not have, so the code is kept in a folder of
  its own.
- **Looked up once.** Jinja, by default, checks each template's file on disk
  every time the template is used (each page uses a dozen, through ``extends``
  and ``include``): a ``stat`` each time, about 1% of a clean build. A build
  renders with the templates as they were when it first used them; each build
  (the preview's too, see ``healedheart.warm``) starts with a new environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache
from sphinx.application import Sphinx

from . import kept

FOLDER = "jinja2-unsandboxed"


def keep_compiled_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: the builder's Jinja environment unsandboxed, with a
    bytecode cache, and without a look at the files once a template is loaded."""
    environment = kept.template_environment(app)
    if environment is None or environment.bytecode_cache is not None:
        return
    unsandboxed(environment)
    environment.auto_reload = False
    folder = Path(app.doctreedir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def unsandboxed(environment: Any) -> None:
    """Make a Jinja ``SandboxedEnvironment``, in place, a plain ``Environment``."""
    if not environment.sandboxed:
        return
    environment.__class__ = Environment
    if environment.cache is not None:
        environment.cache.clear()  # nothing compiled in the sandbox is used after
