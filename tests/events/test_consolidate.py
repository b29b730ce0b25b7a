"""Event consolidation (pure): which signals make one event, what the event counts, replay."""

from __future__ import annotations

import random
from datetime import date, timedelta

from schemas.common import Genre
from schemas.event import Event
from service.events.consolidate import ConsolidationConfig, Consolidator, event_id_for
from tests.alerts.conftest import T0, make_signal


def fold(signals, c: Consolidator | None = None) -> tuple[Consolidator, list[dict]]:
    c = c or Consolidator()
    return c, [v for s in signals if (v := c.add(s)) is not None]


def test_same_event_from_three_outlets_is_one_event_corroborated_three_times():
    sigs = [
        make_signal(1, outlet="Reuters"),
        make_signal(2, outlet="AP", sentence="Moscow has massed troops on the Ukrainian border."),
        make_signal(3, outlet="BBC", sentence="Russian troops are massing near Ukraine.", place=None,
                    country=None, published_at=T0 + timedelta(hours=5)),
    ]
    _, versions = fold(sigs)
    assert len({v["event_id"] for v in versions}) == 1
    last = Event.model_validate(versions[-1])
    assert (last.version, last.corroboration, last.article_count, last.signal_count) == (3, 3, 3, 3)
    assert last.sources == ["ap", "bbc", "reuters"]
    assert last.first_seen == T0 and last.last_seen == T0 + timedelta(hours=5)
    assert last.location is not None and last.location.country == "UKR"  # unknown place joined
    assert versions[0]["changes"] == ["new"]
    assert "corroborated" in versions[1]["changes"]


def test_same_outlet_and_syndicated_copy_count_once():
    sigs = [
        make_signal(1, outlet="Reuters"),
        make_signal(2, outlet="Reuters", sentence="Russian troops massed at the border again."),
        make_signal(3, outlet="Yahoo News"),  # the Reuters sentence word for word: a copy
    ]
    _, versions = fold(sigs)
    last = versions[-1]
    assert last["article_count"] == 3
    assert last["corroboration"] == 1 and last["sources"] == ["reuters"]
    assert [a["independent"] for a in last["articles"]] == [True, True, False]


def _opinion(signal):
    return signal.model_copy(update={"article": signal.article.model_copy(update={"genre": Genre.OPINION})})


def test_an_opinion_page_is_listed_but_corroborates_nothing():
    sigs = [
        make_signal(1, outlet="Reuters"),
        _opinion(make_signal(2, outlet="Washington Post", sentence="Russia massed troops, a column says.")),
        make_signal(3, outlet="AP", sentence="Moscow has massed troops on the Ukrainian border."),
    ]
    c, versions = fold(sigs)
    last = versions[-1]
    assert last["article_count"] == 3 and last["sources"] == ["ap", "reuters"] and last["corroboration"] == 2
    assert [(a["source"], a["independent"], a["genre"]) for a in last["articles"]] == [
        ("reuters", True, "news"), ("washington post", False, "opinion"), ("ap", True, "news")]
    assert "corroborated" not in versions[1]["changes"]  # the column added an article, not a source
    # withdrawing a news report leaves one news source: the column still does not count
    [v] = c.retract("art-3")
    assert v["sources"] == ["reuters"] and v["corroboration"] == 1


def test_an_address_without_a_readable_host_is_its_articles_own_source():
    [v] = fold([make_signal(1, outlet="", url="http://[::1/world/x")])[1]
    assert v["sources"] == ["article:art-1"]


def test_different_actors_place_or_type_make_different_events():
    base = make_signal(1)
    others = [
        make_signal(2, source=("BLR",)),  # no shared source actor
        make_signal(3, country="POL", place="Poland"),  # another country
        make_signal(4, type="THREATEN"),  # another type
        make_signal(5, event_date=date(2024, 4, 20)),  # a week apart
        make_signal(6, modality="historical"),  # history is not the news
    ]
    _, versions = fold([base, *others])
    assert len({v["event_id"] for v in versions}) == 6


