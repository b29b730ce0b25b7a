"""Noise control with an injected clock: grouping, repeat interval, silences, quiet hours, digests."""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import UTC, date, datetime, timedelta

from schemas.subscription import Silence
from service.alerts.noise import NoiseControl, digest_due, quiet_end

T0 = datetime(2024, 4, 14, 12, 0, tzinfo=UTC)


class JsonTable(MutableMapping[str, dict]):
    """Stores values as JSON text, like a Faust table's changelog: in-place mutation of a value
    read from it is lost, so a NoiseControl that forgets to re-assign fails these tests."""

    def __init__(self) -> None:
        self._d: dict[str, str] = {}

    def __getitem__(self, k: str) -> dict:
        return json.loads(self._d[k])

    def __setitem__(self, k: str, v: dict) -> None:
        self._d[k] = json.dumps(v)

    def __delitem__(self, k: str) -> None:
        del self._d[k]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._d))

    def __len__(self) -> int:
        return len(self._d)


def nc_for(make_subs, *subs_, silences=(), extra=None, defaults=None) -> NoiseControl:
    doc = {"subscriptions": list(subs_), "silences": list(silences)}
    if defaults:
        doc["defaults"] = defaults
    return NoiseControl(make_subs(doc), JsonTable(), silences=extra)


def at(minutes: float = 0, **kw) -> datetime:
    return T0 + timedelta(minutes=minutes, **kw)


# --- grouping ------------------------------------------------------------------------------------

def test_grouping_collects_a_window_into_one_alert(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait="5m"))
    assert nc.process(make_signal(1, outlet="Reuters"), at(0)) == []
    assert nc.process(make_signal(2, outlet="AP"), at(1)) == []
    assert nc.process(make_signal(3, outlet="AFP", severity=5), at(2)) == []
    # a different event (another date) is another group
    assert nc.process(make_signal(4, event_date=date(2024, 4, 20)), at(3)) == []
    assert nc.flush_due(at(4.99)) == []
    (a,) = nc.flush_due(at(5))
    assert a.kind == "alert" and a.status == "deliver" and a.reason == "new"
    assert a.signal_count == 3 and a.source_count == 3
    assert a.severity == 5  # the highest in the group
    assert a.signals[0].signal_id == "sig-1"  # the one that opened the window represents it
    assert {s.article.source for s in a.signals} == {"Reuters", "AP", "AFP"}
    assert a.group_key == "MOBILIZE|RUS>UKR|UKR|2024-04-14"
    assert a.target_ids and all("127.0.0.1" not in t for t in a.target_ids)
    (b,) = nc.flush_due(at(8))
    assert b.group_key.endswith("2024-04-20") and b.signal_count == 1
    assert nc.stats["ops"]["grouped"] == 2 and nc.stats["ops"]["alerts"] == 2


def test_group_wait_zero_alerts_at_once(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait=0))
    (a,) = nc.process(make_signal(1), at(0))
    assert a.status == "deliver" and a.created_at == at(0)


def test_group_by_can_be_narrowed(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait="1m", group_by=["type"]))
    nc.process(make_signal(1), at(0))
    nc.process(make_signal(2, source=["USA"], event_date=date(2024, 5, 1)), at(0.5))
    (a,) = nc.flush_due(at(1))
    assert a.group_key == "MOBILIZE" and a.signal_count == 2


def test_signals_kept_per_alert_are_capped_but_counted(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait="1m", max_signals_per_alert=3))
    for i in range(10):
        nc.process(make_signal(i, outlet=f"o{i}"), at(0.01 * i))
    (a,) = nc.flush_due(at(2))
    assert len(a.signals) == 3 and a.signal_count == 10 and a.source_count == 10


def test_duplicate_signal_is_ignored_and_counted(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait="1m"))
    nc.process(make_signal(1), at(0))
    nc.process(make_signal(1), at(0.5))
    (a,) = nc.flush_due(at(1))
    assert a.signal_count == 1
    assert nc.stats["ops"]["duplicate"] == 1
    nc.process(make_signal(1), at(2))  # after sending, too
    assert nc.flush_due(at(10)) == [] and nc.stats["ops"]["duplicate"] == 2


# --- repeat interval -----------------------------------------------------------------------------

