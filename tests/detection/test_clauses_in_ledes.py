"""Which clause a name stands in, and who and where the names of wire copy are: a clause with
its own subject after an attack's object holds none of its targets, a subordinate clause's
generic actor is its subject, victims told before a when-clause are its attack's, leaders of
2000-2015 are known, a dateline in capitals is a place, and a headline's generic actor of no
state is the lede's placed one. Own sentences."""

from __future__ import annotations

from schemas.common import EventType
from service.detection import detect
from tests.detection.conftest import actor_codes, article, one_of_type, signals_of


def test_a_clause_with_its_own_subject_holds_no_target() -> None:
    attacks = [
        s for s in signals_of(
            "A rocket attack and a suicide car bombing killed at least four people in Baghdad on Sunday "
            "as Defense Secretary Donald Rumsfeld began an unannounced visit to Iraq."
        ) if s.type == EventType.ASSAULT
    ]
    assert attacks
    for sig in attacks:  # the people of Baghdad are hit, not Rumsfeld
        assert [(a.code, a.sector) for a in sig.actors.target] == [("IRQ", "CVL")]


def test_a_subordinate_clauses_generic_actor_is_its_subject() -> None:
    sig = one_of_type(
        "KATMANDU, Nepal - The Nepali capital was largely cut off on Wednesday after Maoist rebels "
        "threatened to attack any vehicles traveling on main roads.",
        EventType.THREATEN,
    )
    assert [(a.code, a.sector) for a in sig.actors.source] == [("NPL", "REB")]


def test_a_that_clause_leaves_the_speaker_the_threat() -> None:
    sig = one_of_type(
        'Russian Foreign Minister Sergei Lavrov warned that any deployment of European troops to '
        'Ukraine as part of security guarantees would be treated as a "legitimate target".',
        EventType.THREATEN,
    )
    assert actor_codes(sig.actors.source) == {"RUS"}


def test_leaders_of_the_2000s_are_known() -> None:
    sig = one_of_type("Gunmen ambush Chalabi's convoy, wound 2", EventType.ASSAULT)
    assert actor_codes(sig.actors.target) == {"IRQ"}
    # a common surname alone is no leader: "Blair" is listed only as "Tony Blair", "Mr Blair"
    assert not any(a.text == "Blair" for s in signals_of("Blair and his friends attacked the tabloids.")
                   for a in s.actors.source)


