"""The optional speed extension (``healedheart.speed``) and rebuilds change no byte of the site.

The same site (the real one's pages and code, with a dozen synthetic posts, one
whose excerpt links to another post, and a draft) is built without the speed
extension loaded at all, with it, serially and with ``-j 2``, and the trees are
compared file by file. Rebuilds after each kind of change a post can have are
compared with a clean build of the same sources.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sphinx.builders
from conftest import REPO, run_sphinx
from sphinx.search.en import SearchEnglish
from sphinx.util.logging import NAMESPACE, VERBOSE

import healedheart.speed as speed
from benchmarks import synthetic
from benchmarks.run import differing, digest
from healedheart import compat
from healedheart.speed import parallel

LINKED_EXCERPT = """\
---
date: 2024-03-01
tags: attachment
---

# A post whose excerpt links

This first paragraph, the excerpt, points to [another post]({target}) and to
{{ref}}`the list of all posts <blog-posts>`.

The rest of the post.
"""

DRAFT = """\
---
date: 2023-02-01
draft: true
tags: grief
---

# Not ready yet

Only the preview shows this.
"""

CORE_ONLY = ["-D", "extensions=myst_parser,ablog,sphinx_sitemap,healedheart"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site's pages and code with 12 synthetic posts, a linked excerpt and a draft."""
    posts = synthetic.generate(12)
    src = synthetic.write_site(tmp_path_factory.mktemp("speed") / "src", posts, REPO)
    (src / "posts" / "2024").mkdir(exist_ok=True)
    (src / "posts" / "2024" / "a-post-whose-excerpt-links.md").write_text(
        LINKED_EXCERPT.format(target=f"/{posts[3].path}"), encoding="utf-8"
    )
    (src / "posts" / "2023").mkdir(exist_ok=True)
    (src / "posts" / "2023" / "not-ready-yet.md").write_text(DRAFT, encoding="utf-8")
    return src


