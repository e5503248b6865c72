"""Checking every post before the site is built, and saying plainly what to fix.

``python -m healedheart check`` (``nox -s check``, the pre-commit hook) runs these
checks, and so does every Sphinx build, when the configuration is read
(:func:`check_before_build`): a post that would crash ABlog (no title), vanish
silently (no date, a date that is not a date) or be published by mistake
(``draft: "yes please"``) fails the build with the same sentences, and is left out
before anything is read.

Each problem is a :class:`~healedheart.frontmatter.Problem`: the file, the line,
what is wrong and how to fix it. The checks read the files only (YAML front
matter with PyYAML, the text with markdown-it-py, MyST's own markdown parser), so
a thousand posts are checked in a fraction of a second.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import difflib
import functools
import hashlib
import multiprocessing
import os
import pickle
import posixpath
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin

from . import frontmatter, publishing
from .frontmatter import Problem
from .warm import read_state

# Where a build remembers each post's checks (in its doctrees folder).
REMEMBERED_FILE = "healedheart-checks.pickle"

# -- What a post may say -------------------------------------------------------

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
    "published": (
        'There is no "{key}" setting: a post is published unless it says draft: true.',
        "Delete this line. To keep the post hidden, write 'draft: true' instead.",
    ),
}
for _word in ("publish", "status", "hidden", "private", "public", "visible"):
    _HINTS[_word] = _HINTS["published"]

#: The line of guidance in a post made by ``new``: never to be published.
GUIDANCE = (
    "Write your post here, in place of this line. The first paragraph is what the "
    "lists of posts show under the title."
)

_BOOLEAN_KEYS = ("draft", "nocomments")
#: Settings ABlog reads that this blog does not use (it crashes on some values).
_ABLOG_KEYS = {
    "title",
    "image",
    "excerpt",
    "location",
    "language",
    "redirect",
    "canonical_link",
    "external_link",
    "exclude",
    "blogpost",
}
_LIST_KEYS = ("tags", "category", "author")
_SINGULAR = {"tags": "tag", "category": "category", "author": "author"}

# -- How links are read --------------------------------------------------------

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_WINDOWS_PATH = re.compile(r"^[a-zA-Z]:[\\/]")
_UK_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_TOP_LEVEL_KEY = re.compile(r"^([^\s#:'\"\-][^:]*?)\s*:(\s|$)")

#: MyST directives whose argument is a file beside the post.
_FILE_DIRECTIVES = {"image": "image", "figure": "image", "include": "file"}
#: MyST directives whose content is not markdown (so holds no links to check).
_LITERAL_DIRECTIVES = {
    "code",
    "code-block",
    "code-cell",
    "sourcecode",
    "literalinclude",
    "math",
    "raw",
    "eval-rst",
    "csv-table",
    "toctree",
    "include",
    "mermaid",
    "graphviz",
    "highlight",
    "glossary",
    "postlist",
}


def _markdown() -> MarkdownIt:
    """MyST's markdown parser, with the pieces of MyST syntax a post can use."""
    md = MarkdownIt("commonmark", {"html": True})
    md.use(colon_fence_plugin).use(myst_block_plugin)
    # Emphasis and entities hold no links: not worked out, for speed.
    md.disable(["emphasis", "strikethrough", "entity", "balance_pairs", "fragments_join"])
    return md


_MD = _markdown()


