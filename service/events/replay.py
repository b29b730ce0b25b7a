"""Event alerts replayed without Kafka: what the event stage would tell each subscription.

The dry run (``escalert alerts test``) and ``bench/events_messages.py`` feed signals in arrival
order to the same pure parts the worker runs -- :class:`~service.events.consolidate.Consolidator`,
:class:`~service.events.alerting.EventAlerting` and its
:class:`~service.events.grouping.EventGrouper` -- with each signal's arrival time as the clock;
grouped messages fall due as they would live, and whatever waits at the end goes out at its own
due time. Calendar reminders and no-report alerts depend on the wall clock and are left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from schemas.alert import Alert
from schemas.signal import Signal
from schemas.subscription import Silence
from service.alerts.subscriptions import SubscriptionSet
from service.events.alerting import EventAlerting
from service.events.consolidate import Consolidator

MAX_ROUNDS = 100_000  # bound on the due messages closed between two arrivals


def drain_due(next_due: Callable[[], datetime | None], flush: Callable[[datetime], list[Alert]],
              until: datetime | None) -> list[Alert]:
    """What ``flush`` sends at each due time ``next_due`` gives, up to ``until`` (None: until
    nothing is due), as a live timer would (noise control or event grouping)."""
    out: list[Alert] = []
    for _ in range(MAX_ROUNDS):
        due = next_due()
        if due is None or (until is not None and due > until):
            break
        out.extend(flush(due))
    return out


class EventReplay:
    """Consolidation, event alerting and grouping over in-memory state, driven by arrivals."""

    def __init__(self, subs: SubscriptionSet, *, silences: Callable[[], list[Silence]] | None = None) -> None:
        self.consolidator = Consolidator()
        self.alerting = EventAlerting(subs, silences=silences)
        self.alerts: list[Alert] = []

    def arrive(self, signal: Signal, at: datetime) -> None:
        """One signal arrives at ``at`` (after the messages due before it went out)."""
        self.until(at)
        grouper = self.alerting.grouper
        for version in self.consolidator.fold(signal):
            self.alerts += grouper.add(self.alerting.process(version, at), at)

    def until(self, t: datetime | None) -> None:
        """Send the grouped messages due up to ``t`` (None: all of them), each at its due time."""
        grouper = self.alerting.grouper
        self.alerts += drain_due(grouper.next_due, grouper.flush_due, t)

    def event_of(self) -> dict[str, str]:
        """signal id -> the event it joined."""
        return {sid: rec["event_id"] for key, rec in self.consolidator.state.items()
                if key.startswith("e|") for sid in rec["_ids"]}


def replay_events(subs: SubscriptionSet, arrivals: Iterable[tuple[datetime, Signal]], *,
                  silences: Callable[[], list[Silence]] | None = None,
                  ) -> tuple[list[Alert], dict[str, Counter[str]]]:
    """Every event alert and grouped message the subscriptions with ``events`` would get, and
    per subscription: ``events`` (distinct events told), ``alerts`` (messages sent),
    ``silenced`` and ``held``."""
    run = EventReplay(subs, silences=silences)
    for at, signal in arrivals:
        run.arrive(signal, at)
    run.until(None)
    stats: dict[str, Counter[str]] = {}
    told: dict[str, set[str]] = {}
    for a in run.alerts:
        c = stats.setdefault(a.subscription, Counter())
        c["alerts" if a.status == "deliver" else a.status] += 1
        if a.status == "deliver":
            ids = [n.event_id for n in a.events] or ([a.event_id] if a.event_id else [])
            told.setdefault(a.subscription, set()).update(ids)
    for name, ids in told.items():
        stats[name]["events"] = len(ids)
    return run.alerts, stats
