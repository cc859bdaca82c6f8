"""The ``chainrule`` command line: a thin layer over the public API.

Each subcommand has its parser in ``chainrule.cli.parsers`` (help text and arguments, nothing
heavier) and its work in ``chainrule.cli.<name>``, whose ``run(args) -> int`` goes through
the public API and returns the exit code; only the module of the command being run is
imported.

Bad input raises ``ValueError`` (or ``OSError`` for files); ``main`` turns it into one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from chainrule._util.text import check_text, one_line
from chainrule._util.version import __version__
from chainrule.cli import parsers


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description="Train small neural networks and explain any training step as a worked "
        "solution: forward values, error, every delta, every gradient, every updated weight.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in parsers.COMMANDS:
        getattr(parsers, name)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(f"chainrule.cli.{args.command}")
    try:
        with _terminated_as_exit():
            if isinstance(getattr(args, "title", None), str):  # printed on every page
                check_text(args.title, "--title")
            code = int(module.run(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except (ValueError, OSError, MemoryError, RecursionError) as exc:
        print(f"chainrule {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # SIGTERM: files being written are cleaned up on the way out
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2


#: The exit code when the reader of standard output went away (``chainrule demo | head -1``):
#: 128 + SIGPIPE, as a shell reports a command that a closed pipe stopped.
EXIT_PIPE = 128 + 13


def _pipe_closed() -> int:
    """Stop quietly: the rest of the output has no reader. Standard output is pointed at
    /dev/null so that Python's own flush at exit cannot fail again."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_PIPE


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM raises SystemExit(143) while a command runs, so that every ``finally`` runs and
    no temporary file is left behind (the main thread only; a no-op elsewhere)."""
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
