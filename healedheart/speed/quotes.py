"""Smart quotes, without the work where there is nothing to curl.

Sphinx's ``SphinxSmartQuotes`` (docutils' ``SmartQuotes`` transform) runs on every
document as it is read: it turns straight quotes and apostrophes into curly ones,
``--`` and ``---`` into dashes and ``...`` into an ellipsis. For each block of
text (a paragraph, a heading, a list item's text) it works out the language,
runs each piece of text through some thirty replacements and regular
expressions, and then puts a new text node in place of every old one, changed
or not. At 1000 posts that was 15 to 19% of the reading.

Here the same transform is run, with what gives back its input unchanged left
out:

- A block in which no piece of text holds anything a rule acts on (a straight
  quote or apostrophe, a backtick, a backslash, ``&``, a NUL, ``--``, ``..`` or
  ``. .``) is left as it is. Its language is still worked out, so that a block
  in a language without smart quotes is still warned about, as before.
- In the other blocks, each step (escapes, dashes, ellipses, backticks, quotes,
  escapes back) is taken only if the text holds what that step acts on at that
  point (:func:`educate_tokens`), and a text node that came out unchanged is
  kept rather than replaced by an equal copy.
- Whether a piece of text may be curled at all (not inside a literal, a raw
  block...) is worked out once per element above it, not once per piece of
  text, and a language's tags once per document.

In the author's posts, eight paragraphs in ten have an apostrophe or a quote, so
most of her blocks still take the full path; headings, list items, captions and
the rest mostly do not. The benchmark's synthetic posts have quotes as often as
hers (``tests/test_bench.py``), so that the gain it shows is the one her posts
get.

This applies to the actions Sphinx offers by default and any made of the
letters ``qbBdDie`` (``smartquotes_action``); others (``w``, the numbered ones,
``-1``) run docutils' own code. Installed once per process, inert in a build
with ``blog_speedups = False``; ``tests/test_speed.py`` compares the two
transforms on awkward text and the built sites byte for byte.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from docutils import nodes, utils
from docutils.transforms.universal import SmartQuotes
from docutils.utils import smartquotes
from sphinx.transforms import SphinxSmartQuotes
from sphinx.util.nodes import NON_SMARTQUOTABLE_PARENT_NODES

_state = {"on": False}

# What any of the rules below act on. Escapes: a backslash (and a NUL, before
# which docutils adds one), and the character references ``&#92;`` and the like
# that docutils turns back into characters at the end. Dashes: ``--``, ``---``.
# Ellipses: ``...`` and ``. . .``. Quotes: ``'`` and ``"``; backticks: ``` ` ```.
_ACTED_ON = re.compile(r"['\"`\\\x00&]|--|\.\.|\. \.")

# The actions whose rules are all covered by _ACTED_ON.
_COVERED_ACTION = re.compile(r"[qbBdDie]*")


def start_build(app: Any, config: Any) -> None:
    """Sphinx ``config-inited``: on or off for this build (and the processes it forks)."""
    _state["on"] = bool(config.blog_speedups)


def install() -> None:
    """Route ``SphinxSmartQuotes.apply`` through here (once per process)."""
    if not getattr(SphinxSmartQuotes.apply, "_healedheart", False):
        SphinxSmartQuotes.apply = _skipping_plain_text(SphinxSmartQuotes.apply)


def _skipping_plain_text(apply: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(apply)
    def apply_where_something_changes(transform: SphinxSmartQuotes, **kwargs: Any) -> None:
        action = transform.config.smartquotes_action
        if not _state["on"] or not _COVERED_ACTION.fullmatch(action):
            apply(transform, **kwargs)
            return
        if not transform.is_available():  # as Sphinx's apply, then docutils'
            return
        transform.smartquotes_action = action
        educate_where_something_changes(transform)

    apply_where_something_changes._healedheart = True  # type: ignore[attr-defined]
    return apply_where_something_changes


def might_change(text: str) -> bool:
    """Whether any smart-quotes rule could change ``text`` (False: it certainly leaves it)."""
    return _ACTED_ON.search(text) is not None


def educate_where_something_changes(transform: SmartQuotes) -> None:
    """docutils' ``SmartQuotes.apply``, leaving alone what it would give back unchanged."""
    document = transform.document
    smart_quotes = document.settings.setdefault("smart_quotes", False)
    if not smart_quotes:
        return
    try:
        alternative = smart_quotes.startswith("alt")
    except AttributeError:
        alternative = False

    document_language = document.settings.language_code
    lc_smartquotes = document.settings.smartquotes_locales
    if lc_smartquotes:
        smartquotes.smartchars.quotes.update(dict(lc_smartquotes))

    if type(transform).get_tokens is SphinxSmartQuotes.get_tokens:
        tokens = _Tokens().of
    else:  # a subclass's own way of telling literal text from plain
        tokens = transform.get_tokens
    supported: dict[str, str] = {}  # a block's language: the one its quotes follow
    for node in document.findall(nodes.TextElement):
        if isinstance(node, transform.nodes_to_skip):
            continue
        if isinstance(node.parent, nodes.TextElement):
            continue
        txtnodes = [
            txtnode
            for txtnode in node.findall(nodes.Text)
            if not isinstance(txtnode.parent, nodes.option_string)
        ]

        lang = node.get_language_code(document_language)
        if alternative:
            if "-x-altquot" in lang:
                lang = lang.replace("-x-altquot", "")
            else:
                lang += "-x-altquot"
        if lang in supported:
            lang = supported[lang]
        else:
            asked = lang
            for tag in utils.normalize_language_tag(lang):
                if tag in smartquotes.smartchars.quotes:
                    lang = tag
                    break
            else:  # language not supported: keep ASCII quotes (and warn once)
                if lang not in transform.unsupported_languages:
                    document.reporter.warning(
                        f'No smart quotes defined for language "{lang}".', base_node=node
                    )
                transform.unsupported_languages.add(lang)
                lang = ""
            supported[asked] = lang

        if not any(type(t) is not nodes.Text or might_change(t) for t in txtnodes):
            continue
        teacher = educate_tokens(tokens(txtnodes), transform.smartquotes_action, lang)
        for txtnode, newtext in zip(txtnodes, teacher, strict=True):
            if newtext != txtnode or type(txtnode) is not nodes.Text:
                txtnode.parent.replace(txtnode, nodes.Text(newtext))

    transform.unsupported_languages.clear()


