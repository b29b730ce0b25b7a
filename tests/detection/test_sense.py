"""The learned sense model (service/detection/sense.py): its veto, its added signals, its file.

The first tests use a tiny hand-made model, so they hold whatever the shipped weights are; the
last ones run the shipped model on sentences it was checked on.
"""

from __future__ import annotations

import gzip
import json

from schemas.common import EventType, Modality
from service.detection import detect
from service.detection.detector import _context, detect_rules
from service.detection.lexicon import load_lexicon
from service.detection.model import Context
from service.detection.sense import (
    MODEL_FILE,
    OPENER_MARGIN,
    SenseModel,
    load_model,
    read_model,
    refine,
    sentence_features,
)
from service.detection.text import Span
from tests.detection.conftest import article

DESK_SENTENCE = "England bombarded the Australian defence and Smith fired the winner at Wembley."
MISSED_ATTACK = "Insurgents torched a school in Kandahar on Monday."


def tiny_model(veto: float = 0.7, recall: float = 0.8) -> SenseModel:
    """Three classes: words of football are DESK, "torched"/"school" are ASSAULT."""
    return SenseModel({
        "name": "tiny", "version": "0", "classes": ["ASSAULT", "DESK", "NONE"], "bias": [0.0, 0.0, 0.0],
        "weights": {
            "u:wembley": [-3.0, 3.0, 0.0], "u:winner": [-3.0, 3.0, 0.0], "u:defence": [-1.0, 1.0, 0.0],
            "u:torched": [3.0, -1.0, -1.0], "u:school": [1.0, -0.5, -0.5],
        },
        "veto_threshold": veto, "recall_thresholds": {"ASSAULT": recall},
        "cues": {"ASSAULT": {"torched": 3.0, "school": 1.0}}, "intensity": {"ASSAULT": -8.0},
    })


def test_an_escalation_signal_in_a_sport_sentence_is_vetoed() -> None:
    a = article(DESK_SENTENCE)
    rules = detect_rules(a)
    assert [s.type for s in rules] == [EventType.ASSAULT]  # what the rules alone say
    assert detect(a, sense_model=tiny_model()) == []
    assert detect(a, sense_model=tiny_model(veto=1.01)) == rules  # a veto only above its threshold
    assert detect(a, sense=False) == rules


def test_a_merged_signal_stands_on_a_later_mention_the_model_does_not_veto() -> None:
    """The model vetoes mentions, not whole signals: when it reads the first mention of a merged
    signal as no event but not a later one, the later one becomes the evidence and the vetoed one
    is dropped; when it vetoes every mention the signal goes."""
    later = "Rockets hit the city later that night."
    a = article(f"{DESK_SENTENCE} {later}")
    (sig,) = detect_rules(article(DESK_SENTENCE))
    start = len(DESK_SENTENCE) + 1
    ev = sig.evidence.model_copy(update={
        "sentence": later, "start": start, "end": start + len(later), "trigger": "Rockets hit",
        "trigger_start": start, "trigger_end": start + len("Rockets hit"),
    })
    merged = sig.model_copy(update={"related_evidence": [ev]})
    lex = load_lexicon()

    def scan(text: str, blower: str, sent: Span) -> Context:
        return _context(lex, text, blower, sent)

    kept = refine(a, [merged], scan=scan, version="t", model=tiny_model(), recall=False)
    assert [(s.evidence, s.related_evidence) for s in kept] == [(ev, [])]
    assert refine(a, [sig], scan=scan, version="t", model=tiny_model(), recall=False) == []
    assert refine(a, [merged], scan=scan, version="t", model=tiny_model(veto=1.01), recall=False) == [merged]


def test_a_plain_attack_the_rules_miss_gets_a_model_signal() -> None:
    a = article(MISSED_ATTACK)
    assert not [s for s in detect_rules(a) if s.type == EventType.ASSAULT]
    added = [s for s in detect(a, sense_model=tiny_model()) if s.detector.startswith("model:")]
    assert len(added) == 1
    sig = added[0]
    assert sig.detector == "model:tiny@0" and sig.type == EventType.ASSAULT and sig.modality == Modality.ASSERTED
    assert sig.evidence.trigger == "torched"  # the strongest cue in the sentence
    assert MISSED_ATTACK[sig.evidence.trigger_start:sig.evidence.trigger_end] == "torched"
    assert sig.evidence.sentence == MISSED_ATTACK
    assert sig.location is not None and sig.location.country == "AFG"  # the rules' gazetteer
    assert sig.intensity == -8.0 and sig.severity == 4
    assert detect(a, sense_model=tiny_model(recall=1.01)) == detect_rules(a)


def test_every_stored_cue_word_opens_a_sentence_for_scoring() -> None:
    """A cue the training kept (leading the other classes by more than 0.2) is enough: a weak cue
    alone ("torched" at 0.25 here) makes the sentence scored, and the model's probability decides."""
    m = tiny_model()
    m.cues = {"ASSAULT": {"torched": 0.25}}
    m.cue_types = {"torched": {"ASSAULT"}}
    m.cue_words = frozenset(w for ws in m.cues.values() for w, v in ws.items() if v >= OPENER_MARGIN)
    added = [s for s in detect(article(MISSED_ATTACK), sense_model=m) if s.detector.startswith("model:")]
    assert [(s.type, s.evidence.trigger) for s in added] == [(EventType.ASSAULT, "torched")]


def test_no_model_signal_in_a_negated_or_speculative_sentence() -> None:
    for body in ("Insurgents have not torched a school in Kandahar.",
                 "Insurgents could have torched a school in Kandahar."):
        assert not [s for s in detect(article(body), sense_model=tiny_model()) if s.detector.startswith("model:")], body


