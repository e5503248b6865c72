"""Fresh post lists after an incremental build (the preview, ``nox -s serve``).

The lists of posts (the home page's latest posts, the sidebars, the tag,
category, year and all-posts pages) and each post's previous/next links are
rendered from ABlog's record of every post when a page is *written*. Sphinx's
incremental build re-writes only the pages whose source changed, so after a post
is retitled every other page would keep the old title. When anything those lists
show has changed, every page is re-written (not re-read: that is quick).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

# Kept in the pickled environment, so that the next build can compare.
ENV_ATTRIBUTE = "healedheart_post_lists"


def fingerprint(app: Sphinx, env: BuildEnvironment) -> str:
    """A digest of everything a list of posts shows, for every post."""
    statuses = getattr(app, "blog_statuses", {})
    shown: list[Any] = []
    for docname in sorted(getattr(env, "ablog_posts", {})):
        status = statuses.get(docname)
        for info in env.ablog_posts[docname]:
            shown.append(
                [
                    docname,
                    info.get("title"),
                    str(info.get("date")),
                    str(info.get("update")),
                    *(sorted(map(str, info.get(key) or [])) for key in _LABELS),
                    [node.astext() for node in info.get("excerpt") or []],
                    status.state if status else None,
                ]
            )
    return hashlib.sha256(json.dumps(shown, default=str).encode("utf-8")).hexdigest()


_LABELS = ("tags", "category", "author", "location", "language", "redirect")


def rewrite_pages_if_posts_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Sphinx ``env-updated``: every page to re-write when a post's listing changed."""
    previous = getattr(env, ENV_ATTRIBUTE, None)
    current = fingerprint(app, env)
    setattr(env, ENV_ATTRIBUTE, current)
    if previous is None or previous == current:
        return []  # a first build writes every page anyway
    return sorted(env.found_docs)
