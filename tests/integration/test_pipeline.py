"""Articles in, signals and dead letters out, through a real broker and a real worker process."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.inputs import read_articles
from service.stream.publish import wire_json
from tests.integration.conftest import gone
from tests.stream.fakes import EXPLODE, KILL, two_signals

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_7c94694e4128f0a7.txt"
BAD = REPO / "tests" / "data" / "bad"


def _seed_article():
    [parsed] = list(read_articles([str(SEED)]))
    return parsed.article


def _signals(msgs) -> list[Signal]:
    return [Signal.model_validate_json(m.value) for m in msgs]


@pytest.mark.parametrize(("env", "arrival"), [
    ({}, "in bulk (batch intake)"),
    ({"ESCALERT_DETECT_PROCESSES": "0"}, "in bulk (batch intake)"),
    ({"ESCALERT_BATCH_INTAKE": "false"}, "event by event (Faust's stream)"),
], ids=["processes", "in-process", "faust-stream"])
def test_sample_article_signals_field_by_field(make_stream, env, arrival):
    """The seed article through the worker gives exactly the signals detect() gives locally,
    as plain JSON (no Faust envelope), keyed by article id: with detection in child processes
    or in the worker, and with messages arriving in bulk or through Faust's own stream."""
    # The stand-in detector gives known signals to compare field by field; the parameters
    # switch the two other intake and detection paths on (the first case is the default).
    stream = make_stream(partitions=2, ESCALERT_DETECTOR="tests.stream.fakes:two_signals", **env)
    w = stream.worker().start()
    w.wait_ready()
    assert f"messages arrive {arrival}" in w.tail(400), w.tail()
    article = _seed_article()
    stream.produce([(article.id.encode(), wire_json(article))])
    msgs = stream.consume(stream.signals, until=lambda m: len(m) >= 2, timeout=60)
    assert len(msgs) == 2, w.tail()
    expected = two_signals(article)
    got = _signals(msgs)
    for m in msgs:
        raw = json.loads(m.value)
        assert "__faust" not in raw
        assert raw["schema_version"] == 1
        assert m.key == article.id.encode()
    by_id = {s.signal_id: s for s in got}
    for exp in expected:
        s = by_id[exp.signal_id]
        # Field by field: a mismatch names the field.
        for field in Signal.model_fields:
            assert getattr(s, field) == getattr(exp, field), field
    assert w.metric("escalert_signals_out_total", 'type="MOBILIZE"') == 1
    assert w.metric("escalert_articles_in_total") == 1


def _real_detector_is_placeholder() -> bool:
    from service.detection import detect

    return detect(_seed_article()) == []


@pytest.mark.skipif(_real_detector_is_placeholder(), reason="the detector finds nothing in the sample article")
def test_sample_article_expected_signals_with_real_detector(make_stream):
    """The required signals of the sample article arrive on the signals topic."""
    from service.detection import detect

    stream = make_stream(partitions=1)  # the real detector (settings default)
    w = stream.worker().start()
    w.wait_ready()
    article = _seed_article()
    local = detect(article)
    stream.produce([(article.id.encode(), wire_json(article))])
    msgs = stream.consume(stream.signals, until=lambda m: len(m) >= len(local), timeout=60)
    got = _signals(msgs)
    # The stream adds nothing and loses nothing: identical to a local run, field by field.
    assert sorted(s.model_dump_json() for s in got) == sorted(s.model_dump_json() for s in local)

    def find(type_, modality, actors=(), place=None, day=None, year=None):
        for s in got:
            codes = {a.code for a in s.actors.source + s.actors.target}
            if s.type != type_ or s.modality != modality or not set(actors) <= codes:
                continue
            if place and not (s.location and place.lower() in s.location.name.lower()):
                continue
            if day and s.event_date != day:
                continue
            if year and not (s.event_date and s.event_date.year == year):
                continue
            return s
        raise AssertionError(f"no {type_} {modality} {actors} {place} {day or year} in "
                             f"{[(s.type, s.modality, s.evidence.sentence[:50]) for s in got]}")

    find("CONSULT", "scheduled", ("USA", "RUS"), "Geneva", date(2025, 1, 10))
    find("CONSULT", "scheduled", ("RUS", "NATO"), "Brussels", date(2025, 1, 12))
    find("CONSULT", "scheduled", ("OSCE",), day=date(2025, 1, 13))
    mob = find("MOBILIZE", "asserted", ("RUS",))
    assert "troops" in mob.evidence.sentence
    find("ASSAULT", "denied", ("RUS",))
    rus_threat = [s for s in got if s.type == "THREATEN" and "RUS" in {a.code for a in s.actors.source}]
    assert rus_threat, "THREATEN by RUS"
    usa_threat = [s for s in got if s.type == "THREATEN" and "USA" in {a.code for a in s.actors.source}
                  and "RUS" in {a.code for a in s.actors.target}]
    assert usa_threat, "THREATEN by USA against RUS"
    aid = find("AID", "asserted", ("USA", "UKR"))
    assert "300 million" in aid.evidence.sentence
    find("COERCE", "historical", year=2014)
    find("AGREE", "historical", year=2015)


