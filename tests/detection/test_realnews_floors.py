"""Quality floors on real news nobody on the project wrote: the dev portions of the real-news sets.

The sets are built by ``scripts/eval_data.py`` into a cache outside git ($ESCALERT_EVAL_DATA or
~/.cache/escalert/eval). Where a set is not built (a new machine without the data) its floors skip
and say so; where it is built (the CI machine) a change that costs recall or adds false alarms
fails here. Each floor sits a little under the dev number measured when it was set (docs/quality.md);
the test portions are not used here (they are for the reported numbers only).

The detector scored here includes the learned sense model (service/detection/sense.py), which was
trained on these same dev portions (scripts/train_sense.py): its dev numbers are in-sample, higher
than it earns on unseen text. These floors guard against regressions only; the test portions are
the judge of quality (docs/quality.md, "Learned sense model").
"""

from __future__ import annotations

import functools
import json

import pytest

from service.detection import evaluation

# The number of dev items of each set as pinned in tests/data/realnews/sources.yaml: a cache built
# from other data (or cut short) must not pass for the pinned one.
DEV_ITEMS = {"case2021": 511, "wikievents": 20, "indiapolice": 642, "rams": 924, "plover": 161, "desks": 1476,
             "agnews": 3804}


@functools.cache
def _dev(name: str) -> evaluation.RealnewsScore:
    return evaluation.evaluate_realnews(name, "dev", "detector")


def dev(name: str) -> evaluation.RealnewsScore:
    path = evaluation.realnews_path(name, "dev")
    if not path.is_file():
        pytest.skip(f"real-news set {name!r} is not built at {path} (python scripts/eval_data.py --set {name})")
    score = _dev(name)
    assert score.items == DEV_ITEMS[name], f"{path}: {score.items} items, the pinned set has {DEV_ITEMS[name]}"
    return score


def _table(score: evaluation.RealnewsScore) -> str:
    peer = evaluation.evaluate_realnews(score.name, "dev", "peer")
    return evaluation.format_realnews([(peer, score)], details=True)


def test_case2021_macro_recall_floor() -> None:
    score = dev("case2021")
    # 0.984 measured: captures fought for as battles (also told beside their fight or of an armed
    # holding, or taken by an armed group), surrenders to a party as agreements, protests by those
    # held, people taken by a state's force, force on civilians by security forces.
    # 0.986 measured: fire bombs and stones thrown by a crowd, an armed group's camps captured.
    assert score.macro_recall >= 0.984, _table(score)


def test_case2021_false_alarms_on_no_event_snippets() -> None:
    score = dev("case2021")
    assert score.no_event_units >= 40
    assert score.false_alarm_rate <= 0.03, _table(score)


def test_wikievents_macro_recall_floor() -> None:
    score = dev("wikievents")
    # 0.714 measured: detentions in an attack story kept from the sense model's veto.
    # 0.734 measured: people held for politics told as a state ("political prisoners are in jail").
    assert score.macro_recall >= 0.73, _table(score)


def test_wikievents_false_alarms_on_no_event_sentences() -> None:
    score = dev("wikievents")
    assert score.no_event_units >= 150
    assert score.false_alarm_rate <= 0.028, _table(score)  # alerts: a signal's own evidence
    # Later mentions merged as related evidence too: 3 of 196 (1.5%), two later mentions of an
    # attack reported before ("Saturday's attack", "condemns this cowardly attack") and a woman
    # known for years for aiding protesters. (An attempted bombing the annotators left without an
    # event, "tried to plant an IED", counted here until attempts to plant a device were read as
    # no blast.)
    assert score.mention_alarm_rate <= 0.016, _table(score)


def test_indiapolice_macro_recall_floor() -> None:
    score = dev("indiapolice")
    assert score.total["COERCE"] >= 140 and score.total["ASSAULT"] >= 60
    # 0.826 measured: police firing told as "resorted to firing", "fell to police
    # bullets"; arrests told as a count or by other verbs ("taken into custody", "nabbed"),
    # arrests made over an attack or in an attack story, custody remanded; 0.833 with "club"
    # read as a sports word only in its sports senses (a gambling club no longer frames an arrest
    # story as sport). 0.861 measured: people booked under a special law or for riots, caught by a
    # named force or apprehended, and fire by armed doers named by their kind; 0.871 with custody
    # "in connection with" a case of unrest and arrests made.
    assert score.macro_recall >= 0.87, _table(score)


def test_rams_macro_recall_floor() -> None:
    score = dev("rams")
    # 0.557 measured: candidates' debates as meetings.
    # 0.561 measured: massacres named by their noun beside unarmed victims.
    # 0.733 measured: donations and aid nouns, peace deals and treaties, retreats and meetings
    # without a state named, boycotts of goods, threats named by their noun, lifted sanctions.
    # 0.804 measured: standing states named by their noun told as history (wars, kinds of
    # killing, sanctions by their owner, blackmail beside politics), agreements left, funding by
    # a state in the passive, negotiated outcomes, custody threatened by a named party.
    # 0.807 measured: the dead counted with the wounded, a war on an armed group as a standing
    # state, deaths told before the violence that caused them.
    # 0.809 measured: the wounded named as people, the killing of a conflict named by its noun
    # and place (standing), with agreements, talks, aid, custody and threats told without a state.
    assert score.macro_recall >= 0.808, _table(score)


def test_plover_records_macro_recall_floor() -> None:
    score = dev("plover")
    # 0.728 measured: treaties and pacts as agreements, threats named by their noun.
    assert score.macro_recall >= 0.72, _table(score)


