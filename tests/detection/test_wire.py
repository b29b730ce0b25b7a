"""How news wire reports violence and moves: unnamed actors, passive and nominal reports, every
ASSAULT mode, territorial control, agreements on an event; and the senses of conflict words that
are no political event (sport, business, cyber, fiction, disasters, courts, trade bodies)."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from schemas.signal import Signal
from tests.detection.conftest import signals_of


def of_type(signals: list[Signal], etype: EventType) -> list[Signal]:
    return [s for s in signals if s.type == etype]


def one(text: str, etype: EventType) -> Signal:
    signals = signals_of(text)
    found = of_type(signals, etype)
    assert found, [(s.type.value, s.mode, s.evidence.trigger) for s in signals]
    return found[0]


# ----------------------------------------------------------------------------- recall


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Two suicide bombers blew themselves up killing and wounding several people in Beirut's southern "
         "suburbs.", "suicide bombing"),
        ("The suicide attack in Kabul killed 20 people.", "suicide bombing"),
        ("Militants lobbed a grenade at a police vehicle in Srinagar.", "bombing"),
        ("A grenade attack on a police post in Srinagar wounded four policemen.", "bombing"),
        ("A roadside bomb killed three soldiers in Helmand province.", "bombing"),
        ("An explosion at a checkpoint in Mogadishu killed five soldiers.", "bombing"),
        ("The bombing killed 12 people at a market in Baghdad.", "bombing"),
        ("Unidentified armed men have gunned down a doctor in northern Baghlan province.", "firearms"),
        ("A doctor was gunned down in Kabul on Tuesday.", "firearms"),
        ("Gunmen abducted 30 students from a school in Kaduna state.", "abduction"),
        ("Militants abducted two aid workers in northern Mali.", "abduction"),
        ("Soldiers raped women in villages in South Kivu, a UN report said.", "sexual violence"),
        ("Government forces used chemical weapons in Douma, killing dozens.", "chemical weapons"),
        ("Syrian government forces dropped chlorine on Douma, the OPCW said.", "chemical weapons"),
        ("Rebels assassinated a local governor in Mali.", "assassination"),
        ("Security forces in Guinea have tortured scores of refugees, Human Rights Watch said.", "torture"),
    ],
)
def test_attack_reports_and_their_mode(text: str, mode: str) -> None:
    s = one(text, EventType.ASSAULT)
    assert s.modality == Modality.ASSERTED
    assert s.mode == mode
    assert s.detector.startswith("rules:assault.")


def test_armed_men_attacking_a_stock_exchange_is_an_attack() -> None:
    s = one("Armed men attacked the Pakistan Stock Exchange building in Karachi on Monday.", EventType.ASSAULT)
    assert s.modality == Modality.ASSERTED
    (src,) = s.actors.source
    assert (src.code, src.sector, src.text) == ("PAK", "UAF", "Armed men")


def test_abduction_is_an_assault_not_a_detention() -> None:
    signals = signals_of("Gunmen abducted 30 students from a school in Kaduna state.")
    assert [s.type for s in signals] == [EventType.ASSAULT]


def test_territorial_control_is_coercion() -> None:
    s = one("Army units established control over an area of 120 km2 in the countryside of Aleppo.", EventType.COERCE)
    assert s.mode == "territory"
    assert s.location is not None and s.location.country == "SYR"
    assert [(a.code, a.sector) for a in s.actors.source] == [("SYR", "MIL")]


def test_strengthened_forces_is_a_deployment() -> None:
    s = one("Israel has strengthened its forces in Lebanon.", EventType.MOBILIZE)
    assert [a.code for a in s.actors.source] == ["ISR"]


def test_boosting_a_defence_budget_is_no_deployment() -> None:
    assert not of_type(signals_of("Poland boosted its armed forces budget to 4% of GDP."), EventType.MOBILIZE)


def test_agreeing_on_exercises_is_an_agreement_and_the_exercises() -> None:
    signals = signals_of("Jordan and Britain have agreed to undertake joint military exercises.")
    agree = of_type(signals, EventType.AGREE)
    assert agree and agree[0].mode == "exercises"
    assert {a.code for a in agree[0].actors.source + agree[0].actors.target} == {"JOR", "GBR"}
    assert of_type(signals, EventType.MOBILIZE)


def test_one_body_deciding_a_ban_is_no_agreement() -> None:
    types = {s.type for s in signals_of("The EU agreed on Monday to ban Belarusian airlines from its airspace.")}
    assert EventType.AGREE not in types


# ----------------------------------------------------------------------------- actors


def test_demonym_before_a_generic_actor_is_its_state() -> None:
    s = one("Israeli settlers attacked Palestinian villagers near Nablus.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [("ISR", "CVL")]
    assert [(a.code, a.sector) for a in s.actors.target] == [("PSE", "CVL")]


def test_generic_actor_takes_the_country_of_the_place() -> None:
    s = one("Gunmen stormed a military post in Niger's Tillaberi region on Tuesday, killing 12 soldiers.",
            EventType.ASSAULT)
    assert [(a.code, a.sector, a.kind) for a in s.actors.source] == [("NER", "UAF", "group")]


def test_generic_actor_of_no_known_country_keeps_its_sector_code() -> None:
    s = one("Gunmen killed five people in an ambush on Tuesday, killing the driver.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [("UAF", "UAF")]


def test_the_city_of_an_attack_is_not_its_source() -> None:
    s = one("The bombing killed 12 people at a market in Baghdad.", EventType.ASSAULT)
    assert s.actors.source == []
    assert s.location is not None and s.location.name == "Baghdad"


def test_protesters_protest_not_the_police_facing_them() -> None:
    signals = signals_of("Hong Kong police fired tear gas and water cannon at protesters who blocked roads "
                         "in the Admiralty district on Friday.")
    (protest,) = of_type(signals, EventType.PROTEST)
    assert [(a.code, a.sector) for a in protest.actors.source] == [("CHN", "OPP")]
    (crackdown,) = of_type(signals, EventType.COERCE)
    assert [(a.code, a.sector) for a in crackdown.actors.source] == [("CHN", "COP")]


def test_police_alone_name_no_actor() -> None:
    assert signals_of("Police raided a house and seized documents on Tuesday.") == []


def test_every_signal_names_its_rule() -> None:
    for s in signals_of("Russian forces shelled the city of Kharkiv overnight, killing three civilians."):
        assert s.detector.startswith("rules:") and len(s.detector) > len("rules:")


# ----------------------------------------------------------------------------- sense


FIGURATIVE = [
    "Hackers attacked the servers of a bank in a denial-of-service attack, bombarded with traffic.",
    "Hackers launched a cyberattack that bombarded Estonian websites with traffic.",
    "Nadal was ousted by Djokovic in Paris, as the Spaniard lost to the Serb.",
    "The USA and Australia face head-to-head clashes at the swimming championship in Budapest.",
    "The pop star attacked the tabloids in a long post.",
    "The novel depicts a dirty bomb attack on the City of London.",
    "The film depicts a suicide bombing in Kabul.",
    "The new video game lets players storm a Russian base in Syria.",
    "The bank announced a freeze on loan repayments for customers in Greece.",
    "The WTO authorised the EU to impose sanctions on US exports.",
    "Two earthquakes struck Lombok in Indonesia.",
    "Florida was struck by four hurricanes in 2004.",
    "A gas explosion at a restaurant in Beijing killed two people.",
    "Police defused a bomb near the mosque in Lahore.",
    "A military judge ordered a reservist in the US Army to stand trial.",
    "The prime minister of Italy was ousted in a no-confidence vote.",
    "In February, Spears clashed with Us Weekly for publishing pictures of her honeymoon in Fiji.",
    "The European Parliament has already clashed with the European Union on the issue.",
    "My girlfriend's cable modem blew up and she was offline in London for several days.",
    "The 34-year-old American stormed to a 6-4 6-3 6-0 win.",
    "On Tuesday, the US administration asked Congress for additional funds for military operations.",
    "One of Japan's best-known businessmen was arrested on charges of falsifying shareholder information.",
    "In September 2004 Nelly occupied the number one and two positions in the US singles chart.",
    "China 'ripe' for media explosion.",
]


@pytest.mark.parametrize("text", FIGURATIVE)
def test_figurative_and_non_political_senses_raise_no_alert(text: str) -> None:
    alerts = [s for s in signals_of(text) if s.modality in ALERT_WORTHY_MODALITIES]
    assert alerts == [], [(s.type.value, s.evidence.trigger, s.detector) for s in alerts]


def test_a_coup_ousts_a_ruler() -> None:
    s = one("The army ousted President Mohamed Bazoum in Niger on Wednesday.", EventType.COERCE)
    assert s.mode == "coup"


def test_defending_a_past_decision_is_history() -> None:
    (s,) = signals_of("Bush defends decision to invade Iraq.")
    assert s.type == EventType.ASSAULT and s.modality == Modality.HISTORICAL


# ----------------------------------------------------------------------------- article frames


def _article_signals(body: str) -> list[Signal]:
    return signals_of(body)


SPORT_REPORT = (
    "Spain beat the Netherlands 3-1 in the hockey league match in Valencia on Sunday. "
    "Spain struck after just two minutes from a penalty corner, and the coach praised the squad. "
    "The Dutch attack faded in the second half as the home team's defender held firm. "
    "The result keeps Spain top of the league with two games of the season left."
)


def test_a_sports_report_raises_no_attack() -> None:
    alerts = [s for s in _article_signals(SPORT_REPORT) if s.modality in ALERT_WORTHY_MODALITIES]
    assert alerts == [], [(s.type.value, s.evidence.trigger) for s in alerts]


def test_war_words_in_a_sports_report_still_count() -> None:
    body = SPORT_REPORT + " The match was halted when Russian missiles struck Kharkiv, killing two people."
    assert of_type(_article_signals(body), EventType.ASSAULT)


CYBER_STORY = (
    "Ukraine saw unprecedented attacks from Russian intelligence services, cyber security officials said. "
    "The hackers used malware and phishing emails, and ransomware hit several ministries. "
    "Russian attacks came in waves, accelerating in the second half of last year, security sources say."
)


def test_a_story_about_hacking_raises_no_attack() -> None:
    alerts = [s for s in _article_signals(CYBER_STORY) if s.type == EventType.ASSAULT]
    assert alerts == [], [(s.evidence.trigger, s.detector) for s in alerts]


# ----------------------------------------------------------------------------- background and voice


@pytest.mark.parametrize(
    "text",
    [
        "Energy prices have soared since Russia's invasion of Ukraine.",
        "Food prices went up around the world following Russia's invasion of Ukraine.",
        "More than a million people have fled Ukraine because of the Russian invasion.",
    ],
)
def test_a_war_named_as_a_cause_is_background(text: str) -> None:
    alerts = [s for s in signals_of(text) if s.type == EventType.ASSAULT and s.modality in ALERT_WORTHY_MODALITIES]
    assert alerts == [], [(s.evidence.trigger, s.modality.value) for s in alerts]


def test_the_subject_of_a_passive_attack_is_its_target() -> None:
    s = one("Kyiv was struck by kamikaze drones on Monday.", EventType.ASSAULT)
    assert s.actors.source == []
    assert [a.code for a in s.actors.target] == ["UKR"]


def test_a_police_raid_is_no_attack() -> None:
    assert not of_type(signals_of("In March 2015, Uber's Amsterdam office was raided by Dutch police."),
                       EventType.ASSAULT)


@pytest.mark.parametrize(
    "text",
    [
        "I was absolutely bombarded with failure when I started making music.",
        "We have now been bombarded with so many horrible statistics about the virus.",
    ],
)
def test_bombarded_with_no_weapon_is_no_shelling(text: str) -> None:
    assert not of_type(signals_of(text), EventType.ASSAULT)


def test_bombarded_by_artillery_is_shelling() -> None:
    s = one("Russian artillery bombarded the town of Avdiivka overnight.", EventType.ASSAULT)
    assert s.mode == "shelling"


# ----------------------------------------------------------------------------- blasts and crowds


def test_a_grenade_blast_needs_no_named_place() -> None:
    s = one("At least three people were injured when two grenades exploded in a central neighbourhood today.",
            EventType.ASSAULT)
    assert s.mode == "bombing"


def test_later_mentions_of_a_blast_are_the_attack() -> None:
    body = ("A bomb exploded outside a bakery in Lyon on Friday, wounding 13 people. "
            "One minute later, the explosion shattered the glass of a refrigerator in the shop.")
    (s,) = of_type(signals_of(body), EventType.ASSAULT)
    assert len(s.related_evidence) == 1


INDUSTRIAL = (
    "A storage bunker at an industrial waste treatment plant exploded on Tuesday. "
    "It is believed the blast occurred in a tank containing solvents, and plumes of smoke rose over the town."
)


def test_a_blast_at_a_plant_is_no_attack() -> None:
    assert not of_type(signals_of(INDUSTRIAL), EventType.ASSAULT)


def test_an_explosion_of_anger_is_no_blast() -> None:
    assert not of_type(signals_of("The decision set off an explosion of anger in Paris."), EventType.ASSAULT)


def test_protesters_name_where_a_protest_is() -> None:
    s = one("At least 400 supporters staged a demonstration, and protesters gathered at the square on Monday.",
            EventType.PROTEST)
    assert [a.sector for a in s.actors.source] == ["OPP"]


def test_gang_rape_is_sexual_violence() -> None:
    assert one("A woman was gang-raped in front of her daughter, police said.", EventType.ASSAULT).mode == (
        "sexual violence"
    )


# ----------------------------------------------------------------------------- parties


def test_the_parties_of_clashes_between_are_not_the_mediator() -> None:
    s = one("The African Union condemned the clashes between the Sudanese army and the RSF in Khartoum.",
            EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [("SDN", "MIL")]
    assert [a.code for a in s.actors.target] == ["RSF"]


def test_a_generic_subject_after_a_report_is_the_doer() -> None:
    s = one("Kenyan President William Ruto, who is mediating the conflict, said rebels attacked the town of Goma.",
            EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [("COD", "REB")]


def test_clashes_between_forces_are_fighting() -> None:
    s = one("Indian and Chinese troops clashed along the disputed border in Ladakh.", EventType.ASSAULT)
    assert s.mode == "clash"


def test_a_bridge_blown_up_by_a_truck_bomb_is_one_bombing() -> None:
    signals = of_type(signals_of("A truck bomb blew up part of the Kerch bridge linking Russia to Crimea."),
                      EventType.ASSAULT)
    assert [s.mode for s in signals] == ["bombing"]


def test_a_bombing_report_that_mentions_football_is_no_sports_report() -> None:
    body = ("A parcel bomb exploded in a pedestrian street in Lyon on Friday, wounding 13 people. "
            "France is jittery over a spate of attacks in recent years. "
            "The Women's Football World Cup is due to start in France in June; Lyon will host the semi-finals.")
    assert of_type(signals_of(body), EventType.ASSAULT)


def test_an_attack_named_again_without_its_doers_is_the_attack() -> None:
    body = ("The IRA's Belfast brigade detonated at least 20 car bombs across the city on Friday. "
            "Thousands streamed out of the stricken city immediately after the attacks.")
    (s,) = of_type(signals_of(body), EventType.ASSAULT)
    assert s.related_evidence


@pytest.mark.parametrize(
    "text",
    [
        "The assault on Yukos' assets has been widely blamed for a slowdown in economic growth.",
        "The attack on democracy must be resisted, the senator said in Washington.",
        "Maduro told a campaign rally in Caracas this week that the vote would bring peace.",
        "Eventually we'll get another cold blast, forecasters in London said.",
    ],
)
def test_attacks_on_assets_ideas_and_campaign_rallies_are_no_events(text: str) -> None:
    alerts = [s for s in signals_of(text) if s.modality in ALERT_WORTHY_MODALITIES]
    assert alerts == [], [(s.type.value, s.evidence.trigger, s.detector) for s in alerts]


HACKING_STORY = (
    "The attack made the bank's website unusable for about five hours, its owners said. "
    "Hackers used a botnet of hijacked computers in a denial-of-service attack. "
    "The worst of the attack now seems to be over, and deep defences are being put in place to stop these "
    "attacks. Cyber security firms said ransomware and phishing were also on the rise."
)


def test_a_hacking_story_stays_one_however_often_it_says_attack() -> None:
    assert not of_type(signals_of(HACKING_STORY), EventType.ASSAULT)


def test_killed_in_police_firing_is_an_assault() -> None:
    s = one("Most of the deaths have taken place in Ahmedabad, including 30 killed in police firing.",
            EventType.ASSAULT)
    assert s.mode == "firearms"


def test_rioters_taken_into_custody_is_a_detention() -> None:
    s = one("The police have arrested close to 4,000 rioters over the first five days of violence.", EventType.COERCE)
    assert s.mode == "detention"


def test_talks_held_with_activists_are_no_detention() -> None:
    assert not of_type(signals_of("The minister held talks with activists in Delhi on Monday."), EventType.COERCE)


# ----------------------------------------------------------------------------- desk senses (round 2)


@pytest.mark.parametrize(
    "text",
    [
        # a war named as a cause, a cost or one item of a list
        "Gas prices rose because the invasion of Ukraine has threatened supplies from Russia.",
        "Germany must stop oil imports under sanctions imposed over Russia's invasion of Ukraine.",
        "Analysts estimate that Moscow is spending about $900m per day on the invasion.",
        "Members voted against their views on matters including Brexit and military intervention in Syria.",
        # criticism, figures of speech, charts
        "The European Commission faces a challenge from IATA, which has attacked the package as a bad piece of "
        "legislation.",
        "By selling the unit, Russia is able to avoid a host of legal landmines, analysts said.",
        "Our economy has broken the vicious circle that it was imprisoned in for long years, Turkey's central "
        "banker said.",
        # law and threats to go to law
        "Under Thailand's lese-majeste law, threatening the king can bring 15 years in jail.",
        "The firm has also threatened to sue the Russian government for $28bn.",
        # a negated commitment commits to nothing
        "Russia would not say if the payment had been blocked, but said it adhered to all sanctions.",
        # trade measures over disease, prices and rationing
        "Trade with the US was hurt by a ban on US beef imports after a case of mad cow disease.",
        "He said the ban underlined rising oil pricing in Sri Lanka.",
        # entertainment and games
        "Smith was asked on a late-night talk show in New York about the attack at the Oscars.",
        "You are ushered into a gunboat attacking the incoming waves of Japanese planes in the console game.",
        # malware
        "Risks were smaller in Britain than in the US, where computer viruses have struck.",
        # police and customs raids
        "US customs coordinated a series of raids across the globe.",
    ],
)
def test_desk_senses_raise_no_alert(text: str) -> None:
    alerts = [s for s in signals_of(text) if s.modality in ALERT_WORTHY_MODALITIES]
    assert alerts == [], [(s.type.value, s.evidence.trigger, s.detector) for s in alerts]


def test_a_commitment_with_a_sanction_still_threatens() -> None:
    s = one("The EU would impose sanctions on Belarus if it closed the border, the envoy said.", EventType.THREATEN)
    assert s.actors.source and s.actors.source[0].code == "EU"


# ----------------------------------------------------------------------------- roles (round 2)


@pytest.mark.parametrize(
    ("text", "etype", "source", "target"),
    [
        ("Russian warplanes bombed Aleppo on Monday.", EventType.ASSAULT, "RUS", "SYR"),
        ("Russia and the regime must end the bombing of Aleppo.", EventType.ASSAULT, "RUS", "SYR"),
        ("The Russians invaded Ukraine and took over Crimea.", EventType.COERCE, "RUS", "UKR"),
        ("US and French forces began bombing Isis targets in the city.", EventType.ASSAULT, "USA", "ISIS"),
    ],
)
def test_the_object_of_an_attack_or_seizure_is_its_target(text: str, etype: EventType, source: str, target: str) -> None:
    s = one(text, etype)
    assert [a.code for a in s.actors.source][:1] == [source]
    assert [a.code for a in s.actors.target] == [target]


def test_a_city_the_attack_happens_in_is_no_target() -> None:
    s = one("Russian warplanes bombed targets in Aleppo on Monday.", EventType.ASSAULT)
    assert s.actors.target == []


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Assad's advances around Aleppo were enabled by the ferocity of Russian airstrikes against the rebels.", "RUS"),
        ("More than 30 of those wounded in Russian airstrikes in Azaz were taken to a hospital.", "RUS"),
        ("Syrian civilians were killed in the latest US airstrike.", "USA"),
    ],
)
def test_the_name_right_before_an_attack_noun_is_its_doer(text: str, source: str) -> None:
    s = [x for x in signals_of(text) if x.type == EventType.ASSAULT and "strike" in x.evidence.trigger][0]
    assert [a.code for a in s.actors.source] == [source]


def test_a_war_named_after_a_country_is_not_the_countrys_doing() -> None:
    signals = of_type(signals_of("Prices rose sharply in the months after the Ukraine invasion began."), EventType.ASSAULT)
    assert all(a.code != "UKR" for s in signals for a in s.actors.source)


@pytest.mark.parametrize(
    ("text", "etype", "source", "target"),
    [
        # a comma ends "In 2015": Obama is the subject, not the object of "in"
        ("In 2015, Obama announced sanctions against North Korea for hacking into Sony Pictures.",
         EventType.SANCTION, "USA", "PRK"),
        # "by" a few words after the head still names the doer
        ("Mr Roslovtsev has been detained at least nine times by Russian authorities.", EventType.COERCE, "RUS", None),
        ("An Armenian soldier killed and allegedly decapitated by Azerbaijani troops has been reburied.",
         EventType.ASSAULT, "AZE", "ARM"),
        ("The base was damaged in a reported attack by so-called Islamic State.", EventType.ASSAULT, "ISIS", None),
        # the object of "on" before the by-phrase is hit, not the clause's subject
        ("British police are investigating attacks on civilians by Russian war planes in Syria.",
         EventType.ASSAULT, "RUS", "CVL"),
        # the object of "against", even a generic one, is hit; the state after it is the place
        ("Russian airstrikes against anti-Assad fighters in northwestern Syria have weakened them.",
         EventType.ASSAULT, "RUS", "REB"),
        # where an assault comes from is not its target
        ("Syrian rebels said they were preparing an assault from Turkish territory on the Islamic State.",
         EventType.ASSAULT, "REB", "ISIS"),
    ],
)
def test_passive_doers_and_objects_of_acts(text: str, etype: EventType, source: str, target: str | None) -> None:
    s = one(text, etype)
    codes = lambda actors: {a.code for a in actors} | {a.sector for a in actors if a.sector}  # noqa: E731
    assert source in codes(s.actors.source), s.actors
    if target is None:
        assert s.actors.target == [], s.actors
    else:
        assert target in codes(s.actors.target), s.actors


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Secretary of State John Kerry met Sergey V. Lavrov in Geneva on Friday.", {"USA", "RUS"}),
        ("Fabius held talks with Binali Yildirim in Ankara.", {"FRA", "TUR"}),
    ],
)
def test_leaders_and_ministers_of_the_2010s_are_their_states(text: str, parties: set[str]) -> None:
    s = one(text, EventType.CONSULT)
    assert {a.code for a in s.actors.source + s.actors.target} == parties


# ----------------------------------------------------------------------------- recall (round 2)


@pytest.mark.parametrize(
    "text",
    [
        "A suicide bomber riding a motorcycle loaded with explosives crashed into a NATO foot patrol.",
        "A suicide bomber killed five people at a market.",
        "By the end of the day, the IRA's Belfast brigade had detonated at least 20 bombs across the city.",
        "Russian jets carried out strikes in Aleppo.",
    ],
)
def test_wire_reports_of_attacks_are_found(text: str) -> None:
    assert one(text, EventType.ASSAULT).modality == Modality.ASSERTED


def test_a_suicide_bomber_named_without_an_act_is_no_attack() -> None:
    assert not of_type(signals_of("Locals warned the police of their fears about the 22-year-old suicide bomber."),
                       EventType.ASSAULT)


def test_the_ira_is_an_armed_group() -> None:
    s = one("The IRA's bombing of the city caused widespread chaos.", EventType.ASSAULT)
    assert [a.code for a in s.actors.source] == ["IRA"]


@pytest.mark.parametrize(
    "text",
    ["Five hundred Ugandan rebels surrendered last week in Soroti.", "Japan had surrendered.",
     "German troops marched into Paris, forcing France to capitulate."],
)
def test_a_military_surrender_is_a_retreat(text: str) -> None:
    assert one(text, EventType.RETREAT).mode == "surrender"


@pytest.mark.parametrize("text", ["The suspect surrendered to police in Texas.",
                                  "He surrendered his passport to the court in London."])
def test_a_suspect_surrendering_is_no_retreat(text: str) -> None:
    assert not of_type(signals_of(text), EventType.RETREAT)


@pytest.mark.parametrize(
    ("text", "target", "sector"),
    [
        ("French warplanes had targeted the village of Tukhan al-Kubra near Manbij in the Aleppo Province, "
         "killing 120 civilians.", "SYR", "CVL"),
        ("Syrian forces hit a hospital overnight, killing 20 people and wounding 100.", "CVL", "CVL"),
        ("Syrian civilians were killed in the latest US airstrike.", "SYR", "CVL"),
        ("Gunmen attacked a checkpoint in Dagestan on Feb. 15, killing two police officers.", "RUS", "COP"),
    ],
)
def test_whom_an_attack_killed_is_its_target(text: str, target: str, sector: str) -> None:
    """Victims take the state the text gives them, else the place's, else the sector code alone."""
    s = one(text, EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.target] == [(target, sector)], s.actors


