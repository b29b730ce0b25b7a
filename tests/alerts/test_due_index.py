"""The due-time index shared by noise control and event grouping."""

from datetime import UTC, datetime

from service.alerts.noise import DueIndex
from service.events.grouping import EventGrouper


def test_due_in_time_order_then_key_and_forgets_what_is_no_longer_due():
    state: dict = {}
    idx = DueIndex(state)
    idx.put("b", {"due": 10.0})
    idx.put("a", {"due": 10.0})
    idx.put("c", {"due": 5.0})
    idx.put("later", {"due": 99.0})
    idx.put("idle", {"due": None})
    idx.rescanned = 0.0
    assert [k for k, _ in idx.due(20.0)] == ["c", "a", "b"]
    state["c"] = {"due": None}  # written underneath, e.g. by a staged view's commit
    del state["a"]
    assert [k for k, _ in idx.due(20.0)] == ["b"]
    assert sorted(idx.times) == ["b", "later"]
    assert idx.next_due() == 10.0


def test_rescan_rebuilds_from_state_and_drops_expired_idle_records():
    state = {"g|x": {"due": 3.0}, "g|idle": {"due": None, "expires": 1.0},
             "g|kept": {"due": None, "expires": 50.0}, "other": {"due": 1.0}}
    idx = DueIndex(state, prefix="g|")
    idx.rescan(10.0)
    assert idx.times == {"g|x": 3.0}
    assert "g|idle" not in state and "g|kept" in state and "other" in state


def test_rescans_on_its_own_after_the_interval():
    state: dict = {}
    idx = DueIndex(state, interval=60.0)
    assert list(idx.due(0.0)) == []
    state["new"] = {"due": 1.0}  # e.g. a table recovering a newly assigned partition
    assert list(idx.due(30.0)) == []  # not seen before the interval
    assert [k for k, _ in idx.due(61.0)] == ["new"]


class _NoSubscriptions:
    def get(self, name):
        return None


def test_swapping_the_state_moves_the_index_with_it():
    """The worker decides on a staged view of the table and swaps it in and out: the index
    must read and write whichever state is current."""
    g = EventGrouper(_NoSubscriptions())  # type: ignore[arg-type]
    staged = {"g|s|k": {"due": 1.0, "sub": "s"}}
    g.state = staged
    assert g.index.state is staged
    g.rescan(datetime(2026, 1, 1, tzinfo=UTC))
    assert g.next_due() == datetime.fromtimestamp(1.0, UTC)
