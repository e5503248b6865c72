"""`python -m healedheart new "Title"`: a draft post that passes `check` and builds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import time_machine
from conftest import ROOTS

from healedheart import __main__ as cli
from healedheart import checks, frontmatter, newpost


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A copy of the basic test blog, to add posts to."""
    root = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", root)
    return root


def new(blog: Path, *args: str) -> newpost.Created:
    title, *rest = args
    options = dict(zip(rest[::2], rest[1::2], strict=True))
    return newpost.create(blog, title, settings=checks.settings_from_conf(blog), **options)


# -- File names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Café à la mode", "cafe-a-la-mode"),
        ("Why change takes time: a reflection!", "why-change-takes-time-a-reflection"),
        ("Don't panic (yet)", "dont-panic-yet"),
        ("Love & loss", "love-and-loss"),
        ("Straße, Łódź and Ørsted\u2019s æther", "strasse-lodz-and-orsteds-aether"),
        ("2025: a year", "2025-a-year"),
        ("  Spaces   everywhere  ", "spaces-everywhere"),
        ("", "untitled"),
        ("!!! ???", "untitled"),
        ("日本語のタイトル", "untitled"),
    ],
)
def test_a_slug_is_readable_and_safe(title: str, slug: str) -> None:
    assert newpost.slugify(title) == slug


def test_a_long_title_is_cut_at_a_word_boundary() -> None:
    title = "On the long and winding road of therapy, and what it asks of both people in the room"
    slug = newpost.slugify(title)
    assert slug == "on-the-long-and-winding-road-of-therapy-and-what-it-asks-of"
    assert len(slug) <= 60
    assert title.lower().replace(",", "").replace(" ", "-").startswith(slug + "-")
    assert newpost.slugify("x" * 80) == "x" * 60  # one enormous word: cut anyway


# -- The post -------------------------------------------------------------------------


def test_a_new_post_is_a_draft_with_everything_filled_in(blog: Path) -> None:
    created = new(
        blog, "Why change takes time", "tags", "attachment, grief", "category", "Reflections",
        "date", "2025-09-01",
    )  # fmt: skip
    assert created.path == blog / "posts/2025/why-change-takes-time.md"
    assert created.path.read_text("utf-8") == (
        "---\n"
        "date: 2025-09-01\n"
        "tags: attachment, grief\n"
        "category: Reflections\n"
        "draft: true\n"
        "---\n"
        "\n"
        "# Why change takes time\n"
        "\n"
        f"{newpost.GUIDANCE}\n"
    )
    assert created.message.splitlines() == [
        "Created posts/2025/why-change-takes-time.md (a draft).",
        "",
        "Next: write your post in that file, in place of the line of guidance.",
        "Preview it with: nox -s serve   (then open http://127.0.0.1:8000)",
        'When it is ready, remove the line "draft: true" and commit.',
    ]
    report = checks.check_site(blog, checks.settings_from_conf(blog))
    assert report.problems == []


def test_the_year_folder_comes_from_the_date(blog: Path) -> None:
    assert new(blog, "Old news", "date", "2019-12-31").path == blog / "posts/2019/old-news.md"


@time_machine.travel(dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False)
def test_today_is_today_in_london(blog: Path) -> None:
    # 23:30 in UTC is already half past midnight on 1 July in London (summer time).
    created = new(blog, "Midnight")
    assert "date: 2025-07-01\n" in created.path.read_text("utf-8")


@time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False)
def test_new_year_s_eve_is_still_last_year_in_london_in_winter(blog: Path) -> None:
    assert new(blog, "Midnight").path == blog / "posts/2025/midnight.md"


def test_never_overwrites_a_post(blog: Path) -> None:
    first = new(blog, "Second", "date", "2025-09-01")
    assert first.path.name == "second-2.md"  # posts/2025/second.md is test-basic's
    assert "There is already a post called posts/2025/second.md, so this one is " in (first.message)
    assert "posts/2025/second-2.md." in first.message
    assert new(blog, "Second", "date", "2025-09-01").path.name == "second-3.md"
    original = (blog / "posts/2025/second.md").read_text("utf-8")
    assert "# Second post: A & B <together>" in original


def test_never_takes_the_address_of_another_file(blog: Path) -> None:
    (blog / "posts/2025/Hope.md").write_text("---\ndate: 2025-01-01\n---\n\n# Hope\n")
    (blog / "posts/2025/grief").mkdir()
    assert new(blog, "hope", "date", "2025-09-01").path.name == "hope-2.md"
    assert new(blog, "Grief", "date", "2025-09-01").path.name == "grief-2.md"


