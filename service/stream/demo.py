"""``escalert demo``: the whole pipeline locally, in one command, stopped cleanly by Ctrl-C.

Steps: start the local broker (``scripts/kafka.sh start``, unless one already answers), create
the topics, start ``escalert worker`` and ``escalert desk`` (the web page, http://127.0.0.1:8088/)
as child processes, publish the seeds (or, with ``--ingest``, serve them as a news site on loopback
and run ``escalert ingest`` on it), then follow the signals topic and print each signal as it
arrives. On Ctrl-C (or SIGTERM): stop the desk and the worker by their PIDs, delete the run's topics
and data dir (the desk's store with it), then stop the broker if this command started it.

The demo runs the shipped defaults (the rocksdb:// table store included) with its own app id,
topics (``demo-<run>-*``) and data dir, so it never mixes with a real deployment on the same
broker and leaves nothing behind but its worker log (``.local/demo-worker.log``).
Output: plain text when stdout/stderr are not terminals (no colour codes in files and pipes).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import click

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "scripts" / "kafka.sh"
WORKER_LOG = REPO / ".local" / "demo-worker.log"
INGEST_LOG = REPO / ".local" / "demo-ingest.log"
DESK_LOG = REPO / ".local" / "demo-desk.log"


def demo_env(run: str, data_dir: Path) -> dict[str, str]:
    """The settings of one demo run, as environment variables.

    Each run gets its own app id and topics: a broker left running from an earlier run would
    otherwise remember the seeds (duplicate suppression) and the alerts already sent (repeat
    interval), and a second demo would show nothing new. Everything else is the shipped default.
    """
    return {
        "ESCALERT_APP_ID": f"escalert-demo-{run}",
        "ESCALERT_TOPICS__ARTICLES": f"demo-{run}-articles",
        "ESCALERT_TOPICS__SIGNALS": f"demo-{run}-signals",
        "ESCALERT_TOPICS__ARTICLES_DLQ": f"demo-{run}-articles-dlq",
        "ESCALERT_TOPICS__ALERTS": f"demo-{run}-alerts",
        "ESCALERT_TOPICS__ALERTS_DLQ": f"demo-{run}-alerts-dlq",
        "ESCALERT_TOPICS__INGEST_STATE": f"demo-{run}-ingest-state",
        "ESCALERT_TOPICS__INGEST_DLQ": f"demo-{run}-ingest-dlq",
        "ESCALERT_EVENTS_TOPIC": f"demo-{run}-events",  # the desk shows this run's events only
        # The desk's store lives in the run's data dir, deleted with it.
        "ESCALERT_DESK_URL": f"sqlite:///{data_dir / 'desk.sqlite3'}",
        # The quick start's alerts: the `local` subscription prints to the worker's console (its
        # log, at INFO) and appends to alerts/alerts.jsonl; the demo also follows the alerts topic.
        "ESCALERT_ALERTS_SUBSCRIPTIONS": str(REPO / "examples" / "subscriptions.yaml"),
        "ESCALERT_DATA_DIR": str(data_dir),
    }


def run_topics(settings: Any) -> list[str]:
    """Every topic a demo run creates: its own, the changelogs of its app id, and the ingester's."""
    from service.ingest.topics import ingest_topic_specs
    from service.stream.topics import topic_specs

    names = {spec.name for spec in [*topic_specs(settings), *ingest_topic_specs(settings)]}
    events = getattr(getattr(settings, "events", None), "topic", None)
    if events:
        names.add(events)
    return sorted(names)


def delete_topics(settings: Any, names: list[str]) -> list[str]:
    """Delete ``names`` where they exist; return the ones deleted. Never raises (cleanup)."""
    from service.stream.clients import admin

    try:
        client = admin(settings)
    except Exception as exc:  # noqa: BLE001 - the broker may be gone already
        _say(f"could not delete the demo's topics: {exc}")
        return []
    try:
        doomed = sorted(set(names) & set(client.list_topics()))
        if doomed:
            client.delete_topics(doomed, timeout_ms=30000)
        return doomed
    except Exception as exc:  # noqa: BLE001
        _say(f"could not delete the demo's topics {', '.join(names)}: {exc}")
        return []
    finally:
        client.close()


