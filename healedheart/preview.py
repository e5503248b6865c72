"""``python -m healedheart.preview ARGS``: the live preview (``nox -s serve``).

It does what sphinx-autobuild does, from the same pieces (starlette, uvicorn,
watchfiles, and sphinx-autobuild's script that reloads an open page): build the
site, serve it, and whenever a watched file is saved, build it again and have
the open pages reload themselves. ARGS are sphinx-build's, plus ``--host``,
``--port``, ``--re-ignore``, ``--ignore`` and ``--watch`` as sphinx-autobuild
reads them.

Two differences, both for the time from saving a post to seeing it:

- each build runs in a fork of a warm process that has Sphinx loaded already
  (``healedheart.warm``), not in a fresh ``python -m sphinx`` process;
- a build starts as soon as the save is seen (after ``QUIET_MS`` without another
  change), in this process, where sphinx-autobuild forked a new pool of worker
  processes for every change.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
import watchfiles
from sphinx.cmd.build import get_parser as sphinx_build_parser
from sphinx_autobuild.filter import IgnoreFilter
from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
from sphinx_autobuild.utils import show_message
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .warm import WarmSphinx

#: A save is built once no other change has come for this long. Editors write a
#: file in one burst of a few events, well within it.
QUIET_MS = 20
#: Never watched, besides what watchfiles' DefaultFilter leaves out (.git, .venv,
#: __pycache__, editors' swap and backup files...) and what the build writes.
IGNORED = [".nox", "venv"]


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The preview's own options, and the arguments left for sphinx-build."""
    parser = argparse.ArgumentParser(prog="python -m healedheart.preview", allow_abbrev=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--re-ignore", action="append", default=[], metavar="REGEX")
    parser.add_argument("--ignore", action="append", default=[], metavar="GLOB")
    parser.add_argument("--watch", action="append", default=[], metavar="DIR", type=Path)
    options, sphinx_args = parser.parse_known_args(list(argv))
    sphinx = sphinx_build_parser().parse_args(sphinx_args)  # its own errors, as sphinx-build
    options.srcdir = Path(sphinx.sourcedir).resolve(strict=True)
    options.outdir = Path(sphinx.outputdir).resolve()
    written = [options.outdir, sphinx.doctreedir, sphinx.warnfile]
    ignored = [*IGNORED, *options.ignore, *filter(None, written)]
    options.ignored = IgnoreFilter([Path(p).resolve() for p in ignored], options.re_ignore)
    return options, sphinx_args


class Preview:
    """Builds the site on every save, and tells the open pages to reload."""

    def __init__(self, warm: WarmSphinx, sphinx_args: list[str], url: str) -> None:
        self.warm, self.sphinx_args, self.url = warm, sphinx_args, url
        self.built = asyncio.Event()  # set after a build; then replaced, for the next

    def build(self) -> None:
        """Build the site (in the warm process); say so if it fails."""
        if status := self.warm.build(self.sphinx_args):
            print(
                f"Sphinx exited with exit code: {status}\n"
                "The preview keeps serving the last pages built; fix the error above "
                "and save again, or press Ctrl+C to stop it."
            )
        show_message(f"Serving on {self.url}")

    async def rebuild_on_save(self, folders: list[Path], ignored: IgnoreFilter) -> None:
        """Build again after every save in ``folders``, then reload the open pages."""
        usual = watchfiles.DefaultFilter()
        wanted = lambda change, path: usual(change, path) and not ignored(path)  # noqa: E731
        async for changed in watchfiles.awatch(*folders, watch_filter=wanted, step=QUIET_MS):
            names = sorted(Path(path).name for _, path in changed)
            show_message(f"Detected changes ({', '.join(names[:5])})")
            show_message("Rebuilding...")
            await asyncio.to_thread(self.build)
            self.built.set()
            self.built = asyncio.Event()

    async def reload_page(self, websocket: WebSocket) -> None:
        """An open page's connection: "refresh" after every build (the page reloads)."""
        await websocket.accept()
        with contextlib.suppress(WebSocketDisconnect, OSError):  # the page was closed
            while True:
                await self.built.wait()
                await websocket.send_text("refresh")


def main(argv: Sequence[str]) -> int:
    """Build the site, then serve it and rebuild it on every save until Ctrl+C."""
    options, sphinx_args = parse(argv)
    host = f"{options.host}:{options.port}"
    folders = [options.srcdir, *(folder.resolve() for folder in options.watch)]
    options.outdir.mkdir(parents=True, exist_ok=True)  # served even if the first build fails
    with WarmSphinx(options.srcdir) as warm, contextlib.suppress(KeyboardInterrupt):
        preview = Preview(warm, sphinx_args, f"http://{host}")
        show_message("Starting initial build")
        preview.build()

        @asynccontextmanager
        async def watching(app: Starlette):
            task = asyncio.create_task(preview.rebuild_on_save(folders, options.ignored))
            yield
            task.cancel()

        app = Starlette(
            routes=[
                WebSocketRoute("/websocket-reload", preview.reload_page),
                Mount("/", app=StaticFiles(directory=options.outdir, html=True)),
            ],
            lifespan=watching,
        )
        show_message("Waiting to detect changes...")
        # The script in every page that opens /websocket-reload (sphinx-autobuild's).
        served = JavascriptInjectorMiddleware(app, ws_url=host)
        uvicorn.run(served, host=options.host, port=options.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
