"""``python -m healedheart.preview ARGS``: the live preview (``nox -s serve``).

Builds the site, serves it (starlette, uvicorn), and after every save (watchfiles)
builds again and has the open pages reload. ARGS are sphinx-build's, plus
``--host``, ``--port`` and ``--re-ignore`` (paths not to watch). Each build runs in
a fork of a warm process (``healedheart.warm``), a new one after a change of code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
import watchfiles
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .warm import WarmSphinx

#: A save is built once no other change has come for this long (an editor's burst).
QUIET_MS = 20
#: sphinx-build's options that take a value (its others take none).
SPHINX_VALUED = {"-b": "--builder", "-c": "--conf-dir", "-d": "--doctree-dir", "-j": "--jobs"}
SPHINX_VALUED |= {"-w": "--warning-file", "-D": "--define", "-A": "--html-define", "-t": "--tag"}
#: Added to every page served: it reloads when told to, after every build.
RELOAD = b"""<script>new WebSocket(`ws://${location.host}/websocket-reload`)
.onmessage = () => location.reload();</script>"""


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The preview's own options, and the arguments left for sphinx-build."""
    parser = argparse.ArgumentParser(prog="python -m healedheart.preview", allow_abbrev=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--re-ignore", action="append", default=[r"(^|/)(\.nox|venv)/"])
    options, sphinx_args = parser.parse_known_args(list(argv))
    sphinx = argparse.ArgumentParser(prog="sphinx-build", allow_abbrev=False, add_help=False)
    for short, long in SPHINX_VALUED.items():
        sphinx.add_argument(short, long, dest=short[1])
    sphinx.add_argument("folders", nargs="+")  # source, output, maybe file names
    folders = sphinx.parse_known_args(sphinx_args)[0]
    options.srcdir = Path(folders.folders[0]).resolve(strict=True)
    options.outdir = Path(folders.folders[1]).resolve()
    written = {Path(p).resolve() for p in (options.outdir, folders.d, folders.w) if p}
    patterns = [re.compile(regex) for regex in options.re_ignore]
    options.ignored = lambda path: (
        not written.isdisjoint([Path(path), *Path(path).parents])
        or any(p.search(path) for p in patterns)
    )
    return options, sphinx_args


def with_reload_script(app: Callable) -> Callable:
    """``app`` (ASGI), with :data:`RELOAD` at the end of every HTML page it sends."""

    async def served(scope: dict, receive: Callable, send: Callable) -> None:
        html = False

        async def sending(message: dict) -> None:
            nonlocal html
            if message["type"] == "http.response.start":
                headers = dict(message["headers"])
                if html := headers.get(b"content-type", b"").startswith(b"text/html"):
                    length = int(headers[b"content-length"]) + len(RELOAD)
                    message["headers"] = [*(headers | {b"content-length": b"%d" % length}).items()]
            elif html and not message.get("more_body"):
                message["body"] += RELOAD
            await send(message)

        await app(scope, receive, sending)

    return served


def main(argv: Sequence[str]) -> int:
    """Build the site, then serve it and rebuild it on every save until Ctrl+C."""
    options, sphinx_args = parse(argv)
    sys.stdout.reconfigure(line_buffering=True)  # each message seen as it is printed
    url = f"http://{options.host}:{options.port}"
    built = asyncio.Event()  # set after a build, then replaced for the next

    def build() -> None:
        if status := warm.build(sphinx_args):  # the last pages built are still served
            print(f"Sphinx exited with exit code: {status}. Fix the error above, save again.")
        print(f"Serving on {url}")

    async def rebuild_on_save() -> None:
        nonlocal built
        usual = watchfiles.DefaultFilter()  # not .git, __pycache__, editors' swap files
        wanted = lambda change, path: usual(change, path) and not options.ignored(path)  # noqa: E731
        async for changed in watchfiles.awatch(options.srcdir, watch_filter=wanted, step=QUIET_MS):
            print(f"Detected changes ({', '.join(sorted(Path(p).name for _, p in changed)[:5])})")
            print("Rebuilding...")
            if any(path.endswith(".py") for _, path in changed):
                warm.close()  # the site's code changed: a new warm process runs it
            await asyncio.to_thread(build)
            built.set()
            built = asyncio.Event()

    async def reload_page(websocket: WebSocket) -> None:  # an open page: "refresh" after builds
        await websocket.accept()
        with contextlib.suppress(WebSocketDisconnect, OSError):  # the page was closed
            while True:
                await built.wait()
                await websocket.send_text("refresh")

    @asynccontextmanager
    async def watching(app: Starlette):
        task = asyncio.create_task(rebuild_on_save())
        yield
        task.cancel()

    options.outdir.mkdir(parents=True, exist_ok=True)  # served even if the first build fails
    with WarmSphinx(options.srcdir) as warm, contextlib.suppress(KeyboardInterrupt):
        print("Starting initial build")
        build()
        pages = StaticFiles(directory=options.outdir, html=True)
        routes = [WebSocketRoute("/websocket-reload", reload_page), Mount("/", pages)]
        print("Waiting to detect changes...")
        app = with_reload_script(Starlette(routes=routes, lifespan=watching))
        uvicorn.run(app, host=options.host, port=options.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