# tests/data/bad files named after something other than their dead-letter reason.
REASON_OF_FILE = {"wrong_types": "schema", "huge_number": "not_json", "lone_surrogate": "undecodable"}


def test_every_bad_input_is_dead_lettered_and_good_ones_still_flow(make_stream):
    # two_signals_or_die: two_signals, but an article with the KILL marker SIGKILLs the detection
    # process that runs it (a crash in the detector's process must not lose anything either).
    stream = make_stream(partitions=2, ESCALERT_DETECTOR="tests.stream.fakes:two_signals_or_die",
                         ESCALERT_DETECT_PROCESSES="1")  # one process, so the KILL hits the only one
    w = stream.worker().start()
    w.wait_ready()

    items: list[tuple[bytes | None, bytes | None]] = []
    expected_reason: dict[int, str] = {}  # index in items -> reason
    good_ids = []
    for path in sorted(BAD.glob("*.jsonl")):
        lines = [ln for ln in path.read_bytes().split(b"\n") if ln.strip()]
        assert len(lines) == 3, path
        for i, line in enumerate(lines):
            if i == 1:
                expected_reason[len(items)] = REASON_OF_FILE.get(path.stem, path.stem)
                items.append((f"bad-{path.stem}".encode(), line))
            else:
                good_ids.append(json.loads(line)["id"])
                items.append((good_ids[-1].encode(), line))
    # An exception inside detect(), and a null message value (a tombstone).
    expected_reason[len(items)] = "detection_error"
    items.append((b"explode", json.dumps({"id": "explode-1", "body": f"Troops massed. {EXPLODE}"}).encode()))
    expected_reason[len(items)] = "not_json"
    items.append((b"tombstone", None))
    expected_reason[len(items)] = "detection_error"
    items.append((b"killer", json.dumps({"id": "killer-1", "body": f"Troops massed. {KILL}"}).encode()))
    # Good articles after all of it.
    for n in range(3):
        good_ids.append(f"after-{n}")
        items.append((good_ids[-1].encode(), json.dumps({"id": good_ids[-1], "body": f"Late article {n}."}).encode()))

    meta = stream.produce(items)
    n_dead = len(expected_reason)
    dead = stream.consume(stream.dlq, until=lambda m: len(m) >= n_dead, timeout=90)
    sig = stream.consume(stream.signals, until=lambda m: len(m) >= 2 * len(good_ids), timeout=90)

    letters = [DeadLetter.model_validate_json(m.value) for m in dead]
    assert len(letters) == n_dead, (letters, w.tail())
    by_pos = {(dl.partition, dl.offset): (dl, m) for dl, m in zip(letters, dead, strict=True)}
    for idx, reason in expected_reason.items():
        md = meta[idx]
        dl, msg = by_pos[(md.partition, md.offset)]
        assert dl.reason == reason, (idx, dl)
        assert dl.source_topic == stream.articles
        assert f"{stream.articles}[{md.partition}]@{md.offset}" in dl.error
        original = items[idx][1] or b""
        payload = base64.b64decode(dl.payload) if dl.payload_encoding == "base64" else dl.payload.encode()
        assert payload == original, reason  # byte for byte, even the 1.1 MB one
        assert msg.key == items[idx][0]
        assert abs((datetime.now(UTC) - dl.failed_at).total_seconds()) < 600
        if original.startswith(b'{"id": "killer-1"'):
            assert "detection process died on this article" in dl.error, dl.error
    assert {dl.reason for dl in letters} == {
        "not_json", "empty_body", "schema", "undecodable", "oversize", "unsupported_language",
        "detection_error", "too_deep",
    }
    got_ids = {Signal.model_validate_json(m.value).article_id for m in sig}
    assert got_ids == set(good_ids)
    assert len(sig) == 2 * len(good_ids)
    assert w.metric("escalert_dead_letters_total", 'reason="oversize"') == 1
    assert w.metric("escalert_dead_letters_total") == n_dead
    assert w.proc.poll() is None  # still running


