"""The dry run behind ``escalert alerts test``: which alerts would each subscription have received?

Inputs are either articles (anything ``escalert detect`` reads; the detector runs on them) or a
signals file (JSONL of :class:`~schemas.signal.Signal`, e.g. saved ``escalert detect`` output),
told apart by the first record: a JSON object with ``signal_id`` and ``type`` is a signal.

The replay is pure: no Kafka, no delivery. Signals are replayed in the order of their articles'
publication time with that time as the clock (``clock="published"``), so grouping windows, repeat
intervals, quiet hours and digests behave as they would have live; or all at the current time
(``clock="now"``). At the end every open window and buffer is closed at its due time.

Subscriptions with ``events`` get what the event stage would send them
(:mod:`service.events.replay`: signals consolidated into events, event alerts, grouped
messages); the others get signal alerts from noise control.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from schemas.alert import Alert
from schemas.signal import Signal
from schemas.subscription import Silence
from service.alerts.noise import NoiseControl
from service.alerts.subscriptions import SubscriptionSet
from service.inputs import InputError, ParsedArticle, expand_paths, loads_json, read_articles

MAX_FLUSH_ROUNDS = 100_000  # bound for closing windows at the end


@dataclass
class DryRunReport:
    alerts: list[Alert] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    signals: int = 0
    articles: int = 0
    stats: dict[str, Counter[str]] = field(default_factory=dict)

    def by_subscription(self) -> dict[str, list[Alert]]:
        out: dict[str, list[Alert]] = {}
        for a in self.alerts:
            out.setdefault(a.subscription, []).append(a)
        return out


def _first_record(path: Path) -> object | None:
    try:
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    return loads_json(line.decode("utf-8"))
    except (OSError, ValueError):  # ArticleRejected and UnicodeDecodeError are ValueErrors
        return None
    return None


def is_signals_file(path: str | Path) -> bool:
    """A ``.jsonl`` file whose first record looks like a signal (``signal_id`` and ``type``)."""
    p = Path(path)
    if p.suffix != ".jsonl" or not p.is_file():
        return False
    first = _first_record(p)
    return isinstance(first, dict) and "signal_id" in first and "type" in first


def read_signals(path: Path) -> Iterator[Signal | InputError]:
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            origin = f"{path}:{lineno}"
            try:
                yield Signal.model_validate_json(line)
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                loc = ".".join(str(p) for p in err["loc"]) or "signal"
                reason = "not_json" if err["type"] == "json_invalid" else "schema"
                yield InputError(origin, reason, f"{loc}: {err['msg']}", line)


def collect(
    paths: Iterable[str],
    detect: Callable | None = None,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
) -> tuple[list[Signal], list[InputError], int]:
    """(signals, input errors, article count) from signal files and article inputs."""
    if detect is None:
        from service.detection import detect as detect  # noqa: PLC0415
    signals: list[Signal] = []
    errors: list[InputError] = []
    articles = 0
    article_paths: list[str] = []
    for item in expand_paths(paths):
        if item != "-" and is_signals_file(item):
            for s in read_signals(Path(item)):
                (errors if isinstance(s, InputError) else signals).append(s)  # type: ignore[arg-type]
        else:
            article_paths.append(str(item))
    if article_paths:
        for parsed in progress(read_articles(article_paths)):
            if isinstance(parsed, InputError):
                errors.append(parsed)
                continue
            assert isinstance(parsed, ParsedArticle)
            articles += 1
            try:
                signals.extend(detect(parsed.article))
            except Exception as exc:  # a detector bug must not hide the other inputs
                errors.append(InputError(parsed.origin, "detection_error", f"{type(exc).__name__}: {exc}"))
    return signals, errors, articles


def replay(
    subs: SubscriptionSet,
    signals: list[Signal],
    *,
    clock: Literal["published", "now"] = "published",
    now: datetime | None = None,
    silences: list[Silence] | None = None,
) -> tuple[list[Alert], dict[str, Counter[str]]]:
    """Run routing and noise control (and, for subscriptions with ``events``, the event stage)
    over ``signals``; every alert decided, in order."""
    start = now or datetime.now(UTC)
    if clock == "published":
        ordered = sorted(signals, key=lambda s: s.article.published_at)
        arrivals = [(s.article.published_at, s) for s in ordered]
    else:
        arrivals = [(start, s) for s in signals]
    alerts, stats = _replay_signal_alerts(subs, arrivals, start, silences)
    if any(s.events is not None for s in subs.subscriptions):
        from service.events.replay import replay_events  # noqa: PLC0415 (only when asked for)

        event_alerts, event_stats = replay_events(subs, arrivals, silences=lambda: list(silences or []))
        alerts = sorted([*alerts, *event_alerts], key=lambda a: a.created_at)  # stable: ties keep order
        for name, counts in event_stats.items():
            stats.setdefault(name, Counter()).update(counts)
    return alerts, stats


def _replay_signal_alerts(subs: SubscriptionSet, arrivals: list[tuple[datetime, Signal]],
                          start: datetime, silences: list[Silence] | None,
                          ) -> tuple[list[Alert], dict[str, Counter[str]]]:
    nc = NoiseControl(subs, {}, clock=lambda: start, silences=lambda: list(silences or []))
    alerts: list[Alert] = []
    t = start
    for t, s in arrivals:
        # close what fell due before this signal at its own due time, as the live timer would
        for _ in range(MAX_FLUSH_ROUNDS):
            due = nc.next_due()
            if due is None or due > t:
                break
            alerts.extend(nc.flush_due(due))
        alerts.extend(nc.flush_due(t))
        alerts.extend(nc.process(s, t))
    for _ in range(MAX_FLUSH_ROUNDS):
        due = nc.next_due()
        if due is None:
            break
        t = max(t, due)
        alerts.extend(nc.flush_due(t))
    else:
        alerts.extend(nc.flush_all(t))
    return alerts, nc.stats


def dry_run(
    subs: SubscriptionSet,
    paths: Iterable[str],
    *,
    clock: Literal["published", "now"] = "published",
    now: datetime | None = None,
    silences: list[Silence] | None = None,
    detect: Callable | None = None,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
) -> DryRunReport:
    signals, errors, articles = collect(paths, detect, progress)
    alerts, stats = replay(subs, signals, clock=clock, now=now, silences=silences)
    return DryRunReport(alerts=alerts, errors=errors, signals=len(signals), articles=articles,
                        stats=stats)


COUNTERS = ("matched", "events", "alerts", "digests", "grouped", "throttled", "held", "silenced",
            "digested", "duplicate")


def summary_lines(report: DryRunReport, subs: SubscriptionSet) -> list[str]:
    """The human summary: per subscription, the alerts it would get and what noise control did."""
    lines = [f"{report.articles} articles, {report.signals} signals, "
             f"{len(report.errors)} invalid inputs"]
    per = report.by_subscription()
    for sub in subs.subscriptions:
        st = report.stats.get(sub.name, Counter())
        counts = ", ".join(f"{k} {st[k]}" for k in COUNTERS if st[k]) or "nothing matched"
        lines.append("")
        lines.append(f"{sub.name}: {counts}")
        for a in per.get(sub.name, []):
            mark = {"deliver": "SEND", "held": "HELD", "silenced": "MUTE"}[a.status]
            extra = f" by {a.silenced_by}" if a.silenced_by else ""
            srcs = f", {a.source_count} sources" if a.source_count > 1 else ""
            lines.append(
                f"  {mark}{extra} {a.created_at:%Y-%m-%d %H:%M} [S{a.severity}] {a.kind}"
                f" {a.title} ({a.signal_count} signals{srcs})"
            )
    return lines
