"""The learned role ranking (service/detection/role_model.py): its scores, its hook in the
detector, the shipped weights file and its provenance, and the training script's label mapping."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from schemas.article import Article
from service.detection import detect, role_eval, role_model
from service.detection.lexicon import GazEntry
from service.detection.text import Span

ROOT = Path(__file__).resolve().parents[2]


def _train_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_roles", ROOT / "scripts" / "train_roles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _state(surface: str, code: str) -> GazEntry:
    return GazEntry(surface=surface, code=code, kind="state", country=None, lat=None, lon=None, name=surface)


def _scores(text: str, trigger: str, names: dict[str, str], etype: str = "ASSAULT") -> dict[str, list[float]]:
    """The shipped model's probabilities (neither, source, target) of each name against the trigger."""
    model = role_model.load_model()
    tokens = role_model._tokens(text, 0, len(text))
    ts = text.index(trigger)
    mentions = [(text.index(s), text.index(s) + len(s), _state(s, c)) for s, c in names.items()]
    out = {}
    for m in mentions:
        others = [(o[0], o[1]) for o in mentions if o is not m]
        feats = role_model.pair_features(text, tokens, etype, (ts, ts + len(trigger)), m, others, Span(0, len(text)), "-")
        out[m[2].code] = model.probabilities(feats)
    return out


def _best(p: dict[str, list[float]], cls: int) -> str:
    return max(p, key=lambda code: p[code][cls])


def test_passive_by_agent_is_the_source_and_the_subject_the_target() -> None:
    """The model ranks the names of a sentence for each role: "X was attacked by Y" puts Y first
    as the source and X first as the target."""
    p = _scores("Syria was attacked by Turkey on Monday.", "attacked", {"Syria": "SYR", "Turkey": "TUR"})
    assert (_best(p, 1), _best(p, 2)) == ("TUR", "SYR")
    assert p["TUR"][1] > p["TUR"][2] and p["SYR"][2] > p["TUR"][2]
    p = _scores("Two Iraqi soldiers were killed by Islamic State fighters.", "killed",
                {"Iraqi soldiers": "IRQ", "Islamic State": "ISIS"})
    assert (_best(p, 1), _best(p, 2)) == ("ISIS", "IRQ")


def test_active_subject_is_the_source_and_the_object_the_target() -> None:
    p = _scores("Turkey attacked Syria on Monday.", "attacked", {"Turkey": "TUR", "Syria": "SYR"})
    assert (_best(p, 1), _best(p, 2)) == ("TUR", "SYR")


def test_a_passive_report_keeps_its_roles_in_the_detector() -> None:
    assert _roles("Syria was attacked by Turkey on Monday.") == [("ASSAULT", ["TUR"], ["SYR"])]


def test_scores_are_deterministic_and_probabilities() -> None:
    args = ("Syria was attacked by Turkey on Monday.", "attacked", {"Syria": "SYR", "Turkey": "TUR"})
    first, second = _scores(*args), _scores(*args)
    assert first == second
    for probs in first.values():
        assert len(probs) == 3 and abs(sum(probs) - 1.0) < 1e-9


BOMBARDMENT = "Shells have been falling on Ukrainian villages as Russia continues its bombardment."


def _roles(text: str) -> list[tuple[str, list[str], list[str]]]:
    signals = detect(Article(id="t", body=text, published_at=datetime(2024, 1, 1, tzinfo=UTC)))
    return [(s.type.value, [a.code for a in s.actors.source], [a.code for a in s.actors.target]) for s in signals]


def test_the_model_names_a_target_the_rules_leave_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _roles(BOMBARDMENT) == [("ASSAULT", ["RUS"], ["UKR"])]
    monkeypatch.setattr(role_model, "shipped_model", lambda: None)  # the rules alone
    assert _roles(BOMBARDMENT) == [("ASSAULT", ["RUS"], [])]


def _detectors(text: str) -> list[str]:
    return [s.detector for s in detect(Article(id="t", body=text, published_at=datetime(2024, 1, 1, tzinfo=UTC)))]


