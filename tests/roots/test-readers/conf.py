# Readers and search engines: sharing cards, JSON-LD, reading time, related posts,
# replies, redirects, the 404 page, robots.txt, the sitemap and the CSP.
# Six published posts sharing tags in known ways, a draft and a scheduled post.
project = "Readers test blog"
author = "Tester"
copyright = "Tester's Practice"
extensions = ["myst_parser", "ablog", "sphinx_sitemap", "healedheart"]
html_theme = "furo"
html_baseurl = "https://blog.example.org/"
include_patterns = ["index.md", "about.md", "ethics.md", "posts/**"]
language = "en"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # else browsers ask for /favicon.ico
blog_path = "blog"
blog_title = "Readers test blog"
blog_feed_subtitle = "A blog for testing what readers and search engines see."
blog_post_pattern = ["posts/**/*.md"]
blog_authors = {"tester": ("Tess Ter", None)}
blog_default_author = "tester"
post_date_format = "%-d %B %Y"
blog_today = "2025-06-01"
blog_timezone = "Europe/London"
sitemap_url_scheme = "{link}"
ogp_image = "_static/card.png"
ogp_image_alt = "Readers test blog"
ogp_social_cards = {"enable": False}
ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary_large_image">']
notfound_template = "404.html"
notfound_context = {"title": "Page not found"}
blog_reply_email = ""
redirects = {
    "/blog.html": "blog",
    "/old/first-post": "posts/2024/first",
    "/posts/2025/renamed/": "posts/2025/second.md",
}
