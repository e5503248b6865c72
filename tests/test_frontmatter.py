"""healedheart.frontmatter: a post's front matter, with the line of every key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from healedheart import frontmatter
from healedheart.frontmatter import PostError

POST = """\
---
date: 2025-09-01
category: Reflections
tags:
  - attachment
  - healing
draft: false
---

# A post
"""


def problem(exc: pytest.ExceptionInfo[PostError]) -> frontmatter.Problem:
    assert len(exc.value.problems) == 1
    return exc.value.problems[0]


# -- parse ---------------------------------------------------------------------


def test_parse_reads_typed_values() -> None:
    matter = frontmatter.parse(POST, "posts/a.md")
    assert matter.fields == {
        "date": dt.date(2025, 9, 1),
        "category": "Reflections",
        "tags": ["attachment", "healing"],
        "draft": False,
    }
    assert matter.path == "posts/a.md"


def test_parse_knows_the_line_of_every_key_and_of_the_closing_fence() -> None:
    matter = frontmatter.parse(POST, "posts/a.md")
    lines = POST.splitlines()
    for key in ("date", "category", "tags", "draft"):
        # The line number is the file's (1-based), fences included.
        assert lines[matter.line_of(key) - 1].startswith(f"{key}:")
    assert matter.lines == {"date": 2, "category": 3, "tags": 4, "draft": 7}
    assert matter.end_line == 8
    assert lines[matter.end_line - 1] == "---"


def test_line_of_a_missing_key_is_the_first_line() -> None:
    assert frontmatter.parse(POST, "posts/a.md").line_of("author") == 1


@pytest.mark.parametrize("text", ["# Just a page\n", "", "Text\n---\ndate: 2025-01-01\n---\n"])
def test_text_without_front_matter_has_none(text) -> None:
    matter = frontmatter.parse(text, "about.md")
    assert matter.fields == {}
    assert matter.end_line == 0


def test_empty_front_matter_is_no_settings() -> None:
    matter = frontmatter.parse("---\n---\n# Title\n", "posts/a.md")
    assert matter.fields == {}
    assert matter.end_line == 2


def test_an_unclosed_front_matter_is_an_error_on_line_1() -> None:
    with pytest.raises(PostError) as caught:
        frontmatter.parse("---\ndate: 2025-09-01\n\n# A post\n\nText.\n", "posts/a.md")
    found = problem(caught)
    assert (found.path, found.line) == ("posts/a.md", 1)
    assert str(caught.value).startswith("posts/a.md, line 1: ")
    assert "never closed" in found.message
    assert "---" in found.fix  # says how to fix it


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # An unquoted colon in a value: the error is on the line that has it.
        ("---\ndate: 2025-09-01\ntitle: Healing: a beginning\ntags: a\n---\n", 3),
        # A list that is never closed: YAML notices at the next line.
        ("---\ndate: 2025-09-01\ntags: [a, b\ncategory: c\n---\n", 4),
        # A tab where YAML wants spaces.
        ("---\ndate: 2025-09-01\ntags:\n\t- a\n---\n", 4),
    ],
)
def test_invalid_yaml_is_an_error_on_its_line(text, line) -> None:
    with pytest.raises(PostError) as caught:
        frontmatter.parse(text, "posts/a.md")
    found = problem(caught)
    assert found.line == line
    assert f"posts/a.md, line {line}: " in str(caught.value)
    assert "cannot be read" in found.message


def test_front_matter_that_is_not_settings_is_an_error() -> None:
    with pytest.raises(PostError) as caught:
        frontmatter.parse("---\n- a\n- b\n---\n", "posts/a.md")
    assert problem(caught).line == 2


# -- read ----------------------------------------------------------------------


def test_read_a_file(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(POST, "utf-8")
    matter = frontmatter.read(path, "posts/a.md")
    assert matter.path == "posts/a.md"
    assert matter.fields["category"] == "Reflections"


def test_read_ignores_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbf" + POST.encode())
    assert frontmatter.read(path).lines["date"] == 2


def test_a_file_not_saved_as_utf8_is_an_error_on_the_line_with_the_bad_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.md"
    # "café" in Windows-1252, on line 3.
    path.write_bytes(b"---\ndate: 2025-09-01\ncategory: caf\xe9\n---\n")
    with pytest.raises(PostError) as caught:
        frontmatter.read(path, "posts/a.md")
    found = problem(caught)
    assert (found.path, found.line) == ("posts/a.md", 3)
    assert "UTF-8" in found.message
    assert "UTF-8" in found.fix


# -- values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        ("attachment", ["attachment"]),
        ("attachment, self care ,, therapy", ["attachment", "self care", "therapy"]),
        (["Practice"], ["Practice"]),
        ([" a ", "", "b"], ["a", "b"]),
        (("a", 2025), ["a", "2025"]),
        (2025, ["2025"]),
    ],
)
def test_as_list(value, expected) -> None:
    assert frontmatter.as_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
        (dt.datetime(2025, 9, 1, 10, 30), dt.date(2025, 9, 1)),
        ("2025-09-01", dt.date(2025, 9, 1)),
        (" 2025-09-01 ", dt.date(2025, 9, 1)),
        ("1 September 2025", None),
        ("2025-02-30", None),
        (None, None),
        (20250901, None),
    ],
)
def test_as_date(value, expected) -> None:
    result = frontmatter.as_date(value)
    assert result == expected
    assert type(result) is type(expected)  # a date, never a datetime


def test_a_build_parses_each_post_s_front_matter_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks, the statuses, the transform for ABlog and the dates share one parse."""
    import shutil

    from conftest import ROOTS, run_sphinx

    srcdir = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", srcdir)
    for path in srcdir.rglob("*.md"):  # bytes no earlier test in this process has parsed
        path.write_text(path.read_text("utf-8") + "\n<!-- this build's own -->\n", "utf-8")
    parsed: list[str] = []
    parse = frontmatter.parse
    monkeypatch.setattr(
        frontmatter, "parse", lambda text, path: parsed.append(path) or parse(text, path)
    )
    run_sphinx(srcdir, tmp_path / "html", tmp_path / "doctrees", {"blog_today": "2025-09-02"})
    posts = sorted(p.relative_to(srcdir).as_posix() for p in (srcdir / "posts").rglob("*.md"))
    assert sorted(parsed) == posts
