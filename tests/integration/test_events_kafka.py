"""The event stage in real workers on the real broker, on the shipped defaults (rocksdb tables).

The sample article and rewritten copies from other outlets (one a syndicated copy) form one event
with a corroboration count; a postponement moves its calendar entry and alerts only the
subscription that had it; the .ics feed parses with two independent parsers; the NATO meeting
whose date passed with no report gets one no-report alert; a restart continues the same event
from the recovered table; a second deployment with two workers gives the same events.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import icalendar
import ics

DATA = Path(__file__).resolve().parents[1] / "data" / "events"
TALKS = [json.loads(line) for line in (DATA / "geneva_talks.jsonl").read_text().splitlines()]
POSTPONED = json.loads((DATA / "geneva_postponed.jsonl").read_text())
LATE_COPY = {"id": "ev-copy-dw", "title": "US, Russia talks in Geneva moved a week", "source": "DW",
             "url": "https://www.dw.com/en/geneva-talks", "published_at": "2024-04-16T10:00:00Z",
             "body": "Officials from the United States and Russia will now meet in Geneva on Jan. 17, "
                     "a week later than planned, diplomats said."}

# group_wait 0s: these tests follow each event alert decision one by one (which subscriber is
# told what, when); grouping them into messages is tested in test_grouped_event_messages.
SUBS = """
subscriptions:
  - name: talks
    urls: ['escalertconsole://']
    filters: {types: [CONSULT], actors: [USA]}
    events: {corroboration_steps: [10], group_wait: 0s}
  - name: war
    urls: ['escalertconsole://']
    filters: {types: [ASSAULT]}
    events: {mode: corroborated, min_sources: 2, group_wait: 0s}
  - name: nato-calendar
    urls: ['escalertconsole://']
    filters: {types: [CONSULT], actors: [NATO]}
    events: {updates: [schedule], group_wait: 0s}
    calendar: {remind_before: 24h, no_report_after: 1h}
