"""Four costs of reading a post that do not depend on the post.

- **Docutils settings.** For every document, Sphinx, MyST and ABlog each build
  docutils' settings from scratch: an ``OptionParser`` with its two hundred
  options is constructed (and, for Sphinx, the docutils.conf files looked for),
  only to read its default values. Three times per post, that was about a tenth
  of a clean build. Here the defaults are worked out once per kind of request in
  a build, and each caller gets its own copy of them, as before: a new settings
  object, new lists, and a new, empty record of the files the document depends
  on. A request whose defaults cannot be compared (an unhashable value) or that
  records dependencies to a file is passed through untouched.
- **Front matter.** MyST reads each post's front matter twice with PyYAML's
  pure-Python loader. Here MyST's front matter is read with PyYAML's LibYAML
  loader (``CSafeLoader``): the same YAML, ten times faster. ``healedheart.checks``
  has already read every post's front matter with the same loader before the
  build starts, so a post MyST could not read never gets this far.
- **MyST's settings for the file.** For every file with front matter, MyST
  merges what the front matter says about MyST (its ``myst``, ``html_meta`` and
  ``substitutions`` keys) into a copy of the site's settings, first listing
  every setting with a deep copy of its value. A post says nothing about MyST:
  it gets the copy, without the listing (0.2 ms a post).
- **MyST's Markdown parser.** For every file, MyST builds a new markdown-it
  parser with its plugins, whose renderer then lists its own methods
  (``inspect.getmembers``): 0.2 ms a post, 1.4% of a clean build. What is built
  depends on nothing but MyST's settings for the file and the renderer's class,
  so here one is built per kind of settings in a build and used again for every
  file whose settings are equal to those it was built from (a deep copy of them
  is kept for the comparison: MyST's ``figure-md`` changes a file's settings while
  it renders). Each file's own settings and document are handed to it, as MyST
  does, and each render starts afresh (the renderer's ``setup_render``).

Installed once per process, inert in a build with ``blog_speedups = False``; the
built site is byte-identical either way (``tests/test_speed.py``).
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable, Hashable
from typing import Any

import docutils.frontend
import myst_parser.mdit_to_docutils.base
import myst_parser.parsers.sphinx_
import sphinx.util.docutils
import yaml
from docutils.utils import DependencyList
from sphinx.application import Sphinx
from sphinx.config import Config

_state: dict[str, Any] = {"on": False, "remembered": {}, "parsers": [], "parsing": 0}


def start_build(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: on or off for this build, and nothing remembered yet.

    Forgetting at the start of each build keeps what a docutils.conf file said
    (which Sphinx looks for in the current folder) from one build to the next.
    """
    _state["on"] = bool(config.blog_speedups)
    _state["remembered"] = {}
    _state["parsers"] = []


def install() -> None:
    """Route the three settings functions, MyST's YAML and its merge through here (once)."""
    if getattr(sphinx.util.docutils._get_settings, "_healedheart", False):
        return
    sphinx.util.docutils._get_settings = _remembering(sphinx.util.docutils._get_settings)
    docutils.frontend.get_default_settings = _remembering(docutils.frontend.get_default_settings)
    base = myst_parser.mdit_to_docutils.base
    base.get_default_settings = _remembering(base.get_default_settings)
    # MyST reads front matter in two places: read_topmatter and the renderer.
    parser = myst_parser.parsers.sphinx_
    parser.read_topmatter = _with_fast_yaml(parser.read_topmatter)
    renderer = base.DocutilsRenderer
    renderer.render_front_matter = _with_fast_yaml(renderer.render_front_matter)
    parser.merge_file_level = _merging_only_what_is_said(parser.merge_file_level)
    parser.create_md_parser = _reusing_parsers(parser.create_md_parser)
    parser.MystParser.parse = _counting_parses(parser.MystParser.parse)


