"""The command line: `python -m metrics COMMAND …`; each module here registers its commands and runs them.

Exit status: 0 success; 1 the input was refused and nothing was written; 2 usage or environment problem.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..domain.i18n import default_lang
from ..store.creation import AlreadyExists
from ..store.database import DatabaseError
from . import accounts, assessment, changes, data, decks, reference, releases, rounds, rules, uploads
from .common import EXIT_ENVIRONMENT, EXIT_OK, EXIT_REFUSED, Parser, UsageError, common_options

COMMAND_MODULES = (data, decks, uploads, rounds, rules, assessment, releases, changes, accounts, reference)
EPILOG = (
    "Every command also takes --db PATH and --lang zh|en. `python -m metrics COMMAND --help` says what a command "
    "does and what its --json prints; `python -m metrics commands` says it of them all."
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    common = common_options()
    parser = Parser(prog="python -m metrics", description="Pilot-city innovation dashboard: data tools.", epilog=EPILOG)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status; user mistakes print a message, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return int(exc.code or 0)
    lang = args.lang or default_lang()
    try:
        return int(args.run(args, lang))
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except UsageError as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_ENVIRONMENT
    except DatabaseError as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED if isinstance(exc, AlreadyExists) else EXIT_ENVIRONMENT