"""


def deployment(make_stream: Any, tmp_path: Path, name: str, with_alerts: bool = True) -> Any:
    subs = tmp_path / f"subs-{name}.yaml"
    subs.write_text(SUBS)
    # The shipped table store (the fixture's default is memory:// for the detection tests).
    stream = make_stream(partitions=4, ESCALERT_STORE="rocksdb://", ESCALERT_EVENTS_CALENDAR_INTERVAL="1")
    # Alerts on only once their topics are named after the stream (deleted with its topics).
    stream.env["ESCALERT_TOPICS__ALERTS"] = f"{stream.app_id}-alerts"
    stream.env["ESCALERT_TOPICS__ALERTS_DLQ"] = f"{stream.app_id}-alerts-dlq"
    if with_alerts:
        stream.env["ESCALERT_ALERTS_SUBSCRIPTIONS"] = str(subs)
    from kafka.errors import TopicAlreadyExistsError

    for attempt in range(10):  # the broker's metadata may not list the topics just created yet
        try:
            stream.create_topics()
            break
        except TopicAlreadyExistsError:
            if attempt == 9:
                raise
            time.sleep(1)
    return stream


def publish_one(stream: Any, article: dict) -> None:
    """Publish one article and wait until an event version lists it (a fixed order per test)."""
    stream.produce([(article["id"].encode(), json.dumps(article).encode())])
    got = stream.consume(stream.env["ESCALERT_EVENTS_TOPIC"], timeout=120, until=lambda ms: any(
        article["id"] in m.value.decode() for m in ms))
    assert any(article["id"] in m.value.decode() for m in got), f"no event version for {article['id']}"


def final_events(stream: Any, until: Any = None, timeout: float = 120) -> dict[str, dict]:
    def latest(ms: list) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for m in ms:
            v = json.loads(m.value)
            if v["version"] >= out.get(v["event_id"], {"version": 0})["version"]:
                out[v["event_id"]] = v
        return out

    msgs = stream.consume(stream.env["ESCALERT_EVENTS_TOPIC"], timeout=timeout,
                          until=lambda ms: until is None or until(latest(ms)))
    return latest(msgs)


def geneva(events: dict[str, dict]) -> dict:
    [ev] = [e for e in events.values() if e["type"] == "CONSULT"
            and any(a["id"] == "ev-sample-reuters" for a in e["articles"])
            and {x["code"] for x in e["actors"]["target"]} == {"RUS"}]
    return ev


def alerts(stream: Any, until: Any, timeout: float = 120) -> list[dict]:
    msgs = stream.consume(stream.env["ESCALERT_TOPICS__ALERTS"], timeout=timeout,
                          until=lambda ms: until([json.loads(m.value) for m in ms]))
    return [json.loads(m.value) for m in msgs]


def summary(events: dict[str, dict]) -> dict[str, tuple]:
    return {k: (v["version"], v["corroboration"], v["article_count"], v["schedule"], v["event_date"])
            for k, v in events.items()}


def run_sequence(stream: Any) -> None:
    for article in TALKS:
        publish_one(stream, article)
    publish_one(stream, POSTPONED)


def test_one_event_across_outlets_postponement_calendar_and_restart(make_stream, tmp_path):
    stream = deployment(make_stream, tmp_path, "a")
    w = stream.worker().start()
    # The alert agents read signals too: that hop stays on Faust's path, the others are bulk.
    intakes = w.wait_ready()["event_intakes"]
    assert (intakes["events-consolidate"], intakes["events-follow"]) == ("on", "on")
    assert intakes["events-key"] == f"off: {stream.signals} is also read by alerts-route"
    for article in TALKS:
        publish_one(stream, article)
    ev = geneva(final_events(stream, until=lambda es: any(
        e["article_count"] == 4 for e in es.values() if e["type"] == "CONSULT")))
    assert (ev["article_count"], ev["corroboration"]) == (4, 3)  # Yahoo repeats AP word for word
    assert ev["sources"] == ["ap", "bbc", "reuters"] and ev["schedule"] == "announced"
    assert ev["event_date"] == "2025-01-10" and ev["location"]["name"] == "Geneva"

    publish_one(stream, POSTPONED)
    events = final_events(stream, until=lambda es: geneva(es)["schedule"] == "postponed")
    ev = geneva(events)
    assert ev["schedule"] == "postponed" and ev["event_date"] == "2025-01-17"

    # The calendar feed: both parsers read it; the entry moved to the new date.
    code, body = w.get("/calendar.ics")
    assert code == 200, body
    cal = icalendar.Calendar.from_ical(body)
    vevents = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    entry = vevents[f"{ev['event_id']}@escalert"]
    assert str(entry.decoded("dtstart")) == "2025-01-17" and str(entry["status"]) == "TENTATIVE"
    assert {e.uid for e in ics.Calendar(body).events} == set(vevents)
    code, nato_feed = w.get("/calendar/nato-calendar.ics")
    assert code == 200 and ev["event_id"] not in nato_feed and "Brussels" in nato_feed
    assert w.get("/calendar/nobody.ics")[0] == 404

    # Alerts: 'talks' got the first report and the postponement; nobody else heard of it;
    # 'nato-calendar' got one no-report alert for the Jan. 12 NATO meeting, once.
    got = alerts(stream, until=lambda al: any(a["reason"] == "no_report" for a in al)
                 and any(a["reason"] == "event_update" for a in al))
    about = [a for a in got if a["event_id"] == ev["event_id"]]
    assert {a["subscription"] for a in about} == {"talks"}
    assert [a["reason"] for a in about][:1] == ["event_new"]
    notes = " ".join(a["note"] for a in about[1:])
    # The article's title and body may land in one batch (one update) or two.
    assert 1 <= len(about) - 1 <= 2 and {a["reason"] for a in about[1:]} == {"event_update"}, notes
    assert "date changed from 2025-01-10 to 2025-01-17" in notes and "now postponed" in notes
    time.sleep(3)  # three more calendar ticks: the no-report alert must not repeat
    got = alerts(stream, until=lambda al: False, timeout=5)
    no_report = [a for a in got if a["reason"] == "no_report"]
    assert [(a["subscription"], a["signals"][0]["location"]["name"]) for a in no_report] == [
        ("nato-calendar", "Brussels")]
    assert not [a for a in got if a["subscription"] == "war"]

    # Restart: the table comes back from rocksdb/changelog; a late copy joins the same event.
    before = summary(events)
    w.stop()
    w = stream.worker("w2").start()
    w.wait_ready()
    publish_one(stream, LATE_COPY)
    after = final_events(stream, until=lambda es: geneva(es)["article_count"] == 6)
    ev2 = geneva(after)
    assert ev2["event_id"] == ev["event_id"] and ev2["version"] > ev["version"]
    assert ev2["corroboration"] == 5 and ev2["event_date"] == "2025-01-17"
    assert {k: v for k, v in summary(after).items() if k != ev["event_id"]} == {
        k: v for k, v in before.items() if k != ev["event_id"]}

    # Retraction: a tombstone withdraws the sample article. Events it alone fed are retracted and
    # the subscribers told of them get a correction; the Geneva talks stand (other outlets).
    nato = [e for e in after.values() if e["location"] and e["location"]["name"] == "Brussels"][0]
    stream.produce([(b"ev-sample-reuters", None)])
    # (event versions of different events are in different partitions: wait for both)
    retracted = final_events(stream, until=lambda es: es[nato["event_id"]]["status"] == "retracted"
                             and es[ev["event_id"]]["version"] > ev2["version"])
    talks_now = retracted[ev["event_id"]]
    assert talks_now["status"] == "active" and talks_now["corroboration"] == 4, (talks_now["sources"], talks_now["articles"])
    assert "ev-sample-reuters" not in {a["id"] for a in talks_now["articles"]}
    got = alerts(stream, until=lambda al: any(a["reason"] == "correction" for a in al))
    time.sleep(2)
    got = alerts(stream, until=lambda al: False, timeout=5)
    told = {(a["subscription"], a["event_id"]) for a in got
            if a["reason"] in ("event_new", "event_update") and a["status"] == "deliver"}
    corrections = {(a["subscription"], a["event_id"]) for a in got if a["reason"] == "correction"}
    assert ("nato-calendar", nato["event_id"]) in corrections
    assert corrections <= told and not {c for c in corrections if c[1] == ev["event_id"]}
    assert all(retracted[e]["status"] == "retracted" for _, e in corrections)


def test_two_workers_give_the_same_events_as_one(make_stream, tmp_path):
    one = deployment(make_stream, tmp_path, "one")
    one.worker().start().wait_ready()
    run_sequence(one)
    two = deployment(make_stream, tmp_path, "two")
    a, b = two.worker("a").start(), two.worker("b").start()
    a.wait_ready()
    b.wait_ready(predicate=lambda s: bool(s["assigned"]))
    run_sequence(two)
    expected = summary(final_events(one))
    assert summary(final_events(two, until=lambda es: summary(es) == expected)) == expected
    assert geneva(final_events(two))["corroboration"] == 4


def test_every_hop_on_the_batch_intake_gives_the_events_of_fausts_path(make_stream, tmp_path):
    """Without the alert agents, every busy hop of the stage (signals, event-keys, events) takes
    its messages from the batch intake; two such workers give the events that one worker on
    Faust's per-event path (ESCALERT_BATCH_INTAKE=false) gives."""
    reference = deployment(make_stream, tmp_path, "faust", with_alerts=False)
    reference.env["ESCALERT_BATCH_INTAKE"] = "false"  # the reference: Faust's path everywhere
    w = reference.worker().start()
    assert set(w.wait_ready()["event_intakes"].values()) == {"off: ESCALERT_BATCH_INTAKE=false"}
    run_sequence(reference)
    bulk = deployment(make_stream, tmp_path, "bulk", with_alerts=False)
    a, b = bulk.worker("a").start(), bulk.worker("b").start()
    assert a.wait_ready()["event_intakes"] == {
        "events-consolidate": "on", "events-follow": "on", "events-key": "on"}
    b.wait_ready(predicate=lambda s: bool(s["assigned"]))
    run_sequence(bulk)
    expected = summary(final_events(reference))
    assert summary(final_events(bulk, until=lambda es: summary(es) == expected)) == expected
    entries = [e for x in (a, b) for e in icalendar.Calendar.from_ical(x.get("/calendar.ics")[1]).walk("VEVENT")]
    assert f"{geneva(final_events(bulk))['event_id']}@escalert" in {str(e["uid"]) for e in entries}


