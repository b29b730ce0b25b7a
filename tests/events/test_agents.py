"""The event stage's Faust-free helpers: keys, tombstones, batch coalescing, feed filters."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from faust.serializers import codecs
from multidict import MultiDict

from schemas.common import EventType
from schemas.deadletter import DeadLetter
from service.events.agents import (
    EventMetrics,
    RevisionNotices,
    calendar_filter,
    coalesce,
    observe_update,
    retracted_article,
    signal_key,
    signal_revision,
)
from service.events.tables import JsonValues, event_partition, kafka_partition
from tests.alerts.conftest import make_signal


def test_signal_key_is_the_type_and_junk_has_none():
    assert signal_key(b'{"type": "MOBILIZE", "x": 1}') == "MOBILIZE"
    for junk in (b"", None, b"not json", b"[1]", b'{"type": 3}', b'{"type": "../x"}'):
        assert signal_key(junk) is None


def test_a_signal_of_a_republished_article_names_it_and_its_revision():
    sig = make_signal(3)
    first = signal_json(sig)
    assert b'"revision":0' in first and signal_revision(first) is None
    again = signal_json(sig.model_copy(update={"article": sig.article.model_copy(update={"revision": 2})}))
    assert signal_revision(again) == ("art-3", 2)
    assert signal_revision(b'{"article": {"revision": "x"}}') is None and signal_revision(b"junk") is None
    notices = RevisionNotices(limit=2)
    assert notices.first("a", 1) and not notices.first("a", 1) and notices.first("a", 2)
    assert notices.first("b", 1) and notices.first("a", 1)  # the oldest was forgotten: bounded


def signal_json(signal) -> bytes:
    """A signal as the stream stage serializes it."""
    return type(signal).__pydantic_serializer__.to_json(signal)


def _dl(**kw) -> bytes:
    base = dict(reason="not_json", error="articles[2]@17: empty payload (null message value)", payload="",
                key="art-9", failed_at=datetime(2025, 1, 1, tzinfo=UTC))
    return DeadLetter(**{**base, **kw}).model_dump_json().encode()


def test_a_tombstone_dead_letter_names_the_withdrawn_article_and_nothing_else_does():
    assert retracted_article(_dl()) == "art-9"
    assert retracted_article(_dl(key=None)) is None
    assert retracted_article(_dl(payload="{", error="not JSON")) is None
    assert retracted_article(_dl(reason="schema")) is None
    assert retracted_article(b"garbage") is None


def test_coalesce_keeps_the_last_version_with_every_change():
    latest: dict = {}
    coalesce(latest, {"event_id": "e1", "version": 2, "changes": ["schedule_changed"]}, 1000.0)
    coalesce(latest, {"event_id": "e2", "version": 1, "changes": ["new"]}, 1001.0)
    coalesce(latest, {"event_id": "e1", "version": 3, "changes": ["date_changed", "schedule_changed"]}, 1002.0)
    assert [v["version"] for v, _ in latest.values()] == [1, 3]
    assert latest["e1"][0]["changes"] == ["schedule_changed", "date_changed"]
    assert latest["e1"][1] == [1000.0, 1002.0]


def test_calendar_filter_from_the_query():
    event = {"type": "CONSULT", "actors": {"source": [{"code": "USA"}], "target": [{"code": "RUS"}]},
             "location": {"name": "Geneva", "country": "CHE"}}
    assert calendar_filter(MultiDict())(event)
    assert calendar_filter(MultiDict([("actor", "rus"), ("type", "CONSULT")]))(event)
    assert not calendar_filter(MultiDict([("country", "BEL")]))(event)
    assert not calendar_filter(MultiDict([("type", "ASSAULT"), ("type", "MOBILIZE")]))(event)


def test_table_keys_live_in_their_events_partition():
    from aiokafka.partitioner import DefaultPartitioner

    # The producer's partitioner puts an event id's versions where its table entries live.
    producer = DefaultPartitioner()
    for i in range(50):
        key = f"ev-{i:020x}"
        assert kafka_partition(key, 4) == producer(key.encode(), [0, 1, 2, 3], [0, 1, 2, 3])
    assert event_partition("x|ev-1", 4) == event_partition("ev-1", 4) == kafka_partition("ev-1", 4)
    assert sorted({kafka_partition(f"ev-{i}", 4) for i in range(50)}) == [0, 1, 2, 3]


def test_the_event_stage_is_off_under_exactly_once(tmp_path):
    from service.config import load_settings
    from service.stream.app import _maybe_register_events
    from service.stream.topics import topic_specs

    eos = load_settings(processing_guarantee="exactly_once", data_dir=str(tmp_path))
    assert _maybe_register_events(object(), eos) is False  # type: ignore[arg-type]
    assert not [s for s in topic_specs(eos) if "event" in s.name or "trajector" in s.name]
    alo = load_settings(data_dir=str(tmp_path))
    assert [s.name for s in topic_specs(alo) if s.name == "events"] == ["events"]


def test_json_values_read_and_write_what_fausts_json_codec_does():
    codec = codecs.get_codec("json")
    raw = {"e|x": codec.dumps({"a": "Zürich", "n": [1, 2.5, None]})}
    values = JsonValues(raw)
    assert values["e|x"] == {"a": "Zürich", "n": [1, 2.5, None]}
    values["m|y"] = {"b": ["RUS"], "t": 1740824280.0}
    assert isinstance(raw["m|y"], bytes)
    assert codec.loads(raw["m|y"]) == {"b": ["RUS"], "t": 1740824280.0}
    assert values.get("nope") is None and "e|x" in values and set(values) == {"e|x", "m|y"}
    del values["e|x"]
    assert len(values) == 1


# -- the agents over the batch intake: acks only once the sends are acknowledged ----------------


def _consumed(topic: str, offset: int, value: bytes, key: bytes = b"k"):
    from faust.types import TP
    from faust.types.tuples import ConsumerMessage

    return ConsumerMessage(topic, 0, offset, 1_700_000_000.0, 0, [], key, value, None, len(key), len(value),
                           TP(topic, 0), generation_id=1)


class _NoEvents:
    """A Faust stream that delivers nothing (the intake gets the messages directly)."""

    async def take_events(self, n, within):
        await asyncio.Event().wait()
        yield []  # pragma: no cover - never reached


def _event_stage(tmp_path, name: str):
    from service.config import load_settings
    from service.stream.app import create_app

    # memory:// tables: a unit test without a broker cannot open the consolidation table's
    # RocksDB partitions (assigned by a rebalance); the integration tests run rocksdb://.
    s = load_settings(app_id=f"unit-events-{name}", brokers="127.0.0.1:1", store="memory://",
                      data_dir=str(tmp_path))
    app = create_app(s, detect=lambda a: [], with_alerts=False)
    return app, app.escalert_events


@pytest.mark.parametrize("agent", ["events-key", "events-consolidate", "events-follow"])
async def test_event_stage_messages_are_acked_only_after_their_sends(tmp_path, monkeypatch, agent):
    from service.stream.intake import run_batches
    from service.stream.producer import TopicSender

    app, parts = _event_stage(tmp_path, agent)
    held: list[asyncio.Future] = []
    sent: list = []

    async def send(messages):
        sent.extend(messages)
        held.append(asyncio.get_running_loop().create_future())
        await held[-1]  # acknowledged when the test says so

    signal = signal_json(make_signal(1))
    if agent == "events-key":
        topic, value = parts.keys_topic.get_topic_name(), signal
    elif agent == "events-consolidate":
        topic, value = parts.events_topic.get_topic_name(), signal
        changelog: list = []

        async def send_to(self, by_partition):  # the consolidation table's changelog records
            changelog.extend(m for ms in by_partition.values() for m in ms)
            await send([])

        monkeypatch.setattr(TopicSender, "send_to", send_to)
    else:
        topic = parts.series_topic
        monkeypatch.setattr(parts, "rekey_series", lambda versions: [(b"s", m.value, None) for m, _ in versions])
        value = json.dumps({"event_id": "ev-1", "schedule": None}).encode()
    monkeypatch.setattr(parts.senders[topic], "send", send)
    intake = parts.intakes[agent]
    msgs = [_consumed(intake.topic, i, value) for i in range(3)]
    for m in msgs:
        intake.put(m)
    body = asyncio.ensure_future(run_batches(intake, _NoEvents(), enabled=False, size=10, within=0.0,
                                             handle=parts.handlers[agent]))
    try:
        for _ in range(200):
            await asyncio.sleep(0)
            if held and not intake.messages:
                break
        assert held and sent, "the handler sent nothing"
        await asyncio.sleep(0.01)
        assert not any(m.acked for m in msgs)  # sends not acknowledged yet: nothing acked
        for fut in held:
            fut.set_result(None)
        for _ in range(200):
            await asyncio.sleep(0)
            if all(m.acked for m in msgs):
                break
        assert all(m.acked for m in msgs)
        if agent == "events-consolidate":
            assert len(held) == 2 and changelog  # events and changelog records, both awaited
            assert parts.table.data[json.loads(changelog[0][0])] == changelog[0][1]  # in the store
    finally:
        body.cancel()
        await asyncio.gather(body, return_exceptions=True)


async def test_a_failed_send_acks_nothing_and_stops_the_agent(tmp_path, monkeypatch):
    from service.stream.intake import run_batches

    app, parts = _event_stage(tmp_path, "fail")
    sender = parts.senders[parts.keys_topic.get_topic_name()]

    class Kafka:
        async def start(self):
            pass

        async def producer(self, tid, topic):
            raise OSError("broker gone")

    monkeypatch.setattr(sender, "kafka", Kafka())
    intake = parts.intakes["events-key"]
    msg = _consumed(intake.topic, 0, signal_json(make_signal(2)))
    intake.put(msg)
    with pytest.raises(OSError, match="broker gone"):
        await asyncio.wait_for(run_batches(intake, _NoEvents(), enabled=False, size=10, within=0.0,
                                           handle=parts.handlers["events-key"]), 5)
    assert not msg.acked  # redelivered after a restart: at least once


def test_the_update_time_is_measured_in_seconds():
    metrics = EventMetrics(None)
    observe_update(metrics, [1_700_000_000.0, 1_700_000_000.5], 1_700_000_001.0)
    hist = {s.name: s.value for s in metrics.update_seconds.collect()[0].samples if not s.labels.get("le")}
    assert hist["escalert_event_update_seconds_count"] == 2
    assert hist["escalert_event_update_seconds_sum"] == pytest.approx(1.5)


async def test_revision_notices_follow_the_batchs_signals(tmp_path, monkeypatch):
    """A key that gets a signal of the new text revises its event in the same step as it takes
    the new text in (one version); the notice, sent after the signals, only reaches the others.
    Sent before them, it made a correction and then a new first report."""
    app, parts = _event_stage(tmp_path, "revise")
    sent: list = []

    async def send(messages):
        sent.extend(messages)

    monkeypatch.setattr(parts.senders[parts.keys_topic.get_topic_name()], "send", send)

    base = make_signal(1)

    def revised(n: int, kind: str) -> bytes:  # two signals of the same article's revision 1
        sig = make_signal(n, type=kind)
        return signal_json(sig.model_copy(update={
            "article_id": base.article_id, "article": base.article.model_copy(update={"revision": 1})}))

    intake = parts.intakes["events-key"]
    batch = [_consumed(intake.topic, 0, revised(1, "CONSULT")), _consumed(intake.topic, 1, revised(2, "MOBILIZE"))]
    await parts.handlers["events-key"](batch)
    kinds = ["notice" if value.startswith(b'{"revise"') else key.decode() for key, value, _ in sent]
    assert kinds[:2] == ["CONSULT", "MOBILIZE"]
    assert kinds[2:] == ["notice"] * len(EventType)  # once per key, after both signals


def test_every_rocksdb_table_of_the_worker_has_bounded_buffers(tmp_path):
    from service.config import load_settings
    from service.stream.app import create_app
    from service.stream.store import BLOCK_CACHE_BYTES, WRITE_BUFFER_BYTES

    # The shipped store (rocksdb://): its stores are built, no partition database is opened.
    s = load_settings(app_id="unit-store-options", brokers="127.0.0.1:1", data_dir=str(tmp_path))
    assert s.store.startswith("rocksdb://")
    app = create_app(s, detect=lambda a: [], with_alerts=False)
    stores = {name: table.data for name, table in app.tables.items()}
    rocksdb = {name: st for name, st in stores.items() if hasattr(st, "rocksdb_options")}
    assert set(rocksdb) == {"dedupe", "events", "calendar", "trajectories"}, stores
    for name, store in rocksdb.items():
        opts = store.rocksdb_options
        assert (opts.write_buffer_size, opts.block_cache_size) == (WRITE_BUFFER_BYTES, BLOCK_CACHE_BYTES), name


@pytest.mark.parametrize(("signal", "args"), [("on_partitions_revoked", (set(),)),
                                              ("on_partitions_assigned", (set(),)),
                                              ("on_rebalance_complete", ())])
async def test_the_consolidator_drops_its_cache_when_partitions_change(tmp_path, signal, args):
    app, parts = _event_stage(tmp_path, f"forget-{signal}")
    parts.consolidator._open_events("MOBILIZE")
    parts.consolidator._read["a|MOBILIZE|art"] = None
    await getattr(app, signal).send(*args)  # as Faust sends them (the partitions positional)
    assert parts.consolidator._open == {} and parts.consolidator._read == {}


def test_open_entries_are_read_by_a_prefix_seek_and_deleted_with_a_tombstone(tmp_path):
    # The consolidator reads a type's open events (``o|<type>|...``) from the partition's
    # RocksDB database by a seek, and a closed event's entry is deleted there and in the
    # changelog (a tombstone), so that recovery drops it too.
    import rocksdict
    from faust.stores.rocksdb import Store

    from service.events.agents import StoreWrites
    from service.events.tables import JsonValues

    db = rocksdict.Rdict(str(tmp_path / "p0"), options=rocksdict.Options(raw_mode=True))
    store = Store.__new__(Store)  # the parts of Faust's RocksDB store these calls use
    store.use_rocksdict, store._key_index, store._dbs = True, {}, {0: db}
    store._db_for_partition = lambda partition: db
    store._dbs_for_actives = lambda: iter([db])
    table = type("Table", (), {"data": store})()
    event = type("Event", (), {"message": type("Message", (), {"partition": 0})()})()
    writes = StoreWrites(table)
    for key in ("o|CONSULT|ev-1", "o|CONSULT|ev-2", "o|CONSULTX|ev-3", "e|ev-1", "o|AGREE|ev-4"):
        writes(key, [key], event)
    writes("o|CONSULT|ev-2", None, event)
    assert db.get(b'"e|ev-1"') is None  # nothing written before the commit
    writes.commit()
    assert list(JsonValues(table).items_with_prefix("o|CONSULT|")) == [("o|CONSULT|ev-1", ["o|CONSULT|ev-1"])]
    assert writes.changelog[0][-1] == (b'"o|CONSULT|ev-2"', None, None)
    assert db.get(b'"o|CONSULT|ev-2"') is None and b'"o|CONSULT|ev-2"' not in store._key_index
    db.close()


def test_a_records_public_fields_are_encoded_once_for_the_store_and_the_version():
    # The consolidation agent writes an event record and publishes its version from one
    # encoding of the public fields; the bytes are those of encoding each whole, and a version
    # whose changes were merged from earlier ones of the batch (coalesce) is encoded itself.
    import pydantic_core

    from service.events.agents import StoreWrites, consolidate_batch
    from service.events.consolidate import Consolidator

    class Table(dict):  # a plain store (no RocksDB write batch), its own data
        @property
        def data(self):
            return self

    table = Table()
    consolidator = Consolidator(JsonValues(table), batched=True)
    signals = [make_signal(1), make_signal(2, outlet="AP"), make_signal(3, source=("CHN",), target=("TWN",)),
               make_signal(4, outlet="BBC")]
    batch = [_consumed("keys", i, signal_json(s)) for i, s in enumerate(signals)]
    event = type("Event", (), {"message": batch[0]})()
    writes = StoreWrites(table)
    latest, failed = consolidate_batch(consolidator, batch, EventMetrics(None), lambda msg: event, writes)
    assert not failed and len(latest) == 2
    records = {json.loads(k): v for ms in writes.changelog.values() for k, v, _ in ms}
    merged = 0
    for version, _ in latest.values():
        rec = json.loads(records[f"e|{version['event_id']}"])
        assert records[f"e|{version['event_id']}"] == pydantic_core.to_json(rec)
        assert writes.version_json(version) == pydantic_core.to_json(version)
        assert json.loads(writes.version_json(version)) == version
        merged += version["changes"] != rec["changes"]
    assert merged == 1  # the RUS-UKR event's three versions: changes merged, encoded apart


def test_the_agent_reads_its_partitions_rocksdb_database_directly(tmp_path):
    # During a batch the consolidator's reads go straight to the current event's partition
    # database (what the batch's writes committed), not through Faust's store layers.
    import weakref

    import rocksdict
    from faust.stores.rocksdb import Store

    from service.events.agents import StoreWrites, reading
    from service.faust_private import reset_current_event, set_current_event

    dbs = {p: rocksdict.Rdict(str(tmp_path / f"p{p}"), options=rocksdict.Options(raw_mode=True)) for p in (0, 1)}
    store = Store.__new__(Store)
    store.use_rocksdict, store._key_index, store._dbs = True, {}, dbs
    store._db_for_partition = dbs.__getitem__
    table = type("Table", (), {"data": store})()
    events = [type("Event", (), {"message": type("Message", (), {"partition": p})()})() for p in (0, 1)]
    writes = StoreWrites(table)
    writes("e|ev-1", {"event_id": "ev-1", "_t": [1.0, 2.0]}, events[1])
    writes.commit()
    state = JsonValues(table)
    with reading(state, writes.read):
        token = set_current_event(weakref.ref(events[1]))
        try:
            assert state.get("e|ev-1") == {"event_id": "ev-1", "_t": [1.0, 2.0]}
            assert state.get("e|ev-2", "absent") == "absent"
        finally:
            reset_current_event(token)
        token = set_current_event(weakref.ref(events[0]))
        try:
            assert state.get("e|ev-1") is None  # another partition's database
        finally:
            reset_current_event(token)
    assert state.reader is None
    for db in dbs.values():
        db.close()


def test_the_current_event_is_set_per_partition_run_and_restored():
    import weakref

    from service.events.agents import current_events
    from service.faust_private import current_partition, reset_current_event, set_current_event

    def event(p):
        return type("Event", (), {"message": type("Message", (), {"partition": p})()})()

    outer, a, b = event(9), event(0), event(1)
    token = set_current_event(weakref.ref(outer))
    try:
        with current_events() as enter:
            seen = []
            for ev in (a, a, b, a):
                enter(ev)
                seen.append(current_partition())
        assert seen == [0, 0, 1, 0]
        assert current_partition() == 9  # the event the stretch began with
    finally:
        reset_current_event(token)
    assert current_partition() is None
