"""The benchmark's inputs: synthetic posts that are stable, realistic and valid.

No timings here (they belong to ``nox -s bench``): only that the generator gives
the same posts every time, that they build strictly as real posts do, and that
the Pelican version of them is something Pelican reads without a warning.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, build_site

from benchmarks import pelican_site, preview, synthetic
from benchmarks.run import bench_size, differing, digest, table


def test_the_same_seed_gives_the_same_posts_and_more_posts_extend_them() -> None:
    posts = synthetic.generate(40)
    assert posts == synthetic.generate(40)
    assert posts[:15] == synthetic.generate(15)
    assert posts != synthetic.generate(40, seed=synthetic.DEFAULT_SEED + 1)
    assert [synthetic.to_myst(p, posts) for p in posts] == [
        synthetic.to_myst(p, posts) for p in synthetic.generate(40)
    ]


def test_posts_look_like_the_blogs_own() -> None:
    posts = synthetic.generate(200)
    assert len({p.slug for p in posts}) == len(posts), "file names must be unique"
    for post in posts:
        assert 800 <= post.words <= 1600, post.title
        assert 1 <= len(post.tags) <= 3 and set(post.tags) <= set(synthetic.TAGS)
        assert post.category in synthetic.CATEGORIES
        assert synthetic.FIRST_DAY <= post.date <= synthetic.LAST_DAY < dt.date.today()
        headings = [b for b in post.blocks if isinstance(b, synthetic.Heading)]
        assert 1 <= len(headings) <= 2
        assert isinstance(post.blocks[0], synthetic.Paragraph)  # the excerpt
        links = _linked(post, posts)
        assert len(links) == (0 if post.index == 0 else 1)
        assert all(target.index < post.index for target in links)
    assert len({p.date.year for p in posts}) >= 10


def _quoted_share(paragraphs: list[str]) -> float:
    """The share of paragraphs with a straight quote or apostrophe for smart quotes to curl."""
    return sum(1 for p in paragraphs if "'" in p or '"' in p) / len(paragraphs)


def test_posts_have_quotes_and_apostrophes_as_often_as_the_authors() -> None:
    # Smart quotes cost most where there is something to curl, so posts without
    # any would make the benchmark flatter the site.
    body = (REPO / "posts" / "2025" / "to-a-healed-heart.md").read_text(encoding="utf-8")
    blocks = body.split("---", 2)[2].split("\n\n")
    theirs = [p for p in blocks if p.strip() and not p.startswith("#")]
    ours = [
        block.text
        for post in synthetic.generate(200)
        for block in post.blocks
        if isinstance(block, synthetic.Paragraph)
    ]
    assert abs(_quoted_share(ours) - _quoted_share(theirs)) <= 0.15, (
        _quoted_share(ours),
        _quoted_share(theirs),
    )


def test_synthetic_posts_pass_the_sites_strict_build(tmp_path: Path) -> None:
    posts = synthetic.generate(5)
    srcdir = synthetic.write_site(tmp_path / "src", posts, REPO)
    site = build_site(srcdir, tmp_path / "html")

    for post in posts:
        page = site.page(post.path.removesuffix(".md") + "/")
        assert page.find("h1").get_text(" ", strip=True).startswith(post.title)
        for target in _linked(post, posts):
            anchor = page.find("a", string=target.title)
            assert anchor is not None, f"{post.path} has no link to {target.path}"
            assert anchor["href"].rstrip("/").endswith(f"{target.date.year}/{target.slug}")


def test_set_title_changes_only_the_title(tmp_path: Path) -> None:
    posts = synthetic.generate(3)
    path = tmp_path / "post.md"
    path.write_text(synthetic.to_myst(posts[1], posts), encoding="utf-8")
    synthetic.set_title(path, "A new title")
    before = synthetic.to_myst(posts[1], posts).splitlines()
    after = path.read_text(encoding="utf-8").splitlines()
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [6]
    assert after[6] == "# A new title"


def test_site_fingerprints_ignore_only_a_feeds_build_time(tmp_path: Path) -> None:
    feed = "<feed><id>x</id><updated>{}</updated><entry><updated>{}</updated></entry></feed>"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "atom.xml").write_text(feed.format("2026-01-01", "2020-01-01"))
    (tmp_path / "b" / "atom.xml").write_text(feed.format("2027-05-05", "2020-01-01"))
    assert differing(digest(tmp_path / "a"), digest(tmp_path / "b")) == []
    (tmp_path / "b" / "atom.xml").write_text(feed.format("2027-05-05", "2021-01-01"))
    assert differing(digest(tmp_path / "a"), digest(tmp_path / "b")) == ["atom.xml"]


@pytest.mark.slow
def test_a_bench_run_times_every_build_and_finds_nothing_stale(tmp_path: Path) -> None:
    logged: list[str] = []
    result = bench_size(4, 1, tmp_path, seed=1, jobs="2", with_pelican=False, log=logged.append)
    for measurement in (result.full, result.no_change, result.edit, result.warm_no_change):
        [sample] = measurement.runs
        assert sample.seconds > 0 and sample.cpu_seconds > 0 and sample.rss_mb > 20
    # Each no-change rebuild (fresh and warm) left the site as it was; the last edit
    # gave what a clean build of the same posts gives.
    assert result.altered_by_no_change == [[], []]
    assert result.stale_after_edit == [[]]
    edited = (tmp_path / "n4" / "site" / result.edited).read_text(encoding="utf-8")
    assert "(edit 1 in the preview " in edited
    assert any("warm: no change" in line for line in logged)
    # The preview (nox -s serve's command) showed the new title on every page polled.
    [edit] = result.preview.edits
    assert set(edit.seconds) == {"post", "blog"} | {f"tag: {t}" for t in _tags(result)}
    assert all(0 < s < preview.PAGE_TIMEOUT for s in edit.seconds.values())
    assert result.edited.removesuffix(".md") + "/index.html" in edit.changed
    assert not edit.config_changed
    text = table(result, 1)
    assert "no-change rebuild, preview" in text and "  in a fresh process" in text
    assert "every page fresh" in text


def _tags(result) -> tuple[str, ...]:
    [post] = [p for p in synthetic.generate(4, 1) if p.path == result.edited]
    return post.tags


def test_the_serve_command_is_nox_s_serves_own_for_another_folder(tmp_path: Path) -> None:
    command = preview.serve_command(tmp_path, 8123)
    assert command[:3] == [sys.executable, "-m", "healedheart.preview"]
    assert "-D" in command and "blog_preview=1" in command
    assert str(tmp_path) in command and str(tmp_path / "_build" / "preview") in command
    assert command[command.index("--port") + 1] == "8123"


def test_the_preview_measure_reads_builds_from_the_log_and_writes_from_the_files() -> None:
    log = "Starting initial build\n...Serving on http://x\nRebuilding...\n"
    log += "The configuration has changed (1 option: 'x')\nServing on http://x\nRebuil"
    pieces = preview.rebuilds(log)
    assert len(pieces) == 2 and preview.CONFIG_CHANGED in pieces[1]
    assert preview.CONFIG_CHANGED not in pieces[0]
    before = {"a.html": (1, "aa"), "b.html": (1, "bb"), "c.html": (1, "cc"), "gone": (1, "x")}
    after = {"a.html": (2, "a2"), "b.html": (2, "bb"), "c.html": (1, "cc"), "new": (1, "y")}
    assert preview.compare(before, after) == (["a.html", "gone", "new"], ["b.html"])


def test_the_clean_build_is_judged_by_the_ratio_of_each_runs_pair() -> None:
    """Three runs whose medians are over 2x apart, but whose median pair is 2x at most."""
    from benchmarks.run import Measurement, Sample, SizeResult

    def measured(*seconds: float) -> Measurement:
        return Measurement([Sample(s, s, 100.0) for s in seconds])

    def full_line(result: SizeResult) -> str:
        [line] = [ln for ln in table(result, 3).splitlines() if ln.startswith("full clean")]
        return " ".join(line.split())

    rebuilds = {name: measured(1.0) for name in ("no_change", "edit", "warm_no_change")}
    result = SizeResult(1000, "posts/x.md", full=measured(18.3, 19.4, 21.2), **rebuilds)
    result.stale_after_edit, result.altered_by_no_change = [[]], [[]]
    result.pelican = measured(9.3, 9.7, 8.9)  # pairs: 1.97x, 2.00x, 2.38x
    assert result.ratio == pytest.approx(2.0)
    assert full_line(result) == "full clean build 19.40 s (CPU 19.4 s) <= 2.0x Pelican yes"
    assert "  each run's ratio" in table(result, 3)
    assert "1.97, 2.00, 2.38" in table(result, 3)
    result.pelican = measured(9.3, 9.1, 8.9)  # pairs: 1.97x, 2.13x, 2.38x
    assert full_line(result).endswith("<= 2.0x Pelican NO")


def test_pelican_reads_the_converted_posts(tmp_path: Path) -> None:
    pytest.importorskip("pelican", reason="Pelican is in the 'bench' group: nox -s bench")
    from pelican.contents import Article
    from pelican.readers import Readers
    from pelican.settings import read_settings

    posts = synthetic.generate(5)
    site = pelican_site.write_site(tmp_path / "pelican", posts)
    settings = read_settings(str(site / pelican_site.SETTINGS_FILE))
    readers = Readers(settings)
    for post in posts:
        article = readers.read_file(
            base_path=str(site / "content"), path=post.path, content_class=Article
        )
        assert article.title == post.title
        assert article.date.date() == post.date
        assert article.category.name == post.category
        assert [t.name for t in article.tags] == list(post.tags)

    # A whole build, failing on any warning (an unresolved link between posts warns).
    output = tmp_path / "output"
    result = subprocess.run(
        pelican_site.command(site, output), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for post in posts:
        html = (output / f"{post.slug}.html").read_text(encoding="utf-8")
        for target in _linked(post, posts):
            assert f'/{target.slug}.html">{target.title}</a>' in html


def _linked(post: synthetic.Post, posts: list[synthetic.Post]) -> list[synthetic.Post]:
    return [
        posts[b.link]
        for b in post.blocks
        if isinstance(b, synthetic.Paragraph) and b.link is not None
    ]


def test_the_benchmark_builds_with_the_jobs_of_nox_s_build() -> None:
    import ast

    from benchmarks import run

    tree = ast.parse((REPO / "noxfile.py").read_text("utf-8"))
    jobs = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "JOBS"
    )
    assert jobs == ("-j", run.DEFAULT_JOBS)
    assert run.parse_args([]).jobs == run.DEFAULT_JOBS