def test_date_range_joins_a_day_inside_it_and_unknown_date_joins_any():
    _, versions = fold([
        make_signal(1, event_date=date(2024, 4, 14)),
        make_signal(2, outlet="AP", event_date=None),
    ])
    assert len({v["event_id"] for v in versions}) == 1
    ranged = make_signal(3, outlet="BBC", event_date=date(2024, 4, 10))
    ranged = ranged.model_copy(update={"event_date_end": date(2024, 4, 16)})
    _, versions = fold([make_signal(1), ranged])
    assert len({v["event_id"] for v in versions}) == 1


def test_window_closes_an_event():
    cfg = ConsolidationConfig(window=timedelta(hours=24))
    _, versions = fold([make_signal(1, event_date=None),
                        make_signal(2, outlet="AP", event_date=None, published_at=T0 + timedelta(hours=30))],
                       Consolidator(config=cfg))
    assert len({v["event_id"] for v in versions}) == 2


def test_symmetric_type_ignores_direction_but_directed_type_does_not():
    talks = dict(type="CONSULT", mode="talks", severity=1, sentence="Talks were held.", trigger="Talks")
    _, v = fold([make_signal(1, source=("USA",), target=("RUS",), **talks),
                 make_signal(2, source=("RUS",), target=("USA",), outlet="AP", **talks)])
    assert len({x["event_id"] for x in v}) == 1
    _, v = fold([make_signal(1, source=("USA",), target=("RUS",)),
                 make_signal(2, source=("RUS",), target=("USA",), outlet="AP")])
    assert len({x["event_id"] for x in v}) == 2


def test_best_evidence_and_max_severity():
    low = make_signal(1, severity=3)
    high = make_signal(2, outlet="AP", severity=5, sentence="Russia sent 100,000 troops to the border.")
    high = high.model_copy(update={"confidence": 0.95})
    _, versions = fold([low, high])
    last = versions[-1]
    assert last["severity"] == 5 and "severity_rise" in last["changes"]
    assert last["representative"]["signal_id"] == "sig-2"


def test_duplicate_signal_changes_nothing():
    c, _ = fold([make_signal(1)])
    assert c.add(make_signal(1)) is None


def test_replay_gives_the_same_events_and_ids():
    sigs = [make_signal(i, outlet=f"o{i % 4}", published_at=T0 + timedelta(minutes=i),
                        source=(["RUS", "BLR"][i % 2],), sentence=f"Sentence {i} about troops.")
            for i in range(40)]
    random.Random(7).shuffle(sigs)
    _, a = fold(sigs)
    _, b = fold(sigs)
    assert a == b
    first = a[0]
    assert first["event_id"] == event_id_for("MOBILIZE", sigs[0].signal_id)


def test_retraction_removes_the_article_and_retracts_an_event_left_without_articles():
    c, _ = fold([make_signal(1, severity=5), make_signal(2, outlet="AP", severity=3,
                                                         sentence="Troops massed, AP said.")])
    [v] = c.retract("art-1")
    assert v["article_count"] == 1 and v["corroboration"] == 1 and v["severity"] == 3
    assert v["representative"]["signal_id"] == "sig-2" and v["status"] == "active"
    [v] = c.retract("art-2")
    assert v["status"] == "retracted" and "retracted" in v["changes"]
    assert c.retract("art-2") == []


def test_two_scheduled_meetings_a_day_apart_with_one_shared_party_stay_apart():
    talks = dict(type="CONSULT", mode="meeting", severity=1, modality="scheduled", place=None,
                 country=None, trigger="meet")
    _, v = fold([
        make_signal(1, source=("RUS",), target=("NATO",), event_date=date(2025, 1, 12),
                    sentence="Russia and NATO will meet on Jan. 12.", **talks),
        make_signal(2, source=("RUS", "OSCE"), target=("USA",), event_date=date(2025, 1, 13),
                    outlet="AP", sentence="A summit with the OSCE is set for Jan. 13.", **talks),
        make_signal(3, source=("RUS",), target=("NATO",), event_date=date(2025, 1, 13),
                    outlet="BBC", sentence="Russia and NATO meet on Jan. 13.", **talks),
        make_signal(4, source=("NATO",), target=("RUS",), event_date=date(2025, 1, 12),
                    outlet="DW", sentence="NATO and Russia to meet Jan. 12.", **talks),
    ])
    ids = [x["event_id"] for x in v]
    assert ids[0] != ids[1] and ids[0] != ids[2] and ids[3] == ids[0]


