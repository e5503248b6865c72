"""The build speed-ups (``healedheart.speed``) change no byte of the site.

The same site is built with ``blog_speedups = False`` (every speed-up off), with
them on, and with them on and ``-j 2`` (ABlog's posts merged after a parallel
read), and the trees are compared file by file; incremental rebuilds are
compared with a clean build of the same sources. The site is the real one's
pages and templates with a dozen synthetic posts (``benchmarks.synthetic``), one
whose excerpt links to another post (so it renders differently on each page)
and, in the preview, a draft.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import queue
import random
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ablog.blog
import jinja2.nodes
import pytest
import sphinx.util.parallel
from conftest import REPO, noting_pid, run_sphinx
from docutils import nodes
from docutils.utils import new_document
from docutils.writers._html_base import HTMLTranslator
from jinja2 import Environment
from jinja2.sandbox import SandboxedEnvironment
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxParallelError
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx.util.logging import NAMESPACE, VERBOSE
from sphinx.util.osutil import relative_uri
from sphinx.util.parallel import ParallelTasks
from sphinx.util.parallel import make_chunks as sphinx_make_chunks

from benchmarks import synthetic
from benchmarks.run import differing, digest
from healedheart import related
from healedheart.speed import escaping, excerpts, parallel, postcopies, templates, unchanged

LINKED_EXCERPT = """\
---
date: 2024-05-02
category: Practice
tags: grief, supervision
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


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site's pages and code with 12 synthetic posts, a linked excerpt and a draft."""
    posts = synthetic.generate(12)
    src = synthetic.write_site(tmp_path_factory.mktemp("speed") / "src", posts, REPO)
    target = posts[3]
    (src / "posts" / "2024").mkdir(exist_ok=True)
    (src / "posts" / "2024" / "a-post-whose-excerpt-links.md").write_text(
        LINKED_EXCERPT.format(target=f"/{target.path}"), encoding="utf-8"
    )
    (src / "posts" / "2023").mkdir(exist_ok=True)
    (src / "posts" / "2023" / "not-ready-yet.md").write_text(DRAFT, encoding="utf-8")
    return src


