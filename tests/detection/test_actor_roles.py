"""Who did what to whom: role rules for victims, bystanders, allies, relative clauses and
definite descriptions. Sentences are written for these tests (not taken from the evaluation sets)."""

from __future__ import annotations

from schemas.common import EventType
from schemas.signal import Signal
from tests.detection.conftest import signals_of


def one(text: str, etype: EventType, trigger: str | None = None) -> Signal:
    signals = signals_of(text)
    found = [s for s in signals if s.type == etype and (trigger is None or trigger in s.evidence.trigger)]
    assert found, [(s.type.value, s.mode, s.evidence.trigger) for s in signals]
    return found[0]


def src(s: Signal) -> list[str]:
    return [a.code for a in s.actors.source]


def tgt(s: Signal) -> list[str]:
    return [a.code for a in s.actors.target]


# ------------------------------------------------------------------- victims are not the doers


def test_the_nationality_of_a_victim_is_the_target_not_the_doer() -> None:
    s = one("A Lebanese teenager wounded in the bombing died in hospital on Sunday.", EventType.ASSAULT)
    assert src(s) == []
    assert tgt(s) == ["LBN"]


def test_victims_killed_by_a_generic_force_name_it_as_the_doer() -> None:
    s = one("Four Russian officers have been killed by rebels near the Turkish border.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["REB"]
    assert "RUS" in tgt(s)


def test_a_generic_doer_after_by_is_the_doer_though_a_state_follows() -> None:
    s = one("Four officers were killed by rebels in northern Syria on Monday.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["REB"]


def test_whom_the_victims_fell_to_in_a_battle_is_the_doer() -> None:
    s = one("Dozens of Taliban fighters were killed and wounded in a battle with Afghan troops near Kunduz.",
            EventType.ASSAULT)
    assert src(s) == ["AFG"]
    assert tgt(s) == ["TALIBAN"]


def test_have_killed_is_active_the_gunmen_are_the_doers() -> None:
    s = one("Gunmen have killed at least 14 people in Mali's Mopti region in the past two days.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["UAF"]


# -------------------------------------------------------------- bystanders and allies


def test_whoever_responds_to_an_attack_is_not_its_doer() -> None:
    s = one("Washington responded to the bombing with new sanctions.", EventType.ASSAULT)
    assert src(s) == []


def test_a_response_in_an_earlier_clause_names_no_doer() -> None:
    s = one("The European Union is preparing new measures, in response to intense bombardment of the city.",
            EventType.ASSAULT)
    assert src(s) == []


def test_the_police_hunting_whoever_is_responsible_are_not_the_doers() -> None:
    s = one("Police in Marseille are hunting a man believed to be responsible for Friday's blast, which injured six people.",
            EventType.ASSAULT)
    assert src(s) == []


def test_a_group_claiming_an_attack_is_still_its_doer() -> None:
    s = one("ISIS was responsible for the attack on the airport.", EventType.ASSAULT)
    assert src(s) == ["ISIS"]


def test_an_ally_fighting_alongside_is_not_the_target() -> None:
    s = one("The militia is fighting alongside Iraqi troops near Mosul.", EventType.ASSAULT)
    assert "IRQ" not in tgt(s)
    assert [a.sector for a in s.actors.source] == ["REB"]  # a progressive, not a passive: the militia fights


# -------------------------------------------------------------- attribution and blame


def test_an_attack_attributed_to_a_state_is_its_doing() -> None:
    s = one("Several airstrikes in Lebanon have been attributed to Israeli jets.", EventType.ASSAULT)
    assert src(s) == ["ISR"]


def test_whom_an_attack_is_blamed_on_is_its_doer_not_the_accuser() -> None:
    s = one("Washington accused Russia of the attack on the aid convoy.", EventType.ASSAULT)
    assert src(s) == ["RUS"]


def test_the_blame_put_on_a_state_makes_it_the_target() -> None:
    s = one("Moscow placed the blame for the collapse of the Syrian truce on Washington.", EventType.ACCUSE)
    assert src(s) == ["RUS"]
    assert tgt(s) == ["USA"]


# -------------------------------------------------------------- clauses and descriptions


def test_the_subject_of_an_object_relative_clause_is_the_doer() -> None:
    s = one("The Kurdish fighters, whom Turkey has bombed repeatedly, hold Manbij.", EventType.ASSAULT)
    assert src(s) == ["TUR"]
    assert [a.sector for a in s.actors.target] == ["REB"]


def test_whom_a_state_accuses_is_the_target_of_the_accusation() -> None:
    s = one("Turkey wants the extradition of Fethullah Gulen, the cleric whom Ankara accuses of plotting the coup.",
            EventType.ACCUSE)
    assert src(s) == ["TUR"]
    assert [a.text for a in s.actors.target] == ["Fethullah Gulen"]


def test_an_envoy_to_a_body_does_not_make_the_body_the_doer() -> None:
    s = one("Iran's envoy to the United Nations accused the world body of bias against Tehran.", EventType.ACCUSE)
    assert src(s) == ["IRN"]
    assert tgt(s) == ["UN"]


def test_a_definite_description_stands_for_the_actor_named_before_it() -> None:
    s = one("Al-Shabaab fighters stormed a hotel in Mogadishu on Friday. The group also attacked an army base "
            "in Kismayo, killing 12 soldiers.", EventType.ASSAULT, "attacked")
    assert src(s) == ["ALSHABAAB"]
    assert s.actors.source[0].text == "The group"


def test_a_description_tied_to_another_actor_takes_no_part() -> None:
    s = one("The Islamic State lost Raqqa. A suicide bomber with links to the group killed 30 people in Baghdad.",
            EventType.ASSAULT, "killed")
    assert "ISIS" not in tgt(s)


def test_a_possessor_with_modifiers_is_the_doer_of_the_noun() -> None:
    # "the country" names North Korea too, before the possessor: the possessor still does the test
    s = one("North Korea was warned again. The council imposed sanctions on the country after North Korea's "
            "fourth nuclear test.", EventType.MOBILIZE)
    assert src(s) == ["PRK"]


# ------------------------------------------------------------- quoted speakers, backers, titles


def test_the_speaker_after_a_quotation_is_the_doer_of_its_first_person() -> None:
    s = one('"We are ready to impose new sanctions," the Japanese foreign minister told reporters.',
            EventType.SANCTION)
    assert src(s) == ["JPN"]
    assert tgt(s) == []  # the speaker is not whom the sanctions are on


def test_a_name_inside_the_quotation_stays_the_target_and_the_attribution_gives_none() -> None:
    s = one('"We will impose sanctions on Russia," German Chancellor Angela Merkel said on a visit to Canada.',
            EventType.SANCTION)
    assert src(s) == ["DEU"]
    assert tgt(s) == ["RUS"]
    s = one('"We are prepared to look at an arms embargo," the U.S. envoy to South Sudan told lawmakers.',
            EventType.SANCTION)
    assert src(s) == ["USA"]
    assert tgt(s) == []  # "envoy to South Sudan" is the speaker's title, not the embargo's target


def test_a_quotation_that_names_its_own_doer_keeps_it() -> None:
    s = one('"Russia has attacked our border posts," the Ukrainian minister said.', EventType.ASSAULT)
    assert src(s) == ["RUS"]


def test_a_backer_compound_is_neither_the_doer_nor_the_target() -> None:
    s = one("Iranian-backed militias shelled Kurdish positions near Kirkuk on Monday.", EventType.ASSAULT)
    assert "IRN" not in src(s) and "IRN" not in tgt(s)
    s = one("Saudi warplanes struck Iranian-backed fighters near Sanaa.", EventType.ASSAULT)
    assert src(s) == ["SAU"]
    assert "IRN" not in tgt(s)


def test_the_learned_ranking_does_not_cast_a_backer() -> None:
    s = one("U.S.-backed forces captured the town from Islamic State on Friday.", EventType.COERCE)
    assert "USA" not in src(s)
    assert tgt(s) == ["ISIS"]


def test_a_title_does_not_hide_the_by_phrase_of_a_passive() -> None:
    s = one("The village was shelled by President Bashar al-Assad's forces overnight.", EventType.ASSAULT)
    assert src(s) == ["SYR"]
    s = one("The district came under Russian-backed shelling by President Bashar al-Assad's forces.",
            EventType.ASSAULT)
    assert src(s) == ["SYR"]
    assert tgt(s) == []  # the backer is not hit, and Assad is the doer

def test_the_object_of_a_second_verb_phrase_is_not_the_first_ones_target() -> None:
    s = one("Iran rejected the proposal and threatened Israel with retaliation.", EventType.REJECT)
    assert src(s) == ["IRN"]
    assert tgt(s) == []
    s = one("Moscow demanded an urgent investigation and accused Kyiv of sabotage.", EventType.REQUEST)
    assert tgt(s) == []
    # one verb phrase with two heads keeps its object; an adjective after "and" opens no phrase
    s = one("Russian jets attacked and destroyed Syrian rebel positions.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["REB"]
    s = one("Turkish troops attacked Kurdish militias and armed Arab tribes near the border.", EventType.ASSAULT)
    assert s.actors.target


def test_victims_who_died_when_an_attack_happened_are_its_target() -> None:
    s = one("Two civilians died when Russian jets bombed a market in Idlib.", EventType.ASSAULT)
    assert src(s) == ["RUS"]
    assert [a.sector for a in s.actors.target] == ["CVL"]
    s = one("Seven people were wounded when a grenade exploded on Thursday in Davao City.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_the_subject_of_a_when_clause_is_the_doer_of_a_killing_with_none() -> None:
    s = one("Five soldiers were killed when militants ambushed their convoy in Borno state.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["REB"]
    assert [a.sector for a in s.actors.target] == ["MIL"]
    s = one("Two soldiers were killed when their vehicle hit a landmine.", EventType.ASSAULT)
    assert src(s) == []  # the when-clause names no actor


def test_a_capital_modifying_an_attack_noun_is_the_place_not_the_doer() -> None:
    s = one("The Paris attacks killed 130 people in November.", EventType.ASSAULT)
    assert src(s) == []
    s = one("A deadly Kabul bombing killed 40 people on Tuesday.", EventType.ASSAULT)
    assert "AFG" not in src(s)
    s = one("Moscow attacked Kyiv with drones overnight.", EventType.ASSAULT)
    assert src(s) == ["RUS"]  # a capital as the subject still stands for its government


def test_whom_an_abduction_takes_is_its_target() -> None:
    s = one("Gunmen kidnapped 30 passengers from a bus near Kaduna on Sunday.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_one_person_arrested_is_the_arrests_target_of_their_sector() -> None:
    s = one("Police arrested an opposition leader in Moscow on Saturday.", EventType.COERCE)
    assert [(a.code, a.sector) for a in s.actors.target] == [("RUS", "OPP")]
    s = one("Security forces detained a prominent journalist in Cairo.", EventType.COERCE)
    assert [a.sector for a in s.actors.target] == ["OPP"]


# ------------------------------------------------------------------------- relative clauses


def test_whom_a_state_is_accused_of_sheltering_is_the_doer_of_their_attack() -> None:
    s = one("India accused Pakistan of sheltering militants who attacked an army base in Uri.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["REB"]
    s = one("Moscow accused Kyiv of the attack on the bridge.", EventType.ASSAULT)
    assert src(s) == ["UKR"]  # accused of the attack itself: still its doer


def test_which_stands_for_the_name_before_it_even_a_place_of_the_clause_before() -> None:
    s = one("Hamas militants fired rockets at Israel, which responded with airstrikes on Gaza.", EventType.ASSAULT,
            trigger="airstrikes")
    assert src(s) == ["ISR"]


def test_a_relative_clause_between_the_subject_and_its_verb_is_skipped() -> None:
    s = one("Russia and Iran, which back the Assad government, bombed rebel positions.", EventType.ASSAULT)
    assert src(s) == ["RUS", "IRN"]
    s = one("He said he might recognize Russia's annexation of Crimea, which America and its allies consider "
            "illegal, and might lift U.S. sanctions imposed on Moscow.", EventType.CONCEDE)
    assert "RUS" not in src(s)  # ", and might lift": another verb phrase, not Russia's


# ------------------------------------------------------------------------------- mediators


def test_a_mediator_is_not_a_party_of_the_agreement_it_brokers() -> None:
    s = one("Israel and Hamas agreed to a truce brokered by Egypt.", EventType.AGREE)
    assert sorted(src(s) + tgt(s)) == ["HAMAS", "ISR"]
    s = one("Talks mediated by Qatar between the United States and the Taliban resumed in Doha.",
            EventType.CONSULT)
    assert sorted(src(s) + tgt(s)) == ["TALIBAN", "USA"]
    s = one("The ceasefire, brokered by Russia and Turkey, took effect at midnight.", EventType.AGREE)
    assert src(s) + tgt(s) == []  # the warring sides are not named


# ------------------------------------------------------------- passives of directed acts, towns struck


def test_the_subject_of_a_passive_threat_accusation_or_request_is_its_target() -> None:
    s = one('"Japan is not going to be intimidated," the minister said.', EventType.THREATEN)
    assert src(s) == [] and tgt(s) == ["JPN"]
    s = one("Venezuela was accused of rigging the vote.", EventType.ACCUSE)
    assert src(s) == [] and tgt(s) == ["VEN"]
    s = one("Hamas was urged to free the hostages.", EventType.REQUEST)
    assert src(s) == [] and tgt(s) == ["HAMAS"]


def test_a_passive_after_a_modal_be_puts_the_subject_in_the_target() -> None:
    s = one("Iran could be sanctioned over its missile tests.", EventType.SANCTION)
    assert src(s) == [] and tgt(s) == ["IRN"]


def test_readiness_after_be_is_a_stance_of_the_subject_not_a_passive() -> None:
    s = one("The European Union is prepared to consider imposing sanctions on Belarus's leaders if they fail "
            "to release the prisoners.", EventType.THREATEN)
    assert src(s) == ["EU"]


def test_a_town_naming_an_attack_is_where_it_struck() -> None:
    s = one("Dozens were killed in the Mosul blast.", EventType.ASSAULT)
    assert tgt(s) == ["IRQ"] and src(s) == []
    s = one("ISIS claimed the Brussels bombings.", EventType.ASSAULT)
    assert src(s) == ["ISIS"] and tgt(s) == ["BEL"]


def test_a_capital_owning_an_attack_stays_its_doer() -> None:
    s = one("Moscow's airstrikes killed ten people on Monday.", EventType.ASSAULT)
    assert src(s) == ["RUS"] and all(a.text != "Moscow" for a in s.actors.target)


def test_whom_an_attack_was_carried_out_by_is_its_doer() -> None:
    s = one("The attack is widely believed to have been carried out by the armed separatist group ETA.",
            EventType.ASSAULT)
    assert src(s) == ["ETA"] and tgt(s) == []


def test_victims_counted_in_millions_or_as_a_states_own_people_are_the_target() -> None:
    s = one("The group denies the 1915 massacre of 1.5 million people by Ottoman Turks.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]
    s = one('"This government is massacring its people," the envoy said.', EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]
    s = one("Jets bombed the market, killing 1,200 people.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_victims_an_attack_left_dead_are_its_target() -> None:
    s = one("A car bomb exploded in Baghdad, leaving at least 30 civilians wounded.", EventType.ASSAULT)
    assert tgt(s) == ["IRQ"] and [a.sector for a in s.actors.target] == ["CVL"]


def test_activists_or_a_states_journalists_before_an_arrest_participle_are_held() -> None:
    s = one("Iranian activists detained in Tehran began a hunger strike.", EventType.COERCE)
    assert src(s) == ["IRN"] and [a.sector for a in s.actors.target] == ["OPP"]
    s = one("Three British journalists arrested in Cairo last week were released on Monday.", EventType.COERCE)
    assert src(s) == ["EGY"] and tgt(s) == ["GBR"]
    s = one("Turkish police arrested 20 journalists.", EventType.COERCE)
    assert src(s) == ["TUR"]  # the police arrest: no swap


# ------------------------------------------------ doers in the attack noun, the head, a passive list


def test_the_name_modifying_the_attack_victims_fell_in_is_its_doer() -> None:
    s = one("Eleven Iraqi soldiers were killed in Taliban ambushes near the border on Friday.", EventType.ASSAULT)
    assert src(s) == ["TALIBAN"]
    assert tgt(s) == ["IRQ"]
    s = one("Nine soldiers were killed in Russian airstrikes outside Idlib.", EventType.ASSAULT)
    assert src(s) == ["RUS"]
    assert "RUS" not in tgt(s)


def test_victims_killed_in_a_place_name_no_doer() -> None:
    s = one("Three Iraqi soldiers were killed in Mosul on Tuesday.", EventType.ASSAULT)
    assert src(s) == []


def test_an_armed_actor_opening_the_head_is_the_doer() -> None:
    s = one("A suicide bomber killed seven policemen in Kandahar on Sunday.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["UAF"]
    assert [a.sector for a in s.actors.target] == ["COP"]


def test_a_participle_coordinated_after_a_passive_auxiliary_is_passive() -> None:
    s = one("Some 8,000 Bosnian men were rounded up, massacred and buried in mass graves.", EventType.ASSAULT,
            "massacred")
    assert src(s) == []
    assert tgt(s) == ["BIH"]


def test_a_head_opening_on_its_passive_auxiliary_has_its_subject_as_target() -> None:
    s = one("Some 8,000 Bosnian men were rounded up and held in a warehouse.", EventType.COERCE)
    assert src(s) != ["BIH"]
    assert tgt(s) == ["BIH"]


def test_people_an_attack_is_on_or_of_or_its_object_are_its_target() -> None:
    s = one("Army units carried out attacks on innocent people in Homs, Syria.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]
    s = one("The gunmen massacred people in a district of Borno, Nigeria.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]
    s = one("Militiamen carried out the slaughter of men, women and children in Mosul, Iraq.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_a_leader_accusing_another_of_the_same_state_has_that_state_as_target() -> None:
    s = one("Hillary Clinton accused Donald Trump of hiding his tax returns on Monday.", EventType.ACCUSE)
    assert src(s) == ["USA"]
    assert tgt(s) == ["USA"]


def test_what_an_attack_by_a_doer_is_on_is_its_target() -> None:
    s = one("The attack by Turkey on Armenia was condemned in Brussels.", EventType.ASSAULT, "attack")
    assert src(s) == ["TUR"]
    assert tgt(s) == ["ARM"]
    s = one("Kabul was struck by Pakistani jets on Monday.", EventType.ASSAULT)
    assert tgt(s) == ["AFG"]


def test_whom_an_arrest_takes_named_by_a_title_or_after_two_words_is_its_target() -> None:
    s = one("Belarusian police detained opposition leader Pavel Sevyarynets in Minsk.", EventType.COERCE)
    assert [a.sector for a in s.actors.target] == ["OPP"]
    s = one("Egyptian police arrested four Al Arabiya journalists in Alexandria.", EventType.COERCE)
    assert [a.sector for a in s.actors.target] == ["OPP"]


# ------------------------------------------ victims counted after the head, subordinate clauses,
# ------------------------------------------ parties "between" a joint act, attacks fought back


def test_victims_counted_after_the_head_are_its_target() -> None:
    s = one("A car bomb exploded near the main market of Baqubah, where at least nine people were killed.",
            EventType.ASSAULT)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_the_doers_own_losses_counted_after_the_head_are_no_target() -> None:
    s = one("Taliban fighters stormed a checkpoint in Ghazni, Afghanistan; at least 12 fighters were killed.",
            EventType.ASSAULT)
    assert "REB" not in [a.sector for a in s.actors.target]


def test_the_subject_of_a_subordinate_clause_holding_the_head_is_the_doer() -> None:
    s = one("Belgium has stayed on alert since Islamic State gunmen carried out a series of attacks in Brussels.",
            EventType.ASSAULT, "attacks")
    assert src(s) == ["ISIS"]
    s = one("Jordan closed its border after Syrian rebels shelled the crossing near Daraa.", EventType.ASSAULT)
    assert src(s) == ["SYR"]


def test_both_parties_named_after_between_are_the_parties_of_a_joint_act() -> None:
    s = one("Diplomats said the talks between rebels and the government of President Nicolas Maduro had stalled.",
            EventType.CONSULT)
    assert sorted([a.sector or a.code for a in s.actors.source + s.actors.target]) == ["REB", "VEN"]


def test_whose_attack_is_fought_back_is_the_doer_and_the_fighters_the_target() -> None:
    s = one("Dozens of Ukrainian soldiers died while fighting back a Russian offensive near Bakhmut.",
            EventType.ASSAULT)
    assert src(s) == ["RUS"]
    assert tgt(s) == ["UKR"]


def test_the_possessor_of_the_victims_is_the_target_and_the_attack_noun_names_the_doer() -> None:
    s = one("Nigeria's soldiers were killed in a Boko Haram ambush near Maiduguri.", EventType.ASSAULT)
    assert src(s) == ["BOKOHARAM"]
    assert tgt(s) == ["NGA"]
    assert [a.sector for a in s.actors.target] == ["MIL"]


def test_a_by_phrase_of_the_heads_object_is_not_the_doer() -> None:
    s = one("Saudi jets bombed a clinic run by Houthi rebels in Saada, Yemen.", EventType.ASSAULT)
    assert src(s) == ["SAU"]


def test_political_opponents_are_a_generic_opposition() -> None:
    s = one("The president threatened his political opponents with prison in Caracas, Venezuela.",
            EventType.THREATEN)
    assert [a.sector for a in s.actors.target] == ["OPP"]


def test_the_subject_of_a_demands_that_clause_is_its_target() -> None:
    s = one("Erdogan demanded that the United States hand over the cleric.", EventType.REQUEST)
    assert src(s) == ["TUR"]
    assert tgt(s) == ["USA"]


def test_whose_exit_or_accession_is_negotiated_is_a_party_of_the_talks() -> None:
    s = one("Brussels began negotiating Ukraine's accession on Tuesday.", EventType.CONSULT)
    assert "UKR" in src(s) + tgt(s)


def test_the_doers_own_forces_after_the_head_are_not_its_target() -> None:
    s = one("Paris will deploy more French special forces to hunt down Islamic State cells in Mali.",
            EventType.MOBILIZE)
    assert src(s) == ["FRA"]
    assert tgt(s) == ["ISIS"]


def test_the_subject_of_a_passive_attack_is_hit_not_the_town_it_stands_in() -> None:
    s = one("The Turkish embassy in Baghdad was attacked by nationalists on Friday.", EventType.ASSAULT)
    assert src(s) == []
    assert tgt(s) == ["TUR"]


def test_what_a_projectile_is_fired_at_is_the_target() -> None:
    s = one("The Houthis fired a ballistic missile at Riyadh on Sunday.", EventType.ASSAULT)
    assert src(s) == ["HOUTHIS"]
    assert tgt(s) == ["SAU"]


def test_a_later_mention_naming_only_victims_of_no_state_joins_the_event() -> None:
    body = ("Militants set off a car bomb outside a police station on Monday. "
            "During the hour of bombing at least 14 people died.")
    attacks = [s for s in signals_of(body) if s.type == EventType.ASSAULT]
    assert len(attacks) == 1, [(s.evidence.trigger, s.actors) for s in attacks]
    assert "CVL" in [a.sector for a in attacks[0].actors.target]


def test_the_parties_of_the_battle_victims_fell_in_are_its_parties() -> None:
    s = one("A man was killed and three were wounded, in a battle between troops and gunmen in Derry.",
            EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["MIL"]
    assert [a.sector for a in s.actors.target] == ["UAF"]


def test_the_people_an_attack_is_aimed_at_are_its_target() -> None:
    s = one("ETA admitted the bombings, which were aimed at civilians, in a statement to a Basque newspaper.",
            EventType.ASSAULT, "bombings")
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_whom_an_arrest_takes_counted_loosely_or_named_by_a_common_noun_is_its_target() -> None:
    s = one("Egypt now imprisons more reporters than any other country in Africa.", EventType.COERCE)
    assert [a.sector for a in s.actors.target] == ["OPP"]
    s = one("Iran has detained several foreign nationals in Tehran this year.", EventType.COERCE)
    assert [a.sector for a in s.actors.target] == ["CVL"]


def test_whose_positions_an_attack_hits_told_by_its_is_the_speaker_named_before_the_doer() -> None:
    s = one("Azerbaijan said Armenian-backed separatists shelled its positions near Tartar.", EventType.ASSAULT)
    assert tgt(s) == ["AZE"]
    assert "ARM" not in src(s) + tgt(s)


def test_a_state_that_warns_is_the_source_warned_opens_on_no_noun_of_war() -> None:
    s = one("Iran warned the United States against any military action in the Gulf.", EventType.THREATEN)
    assert src(s) == ["IRN"]
    assert tgt(s) == ["USA"]
    s = one("The Iraq war cost the United States trillions.", EventType.ASSAULT)
    assert tgt(s) == ["IRQ"]


def test_whom_a_seizure_is_criticized_or_condemned_for_is_its_doer() -> None:
    s = one("Obama criticized Putin for the annexation of Crimea.", EventType.COERCE)
    assert src(s) == ["RUS"]
    assert tgt(s) == ["UKR"]


def test_the_subject_of_a_verb_of_undergoing_is_the_target() -> None:
    s = one("Belarus faces new sanctions from the European Union over the election.", EventType.SANCTION)
    assert src(s) == ["EU"]
    assert tgt(s) == ["BLR"]
    s = one("Mali has suffered attacks from Islamic State fighters since 2015.", EventType.ASSAULT)
    assert tgt(s) == ["MLI"]
    assert "MLI" not in src(s)


# ------------------------------------------- reported doers, by-phrases, one victim, areas struck


def test_a_report_naming_another_subject_does_not_make_the_speaker_the_doer() -> None:
    s = one("Erdogan said the plotters had bombed him at his hotel.", EventType.ASSAULT)
    assert src(s) == []
    assert tgt(s) == ["TUR"]  # "him": the speaker


def test_a_report_whose_subject_is_a_pronoun_keeps_the_speaker_as_the_doer() -> None:
    s = one("Israel said it had bombed Hamas positions in Gaza.", EventType.ASSAULT)
    assert src(s) == ["ISR"]


def test_a_by_phrase_with_words_describing_a_generic_doer_names_the_doer() -> None:
    s = one("The convoy was ambushed by heavily armed insurgents near Kandahar.", EventType.ASSAULT)
    assert [a.sector for a in s.actors.source] == ["INS"]
    assert tgt(s) == []


def test_a_by_phrase_after_an_aside_set_off_by_dashes_names_the_doer() -> None:
    s = one("There were two attacks — in Kabul and Herat — by armed militants on Friday.", EventType.ASSAULT)
    assert [a.text for a in s.actors.source] == ["militants"]


def test_a_person_a_participle_describes_is_the_target_and_the_clause_subject_no_doer() -> None:
    s = one("Obama praised the family of a slain soldier from Kandahar.", EventType.ASSAULT)
    assert src(s) == []
    assert [(a.code, a.sector) for a in s.actors.target] == [("AFG", "MIL")]


def test_one_person_an_attack_takes_as_its_object_is_its_target() -> None:
    s = one("Militants beheaded a soldier in Kandahar.", EventType.ASSAULT)
    assert [(a.code, a.sector) for a in s.actors.target] == [("AFG", "MIL")]


def test_the_town_whose_areas_an_attack_hits_is_its_target() -> None:
    s = one("Russian jets bombed villages near Idlib on Tuesday.", EventType.ASSAULT)
    assert src(s) == ["RUS"]
    assert tgt(s) == ["SYR"]
    s = one("Government helicopters dropped barrel bombs on residential areas of Aleppo.", EventType.ASSAULT)
    assert tgt(s) == ["SYR"]


def test_a_later_mention_naming_only_the_doer_gives_the_attack_told_before_its_doer() -> None:
    signals = signals_of("A car bomb exploded outside a police station in Bilbao on Friday, killing four people. "
                         "The attack was claimed by ETA.")
    attacks = [s for s in signals if s.type == EventType.ASSAULT]
    assert len(attacks) == 1
    assert src(attacks[0]) == ["ETA"]
    assert tgt(attacks[0]) == ["ESP"]
    # an attack told without a determiner of one told before is another event
    signals = signals_of("A car bomb exploded outside a police station in Bilbao on Friday, killing four people. "
                         "Separately, Islamic State militants attacked a village in Syria.")
    assert len([s for s in signals if s.type == EventType.ASSAULT]) == 2


def _speaker_not_doer(text: str, head: str) -> tuple[bool, str | None]:
    from service.detection.detector import _context
    from service.detection.lexicon import load_lexicon, lower_forms
    from service.detection.roles import speaker_not_doer
    from service.detection.text import Span

    _lower, blower = lower_forms(text)
    ctx = _context(load_lexicon(), text, blower, Span(0, len(text)))
    at = text.index(head)
    unnamed, speaker = speaker_not_doer(text, ctx, 0, at, at + len(head))
    return unnamed, speaker.code if speaker is not None else None


def test_the_sense_models_signals_read_a_report_naming_another_subject_as_the_rules_do() -> None:
    # the check the signals the sense model adds use (they take the names around the trigger)
    assert _speaker_not_doer('Obama said the Republicans had "viciously attacked" him on Sunday.', "attacked") \
        == (True, "USA")
    assert _speaker_not_doer("Obama said the Republicans had attacked the plan.", "attacked") == (True, None)
    assert _speaker_not_doer("Obama said he had attacked the plan.", "attacked") == (False, None)


# ----------------------------------------------------------------- a state under a measure


def test_a_state_under_sanctions_is_their_target_and_their_owner_the_source() -> None:
    s = one("North Korea is under heavy U.N. sanctions.", EventType.SANCTION)
    assert (src(s), tgt(s)) == (["UN"], ["PRK"])
    s = one("Iran, which is under U.S. sanctions, sold oil to China.", EventType.SANCTION)
    assert (src(s), tgt(s)) == (["USA"], ["IRN"])
    s = one("Venezuela remains under American sanctions.", EventType.SANCTION)
    assert (src(s), tgt(s)) == (["USA"], ["VEN"])


def test_troops_under_orders_to_attack_are_not_its_target() -> None:
    s = one("Russian troops are under orders to attack Kharkiv.", EventType.ASSAULT)
    assert "RUS" not in tgt(s)


def test_a_state_targeted_by_strikes_is_their_target() -> None:
    s = one("Ukraine was targeted by Russian missile strikes overnight.", EventType.ASSAULT)
    assert (src(s), tgt(s)) == (["RUS"], ["UKR"])
    s = one("Israel was targeted by Iranian drones and missiles.", EventType.ASSAULT)
    assert (src(s), tgt(s)) == (["IRN"], ["ISR"])


def test_the_doer_named_inside_a_head_of_harm_is_its_source() -> None:
    """"killed in RSF attacks" is one head; the name after its "in" is the doer, not a victim."""
    s = one("Sudanese civilians were killed in RSF attacks on El Fasher.", EventType.ASSAULT)
    assert (src(s), tgt(s)) == (["RSF"], ["SDN"])
    s = one("Three Israelis were wounded in a Hamas rocket attack.", EventType.ASSAULT)
    assert (src(s), tgt(s)) == (["HAMAS"], ["ISR"])


def test_the_state_whose_supplies_are_blocked_is_the_target() -> None:
    s = one("Chinese coast guard vessels blocked a Philippine resupply mission.", EventType.COERCE)
    assert (src(s), tgt(s)) == (["CHN"], ["PHL"])
    s = one("Russia blocked Ukrainian supply routes.", EventType.COERCE)
    assert (src(s), tgt(s)) == (["RUS"], ["UKR"])


# ------------------------------------------------------------------- whom a threat is aimed at


def test_a_state_a_threatened_strike_is_aimed_at_is_the_target() -> None:
    for text, roles in (("Israel vowed to strike back at Iran.", (["ISR"], ["IRN"])),
                        ("Israel threatened to strike at Iran.", (["ISR"], ["IRN"])),
                        ("Iran vowed to hit back at Israel after the strike.", (["IRN"], ["ISR"]))):
        s = one(text, EventType.THREATEN)
        assert (src(s), tgt(s)) == roles, text
    # "at" a news conference is where a threat was made, not whom it is aimed at
    s = one("Iran's defence minister threatened retaliation at a news conference in Tehran.", EventType.THREATEN)
    assert tgt(s) == []


# ------------------------------------------------------------------- warned, urged or barred


def test_the_one_warned_urged_or_barred_is_the_doer_of_the_act_not_the_warner() -> None:
    for text, etype, source in (
        ("The United States warned Russia against invading Ukraine.", EventType.ASSAULT, ["RUS"]),
        ("Washington urged Israel not to attack Iran.", EventType.ASSAULT, ["ISR"]),
        ("Germany called on Russia to withdraw its troops from the border.", EventType.RETREAT, ["RUS"]),
        ("China warned the United States against sending warships to the Taiwan Strait.", EventType.MOBILIZE, ["USA"]),
    ):
        assert src(one(text, etype)) == source, text
    # whoever orders an attack answers for it: the order is no warning
    assert src(one("Putin ordered troops to attack Kharkiv.", EventType.ASSAULT, "attack")) == ["RUS"]
    # whom the act would be done to stays its target
    assert tgt(one("The United States warned Russia against invading Ukraine.", EventType.ASSAULT)) == ["UKR"]