def test_by_after_a_modal_names_no_doer() -> None:
    s = one("She said Russia would veto any attempt by the United Nations Security Council to bring them to trial.",
            EventType.REJECT)
    assert [a.code for a in s.actors.source] == ["RUS"]


def test_a_backer_is_not_the_subject_of_the_clause() -> None:
    s = one("Government forces backed by Iran have intensified their military campaign against rebel-held areas.",
            EventType.ASSAULT)
    assert [a.text for a in s.actors.source] == ["Government forces"], s.actors


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Turkish President Tayyip Erdogan spoke with his Russian counterpart Vladimir Putin after their meeting "
         "in Istanbul.", {"TUR", "RUS"}),
        ("Turkish diplomats and intelligence officials held talks in Moscow yesterday.", {"TUR", "RUS"}),
        ("Obama unveiled the step on Monday during his first visit to Vietnam.", {"USA", "VNM"}),
        ("Mr. Putin made a trip to Paris last spring.", {"RUS", "FRA"}),
    ],
)
def test_the_other_party_of_a_meeting(text: str, parties: set[str]) -> None:
    s = one(text, EventType.CONSULT)
    assert {a.code for a in s.actors.source + s.actors.target} == parties, s.actors


def test_a_possessor_after_to_is_an_actor_not_a_place() -> None:
    s = one("The strategy has been shaped in response to Russia's annexation of Crimea from Ukraine in 2014.",
            EventType.COERCE)
    assert [a.code for a in s.actors.source] == ["RUS"] and [a.code for a in s.actors.target] == ["UKR"]


