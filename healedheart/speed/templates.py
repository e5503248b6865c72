"""Compiled templates kept between builds, and run without the sandbox's checks.

Sphinx compiles every Jinja template (Furo's, ABlog's, ours: about forty) from
source at the start of every build: about a tenth of a rebuild in which nothing
changed. Jinja can keep the compiled code in files; here they go in the build's
doctrees folder (``jinja2/``). Jinja checks each file against the template's
source (a checksum) and its own and Python's versions before using it, so a
changed template is always compiled afresh.

Sphinx renders them in Jinja's *sandbox*, meant for templates from people one
does not trust: every attribute a template reads (``post.title``), every item
and every call is first checked against a list of unsafe ones. That is about a
quarter of the time spent in templates, for a thousand posts' summaries and
pages. This site's templates are its own, Furo's and ABlog's, reviewed and
pinned, and no reader's or author's text is ever a template, so
:func:`trust_the_templates` has the environment read attributes and items and
make calls as Jinja's ordinary environment does. The compiled code is the
same (the environment is still the sandbox class: the kept bytecode stays
valid); a template that reached for something unsafe would get it instead of an
empty value, and none does (the site is byte-identical with
``blog_speedups = False``, which keeps the checks).
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache
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


def trust_the_templates(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: attributes, items and calls without the sandbox's checks."""
    environment = kept.template_environment(app)
    if environment is None or not getattr(environment, "sandboxed", False):
        return
    environment.getattr = types.MethodType(Environment.getattr, environment)
    environment.getitem = types.MethodType(Environment.getitem, environment)
    environment.call = types.MethodType(_call, environment)


def _call(environment: Any, context: Any, function: Any, /, *args: Any, **kwargs: Any) -> Any:
    # What the sandbox's ``call`` does once the function is found safe.
    return context.call(function, *args, **kwargs)