# -- Settings of the site that the checks need ---------------------------------


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
    def from_values(cls, values: dict[str, Any]) -> Settings:
        """From conf.py's names (a dict, or Sphinx's config read as one)."""

        def strings(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
            if value is None:
                return default
            if isinstance(value, str):
                return (value,)
            return tuple(str(v) for v in value)

        suffix = values.get("source_suffix") or {}
        suffixes = {".md", ".rst"} | set(strings(list(suffix), ()))
        authors = values.get("blog_authors") or {}
        return cls(
            post_patterns=strings(values.get("blog_post_pattern"), ()),
            include_patterns=strings(values.get("include_patterns"), ("**",)),
            exclude_patterns=strings(values.get("exclude_patterns"), ()),
            source_suffixes=tuple(sorted(suffixes)),
            blog_path=str(values.get("blog_path") or "blog"),
            author_names=tuple(str(name) for name, _link in authors.values()),
            timezone=str(values.get("blog_timezone") or "Europe/London"),
            today=str(values.get("blog_today") or ""),
        )


def settings_from_conf(root: Path) -> Settings:
    """Read the settings from ``root/conf.py``, as Sphinx does (by running it)."""
    from sphinx.util.tags import Tags

    conf = (root / "conf.py").resolve()
    namespace: dict[str, Any] = {"__file__": str(conf), "__name__": "conf", "tags": Tags()}
    code = compile(conf.read_text(encoding="utf-8"), str(conf), "exec")
    with contextlib.chdir(conf.parent):  # as Sphinx runs it
        exec(code, namespace)  # conf.py is this repository's own settings file
    return Settings.from_values(namespace)


# -- One post ------------------------------------------------------------------


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
    readable: bool = True  # False when the file could not be read at all
    matter: frontmatter.FrontMatter | None = None  # remembered, for frontmatter.read


@dataclass
class Report:
    """Every problem found, and how many posts were checked."""

    posts: int
    problems: list[Problem]
    #: Problems that can neither crash the build nor lose or garble a post (a
    #: missing image, a tag spelt two ways, a misspelt setting): the preview warns
    #: and shows the post; the public build reads the post but still fails.
    #: The others (no title, a date that is not one...) leave the post out of
    #: every build.
    minor: set[Problem] = field(default_factory=set)

    @property
    def serious(self) -> list[Problem]:
        return [p for p in self.problems if p not in self.minor]


def _shown(value: Any) -> str:
    """A value as the author wrote it in the front matter."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return str(value)


def _quote(value: Any) -> str:
    return f'"{_shown(value)}"'


def _date_problem(path: str, line: int, key: str, value: Any) -> Problem | None:
    """A problem if ``value`` is not a real date written year-month-day."""
    if frontmatter.as_date(value) is not None:
        return None
    example = SETTINGS[key]
    how = f"Write it as year-month-day, for example '{example}'."
    if isinstance(value, str):
        text = value.strip()
        parts = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if parts:
            year, month, day = (int(p) for p in parts.groups())
            meant = _real_date(year, month, day)
            if meant:
                return Problem(
                    path,
                    line,
                    f'"{key}: {text}" needs two digits for the month and for the day.',
                    f"Write '{key}: {meant.isoformat()}'.",
                )
            if 1 <= month <= 12:
                days = calendar.monthrange(year, month)[1]
                why = f"{calendar.month_name[month]} {year} has only {days} days"
            else:
                why = "a year has only 12 months"
            return Problem(
                path,
                line,
                f'"{key}: {text}" is not a real date: {why}.',
                "Check the day and the month, written year-month-day.",
            )
        uk = _UK_DATE.match(text)
        if uk:
            day, month, year = (int(p) for p in uk.groups())
            meant = _real_date(year, month, day)
            if meant:
                return Problem(
                    path,
                    line,
                    f'"{key}: {text}" is not written year-month-day.',
                    f"Did you mean '{key}: {meant.isoformat()}' "
                    f"({meant.day} {calendar.month_name[meant.month]} {meant.year})?",
                )
    return Problem(path, line, f'"{key}: {_shown(value)}" is not a date.', how)


def _unknown_keys(matter: frontmatter.FrontMatter, ablog_reads: bool) -> Iterator[Problem]:
    """Settings a post cannot have, with the one the author probably meant.

    Only those ABlog reads (``ablog_reads``), or only the others: ABlog crashes on
    some (``image: big``), the others are merely ignored.
    """
    path = matter.path
    for key in matter.fields:
        line = matter.line_of(key)
        if key in SETTINGS or (key in _ABLOG_KEYS) != ablog_reads:
            continue
        if key.lower() in _HINTS:
            message, fix = _HINTS[key.lower()]
            yield Problem(path, line, message.format(key=key), fix)
            continue
        close = difflib.get_close_matches(key.lower(), SETTINGS, n=1, cutoff=0.6)
        if close:
            fix = f'Did you mean "{close[0]}"?'
            if key.lower() == close[0]:
                fix = f'Did you mean "{close[0]}"? Settings are written in small letters.'
        else:
            fix = "The settings a post can have are: " + ", ".join(SETTINGS) + "."
        yield Problem(path, line, f'"{key}" is not a setting a post can have.', fix)


def _wrong_values(matter: frontmatter.FrontMatter) -> Iterator[Problem]:
    """Values of the wrong kind: draft: "yes please", tags: {a: 1}, date: 5."""
    path = matter.path
    for key in _BOOLEAN_KEYS:
        if key in matter.fields and not isinstance(matter.fields[key], bool):
            value = matter.fields[key]
            shown = "nothing" if value is None else _quote(value)
            yield Problem(
                path,
                matter.line_of(key),
                f'"{key}" can only be true or false, but here it is {shown}.',
                f"Write '{key}: true', or delete the line.",
            )

    for key in _LIST_KEYS:
        value = matter.fields.get(key)
        items = value if isinstance(value, list) else [value]
        if value is None:
            continue
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                shown = "an empty item" if item is None else _quote(item)
                yield Problem(
                    path,
                    matter.line_of(key),
                    f'"{key}" should be names separated by commas, but it contains {shown}.',
                    f"Write it like '{SETTINGS[key]}'.",
                )
                break

    if matter.fields.get("date") is not None:  # a missing date: see _missing_date
        problem = _date_problem(path, matter.line_of("date"), "date", matter.fields["date"])
        if problem:
            yield problem


def _updated_problems(matter: frontmatter.FrontMatter) -> Iterator[Problem]:
    """An ``updated:`` that is not a date, or is before the post's date."""
    path = matter.path
    if matter.fields.get("updated") is not None:
        problem = _date_problem(
            path, matter.line_of("updated"), "updated", matter.fields["updated"]
        )
        if problem:
            yield problem
    date = frontmatter.as_date(matter.fields.get("date"))
    updated = frontmatter.as_date(matter.fields.get("updated"))
    if date and updated and updated < date:
        yield Problem(
            path,
            matter.line_of("updated"),
            f"The post says it was updated on {updated.isoformat()}, "
            f"before it was written ({date.isoformat()}).",
            "Check both dates: 'updated' is the day you last changed a published post.",
        )


def _duplicate_keys(path: str, yaml_text: str) -> Iterator[Problem]:
    """A setting written twice: YAML keeps the last one without a word."""
    seen: dict[str, int] = {}
    for number, line in enumerate(yaml_text.splitlines(), start=2):
        match = _TOP_LEVEL_KEY.match(line)
        if not match:
            continue
        key = match.group(1).strip()
        if key in seen:
            yield Problem(
                path,
                number,
                f'"{key}" is set twice, on line {seen[key]} and here; only this one would count.',
                "Keep one of the two lines.",
            )
        else:
            seen[key] = number


def _missing_date(matter: frontmatter.FrontMatter, today: dt.date) -> Problem | None:
    if matter.fields.get("draft") is True or matter.fields.get("date") is not None:
        return None
    example = f"date: {today.isoformat()}"
    if not matter.end_line:
        return Problem(
            matter.path,
            1,
            "The post has no date, so it would never appear on the site.",
            "Start the file with its settings between two lines of three dashes: "
            f"'---', then '{example}' and the tags, then '---'.",
        )
    return Problem(
        matter.path,
        matter.line_of("date") if "date" in matter.fields else 2,
        "The post has no date, so it would never appear on the site.",
        f"Add a line '{example}' (the day it should be published) to the settings "
        "at the top, or 'draft: true' if it is not ready.",
    )


# -- The text of a post --------------------------------------------------------


class _HTMLScanner(HTMLParser):
    """Finds <img> and <a href> in raw HTML written into a post."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None], int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "a"):
            self.found.append((tag, dict(attrs), self.getpos()[0] - 1))


@dataclass
class _Body:
    title_line: int = 0  # 0 when there is no title
    first_heading: tuple[int, int, str] | None = None  # (line, level, text)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _is_local(target: str) -> bool:
    """True for a link to a file of the site (not a website, e-mail or #anchor)."""
    if not target or target.startswith("#"):
        return False
    if _WINDOWS_PATH.match(target):
        return True
    scheme = _SCHEME.match(target)
    return scheme is None or scheme.group(1).lower() in ("project", "path")


def _directive_options(content: str) -> tuple[dict[str, str], int]:
    """A MyST directive's options (``:alt: ...`` lines or a YAML block) and their line count."""
    lines = content.split("\n")
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for number, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return options, number + 1
            key, _, value = line.partition(":")
            options[key.strip()] = value.strip().strip("'\"")
        return options, len(lines)
    count = 0
    for line in lines:
        match = re.match(r"^\s*:([\w-]+):\s*(.*)$", line)
        if not match:
            break
        options[match.group(1)] = match.group(2).strip()
        count += 1
    return options, count


def _scan(tokens: list[Token], offset: int, body: _Body, path: str) -> None:
    """Walk markdown-it tokens: the title, links, images, and directives' files."""
    for index, token in enumerate(tokens):
        line = offset + (token.map[0] if token.map else 0) + 1
        if token.type == "heading_open" and body.first_heading is None:
            level = int(token.tag[1])
            inline = tokens[index + 1]
            text = inline.content.strip() if inline.type == "inline" else ""
            body.first_heading = (line, level, text)
            if level == 1 and text:
                body.title_line = line
        elif token.type == "inline" and token.children:
            _scan_inline(token.children, line, body, path)
        elif token.type == "html_block":
            _scan_html(token.content, line, body, path)
        elif token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            _scan_directive(token, line, body, path)


def _scan_inline(children: list[Token], line: int, body: _Body, path: str) -> None:
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_open":
            href = unquote(str(child.attrGet("href") or ""))
            if child.info != "auto" and _is_local(href):
                body.links.append(Link(href, line, "link"))
        elif child.type == "image":
            src = unquote(str(child.attrGet("src") or ""))
            alt = "".join(c.content for c in child.children or []).strip()
            how = f"Describe what it shows in a few words, like '![Autumn leaves]({src})'."
            _image(src, alt, line, body, path, how)
        elif child.type == "html_inline":
            _scan_html(child.content, line, body, path)
            line += child.content.count("\n")
        elif child.type in ("code_inline", "text"):
            line += child.content.count("\n")


def _image(src: str, alt: str, line: int, body: _Body, path: str, how: str) -> None:
    if not alt:
        body.problems.append(
            Problem(
                path,
                line,
                f'The image "{src}" has no description (alt text), so people who use '
                "screen readers, or whose images do not load, miss it.",
                how,
            )
        )
    scheme = _SCHEME.match(src)
    if (scheme and scheme.group(1).lower() in ("http", "https")) or src.startswith("//"):
        body.problems.append(
            Problem(
                path,
                line,
                f'The image "{src}" is on another website: every reader\'s browser would '
                "ask that website for it, and the site promises not to.",
                "Save the image in an 'images' folder beside the post, and use its path, "
                "for example '![A description](images/photo.jpg)'.",
            )
        )
    elif _is_local(src):
        body.links.append(Link(src, line, "image"))


def _scan_html(html: str, line: int, body: _Body, path: str) -> None:
    if "<" not in html:
        return
    scanner = _HTMLScanner()
    scanner.feed(html)
    for tag, attrs, extra in scanner.found:
        target = str(attrs.get("src" if tag == "img" else "href") or "")
        if tag == "a" and not _is_local(target):
            continue
        how = (
            "'![A description](images/photo.jpg)'"
            if tag == "img"
            else "'[the words to click](../2025/other-post.md)'"
        )
        body.problems.append(
            Problem(
                path,
                line + extra,
                f'The HTML <{tag}> for "{target}" would not work on the site: the file is '
                "not copied, and the address is not worked out from this post's folder.",
                f"Write it in markdown instead, like {how}.",
            )
        )


def _scan_directive(token: Token, line: int, body: _Body, path: str) -> None:
    info = token.info.strip()
    match = re.match(r"^\{([\w:.\-]+)\}\s*(.*)$", info)
    if not match:
        return
    name, argument = match.group(1), match.group(2).strip()
    options, option_lines = _directive_options(token.content)
    if name in _FILE_DIRECTIVES:
        target = unquote(argument)
        if _FILE_DIRECTIVES[name] == "image":
            how = (
                f"Add a line ':alt: ' and a few words describing the picture just under "
                f"the line '{{{name}}} {argument}'."
            )
            _image(target, options.get("alt", ""), line, body, path, how)
        elif _is_local(target):
            body.links.append(Link(target, line, "file"))
    if name in _LITERAL_DIRECTIVES:
        return
    content = "\n".join(token.content.split("\n")[option_lines:])
    _scan(_MD.parse(content), line + option_lines, body, path)


# A line that starts a markdown block (indented code, list, quote, heading, table,
# MyST comment or target, fence, setext underline, numbered list).
_BLOCK_START = re.compile(r"^(?:[ \t]|[-*+>#|=%(:`~]|\d+[.)])", re.MULTILINE)
_BLANK_LINES = re.compile(r"(\n[ \t]*\n)")


def _skim(body: str) -> str:
    """The text with plain paragraphs blanked out, for speed.

    A paragraph with no '[' and no '<' holds no link, image or HTML, and one with
    no line starting a markdown block (see ``_BLOCK_START``) holds no heading and
    cannot change how the rest is read. Most of a post is such paragraphs; blanked
    (newlines kept, so line numbers stay right) markdown-it skips them.
    """
    parts = _BLANK_LINES.split(body)
    for index in range(0, len(parts), 2):
        part = parts[index]
        if "[" not in part and "<" not in part and not _BLOCK_START.search(part):
            parts[index] = "\n" * part.count("\n")
    return "".join(parts)


def _scan_body(text: str, end_line: int, path: str) -> _Body:
    body = _Body()
    lines = text.split("\n")
    _scan(_MD.parse(_skim("\n".join(lines[end_line:]))), end_line, body, path)
    return body


def _title_problem(path: str, body: _Body, text: str, end_line: int) -> Problem | None:
    if body.title_line:
        return None
    if body.first_heading:
        line, level, words = body.first_heading
        if not words:
            return Problem(
                path,
                line,
                "The title line has no words after the '#'.",
                "Write the title after the '# ', for example '# Why change takes time'.",
            )
        return Problem(
            path,
            line,
            f'The post has no title: its first heading, "{words}", is a level-{level} sub-heading.',
            f"Make it the title with a single '#' and a space: '# {words}'. Sub-headings "
            "('## ') come after the title.",
        )
    lines = text.split("\n")
    for number, line in enumerate(lines[end_line:], start=end_line + 1):
        if re.match(r"^#+[^#\s]", line):
            return Problem(
                path,
                number,
                "The post has no title: a heading needs a space after the '#'.",
                f"Write '# {line.lstrip('#').strip()}' (with a space after the '#').",
            )
    return Problem(
        path,
        end_line + 1,
        "The post has no title.",
        "Add a line that starts with '# ' and the title, under the settings at the top, "
        "for example '# Why change takes time'.",
    )


def _check_post_bytes(
    rel: str, data: bytes, today: dt.date
) -> tuple[Post, list[Problem], list[Problem]]:
    post = Post(rel, rel.rsplit(".", 1)[0])
    if not data.strip():
        post.readable = False
        return (
            post,
            [],
            [
                Problem(
                    rel,
                    1,
                    "The file is empty.",
                    'Write the post in it (nox -s new -- "Title" starts one for you), '
                    "or delete the file.",
                )
            ],
        )
    try:
        text = frontmatter.decode(data, rel)
        yaml_text, end_line = frontmatter.split(text, rel)
        matter = frontmatter.parse(text, rel)
    except frontmatter.PostError as exc:
        post.readable = False
        return post, list(exc.problems), []

    problems = [*_wrong_values(matter), *_unknown_keys(matter, ablog_reads=True)]
    missing = _missing_date(matter, today)
    if missing:
        problems.append(missing)
    body = _scan_body(text, end_line, rel)
    title = _title_problem(rel, body, text, end_line)
    if title:
        problems.append(title)
    minor = [
        *_unknown_keys(matter, ablog_reads=False),
        *_updated_problems(matter),
        *_duplicate_keys(rel, yaml_text),
        *body.problems,
    ]
    if GUIDANCE in text and matter.fields.get("draft") is not True:
        minor.append(
            Problem(
                rel,
                text[: text.index(GUIDANCE)].count("\n") + 1,
                'The post still has the line of guidance that "nox -s new" put in it '
                '("Write your post here...").',
                "Replace that line with the post's first paragraph.",
            )
        )

    post.matter = matter
    post.state = publishing.classify(matter, today)
    post.date = frontmatter.as_date(matter.fields.get("date"))
    post.links = body.links
    for key in _LIST_KEYS:
        value = matter.fields.get(key)
        if isinstance(value, (list, str, int, float)) and not isinstance(value, bool):
            items = value if isinstance(value, list) else [value]
            if all(isinstance(i, (str, int, float)) for i in items):
                post.labels[key] = frontmatter.as_list(value)
                post.label_lines[key] = matter.line_of(key)
    return post, problems, minor


# -- The site as a whole -------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def slugify(name: str) -> str:
    """ABlog's slug for a tag, category or author name: the last part of its URL."""
    text = unicodedata.normalize("NFKD", str(name))
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@functools.lru_cache(maxsize=4096)
def label_key(name: str) -> str:
    """Names that are the same tag to a reader: capitals, spaces, hyphens, underscores alike."""
    return re.sub(r"[-_\s]+", "-", slugify(str(name).casefold())).strip("-")


def _where(locations: list[tuple[str, int]], here: str) -> str:
    shown = [
        f"this post (line {line})" if path == here else f"{path} (line {line})"
        for path, line in locations[:3]
    ]
    more = len(locations) - len(shown)
    if more:
        shown.append(f"{more} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def _label_problems(posts: list[Post]) -> Iterator[Problem]:
    """The same tag (or category) spelt two ways, and names with no letters at all."""
    for key in ("tags", "category"):
        word = _SINGULAR[key]
        groups: dict[str, dict[str, list[tuple[str, int]]]] = defaultdict(dict)
        for post in posts:
            for name in dict.fromkeys(post.labels.get(key, [])):
                location = (post.path, post.label_lines[key])
                if not label_key(name):
                    yield Problem(
                        post.path,
                        location[1],
                        f'The {word} "{name}" has no letters or numbers, so it cannot '
                        "have a page of its own.",
                        f"Use a {word} made of words, or delete it.",
                    )
                    continue
                groups[label_key(name)].setdefault(name, []).append(location)
        for spellings in groups.values():
            if len(spellings) < 2:
                continue
            # The spelling most posts use; on a tie, the one used first.
            uses = sorted((len(locs) for locs in spellings.values()), reverse=True)
            chosen = max(spellings, key=lambda s: (len(spellings[s]), -list(spellings).index(s)))
            why = "the spelling most posts use" if uses[0] > uses[1] else "the first spelling used"
            for name, locations in spellings.items():
                if name == chosen:
                    continue
                for path, line in locations:
                    yield Problem(
                        path,
                        line,
                        f'The {word} "{name}" is written differently elsewhere: '
                        f'"{chosen}" in {_where(spellings[chosen], path)}. The two would '
                        f"share one {word} page, and it would list only some of their posts.",
                        f'Write "{chosen}" here too, {why}.',
                    )


def _page_url(docname: str) -> str:
    """The address (dirhtml) of a page: ``posts/2025/x`` and ``posts/2025/x/index`` alike."""
    if docname == "index":
        return "/"
    return "/" + docname.removesuffix("/index") + "/"


def _generated_pages(settings: Settings, posts: list[Post]) -> dict[str, str]:
    """The pages ABlog writes itself, by address, with what each is."""
    blog = settings.blog_path.strip("/")
    pages = {
        _page_url(blog): "the list of all posts",
        _page_url(f"{blog}/drafts"): "the drafts page",
        _page_url(f"{blog}/archive"): "the archive",
        _page_url(f"{blog}/atom.xml"): "the feed",
    }
    for catalog in ("tag", "category", "author", "location", "language"):
        pages[_page_url(f"{blog}/{catalog}")] = f"the {catalog} index"
    for name in settings.author_names:
        pages[_page_url(f"{blog}/author/{slugify(name)}")] = f'the page of author "{name}"'
    for post in posts:
        if post.date:
            pages[_page_url(f"{blog}/{post.date.year}")] = f"the archive of {post.date.year}"
        for key, catalog in (("tags", "tag"), ("category", "category"), ("author", "author")):
            for name in post.labels.get(key, []):
                if slugify(name):
                    pages[_page_url(f"{blog}/{catalog}/{slugify(name)}")] = (
                        f'the page of {catalog} "{name}"'
                    )
    return pages


def _address_problems(posts: list[Post], pages: list[str], settings: Settings) -> Iterator[Problem]:
    """Two files that would be the same page, or a post where ABlog writes a page."""
    by_url: dict[str, list[str]] = defaultdict(list)
    for path in pages:
        by_url[_page_url(path.rsplit(".", 1)[0]).casefold()].append(path)
    post_paths = {post.path for post in posts}
    for paths in by_url.values():
        if len(paths) < 2:
            continue
        for path in paths:
            if path not in post_paths:
                continue
            others = [p for p in paths if p != path]
            same_case = all(
                _page_url(p.rsplit(".", 1)[0]) == _page_url(path.rsplit(".", 1)[0]) for p in others
            )
            why = "" if same_case else " (web addresses and Macs treat capitals alike)"
            yield Problem(
                path,
                1,
                f"This post and {' and '.join(others)} would both be the page "
                f"{_page_url(path.rsplit('.', 1)[0])}{why}, so one would replace the other.",
                "Rename one of the files.",
            )
    generated = {url.casefold(): what for url, what in _generated_pages(settings, posts).items()}
    for post in posts:
        url = _page_url(post.docname)
        if url.casefold() in generated:
            yield Problem(
                post.path,
                1,
                f"This post would be the page {url}, which is where ABlog puts "
                f"{generated[url.casefold()]}, so one would replace the other.",
                f"Move the post out of the '{settings.blog_path}' folder, or rename it.",
            )


def _resolve(link: Link, post: Post) -> str | None:
    """The path a link points to, relative to the site's folder (None if outside it)."""
    target = link.target
    for prefix in ("project:", "path:"):
        target = target.removeprefix(prefix)
    target = target.split("#", 1)[0].split("?", 1)[0]
    if target.startswith("/"):
        resolved = posixpath.normpath(target.lstrip("/") or ".")
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(post.path), target))
    if resolved == ".." or resolved.startswith("../"):
        return None
    return resolved


def _relative(path: str, start: str) -> str:
    return posixpath.relpath(path, posixpath.dirname(start))


class _Files:
    """Which files exist, with capitals exactly as written.

    On a Mac or Windows, "Tree.JPG" opens "tree.jpg"; on the web server it does
    not. Comparing with the folder's listing makes ``check`` agree with the server.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listings: dict[str, set[str]] = {}

    def _listing(self, folder: str) -> set[str]:
        if folder not in self._listings:
            try:
                self._listings[folder] = {p.name for p in (self.root / folder).iterdir()}
            except OSError:
                self._listings[folder] = set()
        return self._listings[folder]

    def exists(self, path: str) -> bool:
        """True if ``path`` (relative to the root, '/'-separated) is a file, capitals and all."""
        folder = ""
        for part in path.split("/"):
            if part not in self._listing(folder):
                return False
            folder = f"{folder}/{part}" if folder else part
        return os.path.isfile(os.path.join(self.root, path))

    def with_other_capitals(self, path: str) -> str | None:
        """The file at ``path`` spelt with other capitals, if there is one."""
        folder = ""
        for part in path.split("/"):
            names = {name.casefold(): name for name in self._listing(folder)}
            if part.casefold() not in names:
                return None
            part = names[part.casefold()]
            folder = f"{folder}/{part}" if folder else part
        return folder if (self.root / folder).is_file() else None


def _link_problems(
    root: Path, posts: list[Post], pages: set[str], today: dt.date
) -> Iterator[Problem]:
    """Links and images that point nowhere, outside the site, or to an unpublished post."""
    by_path = {post.path: post for post in posts}
    by_stem: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        by_stem[posixpath.basename(post.docname).casefold()].append(post.path)
    files = _Files(root)
    for post in posts:
        for link in post.links:
            what = "image" if link.kind == "image" else "link"
            shown = link.target
            if not link.target.split("#", 1)[0]:
                continue  # a link to a heading in this post
            if _WINDOWS_PATH.match(link.target):
                yield Problem(
                    post.path,
                    link.line,
                    f'The {what} "{shown}" points to a file on your computer, which '
                    "readers cannot see.",
                    "Copy the file into the blog (an 'images' folder beside the post), and "
                    "link to it from this post's folder, for example 'images/photo.jpg'.",
                )
                continue
            resolved = _resolve(link, post)
            if resolved is None:
                yield Problem(
                    post.path,
                    link.line,
                    f'The {what} "{shown}" points outside the blog\'s folder.',
                    "Link only to files inside the blog, from this post's folder.",
                )
                continue
            if not files.exists(resolved):
                yield _missing_target(files, post, link, resolved, by_stem)
                continue
            suffix = posixpath.splitext(resolved)[1]
            if what == "link" and suffix in (".md", ".rst") and resolved not in pages:
                yield Problem(
                    post.path,
                    link.line,
                    f'The link "{shown}" points to {resolved}, which is not a page of the site.',
                    "Link to a post or one of the site's pages instead.",
                )
                continue
            target = by_path.get(resolved)
            if target and target is not post and post.state != publishing.DRAFT:
                problem = _unpublished_target(post, link, target, today)
                if problem:
                    yield problem


def _missing_target(
    files: _Files, post: Post, link: Link, resolved: str, by_stem: dict[str, list[str]]
) -> Problem:
    what = {"image": "image", "file": "file"}.get(link.kind, "link")
    message = f'The {what} "{link.target}" points to {resolved}, which does not exist.'
    found = None
    for candidate in (resolved, resolved + ".md", resolved + "/index.md"):
        found = files.with_other_capitals(candidate)
        if found:
            break
    else:
        # "../second/" (the page's address) or "second": a post's name, not its file.
        stems = by_stem.get(posixpath.basename(resolved).removesuffix(".md").casefold(), [])
        found = stems[0] if stems else None
    if found:
        capitals = " (capitals count)" if found.casefold() == resolved.casefold() else ""
        fix = (
            f'Did you mean "{_relative(found, post.path)}"? Link to the file itself, '
            f"from this post's folder{capitals}."
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
    return Problem(post.path, link.line, message, fix)


def _unpublished_target(post: Post, link: Link, target: Post, today: dt.date) -> Problem | None:
    if target.state == publishing.DRAFT:
        why = "is a draft"
    elif target.date and target.date > today and (post.date is None or target.date > post.date):
        why = f"is scheduled for {target.date.isoformat()}"
    else:
        return None
    return Problem(
        post.path,
        link.line,
        f'The link "{link.target}" points to {target.path}, which {why}: '
        "the link would be broken on the site until that post is published.",
        "Publish that post first, or take the link out for now.",
    )


def site_pages(root: Path, settings: Settings) -> list[str]:
    """Every source file Sphinx would read, as paths relative to ``root``."""
    from sphinx.util.matching import get_matching_files

    excluded = [*settings.exclude_patterns, "_build", "**/.*", ".*", "**/_sources"]
    return sorted(
        path
        for path in get_matching_files(root, settings.include_patterns, excluded)
        if posixpath.splitext(path)[1] in settings.source_suffixes
    )


class Remembered:
    """Each post's own checks, remembered between builds by the post's exact bytes.

    A build checks every post before Sphinx starts (``check_before_build``); at
    1000 posts that was a third of a rebuild in which nothing changed. Only a post
    whose bytes (or whose day: a scheduled post becomes due) changed is checked
    again. The site-wide checks (addresses, tags spelt two ways, links between
    posts) always run. The memory is a file in the build's own folder, thrown
    away when this package's code changes or the file cannot be read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.code = _code_digest()
        self.old: dict[tuple[str, str, str], Any] = {}
        self.new: dict[tuple[str, str, str], Any] = {}
        try:
            saved = read_state(path, "pickle")
            if saved.get("code") == self.code:
                self.old = saved["posts"]
        except Exception:  # missing, truncated, or from other code: start afresh
            self.old = {}

    @staticmethod
    def _key(rel: str, data: bytes, today: dt.date) -> tuple[str, str, str]:
        return (rel, hashlib.blake2b(data, digest_size=16).hexdigest(), today.isoformat())

    def recall(self, rel: str, data: bytes, today: dt.date):
        """What the last build found in these bytes on this day, or None."""
        return self.old.get(self._key(rel, data, today))

    def keep(self, rel: str, data: bytes, today: dt.date, found) -> None:
        """Remember what was found in these bytes, for the next build."""
        self.new[self._key(rel, data, today)] = found
        if found[0].matter is not None:
            # The statuses, the sitemap and the feeds read it too: no need to parse it again.
            frontmatter.remember(data, rel, found[0].matter)

    def save(self) -> None:
        if self.new == self.old:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            with tmp.open("wb") as file:
                pickle.dump({"code": self.code, "posts": self.new}, file)
            os.replace(tmp, self.path)


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for name in ("checks.py", "frontmatter.py", "publishing.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def check_site(
    root: Path,
    settings: Settings,
    remembered: Remembered | None = None,
    paths: list[Path] | None = None,
    processes: int = 1,
) -> Report:
    """Check every post of the site at ``root``; return every problem found.

    ``paths``: the post files, if already listed (``publishing.post_paths``).
    ``processes``: how many processes may share the posts' own checks.
    """
    root = root.resolve()
    today = publishing.today(settings.timezone, settings.today)
    serious: list[Problem] = []
    minor: list[Problem] = []
    posts: list[Post] = []
    if paths is None:
        paths = publishing.post_paths(root, list(settings.post_patterns))
    files = [
        (rel, path.read_bytes())
        for path, rel in zip(paths, publishing.relative_names(paths, root), strict=True)
    ]
    for post, found, small in _each_post_checked(files, today, remembered, processes):
        posts.append(post)
        serious.extend(found)
        minor.extend(small)
    readable = [post for post in posts if post.readable]
    pages = site_pages(root, settings)
    serious.extend(_address_problems(posts, pages, settings))
    minor.extend(_label_problems(readable))
    minor.extend(_link_problems(root, readable, set(pages), today))
    problems = sorted(set(serious + minor), key=lambda p: (p.path, p.line, p.message))
    return Report(len(posts), problems, set(minor) - set(serious))


# Fewer posts to check than this are checked in one process: starting another and
# sending its findings back costs about as much as checking 50 posts.
FEW_TO_SHARE = 100


def _each_post_checked(
    files: list[tuple[str, bytes]], today: dt.date, remembered: Remembered | None, processes: int
) -> list[tuple[Post, list[Problem], list[Problem]]]:
    """Each post's own checks, in order: remembered, or done now (shared out if many)."""
    found: list[Any] = [None] * len(files)
    if remembered is not None:
        found = [remembered.recall(rel, data, today) for rel, data in files]
    to_check = [i for i, verdict in enumerate(found) if verdict is None]
    if processes > 1 and len(to_check) >= FEW_TO_SHARE and hasattr(os, "fork"):
        # Every process takes every n-th post, so that each gets as many long posts.
        shares = [to_check[share::processes] for share in range(processes)]
        with contextlib.suppress(OSError, BrokenProcessPool):
            # The checks never fail for a reason of their own: if no other process can
            # be started, or one dies, this one checks what is left (below).
            _check_shared_out(files, shares, today, found)
    for i in to_check:
        if found[i] is None:
            found[i] = _check_post_bytes(*files[i], today)
    if remembered is not None:
        for (rel, data), verdict in zip(files, found, strict=True):
            remembered.keep(rel, data, today, verdict)
    return found


def _check_shared_out(
    files: list[tuple[str, bytes]], shares: list[list[int]], today: dt.date, found: list[Any]
) -> None:
    """Check the first share here and each other share in a process of its own, into ``found``."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(shares) - 1, mp_context=context) as pool:
        theirs = [
            pool.submit(_check_files, [files[i] for i in share], today) for share in shares[1:]
        ]
        mine = _check_files([files[i] for i in shares[0]], today)
        for i, verdict in zip(shares[0], mine, strict=True):
            found[i] = verdict
        for share, future in zip(shares[1:], theirs, strict=True):
            for i, verdict in zip(share, future.result(), strict=True):
                found[i] = verdict


def _check_files(
    files: list[tuple[str, bytes]], today: dt.date
) -> list[tuple[Post, list[Problem], list[Problem]]]:
    return [_check_post_bytes(rel, data, today) for rel, data in files]


def format_report(report: Report) -> str:
    """The text ``python -m healedheart check`` prints."""
    if not report.problems:
        if report.posts == 0:
            return "There are no posts yet."
        if report.posts == 1:
            return "The post looks good."
        return f"All {report.posts} posts look good."
    files = len({p.path for p in report.problems})
    lines = [str(problem) for problem in report.problems]
    count = len(report.problems)
    lines.append("")
    lines.append(
        f"{count} {'problem' if count == 1 else 'problems'} in "
        f"{files} {'file' if files == 1 else 'files'}. Fix "
        f"{'it' if count == 1 else 'them'}, then run 'nox -s check' again."
    )
    return "\n".join(lines)


def check_before_build(app: Any, config: Any) -> None:
    """Sphinx ``config-inited``: a build never publishes, or crashes on, a bad post.

    Every problem is logged as an error, in the same words as ``check``, and the
    build ends "with problems" (exit status 1), never "succeeded". A post with a
    serious problem (no title, a date that is not a date...) is left out, so that
    ABlog cannot crash on it. (Raising an exception here would make sphinx-build
    print its crash report, traceback and all.) The preview (``blog_preview``)
    only warns about the minor problems (see :attr:`Report.minor`), so that it
    keeps working while a post is being written.
    """
    from sphinx.util import logging

    names = (
        "blog_post_pattern",
        "include_patterns",
        "exclude_patterns",
        "source_suffix",
        "blog_path",
        "blog_authors",
        "blog_timezone",
        "blog_today",
    )
    srcdir = Path(app.srcdir)
    settings = Settings.from_values({name: getattr(config, name, None) for name in names})
    remembered = Remembered(Path(app.doctreedir) / REMEMBERED_FILE)
    # Listed once per build; publishing.exclude_unpublished (next) uses the same list.
    resolved = srcdir.resolve()
    paths = publishing.post_paths(resolved, list(settings.post_patterns))
    names = publishing.relative_names(paths, resolved)
    app.healedheart_post_paths = [srcdir / name for name in names]
    report = check_site(srcdir, settings, remembered, paths, processes=app.parallel)
    remembered.save()
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
        escaped = map(publishing.escape_glob, left_out)
        config.exclude_patterns = [*config.exclude_patterns, *escaped]
        logger.error("Left out of this build until they are fixed: %s.", ", ".join(left_out))
    if stopping:
        app.statuscode = 1


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when no such day exists (2025-02-30)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