@pytest.mark.parametrize(
    ("text", "target", "sector"),
    [
        ("A car bombing hit the town of Dzhemikent in Dagestan on Feb. 15, killing two Russian police officers.",
         "RUS", "COP"),
        ("More than 30 of those wounded in the airstrikes in Azaz were taken to a hospital.", "SYR", "CVL"),
    ],
)
def test_whom_an_attack_killed_is_its_target_without_a_named_doer(text: str, target: str, sector: str) -> None:
    s = one(text, EventType.ASSAULT)
    assert not s.actors.source
    assert [(a.code, a.sector) for a in s.actors.target] == [(target, sector)], s.actors


@pytest.mark.parametrize(
    ("text", "etype", "source", "target"),
    [
        ("Human rights groups criticised the arrest of dissidents in Cuba.", EventType.COERCE, "CUB", "OPP"),
        ("Witnesses described the killing of civilians by Russian forces.", EventType.ASSAULT, "RUS", "CVL"),
    ],
)
def test_what_an_attack_or_arrest_is_of_undergoes_it(text: str, etype: EventType, source: str, target: str) -> None:
    """"The arrest of dissidents": the dissidents are arrested, they do not arrest; an arrest is by
    the state of its place."""
    s = one(text, etype)
    assert [a.code for a in s.actors.source] == [source], s.actors
    assert target in {c for a in s.actors.target for c in (a.code, a.sector)}, s.actors


