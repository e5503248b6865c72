"""The search index: each distinct word stemmed once per build, and no dead words.

Sphinx's search index reduces every word of every page to its stem (Snowball's
English stemmer, in pure Python), remembering stems only within one page. A
blog's pages share most of their words, so at 1000 posts the same few thousand
words are stemmed again on every page: about a third of the time spent writing
pages. The stemmer of the index being built is given a memory for the whole
build; a stem depends on nothing but the word, so the index is unchanged.

On an incremental build, Sphinx loads the previous index and removes the pages
it will rewrite, but keeps each word they alone contained, with an empty list of
pages (``"courag": []`` once "On courage" is retitled). Those words are dropped,
so that a rebuild writes the index a clean build writes.
"""

from __future__ import annotations

import functools
from collections.abc import Set
from typing import Any

from sphinx.application import Sphinx


def remember_stems(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: stem words through a memory once the index exists."""
    builder = app.builder
    load_indexer = getattr(builder, "load_indexer", None)
    if not app.config.blog_speedups or load_indexer is None:
        return

    # The HTML builder creates its index, then loads the previous one into it.
    @functools.wraps(load_indexer)
    def load_indexer_remembering_stems(docnames: Set[str]) -> Any:
        result = load_indexer(docnames)
        indexer = builder.indexer
        language = getattr(indexer, "lang", None)
        if language is not None:
            language.stem = functools.cache(language.stem)
        for mapping in (getattr(indexer, "_mapping", {}), getattr(indexer, "_title_mapping", {})):
            for word in [word for word, pages in mapping.items() if not pages]:
                del mapping[word]
        return result

    builder.load_indexer = load_indexer_remembering_stems
