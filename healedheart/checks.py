"""Checking every post before the site is built, and saying plainly what to fix.

Run by ``python -m healedheart check`` and at the start of every build
(:func:`check_before_build`), with the same sentences. The files are only read:
front matter with PyYAML, text with markdown-it-py, directives as MyST reads them.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import difflib
import functools
import hashlib
import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import ablog.blog
import yaml
from ablog.post import PostDirective
from docutils.parsers.rst.directives.misc import TestDirective
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from myst_parser.parsers.directives import parse_directive_text

from . import cache, frontmatter, publishing, state
from .frontmatter import Problem

#: Every setting a post can have, with an example for the messages. A new setting
#: read by the extension goes here too, or `check` calls it unknown (and the
#: author's guide, docs/author-guide.md, explains it).
SETTINGS = {
    "date": "date: 2025-09-01",
    "updated": "updated: 2025-10-15",
    "tags": "tags: attachment, therapy",
    "category": "category: Reflections",
    "author": "author: Misma",
    "draft": "draft: true",
    "nocomments": "nocomments: true",
}

#: Settings people try that mean something else here.
_HINTS = {
    "title": (
        "The title is not a setting: it is the first line of the post that starts with '# '.",
        "Delete this line, and make sure the post has a line like '# My title' under the settings.",
    ),
    **dict.fromkeys(
        ("published", "publish", "status", "hidden", "private", "public", "visible"),
        (
            'There is no "{key}" setting: a post is published unless it says draft: true.',
            "Delete this line. To keep the post hidden, write 'draft: true' instead.",
        ),
    ),
}

#: The line of guidance in a post made by ``new``: never to be published.
GUIDANCE = (
    "Write your post here, in place of this line. The first paragraph is what the "
    "lists of posts show under the title."
)

#: Settings ABlog reads that this blog does not use: it crashes on some values
#: (``image: big``), so a post with one is left out; other unknown settings are ignored.
_ABLOG_KEYS = {*PostDirective.option_spec, "blogpost"}
_LIST_KEYS = ("tags", "category", "author")

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_WINDOWS_PATH = re.compile(r"^[a-zA-Z]:[\\/]")
_UK_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_SQUASHED_HEADING = re.compile(r"^#+[^#\s]")

#: MyST directives whose content is not markdown (so holds no links to check).
_LITERAL_DIRECTIVE = re.compile(
    r"code(-block|-cell)?|sourcecode|literalinclude|math|raw|eval-rst|csv-table|toctree|"
    r"include|mermaid|graphviz|highlight|glossary|postlist"
)

#: How a post's markdown is written: how it shows in the HTML suggested instead of it.
_MARKDOWN_FOR = {
    "img": "'![A description](images/photo.jpg)'",
    "a": "'[the words to click](../2025/other-post.md)'",
}

_MD = MarkdownIt("commonmark", {"html": True}).use(colon_fence_plugin).use(myst_block_plugin)
# Emphasis and entities hold no links: not worked out (a fifth of a cold check's time).
_MD.disable(["emphasis", "strikethrough", "entity", "balance_pairs", "fragments_join"])


@dataclass(frozen=True)
class Settings:
    """What the checks need to know about the site, from conf.py or Sphinx's config."""

    post_patterns: tuple[str, ...] = ("posts/**/*.md",)
    include_patterns: tuple[str, ...] = ("**",)
    exclude_patterns: tuple[str, ...] = ()
    source_suffixes: tuple[str, ...] = (".md", ".rst")
    blog_path: str = "blog"
    author_names: tuple[str, ...] = ()  # ABlog's names for blog_authors, for URLs
    timezone: str = "Europe/London"
    today: str = ""  # ``blog_today``: build "as of" this ISO date (tests)

    @classmethod
    def from_values(cls, get: Callable[[str], Any]) -> Settings:
        """From conf.py's names, as ``get(name)`` gives them (None when not set)."""

        def strings(value: Any, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            if value is None:
                return default
            return (value,) if isinstance(value, str) else tuple(str(v) for v in value)

        suffixes = {".md", ".rst"} | set(strings(list(get("source_suffix") or {})))
        return cls(
            post_patterns=strings(get("blog_post_pattern")),
            include_patterns=strings(get("include_patterns"), ("**",)),
            exclude_patterns=strings(get("exclude_patterns")),
            source_suffixes=tuple(sorted(suffixes)),
            blog_path=str(get("blog_path") or "blog"),
            author_names=tuple(str(name) for name, _ in (get("blog_authors") or {}).values()),
            timezone=str(get("blog_timezone") or "Europe/London"),
            today=str(get("blog_today") or ""),
        )


def settings_from_conf(root: Path) -> Settings:
    """Read the settings from ``root/conf.py``, as Sphinx does (by running it)."""
    from sphinx.util.tags import Tags

    conf = (root / "conf.py").resolve()
    namespace: dict[str, Any] = {"__file__": str(conf), "__name__": "conf", "tags": Tags()}
    code = compile(conf.read_text(encoding="utf-8"), str(conf), "exec")
    with contextlib.chdir(conf.parent):  # as Sphinx runs it
        exec(code, namespace)  # conf.py is this repository's own settings file
    return Settings.from_values(namespace.get)


@dataclass
class Link:
    """A link or image in a post: where it points and where it stands."""

    target: str
    line: int
    kind: str  # "link", "image" or "file" (an {include})


@dataclass
class Post:
    """What the site-wide checks need to know about one post."""

    path: str  # relative to the site's folder, with '/' separators
    docname: str
    state: str = publishing.DRAFT
    date: dt.date | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)  # tags, category, author
    label_lines: dict[str, int] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    matter: frontmatter.FrontMatter | None = None  # None when the file cannot be read


