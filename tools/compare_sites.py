"""Compare two builds of the site as readers, feed readers and search engines see them.

    python tools/compare_sites.py OLD NEW            # what readers get must be the same
    python tools/compare_sites.py --exact OLD NEW    # and every file byte for byte

``nox -s upgrade-check`` runs it on the site built with the pinned dependencies
and the site built with their newest releases. It compares, and reports in plain
lines (exit status 1 if there is any difference):

- the set of pages (``*.html``), and on each page its ``<title>``, the visible text
  of its main content, and every link and resource it names (``href``, ``src``);
- every Atom, RSS and JSON feed: its entries, in order, and for each its id,
  title, link, dates, summary, and the text and links of its content;
- every sitemap: its URLs and their ``<lastmod>``;
- every other file outside ``_static/`` byte for byte, and which files ``_static/``
  holds.

Only version strings may differ: the ``?v=`` digest Sphinx puts on static files,
whatever the themes' CSS and JavaScript under ``_static/`` contain (new releases
ship new files with the same names), the generator ``<meta>`` and comments (never
compared), and the internals of ``searchindex.js`` and ``.buildinfo`` (which files
hold Sphinx's own formats and hashes). ``--exact`` allows nothing: the pinned
builds on each supported Python must be the same bytes.

lxml and the standard library only, so that it runs in any environment that can
build the site.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html

# Sphinx's cache-busting digest of a static file (``furo.css?v=5f2a9c41``): the
# only part of a link allowed to differ. A digest is hex, at least 8 digits.
VERSION_QUERY = re.compile(r"(?<=[?&])v=[0-9a-f]{8,}(&|$)")
# Files whose whole content is a tool's own format or hash: their presence is
# compared, their bytes are not (the site's search still works; the tests say so).
INTERNAL_FILES = frozenset({"searchindex.js", ".buildinfo"})
# Sphinx's hash of the configuration in .buildinfo covers the absolute paths of the
# installed packages' static folders (ABlog adds its own), so it differs between any
# two environments, even with the same versions: the one line --exact lets differ.
BUILDINFO_CONFIG = re.compile(rb"^config: [0-9a-f]+$", re.MULTILINE)
STATIC = "_static"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Text a browser never shows.
HIDDEN = ("script", "style", "template")
# How many lines of one difference the report shows before "...".
MAX_LINES = 6


def without_version(url: str) -> str:
    """``url`` with Sphinx's ``?v=`` digest taken out (the rest of the query is kept)."""
    url = VERSION_QUERY.sub("", url)
    return url[:-1] if url.endswith(("?", "&")) else url


def visible_text(element: lxml.html.HtmlElement) -> str:
    """The words a reader sees in ``element``, whitespace collapsed."""
    element = copy.deepcopy(element)  # stripped below; the page itself is left whole
    for hidden in list(element.iter(*HIDDEN)):
        hidden.drop_tree()
    return " ".join(element.text_content().split())


def html_text_and_links(markup: str) -> tuple[str, list[str]]:
    """The visible text of an HTML fragment (a feed's content) and the links in it."""
    if not markup.strip():
        return "", []
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    return visible_text(root), sorted(without_version(u) for u in links(root))


def links(root: lxml.html.HtmlElement) -> Iterator[str]:
    """Every address the page names: links, stylesheets, scripts, images."""
    for element in root.iter(lxml.etree.Element):
        for attribute in ("href", "src"):
            if (value := element.get(attribute)) is not None:
                yield value


