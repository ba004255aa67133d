"""The ``guinet`` command: the GUI by default, subcommands for headless work.

The command line is a public contract (design.md): extend, never rename.
Bad input exits non-zero with one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from guinet import __version__

SUBCOMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _fail(message: str, code: int = 2) -> int:
    print(f"guinet: {message}", file=sys.stderr)
    return code


def _subcommand(
    name: str,
) -> Callable[
    [Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]
]:
    def register(
        func: Callable[[argparse.Namespace], int],
    ) -> Callable[[argparse.Namespace], int]:
        SUBCOMMANDS[name] = func
        return func

    return register


@_subcommand("summary")
def _summary(args: argparse.Namespace) -> int:
    from guinet.core.project import Project, ProjectError
    from guinet.core.summary import summary_table

    try:
        project = Project.load(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    print(summary_table(project.model, project.name))
    problem = project.model.analyze().first_error
    if problem is not None:
        index, message = problem
        where = (
            f"layer {index + 1} ({project.model.layers[index].type}): "
            if index is not None
            else ""
        )
        return _fail(f"{project.display_name}: {where}{message}", code=1)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guinet",
        description="Design and train neural networks visually. "
        "With no subcommand, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"guinet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    summary = sub.add_parser(
        "summary", help="print the layer table: output shapes and parameters"
    )
    summary.add_argument("project", metavar="PROJECT")
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guinet",
        description="Design and train neural networks visually. Subcommands: "
        + ", ".join(SUBCOMMANDS)
        + " (see guinet COMMAND --help).",
    )
    parser.add_argument("--version", action="version", version=f"guinet {__version__}")
    parser.add_argument(
        "project", metavar="PROJECT", nargs="?", help="a .guinet file to open"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        args = build_parser().parse_args(argv)
        try:
            return SUBCOMMANDS[args.command](args)
        except KeyboardInterrupt:
            return _fail("interrupted", code=130)
    args = build_gui_parser().parse_args(argv)
    from guinet.gui.app import run

    return run(args.project)


def main_gui() -> int:
    return main()


if __name__ == "__main__":
    sys.exit(main())