@dataclass
class Report:
    """Every problem found, and how many posts were checked."""

    posts: int
    problems: list[Problem]
    #: Problems that can neither crash the build nor lose or garble a post: the
    #: preview only warns. The others leave the post out of every build.
    minor: set[Problem] = field(default_factory=set)

    @property
    def serious(self) -> list[Problem]:
        return [p for p in self.problems if p not in self.minor]


# -- One post: its settings ----------------------------------------------------


def _shown(value: Any) -> str:
    """A value as the author wrote it in the front matter."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return str(value)


def _date_problem(path: str, line: int, key: str, value: Any) -> Problem | None:
    """A problem if ``value`` is not a real date written year-month-day."""
    if frontmatter.as_date(value) is not None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = map(int, iso.groups())
        if meant := frontmatter.as_date(f"{year:04}-{month:02}-{day:02}"):
            wrong = f'"{key}: {text}" needs two digits for the month and for the day.'
            return Problem(path, line, wrong, f"Write '{key}: {meant.isoformat()}'.")
        if 1 <= month <= 12:
            days = calendar.monthrange(year, month)[1]
            why = f"{calendar.month_name[month]} {year} has only {days} days"
        else:
            why = "a year has only 12 months"
        wrong = f'"{key}: {text}" is not a real date: {why}.'
        return Problem(path, line, wrong, "Check the day and the month, written year-month-day.")
    uk = _UK_DATE.match(text)
    if uk and (meant := frontmatter.as_date("{2}-{1:0>2}-{0:0>2}".format(*uk.groups()))):
        return Problem(
            path,
            line,
            f'"{key}: {text}" is not written year-month-day.',
            f"Did you mean '{key}: {meant.isoformat()}' "
            f"({meant.day} {calendar.month_name[meant.month]} {meant.year})?",
        )
    how = f"Write it as year-month-day, for example '{SETTINGS[key]}'."
    return Problem(path, line, f'"{key}: {_shown(value)}" is not a date.', how)


def _unknown_setting(path: str, line: int, key: str) -> Problem:
    """A setting a post cannot have, with the one the author probably meant."""
    if key.lower() in _HINTS:
        message, fix = _HINTS[key.lower()]
        return Problem(path, line, message.format(key=key), fix)
    close = difflib.get_close_matches(key.lower(), SETTINGS, n=1, cutoff=0.6)
    if not close:
        fix = "The settings a post can have are: " + ", ".join(SETTINGS) + "."
    elif key.lower() == close[0]:
        fix = f'Did you mean "{close[0]}"? Settings are written in small letters.'
    else:
        fix = f'Did you mean "{close[0]}"?'
    return Problem(path, line, f'"{key}" is not a setting a post can have.', fix)


def _settings_problems(
    matter: frontmatter.FrontMatter, post: Post, today: dt.date
) -> tuple[list[Problem], list[Problem]]:
    """The serious and the minor problems of a post's settings; its labels into ``post``."""
    path, fields, line_of = matter.path, matter.fields, matter.line_of
    serious: list[Problem] = []
    minor: list[Problem] = []
    for key in fields:
        if key not in SETTINGS:
            found = serious if key in _ABLOG_KEYS else minor
            found.append(_unknown_setting(path, line_of(key), key))
    for key, first, line in matter.repeated:  # YAML keeps the last one without a word
        wrong = f'"{key}" is set twice, on line {first} and here; only this one would count.'
        minor.append(Problem(path, line, wrong, "Keep one of the two lines."))
    for key in ("draft", "nocomments"):
        if key in fields and not isinstance(fields[key], bool):
            shown = "nothing" if fields[key] is None else f'"{_shown(fields[key])}"'
            wrong = f'"{key}" can only be true or false, but here it is {shown}.'
            serious.append(
                Problem(path, line_of(key), wrong, f"Write '{key}: true', or delete the line.")
            )
    for key in _LIST_KEYS:
        if fields.get(key) is None:
            continue
        items = fields[key] if isinstance(fields[key], list) else [fields[key]]
        bad = [i for i in items if isinstance(i, bool) or not isinstance(i, (str, int, float))]
        if bad:
            shown = "an empty item" if bad[0] is None else f'"{_shown(bad[0])}"'
            wrong = f'"{key}" should be names separated by commas, but it contains {shown}.'
            serious.append(Problem(path, line_of(key), wrong, f"Write it like '{SETTINGS[key]}'."))
        else:
            post.labels[key] = frontmatter.as_list(fields[key])
            post.label_lines[key] = line_of(key)
    for key, found in (("date", serious), ("updated", minor)):  # a missing date: below
        if fields.get(key) is not None and (
            problem := _date_problem(path, line_of(key), key, fields[key])
        ):
            found.append(problem)
    date, updated = (frontmatter.as_date(fields.get(key)) for key in ("date", "updated"))
    if date and updated and updated < date:
        wrong = (
            f"The post says it was updated on {updated.isoformat()}, "
            f"before it was written ({date.isoformat()})."
        )
        fix = "Check both dates: 'updated' is the day you last changed a published post."
        minor.append(Problem(path, line_of("updated"), wrong, fix))
    if fields.get("draft") is not True and fields.get("date") is None:
        wrong = "The post has no date, so it would never appear on the site."
        example = f"date: {today.isoformat()}"
        if not matter.end_line:
            fix = (
                "Start the file with its settings between two lines of three dashes: "
                f"'---', then '{example}' and the tags, then '---'."
            )
            serious.append(Problem(path, 1, wrong, fix))
        else:
            fix = (
                f"Add a line '{example}' (the day it should be published) to the settings "
                "at the top, or 'draft: true' if it is not ready."
            )
            serious.append(Problem(path, matter.lines.get("date", 2), wrong, fix))
    return serious, minor


