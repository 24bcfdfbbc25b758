"""The `archive` command line: parses options, calls the library, formats output.

Commands live in one module per area and are registered here; each module
exposes click commands that take the shared `ArchiveContext` (see common.py).
"""

import click

from archive.cli.common import archive_options


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@archive_options
def main() -> None:
    """Query, verify and maintain a news archive (WARC files + index database).

    \b
    Example:
      archive --dir ./archive search '"defence framework"' --site "The Hindu"
    """


def _register() -> None:
    # Imported late so that `archive --help` lists whatever areas are installed.
    import importlib

    for module_name in (
        "archive.cli.maintenance_cmds",
        "archive.cli.query_cmds",
        "archive.cli.replay_cmds",
        "archive.cli.extract_cmd",
        "archive.cli.stories_cmds",
        "archive.cli.serve_cmds",
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register()
