"""Delivering alerts through Apprise: retries, rate limits, the ledger and the dead-letter topic.

Shape:

- :class:`AppriseSender` sends one message to one URL and says what happened (:class:`SendResult`:
  ok, the HTTP status and ``Retry-After`` when there was an HTTP response, an error text without
  secrets). One Apprise plugin instance per URL, so a failure is always attributable to one
  target. Sends run in Apprise's worker threads (``Apprise.async_notify`` hands each plugin's
  blocking ``send()`` to a thread pool): the event loop never blocks.
- :class:`Deliverer` drives one alert to each of its targets: the ledger first (skip what was
  confirmed), a per-target concurrency limit and token bucket, retries with exponential backoff
  and jitter on transient failures (honouring ``Retry-After``), and after the last attempt (or at
  once on a permanent failure such as HTTP 401) a :class:`~schemas.deadletter.DeadLetter` with
  reason ``delivery_failed`` for the ``alerts-dlq`` topic.

What Apprise hides, and what is done about it (apprise 2.3):

- Plugins call ``requests`` and keep the response to themselves; the result says only
  success/failure. To see the status and ``Retry-After``, :func:`install_response_probe` adds a
  response hook through ``requests``' own hook mechanism (every new ``requests.Session`` gets it;
  Apprise's plugins create one per call). The hook only records ``(status, Retry-After)`` into a
  list held in a context variable that :class:`AppriseSender` sets around each send; Apprise
  copies the context into its worker threads, so each send sees only its own responses. Outside
  a send the hook does nothing.
- Plugins without their own setting sleep ``request_rate_per_sec`` (5.5 s) between two sends of
  one instance (``time.sleep`` in a worker thread). Rate limiting is ours (per target, token
  bucket, off by default), so each instance gets ``request_rate_per_sec = 0``.
- Apprise's own retries (``?retry=`` in the URL) are switched off (``retry = 0``): retries are
  ours, so that they honour ``Retry-After``, count in the ledger and end in the DLQ.
- Non-HTTP failures (SMTP, DNS, refused connections, timeouts) carry no status: they are
  treated as transient and retried.
- Apprise passes a plugin only a title and a body. An HTML email gets escalert's own
  plain-text part and a ``json://`` webhook the structured alert document through
  :class:`~service.alerts.channels.SendExtras` (see :func:`~service.alerts.channels.install_apprise_hooks`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol
from urllib.parse import unquote, urlsplit

from schemas.alert import Alert
from schemas.deadletter import DeadLetter
from service.alerts.channels import SendExtras
from service.alerts.ledger import Ledger
from service.alerts.settings import DeliverySettings
from service.alerts.targets import WEBHOOK_SCHEMES, Format, scheme_of

log = logging.getLogger(__name__)


# HTTP statuses worth retrying; any other 4xx is permanent (a bad token does not heal).
TRANSIENT_STATUSES = frozenset({408, 425, 429}) | frozenset(range(500, 600))


# -- seeing HTTP responses inside Apprise ---------------------------------------------------------

_responses: contextvars.ContextVar[list[tuple[int, str | None]] | None] = contextvars.ContextVar(
    "escalert_http_responses", default=None
)
_probe_installed = False


def _record_response(response: Any, *args: Any, **kwargs: Any) -> Any:
    seen = _responses.get()
    if seen is not None:
        seen.append((int(response.status_code), response.headers.get("Retry-After")))
    return response


def install_response_probe() -> None:
    """Give every new ``requests.Session`` a response hook that records status and Retry-After.

    Idempotent. Observes only: the hook returns the response unchanged and records nothing
    unless an :class:`AppriseSender` send is running in the current context.
    """
    global _probe_installed
    if _probe_installed:
        return
    import requests.hooks
    import requests.sessions

    original = requests.sessions.default_hooks

    def default_hooks() -> dict[str, list[Any]]:
        hooks = original()
        hooks.setdefault("response", []).append(_record_response)
        return hooks

    requests.sessions.default_hooks = default_hooks
    _probe_installed = True


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# -- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send to one target."""

    ok: bool
    status: int | None = None
    retry_after: float | None = None
    error: str = ""
    permanent: bool = False