@pytest.mark.parametrize(
    ("option", "value", "line", "read_back"),
    [
        ("tags", "time: a healer, hope", 'tags: "time: a healer, hope"',
         ["time: a healer", "hope"]),
        ("tags", "yes", 'tags: "yes"', ["yes"]),
        ("category", "2025", 'category: "2025"', ["2025"]),
        ("category", 'Letters "to" clients', 'category: Letters "to" clients',
         ['Letters "to" clients']),
        ("category", "#1 worries", 'category: "#1 worries"', ["#1 worries"]),
    ],
)  # fmt: skip
def test_values_that_need_quotes_are_quoted(
    blog: Path, option: str, value: str, line: str, read_back: list[str]
) -> None:
    created = new(blog, "Quoting", option, value, "date", "2025-09-01")
    text = created.path.read_text("utf-8")
    assert f"\n{line}\n" in text
    matter = frontmatter.parse(text, "x.md")
    assert frontmatter.as_list(matter.fields[option]) == read_back


def test_a_title_with_a_colon_and_quotes(blog: Path) -> None:
    created = new(blog, 'Hope: "the thing with feathers"', "date", "2025-09-01")
    assert created.path.name == "hope-the-thing-with-feathers.md"
    assert '\n# Hope: "the thing with feathers"\n' in created.path.read_text("utf-8")
    assert checks.check_site(blog, checks.settings_from_conf(blog)).problems == []


def test_tags_take_the_spelling_other_posts_use(blog: Path) -> None:
    # test-basic's posts use "self care" and "attachment".
    created = new(blog, "Rest", "tags", "Self-Care, ATTACHMENT, rest", "date", "2025-09-01")
    assert "\ntags: self care, attachment, rest\n" in created.path.read_text("utf-8")
    assert 'Using the tag "self care", as the other posts spell it (you wrote "Self-Care").' in (
        created.message
    )
    assert checks.check_site(blog, checks.settings_from_conf(blog)).problems == []


# -- The command ------------------------------------------------------------------------


def test_the_command_prints_the_path_and_the_next_step(
    blog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["new", "A first try", "--tags", "a,b", "--category", "C", "--date", "2025-09-01"]
    assert cli.main([*argv, "--root", str(blog)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Created posts/2025/a-first-try.md (a draft).\n")
    assert "Preview it with: nox -s serve" in out
    assert 'remove the line "draft: true" and commit' in out
    assert (blog / "posts/2025/a-first-try.md").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["   "], 'The post needs a title: nox -s new -- "Title of the post" (with the quotes).'),
        (["Title", "--date", "next tuesday"], 'The date "next tuesday" is not a date written '
         "year-month-day, like 2025-09-01."),
        (["Title", "--date", "2025-02-30"], 'The date "2025-02-30" is not a date'),
        (["Title", "--tags", "grief, ???"], 'The tag "???" has no letters or numbers.'),
    ],
)  # fmt: skip
def test_the_command_refuses_plainly(
    blog: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["new", *argv, "--root", str(blog)]) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert sorted(p.name for p in (blog / "posts/2025").iterdir()) == [
        "second.md",
        "third.md",
        "tomorrow.md",
        "unfinished.md",
    ]


def test_no_title_at_all(blog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["new", "--root", str(blog)]) == 2
    assert capsys.readouterr().err == (
        'Give the post a title, in quotes: nox -s new -- "Title of the post"\n'
    )


def test_the_new_post_builds_in_the_preview_and_stays_out_of_the_site(make_site) -> None:
    def add_post(srcdir: Path) -> None:
        newpost.create(
            srcdir,
            "Café à la mode: a reflection",
            tags="attachment, new tag",
            category="Reflections",
            date="2025-05-01",
            settings=checks.settings_from_conf(srcdir),
        )

    preview = make_site("basic", overrides={"blog_preview": True}, edit=add_post)
    page = preview.page("posts/2025/cafe-a-la-mode-a-reflection/")
    assert page.find("h1").get_text().startswith("Café à la mode: a reflection")
    assert newpost.GUIDANCE in page.get_text()
    assert "Draft" in page.select_one(".post-header").get_text()


def test_the_new_post_is_not_in_the_public_site(make_site) -> None:
    def add_post(srcdir: Path) -> None:
        newpost.create(srcdir, "Not yet", date="2025-05-01")

    site = make_site("basic", edit=add_post)
    assert not site.file("posts/2025/not-yet/").exists()
