"""The argument role measure (service/detection/rams_roles.py) on tiny hand-made windows: the role
mapping, the coding of argument spans with the detector's names, and the scoring (no data files,
no cache, no network); and a floor on the RAMS dev file, which skips when it is not cached."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from schemas.signal import Actor
from service.detection import detect, rams_roles, role_eval
from service.detection.detector import names_in

# A window in the RAMS line format: two sentences, the trigger "attacked" in the second.
DOC = {
    "doc_key": "nw_test_window",
    "sentences": [
        ["Talks", "resumed", "in", "Geneva", "."],
        ["Gunmen", "attacked", "Pakistani", "police", "in", "Karachi", "on", "Monday", ",", "the", "army", "said", "."],
    ],
    "evt_triggers": [[6, 6, [["conflict.attack.firearmattack", 1.0]]]],
    "gold_evt_links": [
        [[6, 6], [5, 5], "evt001arg01attacker"],     # Gunmen
        [[6, 6], [7, 8], "evt001arg02target"],       # Pakistani police
        [[6, 6], [10, 10], "evt001arg03place"],      # Karachi: a place, never scored
        [[6, 6], [3, 3], "evt001arg01attacker"],     # Geneva: outside the trigger's sentence
    ],
}


def sig(typ: str, src: list[Actor], tgt: list[Actor], start: int = 0) -> SimpleNamespace:
    return SimpleNamespace(type=SimpleNamespace(value=typ), actors=SimpleNamespace(source=src, target=tgt),
                           evidence=SimpleNamespace(field="body", trigger_start=start, trigger_end=start + 3),
                           related_evidence=[])


WIKI_DOC = {
    "doc_id": "wiki_test",
    "sentences": [
        [[["Talks", 0, 5], ["ended", 6, 11], [".", 11, 12]], "Talks ended."],
        [[["Rebels", 12, 18], ["attacked", 19, 27], ["Syrian", 28, 34], ["troops", 35, 41], [".", 41, 42]],
         "Rebels attacked Syrian troops."],
    ],
    "entity_mentions": [{"id": "e1", "start": 3, "end": 4}, {"id": "e2", "start": 5, "end": 7}],
    "event_mentions": [{"id": "ev1", "event_type": "Conflict.Attack.Unspecified",
                        "trigger": {"start": 4, "end": 5, "text": "attacked", "sent_idx": 1},
                        "arguments": [{"entity_id": "e1", "role": "Attacker"}, {"entity_id": "e2", "role": "Target"}]}],
}


def test_wikievents_windows_join_sentences_and_lowercase_roles() -> None:
    (w,) = rams_roles.wikievents_windows(WIKI_DOC)
    assert w.text == "Talks ended. Rebels attacked Syrian troops."
    assert w.text[w.trigger[0]:w.trigger[1]] == "attacked" and w.set_name == "wikievents"
    assert [(a.role, a.text) for a in w.arguments] == [("attacker", "Rebels"), ("target", "Syrian troops")]
    mapping = rams_roles.role_map(w.label)
    assert mapping is not None
    gold = rams_roles.gold_roles(w, mapping, names_in(w.text, *w.sentence))
    # no town and no state named alone: the rebels keep no state (a REB sector matches any state)
    assert gold == rams_roles.GoldRoles((":REB",), ("SYR:MIL",), False)


def test_role_map_and_role_names() -> None:
    attack = rams_roles.role_map("conflict.attack.firearmattack")
    assert attack is not None and attack.types == ("ASSAULT",)
    assert attack.source == {"attacker"} and attack.target == {"target"}
    assert rams_roles.role_map("conflict.attack.stealrobhijack") is None  # robbery: no single type
    assert rams_roles.role_map("government.vote.castvote") is None
    sanction = rams_roles.role_map("transaction.transaction.embargosanction")
    assert sanction is not None and sanction.source == {"preventer"} and not sanction.target
    talks = rams_roles.role_map("contact.discussion.meet")
    assert talks is not None and talks.joint
    assert rams_roles.role_name("evt089arg01victim") == "victim"


def test_window_offsets_and_arguments() -> None:
    w = rams_roles.window_of(DOC)
    assert w.text == "Talks resumed in Geneva. Gunmen attacked Pakistani police in Karachi on Monday, the army said."
    assert w.text[w.trigger[0]:w.trigger[1]] == "attacked"
    assert w.text[w.sentence[0]:w.sentence[1]].startswith("Gunmen attacked")
    assert [(a.role, a.text) for a in w.arguments] == [
        ("attacker", "Gunmen"), ("target", "Pakistani police"), ("place", "Karachi"), ("attacker", "Geneva")]


def test_gold_roles_code_spans_with_the_detector_names() -> None:
    w = rams_roles.window_of(DOC)
    mapping = rams_roles.role_map(w.label)
    assert mapping is not None
    gold = rams_roles.gold_roles(w, mapping, names_in(w.text, *w.sentence))
    # gunmen: a non-state armed sector placed in the sentence's town's state; the police: the
    # demonym fused with the sector noun; Geneva is in another sentence and does not count
    assert gold == rams_roles.GoldRoles(("PAK:REB",), ("PAK:POL",), False)


def test_a_state_named_inside_a_span_owns_its_generic_actor() -> None:
    text = "Prisoners were taken near Wesel in Germany by the U.S. 9th Army on Friday."
    names = names_in(text, 0, len(text))
    country = rams_roles.sentence_country(names)
    assert country == "DEU"
    start = text.index("U.S.")
    end = text.index(" on Friday")
    assert rams_roles.code_span(start, end, names, country, text) == "USA:MIL"
    # a span naming no state: the sentence's state
    start = text.index("Prisoners")
    assert rams_roles.code_span(start, start + len("Prisoners"), names, country, text) is None


def test_score_counts_only_the_roles_that_count() -> None:
    gold = rams_roles.GoldRoles(("PAK:REB",), ("PAK:POL",), False)
    gunmen = Actor(code="PAK", text="Gunmen", sector="UAF")
    police = Actor(code="PAK", text="Pakistani police", sector="COP")
    assert rams_roles.score(gold, sig("ASSAULT", [gunmen], [police])) == rams_roles.Outcome(True, True)
    # swapped: the police are not the gunmen; a state's police are matched by its code (the
    # hand-annotated set's rule), so the gunmen coded PAK pass for the target
    assert rams_roles.score(gold, sig("ASSAULT", [police], [gunmen])) == rams_roles.Outcome(False, True)
    # the state alone is not the gunmen
    assert rams_roles.score(gold, sig("ASSAULT", [Actor(code="PAK", text="Pakistan")], [])) == rams_roles.Outcome(False, False)
    no_target = rams_roles.GoldRoles(("RUS",), (), False)
    assert rams_roles.score(no_target, sig("SANCTION", [Actor(code="RUS", text="Russia")], [])) == rams_roles.Outcome(True, None)
    joint = rams_roles.GoldRoles(("USA", "RUS"), (), True)
    both = sig("CONSULT", [Actor(code="RUS", text="Russia")], [Actor(code="USA", text="U.S.")])
    assert rams_roles.score(joint, both) == rams_roles.Outcome(True, True)  # order not scored
    assert rams_roles.score(joint, sig("CONSULT", [Actor(code="RUS", text="Russia")], [])) == rams_roles.Outcome(False, False)


def test_pick_signal_prefers_the_trigger_and_keeps_to_its_sentence() -> None:
    w = rams_roles.window_of(DOC)
    mapping = rams_roles.role_map(w.label)
    assert mapping is not None
    far = sig("ASSAULT", [], [], start=w.sentence[1] - 5)
    on = sig("ASSAULT", [], [], start=w.trigger[0])
    other_sentence = sig("ASSAULT", [], [], start=0)
    wrong_type = sig("CONSULT", [], [], start=w.trigger[0])
    assert rams_roles.pick_signal(w, mapping, [far, on, other_sentence, wrong_type]) is on
    assert rams_roles.pick_signal(w, mapping, [other_sentence, wrong_type]) is None
    merged = sig("ASSAULT", [], [], start=0)  # told first elsewhere, again on the trigger
    merged.related_evidence = [on.evidence]
    assert rams_roles.pick_signal(w, mapping, [other_sentence, merged]) is merged


def test_evaluate_tallies_a_window_and_leaves_out_held_sentences() -> None:
    w = rams_roles.window_of(DOC)
    report = rams_roles.evaluate([w], detect, names_in)
    half = rams_roles.half_of(w.doc_key)
    assert report.tallies[half].windows == 1 and report.tallies["dev"].windows == 1
    held = (frozenset({w.sentence_sha256[0]}), frozenset())
    report = rams_roles.evaluate([w], detect, names_in, held)
    assert report.left_out == 1 and report.tallies["dev"].windows == 0
    assert "left out: 1" in rams_roles.format_report(report)
    again = rams_roles.window_of({**DOC, "doc_key": "nw_other_window"})  # the same trigger cut again
    report = rams_roles.evaluate([w, again], detect, names_in)
    assert report.repeated == 1 and report.tallies["dev"].windows == 1


# Measured with the victim, passive, town and attribution rules (docs/quality-roles.md): RAMS dev
# sources right 45/60 (0.750), targets right 27/46 (0.587); with the recall rules of the same day,
# which find more events (92 scored, not 85), sources 51/66 (0.773), targets 28/50 (0.560); with
# the rules for doers in the attack noun, passive lists, people attacked and rival leaders of one
# state, targets 32/50 (0.640); with the rules for counted victims, subordinate clauses, "between",
# attacks fought back, possessors of victims, reduced relatives, that-clauses, negotiated objects,
# the doer's own forces and loosely counted detainees, sources 56/70 (0.800), targets 38/55
# (0.691); with the rules for reported subjects, by-phrases past describing words or a dashed aside,
# one victim named by a noun and the areas an attack hits, read the same in the signals of the
# sense model, sources 57/70 (0.814), targets 42/55 (0.764); with a state named inside a span
# owning its generic actor ("the U.S. 9th Army": USA:MIL, not the sentence's DEU:MIL, which
# credited a wrong source), sources 56/70 (0.800). With the killing of an office-holder as an
# assassination one more window is found, "the Obama regime was planning to kill President
# Erdogan", its source read as the clause's subject where the annotators name the Gulen movement:
# sources 56/71 (0.789; no right source lost), targets 43/56 (0.768). Floors just under; the test skips,
# saying why, when the dev file is not cached (scripts/role_accuracy.py --set rams-args --git-dir ...).
RAMS_SOURCE_FLOOR = 0.785
RAMS_TARGET_FLOOR = 0.76


def test_rams_argument_roles_floor() -> None:
    source = rams_roles.SOURCES["rams-args"]
    try:
        windows = source.windows(rams_roles.read_dev(source, None))
        held = rams_roles.held_out(role_eval.load_annotations(role_eval.default_annotations()))
    except role_eval.RoleDataError as exc:
        pytest.skip(f"RAMS dev arguments not available: {exc}")
    t = rams_roles.evaluate(windows, detect, names_in, held).tallies["dev"]
    assert t.source >= 50 and t.target >= 40, (t.source, t.target)
    assert t.source_right / t.source >= RAMS_SOURCE_FLOOR, (t.source_right, t.source)
    assert t.target_right / t.target >= RAMS_TARGET_FLOOR, (t.target_right, t.target)
