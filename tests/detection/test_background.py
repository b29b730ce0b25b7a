"""Past events told as background are historical, not alerts: a clause dated by a year, a named
past war; and the look-alikes that are no event of their type (a campaign's verbal attacks, a war
that "threatens to become" wider, sanctions named as a standing condition)."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from tests.detection.conftest import WIRE_PUBLISHED as PUBLISHED
from tests.detection.conftest import signals_of, typed


def alerts(text: str, etype: EventType, published: str = PUBLISHED) -> list:
    return [s for s in typed(text, etype, published) if s.modality in ALERT_WORTHY_MODALITIES]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Paiboon, a senior member of the junta that seized power in a 2014 coup, said Thailand would build "
         "more prisons.", EventType.COERCE),
        ("Humayun, an Army captain who was killed in a 2004 car bombing in Iraq, was his son.", EventType.ASSAULT),
        ("Zarqawi was killed in 2006 by a US airstrike.", EventType.ASSAULT),
        ("In March 1942, just months after the Japanese bombed the harbour, the U.S. Army began to build a road.",
         EventType.ASSAULT),
        ("Trump, in condemning the Iraq invasion, declared in his speech that the world must know.",
         EventType.ASSAULT),
    ],
)
def test_a_past_event_told_as_background_is_historical(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, text
    assert all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text", ["The junta seized power in 2014.", "Government forces besieged the city in February 2014."]
)
def test_a_past_year_makes_history_even_when_the_publication_date_is_earlier(text: str) -> None:
    # An undated text read as published in 2000: a past-tense clause dated 2014 is still background.
    found = [s for s in signals_of(text, "2000-01-01") if s.type == EventType.COERCE]
    assert found and all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text",
    [
        "Rebels attacked an army post in Aleppo on Monday, killing 12 soldiers.",
        "In 2016, rebels attacked an army post in Aleppo on Monday.",
    ],
)
def test_news_of_the_day_stays_asserted(text: str) -> None:
    assert alerts(text, EventType.ASSAULT), text


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Trump said the Khans had viciously attacked him at the Democratic convention.", EventType.ASSAULT),
        ("With the execution, the proxy war between the Saudis and Iran has threatened to become a direct conflict.",
         EventType.THREATEN),
        ("Two of the men are on the U.S. sanctions list.", EventType.SANCTION),
        ("North Korea has been under UN sanctions since 2006.", EventType.SANCTION),
        ("Related: 7 things that are harder to get than an assault weapon.", EventType.ASSAULT),
        ("The warships of Europe and the United States practised amphibious assaults in the Baltic.",
         EventType.ASSAULT),
    ],
)
def test_look_alikes_raise_no_alert(text: str, etype: EventType) -> None:
    assert not alerts(text, etype), [(s.evidence.trigger, s.modality) for s in alerts(text, etype)]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Iran threatened to close the Strait of Hormuz on Monday.", EventType.THREATEN),
        ("The EU imposed new sanctions on Russia on Monday.", EventType.SANCTION),
        ("Gunmen attacked a police station in Peshawar on Tuesday, killing four officers.", EventType.ASSAULT),
    ],
)
def test_the_real_event_next_to_a_look_alike_still_alerts(text: str, etype: EventType) -> None:
    assert alerts(text, etype), text


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a court frame: the attack is the act on trial
        ("Ms Savchenko is accused of directing the artillery fire in eastern Ukraine in which the two journalists "
         "died.", EventType.ASSAULT),
        # a perfect-tense summary opened by "since"
        ("Since that deal was implemented, it has conducted multiple illegal missile tests, cracked down even "
         "harder on human rights and sent troops to Syria.", EventType.MOBILIZE),
        ("Since that deal was implemented, it has conducted multiple illegal missile tests, cracked down even "
         "harder on human rights and sent troops to Syria.", EventType.COERCE),
        # a standing stance, not a new threat
        ("The U.N. Security Council has long threatened to impose an arms embargo on South Sudan.", EventType.THREATEN),
        # a definite mention of an event told in the sentence before, dated by an old year
        ("In 1995 and 1996, they seized hundreds of hostages in hospitals in the Dagestani towns of Budennovsk "
         "and Kizlyar. Scores died in the attacks.", EventType.ASSAULT),
        # ... or in a sentence before that, and a mention that carries the story on
        ("Photos: World War II in pictures A view of U.S. ships in Pearl Harbor, Hawaii, after the Japanese attack "
         "on December 7, 1941. The USS West Virginia and USS Tennessee are in the foreground. The attack destroyed "
         "more than half the fleet. Japan also attacked Clark and Iba airfields in the Philippines.",
         EventType.ASSAULT),
        # a history cue earlier in the sentence governs an undated past clause after it
        ("President Obama on Friday marked the anniversary of the massacre of Armenians but stopped short of "
         "labeling it a genocide, recalling the day when Armenian people were deported, massacred, and marched "
         "to their deaths.", EventType.ASSAULT),
        # ... also a noun told in a past sentence
        ("Scholars estimate that under Stalin, more than 1 million people were executed in political purges "
         "and millions more died as a result of harsh labor and cruel treatment in the vast gulag prison camp "
         "system, mass starvation in Ukraine and southern Russia, and deportations of ethnic minorities.",
         EventType.COERCE),
        # an event named as the time before which something held is background
        ("Russia massed troops on the border prior to the invasion, officials said.", EventType.MOBILIZE),
        # "that year" dates a clause by the year of the one before
        ("Zarqawi was killed by a US airstrike. The US increased its troop presence in Iraq that year.",
         EventType.MOBILIZE),
    ],
)
def test_history_told_without_a_year_of_its_own_is_historical(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, text
    assert all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text",
    [
        "The use of air power by America and its allies, which have included France, Canada and 11 other "
        "countries since the bombing raids began in August 2014, has been instrumental.",
        "The Cafetería Rolando bombing was an attack on 13 September 1974 at the Rolando cafe in Madrid, Spain "
        "which killed 13 people and wounded 71.",
    ],
)
def test_a_noun_told_in_the_past_with_an_old_date_is_historical(text: str) -> None:
    # Read as published in 2000 (no publication date), as in the real-news sets: a past-tense
    # event dated after the publication, or a noun whose past verb follows it, is background.
    found = [s for s in signals_of(text, "2000-01-01") if s.type == EventType.ASSAULT]
    assert found and all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


def test_a_question_asserts_nothing() -> None:
    found = typed("So who bombed the hospital in Aleppo?", EventType.ASSAULT)
    assert found and all(s.modality == Modality.SPECULATIVE for s in found)


def test_an_undated_attack_in_a_court_story_is_the_act_on_trial() -> None:
    from schemas.article import Article
    from service.detection import detect

    body = ("A federal jury on Monday convicted a friend of the Boston Marathon bombing suspect of obstructing "
            "the investigation. Prosecutors said the friend removed a backpack from the suspect's room. "
            "Twin bombs exploded near the finish line of the marathon, killing three people. "
            "His sentencing is scheduled for October 16.")
    art = Article.model_validate({"id": "court", "title": "Court Convicts Friend of Boston Bombing Suspect",
                                  "body": body, "published_at": "2014-07-21T00:00:00Z"})
    found = [s for s in detect(art) if s.type == EventType.ASSAULT]
    assert found and all(s.modality not in ALERT_WORTHY_MODALITIES for s in found), [
        (s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text",
    [
        "Gunmen attacked a checkpoint near Kabul on Monday. The attack killed five soldiers.",
        "In 2014, Russia annexed Crimea. Russian troops attacked the village of Pisky on Monday, killing two.",
        "Prosecutors said the gunman opened fire on worshippers at the mosque on Friday, killing 12.",
    ],
)
def test_news_of_the_day_after_background_stays_asserted(text: str) -> None:
    assert alerts(text, EventType.ASSAULT), [(s.evidence.trigger, s.modality) for s in typed(text, EventType.ASSAULT)]