def test_non_political_articles_rarely_raise_an_escalation_signal() -> None:
    score = dev("desks")
    assert set(score.desk_items) == {"business", "culture", "health", "sport", "tech"}
    assert score.flagged_share() <= 0.009, _table(score)
    for desk in score.desk_items:
        assert score.flagged_share(desk) <= 0.03, (desk, _table(score))


def test_the_cache_says_where_it_came_from() -> None:
    """Every built set names its pinned sources, so a number can be traced to the data behind it."""
    seen = 0
    for name in evaluation.REALNEWS_SETS:
        manifest = evaluation.realnews_dir() / name / "manifest.json"
        if not manifest.is_file():
            continue
        seen += 1
        data = json.loads(manifest.read_text(encoding="utf-8"))
        assert data["set"] == name and data["counts"]["dev"] == DEV_ITEMS[name]
        assert all(len(s["commit"]) == 40 and s["license"] for s in data["sources"])
    if not seen:
        pytest.skip(f"no real-news set is built under {evaluation.realnews_dir()}")


def test_dev_precision_of_escalation_alerts_floor() -> None:
    """The hand-checked dev alerts (tests/data/precision, scored by scripts/alert_precision.py): of
    those the detector still raises, the share judged right, and no right one lost."""
    from tests.detection.conftest import alert_precision_module

    ap = alert_precision_module()
    for name in ap.DEFAULT_SETS:
        dev(name)  # skips where a set is not built
    judged = [j for j in ap.load_judgments(ap.JUDGMENTS) if j["split"] == "dev"]
    alerts = ap.collect_alerts(ap.load_documents(ap.DEFAULT_SETS, "dev"), ap.detect_item)
    score = ap.score(judged, alerts, ap.DEFAULT_SEED)
    assert score.right is not None
    right = sum(score.right.values())
    # 69: two right alerts are now another alert's evidence: an attack named in an arrest sentence
    # of a court story merges into the story's first report of that attack, once the sentence's
    # day went to the arrest it belongs to (coerce.detain_attack); "U.S. Secretary of Defense Ash
    # Carter responded to the bombing" is a later mention of the bombing alerted before, no
    # longer kept apart by actors lent by the sentence before. Both still count for recall.
    # 73: four alerts of general forms of news English judged right (barrel bombing named as
    # such, the fighting in South Sudan told by its place).
    assert right >= 73, ap.format_score(score, "dev")
    # 0.742 measured (69/93): besides readiness and a noun's that-clause, a measure called for,
    # a requirement, a stance, a sanction breached, a person named by a detention, history carried
    # on from a sentence a past year opens and related-story headlines, also what ought to be
    # done or is imagined, kinds named as examples, an attack named by an earlier month, a
    # sanction lived under, memory frames, detention systems and moves on a list raise no alert;
    # nor do acts dated by a month that opens the sentence, a movement named by its measure, or a warning of a cold war,
    # and what keeps happening is standing history.
    # 0.750 measured (69/92): time before now told by words (a time counted back, an earlier
    # century, a reign or a term of office, a time anchor, "in the past") is history.
    # 0.777 measured (73/94): custody words used as places, the act a standing measure answers,
    # a state that has lasted, practices and victims of a kind, sanctions reduced, calls to act
    # together, voter purges, gerunds that are the subject of "would" and figures the sense model
    # would add raise no alert.
    # 0.785 measured (73/93): a sports body's suspension the sense model would add as a SANCTION,
    # unsourced hearsay and talk of an act raise no alert.
    assert right / score.raised >= 0.780, ap.format_score(score, "dev")


def test_wire_ledes_dev_floors() -> None:
    """AG's News: non-political ledes rarely flagged, and the hand-checked World ledes' precision."""
    from tests.detection.conftest import alert_precision_module

    score = dev("agnews")
    assert set(score.desk_items) == {"business", "sport", "tech"}
    # 0.8% measured (23 of 2,825 ledes); 0.6% (17) once a qualifying round, a market's level, a
    # rocket's launch, privacy, software and what a strike puts at risk raised no alert
    assert score.flagged_share() <= 0.007, _table(score)
    ap = alert_precision_module()
    judged = [j for j in ap.load_judgments(ap.judgments_path(("agnews",))) if j["split"] == "dev"]
    alerts = ap.collect_alerts(ap.load_documents(("agnews",), "dev"), ap.detect_item)
    prec = ap.score(judged, alerts, ap.DEFAULT_SEED)
    assert prec.right is not None
    right = sum(prec.right.values())
    # 48/60 measured when the ledes were first judged; 48/59 once an explosion "unlikely to have
    # been a nuclear weapons test" was no test
    # 102/119 when the dev sample was extended to its lowest-ranked 120 alerts (and two more judged
    # while tuning); 101/116 once a headline's "Gunmen" of no state joined the lede's gunmen placed
    # by its dateline (one right alert now a later mention of another, still raised) and a
    # dateline's town lengthened an explosion's trigger (a new key, outside the sample's frame)
    assert right >= 101 and right / prec.raised >= 0.85, ap.format_score(prec, "dev (agnews)")
    # roles against the actors written down: 20/48 when judged; 27 with victims and doers as
    # ledes tell them (passive heads of harm, "after kidnapping him", agentless passive attacks)
    # 29 of 48: the generic actor right after the head is its object ("battled militants in Najaf
    # and Iraqi troops advanced")
    # 51 of 102 with the extended sample; 55 with the dateline a place, headlines that end on a
    # verb of harm, and a word between an owner and its generic actor ("Nigerian Islamist rebels")
    # 59 of 101 with leaders of 2000-2015, a subordinate clause's own subject and targets, victims
    # told before a when-clause ("were killed in Darfur on Sunday when their convoy came under fire")
    assert prec.gold_both >= 59, ap.format_score(prec, "dev (agnews)")