def main_content(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page's main content (Furo's ``<article role="main">``), else its body."""
    for query in ("//*[@role='main']", "//main", "//body"):
        if found := root.xpath(query):
            return found[0]
    return root


def read_page(path: Path) -> dict[str, object]:
    """What a reader gets from a page: its title, its main text, its links."""
    root = lxml.html.fromstring(path.read_bytes())
    title = root.find(".//title")
    return {
        "title": " ".join((title.text_content() if title is not None else "").split()),
        "text": visible_text(main_content(root)),
        "links": Counter(without_version(u) for u in links(root)),
    }


def feed_entries(path: Path) -> list[dict[str, object]] | None:
    """The entries of an Atom, RSS or JSON feed, in order; ``None`` if not a feed."""
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if not (
            isinstance(data, dict)
            and str(data.get("version", "")).startswith("https://jsonfeed.org/version/")
        ):
            return None
        return [
            _entry(
                item.get("id"),
                item.get("title"),
                item.get("url"),
                item.get("date_published"),
                item.get("date_modified"),
                item.get("summary"),
                item.get("content_html") or item.get("content_text") or "",
            )
            for item in data.get("items", [])
        ]
    if path.suffix != ".xml":
        return None
    root = lxml.etree.parse(str(path)).getroot()
    if root.tag == f"{ATOM}feed":
        return [
            _entry(
                e.findtext(f"{ATOM}id"),
                e.findtext(f"{ATOM}title"),
                next(
                    (
                        link.get("href")
                        for link in e.iterfind(f"{ATOM}link")
                        if link.get("rel", "alternate") == "alternate"
                    ),
                    None,
                ),
                e.findtext(f"{ATOM}published"),
                e.findtext(f"{ATOM}updated"),
                e.findtext(f"{ATOM}summary"),
                e.findtext(f"{ATOM}content") or "",
            )
            for e in root.iterfind(f"{ATOM}entry")
        ]
    if root.tag == "rss":
        return [
            _entry(
                item.findtext("guid"),
                item.findtext("title"),
                item.findtext("link"),
                item.findtext("pubDate"),
                None,  # RSS has no date of change
                item.findtext("description"),
                item.findtext(CONTENT) or "",
            )
            for item in root.iterfind("channel/item")
        ]
    return None


def _entry(id_, title, link, published, updated, summary, content) -> dict[str, object]:
    text, content_links = html_text_and_links(content)
    return {
        "id": id_,
        "title": title,
        "link": link,
        "published": published,
        "updated": updated,
        "summary": " ".join((summary or "").split()),
        "content text": text,
        "content links": content_links,
    }


def sitemap_urls(path: Path) -> dict[str, str | None] | None:
    """A sitemap's URLs and their ``<lastmod>``; ``None`` if the file is not a sitemap."""
    root = lxml.etree.parse(str(path)).getroot()
    if root.tag not in (f"{SITEMAP}urlset", f"{SITEMAP}sitemapindex"):
        return None
    return {
        (u.findtext(f"{SITEMAP}loc") or "").strip(): u.findtext(f"{SITEMAP}lastmod")
        for u in root
        if u.tag in (f"{SITEMAP}url", f"{SITEMAP}sitemap")
    }


def files(site: Path) -> set[str]:
    """Every file of a built site, as paths relative to its folder."""
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def text_difference(old: str, new: str) -> list[str]:
    """The words removed and added between two texts, a few lines at most."""
    lines = []
    matcher = difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    a, b = old.split(), new.split()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if i2 > i1:
            lines.append(f"    - {_short(' '.join(a[i1:i2]))}")
        if j2 > j1:
            lines.append(f"    + {_short(' '.join(b[j1:j2]))}")
    return _capped(lines)


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _capped(lines: list[str]) -> list[str]:
    if len(lines) > MAX_LINES:
        return [*lines[:MAX_LINES], f"    ... and {len(lines) - MAX_LINES} more lines"]
    return lines


def compare_pages(name: str, old: Path, new: Path) -> list[str]:
    a, b = read_page(old), read_page(new)
    out = []
    if a["title"] != b["title"]:
        out.append(f"page {name}: title {a['title']!r} became {b['title']!r}")
    if a["text"] != b["text"]:
        out += [f"page {name}: main text differs", *text_difference(a["text"], b["text"])]
    removed, added = a["links"] - b["links"], b["links"] - a["links"]
    if removed or added:
        out.append(f"page {name}: links differ")
        out += _capped(
            [f"    - {u}" for u in sorted(removed)] + [f"    + {u}" for u in sorted(added)]
        )
    return out