def test_signals_of_a_withdrawn_article_that_arrive_late_are_ignored():
    c = Consolidator()
    assert c.retract("art-1") == []
    assert c.add(make_signal(1)) is None
    assert c.add(make_signal(2)) is not None


def revised(signal, revision: int, **kw):
    """``signal`` as found in revision ``revision`` of its article (same ids)."""
    return signal.model_copy(update={"article": signal.article.model_copy(update={"revision": revision}),
                                     **kw})


def test_a_revised_article_replaces_its_earlier_text_in_the_events_it_fed():
    c = Consolidator()
    first = [make_signal(1, severity=5), make_signal(2, outlet="AP", sentence="AP: troops massed.")]
    _, versions = fold(first, c)
    ev = versions[-1]["event_id"]
    assert versions[-1]["severity"] == 5
    # Reuters republishes with changed text: the same mention, now severity 3 (same signal id)
    out = c.fold(revised(make_signal(1, severity=3), 1))
    assert [v["event_id"] for v in out] == [ev, ev]
    assert "revised" in out[0]["changes"] and out[0]["article_count"] == 1
    assert (out[-1]["article_count"], out[-1]["severity"], out[-1]["corroboration"]) == (2, 4, 2)
    # a late signal of the replaced revision changes nothing; the revision again neither
    assert c.fold(make_signal(1, severity=5)) == [] and c.revise("art-1", 1) == []
    assert c.event(ev)["severity"] == 4


def test_a_revision_that_drops_a_mention_takes_its_event_away():
    c = Consolidator()
    _, versions = fold([make_signal(1), make_signal(1, type="THREATEN", sentence="Moscow threatened Kyiv.",
                                                    trigger="threatened", signal_id="sig-1t")], c)
    threat = versions[-1]["event_id"]
    # revision 1 has the MOBILIZE mention only: the notice reaches every type's partition
    gone = c.revise("art-1", 1)
    assert {v["event_id"] for v in gone} >= {threat}
    assert c.event(threat)["status"] == "retracted" and "revised" in c.event(threat)["changes"]
    back = c.fold(revised(make_signal(1), 1))
    assert back[-1]["status"] == "active" and back[-1]["event_id"] != threat
    assert c.event(threat)["status"] == "retracted"


def test_batched_writes_give_the_same_versions_and_state_wherever_the_batches_end():
    sigs = [make_signal(i, outlet=f"o{i % 3}", published_at=T0 + timedelta(minutes=7 * i),
                        source=(["RUS", "BLR", "IRN"][i % 3],), target=(["UKR", "POL"][i % 2],),
                        sentence=f"Sentence {i} about troops.")
            for i in range(60)]
    c, through = fold(sigs)
    for size in (1, 4, 25):
        b = Consolidator(batched=True)
        versions = []
        for start in range(0, len(sigs), size):
            versions += [v for s in sigs[start:start + size] if (v := b.add(s)) is not None]
            if start == 0:
                assert not any(k.startswith(("e|", "m|")) for k in b.state)  # not before a flush
            b.flush()
        assert versions == through
        assert b.state == c.state
    # retractions too
    c.retract(sigs[3].article_id)
    b.retract(sigs[3].article_id)
    assert b.event(through[3]["event_id"]) == c.event(through[3]["event_id"])
    b.flush()
    assert b.state == c.state
    # and revisions: the same versions and state batched as written through
    again = revised(sigs[5], 1, severity=2)
    assert b.fold(again) == c.fold(again)
    b.flush()
    assert b.state == c.state


def test_an_index_of_the_earlier_format_is_ignored_not_a_failure():
    old_entry = {"src": ["RUS"], "tgt": ["UKR"], "country": "UKR", "place": "", "d0": "", "d1": "",
                 "m": "actual", "sched_m": False, "first": 0.0, "last": 0.0, "until": 9e9, "sched": None}
    c = Consolidator({"i|MOBILIZE|RUS": {"ev-old": old_entry}, "i|MOBILIZE|UKR": {"ev-old": old_entry}})
    version = c.add(make_signal(1))
    assert version is not None and version["event_id"] != "ev-old"