@pytest.mark.parametrize(
    "text",
    [
        "Russia began delivering airstrikes against the IS infrastructure.",
        "Turkey said its troops might join a ground operation against IS.",
    ],
)
def test_is_names_the_islamic_state(text: str) -> None:
    s = one(text, EventType.ASSAULT)
    assert [a.code for a in s.actors.target] == ["ISIS"], s.actors


@pytest.mark.parametrize(
    ("text", "source", "target", "sector"),
    [
        ("Doctors say children are usually among the victims of the Russian strikes in Aleppo.", "RUS", "SYR", "CVL"),
        ("Hospital staff in Idlib said their patients are being deliberately targeted by Russian air strikes.",
         "RUS", "SYR", "CVL"),
        ("Zarqawi was killed in June 2006 by a US airstrike near Baqubah.", "USA", "ALQAEDA", None),
    ],
)
def test_victims_named_before_the_attack_are_its_target(text: str, source: str, target: str, sector: str | None) -> None:
    """"kids are among the victims of the strikes", "patients are being targeted by air strikes",
    "Zarqawi was killed by a US airstrike": the victims, named before the attack, are its target."""
    s = one(text, EventType.ASSAULT)
    assert [a.code for a in s.actors.source] == [source], s.actors
    assert [(a.code, a.sector) for a in s.actors.target] == [(target, sector)], s.actors