def send_raw(stream: Any, items: list[tuple[bytes, bytes]], topic: str | None = None) -> None:
    """Send (key, value) pairs to the stream's signals topic (or ``topic``); every send
    acknowledged (retried: right after the topics were created a partition may not have its
    leader yet)."""
    from kafka import KafkaProducer

    prod = KafkaProducer(bootstrap_servers=stream.brokers, acks="all", retries=10, linger_ms=10)
    try:
        futures = [prod.send(topic or stream.signals, key=k, value=v) for k, v in items]
        prod.flush(timeout=60)
        for f in futures:
            f.get(timeout=60)
    finally:
        prod.close(timeout=10)


def produce_signals(stream: Any, signals: list) -> None:
    send_raw(stream, [(s.article_id.encode(), s.model_dump_json().encode()) for s in signals])


def test_trajectory_ladder_steps_survive_a_restart(make_stream, tmp_path):
    ladder = [json.loads(line) for line in (DATA / "escalation_ladder.jsonl").read_text().splitlines()]
    stream = deployment(make_stream, tmp_path, "t")
    (tmp_path / "subs-t.yaml").write_text(
        "subscriptions:\n  - name: rus\n    urls: ['escalertconsole://']\n"
        "    filters: {actors: [RUS]}\n    trajectories: {}\n"
        # events: no signal alerts, so no noise-control table (whose timer writes are another
        # component's concern on rocksdb) is involved here.
        "    events: {mode: corroborated, min_sources: 100}\n")

    def steps(al: list) -> list[str]:
        return [a["note"] for a in al if a["reason"] == "trajectory"]

    w = stream.worker().start()
    w.wait_ready()
    # Two outlets each: THREATEN RUS>UKR on March 1, MOBILIZE on March 3 (articles, detected).
    for article in ladder[:4]:
        publish_one(stream, article)
    got = alerts(stream, until=lambda al: steps(al))
    assert any("first MOBILIZE after THREATEN" in n for n in steps(got)), (
        steps(got), w.metric("escalert_event_signals_in"), w.metric("escalert_event_versions_out"))
    w.stop()
    w = stream.worker("w2").start()  # a new data dir: the rungs come back from the changelog
    w.wait_ready()
    for article in ladder[4:]:  # ASSAULT on March 5
        publish_one(stream, article)
    got = alerts(stream, until=lambda al: any("first ASSAULT after MOBILIZE" in n for n in steps(al)))
    assert any("first ASSAULT after MOBILIZE" in n for n in steps(got)), steps(got)
    assert sum("first MOBILIZE after THREATEN" in n for n in steps(got)) == 1

    # A message on signals that is not a signal is dead-lettered whole, with the reason.
    send_raw(stream, [(b"junk", b'{"type": "MOBILIZE", "oops": 1}')])

    def junk(ms: list) -> list[dict]:
        return [d for d in (json.loads(m.value) for m in ms)
                if d.get("source_topic") == f"{stream.app_id}-event-keys"]

    [dl] = junk(stream.consume(stream.dlq, until=lambda ms: bool(junk(ms))))
    assert dl["reason"] == "schema" and dl["error"].startswith("not a Signal")
    assert dl["payload"] == '{"type": "MOBILIZE", "oops": 1}' and dl["key"] == "MOBILIZE"
    # A revision notice without its revision: dead-lettered whole, the stage goes on.
    send_raw(stream, [(b"THREATEN", b'{"revise": "art-x"}')], topic=f"{stream.app_id}-event-keys")

    def notices(ms: list) -> list[dict]:
        return [d for d in junk(ms) if d["payload"] == '{"revise": "art-x"}']

    [dl] = notices(stream.consume(stream.dlq, until=lambda ms: bool(notices(ms))))
    assert dl["error"].startswith("not a retraction or revision notice") and dl["key"] == "THREATEN"


