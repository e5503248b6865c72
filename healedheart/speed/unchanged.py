"""A rebuild that reads nothing does not re-render the pages extensions generate.

ABlog generates its list pages (all posts, each year, tag, category and author,
and their indexes) on every build, from its record of the posts. At 1000 posts
that is about forty pages, two of them listing every post with its excerpt, and
they are most of what a no-change rebuild costs (the preview rebuilds on every
save, the deploy on every push).

Such a page can only change if the posts, the other documents, the configuration,
the templates or the static files change. So in a build that reads no file and
removes none, whose configuration, templates, static files and documents are
those of the previous build, and whose environment is the one that build saved,
a generated page whose file is still exactly what was written then (same
modification time and size) is not rendered again: it is left on disk and only
noted for the sitemap. The same holds in a build that did read files, if what
they changed is only some posts' titles, excerpts or reading times
(``healedheart.freshness`` tells), for every page that does not link to one of
those posts (``mentions``). Any other build renders every generated page, as before,
and first forgets the stamps, so that a build that fails half-way cannot leave a
page behind that the next build would trust.

The pages are still *collected* from the extensions, so whatever the collectors
do besides (ABlog registering its posts, our feeds being written) still happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .. import publishing
from . import mentions, sitemap

STAMPS_FILE = "healedheart-generated-pages.json"
VERSION = 1  # bump when what the stamps stand for changes
_ENV_ID = "healedheart_environment_id"
Page = tuple[str, dict[str, Any], str]


# -- What this build reads ----------------------------------------------------


def _activity(app: Sphinx) -> set[str]:
    if not hasattr(app, "_healedheart_activity"):
        app._healedheart_activity = set()  # type: ignore[attr-defined]
    return app._healedheart_activity  # type: ignore[attr-defined]


def activity(app: Sphinx) -> frozenset[str]:
    """The documents this build has read or removed so far (for ``search``)."""
    return frozenset(_activity(app))


def note_removed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Sphinx ``env-get-outdated``: note the documents this build removes."""
    _activity(app).update(removed)
    return []


