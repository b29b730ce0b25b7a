"""``escalert demo``: the whole pipeline locally, in one command, stopped cleanly by Ctrl-C.

Steps: start the local broker (``scripts/kafka.sh start``, unless one already answers), create
the topics, start ``escalert worker`` and ``escalert desk`` (the web page, http://127.0.0.1:8088/)
as child processes, publish the seeds, then follow the signals topic and print each signal as it
arrives. On Ctrl-C (or SIGTERM): stop the desk and the worker by their PIDs, then the broker if
this command started it.

The demo uses its own app id and topics (``demo-*``) and the in-memory table store, so it never
mixes with a real deployment on the same broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "scripts" / "kafka.sh"

# Each demo run gets its own app id and topics: a broker left running from an earlier run would
# otherwise remember the seeds (duplicate suppression) and the alerts already sent (repeat
# interval), and a second demo would show nothing new.
_RUN = f"{int(time.time()) % 1_000_000:06d}"
DEMO_ENV = {
    "ESCALERT_APP_ID": f"escalert-demo-{_RUN}",
    "ESCALERT_TOPICS__ARTICLES": f"demo-{_RUN}-articles",
    "ESCALERT_TOPICS__SIGNALS": f"demo-{_RUN}-signals",
    "ESCALERT_TOPICS__ARTICLES_DLQ": f"demo-{_RUN}-articles-dlq",
    "ESCALERT_TOPICS__ALERTS": f"demo-{_RUN}-alerts",
    "ESCALERT_TOPICS__ALERTS_DLQ": f"demo-{_RUN}-alerts-dlq",
    "ESCALERT_EVENTS_TOPIC": f"demo-{_RUN}-events",  # the desk shows this run's events only
    # The quick start's alerts: the `local` subscription prints to the worker's console (its log)
    # and appends to alerts/alerts.jsonl; the demo also follows the alerts topic below.
    "ESCALERT_ALERTS_SUBSCRIPTIONS": str(REPO / "examples" / "subscriptions.yaml"),
    "ESCALERT_STORE": "memory://",
    "ESCALERT_SESSION_TIMEOUT_SECONDS": "6",
    "ESCALERT_HEARTBEAT_INTERVAL_SECONDS": "1",
    "ESCALERT_LOG_LEVEL": "warning",
    # The desk's store for this run only (deleted when a demo starts): an earlier run's topics
    # are not this run's.
    "ESCALERT_DESK_URL": f"sqlite:///{REPO / '.local' / 'demo-desk.sqlite3'}",
}


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
    click.echo(click.style(f"demo: {msg}", fg="cyan"), err=True)


def run_demo(seeds: str, *, keep_broker: bool = False, started: float | None = None) -> int:
    from service.config import ConfigError, load_settings
    from service.stream.clients import BrokerUnreachable, check_reachable

    env = {**os.environ, **{k: v for k, v in DEMO_ENV.items() if k not in os.environ}}
    os.environ.update({k: v for k, v in DEMO_ENV.items() if k not in os.environ})
    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"escalert: {exc}", err=True)
        return 2

    we_started_broker = False
    try:
        check_reachable(settings, timeout=1)
        _say(f"using the broker at {','.join(settings.brokers)}")
    except BrokerUnreachable:
        if not KAFKA_SH.exists():
            click.echo("escalert: no broker reachable and scripts/kafka.sh not found", err=True)
            return 3
        _say("starting the local Kafka broker (first run downloads it from Maven Central)")
        if subprocess.run(["bash", str(KAFKA_SH), "start"], cwd=REPO).returncode != 0:
            click.echo("escalert: the local broker did not start (scripts/kafka.sh logs)", err=True)
            return 3
        we_started_broker = True

    worker: subprocess.Popen[bytes] | None = None
    desk: subprocess.Popen[bytes] | None = None
    log_path = REPO / ".local" / "demo-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        from service.stream.clients import ensure_topics

        ensure_topics(settings)
        _say(f"topics ready: {settings.topics.articles} -> {settings.topics.signals}, "
             f"{settings.topics.articles_dlq}")
        worker = subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "worker", "--no-create-topics"],
            cwd=REPO, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT,
        )
        _say(f"worker started (pid {worker.pid}, log {log_path}); health on "
             f"http://{settings.web_host}:{settings.web_port}/health/ready")
        desk = _start_desk(env)
        from service.stream.publish import publish_paths

        summary = publish_paths(settings, [seeds], progress=False)
        if settings.alerts.subscriptions:
            _say("alerts (subscription `local` of examples/subscriptions.yaml): ALERT lines below, "
                 f"the full messages in {REPO / 'alerts' / 'alerts.jsonl'} and in the worker log")
        _say(f"published {summary.sent} article(s) from {seeds}"
             + (f"; {len(summary.invalid)} invalid" if summary.invalid else ""))
        _say("signals as they arrive (Ctrl-C to stop everything):")
        _follow(settings, worker)
    except KeyboardInterrupt:
        click.echo("", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if desk is not None and desk.poll() is None:
            _say(f"stopping the desk (pid {desk.pid})")
            stop_process(desk)
        if worker is not None and worker.poll() is None:
            _say(f"stopping the worker (pid {worker.pid})")
            stop_process(worker)
        if we_started_broker and not keep_broker:
            _say("stopping the broker")
            subprocess.run(["bash", str(KAFKA_SH), "stop"], cwd=REPO)
        if started is not None:
            _say(f"done after {time.monotonic() - started:.0f} s")
    return 0


def _start_desk(env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """``escalert desk`` beside the worker; the demo goes on without it if it cannot start."""
    (REPO / ".local" / "demo-desk.sqlite3").unlink(missing_ok=True)
    log_path = REPO / ".local" / "demo-desk.log"
    desk = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "desk"],
        cwd=REPO, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT,
    )
    time.sleep(2)
    if desk.poll() is not None:
        _say(f"the desk did not start (exit {desk.returncode}; see {log_path})")
        return None
    host = env.get("ESCALERT_DESK_HOST", "127.0.0.1")
    port = env.get("ESCALERT_DESK_PORT", "8088")
    _say(f"desk started (pid {desk.pid}, log {log_path}): open http://{host}:{port}/")
    return desk


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
