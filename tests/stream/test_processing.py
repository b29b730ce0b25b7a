"""The pure core of the worker: every decision without Faust or Kafka."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.article import Article
from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.stream.processing import (
    Record,
    analyse_payload,
    content_hash,
    dead_letter,
    process_batch,
    process_record,
)
from tests.stream.fakes import EXPLODE, two_signals

NOW = datetime(2024, 4, 15, 12, 0, tzinfo=UTC)


def rec(value: bytes | None, offset: int = 0, key: bytes | None = b"k", partition: int = 1) -> Record:
    return Record(value, key, "articles", partition, offset, NOW.timestamp())


def art(id_: str, body: str = "Russia massed troops near the border.", **kw) -> bytes:
    return json.dumps({"id": id_, "body": body, **kw}).encode()


def never_seen(record: Record, key: str) -> None:
    return None


def run(records, seen=never_seen, window=3600.0, detect=two_signals, max_dl=None):
    return process_batch(records, detect=detect, now=NOW, seen=seen, window_seconds=window,
                         max_article_bytes=10_000, max_dead_letter_bytes=max_dl)


def test_good_article_gives_signals_keyed_by_article_id_as_plain_json():
    [res] = run([rec(art("a1"))])
    assert res.status == "ok" and res.article_id == "a1"
    assert [o.kind for o in res.outbound] == ["signal", "signal"]
    assert all(o.key == b"a1" for o in res.outbound)
    sigs = [Signal.model_validate_json(o.value) for o in res.outbound]
    assert [s.type for s in sigs] == ["MOBILIZE", "THREATEN"]
    assert "__faust" not in json.loads(res.outbound[0].value)
    assert res.signal_types == ["MOBILIZE", "THREATEN"]
    expected_hash = content_hash(Article(id="a1", body="Russia massed troops near the border."))
    assert res.marks == ["id:a1", f"hash:{expected_hash}"]


def test_content_hash_is_pinned_so_dedupe_state_survives_upgrades():
    # The dedupe table keeps these hashes across restarts and releases: a change of the
    # normalisation would let every re-sent article through once. Case (ASCII) and runs of
    # whitespace do not count; other characters do.
    a = Article(id="x", title="Troops  MASSED", body="Near the\tborder.\n\n \u201cQuoted\u201d text ")
    assert content_hash(a) == "76f1d19bb3c88f12870016fcb630f8d1"
    assert content_hash(Article(id="y", title="troops massed", body="near the border. \u201cquoted\u201d text")) == content_hash(a)
    assert content_hash(Article(id="z", title="troops massed", body="near the border. \u201cquoted\u201d texts")) != content_hash(a)


def test_each_bad_input_becomes_one_dead_letter_with_reason_and_origin():
    cases = {
        b"{not json": "not_json",
        b"\xff\xfe\x00garbage": "undecodable",
        art("e", body="   "): "empty_body",
        json.dumps({"id": "w", "body": 42}).encode(): "schema",
        art("f", language="fr"): "unsupported_language",
        art("big", body="x" * 20_000): "oversize",
        art("boom", body=f"Troops massed. {EXPLODE}"): "detection_error",
        None: "not_json",
    }
    records = [rec(v, offset=i) for i, v in enumerate(cases)]
    results = run(records)
    for res, (value, reason) in zip(results, cases.items(), strict=True):
        assert res.status == "dead_letter", value
        assert res.reason == reason
        assert res.marks == []  # never recorded as seen: a fixed re-send is processed
        [out] = res.outbound
        assert out.kind == "dead_letter" and out.key == b"k"
        dl = DeadLetter.model_validate_json(out.value)
        assert dl.reason == reason
        assert dl.source_topic == "articles" and dl.partition == 1 and dl.offset == res.record.offset
        assert dl.error.startswith(f"articles[1]@{res.record.offset}: ")
        raw = base64.b64decode(dl.payload) if dl.payload_encoding == "base64" else dl.payload.encode()
        assert raw == (value or b"")
        assert dl.failed_at == NOW
    boom = DeadLetter.model_validate_json(results[6].outbound[0].value)
    assert "RuntimeError: simulated detector bug" in boom.error


def test_undecodable_payload_is_kept_as_base64():
    [res] = run([rec(b"\xe9t\xe9")])
    dl = DeadLetter.model_validate_json(res.outbound[0].value)
    assert dl.payload_encoding == "base64" and base64.b64decode(dl.payload) == b"\xe9t\xe9"


def test_dead_letter_too_big_for_its_topic_is_truncated_and_says_so():
    big = rec(b'"' + b"\\u0001" * 5000 + b'"')  # JSON escapes grow when re-encoded
    out = dead_letter(big, "schema", "expected an object", NOW, max_bytes=8_000)
    assert len(out.value) <= 8_000
    dl = DeadLetter.model_validate_json(out.value)
    assert "payload truncated" in dl.error and "of 30002 bytes" in dl.error


def test_duplicate_by_id_within_window_and_not_after_it():
    table = {"id:a1": NOW.timestamp() - 100}
    seen = lambda r, k: table.get(k)  # noqa: E731
    [dup] = run([rec(art("a1", body="other text"))], seen=seen)
    assert dup.status == "duplicate" and dup.reason == "id" and dup.outbound == []
    table["id:a1"] = (NOW - timedelta(hours=2)).timestamp()
    [fresh] = run([rec(art("a1", body="other text"))], seen=seen)
    assert fresh.status == "ok"


def test_duplicate_by_content_ignores_case_and_whitespace():
    first, second, third = run([
        rec(art("x1", body="Troops  massed\nnear the border."), 0),
        rec(art("x2", body="  troops massed near THE border. "), 1),
        rec(art("x3", body="Troops massed near the river."), 2),
    ])
    assert first.status == "ok"
    assert second.status == "duplicate" and second.reason == "content"
    assert third.status == "ok"


def test_window_zero_turns_dedupe_off():
    a, b = run([rec(art("same"), 0), rec(art("same"), 1)], window=0)
    assert a.status == b.status == "ok" and a.marks == [] == b.marks


def test_seen_is_asked_with_the_record_it_is_for():
    asked = []
    run([rec(art("p1"), 0, partition=0), rec(art("p2", body="b"), 1, partition=3)],
        seen=lambda r, k: asked.append((r.partition, k)))
    assert [p for p, _ in asked] == [0, 0, 3, 3]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_never_raises_and_always_accounts_for_the_record(value):
    [res] = run([rec(value)])
    assert res.status in ("ok", "dead_letter", "duplicate")
    if res.status == "dead_letter":
        assert len(res.outbound) == 1 and res.reason
        DeadLetter.model_validate_json(res.outbound[0].value)


def test_process_record_matches_batch_of_one():
    r = rec(art("solo"))
    one = process_record(r, detect=two_signals, now=NOW, seen=never_seen, window_seconds=60,
                         max_article_bytes=10_000)
    [batch] = run([r], window=60)
    assert one.outbound == batch.outbound and one.marks == batch.marks


def test_a_raising_detector_is_retried_once_then_dead_lettered():
    calls: list[str] = []

    def flaky(article):  # fails on the first try of each article only
        calls.append(article.id)
        if calls.count(article.id) == 1:
            raise MemoryError("transient")
        return two_signals(article)

    def broken(article):
        calls.append(article.id)
        raise RuntimeError("always")

    ok = analyse_payload(art("f1"), detect=flaky, now=NOW, max_article_bytes=10_000, with_keys=False)
    assert ok.status == "ok" and len(ok.signals) == 2 and calls == ["f1", "f1"]
    calls.clear()
    bad = analyse_payload(art("b1"), detect=broken, now=NOW, max_article_bytes=10_000, with_keys=False)
    assert bad.status == "error" and bad.reason == "detection_error"
    assert "RuntimeError: always (twice: retried once)" in (bad.message or "")
    assert calls == ["b1", "b1"]  # one retry, no more
