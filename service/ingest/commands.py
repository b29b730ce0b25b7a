"""``escalert ingest``: run the ingester, check a sources file, show per-source health."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

import click

from service.exit_codes import EXIT_UNAVAILABLE, EXIT_USAGE
from service.stream.commands import config_option, load_command_settings

if TYPE_CHECKING:
    from service.ingest.state import SourceHealth

sources_option = click.option(
    "--sources", "-s", "sources", type=click.Path(dir_okay=False), required=True,
    envvar="ESCALERT_INGEST_SOURCES", help="The sources file (sources.yaml); also ESCALERT_INGEST_SOURCES.",
)


def _reloader(path: str) -> Any:
    from service.ingest.runner import SourcesError, SourcesReloader

    try:
        return SourcesReloader(path)
    except SourcesError as exc:
        click.echo(f"escalert ingest: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.group()
def ingest() -> None:
    """Feeds, article pages and GDELT into the articles topic."""


@ingest.command("check")
@sources_option
def check(sources: str) -> None:
    """Validate a sources file and list its sources (no network)."""
    current = _reloader(sources).current
    for src in current.sources:
        where = getattr(src, "url", None) or getattr(src, "update_url", "")
        state = "" if src.enabled else " (disabled)"
        click.echo(f"{src.name:30} {src.kind:6} every {src.interval_seconds:>6g} s  {where}{state}")
    click.echo(f"{sources}: {len(current.sources)} sources, ok")


@ingest.command("run")
@config_option
@sources_option
@click.option("--instance", default=None, help="This instance's name (default: the host name); one transactional producer per name.")
@click.option("--once", is_flag=True, help="Poll every owned source once, then exit.")
@click.option("--web-port", type=click.IntRange(0, 65535), default=6067, show_default=True, help="/health and /metrics on 127.0.0.1 (0: off).")
def run(config: str | None, sources: str, instance: str | None, once: bool, web_port: int) -> None:
    """Poll the sources and publish their articles (Ctrl-C or SIGTERM stops)."""
    from service.logs import settings_secrets, setup_logging
    from service.stream.clients import BrokerUnreachable

    settings = load_command_settings(config)
    reloader = _reloader(sources)
    setup_logging(settings.log_level, settings.log_format, secrets=settings_secrets(settings))
    try:
        asyncio.run(_run(settings, reloader, instance or socket.gethostname(), once, web_port))
    except BrokerUnreachable as exc:
        click.echo(f"escalert ingest: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)


async def _run(settings: Any, reloader: Any, instance: str, once: bool, web_port: int) -> None:
    from service.ingest.metrics import IngestMetrics
    from service.ingest.worker_part import run_ingester
    from service.stream.clients import check_reachable

    check_reachable(settings)
    metrics = IngestMetrics()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    click.echo(f"escalert ingest: {len(reloader.current.sources)} sources, instance {instance}", err=True)
    web = await _serve(metrics, web_port) if web_port and not once else None
    try:
        await run_ingester(settings, reloader, instance, stop, once=once, metrics=metrics)
    finally:
        if web is not None:
            await web.cleanup()


async def _serve(metrics: Any, port: int) -> Any:
    from aiohttp import web
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    async def health(_req: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def prom(_req: web.Request) -> web.Response:
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", prom)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        await runner.cleanup()
        click.echo(f"escalert ingest: cannot serve /health and /metrics on 127.0.0.1:{port}: {exc.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    return runner


@ingest.command("status")
@config_option
@click.option("--sources", "-s", "sources", type=click.Path(dir_okay=False), default=None,
              envvar="ESCALERT_INGEST_SOURCES", help="Only the sources of this file (default: every source in the state).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status(config: str | None, sources: str | None, fmt: str) -> None:
    """Per-source health: last success, last error, consecutive failures, items seen, published."""
    from service.ingest.kafka_state import StateReader
    from service.ingest.state import StateView
    from service.stream.clients import BrokerUnreachable, check_reachable

    settings = load_command_settings(config)
    names = [s.name for s in _reloader(sources).current.sources] if sources else None
    view = StateView()
    try:
        check_reachable(settings)
        reader = StateReader(settings, view, group=None)  # reads only; joins no group
        reader.load()
        reader.close()
    except BrokerUnreachable as exc:
        click.echo(f"escalert ingest: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    rows = {name: view.sources.get(name) for name in (names or sorted(view.sources))}
    if fmt == "json":
        click.echo(json.dumps({n: (h and {k: getattr(h, k) for k in h.__dataclass_fields__}) for n, h in rows.items()}, indent=2))
        return
    click.echo(f"{'SOURCE':28} {'LAST SUCCESS':20} {'FAILS':>5} {'SEEN':>6} {'PUBL':>6} {'UPD':>4} {'DLQ':>4}  LAST ERROR")
    for name, h in rows.items():
        click.echo(status_row(name, h))


def status_row(name: str, h: SourceHealth | None) -> str:
    """One source's line of ``escalert ingest status``: the error of a failing source, else the
    warning of its last poll (a feed's broken XML, a GDELT file or rows sent to the dead letters)."""
    if h is None:
        return f"{name:28} {'never polled':20}"
    if h.consecutive_failures:
        err = f"{h.last_error_reason}: {h.last_error}"
    else:
        err = f"warning: {h.warning}" if h.warning else ""
    return (f"{name:28} {_ago(h.last_success):20} {h.consecutive_failures:>5} {h.items_seen:>6} "
            f"{h.articles_published:>6} {h.updates_published:>4} {h.dead_letters:>4}  {err[:160]}")


def _ago(ts: float | None) -> str:
    if not ts:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + "Z"


commands = [ingest]