def build(src: Path, out: Path, *args: str) -> dict[str, str]:
    """Build ``src`` as ``nox -s build`` does (plus ``args``); the output's fingerprint.

    ``.buildinfo`` holds a digest of the configuration, which names the extensions.
    """
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    cmd = [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-d", str(out) + "-doctrees"]
    cmd += ["-n", "-W", "--keep-going", "-q", *args, str(src), str(out)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return {name: print_ for name, print_ in digest(out).items() if name != ".buildinfo"}


@pytest.mark.slow
@pytest.mark.parametrize("preview", [False, True], ids=["deployed", "preview"])
def test_the_speed_extension_and_a_parallel_build_give_the_same_site(
    source: Path, tmp_path: Path, preview: bool
) -> None:
    mode = ["-D", "blog_preview=1"] if preview else []
    plain = build(source, tmp_path / "plain", *mode, *CORE_ONLY)
    assert len(plain) > 40
    assert differing(plain, build(source, tmp_path / "core-j2", *mode, *CORE_ONLY, "-j", "2")) == []
    assert differing(plain, build(source, tmp_path / "fast", *mode)) == []
    assert differing(plain, build(source, tmp_path / "fast-j2", *mode, "-j", "2")) == []


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, (path, pattern)
    path.write_text(new, encoding="utf-8")


CHANGES = {
    "title": lambda post: synthetic.set_title(post, "A title that was changed"),
    "excerpt": lambda post: _edit(post, r"^(?!#|-|\w+:)(\S.*)$", r"A new first paragraph. \1"),
    "date": lambda post: _edit(post, r"^date: .*$", "date: 2019-06-30"),
    "tags": lambda post: _edit(post, r"^tags: .*$", "tags: grief, a new tag"),
    "category": lambda post: _edit(post, r"^category: .*$", "category: A new category"),
    "author": lambda post: _edit(post, r"^(date: .*)$", r"\1\nauthor: Somebody Else"),
    "draft": lambda post: _edit(post, r"^(date: .*)$", r"\1\ndraft: true"),
    "length": lambda post: post.write_text(
        post.read_text(encoding="utf-8") + "\nMore words. " * 400, encoding="utf-8"
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_rebuild_after_a_change_gives_what_a_clean_build_gives(
    source: Path, tmp_path: Path, change: str
) -> None:
    """As the preview rebuilds (``nox -s build`` always builds from clean)."""
    src = tmp_path / "src"
    shutil.copytree(source, src)
    out = tmp_path / "html"
    preview = ("-D", "blog_preview=1")
    first = build(src, out, *preview)
    # Nothing changed: the same files, and no page written again.
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("index.html")}
    assert differing(first, build(src, out, *preview)) == []
    assert [p for p, t in stamps.items() if p.stat().st_mtime_ns != t] == []

    posts = sorted((src / "posts").rglob("*.md"))
    texts = "".join(p.read_text(encoding="utf-8") for p in posts)
    # A post with a category that no other post links to (a draft's links would break).
    post = next(p for p in posts if "category:" in p.read_text() and texts.count(p.name) == 0)
    CHANGES[change](post)
    rebuilt = build(src, out, *preview)
    assert differing(first, rebuilt) != []  # the change shows somewhere
    assert differing(rebuilt, build(src, tmp_path / "clean", *preview)) == []


def test_the_speed_extension_is_off_on_versions_it_was_not_tested_with(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(compat.TESTED, "sphinx", "0.0.1")
    app, status, _ = run_sphinx(source, tmp_path / "html", tmp_path / "doctrees", parallel=2)
    off = [line for line in status.splitlines() if "healedheart.speed" in line]
    assert len(off) == 1 and "off" in off[0] and "(tested with 0.0.1)" in off[0], status
    assert "_read_parallel" not in vars(app.builder)  # nothing of Sphinx's wrapped

    monkeypatch.undo()
    app, status, _ = run_sphinx(source, tmp_path / "html2", tmp_path / "doctrees2", parallel=2)
    assert "healedheart.speed" not in status
    assert "_read_parallel" in vars(app.builder)


@pytest.mark.slow
def test_the_speed_extension_holds_on_an_ablog_site_without_the_core(tmp_path: Path) -> None:
    """Another ABlog site, 60 posts, ``-j 2``: ABlog then reads serially (it says why)."""
    src = tmp_path / "other"
    (src / "posts").mkdir(parents=True)
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "ablog", "healedheart.speed"]\n'
        'blog_post_pattern = "posts/*.md"\nblog_baseurl = "https://example.org/"\n'
        'blog_feed_fulltext = True\nhtml_theme = "alabaster"\nexclude_patterns = ["_build"]\n',
        encoding="utf-8",
    )
    (src / "index.md").write_text("# Home\n\n```{postlist}\n```\n", encoding="utf-8")
    for i in range(60):
        (src / "posts" / f"p{i}.md").write_text(
            f"---\ndate: 2024-01-{i % 28 + 1:02d}\ntags: t{i % 5}\n---\n\n# Post {i}\n\n"
            "A first paragraph.\n\n:::{warning}\nA box the full-text feed keeps.\n:::\n",
            encoding="utf-8",
        )
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1700000000"}
    outputs = {}
    for name, extra in (("with", []), ("without", ["-D", "extensions=myst_parser,ablog"])):
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "2", *extra]
        cmd += ["-d", str(tmp_path / f"{name}-doctrees"), str(src), str(tmp_path / name)]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        outputs[name] = {k: v for k, v in digest(tmp_path / name).items() if k != ".buildinfo"}
    assert "A box the full-text feed keeps" in (tmp_path / "with/blog/atom.xml").read_text()
    assert differing(outputs["with"], outputs["without"]) == []


def test_each_word_is_stemmed_as_sphinx_stems_it() -> None:
    rng = random.Random(8)
    words = [
        "".join(rng.choice("aeinorstlgy") for _ in range(rng.randint(1, 12))) for _ in range(500)
    ]
    memo, plain = speed.MemoStemEnglish({}), SearchEnglish({})
    assert [memo.stem(w) for w in words + words] == [plain.stem(w) for w in words + words]
    assert len(memo._stems) == len(set(words))


@pytest.mark.parametrize(("verbosity", "level"), [(0, logging.INFO), (1, VERBOSE), (2, 0)])
def test_only_the_records_a_build_shows_are_made(verbosity: int, level: int) -> None:
    logger = logging.getLogger(NAMESPACE)
    before = logger.level
    try:
        logger.setLevel(logging.NOTSET)
        app = type("App", (), {"verbosity": verbosity})()
        speed.no_unshown_records(app, None)  # type: ignore[arg-type]
        assert logger.level == level
    finally:
        logger.setLevel(before)


def test_the_documents_to_read_are_cut_into_one_even_part_per_process() -> None:
    names = [f"d{i}" for i in range(11)]
    parts = parallel.read_parts(names, 2)
    assert [len(p) for p in parts] == [6, 5] and [*parts[0], *parts[1]] == names
    assert parallel.read_parts(names[:1], 4) == [["d0"]]
    original = sphinx.builders.make_chunks
    with parallel.one_part_per_process():
        assert sphinx.builders.make_chunks is parallel.read_parts
    assert sphinx.builders.make_chunks is original
