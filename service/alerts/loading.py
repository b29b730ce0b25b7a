"""What the alert commands load: the alert settings, the subscriptions file, the silence store.

Each mistake is one line on stderr and exit 2 (``escalert alerts ...``, ``escalert silence ...``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from service.exit_codes import EXIT_USAGE


def alert_settings() -> Any:
    """The ESCALERT_ALERTS_* settings; a wrong one is one line on stderr and exit 2."""
    from pydantic import ValidationError

    from service.alerts.settings import AlertSettings

    try:
        return AlertSettings()
    except ValidationError as exc:
        from service.config import describe_settings_error

        click.echo(f"error: {describe_settings_error(exc)}", err=True)
        sys.exit(EXIT_USAGE)


def load_subs(path: Path | None) -> Any:
    """The subscriptions file, checked; a mistake is one line (every problem) and exit 2."""
    from service.alerts.subscriptions import SubscriptionsError, load_subscriptions

    settings = alert_settings()
    if path is None:
        path = settings.subscriptions
    if path is None:
        click.echo("error: no subscriptions file: pass --subscriptions FILE or set "
                   "ESCALERT_ALERTS_SUBSCRIPTIONS", err=True)
        sys.exit(EXIT_USAGE)
    try:
        return load_subscriptions(path, file_root=settings.file_root)
    except SubscriptionsError as exc:
        click.echo(f"error: invalid subscriptions file {exc}", err=True)
        sys.exit(EXIT_USAGE)


def silence_store(store: Path | None, subscriptions: Path | None) -> Any:
    """The silence store: ``store``, else ESCALERT_ALERTS_SILENCES_PATH, else beside the
    subscriptions file."""
    from service.alerts.silences import SilenceStore, default_store_path

    settings = alert_settings()
    path = store or settings.silences_path
    if path is None:
        subs = subscriptions or settings.subscriptions
        if subs is None:
            click.echo("error: where are the silences? pass --store PATH or --subscriptions FILE "
                       "(the store is <name>.silences.json beside it)", err=True)
            sys.exit(EXIT_USAGE)
        path = default_store_path(subs)
    return SilenceStore(path)
