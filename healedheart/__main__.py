"""``python -m healedheart check`` and ``new`` (``nox -s check``, ``nox -s new``): sentences,
never a traceback; exit 0 when all is well, 1 when posts need fixing, 2 when it could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

OK, PROBLEMS, FAILED = 0, 1, 2

REPORT_BUG = (
    "Something went wrong inside the blog's tools, not in your posts: {error}. "
    "Please send this message to whoever looks after the blog's code."
)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors said as a sentence and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.endswith("required: title"):
            self.exit(
                FAILED, 'Give the post a title, in quotes: nox -s new -- "Title of the post"\n'
            )
        self.exit(
            FAILED,
            f"{self.prog}: {message}.\nRun '{self.prog} --help' to see how to use it.\n",
        )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m healedheart",
        description="Check the blog's posts, or start a new one.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{check,new}", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser(
        "check", help="check every post for mistakes, without building the site"
    )

    new = commands.add_parser("new", help="start a new post, as a draft")
    new.add_argument("title", help='the title of the post, in quotes: "Title of the post"')
    new.add_argument("--tags", default="", help="tags, separated by commas: attachment,therapy")
    new.add_argument("--category", default="", help="the post's category: Reflections")
    new.add_argument("--date", default="", help="the post's date, YYYY-MM-DD (default: today)")
    for command in (check, new):
        command.add_argument(
            "--root", type=Path, default=Path("."), help="the blog's folder (with conf.py)"
        )
    return parser


def _settings(root: Path):  # -> checks.Settings
    from . import checks

    if not (root / "conf.py").is_file():
        raise _Stop(
            f"There is no conf.py in {root.resolve()}, so this is not the blog's folder. "
            "Run the command from the blog's folder, or give it with --root."
        )
    try:
        return checks.settings_from_conf(root)
    except Exception as exc:  # conf.py is code: any error in it stops here
        raise _Stop(
            f"The blog's settings file, conf.py, could not be read ({type(exc).__name__}: "
            f"{exc}). Undo the last change to conf.py, or ask whoever looks after the code."
        ) from None


class _Stop(Exception):
    """A plain sentence to print before exiting with status 2."""


def run_check(root: Path) -> int:
    from . import checks

    report = checks.check_site(root, _settings(root))
    print(checks.format_report(report))
    return PROBLEMS if report.problems else OK


def run_new(args: argparse.Namespace) -> int:
    from . import newpost

    settings = _settings(args.root)
    try:
        result = newpost.create(
            args.root,
            args.title,
            tags=args.tags,
            category=args.category,
            date=args.date,
            settings=settings,
        )
    except newpost.NewPostError as exc:
        print(str(exc), file=sys.stderr)
        return PROBLEMS
    print(result.message)
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; return the exit status. Never lets a traceback out."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "check":
            return run_check(args.root)
        return run_new(args)
    except _Stop as exc:
        print(str(exc), file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return FAILED
    except SystemExit as exc:  # argparse's --help and usage errors
        return exc.code if isinstance(exc.code, int) else FAILED
    except Exception as exc:
        print(REPORT_BUG.format(error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        if os.environ.get("HEALEDHEART_DEBUG"):  # for the maintainer, never shown otherwise
            traceback.print_exc()
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
