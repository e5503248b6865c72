"""Links to other websites get ``rel="noopener"`` (no ``window.opener``), and no
``target="_blank"``, so that the back button keeps working."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

REL = "noopener"


def is_external(refuri: str, base_url: str) -> bool:
    """True for a link to another website (not this site's own address)."""
    parts = urlsplit(refuri)
    if parts.scheme not in ("http", "https") and not refuri.startswith("//"):
        return False
    return not (base_url and refuri.startswith(base_url))


class ExternalLinksNoopener(SphinxPostTransform):
    """Mark every link to another website ``rel="noopener"`` (HTML builders)."""

    default_priority = 800
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        base_url = self.config.html_baseurl or ""
        for ref in self.document.findall(nodes.reference):
            refuri = ref.get("refuri", "")
            if refuri and not ref.get("internal") and is_external(refuri, base_url):
                rels = ref.get("rel", "").split()
                if REL not in rels:
                    ref["rel"] = " ".join([*rels, REL])
