"""Score the built site with Lighthouse 12, as a phone would load it.

    python tests/quality/lighthouse.py _build/html [--keep REPORT_DIR]

Serves the build on 127.0.0.1 (text gzip-compressed, as GitHub Pages serves the
deployed site), runs Lighthouse (pinned in package-lock.json; 12.x
because 13 needs Node 22) with Debian's Chromium on the home page, the migrated post
and a tag page, with Lighthouse's default mobile settings (a mid-range phone on a
slow 4G connection), and prints the four scores of each. Fails unless
accessibility, best practices and SEO are 100 and performance is at least 95, and
then lists the audits that cost points. Run by `nox -s lighthouse`.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import npm_packages
from chromium_flags import CHROMIUM_ARGS

PAGES = ["", "posts/2025/to-a-healed-heart/", "blog/tag/attachment/"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
MINIMUM = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ["--headless=new", *CHROMIUM_ARGS]


# What GitHub Pages compresses; the rest (images) is sent as it is.
COMPRESSED = {".html", ".css", ".js", ".svg", ".json", ".xml", ".txt"}


class _PagesLikeHandler(SimpleHTTPRequestHandler):
    """Static files as GitHub Pages sends them: text gzip-compressed when accepted."""

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        accepted = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepted and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``folder`` on a free port of 127.0.0.1, in a background thread."""
    handler = functools.partial(_PagesLikeHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def run_lighthouse(lighthouse: Path, url: str, report: Path) -> dict:
    """One Lighthouse run; returns its JSON report (Lighthouse's ``lhr``)."""
    args = [
        str(lighthouse),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not report.is_file():
        sys.exit(f"Lighthouse failed on {url} (exit {done.returncode}):\n{done.stderr}")
    return json.loads(report.read_text("utf-8"))


def lost_points(lhr: dict, category: str) -> list[str]:
    """The audits of ``category`` that did not pass, heaviest first."""
    lines = []
    refs = sorted(lhr["categories"][category]["auditRefs"], key=lambda r: -r["weight"])
    for ref in refs:
        audit = lhr["audits"][ref["id"]]
        score = audit.get("score")
        if ref["weight"] and score is not None and score < 1:
            value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            lines.append(f"      {audit['title']}{value}: {round(score * 100)}/100")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (_build/html)")
    parser.add_argument("--keep", type=Path, help="save the JSON reports in this folder")
    options = parser.parse_args()
    if not (options.site / "index.html").is_file():
        sys.exit(f"No site in {options.site}: build it first (nox -s build).")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt install chromium")

    lighthouse = npm_packages.install("lighthouse", lighthouse=True) / ".bin" / "lighthouse"
    server, base = serve(options.site)
    reports = options.keep or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    reports.mkdir(parents=True, exist_ok=True)
    failed = []
    try:
        print(f"{'page':<34} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}")
        for number, page in enumerate(PAGES):
            lhr = run_lighthouse(lighthouse, base + page, reports / f"page-{number}.json")
            scores = {c: round(lhr["categories"][c]["score"] * 100) for c in CATEGORIES}
            print(f"/{page:<33}" + "".join(f" {scores[c]:>5}" for c in CATEGORIES), flush=True)
            for category in CATEGORIES:
                if scores[category] < MINIMUM[category]:
                    failed.append(
                        f"  /{page} {category}: {scores[category]} "
                        f"(needs {MINIMUM[category]})\n" + "\n".join(lost_points(lhr, category))
                    )
    finally:
        server.shutdown()
    if options.keep:
        print(f"Reports: {options.keep}/")
    if failed:
        print("\nLighthouse: below the bar:\n" + "\n".join(failed), file=sys.stderr)
        return 1
    print("Lighthouse: every page meets the bar (performance >= 95, the rest 100).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
