"""Walking a document's tree with one generator, not one per node.

Docutils finds the nodes of a tree (``node.findall(condition)``) with a
recursive generator: one generator for every node walked, and every node found
handed up through one ``yield from`` per level above it. Docutils' own
transforms, Sphinx's, MyST's and ABlog's each walk the whole tree of every
document this way, some sixty walks per post over reading and writing; at 1000
posts that was 2 to 3 s of a clean build's 33 to 36 s of CPU time.

Here the walk almost every caller asks for (a node and everything under it, in
document order: ``include_self`` and ``descend``, neither ``siblings`` nor
``ascend``; with no condition, a node class, or a function) is done by one
generator with a stack of the children lists being walked. It yields the same
nodes in the same order, and as lazily: a node's children are looked at only
when the walk goes on after that node, as docutils does, so a caller that
changes the tree while walking it sees what it saw before (docutils calls the
result of that "undefined", but some callers do it). Every other walk is
docutils' own.

Installed once per process, inert in a build with ``blog_speedups = False``;
``tests/test_speed.py`` compares it with docutils' walk, tree changes included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

_state = {"on": False}
_docutils_findall = nodes.Node.findall


def start_build(app: Sphinx, config: Config) -> None:
    """Sphinx ``config-inited``: on or off for this build (and the processes it forks)."""
    _state["on"] = bool(config.blog_speedups)


def install() -> None:
    """Route ``Node.findall`` through ``findall`` (once per process)."""
    nodes.Node.findall = findall  # type: ignore[method-assign]


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
        return _everything(self)
    if isinstance(condition, type):
        return _instances(self, condition)
    return _matching(self, condition)


# Three copies of one walk, each with its test inlined: this is the hot loop. A
# node's children are fetched after the node has been yielded, as docutils does.


def _everything(top: nodes.Node) -> Iterator[nodes.Node]:
    yield top
    stack = [iter(top.children)]
    while stack:
        for child in stack[-1]:
            yield child
            if child.children:
                stack.append(iter(child.children))
            break
        else:
            stack.pop()


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
