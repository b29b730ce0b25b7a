"""CLI of the streaming service: ``worker``, ``publish``, ``topics``, ``tail``, ``demo``.

Faust, kafka-python and the detector are imported inside the commands, so ``escalert --help``
stays fast. Exit codes: 0 ok, 1 some inputs invalid or some sends failed, 2 usage or
configuration error, 3 Kafka unreachable.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from service.exit_codes import EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, EXIT_USAGE

config_option = click.option(
    "--config", "config", type=click.Path(dir_okay=False), default=None,
    help="Settings file (.yaml, .toml or .env); also ESCALERT_CONFIG. Environment variables win.",
)


def load_command_settings(config: str | None, **overrides: Any) -> Any:
    from service.config import ConfigError, load_settings

    try:
        return load_settings(config, **{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        click.echo(f"escalert: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _unreachable(exc: Exception) -> None:
    click.echo(f"escalert: {exc}", err=True)
    sys.exit(EXIT_UNAVAILABLE)


def _topic_name(settings: Any, name: str) -> str:
    """Logical names (signals, articles, articles-dlq, alerts, alerts-dlq) map to configured ones."""
    logical = name.replace("-", "_")
    return getattr(settings.topics, logical, name) if logical in type(settings.topics).model_fields else name


def _create_app(settings: Any) -> Any:
    """The worker's Faust app; a configuration mistake is one line on stderr and exit 2."""
    from service.alerts.silences import SilenceStoreError
    from service.alerts.subscriptions import SubscriptionsError
    from service.ingest.runner import SourcesError
    from service.stream.app import create_app

    try:
        return create_app(settings)
    except SubscriptionsError as exc:
        click.echo(f"escalert: invalid subscriptions file {exc}", err=True)
    except SourcesError as exc:
        click.echo(f"escalert: invalid sources file (ESCALERT_INGEST_SOURCES) {exc}", err=True)
    except (RuntimeError, SilenceStoreError) as exc:  # e.g. a detector path that cannot be imported
        click.echo(f"escalert: {exc}", err=True)
    sys.exit(EXIT_USAGE)


@click.command()
@config_option
@click.option("--loglevel", "-l", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
              help="Overrides ESCALERT_LOG_LEVEL.")
@click.option("--create-topics/--no-create-topics", default=True, show_default=True,
              help="Create or align the topics before starting (same as `escalert topics`).")
