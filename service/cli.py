"""``escalert``: the command line.

Each concern registers its own commands from its own package (detection, stream, alerts); this
module only assembles them, so ``escalert --help`` lists everything while a command imports only
what it uses (Faust and Apprise are slow to import and ``detect`` needs neither).

Exit codes: 0 success; 1 the command ran but some inputs were invalid or some work failed;
2 usage or configuration error; 3 a required service (Kafka, a receiver) was unreachable.
"""

from __future__ import annotations

import importlib

import click

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3

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
    epilog="Exit status: 0 ok, 1 some inputs invalid or some work failed, "
    "2 usage or configuration error, 3 a required service was unreachable.",
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
