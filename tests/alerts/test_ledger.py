"""The delivery ledger: idempotent recording, the state machine, restart work list, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.alerts.ledger import Ledger


def _alert(alert_id: str = "a1") -> dict:
    return {"alert_id": alert_id, "subscription": "ops", "status": "deliver"}


class _Recording(dict):
    """A dict that counts whole-value writes, like a Faust table writes its changelog."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def __setitem__(self, key, value) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_record_is_idempotent_and_returns_only_pending(clock) -> None:
    ledger = Ledger({}, clock)
    assert ledger.record(_alert(), ["t1", "t2"]) == ["t1", "t2"]
    ledger.begin_attempt("a1", "t1", 1)
    ledger.mark_sent("a1", "t1")
    # A replay of the same alert after a restart: t1 was confirmed, only t2 is left.
    assert ledger.record(_alert(), ["t1", "t2"]) == ["t2"]
    assert ledger.state("a1", "t1") == "sent"
    assert ledger.is_done("a1", "t1") and not ledger.is_done("a1", "t2")


def test_every_change_is_a_whole_value_write(clock) -> None:
    store = _Recording()
    ledger = Ledger(store, clock)
    ledger.record(_alert(), ["t1"])
    before = store.writes
    ledger.begin_attempt("a1", "t1", 2)
    ledger.part_sent("a1", "t1", 1)
    ledger.mark_sent("a1", "t1")
    # Nested in-place mutation would never reach a Faust changelog: each step must write.
    assert store.writes == before + 3
    assert store["a1"]["targets"]["t1"]["parts_sent"] == 2


def test_attempts_and_timestamps(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert(), ["t1"])
    assert ledger.begin_attempt("a1", "t1", 1) == 1
    first = ledger.entry("a1", "t1")["first_attempt_at"]
    clock.advance(seconds=30)
    ledger.mark_retry("a1", "t1", "HTTP 500", clock() + timedelta(seconds=4))
    assert ledger.begin_attempt("a1", "t1", 1) == 2
    e = ledger.entry("a1", "t1")
    assert e["first_attempt_at"] == first
    assert e["last_attempt_at"] > first
    assert e["state"] == "pending" and e["error"] == "HTTP 500"


def test_pending_lists_unconfirmed_with_payload_and_drops_payload_when_done(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert("a1"), ["t1", "t2"])
    ledger.record(_alert("a2"), ["t1"])
    ledger.begin_attempt("a1", "t1", 1)  # in flight when the worker died
    pending = {(p.alert["alert_id"], p.target_id) for p in ledger.pending()}
    assert pending == {("a1", "t1"), ("a1", "t2"), ("a2", "t1")}
    ledger.mark_sent("a1", "t1")
    ledger.mark_failed("a1", "t2", "HTTP 500")
    assert {(p.alert["alert_id"], p.target_id) for p in ledger.pending()} == {("a2", "t1")}
    # Nothing left to do for a1: its payload is dropped, its verdicts stay.
    assert ledger.store["a1"]["alert"] is None
    assert ledger.state("a1", "t2") == "failed"
    assert ledger.counts() == {"pending": 1, "sent": 1, "failed": 1}


def test_a_new_target_on_replay_is_added(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert(), ["t1"])
    ledger.mark_sent("a1", "t1")
    assert ledger.store["a1"]["alert"] is None
    assert ledger.record(_alert(), ["t1", "t3"]) == ["t3"]
    assert ledger.store["a1"]["alert"]["alert_id"] == "a1"


def test_update_of_unknown_entry_names_it(clock) -> None:
    ledger = Ledger({}, clock)
    with pytest.raises(KeyError, match="a9.*t1"):
        ledger.mark_sent("a9", "t1")


def test_prune_forgets_only_finished_and_old(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert("old-done"), ["t1"])
    ledger.mark_sent("old-done", "t1")
    ledger.record(_alert("old-pending"), ["t1"])
    clock.advance(days=20)
    ledger.record(_alert("new-done"), ["t1"])
    ledger.mark_sent("new-done", "t1")
    assert ledger.prune(clock() - timedelta(days=14)) == 1
    assert set(ledger.store) == {"old-pending", "new-done"}
