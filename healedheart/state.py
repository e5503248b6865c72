"""What one build knows that more than one of its hooks needs: one object per build.

Hooks share state here, explicitly, instead of in attributes stuck onto Sphinx's
application. Per-document state that must survive a parallel read lives in the
environment instead, with a merge (``readingtime``, ``parallelread``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


@dataclass
class BuildState:
    """One build's shared state; each field names the module that fills it."""

    post_paths: list[Path] | None = None  # checks: the posts that passed, for publishing
    statuses: dict[str, Any] = field(default_factory=dict)  # publishing: docname -> PostStatus
    related: Any = None  # related: this build's index of posts by tag
    feeds: Any = None  # feeds: the site's feeds, worked out once per build
    # freshness: the posts whose own display changed in this rebuild (None: write
    # every generated page again)
    changed_posts: set[str] | None = None
    pages_left_unwritten: set[str] = field(default_factory=set)  # freshness: generated pages
    sitemap_before: set[str] = field(default_factory=set)  # sitemap: the last build's addresses
    cache: Any = None  # cache: what the last build kept for this one


_STATES: weakref.WeakKeyDictionary[Sphinx, BuildState] = weakref.WeakKeyDictionary()


def of(app: Sphinx) -> BuildState:
    """The state of the build ``app`` runs (made on first use)."""
    state = _STATES.get(app)
    if state is None:
        state = _STATES[app] = BuildState()
    return state
