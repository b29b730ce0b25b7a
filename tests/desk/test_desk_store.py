"""The history store on SQLite and PostgreSQL: migrations, idempotent ingest, filters, retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from service.desk import tables as T
from service.desk.rows import BadMessage, alert_rows, event_rows, ledger_rows, signal_rows
from service.desk.store import Query, Store, decode_cursor


def latest(versions: list[dict]) -> dict[str, dict]:
    """The last version of each event id."""
    return {v["event_id"]: v for v in versions}


def _dump(store: Store) -> dict[str, list]:
    """Every row of every table, sorted: what "the same rows" means."""
    out = {}
    with store.engine.connect() as conn:
        for t in T.ALL:
            rows = [tuple(json.dumps(v, sort_keys=True, default=str) for v in r)
                    for r in conn.execute(sa.select(t))]
            out[t.name] = sorted(rows)
    return out


def test_migrations_create_exactly_the_tables_the_code_uses(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.desk.search import is_search_object

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, parent: not (name and is_search_object(name))})
        diff = compare_metadata(ctx, T.metadata)
    # The version table is Alembic's own; everything else must match tables.py.
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name == "desk_alembic_version")] == []


def test_migrate_twice_is_a_no_op(db_url):
    Store.open(db_url).close()
    st = Store.open(db_url)
    assert st.counts()["signals"] == 0
    st.close()


def test_ingest_twice_and_in_other_batches_gives_the_same_rows(store, seed_signals, seed_alerts,
                                                               seed_events):
    rows = ([signal_rows(s) for s in seed_signals] + [alert_rows(a) for a in seed_alerts]
            + [event_rows(e) for e in seed_events])
    store.ingest(rows)
    first = _dump(store)
    assert len(first["signals"]) == len({s["signal_id"] for s in seed_signals})
    store.clear()
    assert store.counts()["signals"] == 0
    for i in range(0, len(rows), 7):  # a replay in other batch sizes, every message twice
        store.ingest(rows[i:i + 7])
        store.ingest(rows[i:i + 7])
    assert _dump(store) == first


def test_the_newest_version_of_an_event_wins(store, seed_events):
    multi = [e for e, v in latest(seed_events).items()
             if sum(x["event_id"] == e for x in seed_events) > 1]
    assert multi
    eid = multi[0]
    versions = [v for v in seed_events if v["event_id"] == eid]
    store.ingest([event_rows(versions[0])])
    store.ingest([event_rows(v) for v in versions[1:]])
    assert store.event(eid)["version"] == versions[-1]["version"]
    want = {a["code"] for r in ("source", "target") for a in versions[-1]["actors"][r]}
    with store.engine.connect() as conn:
        codes = {r[0] for r in conn.execute(sa.select(T.event_codes.c.code).where(
            T.event_codes.c.event_id == eid, T.event_codes.c.role != "place"))}
        links = [r[0] for r in conn.execute(sa.select(T.event_signals.c.signal_id))]
    assert codes == want
    assert links == [versions[-1]["representative"]["signal_id"]]


def test_events_filtered_by_calendar_state_and_actor(store, seed_events):
    store.ingest([event_rows(v) for v in seed_events])
    evs = latest(seed_events)
    announced = store.events(Query(statuses=["announced"], limit=200)).items
    assert sorted(e["event_id"] for e in announced) == sorted(
        e for e, v in evs.items() if v["schedule"] == "announced")
    nato = store.events(Query(actors=["NATO"], limit=200)).items
    assert nato and all(any(a["code"] == "NATO" for r in ("source", "target") for a in e["actors"][r])
                        for e in nato)


def test_filters_and_pages(store, seed_signals):
    store.ingest([signal_rows(s) for s in seed_signals])
    rus = [s for s in seed_signals if any(a["code"] == "RUS" for r in ("source", "target")
                                          for a in s["actors"][r])]
    got, cursor = [], None
    for _ in range(100):
        page = store.signals(Query(actors=["rus"], limit=4, cursor=cursor))
        got.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(s["signal_id"] for s in got) == sorted(s["signal_id"] for s in rus)
    times = [s["article"]["published_at"] for s in got]
    assert times == sorted(times, reverse=True)

    severe = store.signals(Query(types=["ASSAULT"], min_severity=5, limit=500)).items
    assert severe and all(s["type"] == "ASSAULT" and s["severity"] == 5 for s in severe)
    assert len(severe) == sum(s["type"] == "ASSAULT" and s["severity"] >= 5 for s in seed_signals)

    geneva = store.signals(Query(q="GENEVA", limit=500)).items
    assert geneva and all("geneva" in json.dumps(s).lower() for s in geneva)

    ukr = store.signals(Query(countries=["UKR"], limit=500)).items
    assert ukr and all(s["location"]["country"] == "UKR" for s in ukr)


def test_time_window(store, seed_signals):
    store.ingest([signal_rows(s) for s in seed_signals])
    times = sorted({datetime.fromisoformat(s["article"]["published_at"]) for s in seed_signals})
    mid = times[len(times) // 2].replace(tzinfo=None)
    newer = store.signals(Query(since=mid, limit=500)).items
    older = store.signals(Query(until=mid, limit=500)).items
    assert len(newer) + len(older) == len(seed_signals)
    assert newer and older


def test_retention_counts_from_arrival_and_deletes_old_rows_only(store, seed_signals, seed_alerts):
    base = datetime(2026, 1, 1)
    arrived = {s["signal_id"]: base + timedelta(minutes=i) for i, s in enumerate(seed_signals)}
    store.ingest([signal_rows(s, arrived[s["signal_id"]]) for s in seed_signals]
                 + [alert_rows(a, base) for a in seed_alerts])
    cut = base + timedelta(minutes=len(seed_signals) // 2)
    gone = store.prune(cut)
    assert gone["signals"] == sum(t < cut for t in arrived.values())
    assert gone["alerts"] == len({a["alert_id"] for a in seed_alerts})
    left = store.signals(Query(limit=1000)).items
    assert sorted(s["signal_id"] for s in left) == sorted(k for k, t in arrived.items() if t >= cut)
    with store.engine.connect() as conn:
        for child, key, parent in ((T.signal_codes, "signal_id", T.signals),
                                   (T.alert_signals, "alert_id", T.alerts)):
            orphans = conn.execute(sa.select(sa.func.count()).select_from(child).where(
                ~child.c[key].in_(sa.select(parent.c[key])))).scalar_one()
            assert orphans == 0, child.name


def test_deliveries_from_the_ledger_changelog(store, seed_alerts):
    a = seed_alerts[0]
    store.ingest([alert_rows(a)])
    value = {"alert": None, "created_at": "2025-01-01T00:00:00+00:00",
             "updated_at": "2025-01-01T00:01:00+00:00",
             "targets": {"mailtos-0123456789ab": {
                 "state": "failed", "attempts": 6, "sent_at": None,
                 "last_attempt_at": "2025-01-01T00:01:00+00:00",
                 "error": "smtp refused mailtos://user:hunter2@smtp.example.org"}}}
    store.ingest([ledger_rows(json.dumps(a["alert_id"]).encode(), json.dumps(value).encode())])
    got = store.deliveries(a["subscription"], None, None).items
    d = [x for x in got if x["alert"]["alert_id"] == a["alert_id"]][0]["deliveries"]
    assert d[0]["state"] == "failed" and d[0]["attempts"] == 6
    assert "hunter2" not in json.dumps(got)
    assert ledger_rows(b'"al-x"', None) is None  # a tombstone keeps the history


def test_deliveries_come_a_page_at_a_time(store, seed_alerts):
    store.ingest([alert_rows(a) for a in seed_alerts])
    sub = max({a["subscription"] for a in seed_alerts},
              key=lambda n: sum(a["subscription"] == n for a in seed_alerts))
    mine = [a for a in seed_alerts if a["subscription"] == sub]
    assert len(mine) > 5
    got, cursor = [], None
    for _ in range(len(mine)):
        page = store.deliveries(sub, None, None, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        got += [x["alert"]["alert_id"] for x in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert cursor is None
    assert sorted(got) == sorted(a["alert_id"] for a in mine) and len(set(got)) == len(got)
    newest_first = [store.alert(i)["created_at"] for i in got]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize("raw,what", [
    (b"{not json", "not a Signal"),
    (json.dumps({"signal_id": "x"}).encode(), "not a Signal"),
])
def test_bad_signal_messages_are_named(raw, what):
    with pytest.raises(BadMessage, match=what):
        signal_rows(raw)


def test_bad_event_and_ledger_messages_are_named():
    with pytest.raises(BadMessage, match="not an Event: event_id: Field required"):
        event_rows(b'{"type": "CONSULT"}')
    with pytest.raises(BadMessage, match="not a delivery-ledger record"):
        ledger_rows(b'"al-1"', b'{"alert": null}')


def test_cursor_from_elsewhere_is_refused():
    with pytest.raises(ValueError, match="not a cursor"):
        decode_cursor("hello")
    assert decode_cursor(__import__("service.desk.store", fromlist=["x"])._encode_cursor(
        datetime(2025, 1, 1) + timedelta(hours=1), "k")) == (datetime(2025, 1, 1, 1), "k")


def test_actor_and_type_over_a_period_and_a_signal_whose_type_changed(store, seed_signals):
    """Actor + type + period reads the type and time copied onto the actor's code rows: a new
    version of a signal with another type or time must move its code rows with it."""
    store.ingest([signal_rows(s) for s in seed_signals])
    sig = next(s for s in seed_signals if s["actors"]["source"] and s["type"] != "SANCTION")
    actor = sig["actors"]["source"][0]["code"]
    when = datetime.fromisoformat(sig["article"]["published_at"].replace("Z", "+00:00"))
    period = {"since": when.replace(tzinfo=None) - timedelta(days=1),
              "until": when.replace(tzinfo=None) + timedelta(days=1)}

    def ids(type_: str, **kw) -> set[str]:
        page = store.signals(Query(actors=[actor], types=[type_], limit=200, **kw))
        return {s["signal_id"] for s in page.items}

    assert sig["signal_id"] in ids(sig["type"], **period)
    changed = {**sig, "type": "SANCTION",
               "article": {**sig["article"], "published_at": "2031-01-01T00:00:00Z"}}
    store.ingest([signal_rows(changed)])
    assert sig["signal_id"] not in ids(sig["type"], **period)
    assert sig["signal_id"] not in ids("SANCTION", **period)
    assert sig["signal_id"] in ids("SANCTION", since=datetime(2030, 12, 31), until=datetime(2031, 1, 2))
