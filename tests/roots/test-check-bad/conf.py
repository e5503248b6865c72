# A blog with one mistake (or a few) in each post: `check` must report every one.
project = "Test blog with mistakes"
author = "Tester"
extensions = ["myst_parser", "ablog", "healedheart"]
html_theme = "furo"
html_baseurl = "https://blog.example.org/"
include_patterns = ["index.md", "about.md", "posts/**"]
myst_enable_extensions = ["colon_fence"]
blog_path = "blog"
blog_title = "Test blog"
blog_post_pattern = ["posts/**/*.md"]
blog_authors = {"tester": ("Tess Ter", None)}
blog_default_author = "tester"
blog_today = "2025-06-01"