@pytest.mark.parametrize(("guarantee", "store"), [
    ("at_least_once", "memory://"), ("exactly_once", "memory://"), ("at_least_once", "rocksdb://"),
])
def test_duplicates_suppressed_by_id_and_content_across_restart(make_stream, tmp_path, guarantee, store):
    # Both stores and both guarantees on purpose (the default is at_least_once + rocksdb://):
    # memory:// is rebuilt from the changelog at start; rocksdb:// keeps its state on disk, per
    # partition, and finds a key's partition from Faust's current event.
    stream = make_stream(partitions=1, ESCALERT_DETECTOR="tests.stream.fakes:two_signals",
                         ESCALERT_PROCESSING_GUARANTEE=guarantee, ESCALERT_STORE=store,
                         ESCALERT_DATA_DIR=str(tmp_path / "data"))
    w = stream.worker().start()
    w.wait_ready()
    body = "Russia massed troops near the border on Monday, officials said."
    stream.produce([(b"d1", json.dumps({"id": "d1", "body": body}).encode()),
                    (b"d1", json.dumps({"id": "d1", "body": body}).encode())])  # same batch
    stream.consume(stream.signals, until=lambda m: len(m) >= 2, timeout=60)
    # The dedupe table's changelog, read committed: the restart must restore what was committed,
    # so wait for the commit that holds it (a fixed pause was too short on a loaded machine).
    changelog = stream.consume(f"{stream.app_id}-dedupe-changelog", until=lambda m: len(m) >= 1, timeout=60)
    assert changelog, "the dedupe table's writes were never committed to its changelog"
    detecting = w.children()
    w.stop()
    assert gone(detecting, timeout=5), f"detection processes {detecting} outlived the stopped worker"
    # After a restart (state restored from the changelog): same id, then same content + new id.
    w2 = stream.worker("w2").start()
    w2.wait_ready()
    stream.produce([
        (b"d1", json.dumps({"id": "d1", "body": body + " Updated."}).encode()),
        (b"d2", json.dumps({"id": "d2", "body": "  " + body.upper() + "\n"}).encode()),
        (b"d3", json.dumps({"id": "d3", "body": "A different article entirely."}).encode()),
    ])
    msgs = stream.consume(stream.signals, until=lambda m: len(m) >= 4, timeout=60)
    ids = [Signal.model_validate_json(m.value).article_id for m in msgs]
    assert sorted(ids) == ["d1", "d1", "d3", "d3"], w2.tail()
    assert w.proc.returncode == 0  # stopped cleanly by SIGTERM
    assert w2.metric("escalert_duplicates_total", 'by="id"') == 1
    assert w2.metric("escalert_duplicates_total", 'by="content"') == 1
