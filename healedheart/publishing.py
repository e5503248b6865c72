"""Which posts are published, and keeping the others out of the site.

A post is a draft (``draft: true``) or scheduled (dated after today in
``blog_timezone``); the deployed build adds both to ``exclude_patterns``, so
nothing can mention them. The preview (``blog_preview``) reads and marks them.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ablog.blog
from sphinx.application import Sphinx
from sphinx.config import Config

from . import frontmatter, state

PUBLISHED, DRAFT, SCHEDULED = "published", "draft", "scheduled"


@dataclass(frozen=True)
class PostStatus:
    """Where one post stands: published, draft or scheduled."""

    docname: str
    path: str  # relative to the site's source folder, with '/' separators
    state: str
    date: dt.date | None
    updated: dt.date | None = None  # the front matter's ``updated:``, if it is a date

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED


def today(timezone: str, fixed: str = "") -> dt.date:
    """Today's date where the author lives (or ``fixed``, an ISO date, for tests)."""
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.datetime.now(ZoneInfo(timezone)).date()


def classify(matter: frontmatter.FrontMatter, on: dt.date) -> str:
    """The state of a post with this front matter on the day ``on``."""
    if matter.fields.get("draft") is True:
        return DRAFT
    date = frontmatter.as_date(matter.fields.get("date"))
    if date is None:
        # ABlog treats an undated post as a draft; `check` reports it as an error.
        return DRAFT
    return SCHEDULED if date > on else PUBLISHED


def post_paths(srcdir: Path, patterns: list[str] | str) -> list[Path]:
    """Every post file under ``srcdir`` matching ABlog's ``blog_post_pattern``."""
    if isinstance(patterns, str):
        patterns = [patterns]
    found: set[str] = set()
    for pattern in patterns:
        for name in glob.glob(str(srcdir / pattern), recursive=True):
            if name.endswith(".md") and os.path.isfile(name):
                found.add(name)
    # In the order of the paths (part by part), sorted without making them first.
    return [Path(name) for name in sorted(found, key=lambda name: name.split(os.sep))]


def relative_names(paths: Iterable[Path], root: Path) -> list[str]:
    """Each of ``paths`` (files under ``root``) relative to it, '/'-separated."""
    return [path.relative_to(root).as_posix() for path in paths]


def statuses(
    srcdir: Path, patterns: list[str] | str, on: dt.date, paths: list[Path] | None = None
) -> tuple[list[PostStatus], list[frontmatter.Problem]]:
    """The status of every readable post (``paths``: if listed), and the problems of the others."""
    result, problems = [], []
    if paths is None:
        paths = post_paths(srcdir, patterns)
    for path, rel in zip(paths, relative_names(paths, srcdir), strict=True):
        try:
            matter = frontmatter.read(path, rel)
        except frontmatter.PostError as exc:
            problems.extend(exc.problems)
            continue
        date, updated = (frontmatter.as_date(matter.fields.get(k)) for k in ("date", "updated"))
        result.append(PostStatus(rel.removesuffix(".md"), rel, classify(matter, on), date, updated))
    return result, problems


def published_posts(app: Sphinx, posts: Iterable[Any]) -> list[Any]:
    """ABlog's ``posts`` less drafts and scheduled posts (ABlog knows only dates)."""
    statuses = state.of(app).statuses
    return [
        post
        for post in posts
        if post.published and post.date and getattr(statuses.get(post.docname), "published", True)
    ]


def escape_glob(path: str) -> str:
    # Sphinx's exclude patterns treat [ ] * ? as wildcards.
    return "".join(f"[{c}]" if c in "[]*?" else c for c in path)


def exclude_unpublished(app: Sphinx, config: Config) -> None:
    """Record every post's status; in the deployed build, never read the unpublished."""
    on = today(config.blog_timezone, config.blog_today)
    srcdir = Path(app.srcdir)
    # Listed by checks.check_before_build, earlier in this build (none in some tests).
    paths = state.of(app).post_paths
    found, unreadable = statuses(srcdir, config.blog_post_pattern, on, paths)
    state.of(app).statuses = {status.docname: status for status in found}
    # A post that cannot be read is never read: `checks.check_before_build` has
    # already reported it, in plain English, and failed the build.
    left_out = {problem.path for problem in unreadable}
    if not config.blog_preview:
        left_out |= {status.path for status in found if not status.published}
    config.exclude_patterns = [*config.exclude_patterns, *map(escape_glob, sorted(left_out))]
    # ABlog decides "published" by comparing with tomorrow in the build machine's
    # time zone, fixed at import. Use the author's day instead, so that a post the
    # deployed build reads is never filed by ABlog as a draft.
    # (A private name: healedheart.compat.)
    tomorrow = on + dt.timedelta(days=1)
    if hasattr(ablog.blog, "TOMORROW"):
        ablog.blog.TOMORROW = dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day)


def file_drafts_as_drafts(app: Sphinx, doctree: object) -> None:
    """In the preview, have ABlog file a ``draft: true`` post under Drafts (it goes by
    the date alone, and an undated post is a draft to it)."""
    status = state.of(app).statuses.get(app.env.docname)
    if status is None or status.state != DRAFT:
        return
    for info in getattr(app.env, "ablog_posts", {}).get(app.env.docname, []):
        info["date"] = None
