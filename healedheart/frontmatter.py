"""Reading a post's front matter, with the line of every key (for errors), and
handing ABlog the values as it understands them (it misreads a YAML list for
``category`` and crashes on ``nocomments: true``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.transforms import SphinxTransform

FENCE = "---"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a post, said so that the author can fix it."""

    path: str
    line: int
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.path}, line {self.line}: {self.message}"
        return f"{text} {self.fix}" if self.fix else text


class PostError(Exception):
    """A post that cannot be read. Carries one or more problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def one(cls, path: str, line: int, message: str, fix: str) -> PostError:
        """The error of a post with one problem."""
        return cls([Problem(path, line, message, fix)])


@dataclass(frozen=True)
class FrontMatter:
    """The front matter of one post: typed values and where each key stands."""

    path: str
    fields: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    end_line: int = 0  # the line of the closing ``---`` (0 when there is none)
    #: Keys written twice, as (key, first line, later line): YAML keeps the last.
    repeated: tuple[tuple[str, int, int], ...] = ()

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader (libyaml's when there), but an impossible date (``2025-02-30``)
    stays text, for the checks to explain, where PyYAML raises a bare ValueError."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse(text: str, path: str) -> FrontMatter:
    """Parse the front matter at the top of ``text`` (a post's whole source)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        return FrontMatter(path)
    end_line = next((n for n, line in enumerate(lines[1:], 2) if line.strip() == FENCE), 0)
    if not end_line:
        raise PostError.one(
            path,
            1,
            "The front matter that starts on line 1 with '---' is never closed.",
            "Add a line with only '---' after the last setting (date, tags, ...).",
        )
    try:
        loader = _Loader("\n".join(lines[1 : end_line - 1]))
        try:
            root = loader.get_single_node()
            values = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or "it is not valid"
        raise PostError.one(
            path,
            mark.line + 2 if mark else 2,  # +1 for the fence, +1 for 1-based
            f"The front matter cannot be read ({reason}).",
            "Each setting goes on its own line as 'name: value', for example "
            "'tags: attachment, therapy'. Put quotes around a value that contains a colon.",
        ) from None
    if values is None:
        return FrontMatter(path, end_line=end_line)
    if not isinstance(values, dict) or not isinstance(root, yaml.MappingNode):
        raise PostError.one(
            path,
            2,
            "The front matter is not a list of settings.",
            "Write one setting per line as 'name: value', for example 'date: 2025-09-01'.",
        )
    keys = [(str(key_node.value), key_node.start_mark.line + 2) for key_node, _ in root.value]
    first = dict(reversed(keys))
    repeated = tuple((key, first[key], line) for key, line in keys if line != first[key])
    fields = {str(k): v for k, v in values.items()}
    return FrontMatter(path, fields, dict(keys), end_line, repeated)


def read(path: Path, display: str | None = None) -> FrontMatter:
    """Read the front matter of the post file at ``path``: the same bytes are parsed
    once per process (``remember``); callers must not change what is returned."""
    shown = display or str(path)
    data = path.read_bytes()
    return _parsed.get((data, shown)) or remember(data, shown, parse(decode(data, shown), shown))


# What ``read`` has parsed (or been told), by the file's bytes and its name.
_parsed: dict[tuple[bytes, str], FrontMatter] = {}


def remember(data: bytes, shown: str, matter: FrontMatter) -> FrontMatter:
    """Tell ``read`` the front matter of these bytes, parsed by this module's code."""
    if len(_parsed) >= 8192:  # a long preview session: forget, rather than grow
        _parsed.clear()
    _parsed[(data, shown)] = matter
    return matter


def decode(data: bytes, path: str) -> str:
    """A post's bytes as text: UTF-8 (with or without a byte-order mark), or a PostError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PostError.one(
            path,
            data[: exc.start].count(b"\n") + 1,
            "The file is not saved as UTF-8 text.",
            "Open it in your editor and save it with the encoding 'UTF-8'.",
        ) from None
    # As reading a file in text mode does: Windows and old Mac line endings become "\n".
    return text.replace("\r\n", "\n").replace("\r", "\n")


def as_list(value: Any) -> list[str]:
    """``tags``, ``category`` and ``author`` may be a YAML list or a comma string."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def as_date(value: Any) -> dt.date | None:
    """A YAML date (or an ISO date string) as a date; ``None`` if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


# Keys ABlog reads that must reach it as comma-separated strings.
_LIST_KEYS = ("tags", "category", "author")
# Keys that are ours, or that ABlog mishandles: they never reach ABlog.
_OURS = ("draft", "updated", "nocomments", "exclude")


class NormaliseForABlog(SphinxTransform):
    """Rewrite a post's docinfo so that ABlog reads what the author wrote (before
    ABlog's ``CheckFrontMatter``, 800)."""

    default_priority = 790

    def apply(self, **kwargs: Any) -> None:
        docname = self.env.docname
        if docname not in getattr(self.config, "matched_blog_posts", ()):
            return
        docinfo = next(iter(self.document.findall(nodes.docinfo)), None)
        if docinfo is None:
            return
        path = Path(self.env.doc2path(docname))
        # Named as the checks and the statuses name it, so their parse is reused.
        matter = read(path, path.relative_to(self.env.srcdir).as_posix())
        authors = _author_keys(self.config.blog_authors)
        for node in list(docinfo.children):
            key = _key_of(node)
            if key in _OURS:
                docinfo.remove(node)
            elif key in _LIST_KEYS and key in matter.fields:
                values = as_list(matter.fields[key])
                if key == "author":
                    values = [authors.get(v.casefold(), v) for v in values]
                _set_text(node, ", ".join(values))
            elif key == "date" and key in matter.fields:
                date = as_date(matter.fields[key])
                if date is not None:
                    _set_text(node, date.isoformat())


def _author_keys(blog_authors: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Map an author's key or full name (any case) to ABlog's key for them."""
    return {
        alias.casefold(): key
        for key, (name, _link) in blog_authors.items()
        for alias in (name, key)
    }


def _key_of(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.field):
        return node[0].astext()
    if isinstance(node, (nodes.author, nodes.date)):
        return node.tagname
    return None


def _set_text(node: nodes.Element, text: str) -> None:
    if isinstance(node, nodes.field):
        node[1].children = []
        node[1] += nodes.paragraph(text, text)
    else:
        node.children = []
        node += nodes.Text(text)
