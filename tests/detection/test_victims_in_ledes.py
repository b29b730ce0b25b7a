"""Who did what to whom in a wire lede: the people a passive verb of harm follows are its
victims ("Two Americans and a Briton were abducted"), a gerund after "after" with a pronoun for
its object is the main subject's act ("beheaded a hostage three weeks after kidnapping him"), an
attack told in the passive with no "by" names no doer ("after rockets were fired at an Israeli
town"), and the country before an arms embargo is the one it is laid on. Own sentences."""

from __future__ import annotations

import pytest

from schemas.common import EventType
from tests.detection.conftest import actor_codes, one_of_type, signals_of


@pytest.mark.parametrize(
    ("text", "victims"),
    [
        ("Two Americans and a Briton were abducted from their home in Basra at dawn, police said.", {"USA", "GBR"}),
        ("Briton, two Americans kidnapped in Basra", {"USA", "GBR"}),
        ("Three Pakistani soldiers Killed in Waziristan Ambush", {"PAK"}),
        ("A Dutch engineer shot dead in the Yemeni port of Aden was the target of an attack, officials said.", {"NLD"}),
    ],
)
def test_the_people_a_passive_verb_of_harm_follows_are_its_victims(text: str, victims: set[str]) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert not (actor_codes(sig.actors.source) & victims), sig.actors
    assert victims <= actor_codes(sig.actors.target), sig.actors


def test_an_active_verb_of_harm_keeps_its_subject_as_the_doer() -> None:
    sig = one_of_type("Two Americans attacked a police checkpoint in Basra on Monday.", EventType.ASSAULT)
    assert actor_codes(sig.actors.source) == {"USA"}