# -- One post: its text --------------------------------------------------------


class _HTMLTags(HTMLParser):
    """The <img> and <a> tags in raw HTML written into a post, with their lines."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None], int]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "a"):
            self.found.append((tag, dict(attrs), self.getpos()[0] - 1))


def _is_local(target: str) -> bool:
    """True for a link to a file of the site (not a website, e-mail or #anchor)."""
    if not target or target.startswith("#"):
        return False
    scheme = _SCHEME.match(target)
    return (
        not scheme
        or scheme.group(1).lower() in ("project", "path")
        or bool(_WINDOWS_PATH.match(target))
    )


class _Body:
    """What a post's markdown holds, from markdown-it's tokens: its first heading,
    its links and images, and the problems of its images and raw HTML."""

    def __init__(self, path: str, text: str, end_line: int) -> None:
        self.path, self.end_line = path, end_line
        self.first_heading: tuple[int, int, str] | None = None  # (line, level, words)
        self.squashed: tuple[int, str] | None = None  # a line like '#Title': (line, words)
        self.links: list[Link] = []
        self.problems: list[Problem] = []
        self.scan(_MD.parse("\n".join(text.split("\n")[end_line:])), end_line)

    def scan(self, tokens: list[Token], offset: int) -> None:
        for index, token in enumerate(tokens):
            line = offset + (token.map[0] if token.map else 0) + 1
            if token.type == "heading_open" and self.first_heading is None:
                self.first_heading = (line, int(token.tag[1]), tokens[index + 1].content.strip())
            elif token.type == "inline":
                for number, text in enumerate(token.content.split("\n"), start=line):
                    if self.squashed is None and _SQUASHED_HEADING.match(text):
                        self.squashed = (number, text.lstrip("#").strip())
                self.inline(token.children or [], line)
            elif token.type == "html_block":
                self.html(token.content, line)
            elif token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
                self.directive(token, line)

    def inline(self, children: list[Token], line: int) -> None:
        for child in children:
            if child.type == "link_open":
                href = unquote(str(child.attrGet("href") or ""))
                if child.info != "auto" and _is_local(href):
                    self.links.append(Link(href, line, "link"))
            elif child.type == "image":
                src = unquote(str(child.attrGet("src") or ""))
                alt = "".join(c.content for c in child.children or []).strip()
                how = f"Describe what it shows in a few words, like '![Autumn leaves]({src})'."
                self.image(src, alt, line, how)
            elif child.type == "html_inline":
                self.html(child.content, line)
            line += 1 if child.type in ("softbreak", "hardbreak") else child.content.count("\n")

    def directive(self, token: Token, line: int) -> None:
        match = re.match(r"^\{([\w:.\-]+)\}\s*(.*)$", token.info.strip())
        if not match:
            return
        name, argument = match.group(1), match.group(2).strip()
        # MyST reads a TestDirective's options without checking their names: any directive's.
        parsed = parse_directive_text(TestDirective, argument, token.content)
        if name in ("image", "figure"):
            how = (
                f"Add a line ':alt: ' and a few words describing the picture just under "
                f"the line '{{{name}}} {argument}'."
            )
            self.image(unquote(argument), str(parsed.options.get("alt") or ""), line, how)
        elif name == "include" and _is_local(unquote(argument)):
            self.links.append(Link(unquote(argument), line, "file"))
        if not _LITERAL_DIRECTIVE.fullmatch(name):
            self.scan(_MD.parse("\n".join(parsed.body)), line + parsed.body_offset)

    def image(self, src: str, alt: str, line: int, how: str) -> None:
        if not alt:
            wrong = (
                f'The image "{src}" has no description (alt text), so people who use '
                "screen readers, or whose images do not load, miss it."
            )
            self.problems.append(Problem(self.path, line, wrong, how))
        scheme = _SCHEME.match(src)
        if (scheme and scheme.group(1).lower() in ("http", "https")) or src.startswith("//"):
            wrong = (
                f'The image "{src}" is on another website: every reader\'s browser would '
                "ask that website for it, and the site promises not to."
            )
            fix = (
                "Save the image in an 'images' folder beside the post, and use its path, "
                "for example '![A description](images/photo.jpg)'."
            )
            self.problems.append(Problem(self.path, line, wrong, fix))
        elif _is_local(src):
            self.links.append(Link(src, line, "image"))

    def html(self, html: str, line: int) -> None:
        for tag, attrs, extra in _HTMLTags(html).found:
            target = str(attrs.get("src" if tag == "img" else "href") or "")
            if tag == "img" or _is_local(target):
                wrong = (
                    f'The HTML <{tag}> for "{target}" would not work on the site: the file is '
                    "not copied, and the address is not worked out from this post's folder."
                )
                fix = f"Write it in markdown instead, like {_MARKDOWN_FOR[tag]}."
                self.problems.append(Problem(self.path, line + extra, wrong, fix))

    def title_problem(self) -> Problem | None:
        """No title, or a first heading that is not one: ABlog would stop the build."""
        if self.first_heading:
            line, level, words = self.first_heading
            if level == 1 and words:
                return None
            if not words:
                fix = "Write the title after the '# ', for example '# Why change takes time'."
                return Problem(self.path, line, "The title line has no words after the '#'.", fix)
            wrong = (
                f'The post has no title: its first heading, "{words}", is a level-{level} '
                "sub-heading."
            )
            fix = (
                f"Make it the title with a single '#' and a space: '# {words}'. Sub-headings "
                "('## ') come after the title."
            )
            return Problem(self.path, line, wrong, fix)
        if self.squashed:
            line, words = self.squashed
            wrong = "The post has no title: a heading needs a space after the '#'."
            return Problem(
                self.path, line, wrong, f"Write '# {words}' (with a space after the '#')."
            )
        fix = (
            "Add a line that starts with '# ' and the title, under the settings at the top, "
            "for example '# Why change takes time'."
        )
        return Problem(self.path, self.end_line + 1, "The post has no title.", fix)


def _check_post(rel: str, data: bytes, today: dt.date) -> tuple[Post, list[Problem], list[Problem]]:
    """One post's own checks: the post, its serious problems and its minor ones."""
    post = Post(rel, rel.rsplit(".", 1)[0])
    if not data.strip():
        fix = 'Write the post in it (nox -s new -- "Title" starts one for you), or delete the file.'
        return post, [], [Problem(rel, 1, "The file is empty.", fix)]
    try:
        text = frontmatter.decode(data, rel)
        matter = frontmatter.parse(text, rel)
    except frontmatter.PostError as exc:
        return post, list(exc.problems), []
    serious, minor = _settings_problems(matter, post, today)
    body = _Body(rel, text, matter.end_line)
    serious.extend([title] if (title := body.title_problem()) else [])
    minor.extend(body.problems)
    if GUIDANCE in text and matter.fields.get("draft") is not True:
        wrong = (
            'The post still has the line of guidance that "nox -s new" put in it '
            '("Write your post here...").'
        )
        line = text[: text.index(GUIDANCE)].count("\n") + 1
        minor.append(
            Problem(rel, line, wrong, "Replace that line with the post's first paragraph.")
        )
    post.matter, post.links, post.state = matter, body.links, publishing.classify(matter, today)
    post.date = frontmatter.as_date(matter.fields.get("date"))
    return post, serious, minor


# -- The site as a whole -------------------------------------------------------


#: ABlog's slug for a tag, category or author name: the last part of its URL.
slugify = functools.lru_cache(maxsize=4096)(ablog.blog.slugify)


@functools.lru_cache(maxsize=4096)
def label_key(name: str) -> str:
    """Names that are the same tag to a reader: capitals, spaces, hyphens, underscores alike."""
    return re.sub(r"[-_\s]+", "-", slugify(str(name).casefold())).strip("-")


def _where(locations: list[tuple[str, int]], here: str) -> str:
    shown = [
        f"this post (line {line})" if path == here else f"{path} (line {line})"
        for path, line in locations[:3]
    ]
    if len(locations) > 3:
        shown.append(f"{len(locations) - 3} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def _label_problems(posts: list[Post]) -> Iterator[Problem]:
    """The same tag (or category) spelt two ways, and names with no letters at all."""
    for key in ("tags", "category"):
        word = key.removesuffix("s")
        groups: dict[str, dict[str, list[tuple[str, int]]]] = defaultdict(dict)
        for post in posts:
            for name in dict.fromkeys(post.labels.get(key, [])):
                line = post.label_lines[key]
                if label_key(name):
                    groups[label_key(name)].setdefault(name, []).append((post.path, line))
                    continue
                wrong = (
                    f'The {word} "{name}" has no letters or numbers, so it cannot '
                    "have a page of its own."
                )
                yield Problem(post.path, line, wrong, f"Use a {word} made of words, or delete it.")
        for spellings in groups.values():
            if len(spellings) < 2:
                continue
            # The spelling most posts use; on a tie (max keeps the first), the one used first.
            chosen = max(spellings, key=lambda name: len(spellings[name]))
            tie = sorted(map(len, spellings.values()))[-2] == len(spellings[chosen])
            why = "the first spelling used" if tie else "the spelling most posts use"
            for name, locations in spellings.items():
                for path, line in locations if name != chosen else []:
                    wrong = (
                        f'The {word} "{name}" is written differently elsewhere: '
                        f'"{chosen}" in {_where(spellings[chosen], path)}. The two would '
                        f"share one {word} page, and it would list only some of their posts."
                    )
                    yield Problem(path, line, wrong, f'Write "{chosen}" here too, {why}.')


def _page_url(docname: str) -> str:
    """The address (dirhtml) of a page: ``posts/2025/x`` and ``posts/2025/x/index`` alike."""
    return "/" if docname == "index" else "/" + docname.removesuffix("/index") + "/"


def _generated_pages(settings: Settings, posts: list[Post]) -> dict[str, str]:
    """The pages ABlog writes itself, by address (capitals alike), with what each is."""
    blog = settings.blog_path.strip("/")
    pages = {
        blog: "the list of all posts",
        f"{blog}/drafts": "the drafts page",
        f"{blog}/archive": "the archive",
        f"{blog}/atom.xml": "the feed",
    }
    for catalog in ("tag", "category", "author", "location", "language"):
        pages[f"{blog}/{catalog}"] = f"the {catalog} index"
    for name in settings.author_names:
        pages[f"{blog}/author/{slugify(name)}"] = f'the page of author "{name}"'
    for post in posts:
        if post.date:
            pages[f"{blog}/{post.date.year}"] = f"the archive of {post.date.year}"
        for key, catalog in zip(_LIST_KEYS, ("tag", "category", "author"), strict=True):
            for name in post.labels.get(key, []):
                if slugify(name):
                    pages[f"{blog}/{catalog}/{slugify(name)}"] = f'the page of {catalog} "{name}"'
    return {_page_url(page).casefold(): what for page, what in pages.items()}


def _address_problems(posts: list[Post], pages: list[str], settings: Settings) -> Iterator[Problem]:
    """Two files that would be the same page, or a post where ABlog writes a page."""
    url_of = {path: _page_url(path.rsplit(".", 1)[0]) for path in pages}
    by_url: dict[str, list[str]] = defaultdict(list)
    for path, url in url_of.items():
        by_url[url.casefold()].append(path)
    post_paths = {post.path for post in posts}
    for paths in by_url.values():
        for path in paths if len(paths) > 1 else []:
            if path not in post_paths:
                continue
            others = [p for p in paths if p != path]
            capitals = any(url_of[p] != url_of[path] for p in others)
            why = " (web addresses and Macs treat capitals alike)" if capitals else ""
            wrong = (
                f"This post and {' and '.join(others)} would both be the page "
                f"{url_of[path]}{why}, so one would replace the other."
            )
            yield Problem(path, 1, wrong, "Rename one of the files.")
    generated = _generated_pages(settings, posts)
    for post in posts:
        url = _page_url(post.docname)
        if url.casefold() in generated:
            wrong = (
                f"This post would be the page {url}, which is where ABlog puts "
                f"{generated[url.casefold()]}, so one would replace the other."
            )
            fix = f"Move the post out of the '{settings.blog_path}' folder, or rename it."
            yield Problem(post.path, 1, wrong, fix)


def site_pages(root: Path, settings: Settings) -> list[str]:
    """Every source file Sphinx would read, as paths relative to ``root``."""
    from sphinx.util.matching import get_matching_files

    excluded = [*settings.exclude_patterns, "_build", "**/.*", ".*", "**/_sources"]
    return sorted(
        path
        for path in get_matching_files(root, settings.include_patterns, excluded)
        if posixpath.splitext(path)[1] in settings.source_suffixes
    )


def _file_finder(root: Path) -> Callable[[str], str | None]:
    """``find(path)``: the file at ``path`` as saved, maybe with other capitals, or None
    (on a Mac "Tree.JPG" opens "tree.jpg"; on the web server it does not)."""

    @functools.cache
    def listing(folder: str) -> list[str]:
        try:
            return os.listdir(root / folder)
        except OSError:
            return []

    def find(path: str) -> str | None:
        found = ""
        for part in path.split("/"):
            names = listing(found)
            if part not in names:  # the exact name first: a folder may hold Hope.md and hope.md
                part = next((name for name in names if name.casefold() == part.casefold()), "")
            if not part:
                return None
            found = posixpath.join(found, part)
        return found if (root / found).is_file() else None

    return find


def _link_problems(
    root: Path, posts: list[Post], pages: set[str], today: dt.date
) -> Iterator[Problem]:
    """Links and images that point nowhere, outside the site, or to an unpublished post."""
    by_path = {post.path: post for post in posts}
    by_stem: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        by_stem[posixpath.basename(post.docname).casefold()].append(post.path)
    find = _file_finder(root)
    for post in posts:
        for link in post.links:
            what = "image" if link.kind == "image" else "link"
            if not link.target.split("#", 1)[0]:
                continue  # a link to a heading in this post
            if _WINDOWS_PATH.match(link.target):
                wrong = (
                    f'The {what} "{link.target}" points to a file on your computer, which '
                    "readers cannot see."
                )
                fix = (
                    "Copy the file into the blog (an 'images' folder beside the post), and "
                    "link to it from this post's folder, for example 'images/photo.jpg'."
                )
                yield Problem(post.path, link.line, wrong, fix)
                continue
            resolved = _resolve(link.target, post.path)
            if resolved is None:
                wrong = f'The {what} "{link.target}" points outside the blog\'s folder.'
                fix = "Link only to files inside the blog, from this post's folder."
                yield Problem(post.path, link.line, wrong, fix)
            elif find(resolved) != resolved:
                yield _missing_target(find, post, link, resolved, by_stem)
            elif what == "link" and resolved.endswith((".md", ".rst")) and resolved not in pages:
                wrong = (
                    f'The link "{link.target}" points to {resolved}, '
                    "which is not a page of the site."
                )
                fix = "Link to a post or one of the site's pages instead."
                yield Problem(post.path, link.line, wrong, fix)
            elif (target := by_path.get(resolved)) and target is not post:
                yield from _unpublished_target(post, link, target, today)


def _resolve(target: str, start: str) -> str | None:
    """Where a link from the file ``start`` points, from the site's folder (None: outside it)."""
    target = target.removeprefix("project:").removeprefix("path:")
    target = target.split("#", 1)[0].split("?", 1)[0]
    if target.startswith("/"):
        resolved = posixpath.normpath(target.lstrip("/") or ".")
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(start), target))
    return None if resolved == ".." or resolved.startswith("../") else resolved


