"""Sphinx extension for "To a healed heart".

One module per job:

- ``site``: the public address (``html_baseurl``, overridable by ``SITE_URL``).
- ``frontmatter``: reads a post's front matter with line numbers, for errors.
- ``publishing``: which posts are published, drafts or scheduled; keeps the
  unpublished ones out of the deployed site entirely.
- ``layout``: puts ABlog's pages inside Furo's layout (templates, styles, the
  pages ABlog generates).
- ``titles``: a heading is plain text, never raw HTML.
- ``postpage``: what a post page shows around the text (date, author, tags,
  previous and next post).
- ``feeds``: Atom, RSS and JSON Feed for the blog, each tag and each category,
  and the links that advertise them.

Every Sphinx hook is registered here, in ``setup``.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import (
    cache,
    checks,
    compat,
    feeds,
    freshness,
    frontmatter,
    layout,
    links,
    notfoundpage,
    postpage,
    posts,
    publishing,
    readingtime,
    redirects,
    related,
    replies,
    robots,
    site,
    sitemap,
    social,
    titles,
)

__version__ = "1.0.0"


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    # Furo (the theme) before the saved environment is compared with this configuration:
    # otherwise its pygments_dark_style is not known yet and "has changed" on every rebuild.
    app.setup_extension("furo")

    app.add_config_value("blog_timezone", "Europe/London", "env", types=[str])
    app.add_config_value("blog_preview", False, "env", types=[bool])
    # An ISO date to build the site as of that day (tests; "what will go live?").
    app.add_config_value("blog_today", "", "env", types=[str])

    # Read-time: settle the address and the set of posts before anything is read.
    app.connect("config-inited", site.apply_base_url)
    app.connect("config-inited", site.keep_tools_out_of_sitemap)
    # Before publishing reads the posts (600): bad posts are reported and left out, and the
    # build fails (never a crash in ABlog, never a post silently missing).
    app.connect("config-inited", checks.check_before_build, priority=590)
    app.connect("config-inited", publishing.exclude_unpublished, priority=600)
    app.connect("config-inited", layout.add_templates_and_styles)
    app.add_transform(frontmatter.NormaliseForABlog)
    app.add_transform(titles.PlainTextHeadings)
    # After ABlog's process_posts (500) has recorded the post.
    app.connect("doctree-read", publishing.file_drafts_as_drafts, priority=550)
    app.add_directive("feed-addresses", feeds.FeedAddresses)
    # After ABlog's process_posts (500) has recorded the post.
    app.connect("doctree-read", feeds.record_updated, priority=600)
    # Parallel reading (-j): ABlog's record of the posts merged, then ABlog declared safe.
    app.connect("env-merge-info", posts.merge_posts)
    app.connect("doctree-read", posts.drop_post_copies, priority=900)
    app.connect("env-updated", posts.order_posts, priority=100)
    app.connect("config-inited", compat.declare_parallel_read_safe)

    # Incremental builds: re-write the pages that show what changed in the lists of posts.
    for builder in freshness.BUILDERS:
        app.add_builder(builder, override=True)
    app.connect("env-updated", freshness.rewrite_pages_if_posts_changed)
    app.connect("build-finished", freshness.forget_pending)
    app.connect("build-finished", freshness.drop_stale_search_terms)
    # Last: what this build found, kept for the next (one file, one key).
    app.connect("build-finished", cache.save, priority=900)

    # Write-time: ABlog's generated pages and the post page furniture.
    app.connect("build-finished", layout.remove_drafts_page)
    app.connect("builder-inited", layout.keep_excerpts)
    app.connect("html-page-context", postpage.add_post_context)
    app.connect("doctree-resolved", postpage.insert_post_header)
    # Feeds (ABlog writes none): once every page is written, each post read back from it.
    app.connect("html-collect-pages", feeds.write_feeds)
    # Before -j writers are forked from the main process, so that they share it.
    app.connect("write-started", related.prepare_for_writers)
    app.connect("html-page-context", feeds.add_feed_links)
    app.connect("doctree-resolved", feeds.resolve_feed_addresses)
    app.connect("build-finished", site.write_cname)

    # Readers and search engines (issue 5): sharing cards, structured data, robots.txt,
    # sitemap, 404, redirects, reading time, related posts, replies, no third parties.
    app.setup_extension("sphinxext.opengraph")
    app.setup_extension("notfound.extension")
    app.add_config_value("blog_reply_email", "", "html", types=[str])
    app.add_config_value("redirects", {}, "html", types=[dict])
    app.add_css_file("readers.css", priority=600)
    # After site.apply_base_url and publishing (600): the address and posts are known.
    app.connect("config-inited", social.configure, priority=610)
    app.connect("config-inited", notfoundpage.set_prefix, priority=610)
    app.connect("config-inited", sitemap.exclude_non_public, priority=610)
    app.connect("config-inited", replies.check_address)
    app.connect("config-inited", redirects.check_config)
    app.connect("doctree-read", readingtime.record, priority=600)
    app.connect("env-purge-doc", readingtime.purge)
    app.connect("env-merge-info", readingtime.merge)
    app.add_post_transform(links.ExternalLinksNoopener)
    app.connect("builder-inited", readingtime.add_template_global)
    # Before sphinxext-opengraph (500), which reads the page's overrides.
    app.connect("html-page-context", social.add_sharing_meta, priority=450)
    app.connect("html-page-context", social.add_json_ld, priority=460)
    app.connect("html-page-context", robots.add_noindex)
    app.connect("html-page-context", notfoundpage.adjust_context)
    app.connect("env-updated", related.forget_index)
    app.connect("html-page-context", related.add_related_posts)
    app.connect("html-page-context", replies.add_reply_link)
    app.connect("build-finished", notfoundpage.move_to_top)
    app.connect("build-finished", redirects.write_redirects)
    app.connect("build-finished", robots.write_robots_txt)
    # After sphinx-sitemap (500) has written sitemap.xml.
    app.connect("build-finished", sitemap.refine, priority=600)
    app.connect("builder-inited", sitemap.remember_previous)

    return {
        "version": __version__,
        "env_version": 2,  # 2: reading times kept in the environment
        # Our per-document state (reading times) and ABlog's record of the posts
        # are merged in env-merge-info.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
