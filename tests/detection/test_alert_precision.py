"""scripts/alert_precision.py: keys, sample, scoring of hand-checked alerts, and what it does
without the real-news cache. The sentences here are the project's own."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.detection.conftest import alert_precision_module

ap = alert_precision_module()

SENTENCES = {
    "a": "Russian troops shelled the Ukrainian city of Kharkiv on Monday, killing three civilians.",
    "b": "Police in Lagos arrested twelve protesters on Tuesday.",
    "c": "The United States imposed new sanctions on Iran on Friday.",
    "d": "The ministry said the exercise would end on Sunday.",
}


def _key(doc: str, which: str, type_: str, trigger: str) -> object:
    sha = hashlib.sha256(SENTENCES[which].encode("utf-8")).hexdigest()
    return ap.AlertKey(doc, sha, type_, trigger, SENTENCES[which].index(trigger))


KEYS = [
    _key("own:1", "a", "ASSAULT", "shelled"),
    _key("own:2", "b", "COERCE", "arrested"),
    _key("own:3", "c", "SANCTION", "sanctions"),
    _key("own:4", "d", "MOBILIZE", "exercise"),
]


def _alerts(keys: list) -> list:
    return [ap.Alert(k, "test", None) for k in keys]


def _judgment(key: object, verdict: str, roles: str | None = None) -> dict:
    return {**key.as_dict(), "split": "test", "verdict": verdict, "roles": roles, "reason": "own sentence"}


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "judgments.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_precision_counts_only_judged_alerts_still_raised(tmp_path: Path) -> None:
    rows = [
        _judgment(KEYS[0], "right", "right"),
        _judgment(KEYS[1], "right", "partly"),
        _judgment(KEYS[2], "not-asserted"),
        _judgment(KEYS[3], "wrong-type"),  # no longer raised below: left out of the precision
    ]
    judgments = ap.load_judgments(_write(tmp_path, rows))
    s = ap.score(judgments, _alerts(KEYS[:3]), ap.DEFAULT_SEED)
    assert (s.judged, s.raised, sum(s.right.values())) == (4, 3, 2)
    assert s.n == {"ASSAULT": 1, "COERCE": 1, "SANCTION": 1}
    assert s.verdicts["not-asserted"] == 1 and s.verdicts["wrong-type"] == 0
    assert (s.roles["right"], s.roles["partly"]) == (1, 1)
    text = ap.format_score(s, "test")
    assert "2/3  0.667" in text and "SANCTION  0/1" in text and "not-asserted 1" in text


def test_wilson_interval_matches_known_values() -> None:
    lo, hi = ap.wilson(50, 100)
    assert round(lo, 3) == 0.404 and round(hi, 3) == 0.596
    lo, hi = ap.wilson(0, 10)
    assert lo == 0.0 and round(hi, 3) == 0.278
    assert ap.wilson(0, 0) == (0.0, 1.0)


def test_new_alert_under_the_sample_cutoff_is_reported_unjudged() -> None:
    alerts = _alerts(KEYS)
    sample = ap.draw_sample(alerts, 2, ap.DEFAULT_SEED)
    judged = [ap.parse_judgment(_judgment(a.key, "right", "right"), "x") for a in sample]
    assert ap.score(judged, alerts, ap.DEFAULT_SEED).unjudged_in_frame == 0
    # drop the judgment of the lowest-ranked alert: it is now in the frame and not judged
    assert ap.score(judged[1:], alerts, ap.DEFAULT_SEED).unjudged_in_frame == 1
    # and --unjudged lists exactly that one, to judge before the next change
    assert [a.key for a in ap.unjudged_in_frame(judged[1:], alerts, ap.DEFAULT_SEED)] == [sample[0].key]


def test_sample_order_does_not_depend_on_the_other_alerts() -> None:
    whole = [a.key for a in ap.draw_sample(_alerts(KEYS), 4, ap.DEFAULT_SEED)]
    part = [a.key for a in ap.draw_sample(_alerts(KEYS[1:]), 3, ap.DEFAULT_SEED)]
    assert [k for k in whole if k in part] == part


def test_collects_only_asserted_or_scheduled_escalation_alerts_keyed_by_their_sentence() -> None:
    item = {"id": "own:9", "split": "test", "title": "", "published_at": "2026-01-05T00:00:00Z",
            "text": " ".join([SENTENCES["a"], "The two leaders met in Geneva on Monday.", SENTENCES["c"]])}
    alerts = ap.collect_alerts([item], ap.detect_item)
    assert {a.key.type for a in alerts} <= set(ap.ESCALATION_TYPES)
    by_type = {a.key.type: a.key for a in alerts}
    assert by_type["ASSAULT"].sentence_sha256 == hashlib.sha256(SENTENCES["a"].encode()).hexdigest()
    assert item["text"][by_type["ASSAULT"].trigger_start:].startswith(by_type["ASSAULT"].trigger)


@pytest.mark.parametrize(("row", "reason"), [
    ({"verdict": "right", "roles": "right"}, "key field missing"),
    ({**KEYS[0].as_dict(), "verdict": "maybe"}, "verdict 'maybe' is not one of"),
    ({**KEYS[0].as_dict(), "verdict": "right"}, "a right alert needs roles"),
    ({**KEYS[0].as_dict(), "verdict": "not-asserted", "source": ["RUS"]}, "actors are written for right alerts only"),
    ({**KEYS[0].as_dict(), "verdict": "right", "roles": "right", "source": ["RUS:XYZ"]}, "actors: .*bad actor"),
])
def test_bad_judgment_is_refused_with_the_line_and_reason(tmp_path: Path, row: dict, reason: str) -> None:
    path = _write(tmp_path, [row])
    with pytest.raises(ap.JudgmentError, match=reason) as exc:
        ap.load_judgments(path)
    assert f"{path}:1" in str(exc.value)


def test_missing_cache_skips_each_split_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ESCALERT_EVAL_DATA", str(tmp_path / "empty"))
    judgments = _write(tmp_path, [_judgment(KEYS[0], "right", "right")])
    assert ap.main(["--judgments", str(judgments)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in out] == ["== test", "== dev"]
    assert all("skipped:" in line and "is not built" in line for line in out)


def test_missing_judgments_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ap.main(["--judgments", str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("alert_precision:") and "no judgments file" in err[0]


def test_the_frame_is_world_news_only_and_each_frame_has_its_own_judgments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ledes filed under a non-political desk (agnews' Sports, Business, Sci/Tech) are not in the
    precision frame; the wire ledes are judged in a file of their own, not with RAMS and WikiEvents."""
    monkeypatch.setenv("ESCALERT_EVAL_DATA", str(tmp_path))
    (tmp_path / "agnews").mkdir()
    rows = [{"id": "agnews:test-1", "text": SENTENCES["a"], "title": "", "desk": None, "units": [], "split": "dev"},
            {"id": "agnews:test-2", "text": SENTENCES["b"], "title": "", "desk": "sport", "units": [], "split": "dev"}]
    (tmp_path / "agnews" / "dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [d["id"] for d in ap.load_documents(("agnews",), "dev")] == ["agnews:test-1"]
    assert ap.judgments_path(("agnews",)).name == "agnews.jsonl"
    assert ap.judgments_path(ap.DEFAULT_SETS) == ap.JUDGMENTS
    assert ap.load_judgments(ap.judgments_path(("agnews",)))  # committed with the set


def test_roles_of_right_alerts_are_scored_now_against_the_actors_written_down(tmp_path: Path) -> None:
    """A right alert with its doer and victim written down is scored on the current signal's
    roles (the overlap rule of tests/data/roles), not on the verdict given when it was judged."""
    item = {"id": "own:1", "split": "test", "title": "", "published_at": "2026-01-05T00:00:00Z",
            "text": SENTENCES["a"]}
    alert = next(a for a in ap.collect_alerts([item], ap.detect_item) if a.key.type == "ASSAULT")
    rows = [{**_judgment(alert.key, "right", "wrong"), "source": ["RUS"], "target": ["UKR:CVL"]}]
    s = ap.score(ap.load_judgments(_write(tmp_path, rows)), [alert], ap.DEFAULT_SEED)
    assert (s.gold_roles, s.gold_both) == (1, 1)
    rows[0]["source"] = ["UKR"]  # the victims' state as the doer: the signal's roles no longer match
    s = ap.score(ap.load_judgments(_write(tmp_path, rows)), [alert], ap.DEFAULT_SEED)
    assert (s.gold_roles, s.gold_both) == (1, 0)
    assert "both right 0/1" in ap.format_score(s, "test")