def note_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Sphinx ``env-before-read-docs``: note the documents this build reads."""
    _activity(app).update(docnames)


def prepare(app: Sphinx, env: BuildEnvironment) -> None:
    """Sphinx ``env-updated``: name the environment; decide whether the stamps hold.

    Decided here, before anything is written, so that stamps that do not hold are
    deleted before a page is rewritten.
    """
    if not app.config.blog_speedups or app.builder.format != "html":
        return
    if not getattr(env, _ENV_ID, None):
        setattr(env, _ENV_ID, uuid.uuid4().hex)  # pickled with the environment
    app._healedheart_stamps = Stamps(app)  # type: ignore[attr-defined]


# -- Stamps of the pages written ----------------------------------------------


class Stamps:
    """The generated pages of the previous build, and whether they can be trusted."""

    def __init__(self, app: Sphinx):
        self.app = app
        self.path = Path(app.doctreedir) / STAMPS_FILE
        self.environment = getattr(app.env, _ENV_ID, "")
        self.inputs = _inputs(app)
        self.written: dict[str, list[int]] = {}
        previous: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            previous = json.loads(self.path.read_text(encoding="utf-8"))
        same = (
            previous.get("version") == VERSION
            and previous.get("environment") == self.environment
            and previous.get("inputs") == self.inputs
        )
        self.trusted: dict[str, list[int]] = previous.get("pages", {}) if same else {}
        if self.trusted and _activity(app):
            # Files were read or removed. If that changed no more than some posts'
            # titles, excerpts or reading times (healedheart.freshness), only the
            # pages that link to those posts can differ; otherwise any page can.
            changes = getattr(app, "healedheart_changes", None)
            if changes is None or changes.everything or changes.other_documents:
                self.trusted = {}
            elif changes.posts:
                stale = mentions.pages_mentioning(app, changes.posts, self.trusted)
                self.trusted = {p: s for p, s in self.trusted.items() if p not in stale}
        if self.trusted != previous.get("pages"):
            # Some pages are rendered again: until this build succeeds, the stamps
            # on disk cannot be trusted (a page due to be re-rendered still has one).
            self.path.unlink(missing_ok=True)

    def unchanged(self, pagename: str) -> bool:
        stamp = self.trusted.get(pagename)
        if stamp is None or stamp != _stamp(self.app, pagename):
            return False
        self.written[pagename] = stamp
        return True

    def record(self, pagename: str) -> None:
        stamp = _stamp(self.app, pagename)
        if stamp is not None:
            self.written[pagename] = stamp

    def save(self) -> None:
        data = {
            "version": VERSION,
            "environment": self.environment,
            "inputs": self.inputs,
            "pages": dict(sorted(self.written.items())),
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=0), encoding="utf-8")
        os.replace(tmp, self.path)


def _stamp(app: Sphinx, pagename: str) -> list[int] | None:
    try:
        stat = os.stat(app.builder.get_outfilename(pagename))
    except OSError:
        return None
    return [stat.st_mtime_ns, stat.st_size]


def _inputs(app: Sphinx) -> str:
    """A digest of what a generated page depends on besides the environment."""
    builder = app.builder
    config = app.config
    build_info = getattr(builder, "build_info", None)
    templates = getattr(builder, "templates", None)
    parts = [
        getattr(build_info, "config_hash", ""),
        getattr(build_info, "tags_hash", ""),
        templates.newest_template_mtime() if templates else 0,
        _newest_mtime(Path(app.confdir), [*config.html_static_path, *config.html_extra_path]),
        sorted(app.env.found_docs),
        # ABlog files a post dated tomorrow as a draft: the day matters (in the preview).
        publishing.today(config.blog_timezone, config.blog_today).isoformat(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


def _newest_mtime(root: Path, folders: Iterable[str]) -> int:
    newest = 0
    for folder in folders:
        for base, _dirs, files in os.walk(root / folder):
            for name in files:
                newest = max(newest, os.stat(os.path.join(base, name)).st_mtime_ns)
    return newest


# -- Generating pages ------------------------------------------------------------


def wrap_page_generators(app: Sphinx) -> None:
    """Sphinx ``builder-inited``: pass every ``html-collect-pages`` listener through ``_skip``."""
    if not app.config.blog_speedups or app.builder.format != "html":
        return
    listeners = app.events.listeners["html-collect-pages"]
    for i, listener in enumerate(listeners):
        listeners[i] = listener._replace(handler=_skipping(listener.handler))


def _skipping(collect: Callable[[Sphinx], Iterable[Page] | None]) -> Callable[[Sphinx], Any]:
    def collect_changed_pages(app: Sphinx) -> Iterator[Page]:
        return _skip(app, collect(app) or ())

    return collect_changed_pages


def _skip(app: Sphinx, pages: Iterable[Page]) -> Iterator[Page]:
    stamps: Stamps | None = getattr(app, "_healedheart_stamps", None)
    if stamps is None:
        yield from pages
        return
    written = None
    for pagename, context, template in pages:
        if written is not None:  # Sphinx has written it by the time it asks for the next
            stamps.record(written)
            written = None
        if stamps.unchanged(pagename):
            sitemap.note_page(app, pagename)
            continue
        yield pagename, context, template
        written = pagename
    if written is not None:
        stamps.record(written)


def record_written(app: Sphinx, pagenames: list[str]) -> None:
    """Stamp pages written outside Sphinx's own loop, once they are all written."""
    stamps: Stamps | None = getattr(app, "_healedheart_stamps", None)
    if stamps is not None:
        for pagename in pagenames:
            stamps.record(pagename)


def save_stamps(app: Sphinx, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: after a successful build, the stamps of its pages."""
    stamps = getattr(app, "_healedheart_stamps", None)
    if exception is None and stamps is not None:
        stamps.save()
