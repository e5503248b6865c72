"""The Content-Security-Policy: how it is computed, and that every built page has one
that matches exactly what the page runs inline.

In Chromium (no violation on any page, the theme switch still works):
tests/test_readers_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re

from bs4 import BeautifulSoup

from healedheart import csp

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<style>
  body { color: red; }
</style>
<script type="application/ld+json">{"a": "b"}</script>
</head><body>
<script>
  document.body.dataset.theme = "auto";
</script>
<svg style="display: none;"><path style="opacity: 50%"/></svg>
<p style="opacity: 50%">x &amp; y</p>
<script src="_static/x.js"></script>
<img src="https://cdn.example.net/a.png" alt="">
<link rel="stylesheet" href="//fonts.example.com/f.css">
<a href="https://example.org/">a link is not a fetch</a>
</body></html>
"""


def b64sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    result = {}
    for part in policy.split(";"):
        name, *values = part.split()
        result[name] = values
    return result


def test_the_hash_of_the_empty_string_is_the_known_one() -> None:
    assert csp.sha256("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"


def test_scan_finds_exactly_what_runs_inline() -> None:
    found = csp.scan(PAGE)
    assert found.scripts == ['\n  document.body.dataset.theme = "auto";\n']  # not JSON-LD
    assert found.styles == ["\n  body { color: red; }\n"]
    assert found.style_attributes == ["display: none;", "opacity: 50%", "opacity: 50%"]
    assert found.event_handlers == []


def test_the_policy_allows_only_those_hashes() -> None:
    policy = directives(csp.policy_for(csp.scan(PAGE)))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", b64sha('\n  document.body.dataset.theme = "auto";\n')]
    style = policy["style-src"]
    assert style[:2] == ["'self'", b64sha("\n  body { color: red; }\n")]
    assert style[2] == "'unsafe-hashes'"
    assert sorted(style[3:]) == sorted([b64sha("display: none;"), b64sha("opacity: 50%")])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    assert "frame-ancestors" not in policy and "report-uri" not in policy  # ignored in <meta>


def test_the_policy_goes_first_in_head_once() -> None:
    once = csp.add_policy(PAGE)
    assert once.index('<meta http-equiv="Content-Security-Policy"') == PAGE.index("<head>") + 6
    assert csp.add_policy(once) == once
    assert once.count("Content-Security-Policy") == 1


def test_other_sites_are_found() -> None:
    found = csp.other_sites(csp.scan(PAGE), "https://blog.example.org/")
    assert found == ["https://cdn.example.net/a.png", "//fonts.example.com/f.css"]


def _independent_hashes(html: str) -> tuple[set[str], set[str], set[str]]:
    """The page's inline code found by another parser (BeautifulSoup + lxml)."""
    soup = BeautifulSoup(html, "lxml")
    scripts = {
        b64sha(s.string or "")
        for s in soup.find_all("script")
        if not s.get("src") and s.get("type", "text/javascript") in ("text/javascript", "module")
    }
    styles = {b64sha(s.string or "") for s in soup.find_all("style")}
    attributes = {b64sha(e["style"]) for e in soup.find_all(style=True)}
    return scripts, styles, attributes


def test_every_built_page_has_a_policy_matching_its_inline_code(real_site) -> None:
    checked = 0
    for path in real_site.html_files():
        html = path.read_text("utf-8")
        match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
        assert match, f"{path} has no policy"
        policy = directives(match.group(1))
        scripts, styles, attributes = _independent_hashes(html)
        assert set(policy["script-src"]) == {"'self'"} | scripts, path
        style_sources = set(policy["style-src"]) - {"'self'", "'unsafe-hashes'"}
        assert style_sources == styles | attributes, path
        assert "on" not in {
            a[:2] for tag in BeautifulSoup(html, "lxml").find_all(True) for a in tag.attrs
        }
        checked += 1
    assert checked > 10


def test_the_theme_has_the_inline_code_the_policy_expects(real_site) -> None:
    # Furo writes one inline script (the theme choice) and one inline style (its
    # colours): if that changes in a Furo upgrade, look at the policy again.
    scripts, styles, _attributes = _independent_hashes(
        real_site.file("posts/2025/to-a-healed-heart/").read_text("utf-8")
    )
    assert (len(scripts), len(styles)) == (1, 1)


def test_the_preview_has_no_policy(shared_site) -> None:
    preview = shared_site("readers", {"blog_preview": True})
    for path in preview.html_files():
        assert "Content-Security-Policy" not in path.read_text("utf-8"), path
