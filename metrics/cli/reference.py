"""The command reference: `commands` prints every command's usage and what it does, read from the parser itself (the
README's table of commands is its `--markdown`, and a test keeps the two equal)."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from .common import EXIT_OK, common_options


@dataclass(frozen=True)
class Command:
    """A command that runs (a subcommand such as `user add`, never the group `user`), with its parser."""

    path: tuple[str, ...]
    parser: argparse.ArgumentParser

    @property
    def name(self) -> str:
        """The words that name the command: `init`, `user add`."""
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        """The command and its arguments, compactly: positionals, required options, then the rest in brackets; the
        options every command takes are left out."""
        common = {option for action in common_options()._actions for option in action.option_strings}
        positionals, required, optional = [], [], []
        for action in self.parser._actions:
            if isinstance(action, argparse._HelpAction) or common.intersection(action.option_strings):
                continue
            if not action.option_strings:
                positionals.append(_repeated(action, str(action.metavar or action.dest.upper())))
            elif action.required:
                required.append(_option(action))
            else:
                optional.append(f"[{_option(action)}]")
        return " ".join([*self.path, *positionals, *required, *optional])

    @property
    def does(self) -> str:
        """What the command does, as its `--help` says it (its parser's description)."""
        return self.parser.description or ""


def _option(action: argparse.Action) -> str:
    """`--flag`, `--out DIR`, `--format csv|xlsx`, `--city CODE …`."""
    flag = max(action.option_strings, key=len)
    if action.nargs == 0:
        return flag
    if action.metavar is None and action.choices is not None:
        return f"{flag} {'|'.join(map(str, action.choices))}"
    return f"{flag} {_repeated(action, str(action.metavar or action.dest.upper()))}"


def _repeated(action: argparse.Action, metavar: str) -> str:
    """A value as many times as the action takes it."""
    if action.nargs == "+":
        return f"{metavar} …"
    if action.nargs == "*":
        return f"[{metavar} …]"
    if action.nargs == "?":
        return f"[{metavar}]"
    return metavar


def subcommands(parser: argparse.ArgumentParser) -> Mapping[str, argparse.ArgumentParser]:
    """A parser's commands by name, as its --help lists them (none for a command that runs)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def leaf_commands(commands: Mapping[str, argparse.ArgumentParser], path: tuple[str, ...] = ()) -> list[Command]:
    """Every command that runs, in the order of --help, a group (`user`, `round`) standing for its subcommands."""
    found = []
    for name, parser in commands.items():
        inner = subcommands(parser)
        found.extend(leaf_commands(inner, (*path, name)) if inner else [Command((*path, name), parser)])
    return found


def markdown(commands: list[Command]) -> str:
    """The README's table of commands: one row per command that runs, its usage and what it does."""
    lines = ["| command | does |", "| --- | --- |"]
    for command in commands:
        lines.append(f"| `{_cell(command.usage)}` | {_cell(command.does)} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def listing(commands: list[Command]) -> str:
    """Every command's usage and, indented below it, what it does, wrapped to the terminal."""
    width = min(shutil.get_terminal_size().columns, 100) - 2
    return "\n\n".join(
        f"{c.usage}\n{textwrap.fill(c.does, width, initial_indent='    ', subsequent_indent='    ')}" for c in commands
    )


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register commands."""
    listed = commands.add_parser(
        "commands",
        parents=[common],
        help="every command's usage and what it does",
        description="every command's usage and what it does, as each one's `--help` says it; with `--markdown`, "
        "the README's table of commands, which a test keeps equal to this",
    )
    listed.add_argument("--markdown", action="store_true", help="print the README's Markdown table")
    # The run sees only its own arguments: it is handed the commands (all registered by the time it runs).
    listed.set_defaults(run=run_commands, commands=commands)


def run_commands(args: argparse.Namespace, lang: str) -> int:
    """commands: every command that runs, as text or as the README's Markdown table."""
    found = leaf_commands(args.commands.choices)
    print(markdown(found) if args.markdown else listing(found))
    return EXIT_OK