def stop_process(proc: subprocess.Popen[bytes], grace: float = 30) -> None:
    """Stop a child by its PID: SIGTERM, then SIGKILL if it has not exited after ``grace`` s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _say(msg: str) -> None:
    text = f"demo: {msg}"
    click.echo(click.style(text, fg="cyan") if sys.stderr.isatty() else text, err=True)


def run_demo(seeds: str, *, keep_broker: bool = False, started: float | None = None,
             ingest: bool = False) -> int:
    from service.config import ConfigError, load_settings

    run = uuid.uuid4().hex[:8]
    data_dir = Path(tempfile.mkdtemp(prefix=f"escalert-demo-{run}-"))
    defaults = demo_env(run, data_dir)
    os.environ.update({k: v for k, v in defaults.items() if k not in os.environ})
    env = dict(os.environ)
    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"escalert: {exc}", err=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        return 2

    we_started_broker = _start_broker_if_needed(settings)
    if we_started_broker is None:
        return 3
    running = _Running()
    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        _start_and_follow(settings, env, seeds, data_dir, ingest, running)
    except KeyboardInterrupt:
        click.echo("", err=True)
    finally:
        # A second Ctrl-C/SIGTERM during the clean-up must not leave the topics behind.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if running.feeder is not None:
                running.feeder.stop()
            if running.desk is not None and running.desk.poll() is None:
                _say(f"stopping the desk (pid {running.desk.pid})")
                stop_process(running.desk)
            _clean_up(settings, running.worker, data_dir, we_started_broker and not keep_broker)
        finally:
            signal.signal(signal.SIGINT, old_int)
            signal.signal(signal.SIGTERM, previous)
        if started is not None:
            _say(f"done after {time.monotonic() - started:.0f} s")
    return 0


def _start_broker_if_needed(settings: Any) -> bool | None:
    """Whether the demo started the local broker (False: one was reachable); None when none is
    reachable and it could not start one (the reason printed)."""
    from service.stream.clients import BrokerUnreachable, check_reachable

    try:
        check_reachable(settings, timeout=1)
        _say(f"using the broker at {','.join(settings.brokers)}")
        return False
    except BrokerUnreachable:
        pass
    if not KAFKA_SH.exists():
        click.echo("escalert: no broker reachable and scripts/kafka.sh not found", err=True)
        return None
    _say("starting the local Kafka broker (first run downloads it from Maven Central)")
    if subprocess.run(["bash", str(KAFKA_SH), "start"], cwd=REPO).returncode != 0:
        click.echo("escalert: the local broker did not start (scripts/kafka.sh logs)", err=True)
        return None
    return True


class _Running:
    """What the demo started, for the clean-up to stop (None: not started)."""

    def __init__(self) -> None:
        self.worker: subprocess.Popen[bytes] | None = None
        self.desk: subprocess.Popen[bytes] | None = None
        self.feeder: SeedFeeder | None = None


def _start_and_follow(
    settings: Any, env: dict[str, str], seeds: str, data_dir: Path, ingest: bool, running: _Running
) -> None:
    """Topics, the worker, the desk, the seeds in (published, or fed to ``escalert ingest``),
    then the signals as they arrive, until the worker stops or Ctrl-C."""
    from service.stream.clients import ensure_topics

    ensure_topics(settings)
    _say(f"topics ready: {settings.topics.articles} -> {settings.topics.signals}, "
         f"{settings.topics.articles_dlq}")
    worker = running.worker = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "worker", "--no-create-topics"],
        cwd=REPO, env=env, stdout=WORKER_LOG.open("wb"), stderr=subprocess.STDOUT,
    )
    _say(f"worker started (pid {worker.pid}, log {WORKER_LOG}); health on "
         f"http://{settings.web_host}:{settings.web_port}/health/ready")
    running.desk = _start_desk(env)
    if settings.alerts.subscriptions:
        _say("alerts (subscription `local` of examples/subscriptions.yaml): ALERT lines below, "
             f"the full messages in {REPO / 'alerts' / 'alerts.jsonl'} and in the worker log")
    if ingest:
        running.feeder = SeedFeeder(seeds, data_dir, env).start()
    else:
        from service.stream.publish import publish_paths

        summary = publish_paths(settings, [seeds], progress=False)
        _say(f"published {summary.sent} article(s) from {seeds}"
             + (f"; {len(summary.invalid)} invalid" if summary.invalid else ""))
    _say("signals as they arrive (Ctrl-C to stop everything):")
    _follow(settings, worker)


def _start_desk(env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """``escalert desk`` beside the worker; the demo goes on without it if it cannot start."""
    desk = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "desk"],
        cwd=REPO, env=env, stdout=DESK_LOG.open("wb"), stderr=subprocess.STDOUT,
    )
    time.sleep(2)
    if desk.poll() is not None:
        _say(f"the desk did not start (exit {desk.returncode}; see {DESK_LOG})")
        return None
    host = env.get("ESCALERT_DESK_HOST", "127.0.0.1")
    port = env.get("ESCALERT_DESK_PORT", "8088")
    _say(f"desk started (pid {desk.pid}, log {DESK_LOG}): open http://{host}:{port}/")
    return desk


class SeedFeeder:
    """``--ingest``: the seeds served as a news site on loopback, and ``escalert ingest run``
    reading it (feed, pages, extraction, state), instead of ``publish``."""

    def __init__(self, seeds: str, data_dir: Path, env: dict[str, str]) -> None:
        from service.ingest.seedfeed import SeedSite

        self.site = SeedSite([seeds])
        self.sources = self.site.sources_yaml(data_dir / "sources.yaml")
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SeedFeeder:
        self.site.start()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "ingest", "run",
             "-s", str(self.sources), "--web-port", "0", "--instance", "demo"],
            cwd=REPO, env=self.env, stdout=INGEST_LOG.open("wb"), stderr=subprocess.STDOUT,
        )
        _say(f"ingesting {len(self.site.articles)} article(s) from {self.site.base}/feed.rss "
             f"(pid {self.proc.pid}, log {INGEST_LOG})")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            _say(f"stopping the ingester (pid {self.proc.pid})")
            stop_process(self.proc)
        self.site.stop()


def _clean_up(settings: Any, worker: subprocess.Popen[bytes] | None, data_dir: Path,
              stop_broker: bool) -> None:
    if worker is not None and worker.poll() is None:
        _say(f"stopping the worker (pid {worker.pid})")
        stop_process(worker)
    deleted = delete_topics(settings, run_topics(settings))
    if deleted:
        _say(f"deleted the demo's {len(deleted)} topics ({settings.app_id}, demo-*)")
    shutil.rmtree(data_dir, ignore_errors=True)
    if stop_broker:
        _say("stopping the broker")
        subprocess.run(["bash", str(KAFKA_SH), "stop"], cwd=REPO)


def _follow(settings: object, worker: subprocess.Popen[bytes]) -> None:
    from service.stream.clients import consumer
    from service.stream.render import render_message

    topics = [settings.topics.signals, settings.topics.articles_dlq]  # type: ignore[attr-defined]
    if getattr(settings.alerts, "subscriptions", None):  # type: ignore[attr-defined]
        topics.append(settings.topics.alerts)  # type: ignore[attr-defined]
    c = consumer(settings, *topics,  # type: ignore[attr-defined]
                 group_id=None, auto_offset_reset="earliest", enable_auto_commit=False,
                 consumer_timeout_ms=500, isolation_level="read_committed")
    try:
        while True:
            for msg in c:
                click.echo(render_message(msg.value, msg.key))
            if worker.poll() is not None:
                _say(f"the worker exited with status {worker.returncode} (see its log)")
                return
    finally:
        c.close()