def test_repeat_interval_throttles_unless_severity_rises(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait=0, repeat_interval="4h"))
    (first,) = nc.process(make_signal(1, severity=3), at(0))
    assert nc.process(make_signal(2, severity=3), at(60)) == []
    assert nc.process(make_signal(3, severity=2), at(120)) == []
    assert nc.stats["ops"]["throttled"] == 2
    (rise,) = nc.process(make_signal(4, severity=4), at(130))
    assert rise.reason == "severity_rise" and rise.severity == 4
    assert rise.alert_id != first.alert_id
    assert nc.process(make_signal(5, severity=4), at(200)) == []  # 4 is no rise over 4
    (again,) = nc.process(make_signal(6, severity=4), at(130 + 4 * 60))  # interval passed
    assert again.reason == "new"


def test_idle_groups_are_forgotten_after_the_dedupe_window(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("ops", group_wait=0, repeat_interval="1h"))
    nc.process(make_signal(1), at(0))
    assert len(nc.state) == 1
    (again,) = nc.process(make_signal(2), at(61))  # the repeat interval is over: alerts again
    assert again.reason == "new"
    assert nc.process(make_signal(1), at(62)) == []  # but a re-sent signal is still known
    nc.flush_due(at(61 + 6 * 60 + 1))  # idle longer than the 6 h de-duplication window
    assert len(nc.state) == 0


# --- silences -------------------------------------------------------------------------------------

def silence(id_: str, start: datetime, end: datetime, **matchers) -> dict:
    return {"id": id_, "matchers": matchers, "starts_at": start.isoformat(),
            "ends_at": end.isoformat(), "reason": "maintenance"}


def test_silence_records_the_alert_as_silenced(make_signal, make_subs, sub) -> None:
    nc = nc_for(
        make_subs, sub("ops", group_wait=0), sub("other", group_wait=0),
        silences=[silence("mute-rus", at(-1), at(60), subscriptions=["ops"], actors=["RUS"],
                          max_severity=4)],
    )
    a_ops, a_other = nc.process(make_signal(1, severity=4), at(0))
    assert a_ops.status == "silenced" and a_ops.silenced_by == "mute-rus"
    assert a_other.status == "deliver"
    # above max_severity: not muted
    (loud, _) = nc.process(make_signal(2, severity=5, event_date=date(2024, 4, 15)), at(1))
    assert loud.status == "deliver"
    # a silenced alert was not "sent": once the silence ends, the group alerts again
    after = nc.process(make_signal(3, severity=4), at(61))
    assert [(a.subscription, a.status) for a in after] == [("ops", "deliver")]  # other: throttled
    assert nc.stats["ops"]["silenced"] == 1


def test_silences_from_the_store_callable_apply(make_signal, make_subs, sub) -> None:
    extra: list[Silence] = []
    nc = nc_for(make_subs, sub("ops", group_wait=0), extra=lambda: extra)
    assert nc.process(make_signal(1), at(0))[0].status == "deliver"
    extra.append(Silence.model_validate(silence("s1", at(0), at(30), types=["MOBILIZE"])))
    (a,) = nc.process(make_signal(2, event_date=date(2024, 4, 16)), at(1))
    assert a.status == "silenced" and a.silenced_by == "s1"


# --- quiet hours ----------------------------------------------------------------------------------

def test_quiet_hours_hold_then_release_as_a_digest(make_signal, make_subs, sub) -> None:
    # Paris is UTC+2 in April: 22:00-07:00 local is 20:00-05:00 UTC
    nc = nc_for(make_subs, sub("ops", group_wait=0, timezone="Europe/Paris",
                               quiet_hours={"start": "22:00", "end": "07:00",
                                            "breakthrough_severity": 5}))
    (day,) = nc.process(make_signal(1, event_date=date(2024, 4, 1)), at(hours=7))  # 21:00 Paris
    assert day.status == "deliver"
    night = T0.replace(hour=21, minute=30)  # 23:30 Paris
    (held,) = nc.process(make_signal(2, severity=4), night)
    assert held.status == "held"
    (urgent,) = nc.process(make_signal(3, severity=5, event_date=date(2024, 4, 2)), night)
    assert urgent.status == "deliver"  # break-through
    nc.process(make_signal(4, type="ASSAULT", severity=4, country="POL", place="Rzeszow"),
               night + timedelta(hours=2))
    assert nc.flush_due(datetime(2024, 4, 15, 4, 59, tzinfo=UTC)) == []
    (digest,) = nc.flush_due(datetime(2024, 4, 15, 5, 0, tzinfo=UTC))
    assert digest.kind == "digest" and digest.reason == "quiet_hours_end"
    assert digest.status == "deliver"
    assert {s.signal_id for s in digest.signals} == {"sig-2", "sig-4"}
    assert digest.counts == {"MOBILIZE in UKR": 1, "ASSAULT in POL": 1}
    assert digest.period_end == datetime(2024, 4, 15, 5, 0, tzinfo=UTC)
    assert nc.stats["ops"]["held"] == 2