def _key(components: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable | None:
    kinds = tuple(c if isinstance(c, type) else type(c) for c in components)
    defaults = kwargs.get("defaults") or {}
    items = tuple(sorted((name, frozen(value)) for name, value in defaults.items()))
    try:
        hash(items)
    except TypeError:
        return None
    rest = tuple(sorted((k, v) for k, v in kwargs.items() if k != "defaults"))
    return kinds, items, rest


def frozen(value: Any) -> Any:
    """A list's or dict's contents as a tuple (with its type), so that it can be a key."""
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(frozen(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple(sorted((k, frozen(v)) for k, v in value.items())))
    return value


def _remembering(get_settings: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(get_settings)
    def remembering(*components: Any, **kwargs: Any) -> Any:
        if not _state["on"]:
            return get_settings(*components, **kwargs)
        key = _key(components, kwargs)
        if key is None:
            return get_settings(*components, **kwargs)
        memory = _state["remembered"]
        if key not in memory:
            settings = get_settings(*components, **kwargs)
            dependencies = getattr(settings, "record_dependencies", None)
            recording = not isinstance(dependencies, DependencyList) or dependencies.file
            if recording or dependencies.list:
                return settings
            memory[key] = settings
        return _copy(memory[key])

    remembering._healedheart = True  # type: ignore[attr-defined]
    return remembering


def _copy(settings: Any) -> Any:
    """A settings object of its own: what a fresh ``get_default_values()`` gives."""
    fresh = copy.copy(settings)
    for name, value in vars(fresh).items():
        if type(value) is list:
            setattr(fresh, name, list(value))
    fresh.record_dependencies = DependencyList()
    return fresh


# The keys of a file's front matter that MyST reads its settings from.
MYST_KEYS = ("myst", "html_meta", "substitutions")


def _merging_only_what_is_said(merge: Callable[..., Any]) -> Callable[..., Any]:
    """MyST's ``merge_file_level``, short when the front matter says nothing about MyST."""

    @functools.wraps(merge)
    def merging(config: Any, topmatter: Any, warning: Any) -> Any:
        if _state["on"] and not any(key in topmatter for key in MYST_KEYS):
            return config.copy()  # what MyST's merge gives when there is nothing to merge
        return merge(config, topmatter, warning)

    return merging


def _counting_parses(parse: Callable[..., Any]) -> Callable[..., Any]:
    """``MystParser.parse``, counting how many parses are under way (one inside another:
    a Markdown file included in a post, say)."""

    @functools.wraps(parse)
    def counting(self: Any, inputstring: str, document: Any) -> None:
        _state["parsing"] += 1
        try:
            parse(self, inputstring, document)
        finally:
            _state["parsing"] -= 1

    return counting


def _reusing_parsers(create: Callable[..., Any]) -> Callable[..., Any]:
    """MyST's ``create_md_parser``, building a parser once per kind of settings in a build."""

    @functools.wraps(create)
    def reusing(config: Any, renderer: Any) -> Any:
        # A parse inside another gets a parser of its own: the outer one is in use.
        if not _state["on"] or _state["parsing"] != 1:
            return create(config, renderer)
        built = _state["parsers"]
        for built_from, built_for, parser in built:
            if built_for is renderer and built_from == config:
                parser.options["myst_config"] = config  # what MyST gives it
                return parser
        parser = create(config, renderer)
        with contextlib.suppress(TypeError, copy.Error):  # settings that cannot be copied
            built.append((copy.deepcopy(config), renderer, parser))
        return parser

    return reusing


def _c_safe_load(stream: Any) -> Any:
    return yaml.load(stream, Loader=yaml.CSafeLoader)  # the safe loader, in C


def _with_fast_yaml(read: Callable[..., Any]) -> Callable[..., Any]:
    """``read`` with ``yaml.safe_load`` on LibYAML while it runs (reading is single-threaded)."""

    @functools.wraps(read)
    def reading(*args: Any, **kwargs: Any) -> Any:
        if not (_state["on"] and hasattr(yaml, "CSafeLoader")):
            return read(*args, **kwargs)
        original, yaml.safe_load = yaml.safe_load, _c_safe_load
        try:
            return read(*args, **kwargs)
        finally:
            yaml.safe_load = original

    return reading