def test_a_dateline_in_capitals_places_generic_actors() -> None:
    sig = one_of_type("BAGHDAD (Reuters) - Gunmen killed three policemen at a checkpoint on Monday.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in sig.actors.source] == [("IRQ", "UAF")]
    assert [(a.code, a.sector) for a in sig.actors.target] == [("IRQ", "COP")]
    # a headline in capitals is no dateline: its words are not read as names
    assert signals_of("US PLANES BOMB IRAQ") == []


def test_victims_told_before_a_when_clause() -> None:
    sig = one_of_type(
        "Two employees of a British charity were killed in Sudan's troubled Darfur region on Sunday "
        "when their convoy came under fire, the aid agency said.",
        EventType.ASSAULT,
    )
    assert [(a.code, a.sector) for a in sig.actors.target] == [("SDN", "CVL")]
    sig = one_of_type(
        "ISLAMABAD: Seven people including foreigners were injured in a powerful explosion at the "
        "entrance to a hotel lobby on Thursday.",
        EventType.ASSAULT,
    )
    assert [(a.code, a.sector) for a in sig.actors.target] == [("PAK", "CVL")]


def test_a_headlines_unplaced_gunmen_are_the_ledes() -> None:
    found = [
        s for s in detect(article(
            "BAGHDAD - Gunmen ambushed the convoy of Ahmed Chalabi on Wednesday, wounding two of his guards.",
            title="Gunmen ambush Chalabi's convoy, wound 2",
        )) if s.type == EventType.ASSAULT
    ]
    assert len(found) == 1, [(s.evidence.trigger, s.actors) for s in found]
    assert [(a.code, a.sector) for a in found[0].actors.source] == [("IRQ", "UAF")]


def test_the_one_accused_of_an_act_is_its_doer_in_every_type() -> None:
    sig = one_of_type("The United States accused Iran of supplying weapons to the Houthis.", EventType.AID)
    assert actor_codes(sig.actors.source) == {"IRN"}
    assert actor_codes(sig.actors.target) == {"HOUTHIS"}


def test_a_past_events_name_that_modifies_a_noun_of_now_dates_nothing() -> None:
    sig = one_of_type("Ankara summoned the German ambassador over the Armenian genocide vote.", EventType.ACCUSE)
    assert sig.modality.value == "asserted"
    sig = one_of_type("Troops killed thousands during the Armenian genocide.", EventType.ASSAULT)
    assert sig.modality.value == "historical"


def test_ground_seized_is_taken_from_its_state() -> None:
    annex = one_of_type("Venezuela annexed the Essequibo region in a referendum.", EventType.COERCE)
    assert (actor_codes(annex.actors.source), actor_codes(annex.actors.target)) == ({"VEN"}, {"GUY"})
    annex = one_of_type("Moscow formally annexed the Donetsk, Luhansk, Zaporizhzhia and Kherson regions.", EventType.COERCE)
    assert actor_codes(annex.actors.target) == {"UKR"}
    # a state's own forces retaking its town take it from nobody named
    retaken = one_of_type("Ukrainian forces recaptured the town of Kupiansk.", EventType.COERCE)
    assert actor_codes(retaken.actors.target) == set()


def test_a_meeting_agreed_to_is_still_to_come() -> None:
    sig = one_of_type("Putin and Biden agreed to meet in Geneva on June 16.", EventType.CONSULT)
    assert sig.modality.value == "scheduled"
    assert sig.event_date is not None and sig.event_date.isoformat() == "2024-06-16"  # not last June
    # other acts keep the verb's time: the day may be the decision's
    sig = one_of_type("Moscow decided to expel 20 diplomats on Monday.", EventType.SANCTION)
    assert sig.modality.value == "asserted"


def test_the_venue_is_no_party_when_two_are_named() -> None:
    sig = one_of_type("Israeli and Hamas negotiators will meet in Cairo on Tuesday.", EventType.CONSULT)
    assert actor_codes(sig.actors.source) | actor_codes(sig.actors.target) == {"ISR", "HAMAS"}
    sig = one_of_type("Lavrov held talks in Beijing on Monday.", EventType.CONSULT)
    assert (actor_codes(sig.actors.source), actor_codes(sig.actors.target)) == ({"RUS"}, {"CHN"})  # the host


def test_an_attack_named_as_the_cause_is_not_the_subjects() -> None:
    found = signals_of("India summoned Pakistan's envoy following a suicide bombing in Kashmir.")
    bombing = [s for s in found if s.type == EventType.ASSAULT]
    assert len(bombing) == 1 and bombing[0].actors.source == []
    # a name before the noun is its doer
    sig = [s for s in signals_of("Israel struck Gaza after Hamas's rocket attack.")
           if s.type == EventType.ASSAULT and s.evidence.trigger == "rocket attack"]
    assert len(sig) == 1 and actor_codes(sig[0].actors.source) == {"HAMAS"}


def test_a_threats_condition_names_whom_it_is_aimed_at() -> None:
    sig = one_of_type("The EU threatened sanctions if Russia attacks Ukraine.", EventType.THREATEN)
    assert (actor_codes(sig.actors.source), actor_codes(sig.actors.target)) == ({"EU"}, {"RUS"})
    sig = one_of_type("Iran will retaliate if Israel strikes its territory.", EventType.THREATEN)
    assert actor_codes(sig.actors.target) == {"ISR"}
    # the threatened act's own object comes first: "would strike Israel if it attacked"
    sig = one_of_type("Iran said it would strike Israel if it attacked its nuclear facilities.", EventType.THREATEN)
    assert actor_codes(sig.actors.target) == {"ISR"}


def test_a_threat_to_act_in_another_states_land_is_aimed_at_it() -> None:
    sig = one_of_type("Erdogan threatened to launch a new military operation in northern Syria.", EventType.THREATEN)
    assert (actor_codes(sig.actors.source), actor_codes(sig.actors.target)) == ({"TUR"}, {"SYR"})
    # troops sent "to" a state are not the state a threat is aimed at
    sig = one_of_type(
        "Russian Foreign Minister Sergei Lavrov warned that any deployment of European troops to Ukraine "
        'as part of security guarantees would be treated as a "legitimate target".',
        EventType.THREATEN,
    )
    assert actor_codes(sig.actors.target) == set()