REVISED = {"id": "rev-a", "title": "Geneva talks set", "source": "Reuters",
           "url": "https://www.reuters.com/world/rev-a", "published_at": "2025-01-06T10:00:00Z",
           "body": "Russia has massed troops near the border with Ukraine, officials said on Monday. "
                   "Separately, Russian and U.S. officials will meet in Geneva on Jan. 10 for talks "
                   "on security guarantees."}


def test_a_republished_article_updates_its_events_and_corrects_only_alerts_that_no_longer_hold(
        make_stream, tmp_path):
    stream = deployment(make_stream, tmp_path, "r")
    # group_wait 0s: each subscriber's decisions are followed one by one (see SUBS).
    (tmp_path / "subs-r.yaml").write_text("""
subscriptions:
  - name: troops
    urls: ['escalertconsole://']
    filters: {types: [MOBILIZE]}
    events: {group_wait: 0s}
  - name: talks
    urls: ['escalertconsole://']
    filters: {types: [CONSULT], modalities: [scheduled]}
    events: {group_wait: 0s}
  - name: war
    urls: ['escalertconsole://']
    filters: {types: [ASSAULT]}
    events: {group_wait: 0s}
""")
    w = stream.worker().start()
    w.wait_ready()
    publish_one(stream, REVISED)
    first = alerts(stream, until=lambda al: {a["subscription"] for a in al} >= {"troops", "talks"})
    told = {a["subscription"]: a["event_id"] for a in first if a["reason"] == "event_new"}
    assert set(told) == {"troops", "talks"}

    # Republished: the troops sentence is gone, the talks sentence is unchanged.
    body = REVISED["body"].split("Separately, ")[1]
    stream.produce([(b"rev-a", json.dumps({**REVISED, "revision": 1, "body": body[0].upper() + body[1:]}).encode())])
    events = final_events(stream, until=lambda es: "revised" in es[told["troops"]]["changes"])
    troops = events[told["troops"]]
    assert troops["status"] == "retracted" and troops["article_count"] == 0
    got = alerts(stream, until=lambda al: any(a["reason"] == "correction" for a in al))
    time.sleep(3)  # anything else the revision caused has been published by now
    got = alerts(stream, until=lambda al: False, timeout=5)
    after = [a for a in got if a not in first]
    assert [(a["subscription"], a["reason"], a["event_id"]) for a in after] == [
        ("troops", "correction", told["troops"])]
    assert "republished with changed text" in after[0]["note"]
    talks = [e for e in events.values() if e["type"] == "CONSULT" and e["modality"] == "scheduled"]
    assert [e["event_id"] for e in talks] == [told["talks"]] and talks[0]["status"] == "active"


