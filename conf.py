"""Sphinx configuration for "To a healed heart", the blog of Misma's Counselling Services.

Settings only. The logic that joins ABlog to Furo, keeps drafts private and checks
posts lives in the ``healedheart`` package beside this file, where it is tested.
See docs/maintainer-guide.md for the architecture.
"""

import sys
from pathlib import Path

# Our extension lives in the repository, not on PyPI.
sys.path.insert(0, str(Path(__file__).parent))

# -- Project information -----------------------------------------------------
project = "To a healed heart"
author = "Misma"
copyright = "Misma's Counselling Services"
language = "en"

# -- The site's address ------------------------------------------------------
# The one place the public address is set. Feeds, the sitemap and social cards
# build absolute links from it. A fork can deploy elsewhere without editing this
# file: set the SITE_URL environment variable for the build.
html_baseurl = "https://blog.mismascounselling.co.uk/"

# -- General configuration ---------------------------------------------------
extensions = [
    # Third-party
    "myst_parser",  # posts and pages in MyST markdown
    "ablog",  # posts, tags, categories, archives, feeds
    "sphinx_sitemap",  # sitemap.xml
    # This project's own: Furo + ABlog integration, drafts, post checks. It also
    # loads sphinxext-opengraph (sharing cards) and sphinx-notfound-page (404).
    "healedheart",
    # Optional: build speed at 1000 posts, the same site (docs/performance.md).
    "healedheart.speed",
]

# Say what is read, rather than excluding what is not: README.md, docs/,
# .nox/ and tests/ must never become pages of the public site.
include_patterns = [
    "index.md",
    "about.md",
    "ethics.md",
    "subscribe.md",
    "posts/**",
]
templates_path = ["_templates"]
root_doc = "index"
myst_enable_extensions = ["attrs_block", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- Options for HTML output -------------------------------------------------
html_theme = "furo"
html_title = "To a healed heart"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # without one, browsers ask for /favicon.ico: a 404
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_show_copyright = False  # the site footer (blog/site-footer.html) names the practice
html_use_index = False
html_domain_indices = False
html_theme_options = {
    "top_of_page_buttons": [],
    "navigation_with_keys": False,
    # A calm palette; contrast checked for WCAG 2.2 AA in tests/test_browser.py.
    "light_css_variables": {
        "color-brand-primary": "#6b3a5a",
        "color-brand-content": "#7a3b63",
        "color-brand-visited": "#5a3560",
    },
    "dark_css_variables": {
        "color-brand-primary": "#e7b6d6",
        "color-brand-content": "#eab8d8",
        "color-brand-visited": "#d6b4e6",
    },
}
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/blog-recent.html",
        "sidebar/blog-subscribe.html",
        "sidebar/blog-tags.html",
        "sidebar/blog-categories.html",
        "sidebar/blog-archives.html",
        "sidebar/scroll-end.html",
    ]
}

# -- Options for ABlog -------------------------------------------------------
blog_title = "To a healed heart"
blog_path = "blog"
blog_post_pattern = ["posts/**/*.md"]
blog_authors = {"misma": ("Misma", None)}
blog_default_author = "misma"
blog_feed_fulltext = True
# Each feed holds the newest 50 posts: feed readers fetch a feed again and again, and
# with every post in full a blog of 1000 posts would send 9 MB each time (docs/feeds.md).
blog_feed_length = 50
blog_feed_subtitle = (
    "Thoughtful reflection on life's many nuances, from counselling, psychotherapy and psychology."
)
post_date_format = "%-d %B %Y"
post_date_format_short = "%-d %b %Y"
post_auto_excerpt = 1

# -- Options for healedheart -------------------------------------------------
blog_timezone = "Europe/London"

# -- Options for sphinx-sitemap ----------------------------------------------
sitemap_url_scheme = "{link}"  # the default adds an /en/ prefix

# -- Options for sphinxext-opengraph -----------------------------------------
# The card shown when a page is shared, unless a post has an image of its own
# (the address follows html_baseurl: healedheart.social).
ogp_image = "_static/social-card.png"
ogp_image_alt = "To a healed heart: Misma's Counselling Services"
ogp_social_cards = {"enable": False}  # no generated cards (they need matplotlib)
ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary_large_image">']

# -- Options for sphinx-notfound-page ----------------------------------------
notfound_template = "404.html"
notfound_context = {"title": "Page not found"}

# -- Options for replies -----------------------------------------------------
# Where "Reply by email" under each post sends readers' replies. Empty: no link.
# Why email and not comments: docs/replies.md.
blog_reply_email = ""

# -- Options for redirects ---------------------------------------------------
# Old addresses that must keep working: old path -> page (its file without .md).
# See docs/redirects.md.
redirects = {
    "/blog.html": "blog",  # the old site's blog page
}
