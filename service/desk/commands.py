"""``escalert desk``: the history store's consumer, the API and the web page in one process.

Exit codes: 0 stopped cleanly; 2 a configuration mistake (one line); 3 Kafka or the database
unreachable.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import click

from service.exit_codes import EXIT_UNAVAILABLE, EXIT_USAGE

TOKEN_FILE = "desk.token"
log = logging.getLogger(__name__)


def _fail(code: int, message: str) -> None:
    click.echo(f"escalert desk: {message}", err=True)
    sys.exit(code)


def load_desk_settings() -> Any:
    """ESCALERT_DESK_*; a mistake is one line naming the variable, and exit 2."""
    from pydantic import ValidationError

    from service.desk.settings import DeskSettings, describe_error

    try:
        return DeskSettings()
    except ValidationError as exc:
        _fail(EXIT_USAGE, describe_error(exc))


def desk_token(desk: Any, data_dir: Path) -> tuple[str, Path | None]:
    """The configured token, or one generated now and written (mode 0600) to the data dir."""
    if desk.token is not None:
        value = desk.token.get_secret_value().strip()
        if not value:
            _fail(EXIT_USAGE, "ESCALERT_DESK_TOKEN is set but empty")
        return value, None
    path = Path(data_dir) / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value, path


class _Subscriptions:
    """The subscriptions file, re-read when it changes (at most every ``interval`` seconds)."""

    def __init__(self, reloader: Any, interval: float) -> None:
        self.reloader = reloader
        self.interval = interval
        self._next = 0.0

    def __call__(self) -> Any:
        if self.reloader is None:
            return None
        if time.monotonic() >= self._next:
            self.reloader.poll()
            self._next = time.monotonic() + self.interval
        return self.reloader.current


def alert_sources(settings: Any) -> tuple[Any, Any]:
    """(subscriptions callable, SilenceStore | None) from ESCALERT_ALERTS_*; mistakes exit 2."""
    from service.alerts.silences import SilenceStore, default_store_path
    from service.alerts.subscriptions import SubscriptionsError, SubscriptionsReloader

    alerts = getattr(settings, "alerts", None)
    subs_path = getattr(alerts, "subscriptions", None)
    reloader = None
    if subs_path is not None:
        try:
            reloader = SubscriptionsReloader(subs_path, file_root=alerts.file_root)
        except SubscriptionsError as exc:
            _fail(EXIT_USAGE, f"invalid subscriptions file {exc}")
    store_path = getattr(alerts, "silences_path", None) or (
        default_store_path(subs_path) if subs_path is not None else None)
    silences = SilenceStore(store_path) if store_path is not None else None
    interval = getattr(alerts, "reload_interval", 5.0)
    return _Subscriptions(reloader, interval), silences


def build(settings: Any, desk: Any, *, consume: bool = True, rebuild: bool = False,
          token: str | None = None) -> tuple[Any, Any, Any]:
    """(FastAPI app, store, consumer or None), everything wired; the consumer is not started."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from service.desk.api import DeskContext, Hub, create_app
    from service.desk.consumer import DeskConsumer
    from service.desk.store import Store, StoreError, safe_url

    url = desk.database_url(settings.data_dir)
    try:
        store = Store.open(url)
    except StoreError as exc:
        _fail(EXIT_UNAVAILABLE, str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. a driver missing: one line, no traceback
        _fail(EXIT_USAGE, f"cannot open the desk store {safe_url(url)}: {exc}")
    subs, silences = alert_sources(settings)
    hub = Hub()
    consumer = (DeskConsumer(settings, desk, store, on_batch=hub.publish_threadsafe, rebuild=rebuild)
                if consume else None)

    def health() -> dict[str, Any]:
        if consumer is None:
            return {"consumer": "off"}
        return {"consumer": "retrying" if consumer.error else "running",
                "last_error": str(consumer.error) if consumer.error else None, "stored": consumer.stored,
                "rejected": consumer.rejected, "group_id": consumer.group_id}

    ctx = DeskContext(store=store, token=token or secrets.token_urlsafe(24), hub=hub,
                      reads_need_token=desk.reads == "token",
                      subscriptions=subs, silences=silences, health=health)
    app = create_app(ctx)
    if desk.host not in ("0.0.0.0", "::"):
        # A page elsewhere cannot reach the desk through a DNS name rebound to loopback.
        app.add_middleware(TrustedHostMiddleware,
                           allowed_hosts=sorted({desk.host, "127.0.0.1", "localhost", "[::1]", "::1"}))
    return app, store, consumer


def _port_problem(host: str, port: int) -> str | None:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return (f"cannot listen on {host}:{port} (ESCALERT_DESK_HOST / ESCALERT_DESK_PORT): "
                    f"{exc.strerror or exc}")
    return None


@click.command("desk")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="Settings file (.yaml, .toml or .env); also ESCALERT_CONFIG.")
@click.option("--host", default=None, help="Bind address (default ESCALERT_DESK_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default ESCALERT_DESK_PORT, 8088).")
@click.option("--rebuild", is_flag=True,
              help="Delete every stored row and read every topic again from its earliest offset.")
@click.option("--consume/--no-consume", default=True, show_default=True,
              help="Feed the store from Kafka (off: serve what is stored).")
def desk(config: str | None, host: str | None, port: int | None, rebuild: bool, consume: bool) -> None:
    """The analyst's desk: history of signals, events, alerts and deliveries, the calendar,
    trajectories and silences, as a web page and an HTTP API (http://127.0.0.1:8088/).

    The store is SQLite in the data directory unless ESCALERT_DESK_URL names a PostgreSQL
    database. Changes (silences) need the token: ESCALERT_DESK_TOKEN, or a generated one written
    to <data dir>/desk.token.
    """
    from service.stream.commands import load_command_settings

    settings = load_command_settings(config)
    d = load_desk_settings()
    if host is not None or port is not None:
        d = d.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v is not None})
    problem = _port_problem(d.host, d.port)
    if problem:
        _fail(EXIT_USAGE, problem)
    if consume:
        from service.stream.clients import BrokerUnreachable, check_reachable

        try:
            check_reachable(settings)
        except BrokerUnreachable as exc:
            _fail(EXIT_UNAVAILABLE, str(exc))
    token, token_path = desk_token(d, settings.data_dir)
    app, store, consumer = build(settings, d, consume=consume, rebuild=rebuild, token=token)
    from service.desk.store import safe_url

    click.echo(f"escalert desk: http://{d.host}:{d.port}/ (store {safe_url(d.database_url(settings.data_dir))}"
               f"{'; consumer group ' + consumer.group_id if consumer else '; not consuming'})", err=True)
    what = "reads and changes" if d.reads == "token" else "changes"
    if token_path is not None:
        click.echo(f"escalert desk: the token for {what} is in {token_path.resolve()}", err=True)
    elif d.reads == "token":
        click.echo("escalert desk: reads need the token too (ESCALERT_DESK_READS=token)", err=True)
    if consumer is not None:
        consumer.start()
    import uvicorn

    try:
        uvicorn.run(app, host=d.host, port=d.port, log_level=settings.log_level
                    if settings.log_level != "info" else "warning", access_log=False)
    finally:
        if consumer is not None:
            consumer.stop()
        store.close()


commands: list[click.Command] = [desk]
