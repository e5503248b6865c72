"""How long a post takes to read ("6 min read"): counted once, as the post is read,
kept in the environment; templates call ``reading_minutes(docname)``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

# A relaxed adult reading speed for reflective prose, in words per minute.
WORDS_PER_MINUTE = 200
# Words, with their inner apostrophes (straight or curly) and hyphens: "deep-seated".
# (Possessive: what a word's letters match, they keep; the same words, found sooner.)
_WORD = re.compile(r"\w++(?:['\u2019\-]\w++)*+")
# Text a reader does not read as prose.
_SKIPPED = (
    nodes.title,
    nodes.docinfo,
    nodes.literal_block,
    nodes.comment,
    nodes.raw,
    nodes.system_message,
)


def minutes_for(words: int) -> int:
    """Minutes to read ``words`` words: rounded up, and never less than one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def count_words(doctree: nodes.Node) -> int:
    """The words of a document's prose."""
    # One walk that does not go into what is skipped; the texts joined by spaces,
    # which no word spans, and counted at once.
    texts: list[str] = []
    to_visit = [doctree]
    while to_visit:
        node = to_visit.pop()
        for child in node.children:
            if isinstance(child, nodes.Text):
                texts.append(child)
            elif not isinstance(child, _SKIPPED):
                to_visit.append(child)
    return _WORD.subn("", " ".join(texts))[1]


def _store(env: BuildEnvironment) -> dict[str, int]:
    return env.__dict__.setdefault("healedheart_reading_minutes", {})


def record(app: Sphinx, doctree: nodes.document) -> None:
    """Count a post's words as it is read (after ABlog has recorded the post)."""
    env = app.env
    if env.docname not in getattr(env, "ablog_posts", {}):
        return
    _store(env)[env.docname] = minutes_for(count_words(doctree))


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _store(env).pop(docname, None)


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Parallel reads: take the counts the other process made."""
    theirs = getattr(other, "healedheart_reading_minutes", {})
    _store(env).update({d: theirs[d] for d in docnames if d in theirs})


def reading_minutes(env: BuildEnvironment, docname: str) -> int | None:
    """A post's reading time in minutes; None for a page that is not a post."""
    return _store(env).get(docname)


def add_template_global(app: Sphinx) -> None:
    """Give every template ``reading_minutes(docname)`` (pages, lists, the post header)."""
    templates: Any = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        environment.globals["reading_minutes"] = lambda docname: reading_minutes(app.env, docname)