def build(src: Path, out: Path, *args: str) -> dict[str, str]:
    """Build ``src`` as ``nox -s build`` does (plus ``args``); the output's fingerprint."""
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    cmd = [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-d", str(out) + "-doctrees"]
    cmd += ["-n", "-W", "--keep-going", "-q", *args, str(src), str(out)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return digest(out)


@pytest.mark.slow
@pytest.mark.parametrize("preview", [False, True], ids=["deployed", "preview"])
def test_speedups_and_a_parallel_read_build_the_same_site(
    source: Path, tmp_path: Path, preview: bool
) -> None:
    mode = ["-D", "blog_preview=1"] if preview else []
    plain = build(source, tmp_path / "plain", *mode, "-D", "blog_speedups=0")
    assert len(plain) > 40
    assert differing(plain, build(source, tmp_path / "fast", *mode)) == []
    assert differing(plain, build(source, tmp_path / "parallel", *mode, "-j", "2")) == []


@pytest.mark.slow
def test_rebuilds_give_what_a_clean_build_gives(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    first = build(source, out)
    blog_page = out / "blog" / "index.html"
    written = blog_page.stat().st_mtime_ns
    index_written = (out / "searchindex.js").stat().st_mtime_ns

    # Nothing changed: the same site (a complete sitemap.xml too), ABlog's pages and
    # the search index untouched.
    assert differing(first, build(source, out)) == []
    assert blog_page.stat().st_mtime_ns == written
    assert (out / "searchindex.js").stat().st_mtime_ns == index_written
    stamps = (tmp_path / "html-doctrees" / unchanged.STAMPS_FILE).read_text(encoding="utf-8")
    assert '"blog"' in stamps

    # A post retitled: what a clean build of the new sources gives.
    post = next((source / "posts").rglob("on-*.md"))
    synthetic.set_title(post, "A title that was changed")
    rebuilt = build(source, out)
    assert differing(rebuilt, build(source, tmp_path / "clean")) == []
    assert blog_page.stat().st_mtime_ns != written
    assert "A title that was changed" in blog_page.read_text(encoding="utf-8")
    assert '"A title that was changed"' in (out / "searchindex.js").read_text(encoding="utf-8")
    assert (tmp_path / "html-doctrees" / excerpts.SAVED_FILE).exists()

    # Its excerpt (its first paragraph) rewritten: the lists show the new one, not a
    # plain excerpt remembered from the build before.
    text = post.read_text(encoding="utf-8")
    title_end = text.index("\n\n", text.index("\n# ")) + 2
    post.write_text(
        text[:title_end] + "A new first paragraph, *freshly* written.\n\n" + text[title_end:],
        encoding="utf-8",
    )
    rebuilt = build(source, out)
    assert differing(rebuilt, build(source, tmp_path / "clean-2")) == []
    assert "<em>freshly</em> written" in blog_page.read_text(encoding="utf-8")


def test_the_saved_environment_holds_no_copy_of_a_post(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(source, out)
    with open(tmp_path / "html-doctrees" / "environment.pickle", "rb") as f:
        env = pickle.load(f)
    infos = [info for infos in env.ablog_posts.values() for info in infos]
    assert len(infos) == 13
    for info in infos:
        assert isinstance(info["doctree"], postcopies.StoredPost)
        for node in info["excerpt"]:
            assert all(part.__dict__.get("_document") is None for part in node.findall())
    assert len(pickle.dumps(env.ablog_posts)) < 100_000


def test_a_stored_post_reads_back_what_ablog_copied(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ABlog renders a post's full text from the stored doctree as from its own copy.

    With the speed-ups, no whole document is copied while the posts are read.
    Also: sphinx-sitemap's Manager queue is replaced by a plain one.
    """
    whole_copies: list[str] = []
    deepcopy = nodes.Element.deepcopy

    def counting_deepcopy(node: nodes.Element) -> nodes.Element:
        if isinstance(node, nodes.document):
            whole_copies.append(node["source"])
        return deepcopy(node)

    monkeypatch.setattr(nodes.Element, "deepcopy", counting_deepcopy)
    texts, copies = {}, {}
    for speedups in (False, True):
        ablog.blog.Blog._dict.clear()
        with patch_docutils(source), docutils_namespace():
            app = Sphinx(
                srcdir=source,
                confdir=source,
                outdir=tmp_path / f"html-{speedups}",
                doctreedir=tmp_path / f"doctrees-{speedups}",
                buildername="dirhtml",
                confoverrides={"blog_speedups": speedups},
                status=None,
                warning=None,
                freshenv=True,
            )
            whole_copies.clear()
            app.build()
            copies[speedups] = len(whole_copies)
            blog = ablog.blog.Blog(app)
            texts[speedups] = {p.docname: p.to_html("blog", fulltext=True) for p in blog.posts}
            assert isinstance(app.sitemap_links, queue.Queue) is speedups
        ablog.blog.Blog._dict.clear()
    assert texts[True] == texts[False]
    assert len(texts[True]) == 13
    assert all("<p>" in html for html in texts[True].values())
    assert (copies[False], copies[True]) == (13, 0)  # ABlog's copy of each post, then none


def test_remembered_docutils_settings_are_each_caller_s_own() -> None:
    import docutils.frontend
    from docutils.parsers.rst import Parser

    from healedheart.speed import parsing

    parsing.install()
    saved = dict(parsing._state)
    try:
        parsing._state.update(on=True, remembered={})
        first = docutils.frontend.get_default_settings(Parser)
        first.record_dependencies.add("included.md")
        first._config_files.append("docutils.conf")  # docutils' one list-valued default
        first.report_level = 5
        second = docutils.frontend.get_default_settings(Parser)
        assert len(parsing._state["remembered"]) == 1  # the second came from memory
        assert second.record_dependencies.list == []
        assert second._config_files == []
        assert second.report_level != 5
        parsing._state.update(on=False)
        assert vars(docutils.frontend.get_default_settings(Parser)).keys() == vars(second).keys()
    finally:
        parsing._state.update(saved)


def test_docutils_stylesheets_are_looked_for_once_per_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docutils.utils
    from docutils.frontend import get_default_settings
    from docutils.writers.html5_polyglot import Writer

    from healedheart.speed import assets

    assets.install()
    docutils_own = docutils.utils.get_stylesheet_list.__wrapped__
    settings = get_default_settings(Writer)
    expected = docutils_own(settings)
    monkeypatch.setitem(assets._state, "on", True)
    monkeypatch.setitem(assets._state, "stylesheets", {})
    first = docutils.utils.get_stylesheet_list(settings)
    second = docutils.utils.get_stylesheet_list(settings)
    assert first == second == expected and first is not second
    assert len(assets._state["stylesheets"]) == 1
    (tmp_path / "minimal.css").write_text("/* here */", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # "." is another folder, where a stylesheet is found
    here = docutils.utils.get_stylesheet_list(settings)
    assert here == docutils_own(settings) != expected
    assert len(assets._state["stylesheets"]) == 2
    monkeypatch.setitem(assets._state, "on", False)
    assert docutils.utils.get_stylesheet_list(settings) == here
    assert len(assets._state["stylesheets"]) == 2  # asked docutils, kept nothing


FRONT_MATTERS = [
    {"date": "2024-01-02", "tags": ["grief"]},  # a post: nothing for MyST
    {"myst": {"heading_anchors": 2}},
    {"myst": {"no_such_setting": 1, "enable_extensions": ["deflist"]}},
    {"myst": "not a mapping"},
    {"html_meta": {"description": "old style"}},
    {"substitutions": {"name": "Misma"}},
    {"myst": {"words_per_minute": "fast"}},  # not valid: warned about, left as it was
]


@pytest.mark.parametrize("topmatter", FRONT_MATTERS, ids=range(len(FRONT_MATTERS)))
def test_a_files_myst_settings_are_those_myst_merges(
    topmatter: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from myst_parser.config.main import MdParserConfig, merge_file_level

    from healedheart.speed import parsing

    site = MdParserConfig(enable_extensions={"colon_fence"}, heading_anchors=3)
    merged: list[bool] = []

    def noting(*args: Any) -> Any:
        merged.append(True)
        return merge_file_level(*args)

    monkeypatch.setitem(parsing._state, "on", True)
    ours_said: list[tuple] = []
    ours = parsing._merging_only_what_is_said(noting)(
        site, dict(topmatter), lambda *w: ours_said.append(w)
    )
    theirs_said: list[tuple] = []
    theirs = merge_file_level(site, dict(topmatter), lambda *w: theirs_said.append(w))
    assert ours == theirs and ours is not site
    assert ours_said == theirs_said
    assert merged == ([True] if set(topmatter) & set(parsing.MYST_KEYS) else [])


def test_myst_s_parser_is_built_once_per_kind_of_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from myst_parser.config.main import MdParserConfig
    from myst_parser.mdit_to_docutils.base import DocutilsRenderer
    from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
    from myst_parser.parsers import mdit

    from healedheart.speed import parsing

    built: list[MdParserConfig] = []

    def create(config: MdParserConfig, renderer: Any) -> Any:
        built.append(config)
        return mdit.create_md_parser(config, renderer)

    reusing = parsing._reusing_parsers(create)
    monkeypatch.setitem(parsing._state, "on", True)
    monkeypatch.setitem(parsing._state, "parsers", [])
    monkeypatch.setitem(parsing._state, "parsing", 1)
    site = MdParserConfig(enable_extensions={"colon_fence", "deflist"})
    first = reusing(site.copy(), SphinxRenderer)
    post = site.copy()
    assert reusing(post, SphinxRenderer) is first
    assert first.options["myst_config"] is post  # each file's own settings, as MyST gives
    assert len(built) == 1
    # Other settings, or another renderer: a parser of their own.
    other = reusing(site.copy(enable_extensions={"colon_fence"}), SphinxRenderer)
    assert other is not first
    assert reusing(site.copy(), DocutilsRenderer) is not first
    assert len(built) == 3
    # The settings a parser was built from are compared, not the object MyST changes
    # (figure-md adds "html_image" to a file's settings while it renders).
    post.enable_extensions.add("html_image")
    changed = reusing(post, SphinxRenderer)
    assert changed is not first and "html_image" in changed.options["myst_config"].enable_extensions
    assert reusing(site.copy(), SphinxRenderer) is first
    # A parse inside another (an included file) never gets the parser in use.
    monkeypatch.setitem(parsing._state, "parsing", 2)
    assert reusing(site.copy(), SphinxRenderer) is not first
    # Off: MyST's own, every time.
    monkeypatch.setitem(parsing._state, "parsing", 1)
    monkeypatch.setitem(parsing._state, "on", False)
    assert reusing(site.copy(), SphinxRenderer) is not first
    assert len(built) == 6


def test_one_myst_parser_reads_posts_as_new_ones_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents parsed one after another by one parser are those fresh parsers make."""
    from healedheart.speed import parsing

    generated = synthetic.generate(6)
    posts = [synthetic.to_myst(post, generated) for post in generated]
    own_settings = "---\nmyst:\n  enable_extensions: [deflist]\n---\n# Own\n\nterm\n: definition\n"
    posts.insert(3, own_settings)
    posts.insert(5, "# Fig\n\n:::{figure-md} f\n![a](x.png)\n\nA *caption*.\n:::\n\nThen, after.\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "extensions = ['myst_parser']\nmyst_enable_extensions = ['colon_fence']\n"
        "suppress_warnings = ['image.not_readable']\n",
        encoding="utf-8",
    )
    (src / "index.md").write_text(
        "# Index\n\n```{toctree}\n" + "\n".join(f"p{i}" for i in range(len(posts))) + "\n```\n",
        encoding="utf-8",
    )
    for i, text in enumerate(posts):
        (src / f"p{i}.md").write_text(text, encoding="utf-8")

    def doctrees(speedups: bool) -> list[str]:
        # A site without this package: only parsing's own switch, set here.
        monkeypatch.setitem(parsing._state, "on", speedups)
        monkeypatch.setitem(parsing._state, "parsers", [])
        app, _, _ = run_sphinx(src, tmp_path / f"out-{speedups}", tmp_path / f"dt-{speedups}")
        return [app.env.get_doctree(f"p{i}").pformat() for i in range(len(posts))]

    parsing.install()
    reused = doctrees(True)
    assert len(parsing._state["parsers"]) == 2  # the site's settings, and the one post's
    assert reused == doctrees(False)


def _random_tree(seed: int) -> nodes.document:
    """A document of nested sections, paragraphs, emphasis, references and text."""
    rng = random.Random(seed)
    document = new_document("random.md")
    kinds = [nodes.section, nodes.paragraph, nodes.emphasis, nodes.reference, nodes.bullet_list]

    def grow(parent: nodes.Element, depth: int) -> None:
        for _ in range(rng.randint(0, 4)):
            if depth > 4 or rng.random() < 0.3:
                parent += nodes.Text(rng.choice(["a", "b", "courage"]))
            else:
                child = rng.choice(kinds)()
                parent += child
                grow(child, depth + 1)

    grow(document, 0)
    return document


WALKS = [
    {},
    {"condition": nodes.Element},
    {"condition": nodes.Text},
    {"condition": nodes.emphasis},
    {"condition": lambda node: isinstance(node, nodes.reference) or node.astext() == "b"},
    {"include_self": False},
    {"condition": nodes.paragraph, "siblings": True},
    {"condition": nodes.Text, "ascend": True},
    {"descend": False, "siblings": True},
]


@pytest.fixture
def traversal(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``speed.traversal``, installed and on (as in a build with the speed-ups) for one test."""
    from healedheart.speed import traversal

    traversal.install()
    monkeypatch.setitem(traversal._state, "on", True)
    return traversal


@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: "-".join(map(str, walk.values())) or "all")
def test_a_tree_walk_finds_what_docutils_finds_in_the_same_order(
    walk: dict, traversal: Any
) -> None:
    found = 0
    for seed in range(40):
        tree = _random_tree(seed)
        for start in [tree, *list(traversal._docutils_findall(tree, nodes.Element))[1:4]]:
            ours = list(start.findall(**walk))
            docutils_own = list(traversal._docutils_findall(start, **walk))
            assert [id(node) for node in ours] == [id(node) for node in docutils_own]
            found += len(ours)
    assert found > 100


def test_a_tree_walk_sees_the_changes_made_while_walking_as_docutils_s_does(
    traversal: Any,
) -> None:
    """Transforms change the tree as they walk it: a node replaced, children added or dropped."""

    def walk_and_change(findall: Any, tree: nodes.document) -> tuple[list[str], str]:
        seen = []
        for node in findall(tree, nodes.Element):
            seen.append(node.tagname)
            if isinstance(node, nodes.emphasis) and node.parent is not None:
                node.replace_self(nodes.strong("", "", *node.children))  # walked no further
            elif isinstance(node, nodes.paragraph):
                node.children = [*node.children, nodes.inline("", "added")]  # walked
            elif isinstance(node, nodes.bullet_list) and node.children:
                node.pop()  # its last child is not walked
        return seen, tree.pformat()

    changed = 0
    for seed in range(40):
        ours = walk_and_change(lambda tree, cls: tree.findall(cls), _random_tree(seed))
        theirs = walk_and_change(traversal._docutils_findall, _random_tree(seed))
        assert ours == theirs
        changed += ours[1] != _random_tree(seed).pformat()
    assert changed > 20  # the trees were changed while walked


def _with_code_settings(document: nodes.document) -> nodes.document:
    """What Sphinx's HighlightLanguageTransform reads from a document: its config."""
    config = SimpleNamespace(highlight_language="python3")
    document.settings.env = SimpleNamespace(config=config)
    return document


@pytest.mark.parametrize("with_code", [False, True], ids=["prose", "with-code"])
def test_code_highlighting_is_settled_as_sphinx_settles_it(
    with_code: bool, monkeypatch: pytest.MonkeyPatch, traversal: Any
) -> None:
    """A document without code is not walked; with code, it is Sphinx's own transform."""
    from sphinx import addnodes
    from sphinx.transforms.post_transforms.code import HighlightLanguageTransform

    sphinx_apply = HighlightLanguageTransform.apply.__wrapped__
    walked: list[bool] = []
    monkeypatch.setattr(
        HighlightLanguageTransform,
        "apply",
        traversal._only_with_code(lambda t, **kw: walked.append(True) or sphinx_apply(t, **kw)),
    )
    document = _random_tree(7)
    section = next(iter(document.findall(nodes.Element)))
    section.insert(0, addnodes.highlightlang(lang="console", force=False, linenothreshold=5))
    if with_code:
        document.insert(0, nodes.literal_block("print()", "print()"))  # before the setting
        section += nodes.literal_block("$ ls\n$ pwd\n", "$ ls\n$ pwd\n")
    ours, sphinx_own = _with_code_settings(document.deepcopy()), _with_code_settings(document)
    HighlightLanguageTransform(ours).apply()
    sphinx_apply(HighlightLanguageTransform(sphinx_own))
    assert ours.pformat() == sphinx_own.pformat()
    assert not list(ours.findall(addnodes.highlightlang))  # removed either way
    assert walked == ([True] if with_code else [])
    if with_code:
        languages = [block["language"] for block in ours.findall(nodes.literal_block)]
        assert languages == ["python3", "console"]


def test_a_tree_walk_is_docutils_own_with_the_speedups_off(
    monkeypatch: pytest.MonkeyPatch, traversal: Any
) -> None:
    called = []

    def docutils_findall(*args: Any) -> Any:
        called.append(args)
        return iter(())

    monkeypatch.setattr(traversal, "_docutils_findall", docutils_findall)
    monkeypatch.setitem(traversal._state, "on", False)
    assert list(_random_tree(1).findall(nodes.Text)) == [] and len(called) == 1
    monkeypatch.setitem(traversal._state, "on", True)
    assert list(_random_tree(1).findall(nodes.Text)) != [] and len(called) == 1


def test_pages_of_a_folder_share_one_sidebar_unless_it_links_to_them() -> None:
    from healedheart.speed.sidebars import SidebarMemory

    def sidebar_for(pagename: str) -> str:
        # Relative links as Sphinx writes them, from the page's own folder.
        links = ["blog/", "posts/2019/newest/", "blog/tag/grief/"]
        page = pagename + "/"
        hrefs = [relative_uri(page, link) for link in links]
        marks = ['aria-current="page"' if link == page else "" for link in links]
        return "".join(f'<a href="{h}" {m}>x</a>' for h, m in zip(hrefs, marks, strict=True))

    rendered: list[str] = []
    memory = SidebarMemory(lambda pagename: pagename + "/")

    def page(pagename: str) -> str:
        def render() -> str:
            rendered.append(pagename)
            return sidebar_for(pagename)

        html = memory.sidebar(pagename, render)
        assert html == sidebar_for(pagename)  # the page's own sidebar, rendered or kept
        return html

    page("posts/2019/newest")  # linked from the sidebar: rendered, and not kept
    page("posts/2019/a")  # kept for its folder
    page("posts/2019/b")
    page("posts/2019/c")
    page("posts/2019/newest")  # linked from the kept sidebar: rendered
    page("posts/2020/d")  # another folder
    page("posts/2020/e")
    page("blog/tag/grief")  # linked: rendered
    page("blog/tag/hope")
    page("blog/tag/grief")
    assert rendered == [
        "posts/2019/newest",
        "posts/2019/a",
        "posts/2019/newest",
        "posts/2020/d",
        "blog/tag/grief",
        "blog/tag/hope",
        "blog/tag/grief",
    ]
    assert (memory.rendered, memory.reused) == (7, 3)

    # A page whose links are made by other code (the 404 page's start from the root)
    # gets its own sidebar, even in a folder that has one.
    memory.sidebar("posts/2019/d", lambda: "kept for posts/2019/d")
    root_relative = memory.sidebar("posts/2019/e", lambda: "its own", makers=("other pathto",))
    assert root_relative == "its own"


def test_a_folder_s_pages_link_alike_to_every_other_page() -> None:
    """What ``speed.sidebars`` rests on: Sphinx's relative links depend on the folder only."""
    from healedheart.speed.sidebars import folder_of, links_to, targets

    pages = [
        "",
        "about/",
        "blog/",
        "blog/tag/grief/",
        "blog/tag/hope/",
        "posts/2019/a/",
        "posts/2019/b/",
        "posts/2019/b/c/",
        "posts/2020/d/",
        "posts/2019/",
        "posts/a/",
    ]
    pages += [
        "index.html",
        "about.html",
        "posts/2019/a.html",
        "posts/2019/b.html",
        "posts/2020/d.html",
        "posts/2019.html",
        "blog/tag/grief.html",
    ]
    compared = 0
    for one in pages:
        for other in pages:
            if one == other or folder_of(one) != folder_of(other):
                continue
            for target in pages:
                # A link is the same from both pages unless it points at (or below) one of them...
                shown = {
                    targets(f'<a href="{relative_uri(page, target)}">', page)
                    for page in (one, other)
                }
                assert shown == {frozenset({"/" + target})}  # ...and it resolves back
                at_either = links_to(frozenset({"/" + target}), one) or links_to(
                    frozenset({"/" + target}), other
                )
                if not at_either:
                    compared += 1
                    assert relative_uri(one, target) == relative_uri(other, target)
    assert compared > 50


def test_templates_run_unsandboxed_and_are_looked_up_once(source: Path, tmp_path: Path) -> None:
    app, _, warnings = run_sphinx(source, tmp_path / "html", tmp_path / "doctrees")
    assert warnings == ""
    environment = app.builder.templates.environment
    assert type(environment) is Environment
    assert not environment.sandboxed and not environment.auto_reload
    assert environment.globals["sidebar_once_per_folder"]  # what was put in is kept
    assert list((tmp_path / "doctrees" / templates.FOLDER).glob("*.cache"))

    plain, _, warnings = run_sphinx(
        source, tmp_path / "plain", tmp_path / "plain-doctrees", {"blog_speedups": False}
    )
    assert warnings == ""
    assert isinstance(plain.builder.templates.environment, SandboxedEnvironment)
    assert plain.builder.templates.environment.auto_reload


def _unsafe_in_sandbox(template: jinja2.nodes.Template) -> list[str]:
    """What a template reads that Jinja's sandbox would refuse or change."""
    found = []
    for node in template.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        name = node.attr if isinstance(node, jinja2.nodes.Getattr) else None
        if isinstance(node, jinja2.nodes.Getitem) and isinstance(node.arg, jinja2.nodes.Const):
            name = node.arg.value
        if not isinstance(name, str):
            continue
        # The sandbox's str.format refuses only what the format string reads of its
        # arguments' insides; a theme option's is the site's own (conf.py).
        formats_own_setting = (
            name in ("format", "format_map")
            and isinstance(node.node, jinja2.nodes.Name)
            and node.node.name.startswith("theme_")
        )
        if (
            name.startswith("_") or name in ("format", "format_map", "mro") or "func_" in name
        ) and not formats_own_setting:
            found.append(name)
    return found


def test_no_template_reads_what_the_sandbox_would_refuse(source: Path, tmp_path: Path) -> None:
    """The sandbox is dropped (``speed.templates``) only because no template of the
    site's (Sphinx's, Furo's, ABlog's, ours) reads a private name or formats a string
    other than a theme option set in conf.py."""
    app, _, _ = run_sphinx(source, tmp_path / "html", tmp_path / "doctrees")
    environment = app.builder.templates.environment
    files = [
        path
        for folder in app.builder.templates.pathchain
        for path in Path(folder).rglob("*")
        if path.suffix in {".html", ".xml", ".txt"} and path.is_file()
    ]
    assert len(files) > 40
    unsafe = {}
    for path in files:
        try:
            template = environment.parse(path.read_text(encoding="utf-8"))
        except jinja2.TemplateSyntaxError:
            continue  # not a template this build can load
        if found := _unsafe_in_sandbox(template):
            unsafe[str(path)] = found
    assert unsafe == {}
    # And the check finds what it looks for.
    unsafe_template = "{{ post._secret }}{{ '{}'.format(x) }}{{ theme_link.format(x=1) }}"
    assert _unsafe_in_sandbox(environment.parse(unsafe_template)) == ["_secret", "format"]


@pytest.mark.parametrize("seed", range(5))
def test_text_is_escaped_as_docutils_escapes_it(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "&<>\"@'a b\u2019&amp;;#\n"
    table = HTMLTranslator.special_characters
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        assert escaping.replaced(text) == text.translate(table)
    assert escaping.replaced('a <b> & "c" @d') == "a &lt;b&gt; &amp; &quot;c&quot; &#64;d"


def test_a_writer_with_its_own_table_escapes_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    escaping.install()
    monkeypatch.setitem(escaping._state, "on", True)
    writer = SimpleNamespace(special_characters=HTMLTranslator.special_characters)
    assert HTMLTranslator.encode(writer, nodes.Text("<&>")) == "&lt;&amp;&gt;"
    calls = []
    monkeypatch.setattr(escaping, "replaced", lambda text: calls.append(text) or text)
    HTMLTranslator.encode(writer, "x")
    assert calls == ["x"]  # docutils' table: replaced
    writer.special_characters = {**HTMLTranslator.special_characters, ord("'"): "&#39;"}
    assert HTMLTranslator.encode(writer, "it's") == "it&#39;s"
    monkeypatch.setitem(escaping._state, "on", False)
    writer.special_characters = HTMLTranslator.special_characters
    HTMLTranslator.encode(writer, "y")
    assert calls == ["x"]  # off: docutils' own


def test_a_build_reuses_sidebars(source: Path, tmp_path: Path) -> None:
    app, _, warnings = run_sphinx(source, tmp_path / "html", tmp_path / "doctrees")
    assert warnings == ""
    memory = app.builder.templates.environment.globals["sidebar_once_per_folder"].memory
    # 2016 has three posts and 2017 and 2018 two each, none of them among the five newest.
    assert memory.reused >= 4
    pages = [p for p in (tmp_path / "html").rglob("*.html") if "sidebar-drawer" in p.read_text()]
    assert memory.rendered + memory.reused == len(pages)


@pytest.mark.parametrize("preview", [False, True], ids=["deployed", "preview"])
def test_a_parallel_build_keeps_in_its_main_process_what_the_workers_rendered(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """``-j 2``: post bodies for the feeds, and the excerpts of ABlog's pages, come back.

    The plain excerpts are rendered once each, half by a worker, before the pages.
    """
    from healedheart import feeds
    from healedheart.speed import generated

    rendered_again: list[str] = []
    render = feeds.render_page_body
    monkeypatch.setattr(
        feeds, "render_page_body", lambda app, doc: rendered_again.append(doc) or render(app, doc)
    )
    came_back: dict[str, list[int]] = {"excerpts first": [], "with the pages": []}

    def counting(name: str, merges: Any, part: Any) -> Any:
        def back_in_main(app: Sphinx) -> Any:
            merge = merges(app)
            return lambda arg, rendered: (
                came_back[name].append(len(part(rendered))) or merge(arg, rendered)
            )

        return back_in_main

    excerpts_back = counting("excerpts first", generated._excerpts_back_in_main, lambda r: r)
    pages_back = counting("with the pages", generated._back_in_main, lambda r: r[0])
    monkeypatch.setattr(generated, "_excerpts_back_in_main", excerpts_back)
    monkeypatch.setattr(generated, "_back_in_main", pages_back)
    # The home page, written first, renders the newest excerpts: two or three are left.
    monkeypatch.setattr(generated, "FEW_EXCERPTS", 2)
    saved = {}
    feeds_by = {jobs: tmp_path / f"feeds-written-by-{jobs}" for jobs in (1, 2)}
    write_every_feed = feeds.write_every_feed
    for jobs in (1, 2):
        monkeypatch.setattr(feeds, "write_every_feed", noting_pid(write_every_feed, feeds_by[jobs]))
        doctrees = tmp_path / f"doctrees-{jobs}"
        overrides = {"blog_preview": preview}
        _, _, warnings = run_sphinx(
            source, tmp_path / f"html-{jobs}", doctrees, overrides, parallel=jobs
        )
        assert warnings == ""
        with open(doctrees / excerpts.SAVED_FILE, "rb") as file:
            saved[jobs] = pickle.load(file)["data"]
        assert not (doctrees / feeds.HANDOVER_FOLDER).exists()
    # Every post page was written by a worker, yet no post body was rendered again.
    assert rendered_again == []
    # ABlog's pages, half of them rendered by a worker: the same excerpts kept for the next build.
    assert len(saved[1]) >= 10
    assert saved[2] == saved[1]
    # A worker rendered half the excerpts left first; none was rendered again with the pages.
    [from_worker] = came_back["excerpts first"]
    assert from_worker >= 1
    assert came_back["with the pages"] == [0]
    assert differing(digest(tmp_path / "html-1"), digest(tmp_path / "html-2")) == []
    # The feeds: written by the main process alone in a serial build, beside the pages with -j.
    assert feeds_by[1].read_text().split() == [str(os.getpid())]
    [writer] = feeds_by[2].read_text().split()
    assert writer != str(os.getpid())
    assert (tmp_path / "html-2" / "blog" / "atom.xml").exists()


def test_a_parallel_build_reads_one_part_and_writes_in_one_process_per_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-j 2``: two reading processes (Sphinx would start four here), two writers (not one),
    no debug records sent back; and a rebuild after an edit reads and writes its few
    documents in the main process."""
    posts = synthetic.generate(60)
    src = synthetic.write_site(tmp_path / "src", posts, REPO)
    merged: list[int] = []
    merge = BuildEnvironment.merge_info_from

    def merge_info_from(env, docnames, other, app) -> None:
        merged.append(len(docnames))
        merge(env, docnames, other, app)

    writers: list[int] = []
    add_task = ParallelTasks.add_task

    def note_writers(tasks, task_func, arg=None, result_func=None) -> None:
        if task_func.__name__ == "write_process":
            writers.append(tasks.nproc)
        add_task(tasks, task_func, arg, result_func)

    # Started promptly: the main process offers a free writer the next part after each
    # document it resolves, not only when it hands over a part.
    offered: list[str] = []
    start_waiting = parallel.PromptTasks.start_waiting
    monkeypatch.setattr(
        parallel.PromptTasks,
        "start_waiting",
        lambda tasks: offered.append(type(tasks).__name__) or start_waiting(tasks),
    )
    # What every writer needs is worked out once, in the main process, before any is forked.
    built_by = tmp_path / "built-by"
    for owner, name in ((related.RelatedIndex, "__init__"), (ablog.blog, "link_posts")):
        monkeypatch.setattr(owner, name, noting_pid(getattr(owner, name), built_by))
    sent_back: list[int] = []  # the levels of the log records workers sent back
    handle = sphinx.util.parallel.logger.handle
    monkeypatch.setattr(
        sphinx.util.parallel.logger,
        "handle",
        lambda record: sent_back.append(record.levelno) or handle(record),
    )
    monkeypatch.setattr(BuildEnvironment, "merge_info_from", merge_info_from)
    monkeypatch.setattr(ParallelTasks, "add_task", note_writers)
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"
    app, _, warnings = run_sphinx(src, out, doctrees, parallel=2)
    assert warnings == ""
    read = len(app.env.all_docs)
    assert read > 60
    assert sorted(merged) == [read // 2, read - read // 2]
    assert writers and set(writers) == {2}
    # Every resolved document but the first (written by the main process itself).
    assert offered == ["Tasks"] * (read - 1)
    assert set(built_by.read_text().split()) == {str(os.getpid())}
    # Sphinx's debug records (every event's arguments, written out) are not made at
    # all when the build would not show them; before, thousands came back to be dropped.
    assert [level for level in sent_back if level < logging.INFO] == []

    merged.clear()
    writers.clear()
    offered.clear()
    synthetic.set_title(src / posts[30].path, "A new title")
    app, _, warnings = run_sphinx(src, out, doctrees, fresh=False, parallel=2)
    assert warnings == ""
    assert "A new title" in (out / posts[30].path.removesuffix(".md") / "index.html").read_text()
    assert (merged, writers, offered) == ([], [], [])


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _touch(path: Path) -> None:
    path.touch()


def _fail(path: Path) -> None:
    raise RuntimeError(f"cannot write {path.name}")


def test_a_waiting_writer_starts_as_soon_as_a_process_is_free(tmp_path: Path) -> None:
    """Sphinx's ``ParallelTasks`` starts a waiting task only when given another, or joined."""
    tasks = parallel.PromptTasks(1)
    first, second = tmp_path / "first", tmp_path / "second"
    tasks.add_task(_touch, first)
    tasks.add_task(_touch, second)
    assert _wait_for(first, 10)
    time.sleep(0.5)  # the first process has long finished: Sphinx's own class starts nothing
    assert not second.exists()
    tasks.start_waiting()  # what the main process now does after each document it resolves
    assert _wait_for(second, 10)
    tasks.join()


class _Reader:
    """What Sphinx's reading tasks call for each document: ``read_doc``."""

    def read_doc(self, docname: str) -> None:
        self.garbage = [[docname] for _ in range(50)]  # young containers, alive


def _read_three(builder: _Reader) -> list[tuple[bool, int]]:
    """In a forked task: whether the collector runs by itself, and its count after each doc."""
    seen = []
    for docname in ("a", "b", "c"):
        builder.read_doc(docname)
        seen.append((gc.isenabled(), gc.get_count()[0]))
    return seen


def _forked(builder: _Reader) -> list[tuple[bool, int]]:
    results: list[Any] = []
    tasks = ParallelTasks(1)
    tasks.add_task(_read_three, builder, lambda arg, result: results.append(result))
    tasks.join()
    return results[0]


def test_readers_and_writers_collect_their_garbage_after_each_document() -> None:
    from healedheart.speed import garbage

    garbage.install()
    builder = _Reader()
    with garbage.collected_per_document(builder, "read_doc"):
        inside = _forked(builder)
    outside = _forked(builder)
    assert [enabled for enabled, _ in inside] == [False] * 3
    assert all(count < 20 for _, count in inside)  # collected after each document
    assert [enabled for enabled, _ in outside] == [True] * 3
    assert "read_doc" not in vars(builder)  # the builder's own method again
    assert gc.isenabled() and not garbage._state["forking"]  # the main process untouched
    assert not garbage._state["worker"]


def test_a_writer_that_failed_stops_the_writing_at_once(tmp_path: Path) -> None:
    tasks = parallel.PromptTasks(1)
    tasks.add_task(_fail, tmp_path / "a-post")
    waiting = tmp_path / "waiting"
    tasks.add_task(_touch, waiting)
    with pytest.raises(SphinxParallelError, match="cannot write a-post"):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            tasks.start_waiting()
            time.sleep(0.01)
    assert not waiting.exists()
    assert tasks._pworking == 0  # nothing left running


def test_the_first_part_written_in_parallel_is_short() -> None:
    names = [f"posts/{i:04}" for i in range(1003)]
    parts = parallel.write_parts(names, 2)
    sphinx_parts = sphinx_make_chunks(names, 2)
    assert len(parts[0]) == parallel.FIRST_WRITE_PART
    assert parts[2:] == sphinx_parts[1:]
    assert [name for part in parts for name in part] == names
    # Parts too short to cut are Sphinx's own.
    assert parallel.write_parts(names[:60], 2) == sphinx_make_chunks(names[:60], 2)
    assert parallel.write_parts([], 2) == []


@pytest.mark.parametrize(
    ("verbosity", "level"), [(0, logging.INFO), (1, VERBOSE), (2, logging.DEBUG)]
)
def test_only_the_records_a_build_shows_are_made(verbosity: int, level: int) -> None:
    from types import SimpleNamespace

    from healedheart.speed.parallel import no_unshown_records

    sphinx_logger = logging.getLogger(NAMESPACE)
    before = sphinx_logger.level
    sphinx_logger.setLevel(logging.DEBUG)  # as sphinx.util.logging.setup leaves it
    try:
        app = SimpleNamespace(verbosity=verbosity)
        no_unshown_records(app, SimpleNamespace(blog_speedups=True))  # type: ignore[arg-type]
        assert sphinx_logger.level == level  # sphinx-build -v shows VERBOSE, -vv DEBUG
    finally:
        sphinx_logger.setLevel(before)


def test_the_documents_to_read_are_cut_into_one_even_part_per_process() -> None:
    from healedheart.speed.parallel import read_parts

    names = [f"posts/{i:04}" for i in range(1001)]
    for processes in (1, 2, 3, 8):
        parts = read_parts(names, processes)
        assert len(parts) == processes
        assert [name for part in parts for name in part] == names
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert read_parts(names[:3], 8) == [[name] for name in names[:3]]
    assert read_parts([], 2) == []


def test_generated_pages_are_shared_out_by_the_posts_they_list() -> None:
    from healedheart.speed.generated import shares

    def page(name: str, posts: int) -> tuple[str, dict, str]:
        return name, {"collection": list(range(posts))}, "ablog/collection.html"

    pages = [page("blog", 1000), page("blog/2019", 80), page("blog/author/misma", 1000)]
    pages += [page(f"blog/tag/t{i}", 150) for i in range(12)] + [("404", {}, "page.html")]
    first, second = shares(pages, 2)
    assert sorted(first + second) == sorted(pages)
    cost = [sum(10 + len(p[1].get("collection", ())) for p in share) for share in (first, second)]
    assert abs(cost[0] - cost[1]) <= 160  # no more apart than the cheapest list page
    assert {"blog", "blog/author/misma"} - {p[0] for p in first} == {"blog/author/misma"}
    for share in (first, second):  # each in the order the pages were generated
        assert share == sorted(share, key=pages.index)


def test_post_summaries_are_kept_for_the_next_build(source: Path, tmp_path: Path) -> None:
    import shutil

    from healedheart.speed import summaries

    src = tmp_path / "src"
    shutil.copytree(source, src)
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"

    app, _, warnings = run_sphinx(src, out, doctrees)
    assert warnings == ""
    first = app._healedheart_summaries
    # Each summary and line rendered once, for every page that shows it (its links
    # filled in per page), but the one whose excerpt links: once per page.
    assert first.rendered == len(first.used)
    for_every_page = [key for key in first.used if key[1] == summaries.EVERY_PAGE]
    assert len(for_every_page) >= 13 * 2  # a summary and a catalog line each
    per_page = {key[0][0] for key in first.used if key[1] != summaries.EVERY_PAGE}
    assert per_page == {"posts/2024/a-post-whose-excerpt-links"}
    # Each post is shown on the all-posts, author, year, category and tag pages.
    assert first.reused >= 13 * 4
    assert (doctrees / summaries.SAVED_FILE).exists()

    post = next((src / "posts").rglob("on-*.md"))
    synthetic.set_title(post, "Retitled, for the summaries")
    app, _, warnings = run_sphinx(src, out, doctrees, fresh=False)
    assert warnings == ""
    second = app._healedheart_summaries
    # Only the retitled post's summaries were rendered again; the rest came from the first build.
    assert 1 <= second.rendered <= 8
    assert second.reused >= 20
    page = (out / "blog" / "index.html").read_text(encoding="utf-8")
    assert "Retitled, for the summaries" in page


def test_a_fragment_for_every_page_gets_each_page_s_links() -> None:
    from healedheart.speed import summaries

    names = ["posts/2019/on-grief", "blog/tag/inner-child", "a b/c&d", ""]
    html = "".join(f'<a href="{summaries.link_to_fill(n)}">{n}</a>' for n in names)
    assert "posts/2019" in html  # the name is there, between the placeholder's marks

    def pathto(docname: str) -> str:
        return relative_uri("blog/tag/grief.html", docname + ".html")

    expected = "".join(f'<a href="{pathto(n)}">{n}</a>' for n in names)
    assert summaries.filled(html, pathto) == expected
    assert summaries.filled("no links", pathto) == "no links"
    # A post that shows one of the marks itself is rendered per page instead.
    assert summaries.fillable("A title\ngrief\nposts/a", "<p>An excerpt</p>")
    assert not summaries.fillable("A \ue000title\ngrief\nposts/a", "<p>An excerpt</p>")
    assert not summaries.fillable("A title\ngrief\nposts/a", "<p>\ue001</p>")


@pytest.mark.slow
def test_a_post_that_shows_the_placeholder_marks_is_listed_as_without_speedups(
    source: Path, tmp_path: Path
) -> None:
    import shutil

    src = tmp_path / "src"
    shutil.copytree(source, src)
    (src / "posts" / "2024" / "odd.md").write_text(
        "---\ndate: 2024-05-03\ncategory: Practice\ntags: grief\n---\n\n"
        "# Odd \ue000posts/2019\ue001 title\n\nA plain \ue000excerpt\ue001 here.\n\nMore.\n",
        encoding="utf-8",
    )
    plain = build(src, tmp_path / "plain", "-D", "blog_speedups=0")
    fast = build(src, tmp_path / "fast")
    assert differing(plain, fast) == []
    archive = (tmp_path / "fast" / "blog" / "archive" / "index.html").read_text("utf-8")
    assert "Odd \ue000posts/2019\ue001 title" in archive


def test_kept_summaries_are_those_that_may_still_be_shown() -> None:
    from healedheart.speed.summaries import _still_current

    def key(docname: str, title: str, folder: str) -> tuple:
        return ((docname, title), (folder,), 2)

    known = {
        key("a", "A", "blog"): "a on blog",
        key("a", "A", "blog/tag"): "a on a tag page",
        key("b", "B", "blog"): "b on blog",  # b is not on a page this build renders
        key("c", "C", "blog"): "c, since deleted",
    }
    used = {key("a", "A, retitled", "blog"): "a retitled, on blog"}
    assert _still_current(known, used, {"a", "b"}) == {
        key("b", "B", "blog"): "b on blog",
        key("a", "A, retitled", "blog"): "a retitled, on blog",
    }
