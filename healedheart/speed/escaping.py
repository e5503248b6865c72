"""A page's text escaped for HTML by five replacements, not a character table.

Docutils' HTML writer escapes every piece of text it writes (``&``, ``<``, ``"``,
``>`` and ``@``) with ``str.translate`` and a table of those five characters:
Python then looks up every character of the text in the table, one at a time.
For the prose of a page that is about 15 times slower than five ``str.replace``,
each of which scans the text in C and copies it only if it finds something. At
1000 posts the escaping was about 2.5% of a clean build's work.

The replacements give the same text: ``&`` goes first, and no replacement writes
a character another one looks for after it. They are used only while a writer's
table is docutils' own five characters; a writer with a table of its own
(none in this build) is left to ``str.translate``.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils.writers._html_base import HTMLTranslator

_state: dict[str, Any] = {"on": False}

# Docutils' table, as the replacements below do it, in order.
_REPLACED = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord('"'): "&quot;",
    ord(">"): "&gt;",
    ord("@"): "&#64;",
}


def start_build(app: Any) -> None:
    """Sphinx ``builder-inited``: on for this build unless the speed-ups are off."""
    _state["on"] = bool(app.config.blog_speedups)


def replaced(text: str) -> str:
    """``text`` with docutils' five characters escaped."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace(">", "&gt;")
        .replace("@", "&#64;")
    )


def install() -> None:
    """Wrap docutils' HTML writers' ``encode``. Once per process."""
    encode = HTMLTranslator.encode
    if getattr(encode, "healedheart_kept", False):
        return

    @functools.wraps(encode)
    def encode_by_replacing(self: Any, text: Any) -> str:
        if _state["on"] and self.special_characters == _REPLACED:
            return replaced(str(text))
        return encode(self, text)

    encode_by_replacing.healedheart_kept = True  # type: ignore[attr-defined]
    HTMLTranslator.encode = encode_by_replacing  # type: ignore[method-assign]
