"""Smart quotes with the speed-ups (``healedheart.speed.quotes``) curl what Sphinx curls.

The transform and its steps are compared with docutils' and Sphinx's own on
awkward text: quotes split across inline markup, literals, raw HTML, escapes,
character references, dashes, ellipses, and blocks in other languages (one
without smart quotes, which docutils warns about). The whole site is compared
with and without the speed-ups in ``tests/test_speed.py``.
"""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.transforms.universal import SmartQuotes
from docutils.utils import smartquotes
from sphinx.transforms import SphinxSmartQuotes

from healedheart.speed import quotes

# Everything the rules act on, and some of what they look at around it.
AWKWARD = ["'", '"', "`", "\\", "-", ".", " ", "&", "#", "3", "4", ";", "(", "a", "s", "\x00"]
AWKWARD += ["--", "...", ". . .", "&#34;", "&#92;", "'80s", "\u2014", "don't", "\\'"]
ACTIONS = ["qDe", "q", "qde", "qBie", "qbe", "D", "e", "B", "b", "", "qbBdDie"]
LANGUAGES = ["en", "de", "fr", "en-x-altquot", "it", "ja", ""]


def _awkward(rng: random.Random) -> str:
    return "".join(rng.choice(AWKWARD) for _ in range(rng.randint(0, 12)))


def _tokens(rng: random.Random) -> list[tuple[str, str]]:
    kinds = ["plain"] * 6 + ["literal", "tag"]
    return [(rng.choice(kinds), _awkward(rng)) for _ in range(rng.randint(1, 5))]


def test_each_step_is_taken_where_docutils_would_change_something() -> None:
    rng = random.Random(8)
    changed = 0
    for _ in range(6000):
        tokens, action, language = _tokens(rng), rng.choice(ACTIONS), rng.choice(LANGUAGES)
        ours = list(quotes.educate_tokens(iter(tokens), action, language))
        theirs = list(smartquotes.educate_tokens(iter(tokens), attr=action, language=language))
        assert ours == theirs, (tokens, action, language)
        changed += ours != [text for _, text in tokens]
    assert changed > 2000  # most of these strings are curled somewhere


def test_text_said_to_be_unchangeable_is_left_unchanged_by_every_action() -> None:
    rng = random.Random(9)
    unchangeable = 0
    for _ in range(6000):
        text = _awkward(rng)
        if quotes.might_change(text):
            continue
        unchangeable += 1
        for action in ACTIONS:
            for context in (" ", "x", "\u201c"):
                tokens = [("literal", context), ("plain", text)]
                educated = list(smartquotes.educate_tokens(tokens, attr=action, language="en"))
                assert educated[1] == text, (text, action)
    assert unchangeable > 300
    assert quotes.might_change("it's") and quotes.might_change("&#34;")
    assert quotes.might_change("wait...") and quotes.might_change("a -- b")
    assert not quotes.might_change("A plain sentence - with a hyphen. Another.")


RST = r"""
"Quoted," she said -- and *"emphasised"* 'single' quotes... don't stop.

A quote "split *across* markup" and ``'literal' "code"`` left alone.

An escaped \"quote\" and \'apostrophe\', a reference &#34; typed as is.

.. raw:: html

   <p>"raw" stays</p>

.. class:: language-de

"Deutsch" mit 'Anführungszeichen'.

.. class:: language-xx

"No smart quotes" for this language.

.. class:: language-xx

"Warned once" for it.

.. class:: language-yy

Nothing to curl, but a language to warn about.

--option  "an option's" help text

* A list item with a 'quote'
* A plain list item
* Years: the '80s, and :math:`'x'`

Plain prose, with nothing to curl - only a hyphen.

Title with "quotes"
===================

Term "one"
   Its definition's text.
"""


def _document() -> nodes.document:
    document = publish_doctree(RST, settings_overrides={"report_level": 5, "smart_quotes": False})
    document.settings.smart_quotes = True
    # Sphinx's way to keep text straight: an element (not just the text's parent) says so.
    kept = nodes.inline("", "", nodes.emphasis("", 'kept "straight"'), support_smartquotes=False)
    document += nodes.paragraph("", "", nodes.Text('"Curled" but '), kept)
    document.reporter.stream = io.StringIO()
    document.reporter.report_level = 1
    return document


def _curled(apply: Any, action: str, alternative: bool = False) -> tuple[str, str]:
    document = _document()
    if alternative:
        document.settings.smart_quotes = "alt"
    transform = SphinxSmartQuotes(document, startnode=None)
    transform.smartquotes_action = action
    apply(transform)
    return document.pformat(), document.reporter.stream.getvalue()


@pytest.mark.parametrize("action", ["qDe", "qde", "qBie"])
@pytest.mark.parametrize("alternative", [False, True], ids=["plain", "alt"])
def test_a_document_is_curled_as_sphinx_curls_it(action: str, alternative: bool) -> None:
    # Sphinx's SphinxSmartQuotes.apply, past its is_available(): docutils' apply
    # with Sphinx's get_tokens.
    ours = _curled(quotes.educate_where_something_changes, action, alternative)
    theirs = _curled(SmartQuotes.apply, action, alternative)
    assert ours == theirs
    tree, warnings = ours
    assert "\u201cQuoted,\u201d" in tree or "\u201eDeutsch" in tree
    assert "'literal' \"code\"" in tree  # literal text is not curled
    assert 'kept "straight"' in tree and "\u201cCurled\u201d but" in tree
    assert warnings.count('No smart quotes defined for language "xx') == 1
    assert warnings.count('No smart quotes defined for language "yy') == 1


def test_a_block_with_nothing_to_curl_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    educated: list[list[tuple[str, str]]] = []
    educate = quotes.educate_tokens

    def noting(tokens: Any, *args: Any) -> Any:
        tokens = list(tokens)
        educated.append(tokens)
        return educate(iter(tokens), *args)

    monkeypatch.setattr(quotes, "educate_tokens", noting)
    tree, _ = _curled(quotes.educate_where_something_changes, "qDe")
    texts = ["".join(text for _, text in tokens) for tokens in educated]
    assert any(text.startswith('"Quoted,"') for text in texts)
    assert "A plain list item" not in texts
    assert not any(text.startswith("Plain prose") for text in texts)
    assert "Plain prose, with nothing to curl - only a hyphen." in tree


def test_the_transform_is_sphinx_s_own_with_the_speedups_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(quotes, "educate_where_something_changes", lambda t: calls.append("ours"))
    apply = quotes._skipping_plain_text(lambda t, **kw: calls.append("sphinx"))
    transform = SimpleTransform(action="qDe")
    monkeypatch.setitem(quotes._state, "on", False)
    apply(transform)
    monkeypatch.setitem(quotes._state, "on", True)
    apply(transform)
    apply(SimpleTransform(action="qDew"))  # 'w' is not covered: docutils' own code
    apply(SimpleTransform(action="qDe", available=False))  # Sphinx said no: nothing
    assert calls == ["sphinx", "ours", "sphinx"]


class SimpleTransform:
    """What the wrapper asks of Sphinx's transform: its configured action and is_available()."""

    def __init__(self, action: str, available: bool = True) -> None:
        self.config = type("Config", (), {"smartquotes_action": action})()
        self._available = available

    def is_available(self) -> bool:
        return self._available
