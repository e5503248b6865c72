"""Walking a document's tree with one generator, not one per node.

Docutils finds the nodes of a tree (``node.findall(condition)``) with a
recursive generator: one generator for every node walked, and every node found
handed up through one ``yield from`` per level above it. Docutils' own
transforms, Sphinx's, MyST's and ABlog's each walk the whole tree of every
document this way, some sixty walks per post over reading and writing. At 1000
posts, walking this way saves about 2.5 s of a serial clean build's 35 s of CPU
(measured in one process, with and without, alternately).

Here the walk almost every caller asks for (a node and everything under it, in
document order: ``include_self`` and ``descend``, neither ``siblings`` nor
``ascend``; with no condition, a node class, or a function) is done by one
generator with a stack of the children lists being walked. It yields the same
nodes in the same order, and as lazily: a node's children are looked at only
when the walk goes on after that node, as docutils does, so a caller that
changes the tree while walking it sees what it saw before (docutils calls the
result of that "undefined", but some callers do it). Every other walk is
docutils' own.

Sphinx's ``HighlightLanguageTransform`` walks every document it resolves (each
page, each excerpt) with a visitor, to give each code block its language; a
post rarely has one. A document without a ``literal_block`` is not walked: the
visitor changes nothing but code blocks, and the transform's other work,
removing ``highlightlang`` nodes, is still done.

Installed once per process, inert in a build with ``blog_speedups = False``;
``tests/test_speed.py`` compares them with docutils' walk (tree changes
included) and Sphinx's transform.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms.code import HighlightLanguageTransform

_state = {"on": False}
_docutils_findall = nodes.Node.findall


def start_build(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: on or off for this build (and the processes it forks)."""
    _state["on"] = bool(config.blog_speedups)


def install() -> None:
    """Route ``Node.findall`` and Sphinx's code-highlighting transform through here (once)."""
    nodes.Node.findall = findall  # type: ignore[method-assign]
    if not getattr(HighlightLanguageTransform.apply, "_healedheart", False):
        HighlightLanguageTransform.apply = _only_with_code(HighlightLanguageTransform.apply)


def _only_with_code(apply: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(apply)
    def apply_where_there_is_code(transform: HighlightLanguageTransform, **kwargs: Any) -> None:
        document = transform.document
        if not _state["on"] or next(document.findall(nodes.literal_block), None) is not None:
            apply(transform, **kwargs)
            return
        for node in list(document.findall(addnodes.highlightlang)):  # as Sphinx's does
            node.parent.remove(node)

    apply_where_there_is_code._healedheart = True  # type: ignore[attr-defined]
    return apply_where_there_is_code


def findall(
    self: nodes.Node,
    condition: type | Callable[[nodes.Node], bool] | None = None,
    include_self: bool = True,
    descend: bool = True,
    siblings: bool = False,
    ascend: bool = False,
) -> Iterator[Any]:
    """``docutils.nodes.Node.findall``, without a generator per node for a whole-subtree walk."""
    if not _state["on"] or not include_self or not descend or siblings or ascend:
        return _docutils_findall(self, condition, include_self, descend, siblings, ascend)
    if condition is None:
        return _instances(self, nodes.Node)  # every node is one
    if isinstance(condition, type):
        return _instances(self, condition)
    return _matching(self, condition)


# Two copies of one walk, each with its test inlined (a class, or a function): this
# is the hot loop. A node's children are fetched after the node has been yielded,
# as docutils does.


def _instances(top: nodes.Node, cls: type) -> Iterator[Any]:
    if isinstance(top, cls):
        yield top
    stack = [iter(top.children)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, cls):
                yield child
            if child.children:
                stack.append(iter(child.children))
            break
        else:
            stack.pop()


def _matching(top: nodes.Node, condition: Callable[[nodes.Node], bool]) -> Iterator[nodes.Node]:
    if condition(top):
        yield top
    stack = [iter(top.children)]
    while stack:
        for child in stack[-1]:
            if condition(child):
                yield child
            if child.children:
                stack.append(iter(child.children))
            break
        else:
            stack.pop()
