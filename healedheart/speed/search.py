"""The search index: each word stemmed once per build, filed once per page; no dead words.

Sphinx's search index reduces every word of every page to its stem (Snowball's
English stemmer, in pure Python), remembering stems only within one page. A
blog's pages share most of their words, so at 1000 posts the same few thousand
words are stemmed again on every page: about a third of the time spent writing
pages. The stemmer of the index being built is given a memory for the whole
build; a stem depends on nothing but the word, so the index is unchanged.

Sphinx also files every occurrence of a word on a page (a post of 1200 words
has about 400 distinct ones), and filing is idempotent: the page is added to
the word's set. Each page's words are given to it once each, in the order they
first appear, so the index's words come in the same order as before.

A rebuild that reads, removes and writes no document (nothing changed) leaves
the index as it is: Sphinx would load it, prune nothing, and write the same
bytes again (about 0.15 s at 1000 posts).

On an incremental build, Sphinx loads the previous index and removes the pages
it will rewrite, but keeps each word they alone contained, with an empty list of
pages (``"courag": []`` once "On courage" is retitled). Those words are dropped,
so that a rebuild writes the index a clean build writes.
"""

from __future__ import annotations

import functools
from collections.abc import Set
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..warm import expect_state
from . import unchanged


def remember_stems(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: stem words through a memory once the index exists."""
    builder = app.builder
    load_indexer = getattr(builder, "load_indexer", None)
    if not app.config.blog_speedups or load_indexer is None:
        return

    dump_search_index = builder.dump_search_index
    state = {"unchanged": False}
    # Read only when a page changed; the warm preview reads it ahead anyway.
    expect_state(Path(builder.outdir) / builder.searchindex_filename, "search index")

    # The HTML builder creates its index, then loads the previous one into it.
    @functools.wraps(load_indexer)
    def load_indexer_remembering_stems(docnames: Set[str]) -> Any:
        index_file = Path(builder.outdir) / builder.searchindex_filename
        if not docnames and not unchanged.activity(app) and index_file.is_file():
            state["unchanged"] = True  # nothing read, removed or written: as it is
            return None
        result = load_indexer(docnames)
        indexer = builder.indexer
        language = getattr(indexer, "lang", None)
        if language is not None:
            language.stem = functools.cache(language.stem)
        collect = getattr(indexer, "_word_collector", None)
        if collect is not None:
            indexer._word_collector = functools.partial(_distinct_words, collect)
        for mapping in (getattr(indexer, "_mapping", {}), getattr(indexer, "_title_mapping", {})):
            for word in [word for word, pages in mapping.items() if not pages]:
                del mapping[word]
        return result

    @functools.wraps(dump_search_index)
    def dump_search_index_if_changed() -> None:
        if not state["unchanged"]:
            dump_search_index()

    builder.load_indexer = load_indexer_remembering_stems
    builder.dump_search_index = dump_search_index_if_changed


def _distinct_words(collect: Any, doctree: Any) -> Any:
    """Sphinx's word store for a page, each word in it once, in first-seen order."""
    store = collect(doctree)
    store.words = list(dict.fromkeys(store.words))
    store.title_words = list(dict.fromkeys(store.title_words))
    return store
