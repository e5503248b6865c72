"""Build speed for a blog of a thousand posts (issue 8), without changing a byte.

Every job here makes the build faster and leaves the built site exactly as it
was: ``tests/test_speed.py`` builds the same site with ``blog_speedups = False``
(which turns all of them off) and compares the two trees file by file, serially
and with ``-j 2``. ABlog itself is not forked or patched on disk: where its
behaviour is changed, it is from here, at run time, and said so. One module per
job:

- ``postcopies``: ABlog keeps in the saved environment a full copy of every post
  (and, through each excerpt, a second one). At 1000 posts that is 31 of the
  environment's 35 MB, unpickled by every build and pickled by every build that
  reads a file. The copies are dropped (the whole-post one is not even made); a
  post's full text is read back from its own doctree file in the rare case
  something asks for it.
- ``parallel``: merges ABlog's record of the posts after a parallel read, so that
  ``sphinx-build -j 2`` reads on both cores (ABlog declares itself unsafe for
  parallel reading only because it has no such merge). It also shares out the
  work of a ``-j N`` build: one reading part per process (Sphinx's many small
  parts each sent back all that was read before them), N writers (not N - 1),
  and a rebuild of a few documents in the main process; and it has no log
  record made that the build would not show (workers sent 27 MB of debug
  records back, to be dropped).
- ``garbage``: in a ``-j`` build's readers and writers, Python's cyclic garbage
  collector runs once after each document, rather than in the middle of one.
- ``sitemap``: sphinx-sitemap starts a multiprocessing Manager (a server process)
  on every build to collect page addresses from parallel writers, and lists only
  the pages written by that build. Here the list is computed from the
  environment: no extra process, the same file after a clean build, and a
  complete one after an incremental build.
- ``excerpts``: each post's excerpt is rendered once per build instead of once
  per list that shows it (all posts, its year, tags, category, author), and a
  plain-text excerpt is kept for the next build.
- ``search``: the search index stems each distinct word once per build, instead
  of once per page it appears on.
- ``unchanged``: a rebuild that reads no file does not re-render ABlog's pages
  (tags, categories, years, archive, all posts), whose content cannot have
  changed; they are checked on disk and left as they are. When only some posts'
  titles, excerpts or reading times changed, only the pages that link to them
  are re-rendered.
- ``parsing``: docutils' default settings are worked out once per build, not
  three times per post, and MyST reads front matter with PyYAML's LibYAML loader.
- ``quotes``: smart quotes leave alone the blocks of text they would not change.
- ``traversal``: a walk of a document's tree (``findall``, some sixty per post)
  uses one generator, not one per node.
- ``templates``: the compiled Jinja templates are kept between builds, run
  without Jinja's sandbox (they are all trusted), and are not looked for on disk
  again once loaded.
- ``escaping``: text is escaped for HTML with five replacements, not a
  character-by-character table.
- ``assets``: each stylesheet's and script's checksum (``?v=``) is looked up
  once per build, not once per page.
- ``generated``: in a parallel build (``-j``), the pages extensions generate
  (ABlog's lists) are rendered on every core, not by the main process alone.
- ``summaries``: each post's summary in a list is kept for the next build, so
  that a retitle renders only that post's summaries again.
- ``sidebars``: the left sidebar (Furo's navigation tree, the blog's lists) is
  rendered once per folder of pages, not once per page.
- ``kept``: what ``excerpts`` and ``summaries`` keep between builds (saved
  beside the doctrees, trusted only with the same versions, configuration and
  templates), and the templates' Jinja environment for the jobs that use it.
- ``methods``: one of the builder's methods followed by a step of ours, for
  the length of a ``with`` block (``parallel``'s and ``garbage``'s per-document
  steps).
- ``mentions``: finds the written pages that link to a post, for ``unchanged``
  and for ``healedheart.freshness`` (which re-writes just those documents after
  such a change, rather than every page).

Registered by ``healedheart.setup`` (``app.setup_extension("healedheart.speed")``).
See docs/performance.md for the figures.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import (
    assets,
    escaping,
    excerpts,
    garbage,
    generated,
    parallel,
    parsing,
    postcopies,
    quotes,
    search,
    sidebars,
    sitemap,
    summaries,
    templates,
    traversal,
    unchanged,
)

__version__ = "1.0.0"


def setup(app: Sphinx) -> dict[str, Any]:
    # False turns every job off: the slow, plain build, to compare against.
    app.add_config_value("blog_speedups", True, "env", types=[bool])

    app.connect("config-inited", parallel.declare_ablog_parallel_safe)
    app.connect("config-inited", parallel.no_unshown_records)
    app.connect("config-inited", parsing.start_build)
    app.connect("config-inited", traversal.start_build)
    app.connect("config-inited", quotes.start_build)
    app.connect("config-inited", sitemap.replace_sphinx_sitemap_collector)
    app.connect("builder-inited", postcopies.remember_environment)
    app.connect("builder-inited", postcopies.no_whole_post_copies)
    app.connect("builder-inited", excerpts.start_build)
    app.connect("builder-inited", search.remember_stems)
    app.connect("builder-inited", templates.keep_compiled_templates)
    app.connect("builder-inited", sidebars.offer_to_templates)
    app.connect("builder-inited", summaries.offer_to_templates)
    app.connect("builder-inited", assets.start_build)
    app.connect("builder-inited", escaping.start_build)
    # After healedheart.layout and healedheart.feeds have put their page writers in place.
    app.connect("builder-inited", unchanged.wrap_page_generators, priority=900)
    app.connect("builder-inited", generated.render_on_every_core)
    app.connect("builder-inited", parallel.share_out_work)

    # Reading: after every other doctree-read listener has used ABlog's record of the post.
    app.connect("doctree-read", postcopies.drop_post_copies, priority=900)
    app.connect("env-merge-info", parallel.merge_posts)
    app.connect("env-get-outdated", unchanged.note_removed)
    app.connect("env-before-read-docs", unchanged.note_read)
    # Before anything else looks at the posts once reading is done.
    app.connect("env-updated", parallel.order_posts, priority=100)
    app.connect("env-updated", unchanged.prepare, priority=900)

    # Writing.
    app.connect("html-page-context", sitemap.note_page)
    # Before sphinx-sitemap writes the file (500).
    app.connect("build-finished", sitemap.list_every_page, priority=450)
    app.connect("build-finished", unchanged.save_stamps)
    app.connect("build-finished", excerpts.save_plain_excerpts)
    app.connect("build-finished", summaries.save_summaries)

    excerpts.install()
    parsing.install()
    traversal.install()
    quotes.install()
    sidebars.lazy_navigation_tree()
    assets.install()
    escaping.install()
    parallel.share_out_reading()
    garbage.install()
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