class Sender(Protocol):
    """What :class:`Deliverer` needs from a transport (Apprise in production, fakes in tests)."""

    def limits(self, url: str) -> tuple[int, int]:
        """(title_maxlen, body_maxlen) of the target; 0 = unlimited."""
        ...

    async def send(self, url: str, title: str, body: str, fmt: Format,
                   extras: SendExtras | None = None) -> SendResult: ...


def _secrets_of(url: str) -> list[str]:
    """Pieces of a URL that may be secret (user, password, host-as-token, path, query values)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    pieces = [parts.username, parts.password, parts.hostname, parts.netloc]
    pieces += [unquote(p) for p in parts.path.split("/")]
    pieces += [unquote(kv.partition("=")[2]) for kv in parts.query.split("&")]
    return sorted({p for p in pieces if p and len(p) >= 4}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """Remove anything of ``url`` that could be a token from an error text."""
    text = text.replace(url, "<url>")
    for piece in _secrets_of(url):
        text = text.replace(piece, "***")
    return text


class AppriseSender:
    """Sends through Apprise, one cached plugin instance per URL (see the module docstring)."""

    def __init__(self, timeout: float = 30.0) -> None:
        from service.alerts import channels

        channels.register()
        channels.install_apprise_hooks()
        install_response_probe()
        self.timeout = timeout
        self._cache: dict[str, tuple[Any, Any]] = {}

    def _get(self, url: str) -> tuple[Any, Any]:
        hit = self._cache.get(url)
        if hit is not None:
            return hit
        import apprise

        from service.alerts.channels import normalize_url

        plugin = apprise.Apprise.instantiate(normalize_url(url), suppress_exceptions=True)
        if plugin is None:
            raise ValueError(
                f"not a usable Apprise URL (scheme {scheme_of(url)!r}; check the URL's syntax)"
            )
        plugin.request_rate_per_sec = 0  # our token bucket replaces Apprise's sleep
        plugin.retry = 0  # our retries honour Retry-After and end in the DLQ
        ap = apprise.Apprise()
        ap.add(plugin)
        self._cache[url] = (ap, plugin)
        return ap, plugin

    def limits(self, url: str) -> tuple[int, int]:
        try:
            _, plugin = self._get(url)
        except ValueError:
            return (0, 0)
        return (int(getattr(plugin, "title_maxlen", 0) or 0), int(plugin.body_maxlen or 0))

    async def send(self, url: str, title: str, body: str, fmt: Format,
                   extras: SendExtras | None = None) -> SendResult:
        from service.alerts.channels import current_extras

        try:
            ap, _ = self._get(url)
        except ValueError as exc:
            return SendResult(False, error=str(exc), permanent=True)
        seen: list[tuple[int, str | None]] = []
        token = _responses.set(seen)
        extras_token = current_extras.set(extras)
        try:
            result = await ap.async_notify(
                body=body, title=title, body_format=fmt, timeout=self.timeout
            )
        except Exception as exc:  # a plugin bug must not kill the worker
            return SendResult(False, error=scrub(f"{type(exc).__name__}: {exc}", url))
        finally:
            current_extras.reset(extras_token)
            _responses.reset(token)
        status, retry_after = (seen[-1][0], parse_retry_after(seen[-1][1])) if seen else (None, None)
        if bool(result):
            return SendResult(True, status=status)
        if status is not None and 200 <= status < 300:
            status = None  # e.g. an API answering 200 with an error body: not an HTTP failure
        messages = [
            e.message
            for e in result.logs()
            if getattr(e, "level", "") in ("WARNING", "ERROR", "CRITICAL")
        ]
        detail = scrub("; ".join(messages)[-400:], url) if messages else ""
        error = f"HTTP {status}" if status is not None else "send failed"
        if detail:
            error = f"{error}: {detail}"
        permanent = status is not None and status not in TRANSIENT_STATUSES
        return SendResult(False, status=status, retry_after=retry_after, error=error, permanent=permanent)


# -- rate limiting ----------------------------------------------------------------------------


class TokenBucket:
    """``rate`` sends per second with bursts of ``burst``; ``rate == 0`` means no limit.

    ``pause(seconds)`` stops the bucket for everyone (a 429 with Retry-After concerns the whole
    target, not one message).
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._last = monotonic()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                if self.rate <= 0:
                    return
                self.tokens = min(self.burst, self.tokens + (now - self._last) * self.rate)
                self._last = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await self._sleep((1 - self.tokens) / self.rate)