@pytest.mark.parametrize(
    ("text", "doer", "victim"),
    [
        ("Militants in Syria beheaded Japanese hostage Kenji Goto, two months after kidnapping him.", "SYR", "JPN"),
        ("Islamist rebels in Mali freed a German engineer on Friday, a year after kidnapping him.", "MLI", "DEU"),
    ],
)
def test_a_gerund_after_after_is_done_by_the_main_subject(text: str, doer: str, victim: str) -> None:
    kidnap = next(s for s in signals_of(text) if s.type == EventType.ASSAULT and s.evidence.trigger.endswith("ing"))
    assert doer in actor_codes(kidnap.actors.source) and victim not in actor_codes(kidnap.actors.source), kidnap.actors
    assert victim in actor_codes(kidnap.actors.target), kidnap.actors


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Israeli police closed the crossing after rockets were fired at an Israeli town.", "ISR"),
        ("Ukrainian officials said Kharkiv was shelled overnight.", "UKR"),
    ],
)
def test_an_attack_in_the_passive_without_by_names_no_doer(text: str, target: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert not sig.actors.source, sig.actors
    assert target in actor_codes(sig.actors.target)


def test_an_attack_in_the_passive_with_by_keeps_its_doer() -> None:
    sig = one_of_type("Ukrainian positions were shelled by Russian forces overnight.", EventType.ASSAULT)
    assert actor_codes(sig.actors.source) == {"RUS"}


@pytest.mark.parametrize(
    ("text", "imposer"),
    [("Security Council votes Liberia arms embargo", "UN"), ("Liberia arms embargo extended", None)],
)
def test_the_country_before_an_arms_embargo_is_its_target(text: str, imposer: str | None) -> None:
    sig = one_of_type(text, EventType.SANCTION)
    assert actor_codes(sig.actors.target) == {"LBR"} and "LBR" not in actor_codes(sig.actors.source)
    if imposer:
        assert imposer in actor_codes(sig.actors.source)


@pytest.mark.parametrize(
    "text",
    [
        "The hosts have stormed through their qualifying group for the World Cup without a defeat.",
        "Gas prices sank to a four-month low on Tuesday.",
        "A private rocket plane will try to blast out of the atmosphere above the desert today.",
        "The lawsuit accuses the producer of assault and battery and invasion of privacy.",
        "Attacks exploit a browser flaw and allow an attacker to take control of your PC.",
        "A strike by baggage handlers began on Friday, threatening a weekend of travel chaos.",
    ],
)
def test_sport_markets_rockets_rights_software_and_risks_raise_no_alert(text: str) -> None:
    alerts = [s for s in signals_of(text) if s.type in {EventType.ASSAULT, EventType.THREATEN}
              and s.modality.value in ("asserted", "scheduled")]
    assert not alerts, [(s.type.value, s.evidence.trigger) for s in alerts]


def test_what_officials_say_was_unlikely_to_have_been_a_test_is_no_test() -> None:
    sig = one_of_type("Officials said the explosion in North Korea was unlikely to have been a nuclear weapons test.",
               EventType.MOBILIZE)
    assert sig.modality.value == "speculative"


def test_the_generic_actor_right_after_the_head_is_its_object_though_a_name_follows() -> None:
    text = "US forces battled militants in Najaf and Iraqi troops advanced."
    sig = next(s for s in signals_of(text) if s.evidence.trigger.endswith("battled"))
    assert [(a.code, a.sector) for a in sig.actors.target] == [("IRQ", "REB")], sig.actors


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("Gunmen killed three aid workers in Darfur on Monday.", "CVL"),
        ("A car bomb in Kabul killed four security guards outside the embassy.", "COP"),
    ],
)
def test_workers_guards_and_hostages_killed_are_the_attack_target(text: str, sector: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert sector in {a.sector for a in sig.actors.target}, sig.actors


@pytest.mark.parametrize(
    "text",
    ["Three Egyptian policemen were killed by Israeli tank fire near the border.",
     "Two Afghan police officers killed in Taliban ambush"],
)
def test_police_killed_are_an_attacks_victims(text: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert "COP" in {a.sector for a in sig.actors.target}, sig.actors
    assert not [s for s in signals_of(text) if s.type == EventType.COERCE]


def test_police_who_kill_are_a_crackdown() -> None:
    sig = one_of_type("Police killed three protesters in Cairo on Friday.", EventType.COERCE)
    assert "COP" in {a.sector for a in sig.actors.source}


@pytest.mark.parametrize(
    ("text", "doer"),
    [
        ("KABUL, Afghanistan - Attackers set off a bomb on Wednesday in a failed effort to kill a candidate.", "UAF"),
        ("JAKARTA, Indonesia - Suspected Muslim militants detonated a car bomb outside an embassy.", "REB"),
    ],
)
def test_the_dateline_names_where_the_story_was_filed_not_who_did_it(text: str, doer: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert [a.sector for a in sig.actors.source] == [doer], sig.actors


def test_a_state_named_after_the_dateline_is_still_the_doer() -> None:
    sig = one_of_type("MOSCOW (Reuters) - Russia attacked Georgian positions on Monday.", EventType.ASSAULT)
    assert actor_codes(sig.actors.source) == {"RUS"} and actor_codes(sig.actors.target) == {"GEO"}


def test_a_headline_that_ends_on_a_verb_of_harm_names_its_victims() -> None:
    sig = one_of_type("Two US soldiers killed", EventType.ASSAULT)
    assert not sig.actors.source and actor_codes(sig.actors.target) == {"USA"}


@pytest.mark.parametrize(
    ("text", "code", "sector"),
    [
        ("Nigerian Islamist rebels attacked a police station on Monday.", "NGA", "REB"),
        ("Syrian government forces shelled the town on Monday.", "SYR", "MIL"),
    ],
)
def test_a_word_between_the_owner_and_a_generic_actor_keeps_them_one_actor(text: str, code: str, sector: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert [(a.code, a.sector) for a in sig.actors.source] == [(code, sector)], sig.actors


def test_the_troops_a_deployment_moves_are_not_its_target() -> None:
    sig = one_of_type("Russia massed troops on the border with Ukraine on Monday, officials said.", EventType.MOBILIZE)
    assert actor_codes(sig.actors.source) == {"RUS"} and actor_codes(sig.actors.target) == {"UKR"}, sig.actors


def test_a_verb_phrase_joined_by_and_shares_the_sentence_subject() -> None:
    text = ("An Iraqi group killed a second US hostage on Monday, and threatened to kill a British hostage "
            "unless its demands are met.")
    sig = one_of_type(text, EventType.THREATEN)
    assert actor_codes(sig.actors.source) == {"IRQ"} and actor_codes(sig.actors.target) == {"GBR"}, sig.actors


def test_warlords_are_an_armed_group() -> None:
    sig = one_of_type("Fighting between rival warlords in Herat killed 20 people on Sunday.", EventType.ASSAULT)
    assert "REB" in {a.sector for a in [*sig.actors.source, *sig.actors.target]}, sig.actors


def test_an_accusation_and_a_protest_the_other_way_are_two_events() -> None:
    text = ("China's coast guard said it had expelled the vessels, and accused Manila of deliberate provocation. "
            "The Philippine foreign ministry summoned a Chinese diplomat and filed a diplomatic protest.")
    accusations = [s for s in signals_of(text) if s.type == EventType.ACCUSE]
    dyads = {(tuple(sorted(actor_codes(s.actors.source))), tuple(sorted(actor_codes(s.actors.target)))) for s in accusations}
    assert {(("CHN",), ("PHL",)), (("PHL",), ("CHN",))} <= dyads, dyads


@pytest.mark.parametrize(
    "text",
    ["Kidnapped Italian freed in southern Philippines",
     "Putin laid flowers at the grave of the war-ravaged region's assassinated president."],
)
def test_a_participle_that_describes_a_person_reports_no_new_act(text: str) -> None:
    sig = one_of_type(text, EventType.ASSAULT)
    assert sig.modality.value == "historical" and "attributive" in sig.evidence.cues, sig.evidence.cues


def test_the_act_told_by_its_verb_is_still_reported() -> None:
    sig = one_of_type("Gunmen kidnapped an Italian engineer in the southern Philippines.", EventType.ASSAULT)
    assert sig.modality.value == "asserted"