class _Tokens:
    """Sphinx's ``SphinxSmartQuotes.get_tokens``, asking each element once if it may be curled.

    Sphinx asks, for every piece of text, whether it or any element above it
    says no (a literal, a raw block, ``support_smartquotes = False``...); the
    answer for an element is remembered here, for one document's transform.
    """

    def __init__(self) -> None:
        self._curlable: dict[int, bool] = {}

    def of(self, txtnodes: list[nodes.Text]) -> Iterator[tuple[str, str]]:
        for txtnode in txtnodes:
            if self._may_curl(txtnode.parent) and (
                getattr(txtnode, "support_smartquotes", None) is not False
            ):
                text = str(txtnode)
                if "\x00" in text:  # as Sphinx: an escaped character stays as typed
                    text = re.sub(r'(?<=\x00)([-\\\'".`])', r"\\\1", text)
                yield "plain", text
            else:
                yield "literal", txtnode.astext()

    def _may_curl(self, element: nodes.Element | None) -> bool:
        if element is None:
            return True
        known = self._curlable.get(id(element))
        if known is None:
            known = (
                not isinstance(element, NON_SMARTQUOTABLE_PARENT_NODES)
                and element.get("support_smartquotes", None) is not False
                and self._may_curl(element.parent)
            )
            self._curlable[id(element)] = known
        return known


_DASHES = (
    smartquotes.educateDashes,
    smartquotes.educateDashesOldSchool,
    smartquotes.educateDashesOldSchoolInverted,
)


def educate_tokens(
    text_tokens: Iterable[tuple[str, str]], attr: str, language: str
) -> Iterator[str]:
    """docutils' ``smartquotes.educate_tokens`` for actions of the letters ``qbBdDie``.

    The same steps in the same order, each one taken only if the text holds
    what it acts on at that point: every step gives back any other text as it
    was. ``tests/test_speed.py`` compares the two on many awkward strings.
    """
    do_quotes = "q" in attr
    do_backticks: bool | int = "b" in attr
    if "B" in attr:
        do_backticks = 2
    do_dashes = 0
    for letter, kind in (("d", 1), ("D", 2), ("i", 3)):
        if letter in attr:
            do_dashes = kind
    do_ellipses = "e" in attr

    prev_token_last_char = " "
    for ttype, text in text_tokens:
        if ttype == "tag" or not text:
            yield text
            continue
        if ttype == "literal":
            prev_token_last_char = text[-1:]
            yield text
            continue
        last_char = text[-1:]
        if "\\" in text:
            text = smartquotes.processEscapes(text)
        if do_dashes and "--" in text:
            text = _DASHES[do_dashes - 1](text)
        if do_ellipses and (".." in text or ". ." in text):
            text = smartquotes.educateEllipses(text)
        if do_backticks and ("`" in text or "''" in text):
            text = smartquotes.educateBackticks(text, language)
        if do_backticks == 2 and ("`" in text or "'" in text):
            text = smartquotes.educateSingleBackticks(text, language)
        if do_quotes and ("'" in text or '"' in text):
            context = prev_token_last_char.replace('"', ";").replace("'", ";")
            text = smartquotes.educateQuotes(context + text, language)[1:]
        prev_token_last_char = last_char
        if "&#" in text:
            text = smartquotes.processEscapes(text, restore=True)
        yield text