def test_a_model_signal_in_a_question_or_in_history_raises_no_alert() -> None:
    """The model judges no modality, but the rules' time frame holds: a question is speculative;
    a sentence dated by another year than the publication's, holding a historical cue, or in a
    court story (for an attack) tells history. Each is still found (recall), none alerts."""
    cases = {
        "Why have insurgents torched a school in Kandahar?": Modality.SPECULATIVE,
        "Insurgents torched a school in Kandahar in 2009.": Modality.HISTORICAL,
        "Insurgents torched a school in Kandahar during the Cold War.": Modality.HISTORICAL,
    }
    for body, modality in cases.items():
        added = [s for s in detect(article(body), sense_model=tiny_model()) if s.detector.startswith("model:")]
        assert [(s.type, s.modality) for s in added] == [(EventType.ASSAULT, modality)], body
    court = article(f"A jury convicted two men on Monday. Prosecutors said they had planned it. {MISSED_ATTACK} "
                    "His sentencing is due in May.")
    added = [s for s in detect(court, sense_model=tiny_model()) if s.detector.startswith("model:")]
    assert [(s.type, s.modality) for s in added] == [(EventType.ASSAULT, Modality.HISTORICAL)]


def test_the_same_article_gives_the_same_signals() -> None:
    a = article(f"{MISSED_ATTACK} {DESK_SENTENCE}")
    first = [s.model_dump() for s in detect(a)]
    assert first == [s.model_dump() for s in detect(a)]
    m = read_model()
    feats = sentence_features(MISSED_ATTACK)
    assert m.scores(feats) == read_model().scores(feats)


def test_the_shipped_model_loads_and_says_where_it_came_from() -> None:
    m = load_model()
    assert m is not None and m.detector.startswith("model:")
    assert {"NONE", "DESK", "ASSAULT", "COERCE", "PROTEST"} <= set(m.classes)
    prov = m.provenance
    assert prov["command"] == "scripts/train_sense.py" and isinstance(prov["seed"], int)
    assert "dev portions only" in prov["training"]
    for name in ("case2021", "wikievents", "rams", "desks"):
        sources = prov["sources"][name]
        assert sources and all(len(s["commit"]) == 40 and s["repository"] and s["license"] for s in sources), name
    assert m.metrics["dev_rules_and_model_out_of_fold"]["desks flagged"] >= 0
    assert MODEL_FILE.stat().st_size < 5_000_000
    with gzip.open(MODEL_FILE, "rt", encoding="utf-8") as fh:
        assert json.load(fh)["name"] == m.name


def test_the_shipped_model_vetoes_a_football_report_the_rules_read_as_an_attack() -> None:
    a = article(DESK_SENTENCE, title="Football: England 2-1 Australia")
    assert [s.type for s in detect_rules(a)] == [EventType.ASSAULT]
    assert detect(a) == []


def test_a_rules_signal_late_in_a_long_sentence_leaves_its_first_part_to_the_model() -> None:
    """All-lowercase copy ("... on monday. later, gunmen ...") makes a paragraph one sentence,
    which the model reads in parts: a rules signal in the last part holds its type there only, and
    the model still adds the attack the rules miss in the first part."""
    first = "insurgents torched a school in kandahar on monday."
    filler = " officials said the district had been quiet for months and that the school served children from villages around." * 3
    last = " later, gunmen attacked a police post in kabul, killing two officers."
    text = first + filler + last
    a = article(text)
    rules = [s for s in detect_rules(a) if s.type == EventType.ASSAULT]
    assert rules and all(s.evidence.start == 0 and s.evidence.trigger_start > len(first) for s in rules)
    added = [s for s in detect(a, sense_model=tiny_model()) if s.detector.startswith("model:")]
    assert [(s.type, s.evidence.trigger) for s in added] == [(EventType.ASSAULT, "torched")]
    assert added[0].evidence.start == 0 and added[0].evidence.end <= len(first) + 1


def spokesman_model() -> SenseModel:
    """Reads any sentence with "spokesman" or "members" as a non-political desk's."""
    return SenseModel({
        "name": "tiny", "version": "0", "classes": ["ASSAULT", "DESK", "NONE"], "bias": [0.0, 0.0, 0.0],
        "weights": {"u:spokesman": [-3.0, 3.0, 0.0], "u:members": [-3.0, 3.0, 0.0]},
        "veto_threshold": 0.7, "recall_thresholds": {},
        "cues": {}, "intensity": {},
    })


def test_an_armed_actor_named_by_its_sector_noun_keeps_the_veto_off() -> None:
    """Unknown men, gunmen, militants or troops are war words as a weapon is: the model does not
    veto the abduction they are named doing; a noun naming whoever attacked (in a match too) is none."""
    text = "Unknown men abducted eight members of the opposition party in Gwanda on Sunday."
    assert [s.type for s in detect(article(text), sense_model=spokesman_model())] == [EventType.ASSAULT]
    match = article("The attackers struck twice, members said.")
    assert [s.type for s in detect_rules(match)] == [EventType.ASSAULT]
    assert detect(match, sense_model=spokesman_model()) == []


def test_a_detention_in_an_attack_story_is_not_vetoed() -> None:
    """"A police spokesman said a number of people had been detained" after an attack is an arrest
    over it, whatever the model reads in the sentence alone; without the attack it is vetoed."""
    detained = "A police spokesman said a number of people had been detained."
    story = article(f"Gunmen killed seven people in Kabul on Saturday. {detained}")
    assert {s.type for s in detect(story, sense_model=spokesman_model())} == {EventType.ASSAULT, EventType.COERCE}
    assert [s.type for s in detect_rules(article(detained))] == [EventType.COERCE]
    assert detect(article(detained), sense_model=spokesman_model()) == []
