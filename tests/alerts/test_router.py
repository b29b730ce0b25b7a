"""Routing: each filter, the index against a brute-force reference, reasons, deterministic ids."""

from __future__ import annotations

import random

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Genre, Modality
from service.alerts.router import Router, alert_id, keyword_text


def names(router: Router, signal) -> list[str]:
    return [m.subscription.name for m in router.match(signal)]


def test_each_filter_selects(make_signal, make_subs, sub) -> None:
    subs = make_subs({"subscriptions": [
        sub("all"),
        sub("types", filters={"types": ["ASSAULT", "MOBILIZE"]}),
        sub("wrong-type", filters={"types": ["AID"]}),
        sub("sev5", filters={"min_severity": 5}),
        sub("sev4", filters={"min_severity": 4}),
        sub("actor", filters={"actors": ["UKR"]}),
        sub("actor-no", filters={"actors": ["CHN"]}),
        sub("country", filters={"countries": ["UKR"]}),
        sub("country-no", filters={"countries": ["POL"]}),
        sub("kw", filters={"keywords": ["troops near"]}),
        sub("kw-part", filters={"keywords": ["troop"]}),  # whole words only
        sub("kw-title", filters={"keywords": ["masses"]}),
        sub("spec", filters={"modalities": ["speculative"]}),
    ]})
    r = Router(subs)
    got = names(r, make_signal(severity=4))
    assert got == ["all", "types", "sev4", "actor", "country", "kw", "kw-title"]
    assert names(r, make_signal(modality="speculative")) == ["spec"]
    assert names(r, make_signal(modality="denied")) == []


def test_default_modalities_are_asserted_and_scheduled(make_signal, make_subs, sub) -> None:
    r = Router(make_subs({"subscriptions": [sub("a")]}))
    for m in Modality:
        assert bool(r.match(make_signal(modality=m.value))) == (m in ALERT_WORTHY_MODALITIES)


def opinion(signal):
    """The signal as found in a column (``article.genre: opinion``)."""
    return signal.model_copy(update={"article": signal.article.model_copy(update={"genre": Genre.OPINION})})


def test_opinion_alerts_only_subscriptions_that_ask_for_it(make_signal, make_subs, sub) -> None:
    r = Router(make_subs({"subscriptions": [sub("default"), sub("both", filters={"genres": ["news", "opinion"]}),
                                            sub("columns", filters={"genres": "opinion"})]}))
    assert names(r, make_signal()) == ["default", "both"]
    assert names(r, opinion(make_signal())) == ["both", "columns"]
    (m,) = [m for m in r.match(opinion(make_signal())) if m.subscription.name == "columns"]
    assert m.matched[-1] == "genre opinion"


def test_match_explains_why(make_signal, make_subs, sub) -> None:
    r = Router(make_subs({"subscriptions": [sub("ops", filters={
        "types": ["MOBILIZE"], "min_severity": 3, "actors": ["RUS", "CHN"], "countries": ["UKR"],
        "keywords": ["border"]})]}))
    (m,) = r.match(make_signal(severity=4))
    assert m.matched == ["subscription ops", "type MOBILIZE", "severity 4 >= 3", "actor RUS",
                         "country UKR", "keyword 'border'"]


def test_no_location_fails_a_country_filter(make_signal, make_subs, sub) -> None:
    r = Router(make_subs({"subscriptions": [sub("c", filters={"countries": ["UKR"]})]}))
    assert r.match(make_signal(place=None)) == []


def test_alert_id_is_deterministic() -> None:
    assert alert_id("ops", "g", "new", "s1") == alert_id("ops", "g", "new", "s1")
    assert alert_id("ops", "g", "new", "s1") != alert_id("ops", "g", "new", "s2")
    # parts are separated: ("ab","c") is not ("a","bc")
    assert alert_id("ab", "c") != alert_id("a", "bc")


# --- the index agrees with a brute-force evaluation of every filter -------------------------------

TYPES = [t.value for t in EventType]
CODES = ["RUS", "UKR", "USA", "NATO", "CHN", "POL"]
WORDS = ["troops", "border", "summit", "sanctions", "missile strike"]


def brute(subs, signal) -> list[str]:
    out = []
    text = keyword_text(signal)
    for s in subs.subscriptions:
        f = s.filters
        codes = {a.code for a in signal.actors.source + signal.actors.target}
        country = signal.location.country if signal.location else None
        if f.types and signal.type not in f.types:
            continue
        if signal.modality not in f.modalities or signal.severity < f.min_severity:
            continue
        if signal.article.genre not in f.genres:
            continue
        if f.actors and not codes & set(f.actors):
            continue
        if f.countries and country not in f.countries:
            continue
        if f.keywords and not any(f" {k} " in f" {text.replace(',', ' ').replace('.', ' ')} "
                                  for k in f.keywords):
            continue
        out.append(s.name)
    return out


def random_filters(rng: random.Random) -> dict:
    f: dict = {}
    if rng.random() < 0.7:
        f["types"] = rng.sample(TYPES, rng.randint(1, 4))
    if rng.random() < 0.3:
        f["min_severity"] = rng.randint(1, 5)
    if rng.random() < 0.4:
        f["actors"] = rng.sample(CODES, rng.randint(1, 2))
    if rng.random() < 0.3:
        f["countries"] = rng.sample(CODES[:3], 1)
    if rng.random() < 0.2:
        f["keywords"] = rng.sample(WORDS, 1)
    if rng.random() < 0.2:
        f["modalities"] = ["asserted", "speculative"]
    if rng.random() < 0.2:
        f["genres"] = rng.choice([["opinion"], ["news", "opinion"]])
    return f


def test_index_matches_brute_force_random(make_signal, make_subs) -> None:
    rng = random.Random(20240414)
    subs = make_subs({"subscriptions": [
        {"name": f"s{i}", "urls": ["json://127.0.0.1:9/x"], "filters": random_filters(rng)}
        for i in range(300)
    ]})
    r = Router(subs)
    for n in range(400):
        w = rng.choice(WORDS)
        sig = make_signal(
            n,
            type=rng.choice(TYPES),
            modality=rng.choice(["asserted", "scheduled", "speculative", "denied"]),
            severity=rng.randint(1, 5),
            source=rng.sample(CODES, rng.randint(0, 2)),
            target=rng.sample(CODES, rng.randint(0, 1)),
            country=rng.choice([None, "RUS", "UKR", "USA"]),
            place=rng.choice([None, "somewhere"]),
            sentence=f"Officials said the {w} were reported today.",
            trigger=w,
            title="A headline",
        )
        if rng.random() < 0.3:
            sig = opinion(sig)
        assert names(r, sig) == brute(subs, sig), sig.model_dump_json()