def test_every_key_written_belongs_to_one_event_type():
    # A worker's table keeps each key in one partition, that of its event type (the
    # consolidation key): an article that fed events of two types, withdrawn, must be found
    # and marked under each type, or the partition of the other type never hears of it.
    sigs = [make_signal(1), make_signal(1, type="THREATEN", sentence="Russia threatened Ukraine.")]
    c, versions = fold(sigs)
    types = {v["event_id"]: v["type"] for v in versions}
    for key in c.state:
        prefix, *rest = key.split("|")
        kind = types[rest[0]] if prefix == "e" else rest[0]
        assert kind in ("MOBILIZE", "THREATEN"), key
    assert {k for k in c.state if k.startswith("a|")} == {
        f"a|MOBILIZE|{sigs[0].article_id}", f"a|THREATEN|{sigs[0].article_id}"}
    # A notice under one type's key changes that type's events only.
    [gone] = c.retract(sigs[0].article_id, key="THREATEN")
    assert gone["type"] == "THREATEN" and gone["status"] == "retracted"
    assert c.add(make_signal(2, outlet="AP", sentence="Russia threatened Ukraine again.",
                             type="THREATEN")) is not None
    late = make_signal(1, type="THREATEN", sentence="Russia threatened Ukraine once more.")
    assert late.article_id == sigs[0].article_id and c.add(late) is None  # withdrawn for THREATEN
    assert c.event(versions[0]["event_id"])["status"] == "active"  # MOBILIZE kept it


