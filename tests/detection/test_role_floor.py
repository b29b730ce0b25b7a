"""Actor roles on real news: the scoring rules, the text loader, and a floor on the dev split.

The floor runs the detector on the annotated dev sentences (tests/data/roles), whose text is not in
git: it needs the sentence cache (built by ``scripts/role_accuracy.py --git-dir ...``) and skips,
saying so, when the cache is absent.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from schemas.signal import Actor
from service.detection import detect, role_eval
from service.detection.role_eval import GoldEvent, Places, RoleDataError

ANNOTATIONS = role_eval.default_annotations()
# Measured after the quoted-speaker, backer and title rules (docs/quality-roles.md):
# dev 165 of 211 events found with the right type (0.782), both roles right for 136 of them (0.824);
# with the rules of "Missing targets, joint parties and attacks fought back" (docs/quality.md),
# 168 found (0.796), both right for 141 (0.839). Floors just under.
DEV_FOUND_FLOOR = 0.76
# Arms given to a side are read as aid: one more event found ("the U.S. armed and trained
# fighters for Syria"), its target the state rather than its rebels; the events with both roles
# right did not fall, so their count is held as well.
DEV_BOTH_RIGHT_FLOOR = 0.83
DEV_BOTH_RIGHT_COUNT = 141


def ev(types: str, src: str, tgt: str, joint: bool = False) -> GoldEvent:
    split = lambda s: tuple(s.split(",")) if s else ()  # noqa: E731
    return GoldEvent(types=tuple(types.split("|")), source=split(src), target=split(tgt),
                     modality="asserted", joint=joint)


def sig(typ: str, src: str = "", tgt: str = "", texts: dict[str, str] | None = None) -> SimpleNamespace:
    texts = texts or {}
    actors = lambda s: [Actor(code=c, text=texts.get(c, c)) for c in s.split(",") if c]  # noqa: E731
    return SimpleNamespace(type=SimpleNamespace(value=typ), actors=SimpleNamespace(source=actors(src), target=actors(tgt)))


# ------------------------------------------------------------------------------------ match rules

@pytest.mark.parametrize(("alt", "predicted", "expected"), [
    ("RUS", {"RUS"}, True),
    ("RUS", {"UKR"}, False),
    ("PAK:REB", {"REB"}, True),
    ("PAK:REB", {"PAK"}, False),  # the state alone casts the state as the gunmen
    ("PAK:REB", {"PAK", "UAF"}, True),  # gunmen: CAMEO's unidentified armed forces are the guidelines' REB
    ("IRQ:REB", {"INS"}, True),  # insurgents
    ("NLD:POL", {"COP"}, True),  # police: CAMEO's COP
    ("NLD:POL", {"MIL"}, False),
    ("SYR:MIL", {"SYR"}, True),
    ("SYR:MIL", {"MIL"}, True),
    ("YEM:CVL", {"YEM"}, True),
    ("YEM:CVL", {"SAU"}, False),
])
def test_alternative_matches(alt: str, predicted: set[str], expected: bool) -> None:
    assert role_eval.alternative_matches(alt, frozenset(predicted)) is expected


def test_actor_alternatives_any_matches() -> None:
    assert role_eval.actor_matches("YPG/SYR:REB", frozenset({"YPG"}))
    assert role_eval.actor_matches("YPG/SYR:REB", frozenset({"REB"}))
    assert not role_eval.actor_matches("YPG/SYR:REB", frozenset({"SYR"}))


def test_role_right_overlap_and_exact() -> None:
    gold = ("RUS", "SYR:MIL")
    assert role_eval.role_right(gold, frozenset({"RUS", "USA"}))          # overlap: one gold actor named
    assert not role_eval.role_exact(gold, frozenset({"RUS", "USA"}))      # exact: USA is not accounted for
    assert role_eval.role_exact(gold, frozenset({"RUS", "SYR"}))
    assert not role_eval.role_exact(gold, frozenset({"RUS"}))             # exact needs every gold actor
    assert role_eval.role_right((), frozenset())                          # nobody named, nobody found
    assert not role_eval.role_right((), frozenset({"USA"}))


def test_judge_directed_event() -> None:
    e = ev("ASSAULT", "USA", "SYR:MIL")
    assert role_eval.judge(e, sig("ASSAULT", "USA", "SYR")) == role_eval.Verdict(True, True, True)
    swapped = role_eval.judge(e, sig("ASSAULT", "SYR", "USA"))
    assert (swapped.source, swapped.target, swapped.both) == (False, False, False)
    half = role_eval.judge(e, sig("ASSAULT", "USA", ""))
    assert (half.source, half.target) == (True, False)


def test_judge_joint_types_ignore_order_but_need_every_party() -> None:
    meeting = ev("CONSULT", "USA", "CHN")
    assert role_eval.judge(meeting, sig("CONSULT", "CHN", "USA")).both
    assert not role_eval.judge(meeting, sig("CONSULT", "USA", "")).both
    clash = ev("ASSAULT", "SYR:REB,SYR:MIL", "", joint=True)
    assert role_eval.judge(clash, sig("ASSAULT", "REB", "SYR")).both
    assert not role_eval.judge(clash, sig("ASSAULT", "SYR", "")).both


def test_assign_uses_each_signal_once_and_prefers_the_right_one() -> None:
    events = [ev("ASSAULT", "USA", "ISIS"), ev("ASSAULT", "RUS", "")]
    signals = [sig("ASSAULT", "RUS", ""), sig("ASSAULT", "USA", "ISIS"), sig("CONSULT", "USA", "RUS")]
    pairs = role_eval.assign(events, signals)  # type: ignore[arg-type]
    assert [p[1] for p in pairs] == [signals[1], signals[0]]
    assert role_eval.assign([ev("AID", "USA", "UKR")], signals) == [(ev("AID", "USA", "UKR"), None)]  # type: ignore[arg-type]


def test_assign_accepts_any_listed_type() -> None:
    (pair,) = role_eval.assign([ev("COERCE|ASSAULT", "SYR:MIL", "ISIS")], [sig("ASSAULT", "SYR", "ISIS")])  # type: ignore[arg-type]
    assert pair[1] is not None


@pytest.mark.parametrize(("gold", "src", "texts", "other", "expected"), [
    (("PAK:REB",), "PAK", {"PAK": "Karachi"}, (), "place named as an actor"),
    (("SYR:REB",), "SYR", {"SYR": "Syrian"}, (), "state named for an armed group"),
    (("USA",), "SYR", {}, ("SYR:MIL",), "source and target swapped"),
    (("USA",), "", {}, (), "actor missing"),
    ((), "USA", {}, (), "actor where the text names none"),
    (("USA",), "RUS", {}, ("SYR",), "wrong actor"),
])
def test_classify(gold: tuple[str, ...], src: str, texts: dict[str, str], other: tuple[str, ...], expected: str) -> None:
    places = Places(places=frozenset({"Karachi"}), capitals=frozenset({"Moscow"}))
    actors = sig("ASSAULT", src, texts=texts).actors.source
    assert role_eval.classify(gold, actors, other, places) == expected


# ----------------------------------------------------------------------------------- data loading

def test_detokenize_rams_tokens() -> None:
    tokens = ["Russia", "'s", "envoy", "said", '"', "no", '"', ",", "(", "again", ")", "."]
    assert role_eval.detokenize(tokens) == "Russia's envoy said \"no\", (again)."


def test_annotations_load_and_follow_the_split_rule() -> None:
    items = role_eval.load_annotations(ANNOTATIONS)
    assert len(items) >= 300
    assert len({i.id for i in items}) == len(items)
    for item in items:
        first = hashlib.sha256(item.id.encode()).digest()[0]
        assert item.split == ("dev" if first % 2 == 0 else "test"), item.id
        assert item.id == f"rams:{item.source.doc_key}:s{item.source.sentence}"


def test_bad_annotation_line_names_file_line_and_field(tmp_path: Path) -> None:
    good = ANNOTATIONS.read_text(encoding="utf-8").splitlines()[0]
    row = json.loads(good)
    row["events"][0]["source"] = ["RUS:ARMY"]
    bad = tmp_path / "a.jsonl"
    bad.write_text(good + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(RoleDataError, match=r"a\.jsonl:2: events\.0\.source: .*bad actor 'RUS:ARMY'"):
        role_eval.load_annotations(bad)


def test_cache_roundtrip_checks_every_hash(tmp_path: Path) -> None:
    items = role_eval.load_annotations(ANNOTATIONS)[:2]
    with pytest.raises(RoleDataError, match="no sentence cache at .*--git-dir"):
        role_eval.read_cache(items, tmp_path / "absent.jsonl")
    cache = tmp_path / "roles" / "sentences.jsonl"
    role_eval.write_cache({i.id: "not the sentence" for i in items}, cache)
    with pytest.raises(RoleDataError, match="2 sentences do not match their sha256"):
        role_eval.read_cache(items, cache)
    role_eval.write_cache({items[0].id: "x"}, cache)
    with pytest.raises(RoleDataError, match="1 annotated sentences have no text"):
        role_eval.read_cache(items, cache)


def test_cache_location_follows_escalert_eval_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ESCALERT_EVAL_DATA", str(tmp_path))
    assert role_eval.cache_file() == tmp_path / "roles" / "sentences.jsonl"


def test_script_reports_a_missing_cache_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "role_accuracy.py"
    spec = importlib.util.spec_from_file_location("role_accuracy", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--cache", str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("role_accuracy: no sentence cache at")


# ------------------------------------------------------------------------------------------ floor

def test_role_accuracy_floor_on_dev() -> None:
    items = [i for i in role_eval.load_annotations(ANNOTATIONS) if i.split == "dev"]
    try:
        texts = role_eval.read_cache(items, role_eval.cache_file())
    except RoleDataError as exc:
        pytest.skip(f"role set text not available: {exc}")
    tally = role_eval.evaluate(items, texts, detect).tallies["dev"]
    assert tally.found / tally.events >= DEV_FOUND_FLOOR, (tally.found, tally.events)
    assert tally.both / tally.found >= DEV_BOTH_RIGHT_FLOOR, (tally.both, tally.found)
    assert tally.both >= DEV_BOTH_RIGHT_COUNT, (tally.both, tally.found)


def test_a_generic_actor_is_judged_by_its_state_and_its_sector() -> None:
    """"Syrian rebels" is SYR with sector REB (CAMEO's SYRREB): it is the rebels, not the state."""
    rebels = SimpleNamespace(type=SimpleNamespace(value="ASSAULT"), actors=SimpleNamespace(
        source=[Actor(code="SYR", text="Syrian rebels", sector="REB")], target=[Actor(code="ISIS", text="IS")]))
    assert role_eval.judge(ev("ASSAULT", "SYR:REB", "ISIS"), rebels).both  # type: ignore[arg-type]
    state = sig("ASSAULT", "SYR", "ISIS")
    assert not role_eval.judge(ev("ASSAULT", "SYR:REB", "ISIS"), state).source  # type: ignore[arg-type]
    assert role_eval.codes_of(rebels.actors.source) == frozenset({"SYR", "REB"})


def test_classify_joint_event_with_one_party_named() -> None:
    actors = sig("CONSULT", "RUS").actors.source
    assert role_eval.classify(("USA", "RUS"), actors, (), Places(), parties=True) == "a party of a joint event missing"
    assert role_eval.classify(("USA", "RUS"), actors, (), Places()) == "wrong actor"


def test_the_report_shows_examples_of_wrong_roles_from_dev_only_unless_asked() -> None:
    """Reading errors to write rules must never show a test sentence."""
    report = role_eval.RoleReport()
    report.errors["wrong actor"] += ["[dev] d1 ASSAULT source: gold RUS", "[test] t1 ASSAULT source: gold UKR"]
    shown = role_eval.format_report(report)
    assert "d1 ASSAULT" in shown and "t1 ASSAULT" not in shown
    every = role_eval.format_report(report, example_split="all")
    assert "d1 ASSAULT" in every and "t1 ASSAULT" in every