# -- metrics ----------------------------------------------------------------------------------


class DeliveryMetrics:
    """Prometheus metrics of delivery, in the worker's registry (names documented in delivery.md).

    Labelled by Apprise scheme only: target ids would be safe but unbounded in number.
    """

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.attempts = Counter(
            "escalert_alert_send_attempts",
            "Send attempts to alert targets, by scheme and result (ok, transient, permanent).",
            ["scheme", "result"], registry=r,
        )
        self.outcomes = Counter(
            "escalert_alert_deliveries",
            "(alert, target) deliveries finished, by scheme and outcome (sent, failed).",
            ["scheme", "outcome"], registry=r,
        )
        self.inflight = Gauge(
            "escalert_alert_deliveries_in_progress",
            "(alert, target) deliveries being sent or waiting for a retry.", registry=r,
        )
        self.send_seconds = Histogram(
            "escalert_alert_send_seconds", "Duration of one send attempt, by scheme.", ["scheme"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=r,
        )


# -- the delivery loop --------------------------------------------------------------------------

DeadLetterSink = Callable[[DeadLetter], Awaitable[None]]
UrlResolver = Callable[[str, str], "str | None"]
Renderer = Callable[[Alert, Format, datetime], tuple[str, str]]
Splitter = Callable[[str, "int | None"], list[str]]
Profile = Callable[[str], "tuple[Format, int | None]"]
Documenter = Callable[[Alert, datetime], dict[str, Any]]


def default_renderer(alert: Alert, fmt: Format, now: datetime) -> tuple[str, str]:
    """The renderer (``service.alerts.render.render``) as (title, body)."""
    from service.alerts.render import render

    rendered = render(alert, fmt, now)
    return rendered.title, rendered.body


def default_splitter(text: str, limit: int | None) -> list[str]:
    """The channel-safe splitter (``service.alerts.render.fit``; numbers the parts)."""
    from service.alerts.render import fit

    return fit(text, limit)


def default_profile(url: str) -> tuple[Format, int | None]:
    """The per-scheme (format, length limit): email -> html, chat -> markdown, SMS -> text."""
    from service.alerts.targets import channel_profile

    return channel_profile(url)


def default_document(alert: Alert, now: datetime) -> dict[str, Any]:
    """The JSON body for webhook targets (``service.alerts.render.webhook_document``)."""
    from service.alerts.render import webhook_document

    return webhook_document(alert, now)


Outcome = Literal["sent", "failed", "skipped", "busy"]


@dataclass(frozen=True)
class _Message:
    """An alert rendered for one target: where it goes (and that place redacted for logs), its
    format, title, body parts and extras."""

    url: str
    where: str
    fmt: Format
    title: str
    parts: list[str]
    extras: SendExtras | None


class Deliverer:
    """Delivers alerts to their targets, recording every step in the :class:`Ledger`.

    ``resolve(subscription, target_id) -> url | None`` finds a target's URL in the current
    subscriptions (alerts carry only secret-free ids). ``dlq`` publishes a dead letter.
    ``clock`` (aware ``datetime``) and ``sleep`` are injectable so tests run without waiting.
    """

    def __init__(
        self,
        ledger: Ledger,
        sender: Sender,
        resolve: UrlResolver,
        dlq: DeadLetterSink,
        settings: DeliverySettings | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        renderer: Renderer = default_renderer,
        splitter: Splitter = default_splitter,
        profile: Profile = default_profile,
        document: Documenter = default_document,
        format_for: Callable[[str], Format | None] = lambda subscription: None,
        max_pending: int = 1000,
        metrics: DeliveryMetrics | None = None,
    ) -> None:
        self.ledger = ledger
        self.sender = sender
        self.resolve = resolve
        self.dlq = dlq
        self.settings = settings or DeliverySettings()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.renderer = renderer
        self.splitter = splitter
        self.profile = profile
        self.document = document
        self.format_for = format_for
        self._inflight: set[tuple[str, str]] = set()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self.metrics = metrics
        self._slots = asyncio.Semaphore(max_pending)
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self.stats: dict[str, int] = {"sent": 0, "failed": 0, "retries": 0, "skipped": 0}

    # -- public -----------------------------------------------------------------------------

    async def deliver(self, alert: Alert) -> dict[str, Outcome]:
        """Send ``alert`` to each of its targets not yet done and wait; returns the outcomes.

        Silenced and held alerts are not sent (they are records of a decision). Safe to call
        again for the same alert (a replay): confirmed targets are ``skipped``.
        """
        if alert.status != "deliver" or not alert.target_ids:
            return {}
        todo = self.ledger.record(alert.model_dump(mode="json"), list(alert.target_ids))
        outcomes: dict[str, Outcome] = {t: "skipped" for t in alert.target_ids if t not in todo}
        self.stats["skipped"] += len(outcomes)
        results = await asyncio.gather(*(self._deliver_target(alert, t) for t in todo))
        outcomes.update(zip(todo, results, strict=True))
        return outcomes

    async def submit(self, alert: Alert) -> list[str]:
        """Record ``alert`` in the ledger and deliver it in the background; returns the targets.

        This is what the worker's agent calls: the ledger entry (with the alert) is written
        before the agent moves on, so Faust flushes it to the changelog before it commits the
        ``alerts`` offset, and a crash after that is recovered from the ledger by
        :meth:`resume_pending`. Waits (back-pressure) when ``max_pending`` deliveries are
        already running.
        """
        if alert.status != "deliver" or not alert.target_ids:
            return []
        todo = self.ledger.record(alert.model_dump(mode="json"), list(alert.target_ids))
        self.stats["skipped"] += len(alert.target_ids) - len(todo)
        for target_id in todo:
            await self._spawn(alert, target_id)
        return todo

    async def resume_pending(self) -> int:
        """Start (in the background) every pending ledger entry not already running here.

        Called at start-up (after the ledger table is recovered) and periodically: this is
        what "never forget what was not confirmed" rests on. Returns how many were started.
        """
        started = 0
        for p in self.ledger.pending():
            if (p.alert["alert_id"], p.target_id) in self._inflight:
                continue
            try:
                alert = Alert.model_validate(p.alert)
            except ValueError as exc:  # a payload from an older, incompatible schema
                await self._dead_letter_raw(p.alert, p.target_id, f"unreadable alert: {exc}")
                self.ledger.mark_failed(p.alert["alert_id"], p.target_id, "unreadable alert")
                continue
            await self._spawn(alert, p.target_id)
            started += 1
        return started

    async def drain(self) -> None:
        """Wait until every background delivery has finished (tests, shutdown, the CLI)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def inflight(self) -> int:
        return len(self._inflight)

    async def _spawn(self, alert: Alert, target_id: str) -> None:
        key = (alert.alert_id, target_id)
        if key in self._inflight:
            return
        await self._slots.acquire()
        self._inflight.add(key)  # claimed now, so a second submit/resume cannot start a twin
        task = asyncio.create_task(self._deliver_target(alert, target_id, claimed=True))
        self._tasks.add(task)

        def done(t: asyncio.Task[Outcome]) -> None:
            self._tasks.discard(t)
            self._slots.release()

        task.add_done_callback(done)

    # -- internals --------------------------------------------------------------------------

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before attempt ``attempt + 1``: Retry-After when given, else exponential."""
        s = self.settings
        if retry_after is not None:
            return min(retry_after, s.max_retry_after)
        base = min(s.backoff_max, s.backoff_initial * s.backoff_multiplier ** (attempt - 1))
        return max(0.0, base * (1 + s.jitter * (2 * self.rng() - 1)))

    def _bucket(self, target_id: str) -> TokenBucket:
        b = self._buckets.get(target_id)
        if b is None:
            b = TokenBucket(
                self.settings.rate_per_second,
                self.settings.rate_burst,
                monotonic=lambda: self.clock().timestamp(),  # the injected clock, like sleep
                sleep=self.sleep,
            )
            self._buckets[target_id] = b
        return b

    def _semaphore(self, target_id: str) -> asyncio.Semaphore:
        sem = self._semaphores.get(target_id)
        if sem is None:
            sem = asyncio.Semaphore(self.settings.concurrency_per_target)
            self._semaphores[target_id] = sem
        return sem

    async def _deliver_target(self, alert: Alert, target_id: str, claimed: bool = False) -> Outcome:
        key = (alert.alert_id, target_id)
        if not claimed:
            if key in self._inflight:
                return "busy"
            self._inflight.add(key)
        if self.metrics:
            self.metrics.inflight.inc()
        try:
            outcome = await self._run(alert, target_id)
            if self.metrics and outcome in ("sent", "failed"):
                url = self.resolve(alert.subscription, target_id) or ""
                self.metrics.outcomes.labels(scheme_of(url) or "unknown", outcome).inc()
            return outcome
        except Exception as exc:  # never let one target crash the worker; the ledger keeps it
            log.exception("delivery of alert %s to %s crashed", alert.alert_id, target_id)
            try:
                await self._fail(alert, target_id, f"internal error: {type(exc).__name__}: {exc}", 0)
            except Exception:
                # The DLQ is unreachable too: the entry stays pending and the next
                # resume_pending() pass tries again. Nothing is forgotten.
                log.exception("could not dead-letter alert %s for %s", alert.alert_id, target_id)
            return "failed"
        finally:
            self._inflight.discard(key)
            if self.metrics:
                self.metrics.inflight.dec()

    async def _run(self, alert: Alert, target_id: str) -> Outcome:
        url = self.resolve(alert.subscription, target_id)
        if url is None:
            await self._fail(
                alert, target_id,
                f"target {target_id} is no longer configured for subscription {alert.subscription!r}",
                0,
            )
            return "failed"
        msg = self._render(alert, url)
        while True:
            entry = self.ledger.entry(alert.alert_id, target_id)
            if entry is None or entry["state"] != "pending":
                return "skipped"
            if entry["attempts"] > self.settings.max_attempts and entry.get("error"):
                # Past its attempts but not dead-lettered (the DLQ was unreachable): finish the
                # job without sending again. (At exactly max_attempts the last attempt may have
                # been in flight when the worker died: that one is repeated, at-least-once.)
                await self._fail(alert, target_id, f"{msg.where}: {entry['error']}", entry["attempts"])
                return "failed"
            due = entry.get("next_attempt_at")
            if due:  # a retry scheduled before a restart: keep its Retry-After / backoff
                wait = (datetime.fromisoformat(due) - self.clock()).total_seconds()
                if wait > 0:
                    await self.sleep(min(wait, self.settings.max_retry_after))
            attempt, result = await self._attempt(alert, target_id, msg, int(entry.get("parts_sent") or 0))
            if result.ok:
                self.stats["sent"] += 1
                log.info("alert %s sent to %s (attempt %d)", alert.alert_id, msg.where, attempt)
                return "sent"
            if result.permanent or attempt >= self.settings.max_attempts:
                why = "permanent failure" if result.permanent else f"{attempt} attempts"
                await self._fail(alert, target_id, f"{msg.where}: {result.error} ({why})", attempt)
                return "failed"
            await self._retry_later(alert, target_id, msg.where, attempt, result)

    def _render(self, alert: Alert, url: str) -> _Message:
        """The alert as this target receives it: title, body parts within its limits, extras."""
        from service.alerts.channels import current_alert
        from service.alerts.subscriptions import redact

        # The local file target stores the structured alert; this task's context carries it
        # into Apprise's worker thread (each delivery runs in its own task, so no leaking).
        current_alert.set(alert.model_dump(mode="json"))
        profile_fmt, profile_limit = self.profile(url)
        fmt = self.format_for(alert.subscription) or profile_fmt
        title, body = self.renderer(alert, fmt, self.clock())
        title_max, body_max = self.sender.limits(url)
        # The tighter of the channel's documented limit and the Apprise plugin's own: if Apprise
        # had to split, it could not tell us which of its pieces failed.
        limit = min((x for x in (profile_limit, body_max) if x), default=None)
        webhook = scheme_of(url) in WEBHOOK_SCHEMES
        # A webhook gets the whole alert document in one request: never split it.
        parts = [body] if webhook else (self.splitter(body, limit) or [body])
        if title_max and len(title) > title_max:
            title = title[: max(1, title_max - 1)] + "…"
        return _Message(url, redact(url), fmt, title, parts, self._extras(alert, fmt, parts, webhook))

    async def _attempt(self, alert: Alert, target_id: str, msg: _Message, parts_sent: int) -> tuple[int, SendResult]:
        """One attempt: the parts not sent yet, in order, each recorded; the attempt's number and
        the last result."""
        parts = msg.parts
        await self._bucket(target_id).acquire()
        async with self._semaphore(target_id):
            attempt = self.ledger.begin_attempt(alert.alert_id, target_id, len(parts))
            result = SendResult(True)
            for i in range(min(parts_sent, len(parts)), len(parts)):
                began = time.monotonic()
                result = await self.sender.send(msg.url, msg.title, parts[i], msg.fmt, msg.extras)
                self._observe(msg.url, result, time.monotonic() - began)
                if not result.ok:
                    break
                if len(parts) > 1:
                    self.ledger.part_sent(alert.alert_id, target_id, i + 1)
                    await self.ledger.persisted(alert.alert_id)
            if result.ok:
                # In flight until its record is durable: keep the slot (ledger.py docstring).
                self.ledger.mark_sent(alert.alert_id, target_id)
                await self.ledger.persisted(alert.alert_id)
        return attempt, result

    async def _retry_later(self, alert: Alert, target_id: str, where: str, attempt: int, result: SendResult) -> None:
        """Record the failed attempt's retry (its Retry-After or the backoff) and wait for it."""
        delay = self.backoff(attempt, result.retry_after)
        if result.retry_after is not None:
            self._bucket(target_id).pause(delay)
        self.ledger.mark_retry(alert.alert_id, target_id, result.error, self.clock() + timedelta(seconds=delay))
        self.stats["retries"] += 1
        log.warning(
            "alert %s to %s failed (attempt %d/%d): %s; retrying in %.1fs",
            alert.alert_id, where, attempt, self.settings.max_attempts, result.error, delay,
        )
        await self.sleep(delay)
        # the next loop iteration re-reads the entry; clear the schedule we just honoured
        self.ledger.clear_schedule(alert.alert_id, target_id)

    def _extras(self, alert: Alert, fmt: Format, parts: list[str], webhook: bool) -> SendExtras | None:
        """The email text part (an unsplit HTML body) or the webhook document, if any."""
        if webhook:
            return SendExtras(document=self.document(alert, self.clock()))
        if fmt == "html" and len(parts) == 1:
            return SendExtras(html=parts[0], text=self.renderer(alert, "text", self.clock())[1])
        return None

    def _observe(self, url: str, result: SendResult, seconds: float) -> None:
        if self.metrics is None:
            return
        scheme = scheme_of(url) or "unknown"
        kind = "ok" if result.ok else "permanent" if result.permanent else "transient"
        self.metrics.attempts.labels(scheme, kind).inc()
        self.metrics.send_seconds.labels(scheme).observe(seconds)

    async def _fail(self, alert: Alert, target_id: str, error: str, attempts: int) -> None:
        """Dead-letter first, then mark failed: a crash in between re-sends, never loses."""
        await self._dead_letter_raw(alert.model_dump(mode="json"), target_id, error, attempts)
        if self.ledger.entry(alert.alert_id, target_id) is not None:
            self.ledger.mark_failed(alert.alert_id, target_id, error)
        self.stats["failed"] += 1
        log.error("alert %s to target %s dead-lettered: %s", alert.alert_id, target_id, error)

    async def _dead_letter_raw(
        self, payload: dict[str, Any], target_id: str, error: str, attempts: int = 0
    ) -> None:
        import json

        dl = DeadLetter(
            reason="delivery_failed",
            error=f"alert {payload.get('alert_id')} target {target_id}: {error}"
            + (f" after {attempts} attempt(s)" if attempts else ""),
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
            source_topic="alerts",
            key=str(payload.get("alert_id")),
            failed_at=self.clock(),
        )
        await self.dlq(dl)
