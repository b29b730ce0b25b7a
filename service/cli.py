"""``escalert``: the command line.

Each concern registers its own commands from its own package (detection, stream, alerts); this
module only assembles them, so ``escalert --help`` lists everything while a command imports only
what it uses (Faust and Apprise are slow to import and ``detect`` needs neither).

Exit codes: service/exit_codes.py.
"""

from __future__ import annotations

import importlib

import click

from service.exit_codes import SUMMARY

# Modules that expose ``commands: list[click.Command]``.
COMMAND_MODULES = (
    "service.detection.commands",
    "service.stream.commands",
    "service.alerts.commands",
    "service.ingest.commands",
    "service.desk.commands",
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=SUMMARY,
)
@click.version_option(package_name="escalert")
def main() -> None:
    """escalert: detect geopolitical escalation signals in news and alert on them.

    Articles in (files or the Kafka `articles` topic), PLOVER-typed signals with evidence out
    (stdout or the `signals` topic), alerts to people through Apprise.
    """
    from service.logs import setup_cli_logging

    setup_cli_logging()


for _name in COMMAND_MODULES:
    for _cmd in importlib.import_module(_name).commands:
        main.add_command(_cmd)
