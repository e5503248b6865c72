# Feeds: three published posts (one with links, an image, an `updated:` date and a
# title full of characters to escape), a draft and a scheduled post.
project = "Feed test blog"
author = "Tester"
extensions = ["myst_parser", "ablog", "sphinx_sitemap", "healedheart"]
html_theme = "furo"
html_baseurl = "https://blog.example.org/"
include_patterns = ["index.md", "about.md", "subscribe.md", "posts/**"]
language = "en"
myst_heading_anchors = 3
blog_path = "blog"
blog_title = "Feed test blog"
blog_feed_subtitle = "Posts for testing feeds."
blog_post_pattern = ["posts/**/*.md"]
blog_authors = {"tester": ("Tess Ter", None)}
blog_default_author = "tester"
post_date_format = "%-d %B %Y"
blog_today = "2025-06-01"
blog_timezone = "Europe/London"
sitemap_url_scheme = "{link}"
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/blog-recent.html",
        "sidebar/blog-subscribe.html",
        "sidebar/blog-tags.html",
        "sidebar/blog-categories.html",
        "sidebar/scroll-end.html",
    ]
}
