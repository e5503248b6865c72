"""What the feeds cost a rebuild: ours (``healedheart.feeds``) against ABlog's.

    python -m benchmarks.feeds [N] [--repeat R] [--source DIR]

Writes N synthetic posts (``benchmarks.synthetic``, default 1000) into copies of
the site, one per way of writing feeds, and times with ``sphinx-build`` a clean
build and then R no-change rebuilds (the build a deploy or ``nox -s serve`` does
most often). The ways:

- ``none``: no feeds at all, the floor the others are measured from;
- ``ours``: the site as it is: Atom, RSS and JSON Feed for the blog, each tag and
  each category;
- ``ablog``: ABlog's writer, as the site had it: one full-text Atom feed;
- ``ablog-archives``: ABlog's writer with ``blog_feed_archives`` (an Atom feed per
  tag, category, author and year): the closest ABlog comes to ours.

Each variant swaps the ``html-collect-pages`` listener that writes feeds, in a few
lines appended to its copy's conf.py, for itself timed; nothing else differs.
Prints a table (CPU seconds, so that a busy machine does not count): the median
no-change rebuild, the feed writer's own time in it, the clean build and the feed
writer's time there, and the size of the feed files written. (Ours also renders
nothing extra while pages are written: it keeps the page bodies Sphinx renders.)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import synthetic

VARIANTS = ("none", "ours", "ablog", "ablog-archives")

# Appended to a copy's conf.py: put the variant's feed writer, timed, in the place
# of healedheart's. ABlog's is a generator: its work is done as it is iterated.
SWAP = """

# -- benchmarks/feeds.py: feeds written by {variant!r} --------------------------
def setup(app):
    import time

    import ablog.post
    from healedheart import feeds

    handler = {handler}

    def timed(app):
        start = time.process_time()
        pages = list(handler(app))
        with open({log!r}, "a", encoding="utf-8") as log:
            log.write(str(time.process_time() - start) + "\\n")
        return pages

    def swap(app):
        listeners = app.events.listeners["html-collect-pages"]
        for i, listener in enumerate(listeners):
            if listener.handler is feeds.write_feeds:
                listeners[i] = listener._replace(handler=timed)

    app.connect("builder-inited", swap, priority=900)
"""
HANDLERS = {
    "none": "lambda app: []",
    "ours": "feeds.write_feeds",
    "ablog": "ablog.post.generate_atom_feeds",
    "ablog-archives": "ablog.post.generate_atom_feeds",
}
FEED_NAMES = ("atom.xml", "rss.xml", "feed.json")


def prepare(root: Path, variant: str, posts: list[synthetic.Post], source: Path) -> Path:
    """A copy of the site with the synthetic posts, writing feeds the ``variant`` way."""
    site = synthetic.write_site(root / variant / "src", posts, source)
    log = site.parent / "feed-writer-seconds.txt"
    with (site / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(SWAP.format(variant=variant, handler=HANDLERS[variant], log=str(log)))
        if variant == "ablog-archives":
            conf.write("blog_feed_archives = True\n")
    return site


def writer_seconds(site: Path) -> list[float]:
    """The feed writer's CPU seconds in each build so far."""
    log = site.parent / "feed-writer-seconds.txt"
    return [float(line) for line in log.read_text(encoding="utf-8").split()]


def build(site: Path) -> float:
    """One ``sphinx-build`` of ``site`` as the deploy runs it; returns its CPU seconds.

    CPU time (user + system) of the build process, not wall-clock time: it does not
    count the time the build waits for other processes on a busy machine.
    """
    out = site.parent / "html"
    cmd = [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-q", "-n", "-W", "--keep-going"]
    cmd += ["-d", str(site.parent / "doctrees"), str(site), str(out)]
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=site.parent)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"the build of {site} failed:\n{result.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def feed_bytes(out: Path) -> tuple[int, int]:
    """The number and total size of the feed files in a built site."""
    files = [p for name in FEED_NAMES for p in (out / "blog").rglob(name)]
    return len(files), sum(p.stat().st_size for p in files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", nargs="?", type=int, default=1000, help="number of posts")
    parser.add_argument("--repeat", type=int, default=3, help="no-change rebuilds to time")
    parser.add_argument("--source", type=Path, default=synthetic.REPO, help="the site to copy")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--keep", type=Path, help="build here and keep the builds")
    args = parser.parse_args(argv)

    posts = synthetic.generate(args.posts)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    rows = []
    try:
        for variant in args.variants:
            site = prepare(root, variant, posts, args.source)
            clean = build(site)
            rebuilds = [build(site) for _ in range(args.repeat)]
            writer = writer_seconds(site)
            count, size = feed_bytes(site.parent / "html")
            rebuild, rebuild_writer = statistics.median(rebuilds), statistics.median(writer[1:])
            rows.append((variant, rebuild, rebuild_writer, clean, writer[0], count, size))
            print(f"{variant}: rebuilds {', '.join(f'{s:.2f}' for s in rebuilds)} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\n{args.posts} posts; CPU seconds, median of {args.repeat} no-change rebuilds\n")
    print(
        "| feeds | no-change rebuild | of which writing feeds | clean build "
        "| of which writing feeds | feed files | size |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for variant, rebuild, writer, clean, clean_writer, count, size in rows:
        print(
            f"| {variant} | {rebuild:.2f} s | {writer:.2f} s | {clean:.1f} s "
            f"| {clean_writer:.2f} s | {count} | {size / 1e6:.1f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