def _missing_target(
    find: Callable[[str], str | None],
    post: Post,
    link: Link,
    resolved: str,
    by_stem: dict[str, list[str]],
) -> Problem:
    what = {"image": "image", "file": "file"}.get(link.kind, "link")
    wrong = f'The {what} "{link.target}" points to {resolved}, which does not exist.'
    candidates = (resolved, resolved + ".md", resolved + "/index.md")
    found = next(filter(None, map(find, candidates)), None)
    if not found:
        # "../second/" (the page's address) or "second": a post's name, not its file.
        stem = posixpath.basename(resolved).removesuffix(".md").casefold()
        found = next(iter(by_stem.get(stem, [])), None)
    if found:
        capitals = " (capitals count)" if found.casefold() == resolved.casefold() else ""
        fix = (
            f'Did you mean "{posixpath.relpath(found, posixpath.dirname(post.path))}"? '
            f"Link to the file itself, from this post's folder{capitals}."
        )
    elif link.target.startswith("www."):
        fix = f'If it is a website, start it with https://, like "https://{link.target}".'
    elif link.kind == "image":
        fix = (
            "Check the spelling (capitals count), and that the image is saved there; "
            "paths start from this post's folder, for example 'images/photo.jpg'."
        )
    else:
        fix = (
            "Check the spelling (capitals count). Paths start from this post's folder, "
            "for example '../2024/another-post.md'; websites start with https://."
        )
    return Problem(post.path, link.line, wrong, fix)


