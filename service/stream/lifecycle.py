"""The worker's life around the broker: is it there, did it come back the same, stop on time.

- A probe (one Metadata round trip on a fresh connection, every ``ESCALERT_BROKER_PROBE_SECONDS``)
  tells whether a broker answers, which cluster it is, and which of our topics exist. It asks
  with ``allow_auto_topic_creation=False``, so probing never creates a topic.
- :class:`BrokerWatch` turns the probes into what the worker does (a pure state machine):
  while no broker answers, ``/health/ready`` says 503 and one line
  ``waiting for the Kafka broker at HOST:PORT (down for N s)`` is logged every 10 s (aiokafka's
  own reconnect errors are collapsed by :class:`service.logs.RepeatFilter`); when it answers
  again, ``the Kafka broker ... is back``.
- A broker that comes back as a different cluster (new cluster id: its log dir was wiped), or
  without a topic that was there, cannot be resumed from: Faust's consumer group, committed
  offsets and table changelogs are gone, and the group would wait for partitions that no longer
  exist. The worker then logs one line saying so and exits with status 3, so that its
  supervisor restarts it; the new process creates the topics again (``--create-topics``, the
  default), drops its local tables, which were built from the lost cluster (:func:`adopt_cluster`),
  and starts from the beginning of the new, empty topics.
- Stopping while the broker is down used to hang: aiokafka's ``Fetcher.close`` cancels its
  pending fetch tasks and awaits them unguarded, and a task cancelled during its retry back-off
  (the path taken while no broker answers) raises ``CancelledError`` out of ``close``. That
  aborts Faust's consumer thread before it reports its shutdown, and the worker waits for it
  forever. :func:`service.faust_private.install_fetcher_close_fix` makes ``close`` wait for each cancelled task
  without letting its cancellation escape.
- :class:`Worker` adds a deadline to Faust's clean stop: after SIGTERM or SIGINT the worker
  exits within ``ESCALERT_SHUTDOWN_GRACE_SECONDS`` even when some other stop step hangs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faust

from service.exit_codes import EXIT_BROKER_LOST

log = logging.getLogger("escalert.broker")

NOTICE_EVERY = 10.0


@dataclass(frozen=True, slots=True)
class Probe:
    """What one answering broker said: its cluster id and which of the asked topics exist."""

    cluster_id: str | None
    topics: frozenset[str]


@dataclass(slots=True)
class Verdict:
    messages: list[tuple[int, str]] = field(default_factory=list)
    exit_reason: str | None = None


@dataclass
class BrokerWatch:
    """Broker reachability and identity over time; :meth:`observe` is pure but for ``self``."""

    where: str
    notice_every: float = NOTICE_EVERY
    up: bool = True
    down_since: float | None = None
    last_notice: float = 0.0
    cluster_id: str | None = None
    topics: frozenset[str] = frozenset()
    down_for: float = 0.0

    def observe(self, probe: Probe | None, now: float) -> Verdict:
        verdict = Verdict()
        if probe is None:
            if self.up or self.down_since is None:
                self.up, self.down_since, self.last_notice = False, now, now
                verdict.messages.append((logging.WARNING, self._waiting(now)))
            elif now - self.last_notice >= self.notice_every:
                self.last_notice = now
                verdict.messages.append((logging.WARNING, self._waiting(now)))
            self.down_for = now - self.down_since
            return verdict
        if not self.up and self.down_since is not None:
            verdict.messages.append(
                (logging.INFO, f"the Kafka broker at {self.where} is back after {now - self.down_since:.0f} s"))
        self.up, self.down_since, self.down_for = True, None, 0.0
        if self.cluster_id is None:
            self.cluster_id = probe.cluster_id
        elif probe.cluster_id and probe.cluster_id != self.cluster_id:
            verdict.exit_reason = (
                f"the Kafka broker at {self.where} is a new cluster (id {probe.cluster_id}, was "
                f"{self.cluster_id}): its data was wiped; exiting so that a restart creates the topics again")
            return verdict
        lost = sorted(self.topics - probe.topics)
        if lost:
            verdict.exit_reason = (
                f"topic(s) {', '.join(lost)} vanished from the Kafka broker at {self.where}; "
                "exiting so that a restart creates them again")
            return verdict
        self.topics = self.topics | probe.topics
        return verdict

    def _waiting(self, now: float) -> str:
        assert self.down_since is not None
        return f"waiting for the Kafka broker at {self.where} (down for {now - self.down_since:.0f} s)"

    def health(self) -> dict[str, Any]:
        return {"reachable": self.up, "down_for_seconds": round(self.down_for, 1), "at": self.where}


def _security_kwargs(settings: Any) -> dict[str, Any]:
    from service.stream.security import ssl_context

    sec = settings.security
    kw: dict[str, Any] = {"security_protocol": sec.protocol, "ssl_context": ssl_context(settings)}
    if sec.uses_sasl:
        assert sec.sasl_password is not None
        kw.update(sasl_mechanism=sec.sasl_mechanism, sasl_plain_username=sec.sasl_username,
                  sasl_plain_password=sec.sasl_password.get_secret_value())
    return kw


async def probe(settings: Any, topics: list[str], timeout: float = 3.0) -> Probe | None:
    """Ask the bootstrap servers in turn; the first that answers gives the :class:`Probe`."""
    from aiokafka.conn import create_conn
    from aiokafka.errors import KafkaError
    from aiokafka.protocol.metadata import MetadataRequest

    for addr in settings.brokers:
        host, _, port = addr.rpartition(":")
        conn = None
        try:
            conn = await asyncio.wait_for(create_conn(
                host.strip("[]"), int(port), client_id=f"{settings.app_id}-probe",
                request_timeout_ms=int(timeout * 1000), **_security_kwargs(settings)), timeout)
            resp = await asyncio.wait_for(
                conn.send(MetadataRequest(topics, allow_auto_topic_creation=False)), timeout)
        except (OSError, TimeoutError, KafkaError):
            continue
        finally:
            if conn is not None:
                conn.close()
        present = frozenset(t[1] for t in resp.topics if t[0] == 0)
        return Probe(getattr(resp, "cluster_id", None), present)
    return None


CLUSTER_FILE = "kafka-cluster-id"


def adopt_cluster(state_dir: Path, cluster_id: str | None) -> str | None:
    """Keep the local table state only if it was built from this cluster's changelogs.

    ``state_dir`` is the app's Faust data dir (rocksdb tables and their changelog offsets). It
    remembers the cluster id it was built against; when the broker is another cluster (wiped
    and formatted anew), the local tables describe changelogs that no longer exist (and would,
    for one, still suppress as duplicates articles the new cluster never saw), so they are
    deleted and rebuilt from the new cluster. Returns a line saying so, or None.
    """
    if not cluster_id:
        return None
    marker = state_dir / CLUSTER_FILE
    try:
        known = marker.read_text().strip()
    except OSError:
        known = None
    said = None
    if known and known != cluster_id and state_dir.is_dir():
        shutil.rmtree(state_dir)
        said = (f"the local tables in {state_dir} were built from Kafka cluster {known}, the broker is "
                f"cluster {cluster_id}: deleted them (rebuilt from the new cluster's changelogs)")
    state_dir.mkdir(parents=True, exist_ok=True)
    if known != cluster_id:
        marker.write_text(cluster_id + "\n")
    return said


def register(app: faust.App, parts: Any) -> BrokerWatch:
    """Probe the broker on a timer; keep ``parts.broker`` (readiness) and stop on a lost cluster."""
    from service.faust_private import install_fetcher_close_fix
    from service.stream.topics import topic_specs

    install_fetcher_close_fix()
    settings = parts.settings
    watch = BrokerWatch(",".join(settings.brokers))
    parts.broker = watch
    names = [spec.name for spec in topic_specs(settings)]

    @app.timer(settings.broker_probe_seconds, name="escalert.broker_watch")
    async def _watch_broker() -> None:
        verdict = watch.observe(await probe(settings, names), time.monotonic())
        for level, message in verdict.messages:
            log.log(level, message)
        if verdict.exit_reason and getattr(parts, "exit_reason", None) is None:
            parts.exit_reason = verdict.exit_reason
            log.error(verdict.exit_reason)
            stop = getattr(parts, "stop_worker", None)
            if stop is not None:
                stop(verdict.exit_reason)

    return watch


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    """An exception that ends a thread, as one log record (one JSON line) instead of raw stderr."""
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("escalert.worker").error(
        "thread %s ended with %s", name, args.exc_type.__name__,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]


class Worker(faust.Worker):
    """Faust's worker with our logging left alone and a deadline on every stop."""

    def __init__(self, app: faust.App, *, grace: float, **kwargs: Any) -> None:
        # What the worker prints (the console alert target) becomes log records at INFO (logger
        # mode.redirect), in the configured format, instead of mode's WARNING.
        kwargs.setdefault("redirect_stdouts", True)
        kwargs.setdefault("redirect_stdouts_level", logging.INFO)
        super().__init__(app, override_logging=False, **kwargs)
        # Faust's start-up spinner writes terminal codes (show cursor) even into a log file.
        self.spinner = None
        self.grace = grace
        self.exit_reason: str | None = None
        self.exit_code = 0
        self._deadline: threading.Timer | None = None
        parts = getattr(app, "escalert", None)
        if parts is not None:
            parts.stop_worker = self.stop_because

    async def on_execute(self) -> None:
        await super().on_execute()
        if self.redirect_stdouts:  # mode does this only when it sets up logging itself
            self._redirect_stdouts()
        threading.excepthook = _log_thread_exception

    def _redirect_stdouts(self) -> None:
        # stdout only: what is written to stderr (tracebacks) arrives in fragments, one record each.
        from mode.utils.logging import redirect_stdouts

        self.add_context(redirect_stdouts(severity=self.redirect_stdouts_level, stderr=False))

    def stop_because(self, reason: str, code: int = EXIT_BROKER_LOST) -> None:
        """Stop cleanly (as on SIGTERM), then exit with ``code``."""
        self.exit_reason, self.exit_code = reason, code
        self._schedule_shutdown(signal.SIGTERM)

    def install_signal_handlers(self) -> None:
        super().install_signal_handlers()
        if sys.platform == "win32":
            return
        # The event loop learns of SIGTERM and SIGINT from a wake-up descriptor that the C-level
        # handler writes to, whatever the Python-level handler is; asyncio's own Python-level one
        # does nothing. Ours arms the deadline at once, even while the loop is blocked (a
        # detection stalled in the worker's own process), when Faust's handler cannot run.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, _frame: Any) -> None:
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = threading.Timer(self.grace, self._exit_now)
            self._deadline.daemon = True
            self._deadline.start()

    def _schedule_shutdown(self, signum: signal.Signals) -> None:
        self._arm()
        super()._schedule_shutdown(signum)

    def on_worker_shutdown(self, *args: Any, **kwargs: Any) -> None:
        self._arm()  # stopping for another reason (an error): bounded too
        super().on_worker_shutdown(*args, **kwargs)

    def _exit_now(self) -> None:
        log.error("the worker did not stop within %.0f s (ESCALERT_SHUTDOWN_GRACE_SECONDS); exiting now",
                  self.grace)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(self.exit_code or 1)

    def finish(self) -> None:
        """Called after the event loop closed: the stop finished in time."""
        if self._deadline is not None:
            self._deadline.cancel()