@pytest.mark.parametrize(
    ("text", "state", "sector"),
    [
        ("The Turkish interior minister said that 1,200 soldiers have been arrested.", "TUR", "MIL"),
        ("Erdogan said 300 protesters were detained overnight.", "TUR", "OPP"),
    ],
)
def test_an_arrest_with_no_place_is_by_the_one_state_the_sentence_names(text: str, state: str, sector: str) -> None:
    """Soldiers, officials or people arrested in a sentence that names one state, and no place, are
    that state's, and it arrests them."""
    s = one(text, EventType.COERCE)
    assert [a.code for a in s.actors.source] == [state], s.actors
    assert [(a.code, a.sector) for a in s.actors.target] == [(state, sector)], s.actors


@pytest.mark.parametrize(
    ("text", "target", "sector"),
    [
        ("Mr Erdogan was criticised for purging thousands of people in Turkey.", "TUR", "CVL"),
        ("Authorities in Ankara detained dozens of journalists on Monday.", "TUR", "OPP"),
    ],
)
def test_whom_an_arrest_or_purge_takes_is_its_target(text: str, target: str, sector: str) -> None:
    s = one(text, EventType.COERCE)
    assert [(a.code, a.sector) for a in s.actors.target] == [(target, sector)], s.actors


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Fighters of the Free Syrian Army attacked government positions near Hama.", ("SYR", "REB")),
        ("Forces loyal to Bashar al-Assad shelled the town of Douma on Sunday.", ("SYR", "MIL")),
    ],
)
def test_named_rebel_groups_and_loyal_forces_are_generic_actors_of_their_place(
    text: str, source: tuple[str, str]
) -> None:
    """"the Free Syrian Army" is not the Syrian army: a rebel group the gazetteer has no code for
    is REB of its place; "forces loyal to" a leader are MIL."""
    s = one(text, EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [source], s.actors


def test_the_by_phrase_of_an_attack_noun_after_its_object_and_place_names_the_doer() -> None:
    """"the bombing of Kurdish militias in northern Syria on Thursday morning by Turkey's air
    force": Turkey bombs, the Kurdish militias (rebels of the place) are bombed."""
    s = one("Damascus condemned the bombing of Kurdish militias in northern Syria on Thursday morning "
            "by Turkey's air force.", EventType.ASSAULT)
    assert [a.code for a in s.actors.source] == ["TUR"], s.actors
    assert [(a.code, a.sector) for a in s.actors.target] == [("SYR", "REB")], s.actors


def test_victims_counted_with_as_many_as_are_the_target() -> None:
    s = one("A car bomb exploded in Idlib on Friday, killing as many as 40 civilians.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.target] == [("SYR", "CVL")], s.actors


def test_the_victims_an_attack_noun_is_of_and_its_by_phrase() -> None:
    s = one("The massacre of civilians in Srebrenica by Bosnian Serb forces shocked the world.", EventType.ASSAULT)
    assert [a.code for a in s.actors.source] == ["BIH"], s.actors
    assert [(a.code, a.sector) for a in s.actors.target] == [("BIH", "CVL")], s.actors


def test_every_capital_of_a_visit_to_a_list_of_places_is_visited() -> None:
    s = one("The U.S. defense secretary soothed strained ties during a visit to Incirlik and Ankara.",
            EventType.CONSULT)
    assert {a.code for a in s.actors.source + s.actors.target} == {"USA", "TUR"}, s.actors


def test_the_name_right_before_a_passive_head_undergoes_it_and_the_subject_acts() -> None:
    """"Iran published photos of the Americans being detained": Iran detains, the Americans are
    detained (the subject is no longer turned into the target)."""
    s = one("Iran published embarrassing photos of the Americans being detained.", EventType.COERCE)
    assert [a.code for a in s.actors.source] == ["IRN"], s.actors
    assert [a.code for a in s.actors.target] == ["USA"], s.actors


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("Iraqi forces recaptured Mosul from Islamic State in 2017.", "IRQ", "ISIS"),
        ("The Kurdish-led alliance (SDF), including the YPG, captured the town of Tabqa, west of Raqqa, "
         "from Islamic State last week.", "SDF", "ISIS"),
    ],
)
def test_whom_a_territory_is_taken_from_is_the_target(text: str, source: str, target: str) -> None:
    """"captured X from Islamic State": the loser is the target, not the place taken; a member named
    in an apposition ("including the YPG") is not the subject."""
    s = one(text, EventType.COERCE)
    assert [a.code for a in s.actors.source] == [source], s.actors
    assert [a.code for a in s.actors.target] == [target], s.actors