def _unpublished_target(post: Post, link: Link, target: Post, today: dt.date) -> Iterator[Problem]:
    """A link from a post that is not a draft to one that is, or is due later."""
    if post.state == publishing.DRAFT:
        return
    if target.state == publishing.DRAFT:
        why = "is a draft"
    elif target.date and target.date > today and (post.date is None or target.date > post.date):
        why = f"is scheduled for {target.date.isoformat()}"
    else:
        return
    wrong = (
        f'The link "{link.target}" points to {target.path}, which {why}: '
        "the link would be broken on the site until that post is published."
    )
    yield Problem(
        post.path, link.line, wrong, "Publish that post first, or take the link out for now."
    )


# -- Checking, and remembering what was found ---------------------------------


def _check_posts(
    files: list[tuple[str, bytes]], today: dt.date, kept: dict[str, Any] | None
) -> list[tuple[Post, list[Problem], list[Problem]]]:
    """Each post's own checks, in order; with ``kept`` (the checks' part of
    ``healedheart.cache``), a post's verdict is kept while its bytes and the day are."""
    old: dict[tuple[str, bytes], Any] = {}
    if kept is not None and kept.get("today") == today.isoformat():
        old = kept.get("verdicts", {})
    new = {}
    for rel, data in files:
        key = (rel, hashlib.blake2b(data, digest_size=16).digest())
        new[key] = old.get(key) or _check_post(rel, data, today)
        if new[key][0].matter is not None:
            # The statuses, the feeds and ABlog's transform read it too: parsed once.
            frontmatter.remember(data, rel, new[key][0].matter)
    if kept is not None:
        kept.update(today=today.isoformat(), verdicts=new)
    return list(new.values())