def test_quiet_end_handles_spans_over_midnight_and_dst(make_subs, sub) -> None:
    subs = make_subs({"subscriptions": [sub("ops", timezone="Europe/Paris",
                                            quiet_hours={"start": "22:00", "end": "07:00"})]})
    s = subs.get("ops")
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Paris")
    # night of the spring DST change (31 March 2024, 02:00 -> 03:00 local)
    assert quiet_end(s, tz, datetime(2024, 3, 30, 23, 0, tzinfo=UTC)) == datetime(
        2024, 3, 31, 5, 0, tzinfo=UTC)  # 07:00 CEST
    assert quiet_end(s, tz, datetime(2024, 1, 10, 23, 0, tzinfo=UTC)) == datetime(
        2024, 1, 11, 6, 0, tzinfo=UTC)  # 07:00 CET


# --- digests ----------------------------------------------------------------------------------------

def test_hourly_digest_groups_by_type_and_region(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("brief", digest={"every": "hourly"}))
    assert nc.process(make_signal(1), at(5)) == []
    nc.process(make_signal(2, outlet="AP"), at(20))
    nc.process(make_signal(3, type="ASSAULT", country="POL", place="Rzeszow"), at(40))
    nc.process(make_signal(2, outlet="AP"), at(41))  # duplicate
    assert nc.flush_due(at(59.9)) == []
    (d,) = nc.flush_due(at(60))
    assert d.kind == "digest" and d.reason == "digest" and d.signal_count == 3
    assert d.counts == {"MOBILIZE in UKR": 2, "ASSAULT in POL": 1}
    assert d.period_start == T0 and d.period_end == at(60)
    # the next period starts empty: no empty digest
    assert nc.flush_due(at(180)) == []
    assert nc.stats["brief"]["digested"] == 3 and nc.stats["brief"]["duplicate"] == 1


def test_a_big_digest_lists_a_bounded_number_but_counts_all(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("brief", digest={"every": "hourly"}))
    for i in range(300):  # 300 different events
        nc.process(make_signal(i, event_date=date(2024, 1, 1) + timedelta(days=i)), at(1))
    (d,) = nc.flush_due(at(60))
    assert d.signal_count == 300 and sum(d.counts.values()) == 300
    assert len(d.signals) == 200
    assert len(d.model_dump_json()) < 1_000_000  # fits a default Kafka message


def test_daily_digest_is_due_at_its_local_time(make_subs, sub) -> None:
    from zoneinfo import ZoneInfo

    subs = make_subs({"subscriptions": [sub("d", timezone="Asia/Tokyo",
                                            digest={"every": "daily", "at": "08:00"})]})
    start, end = digest_due(subs.get("d"), ZoneInfo("Asia/Tokyo"), T0)  # 21:00 Tokyo
    assert end == datetime(2024, 4, 14, 23, 0, tzinfo=UTC)  # 08:00 Tokyo next morning
    assert start == end - timedelta(days=1)


def test_digest_due_in_quiet_hours_waits_for_their_end(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("d", digest={"every": "hourly"},
                               quiet_hours={"start": "12:30", "end": "14:30"}))
    nc.process(make_signal(1), at(10))
    assert nc.flush_due(at(60)) == []  # 13:00 is quiet
    (d,) = nc.flush_due(at(150))
    assert d.kind == "digest" and d.signal_count == 1


# --- determinism, state, reload ---------------------------------------------------------------

def scenario(make_signal, nc: NoiseControl) -> list:
    out = []
    for i in range(6):
        out += nc.process(make_signal(i, outlet=f"o{i % 3}", severity=3 + i % 3), at(i * 3))
        out += nc.flush_due(at(i * 3 + 1))
    return out + nc.flush_all(at(100))