def test_the_state_a_lifted_embargo_concerns_is_the_target() -> None:
    s = one("Washington is lifting its arms embargo on sales to Vietnam.", EventType.CONCEDE)
    assert [a.code for a in s.actors.source] == ["USA"], s.actors
    assert [a.code for a in s.actors.target] == ["VNM"], s.actors


def test_a_named_opponent_is_his_states_opposition_not_the_state() -> None:
    """Fethullah Gulen is a sector row with a state (TUR, OPP): Turkey blaming him has a target,
    which the state itself as the source does not swallow."""
    s = one("Turkish President Tayyip Erdogan blames Fethullah Gulen and his followers for the July 15 coup.",
            EventType.ACCUSE)
    assert [a.code for a in s.actors.source] == ["TUR"], s.actors
    assert [(a.code, a.sector) for a in s.actors.target] == [("TUR", "OPP")], s.actors


def test_who_uses_batons_on_whom() -> None:
    """"Israeli soldiers were seen hitting Palestinians with batons": a head opening on a
    preposition has no modifier as its doer; the name between the doer and the means is the target."""
    s = one("Israeli soldiers were seen hitting Palestinians with batons near Hebron.", EventType.COERCE)
    assert [(a.code, a.sector) for a in s.actors.source] == [("ISR", "MIL")], s.actors
    assert [a.code for a in s.actors.target] == ["PSE"], s.actors


def test_an_armed_force_an_attack_comes_from_is_its_doer() -> None:
    """"shelling from government forces": whose shelling it is, as with "by" (a place after "from"
    is where it comes from, as before)."""
    s = one("The village near Aleppo came under shelling from government forces on Monday.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.source] == [("SYR", "MIL")], s.actors


def test_travel_to_a_capital_for_meetings_keeps_the_scheduled_meeting() -> None:
    """"will travel to Muscat on Monday for meetings with Omani and Saudi officials": the capital
    is the venue of the scheduled meeting, which stays one scheduled signal."""
    signals = of_type(signals_of(
        "A Houthi delegation will travel to Muscat on Monday for meetings with Omani and Saudi officials, "
        "a source close to the talks said."), EventType.CONSULT)
    assert [s.modality for s in signals] == [Modality.SCHEDULED], signals


def test_an_arrest_in_a_sentence_naming_two_states_gets_no_doer() -> None:
    s = one("Turkish officials said Russian soldiers and 30 protesters were detained.", EventType.COERCE)
    assert not s.actors.source, s.actors


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Ottoman authorities detained 250 Armenian intellectuals in 1915.", "TUR"),
        ("The chairman of the Joint Chiefs of Staff Joseph Dunford met Turkish officials in Ankara.", "USA"),
        ("Information Minister Omran Zoabi accused Turkey of shooting down the plane.", "SYR"),
        ("Duterte threatened to impose martial law on Mindanao.", "PHL"),
    ],
)
def test_historical_states_and_office_holders_are_named(text: str, source: str) -> None:
    (s,) = signals_of(text)[:1]
    assert source in {a.code for a in s.actors.source}, s.actors


def test_is_in_a_line_set_in_capitals_is_a_word() -> None:
    signals = signals_of("TURKEY IS ATTACKING KURDS")
    assert all(a.code != "ISIS" for s in signals for a in s.actors.source + s.actors.target)