def test_grouped_event_messages_on_the_shipped_grouping(make_stream, tmp_path):
    stream = deployment(make_stream, tmp_path, "g")
    # group_wait, group_interval and routine_interval shortened from the shipped 1 min, 1 h and
    # 4 h so that the test runs in seconds; group_by, routine_severity, the merging of alerts and
    # the messages are the shipped ones.
    (tmp_path / "subs-g.yaml").write_text("""
subscriptions:
  - name: all
    urls: ['escalertconsole://']
    events: {group_wait: 4s, group_interval: 6s, routine_interval: 6s}
""")
    w = stream.worker().start()
    w.wait_ready()
    for article in TALKS:
        publish_one(stream, article)
    publish_one(stream, POSTPONED)

    def notices(al: list) -> list[tuple[str, str]]:
        return [(n["event_id"], n["reason"]) for a in al if a["status"] == "deliver"
                for n in (a["events"] or [{"event_id": a["event_id"], "reason": a["reason"]}])]

    ev = geneva(final_events(stream, until=lambda es: geneva(es)["schedule"] == "postponed"))
    alerts(stream, until=lambda al: any(n[0] == ev["event_id"] for n in notices(al)))
    time.sleep(8)  # a group_interval more: nothing else may follow
    got = [a for a in alerts(stream, until=lambda al: False, timeout=5) if a["status"] == "deliver"]
    firsts = [n for n in notices(got) if n[1] == "event_new"]
    assert len(firsts) == len(set(firsts)) >= 3  # every event's first report, once
    assert (ev["event_id"], "event_new") in firsts
    grouped = [a for a in got if a["reason"] == "event_group"]
    assert grouped and len(got) < len(notices(got))  # fewer messages than event alerts
    assert all(len(a["signals"]) == len(a["events"]) >= 2 for a in grouped)
