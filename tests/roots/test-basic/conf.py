# A tiny blog: three published posts over two years, a draft and a scheduled post.
project = "Test blog"
author = "Tester"
extensions = ["myst_parser", "ablog", "sphinx_sitemap", "healedheart"]
html_theme = "furo"
html_baseurl = "https://blog.example.org/"
include_patterns = ["index.md", "about.md", "posts/**"]
blog_path = "blog"
blog_title = "Test blog"
blog_post_pattern = ["posts/**/*.md"]
blog_authors = {"tester": ("Tess Ter", None)}
blog_default_author = "tester"
blog_feed_fulltext = True
post_date_format = "%-d %B %Y"
blog_today = "2025-06-01"
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
        "sidebar/blog-archives.html",
        "sidebar/scroll-end.html",
    ]
}