def test_a_later_mention_naming_nobody_joins_the_attack_with_victims() -> None:
    body = ("A bomb exploded outside a bakery in Lyon on Friday, wounding 13 people. "
            "One minute later, the explosion shattered the glass of a refrigerator in the shop.")
    (s,) = of_type(signals_of(body), EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.target] == [("FRA", "CVL")]
    assert len(s.related_evidence) == 1


def test_a_purge_of_people_is_coercion_of_them() -> None:
    s = one("Turkey has launched a series of mass purges of suspected Gulen supporters in its armed forces.",
            EventType.COERCE)
    assert s.mode == "purge"
    assert [a.code for a in s.actors.source] == ["TUR"] and [a.sector for a in s.actors.target] == ["OPP"]


def test_a_threat_naming_no_target_threatens_whom_its_act_is_aimed_at() -> None:
    s = one("The United States is prepared to consider imposing sanctions or an arms embargo on South Sudan's "
            "leaders if they fail to cooperate.", EventType.THREATEN)
    assert [a.code for a in s.actors.target] == ["SSD"], s.actors


def test_after_an_allegation_a_new_subject_is_the_doer() -> None:
    s = one("Russia suspects Turkey may be secretly preparing to invade northern Syria.", EventType.ASSAULT)
    assert [a.code for a in s.actors.source] == ["TUR"], s.actors


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Turkey has launched mass arrests of officers since the abortive coup.", []),
        ("The Thai army staged a coup on Thursday.", ["THA"]),
    ],
)
def test_a_coup_named_in_passing_is_not_the_subjects(text: str, source: list[str]) -> None:
    (s,) = [x for x in of_type(signals_of(text), EventType.COERCE) if x.mode == "coup"]
    assert [a.code for a in s.actors.source] == source, s.actors


def test_whoever_condemns_an_attack_is_not_its_doer() -> None:
    s = one("The United States condemns this cowardly attack on members of the U.S. and Afghan forces.",
            EventType.ASSAULT)
    assert not s.actors.source, s.actors


def test_a_place_coordinated_with_a_place_is_a_place() -> None:
    s = one("Isis already held swathes of territory across Iraq and Syria but did not come to international "
            "attention until it captured Mosul.", EventType.COERCE)
    assert [a.code for a in s.actors.source] == ["ISIS"], s.actors


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Syrian government forces, backed by Russian air strikes, have almost encircled rebels near Aleppo.", "SYR"),
        ("Washington backed the Syria Democratic Forces in the battle for Manbij.", "SDF"),
    ],
)
def test_whom_a_backer_backs(text: str, target: str) -> None:
    s = one(text, EventType.SUPPORT)
    assert [a.code for a in s.actors.target] == [target], s.actors


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("Over the past week in Aleppo, Russian and Syrian war planes have unleashed the worst aerial bombardment "
         "of the war.", {"RUS", "SYR"}, None),
        ("Russian strikes hit Aleppo and Idlib overnight.", {"RUS"}, "SYR"),
    ],
)
def test_a_town_is_no_co_actor_and_is_hit_as_an_object(text: str, source: set[str], target: str | None) -> None:
    s = one(text, EventType.ASSAULT)
    assert {a.code for a in s.actors.source} == source and all(a.text != "Aleppo" for a in s.actors.source)
    if target:
        assert [a.code for a in s.actors.target] == [target], s.actors


# ----------------------------------------------------------------------------- recall on plain reports


def test_a_place_bound_rule_does_not_hide_the_plain_rule_of_its_head() -> None:
    """"explosion" has a rule that needs a place (an explosion at a checkpoint) and a plain one that
    needs none: the sentence names no place the gazetteer knows, so the plain rule holds."""
    s = one("The worst explosion was at the busy Oxford Street bus station, where at least six people were killed.",
            EventType.ASSAULT)
    assert s.detector == "rules:assault.blast.plain"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("In the afternoon, during an hour of concentrated bombing at least 11 people died.", "assault.deadly.plain"),
        ("A paper bag held a device that exploded on Friday, wounding 13 people on a busy street in the city "
         "of Lyon.", "assault.deadly"),
        ("Just after 11.30pm a wave of shooting broke out in the main Catholic areas.", "assault.ground"),
        ("Salman Abedi carried out the May 22 concert bombing in the city.", "assault.named_attack"),
        ("Questions are asked again in the wake of the van-and-knife attack in the London Bridge district.",
         "assault.named_attack"),
        ("He said he would respond to the ghastly attacks on innocent people that happened yesterday.",
         "assault.on_victims"),
        ("A militant was involved in lobbing grenade on a police station in Jalandhar.", "assault.bombing"),
    ],
)
def test_attacks_told_without_a_named_doer(text: str, rule: str) -> None:
    s = one(text, EventType.ASSAULT)
    assert s.detector == f"rules:{rule}"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("In May, she was arrested and charged with treason.", "coerce.detain_political.unplaced"),
        ("Authorities on Thursday arrested a pro-democracy activist for organising an illegal protest.",
         "coerce.detain_political.unplaced"),
        ("Police detained dozens of people in connection with the violence.", "coerce.detain_political.unplaced"),
        ("In Ahmedabad, the police have arrested 200 persons in the last 48 hours.", "coerce.detain_police"),
        ("Four protesters died from gunfire overnight during a demonstration outside the Iranian consulate in "
         "Karbala.", "coerce.protesters_shot"),
    ],
)
def test_arrests_and_force_against_protesters(text: str, rule: str) -> None:
    s = one(text, EventType.COERCE)
    assert s.detector == f"rules:{rule}"


@pytest.mark.parametrize(
    "text",
    [
        "Police arrested three men on suspicion of armed robbery at a jewellery store in central London.",
        "Police in Leeds arrested a man after a brawl outside a pub on Saturday.",
    ],
)
def test_arrests_for_crimes_are_no_detention(text: str) -> None:
    assert not of_type(signals_of(text), EventType.COERCE)


