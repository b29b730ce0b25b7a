"""The delivery ledger: for every (alert, target), what happened to it.

Why a ledger: Apprise has no durable queue and Kafka offsets only say "this alert was read".
A chat message or an email cannot be taken back, so the project itself must remember, across
restarts, which targets already confirmed a message (never send those again) and which did not
(send those after a restart). The ledger lives in any ``MutableMapping[str, dict]``: a plain dict
in tests and in ``escalert alerts test``, a changelog-backed Faust table in the worker.

Layout (one key per alert, so one read answers "what is left to do for this alert"):

    ledger[alert_id] = {
        "alert": {...} | None,    # the Alert as JSON while some target is pending, then dropped
        "created_at": iso, "updated_at": iso,
        "targets": {
            target_id: {"state": "pending" | "sent" | "failed",
                        "attempts": int, "parts_sent": int, "parts_total": int | None,
                        "first_attempt_at": iso | None, "last_attempt_at": iso | None,
                        "next_attempt_at": iso | None, "sent_at": iso | None,
                        "error": str | None},
        },
    }

Every change replaces the whole value (``store[key] = new``): a Faust table only writes its
changelog on ``__setitem__``, so mutating a nested dict in place would never be persisted.

A write to a changelog-backed store is durable only once Kafka acknowledged it. A store that can
say when that is has an ``async persisted(key)`` method (the worker's alert tables do); then
:meth:`Ledger.persisted` waits for it. The deliverer waits after recording a confirmed send, so
a crash can only repeat sends whose record was not yet acknowledged, and those still hold their
target's concurrency slot: at most ``concurrency_per_target`` repeats per target.

States: ``pending`` = not confirmed yet (never tried, between retries, or in flight);
``sent`` = the target accepted every part (terminal: never sent again); ``failed`` = the last
attempt failed and the alert went to ``alerts-dlq`` (terminal). A long message is sent in parts;
``parts_sent`` lets a retry resume at the first part not yet accepted instead of repeating the
ones a channel already shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

log = logging.getLogger(__name__)

TargetState = Literal["pending", "sent", "failed"]
TERMINAL: frozenset[str] = frozenset({"sent", "failed"})


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class PendingDelivery:
    """One (alert, target) that still has to be delivered, as found by :meth:`Ledger.pending`."""

    alert: dict[str, Any]
    target_id: str
    attempts: int
    parts_sent: int
    next_attempt_at: datetime | None


class Ledger:
    """Records delivery progress per (alert_id, target_id) in a mapping of JSON-able dicts.

    ``clock`` returns an aware ``datetime``; tests inject a fake one.
    """

    def __init__(
        self,
        store: MutableMapping[str, dict[str, Any]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.clock = clock

    # -- reading ---------------------------------------------------------------------------

    def entry(self, alert_id: str, target_id: str) -> dict[str, Any] | None:
        """The target's record (a copy), or None when the alert was never recorded for it."""
        rec = self.store.get(alert_id)
        if rec is None:
            return None
        t = rec.get("targets", {}).get(target_id)
        return dict(t) if t is not None else None

    def state(self, alert_id: str, target_id: str) -> TargetState | None:
        t = self.entry(alert_id, target_id)
        return t["state"] if t else None

    def is_done(self, alert_id: str, target_id: str) -> bool:
        """True when the target confirmed the alert or it was dead-lettered: never send again."""
        return self.state(alert_id, target_id) in TERMINAL

    def pending(self) -> Iterator[PendingDelivery]:
        """Every (alert, target) not yet confirmed nor dead-lettered: the restart work list."""
        for rec in list(self.store.values()):
            alert = rec.get("alert")
            if alert is None:
                continue
            for tid, t in rec.get("targets", {}).items():
                if t["state"] == "pending":
                    yield PendingDelivery(
                        alert=alert,
                        target_id=tid,
                        attempts=t["attempts"],
                        parts_sent=t.get("parts_sent", 0),
                        next_attempt_at=_parse(t.get("next_attempt_at")),
                    )

    def counts(self) -> dict[str, int]:
        """How many (alert, target) pairs are in each state (for metrics and the CLI)."""
        out = {"pending": 0, "sent": 0, "failed": 0}
        for rec in self.store.values():
            for t in rec.get("targets", {}).values():
                out[t["state"]] = out.get(t["state"], 0) + 1
        return out

    # -- durability --------------------------------------------------------------------------

    async def persisted(self, alert_id: str) -> bool:
        """Wait until the alert's last recorded change is durable; False when it failed.

        Immediate for a store without ``persisted`` (a dict: nothing more to wait for). A failed
        changelog write is logged and reported, not raised: the change it carried (for example
        a confirmed send) has happened all the same and must not be treated as a failed send.
        """
        wait = getattr(self.store, "persisted", None)
        if wait is None:
            return True
        try:
            await wait(alert_id)
        except Exception:  # the producer's error: the record may be lost, the send is not
            log.exception("ledger record of alert %s was not acknowledged by Kafka", alert_id)
            return False
        return True

    # -- writing ---------------------------------------------------------------------------

    def record(self, alert: dict[str, Any], target_ids: list[str]) -> list[str]:
        """Make sure every target of ``alert`` is in the ledger; return those still to deliver.

        Idempotent: recording the same alert again (a replay of the ``alerts`` topic after a
        restart) adds nothing and returns only the targets that are still pending, so what was
        confirmed is never sent twice. The alert payload is kept while anything is pending, so
        that a restart can resume without re-reading the topic.
        """
        alert_id = alert["alert_id"]
        now = _iso(self.clock())
        rec = self.store.get(alert_id)
        if rec is None:
            rec = {"alert": None, "created_at": now, "updated_at": now, "targets": {}}
        targets = dict(rec.get("targets", {}))
        changed = False
        for tid in target_ids:
            if tid not in targets:
                targets[tid] = {
                    "state": "pending",
                    "attempts": 0,
                    "parts_sent": 0,
                    "parts_total": None,
                    "first_attempt_at": None,
                    "last_attempt_at": None,
                    "next_attempt_at": None,
                    "sent_at": None,
                    "error": None,
                }
                changed = True
        todo = [tid for tid in target_ids if targets[tid]["state"] == "pending"]
        if todo and rec.get("alert") is None:
            changed = True
        if changed or alert_id not in self.store:
            self.store[alert_id] = {
                **rec,
                "alert": alert if todo else rec.get("alert"),
                "updated_at": now,
                "targets": targets,
            }
        return todo

    def _update(self, alert_id: str, target_id: str, **changes: Any) -> dict[str, Any]:
        rec = self.store.get(alert_id)
        if rec is None or target_id not in rec.get("targets", {}):
            raise KeyError(f"ledger has no entry for alert {alert_id!r} target {target_id!r}")
        targets = dict(rec["targets"])
        targets[target_id] = {**targets[target_id], **changes}
        new = {**rec, "targets": targets, "updated_at": _iso(self.clock())}
        if all(t["state"] in TERMINAL for t in targets.values()):
            # Nothing left to do: drop the payload, keep the verdicts (they prevent re-sends).
            new["alert"] = None
        self.store[alert_id] = new
        return targets[target_id]

    def begin_attempt(self, alert_id: str, target_id: str, parts_total: int) -> int:
        """Count an attempt *before* sending; returns its number (1-based).

        Written before the send so that a crash mid-send leaves ``pending`` with the attempt
        counted: the send is repeated after a restart (at-least-once), and the retry budget is
        not reset by crashes.
        """
        now = _iso(self.clock())
        cur = self.entry(alert_id, target_id) or {}
        attempts = int(cur.get("attempts", 0)) + 1
        self._update(
            alert_id,
            target_id,
            attempts=attempts,
            parts_total=parts_total,
            first_attempt_at=cur.get("first_attempt_at") or now,
            last_attempt_at=now,
            next_attempt_at=None,
        )
        return attempts

    def part_sent(self, alert_id: str, target_id: str, parts_sent: int) -> None:
        """A part was accepted: a retry starts after it."""
        self._update(alert_id, target_id, parts_sent=parts_sent)

    def mark_sent(self, alert_id: str, target_id: str) -> None:
        now = _iso(self.clock())
        cur = self.entry(alert_id, target_id) or {}
        self._update(
            alert_id,
            target_id,
            state="sent",
            sent_at=now,
            parts_sent=cur.get("parts_total") or cur.get("parts_sent", 0),
            next_attempt_at=None,
            error=None,
        )

    def mark_retry(self, alert_id: str, target_id: str, error: str, next_at: datetime) -> None:
        self._update(alert_id, target_id, error=error, next_attempt_at=_iso(next_at))

    def clear_schedule(self, alert_id: str, target_id: str) -> None:
        """The scheduled retry time was honoured; the next attempt may go at once."""
        self._update(alert_id, target_id, next_attempt_at=None)

    def mark_failed(self, alert_id: str, target_id: str, error: str) -> None:
        self._update(alert_id, target_id, state="failed", error=error, next_attempt_at=None)

    def prune(self, older_than: datetime) -> int:
        """Forget finished alerts last updated before ``older_than``; returns how many.

        Only alerts whose every target is terminal are removed. Keep the retention longer than
        the ``alerts`` topic's: a replay of an alert the ledger forgot would be sent again.
        """
        gone = [
            k
            for k, rec in list(self.store.items())
            if (_parse(rec.get("updated_at")) or older_than) < older_than
            and all(t["state"] in TERMINAL for t in rec.get("targets", {}).values())
        ]
        for k in gone:
            del self.store[k]
        return len(gone)
