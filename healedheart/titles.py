"""A heading is plain text: ``# A & B <together>`` shows ``<together>`` in the page as
it does in the ``<title>``, lists and feeds, instead of an invisible HTML element."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.transforms import SphinxTransform


class PlainTextHeadings(SphinxTransform):
    """Turn raw HTML inside a section title back into the text the author typed."""

    # Before anything reads titles (Sphinx's title collector and ABlog both read
    # them on doctree-read, after all transforms).
    default_priority = 200

    def apply(self, **kwargs: Any) -> None:
        for title in self.document.findall(nodes.title):
            for raw in list(title.findall(nodes.raw)):
                if "html" in raw.get("format", "").split():
                    raw.replace_self(nodes.Text(raw.astext()))
