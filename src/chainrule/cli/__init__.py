"""The ``chainrule`` command line: ``main(argv) -> int`` over the public API.

Each subcommand is a module here (``demo``, ``train``, ``explain``, ``check``, ``problem``,
``examples``, ``report``) with ``run(args) -> int``; their parsers are in ``parsers``.
"""

from chainrule.cli.entry import main

__all__ = ["main"]