def compare_feeds(name: str, a: list[dict], b: list[dict]) -> list[str]:
    out = []
    old = {str(e["id"]): e for e in a}
    new = {str(e["id"]): e for e in b}
    for id_ in old.keys() - new.keys():
        out.append(f"feed {name}: entry {id_} is missing")
    for id_ in new.keys() - old.keys():
        out.append(f"feed {name}: entry {id_} is new")
    common = [i for i in old if i in new]
    if common != [i for i in new if i in old]:
        out.append(f"feed {name}: entries are in another order")
    for id_ in common:
        for key, value in old[id_].items():
            if key == "content text" and value != new[id_][key]:
                out.append(f"feed {name}: entry {id_}: content text differs")
                out += text_difference(str(value), str(new[id_][key]))
            elif value != new[id_][key]:
                out.append(f"feed {name}: entry {id_}: {key} {value!r} became {new[id_][key]!r}")
    return out


def compare_sitemaps(name: str, a: dict, b: dict) -> list[str]:
    out = [f"sitemap {name}: URL {u} is missing" for u in sorted(a.keys() - b.keys())]
    out += [f"sitemap {name}: URL {u} is new" for u in sorted(b.keys() - a.keys())]
    for url in sorted(a.keys() & b.keys()):
        if a[url] != b[url]:
            out.append(f"sitemap {name}: lastmod of {url} {a[url]!r} became {b[url]!r}")
    return out


def compare(old: Path, new: Path, *, exact: bool = False) -> list[str]:
    """Every difference between two built sites that a reader could notice, one line each.

    With ``exact``, also every file whose bytes differ, whatever it is.
    """
    old_files, new_files = files(old), files(new)
    out = [f"file {f} is missing" for f in sorted(old_files - new_files)]
    out += [f"file {f} is new" for f in sorted(new_files - old_files)]
    for name in sorted(old_files & new_files):
        a, b = old / name, new / name
        if same_bytes(a, b):
            continue
        if exact:
            out.append(f"file {name}: bytes differ")
        if name.endswith(".html"):
            out += compare_pages(name, a, b)
        elif (feed_a := _quietly(feed_entries, a)) is not None and (
            feed_b := _quietly(feed_entries, b)
        ) is not None:
            out += compare_feeds(name, feed_a, feed_b)
        elif (map_a := _quietly(sitemap_urls, a)) is not None and (
            map_b := _quietly(sitemap_urls, b)
        ) is not None:
            out += compare_sitemaps(name, map_a, map_b)
        elif name.startswith(f"{STATIC}/") or Path(name).name in INTERNAL_FILES:
            continue  # a version string: theme assets and Sphinx's internal files
        elif not exact:
            out.append(f"file {name}: bytes differ")
    return out


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files are the same, but for the configuration hash in ``.buildinfo``."""
    old, new = a.read_bytes(), b.read_bytes()
    if a.name == ".buildinfo":
        old, new = BUILDINFO_CONFIG.sub(b"", old), BUILDINFO_CONFIG.sub(b"", new)
    return old == new


def _same(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def _quietly(read, path: Path):
    """``read(path)``, or ``None`` for a file that is not well-formed XML."""
    if path.suffix not in (".xml", ".json"):
        return None
    try:
        return read(path)
    except lxml.etree.XMLSyntaxError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the reference build (e.g. pinned)")
    parser.add_argument("new", type=Path, help="the build to judge (e.g. newest releases)")
    parser.add_argument("--exact", action="store_true", help="every file must be the same bytes")
    args = parser.parse_args(argv)
    for site in (args.old, args.new):
        if not (site / "index.html").is_file():
            parser.error(f"{site} is not a built site (it has no index.html)")
    differences = compare(args.old, args.new, exact=args.exact)
    label = f"{args.old} and {args.new}"
    if not differences:
        common = sorted(files(args.old) & files(args.new))
        changed = [n for n in common if not same_bytes(args.old / n, args.new / n)]
        if not changed:
            hashes = any(not _same(args.old / n, args.new / n) for n in common)
            but = ", but for .buildinfo's config hash" if hashes else ""
            print(f"{label}: the same bytes ({len(common)} files{but}).")
        else:
            # Not an error, but worth a look: what "version strings" covered this time.
            shown = ", ".join(changed[:4]) + (
                f" and {len(changed) - 4} more" if changed[4:] else ""
            )
            print(f"{label}: the same site for readers ({len(common)} files).")
            print(f"  {len(changed)} differ only in version strings: {shown}")
        return 0
    print(f"{label}: {sum(not d.startswith('    ') for d in differences)} differences")
    for line in differences:
        print(line if line.startswith("    ") else f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