def test_replay_gives_the_same_alert_ids(make_signal, make_subs, sub) -> None:
    subs = {"subscriptions": [sub("a", group_wait="2m"), sub("b", digest={"every": "hourly"})]}
    one = scenario(make_signal, NoiseControl(make_subs(subs), JsonTable()))
    two = scenario(make_signal, NoiseControl(make_subs(subs), {}))
    assert [a.alert_id for a in one] == [a.alert_id for a in two]
    assert len({a.alert_id for a in one}) == len(one) >= 3


def test_state_survives_a_restart_mid_window(make_signal, make_subs, sub) -> None:
    subs = make_subs({"subscriptions": [sub("ops", group_wait="5m")]})
    table = JsonTable()
    NoiseControl(subs, table).process(make_signal(1), at(0))
    restarted = NoiseControl(subs, table)  # a new process, the same changelog-backed table
    restarted.process(make_signal(2, outlet="AP"), at(1))
    (a,) = restarted.flush_due(at(5))
    assert a.signal_count == 2


def test_reload_removing_a_subscription_drops_its_open_window_counted(make_signal, make_subs, sub) -> None:
    nc = nc_for(make_subs, sub("a", group_wait="5m"), sub("b", group_wait="5m"))
    nc.process(make_signal(1), at(0))
    nc.update(make_subs({"subscriptions": [sub("b", group_wait="5m")]}))
    (only_b,) = nc.flush_due(at(5))
    assert only_b.subscription == "b"
    assert nc.stats["a"]["orphaned"] == 1


# --- nothing is dropped silently: every matched signal is accounted for ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EVENTS = st.lists(
    st.tuples(
        st.integers(0, 20),          # minutes since the previous signal
        st.integers(0, 3),           # which event (group)
        st.integers(1, 5),           # severity
        st.integers(0, 4),           # outlet
        st.booleans(),               # re-send an earlier signal (at-least-once upstream)
    ),
    min_size=1, max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS, wait=st.sampled_from(["0s", "1m", "10m"]), repeat=st.sampled_from(["30m", "2h"]))
def test_every_matched_signal_is_accounted_for(make_signal, make_subs, sub, events, wait, repeat) -> None:
    doc = {
        "subscriptions": [
            sub("g", group_wait=wait, repeat_interval=repeat, max_signals_per_alert=2),
            sub("q", group_wait=wait, repeat_interval=repeat, max_signals_per_alert=2,
                quiet_hours={"start": "13:00", "end": "15:00", "breakthrough_severity": 5}),
            sub("d", digest={"every": "hourly"}),
        ],
        "silences": [silence("s", at(60), at(120), subscriptions=["g"], types=["ASSAULT"])],
    }
    nc = NoiseControl(make_subs(doc), JsonTable())
    alerts, sent, now = [], [], T0
    for n, (gap, ev, sev, outlet, resend) in enumerate(events):
        now += timedelta(minutes=gap)
        if resend and sent:
            sig = sent[n % len(sent)]
        else:
            sig = make_signal(n, type="ASSAULT" if ev % 2 else "MOBILIZE", severity=sev,
                              event_date=date(2024, 4, 14 + ev), outlet=f"o{outlet}",
                              published_at=now)
            sent.append(sig)
        alerts += nc.flush_due(now)
        alerts += nc.process(sig, now)
    alerts += nc.flush_all(now + timedelta(days=2))
    # an id is only reused for the same decision (a signal re-sent after its group was
    # forgotten): the delivery ledger then rightly treats it as already handled
    seen: dict[str, tuple] = {}
    for a in alerts:
        what = (a.subscription, a.kind, a.reason, a.group_key, a.signals[0].signal_id)
        assert seen.setdefault(a.alert_id, what) == what
    for name in ("g", "q"):
        st_ = nc.stats.get(name, {})
        in_alerts = sum(a.signal_count for a in alerts if a.subscription == name and a.kind == "alert")
        assert st_.get("matched", 0) == st_.get("duplicate", 0) + st_.get("throttled", 0) + in_alerts
    held = sum(a.signal_count for a in alerts if a.subscription == "q" and a.status == "held")
    released = sum(a.signal_count for a in alerts if a.subscription == "q" and a.kind == "digest")
    assert held == released
    d = nc.stats.get("d", {})
    digested = sum(a.signal_count for a in alerts if a.subscription == "d")
    assert d.get("matched", 0) == d.get("duplicate", 0) + d.get("digested", 0)
    assert digested == d.get("digested", 0)
    assert not [k for k, v in nc.state.items() if v.get("due") is not None]  # all closed