def check_site(
    root: Path,
    settings: Settings,
    paths: list[Path] | None = None,
    kept: dict[str, Any] | None = None,
) -> Report:
    """Check every post of the site at ``root`` (``paths``: the post files, if listed)."""
    root = root.resolve()
    today = publishing.today(settings.timezone, settings.today)
    if paths is None:
        paths = publishing.post_paths(root, list(settings.post_patterns))
    names = publishing.relative_names(paths, root)
    found = _check_posts(
        [(rel, path.read_bytes()) for path, rel in zip(paths, names, strict=True)], today, kept
    )
    posts = [post for post, _, _ in found]
    serious = [problem for _, problems, _ in found for problem in problems]
    minor = [problem for _, _, problems in found for problem in problems]
    readable = [post for post in posts if post.matter is not None]
    pages = site_pages(root, settings)
    serious.extend(_address_problems(posts, pages, settings))
    minor.extend(_label_problems(readable))
    minor.extend(_link_problems(root, readable, set(pages), today))
    problems = sorted(set(serious + minor), key=lambda p: (p.path, p.line, p.message))
    return Report(len(posts), problems, set(minor) - set(serious))


def format_report(report: Report) -> str:
    """The text ``python -m healedheart check`` prints."""
    if not report.problems:
        if report.posts == 0:
            return "There are no posts yet."
        return (
            "The post looks good." if report.posts == 1 else f"All {report.posts} posts look good."
        )
    files = len({p.path for p in report.problems})
    count = len(report.problems)
    summary = (
        f"{count} {'problem' if count == 1 else 'problems'} in "
        f"{files} {'file' if files == 1 else 'files'}. Fix "
        f"{'it' if count == 1 else 'them'}, then run 'nox -s check' again."
    )
    return "\n".join([*map(str, report.problems), "", summary])