def worker(config: str | None, loglevel: str | None, create_topics: bool) -> None:
    """Run the stream worker: articles topic in, signals and dead letters out.

    Health on http://WEB_HOST:WEB_PORT/health/live and /health/ready, Prometheus metrics on
    /metrics. Stop with Ctrl-C or SIGTERM (offsets of finished batches are committed); a worker
    still running ESCALERT_SHUTDOWN_GRACE_SECONDS (20) after the signal exits anyway, with
    status 1 (docs/robustness.md). While the broker is down the worker waits (not ready); if it
    comes back wiped, the worker exits with status 3 to be restarted.
    """
    settings = load_command_settings(config, log_level=loglevel)
    app = _create_app(settings)  # configuration first: a bad file is exit 2 even without Kafka
    from service.stream.app import web_bind_problem
    from service.stream.clients import BrokerUnreachable, check_reachable, ensure_topics

    try:
        check_reachable(settings)
        if create_topics:
            for spec, status in ensure_topics(settings):
                if "wanted" in status:
                    click.echo(f"escalert: topic {spec.name}: {status}", err=True)
    except BrokerUnreachable as exc:
        _unreachable(exc)
    problem = web_bind_problem(settings)  # last, just before Faust binds it
    if problem is not None:
        click.echo(f"escalert: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    from service.logs import settings_secrets, setup_logging
    from service.stream.lifecycle import Worker

    setup_logging(settings.log_level, settings.log_format, secrets=settings_secrets(settings))
    _adopt_cluster(settings)
    w = Worker(app, grace=settings.shutdown_grace_seconds, loglevel=settings.log_level, quiet=True)
    try:
        w.execute_from_commandline()
    except SystemExit as exc:
        w.finish()
        sys.exit(w.exit_code if w.exit_reason else exc.code)


def _adopt_cluster(settings: Any) -> None:
    """Drop local tables built from another Kafka cluster (lifecycle.adopt_cluster)."""
    import asyncio
    import logging

    from service.stream.lifecycle import adopt_cluster, probe

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset the loop Faust will use
    try:
        found = loop.run_until_complete(probe(settings, []))
    finally:
        loop.close()
    said = adopt_cluster(settings.data_dir / settings.app_id, found.cluster_id if found else None)
    if said:
        logging.getLogger("escalert.broker").warning(said)


@click.command()
@config_option
@click.argument("paths", nargs=-1, required=True)
@click.option("--topic", default=None, help="Target topic (default: the configured articles topic).")
@click.option("--rate", type=float, default=None, help="Articles per second (default: as fast as possible).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def publish(paths: tuple[str, ...], config: str | None, topic: str | None, rate: float | None,
            progress: bool | None) -> None:
    """Send articles from PATHS (.jsonl, .json, .txt, directories, - for stdin) to Kafka.

    Each valid article goes out as JSON keyed by its id; invalid inputs are reported on stderr
    with file, line and reason, and make the exit status 1.
    """
    settings = load_command_settings(config)
    from service.stream.clients import BrokerUnreachable
    from service.stream.publish import publish_paths

    try:
        summary = publish_paths(settings, list(paths), topic=topic, rate=rate, progress=progress)
    except BrokerUnreachable as exc:
        _unreachable(exc)
        return
    for err in summary.invalid:
        click.echo(f"invalid: {err}", err=True)
    for origin, msg in summary.failed:
        click.echo(f"failed: {origin}: {msg}", err=True)
    click.echo(
        f"sent {summary.sent} article(s) to {summary.topic}; {len(summary.invalid)} invalid; "
        f"{len(summary.failed)} failed", err=True,
    )
    sys.exit(EXIT_PARTIAL if summary.invalid or summary.failed else EXIT_OK)


@click.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Print what would be created; touch nothing.")
def topics(config: str | None, dry_run: bool) -> None:
    """Create the service's topics (partitions, replication, retention, compaction). Idempotent."""
    settings = load_command_settings(config)
    from service.stream.topics import topic_specs

    specs = topic_specs(settings)
    if dry_run:
        for sp in specs:
            cfg = " ".join(f"{k}={v}" for k, v in sp.config.items())
            click.echo(f"{sp.name}  partitions={sp.partitions} replication={sp.replication}  {cfg}")
        return
    from service.stream.clients import BrokerUnreachable, ensure_topics

    try:
        results = ensure_topics(settings, specs)
    except BrokerUnreachable as exc:
        _unreachable(exc)
        return
    except RuntimeError as exc:
        click.echo(f"escalert: {exc}", err=True)
        sys.exit(EXIT_PARTIAL)
    mismatch = False
    for sp, status in results:
        mismatch |= "wanted" in status
        click.echo(f"{sp.name:40s} {status}  ({sp.purpose})")
    sys.exit(EXIT_PARTIAL if mismatch else EXIT_OK)


@click.command()
@config_option
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="Start at the oldest message, not the newest.")
@click.option("--max", "max_messages", type=int, default=None, help="Stop after N messages.")
@click.option("--timeout", type=float, default=None, help="Stop after S seconds without a message.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON value instead.")
def tail(config: str | None, topic: str, from_beginning: bool, max_messages: int | None,
         timeout: float | None, as_json: bool) -> None:
    """Follow TOPIC and print one readable line per message (signals, dead letters, articles).

    TOPIC is a logical name (signals, articles, articles-dlq, alerts, alerts-dlq) or a topic.
    """
    settings = load_command_settings(config)
    from service.stream.clients import BrokerUnreachable, consumer
    from service.stream.render import render_message

    name = _topic_name(settings, topic)
    try:
        c = consumer(
            settings, name, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest" if from_beginning else "latest",
            isolation_level="read_committed",
            consumer_timeout_ms=int(timeout * 1000) if timeout else float("inf"),
        )
    except BrokerUnreachable as exc:
        _unreachable(exc)
        return
    n = 0
    try:
        for msg in c:
            line = msg.value.decode("utf-8", "replace") if as_json and msg.value else render_message(msg.value, msg.key)
            click.echo(line)
            n += 1
            if max_messages and n >= max_messages:
                break
    except KeyboardInterrupt:
        pass
    finally:
        c.close()


@click.command()
@click.option("--seeds", default="seeds", show_default=True, type=click.Path(exists=True),
              help="Articles to publish.")
@click.option("--keep-broker", is_flag=True, help="Leave the broker running on exit.")
@click.option("--ingest", is_flag=True,
              help="Serve the seeds as a news site (RSS feed and article pages) on loopback and feed them in "
                   "with `escalert ingest`, instead of publishing the files.")
def demo(seeds: str, keep_broker: bool, ingest: bool) -> None:
    """Everything locally in one command: broker, topics, worker, the desk (web page), the seeds
    published (or ingested, with --ingest), and the signals shown as they arrive. Ctrl-C stops it all."""
    from service.stream.demo import run_demo

    started = time.monotonic()
    sys.exit(run_demo(seeds, keep_broker=keep_broker, started=started, ingest=ingest))


commands: list[click.Command] = [worker, publish, topics, tail, demo]
