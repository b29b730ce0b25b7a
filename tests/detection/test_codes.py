"""The codes configuration is checked against: what the detector can emit, and suggestions."""

from __future__ import annotations

import pytest

from service.detection.codes import build_codebooks, codebook, unknown_code_message

ROWS = [
    {"surface": "Ukraine", "code": "UKR", "kind": "state", "country": "UKR", "name": "Ukraine"},
    {"surface": "Kyiv", "code": "KYIV", "kind": "capital", "country": "UKR", "name": "Kyiv"},
    {"surface": "Kharkiv", "code": "KHARKIV", "kind": "city", "country": "UKR", "name": "Kharkiv"},
    {"surface": "Black Sea", "code": "BLACKSEA", "kind": "region", "country": "", "name": "Black Sea"},
    {"surface": "Kremlin", "code": "RUS", "kind": "metonym", "country": "RUS", "name": "Russia"},
    {"surface": "NATO", "code": "NATO", "kind": "igo", "country": "", "name": "NATO"},
]


def test_codes_follow_the_detectors_rules() -> None:
    books = build_codebooks(ROWS)
    # a city or region acts for its country; a region without one keeps its own code
    assert books["actor"].codes == {"UKR", "KYIV", "RUS", "NATO", "BLACKSEA"}
    # a signal's country: the row's country, or a state's own code; seas have none
    assert books["country"].codes == {"UKR", "RUS"}


@pytest.mark.parametrize(
    ("kind", "value", "hint"),
    [
        ("country", "Ukraine", ["UKR"]),  # a name
        ("country", "  kharkiv ", ["UKR"]),  # a name, any case and spacing
        ("country", "UKRR", ["UKR"]),  # a near-miss code
        ("country", "Ukriane", ["UKR"]),  # a misspelt name
        ("actor", "Kremlin", ["RUS"]),
        ("actor", "NAT0", ["NATO"]),
        ("country", "ZZZZZZZZ", []),
    ],
)
def test_suggestions(kind: str, value: str, hint: list[str]) -> None:
    assert build_codebooks(ROWS)[kind].suggest(value) == hint  # type: ignore[index]


def test_the_real_gazetteer() -> None:
    assert {"UKR", "RUS", "USA", "PSE", "TWN", "XKX"} <= codebook("country").codes
    assert {"NATO", "EU", "UN", "HAMAS", "REB"} <= codebook("actor").codes
    assert "NATO" not in codebook("country").codes  # no signal is located in NATO
    assert unknown_code_message("country", "ukr") is None
    assert unknown_code_message("country", "Ukraine") == "unknown country 'Ukraine': did you mean UKR?"
    assert unknown_code_message("actor", "Putin") == "unknown actor 'Putin': did you mean RUS?"


def test_every_code_the_detector_emits_on_the_seeds_is_known() -> None:
    from pathlib import Path

    from service.detection import detect
    from service.inputs import read_articles

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    actors: set[str] = set()
    countries: set[str] = set()
    for parsed in read_articles([str(seeds)]):
        if parsed.article is None:
            continue
        for s in detect(parsed.article):
            actors |= {a.code for a in (*s.actors.source, *s.actors.target)}
            if s.location is not None and s.location.country:
                countries.add(s.location.country)
    assert actors and countries
    assert actors <= codebook("actor").codes
    assert countries <= codebook("country").codes