def check_before_build(app: Any, config: Any) -> None:
    """Sphinx ``config-inited``: a build never publishes, or crashes on, a bad post.

    Problems are logged (no exception: sphinx-build would print a traceback), the
    build ends with status 1, and a post with a serious problem is left out; the
    preview only warns about minor ones.
    """
    from sphinx.util import logging

    srcdir = Path(app.srcdir)
    settings = Settings.from_values(lambda name: getattr(config, name, None))
    # Listed once per build; publishing.exclude_unpublished (next) uses the same list.
    paths = publishing.post_paths(srcdir.resolve(), list(settings.post_patterns))
    names = publishing.relative_names(paths, srcdir.resolve())
    state.of(app).post_paths = [srcdir / name for name in names]
    report = check_site(srcdir, settings, paths, cache.of(app).part("checks"))
    stopping = report.serious if config.blog_preview else report.problems
    logger = logging.getLogger(__name__)
    if stopping:
        logger.error(
            "Some posts need fixing, so this build will not succeed "
            "(nox -s check lists the problems again):"
        )
    for problem in report.problems:
        if problem in stopping:
            logger.error(str(problem))
        else:
            logger.warning(str(problem), type="healedheart", subtype="check")
    left_out = sorted({problem.path for problem in report.serious} & set(names))
    if left_out:
        config.exclude_patterns = [*config.exclude_patterns, *map(publishing.escape_glob, left_out)]
        logger.error("Left out of this build until they are fixed: %s.", ", ".join(left_out))
    if stopping:
        app.statuscode = 1
