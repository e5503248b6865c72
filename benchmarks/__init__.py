"""Benchmarks of the site's build, run with ``nox -s bench -- [N ...]``.

One module per job:

- ``synthetic``: writes N deterministic, realistic posts into a copy of the site.
- ``pelican_site``: the same posts as a Pelican site, the yardstick we compare with.
- ``run``: the driver. Times full, no-change and edit-one-post builds and peak
  memory, checks that incremental builds leave no stale page, and prints and
  saves (``_build/bench.json``) the figures next to their targets.

See docs/performance.md for the figures and what they mean.
"""