class CountingState(dict):
    """A state that counts reads of open event entries (``o|`` keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.index_reads = 0

    def __getitem__(self, key):
        if key.startswith("o|"):
            self.index_reads += 1
        return super().__getitem__(key)


def test_open_events_are_read_once_then_kept_until_forgotten():
    state = CountingState()
    c = Consolidator(state, batched=True)
    def report(i: int):
        return make_signal(i, outlet=f"o{i}", sentence=f"Russia massed troops near Ukraine, report {i}.")

    for s in [report(i) for i in range(3)]:
        c.add(s)
    c.flush()
    assert state.index_reads == 0  # a type's first signal found no open events
    assert not any(k.startswith(("m|", "i|")) for k in state)  # no per actor index
    version = c.add(report(9))
    c.flush()
    assert state.index_reads == 0 and version["corroboration"] == 4  # from memory, joined
    c.forget()  # partitions changed: what the state holds may be newer than memory
    version = c.add(report(10))
    assert state.index_reads == 1 and version["corroboration"] == 5  # read again, joined
    del state[f"o|MOBILIZE|{version['event_id']}"]
    c.forget()
    assert c.add(report(11))["changes"] == ["new"]  # what the state holds, not what was held


def _stories(n: int, seed: int) -> list:
    """Signals over few actors, some late, of a symmetric and a directed type, over a week."""
    rng = random.Random(seed)
    codes = ["RUS", "UKR", "BLR", "POL", "USA", "CHN", "IRN", "ISR", "TUR"]
    out = []
    for i in range(n):
        kind = rng.choice(["MOBILIZE", "CONSULT"])
        src = tuple(rng.sample(codes, rng.choice([0, 1, 1, 2])))
        tgt = tuple(rng.sample(codes, rng.choice([0, 1, 1, 2])))
        hours = 2 * i + rng.choice([0, 0, 0, -30, -100])  # now and then a late report
        out.append(make_signal(i, type=kind, source=src, target=tgt, outlet=f"o{i % 4}",
                               event_date=None, published_at=T0 + timedelta(hours=hours),
                               sentence=f"Report {i} of troops."))
    return out


def test_open_events_rebuilt_from_the_state_match_as_those_held():
    # A worker that gets its partitions back (or a restart) reads the open events from the
    # state: every batch boundary may be one, and the versions must not change.
    sigs = _stories(240, seed=3)

    def step(c: Consolidator, i: int) -> list[dict]:
        if i % 13 == 12:  # now and then an article withdrawn (its events go back in time)
            return c.retract(sigs[i - 5].article_id)
        return c.fold(sigs[i])

    held = Consolidator(batched=True)
    through = [v for i in range(len(sigs)) for v in step(held, i)]
    held.flush()
    again = Consolidator(batched=True)
    versions = []
    for start in range(0, len(sigs), 7):
        versions += [v for i in range(start, min(start + 7, len(sigs))) for v in step(again, i)]
        again.flush()
        again.forget()
        again = Consolidator(again.state, batched=True)
    assert versions == through
    assert again.state == held.state
    assert len({v["event_id"] for v in through}) < len(through)  # some signals joined events
    assert any(v["status"] == "retracted" for v in through)
    assert any("article_added" in v["changes"] for v in through)


def test_an_event_closed_by_newer_articles_is_not_joined_held_or_rebuilt():
    window = timedelta(hours=72)
    first = make_signal(1, event_date=None)  # RUS -> UKR at T0
    # A week later, another story of the type: the first event's window ended more than a
    # window before it, so the first is closed (its entry deleted from the state).
    later = make_signal(2, source=("BLR",), target=("POL",), event_date=None,
                        published_at=T0 + timedelta(days=7), sentence="Belarus massed troops.")
    late = make_signal(3, outlet="AP", event_date=None, published_at=T0 + timedelta(hours=1),
                       sentence="Russia had massed troops near Ukraine, AP learned.")
    for rebuilt in (False, True):
        c, (v1, _) = fold([first, later], Consolidator(config=ConsolidationConfig(window=window)))
        assert f"o|MOBILIZE|{v1['event_id']}" not in c.state
        if rebuilt:
            c = Consolidator(c.state, ConsolidationConfig(window=window))
        version = c.add(late)
        assert version["changes"] == ["new"] and version["event_id"] != v1["event_id"]


def test_candidates_hold_every_entry_whose_actors_agree():
    from service.events.consolidate import actors_compatible
    from service.events.openindex import OpenIndex

    rng = random.Random(5)
    codes = ["A", "B", "C", "D"]

    def summary() -> list:
        src = sorted(rng.sample(codes, rng.choice([0, 1, 2, 3])))
        tgt = sorted(rng.sample(codes, rng.choice([0, 1, 2])))
        return (tuple(src), tuple(tgt), "", "", "", "", "actual", False, 0.0, 0.0, 1.0, None)

    for symmetric in (False, True):
        index = OpenIndex(symmetric, window=1.0)
        entries = {f"ev-{i}": summary() for i in range(300)}
        for event_id, entry in entries.items():
            index.put(event_id, entry)
        for _ in range(300):
            sig = summary()
            found = {event_id for event_id, _ in index.candidates(sig)}
            agree = {e for e, entry in entries.items() if actors_compatible(entry, sig, symmetric)}
            assert agree <= found
            assert found <= set(entries)


def test_the_newest_time_is_that_of_the_entries_held_as_when_rebuilt():
    # An event every article left, built again from an older signal, moves back in time: the
    # cutoff must be what a rebuild from the entries gives, or a restart changes what matches.
    from service.events.openindex import OpenIndex, load

    def entry(last: float) -> tuple:
        return (("RUS",), ("UKR",), "", "", "", "", "actual", False, last, last, last + 10.0, None)

    index = OpenIndex(False, window=10.0)
    index.put("ev-a", entry(50.0))
    index.put("ev-b", entry(100.0))
    index.put("ev-b", entry(60.0))
    rebuilt = load(False, 10.0, iter(index.entries.items()))
    assert index.last == rebuilt.last == 60.0
    assert index.cutoff == rebuilt.cutoff


def test_the_representative_is_stored_once_and_a_record_holding_it_twice_reads_the_same():
    sigs = [make_signal(1), make_signal(2, outlet="AP", severity=5,
                                        sentence="Moscow has massed troops on the Ukrainian border.")]
    c, versions = fold(sigs)
    key = f"e|{versions[-1]['event_id']}"
    rec = c.state[key]
    assert rec["representative"]["article_id"] == sigs[1].article_id
    assert rec["_best"][sigs[1].article_id] == "=" and isinstance(rec["_best"][sigs[0].article_id], dict)
    earlier = {**rec, "_best": {k: rec["representative"] if v == "=" else v for k, v in rec["_best"].items()}}
    old = Consolidator({**c.state, key: earlier})
    # Withdrawing the representative's article: the other article's best signal takes its place.
    assert old.retract(sigs[1].article_id) == c.retract(sigs[1].article_id)
    assert c.event(versions[-1]["event_id"])["representative"]["article_id"] == sigs[0].article_id
    assert old.state[key] == c.state[key]