@pytest.mark.parametrize(
    "text",
    [
        "Syrian rebels and government forces exchanged prisoners near Aleppo on Tuesday.",
        "A prisoner swap between the government and the separatists took place on 1 October.",
        "In 1949, Senator Robert Taft voted for ratification of the NATO treaty.",
        "Mali's government has released 30 separatist rebels in exchange for the release of 16 soldiers.",
    ],
)
def test_prisoner_exchanges_and_ratifications_are_agreements(text: str) -> None:
    one(text, EventType.AGREE)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("The IRA claimed that at least 30 minutes' warning was given before each explosion.",
         "threaten.bomb_warning.near"),
        ("Maduro has acknowledged that the government is pressuring public employees to vote.", "threaten.voters"),
        ("State workers say they are being ordered to vote on Sunday, at the risk of losing their jobs.",
         "threaten.voters"),
        ("Russia's exercises of its nuclear forces are aimed at intimidating its neighbors, he said.",
         "threaten.intimidate"),
        ("Vladimir Putin and Russia are the latest to be threatened by ISIS in a video.", "threaten.by_actor"),
    ],
)
def test_threats_of_bombs_voters_and_armed_parties(text: str, rule: str) -> None:
    s = one(text, EventType.THREATEN)
    assert s.detector == f"rules:{rule}"


@pytest.mark.parametrize(
    "text",
    [
        "Lawmakers were forced to vote on the bill twice before the recess.",
        "A warning was given to the goalkeeper before the penalty.",
        "The players were pressured to vote for the captain by their coach.",
    ],
)
def test_procedure_and_sport_raise_no_threat(text: str) -> None:
    assert not of_type(signals_of(text), EventType.THREATEN)


def test_one_word_named_again_and_again_makes_no_frame() -> None:
    """A trial report that names one restaurant four times is no story about industrial sites: a
    frame needs two words of its class or more, so the bombing it recounts is still found."""
    text = (
        "A restaurant owner testified on Friday. She said the restaurant took a phone order that evening. "
        "The restaurant delivered it to a motel. Her restaurant keeps a record of every order. "
        "The federal building in Oklahoma City was shattered by an explosion on April 19, 1995, killing 168 people."
    )
    s = one(text, EventType.ASSAULT)
    assert "explosion" in s.evidence.trigger


def _triggers(s: Signal) -> list[str]:
    return [e.trigger for e in (s.evidence, *s.related_evidence)]


def test_a_caption_run_into_the_next_sentence_keeps_each_mention() -> None:
    """A photo caption without a final period runs into the next sentence: both reports of the
    attack are one signal, and each keeps its words as evidence (recall is scored on them)."""
    text = (
        "Image caption Dozens were killed in the blasts in Sayyida Zeinab The Amaq news agency, which is "
        "linked to Islamic State, said IS militants had detonated a car bomb and then blown up explosive belts."
    )
    s = one(text, EventType.ASSAULT)
    assert "the blasts" in _triggers(s)
    assert any("car bomb" in t for t in _triggers(s)), _triggers(s)


def test_a_time_before_a_sentence_opener_ends_the_sentence() -> None:
    """"around 4:30 p.m. The building ...": p.m., U.S. or Inc. close a sentence when a word that
    opens one follows; "at 4 p.m. Friday" does not."""
    from service.detection.text import SentenceIndex, split_sentences

    text = "He left the shop around 4:30 p.m. The building was shattered by an explosion. It was 9 a.m. Friday."
    spans = [text[s.start:s.end] for s in split_sentences(text)]
    assert spans == ["He left the shop around 4:30 p.m.", "The building was shattered by an explosion.",
                     "It was 9 a.m. Friday."]
    index = SentenceIndex(text)
    assert text[index.sentence_at(text.index("explosion")).start:].startswith("The building")
    s = one(text, EventType.ASSAULT)
    assert s.evidence.sentence == "The building was shattered by an explosion."


def test_a_wiki_section_heading_is_no_trigger() -> None:
    """"==Attack==" names a section: its word is no mention of an attack."""
    text = ("Zabiullah Mujahid said they were responsible for the attack via Twitter. ==Attack== A suicide "
            "bomber riding a motorcycle crashed into a NATO foot patrol near Bagram Air Base.")
    s = one(text, EventType.ASSAULT)
    assert "Attack" not in _triggers(s), _triggers(s)


@pytest.mark.parametrize(
    ("text", "rule", "modality"),
    [
        ("The army threatened journalists with arrest if they reported from the front.", "threaten.with_coercion",
         None),
        ("The minister threatened the editors with prison.", "threaten.with_coercion", Modality.ASSERTED),
        ("The dossier says the candidate was blackmailed by Putin.", "threaten.coercion_by_actor", Modality.ASSERTED),
        ('"The United States is not going to be intimidated," Kerry said.', "threaten.coercion_by_actor",
         Modality.DENIED),
    ],
)
def test_threats_of_coercion(text: str, rule: str, modality: Modality | None) -> None:
    s = one(text, EventType.THREATEN)
    assert s.detector == f"rules:{rule}"
    assert modality is None or s.modality == modality


@pytest.mark.parametrize(
    "text",
    [
        "The striker was not intimidated by the crowd in the final.",
        "Residents said the landlord threatened tenants with eviction.",
        "The voters were intimidated, a council spokesman said.",
    ],
)
def test_coercion_without_a_political_party_is_no_threat(text: str) -> None:
    assert not of_type(signals_of(text), EventType.THREATEN)


def test_an_arms_embargo_is_a_sanction_named_without_its_verb() -> None:
    s = one("But Booth said an arms embargo could only work if neighboring countries cooperated.", EventType.SANCTION)
    assert s.detector == "rules:sanction.arms_embargo" and s.mode == "arms embargo"
    assert not of_type(signals_of("Analysts discussed the lifting of the arms embargo."), EventType.SANCTION)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Huge explosive charges were detonated at bus termini, railway stations and shopping centres.",
         "assault.detonated"),
        ("Prosecutors say the truck was driven to Oklahoma City and detonated.", "assault.detonated"),
        ("This government is massacring its own people, the envoy said.", "assault.massacre"),
        ("A gunman slaughtered 49 people at a nightclub in Orlando.", "assault.massacre"),
    ],
)
def test_bombings_in_the_passive_and_mass_killings_told_by_their_verb(text: str, rule: str) -> None:
    s = one(text, EventType.ASSAULT)
    assert s.detector.startswith(f"rules:{rule}")


@pytest.mark.parametrize(
    "text",
    [
        "The device was detonated in a controlled explosion by the bomb disposal team.",
        "Thousands of cattle were slaughtered after the outbreak.",
        "Chelsea slaughtered their rivals 6-0 in the league match.",
    ],
)
def test_disposals_livestock_and_sport_are_no_attack(text: str) -> None:
    assert not [s for s in of_type(signals_of(text), EventType.ASSAULT) if s.modality in ALERT_WORTHY_MODALITIES]