def test_a_signal_says_when_the_model_cast_a_role(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _detectors(BOMBARDMENT) == ["rules:assault.shelling+roles-model"]
    monkeypatch.setattr(role_model, "shipped_model", lambda: None)  # the rules alone
    assert _detectors(BOMBARDMENT) == ["rules:assault.shelling"]


def test_the_model_leaves_empty_a_doer_the_rules_found_unnamed() -> None:
    """"failing to condemn last month's failed coup": the rules find no doer of the coup (it is not
    the clause subject's); the model must not cast one."""
    text = ("Mr Erdogan has accused western capitals of failing to condemn last month's failed coup, "
            "while criticising him for purging thousands of people in Turkey.")
    signals = detect(Article(id="t", body=text, published_at=datetime(2024, 1, 1, tzinfo=UTC)))
    (coup,) = [s for s in signals if s.mode == "coup" or s.evidence.trigger == "coup"]
    assert not coup.actors.source, coup.actors


def test_the_model_never_replaces_what_the_rules_named_under_the_shipped_policy() -> None:
    model = role_model.load_model()
    assert model.policy["replace"] == 0.0
    assert 0.0 < model.policy["threshold"] < 1.0


def test_switched_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    role_model.shipped_model.cache_clear()
    monkeypatch.setenv(role_model.ENV_SWITCH, "0")
    try:
        assert role_model.shipped_model() is None
    finally:
        role_model.shipped_model.cache_clear()


def test_a_bad_model_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "role_model.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(role_model.RoleModelError, match=r"role_model\.json: cannot read"):
        role_model.load_model(bad)
    bad.write_text(json.dumps({"classes": ["source", "target"], "bias": [], "weights": {}, "policy": {},
                               "provenance": {}}), encoding="utf-8")
    with pytest.raises(role_model.RoleModelError, match="classes"):
        role_model.load_model(bad)


def test_model_file_records_its_provenance() -> None:
    prov = role_model.load_model().provenance
    data = prov["data"]
    key = (data["repository"], data["commit"], data["path"])
    assert role_eval.SOURCE_FILES[key] == data["sha256"]  # the pinned RAMS dev file
    assert data["path"] == "data/rams/dev.jsonlines"  # trained on RAMS dev only
    assert data["license"] == "CC BY-SA 4.0"
    assert prov["command"].startswith("scripts/train_roles.py ") and f"--seed {prov['seed']}" in prov["command"]
    assert prov["pairs"] == sum(prov["pairs_per_class"].values()) > 0
    for name in ("role_map", "event_map"):  # the maps it was trained with are the ones in the repository
        assert hashlib.sha256((ROOT / prov[name]).read_bytes()).hexdigest() == prov[f"{name}_sha256"], name


def test_every_role_set_window_was_held_out_of_training() -> None:
    items = role_eval.load_annotations(role_eval.default_annotations())
    in_dev_file = {i.source.doc_key for i in items if i.source.path == "data/rams/dev.jsonlines"}
    assert role_model.load_model().provenance["windows_held_out"] == len(in_dev_file) > 0


def test_role_map_longest_event_prefix_wins() -> None:
    train = _train_script()
    role_map = train.load_role_map(train.MAP_FILE)
    assert train.plover_role(role_map, "transaction.transfermoney.giftgrantprovideaid", "giver") == "source"
    assert train.plover_role(role_map, "transaction.transaction.embargosanction", "giver") == "target"
    assert train.plover_role(role_map, "transaction.transaction.embargosanction", "preventer") == "source"
    assert train.plover_role(role_map, "conflict.attack.n/a", "attacker") == "source"
    assert train.plover_role(role_map, "conflict.attack.selfdirectedbattle", "attacker") == "skip"
    assert train.plover_role(role_map, "conflict.attack.n/a", "no-such-role") == "skip"


def test_bad_role_map_line_is_named(tmp_path: Path) -> None:
    train = _train_script()
    bad = tmp_path / "map.tsv"
    bad.write_text("event\trole\tplover\n*\tattacker\tdoer\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        train.load_role_map(bad)


def test_window_text_gives_each_token_its_span() -> None:
    train = _train_script()
    text, spans = train.window_text([["Russian", "-", "backed", "rebels", "attacked", "."], ["Kyiv", "said", "."]])
    assert text == "Russian-backed rebels attacked. Kyiv said."
    assert [text[a:b] for a, b in spans] == ["Russian", "-", "backed", "rebels", "attacked", ".", "Kyiv", "said", "."]


def test_reading_the_training_script_leaves_the_role_model_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests import the training script for its label mapping; the script turns the model off
    for its own run only, so importing it must not turn it off for everything after."""
    monkeypatch.delenv(role_model.ENV_SWITCH, raising=False)
    _train_script()
    role_model.shipped_model.cache_clear()
    try:
        assert role_model.shipped_model() is not None
    finally:
        role_model.shipped_model.cache_clear()
