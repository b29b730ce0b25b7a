"""The committed gazetteer is a reviewed data file: check its shape and the rows the detector relies on.

Loaded with the stdlib csv module exactly as a consumer without the project's code would, so a
malformed row (a stray tab, a quote, a lowercase surface, a missing coordinate) fails here rather
than as a silently unresolved actor at run time.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GAZETTEER = ROOT / "service" / "detection" / "data" / "gazetteer.tsv"
BUILDER = ROOT / "scripts" / "build_gazetteer.py"
COLUMNS = ["surface", "code", "kind", "country", "lat", "lon", "name"]
KINDS = {"state", "demonym", "capital", "metonym", "igo", "group", "leader", "city", "region"}
ISO3 = re.compile(r"^[A-Z]{3}$")
LOWER_PARTICLE = re.compile(r"^(al|el|ad|an|as|ash|at|az|ibn|bin|von|van|de|du|la|le)[- ]")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with GAZETTEER.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        assert reader.fieldnames == COLUMNS
        out = list(reader)
    assert all(None not in r and all(v is not None for v in r.values()) for r in out), "ragged row"
    return out


def _index(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["surface"], r["kind"]): r for r in rows}


def test_header_is_exact() -> None:
    first = GAZETTEER.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.split("\t") == COLUMNS


def test_size_stays_small() -> None:
    assert GAZETTEER.stat().st_size < 1_000_000


def test_kinds_are_allowed(rows: list[dict[str, str]]) -> None:
    assert {r["kind"] for r in rows} <= KINDS
    assert {r["kind"] for r in rows} == KINDS, "every kind should be represented"


def test_state_codes_are_iso_alpha3(rows: list[dict[str, str]]) -> None:
    bad = [
        r
        for r in rows
        if r["kind"] in {"state", "demonym", "capital"} and not ISO3.match(r["code"])
    ]
    assert not bad
    bad_country = [r for r in rows if r["country"] and not ISO3.match(r["country"])]
    assert not bad_country


def test_codes_are_upper_case_tokens(rows: list[dict[str, str]]) -> None:
    assert all(re.match(r"^[A-Z][A-Z0-9]*$", r["code"]) for r in rows)


def test_coordinates_in_range_and_where_they_belong(rows: list[dict[str, str]]) -> None:
    for r in rows:
        if r["kind"] in {"capital", "city", "region"}:
            assert r["lat"] and r["lon"], f"place without coordinates: {r}"
        if r["kind"] in {"demonym", "metonym", "igo", "group", "leader"}:
            assert not r["lat"] and not r["lon"], f"actor with coordinates: {r}"
        if r["lat"]:
            assert -90 <= float(r["lat"]) <= 90, r
            assert -180 <= float(r["lon"]) <= 180, r


def test_no_duplicate_surface_kind(rows: list[dict[str, str]]) -> None:
    dupes = [k for k, n in Counter((r["surface"], r["kind"]) for r in rows).items() if n > 1]
    assert not dupes


def test_no_lowercase_common_words(rows: list[dict[str, str]]) -> None:
    bad = [
        r["surface"]
        for r in rows
        if r["surface"][0].islower() and not LOWER_PARTICLE.match(r["surface"])
    ]
    assert not bad
    assert all(r["surface"] == r["surface"].strip() and r["surface"] for r in rows)


def test_sorted_for_stable_diffs(rows: list[dict[str, str]]) -> None:
    keys = [(r["surface"], r["kind"]) for r in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("surface", "kind", "code"),
    [
        ("Russia", "state", "RUS"),
        ("Russian Federation", "state", "RUS"),
        ("Russian", "demonym", "RUS"),
        ("Russians", "demonym", "RUS"),
        ("Kremlin", "metonym", "RUS"),
        ("White House", "metonym", "USA"),
        ("Pentagon", "metonym", "USA"),
        ("U.S.", "state", "USA"),
        ("US", "state", "USA"),
        ("United States", "state", "USA"),
        ("NATO", "igo", "NATO"),
        ("OSCE", "igo", "OSCE"),
        ("Organization for Security and Co-operation in Europe", "igo", "OSCE"),
        ("Organization for Security and Cooperation in Europe", "igo", "OSCE"),
        ("Kyiv", "capital", "UKR"),
        ("Kiev", "capital", "UKR"),
        ("Zelenskiy", "leader", "UKR"),
        ("Zelensky", "leader", "UKR"),
        ("Zelenskyy", "leader", "UKR"),
        ("Stoltenberg", "leader", "NATO"),
        ("Rutte", "leader", "NATO"),
        ("Guterres", "leader", "UN"),
        ("von der Leyen", "leader", "EU"),
        ("Hamas", "group", "HAMAS"),
        ("Taiwan", "state", "TWN"),
        ("Kosovo", "state", "XKX"),
        ("Türkiye", "state", "TUR"),
        ("Czechia", "state", "CZE"),
        ("Cote d'Ivoire", "state", "CIV"),
        ("Burma", "state", "MMR"),
        ("DPRK", "state", "PRK"),
        # historical states take their successor; office holders of the mid-2010s news
        ("Ottoman", "demonym", "TUR"),
        ("Soviet", "demonym", "RUS"),
        ("Dunford", "leader", "USA"),
        ("Zoabi", "leader", "SYR"),
        ("Jubeir", "leader", "SAU"),
        ("Duterte", "leader", "PHL"),
    ],
)
def test_key_actor_rows(rows: list[dict[str, str]], surface: str, kind: str, code: str) -> None:
    row = _index(rows).get((surface, kind))
    assert row is not None, f"missing {surface!r} ({kind})"
    assert row["code"] == code


@pytest.mark.parametrize(
    ("surface", "kind", "code", "lat", "lon"),
    [
        ("Moscow", "capital", "RUS", 55.75, 37.62),
        ("Geneva", "city", "CHE", 46.20, 6.15),
        ("Brussels", "capital", "BEL", 50.85, 4.35),
        ("Crimea", "region", "UKR", 45.0, 34.1),
        ("Washington", "capital", "USA", 38.90, -77.04),
        ("Kharkiv", "city", "UKR", 49.99, 36.23),
        ("Gaza Strip", "region", "PSE", 31.42, 34.38),
    ],
)
def test_key_place_rows(
    rows: list[dict[str, str]], surface: str, kind: str, code: str, lat: float, lon: float
) -> None:
    row = _index(rows).get((surface, kind))
    assert row is not None, f"missing {surface!r} ({kind})"
    assert row["code"] == code
    # Within about 0.3 degrees: a representative point, not a namesake on another continent.
    assert abs(float(row["lat"]) - lat) < 0.3 and abs(float(row["lon"]) - lon) < 0.3, row


def test_coverage(rows: list[dict[str, str]]) -> None:
    states = {r["code"] for r in rows if r["kind"] == "state"}
    assert len(states) >= 197  # 193 UN members, 2 observers, Taiwan, Kosovo
    cities = {r["name"] for r in rows if r["kind"] == "city"}
    assert len(cities) >= 400
    demonym_states = {r["code"] for r in rows if r["kind"] == "demonym"}
    assert len(demonym_states) >= 190


def test_seas_have_no_country(rows: list[dict[str, str]]) -> None:
    idx = _index(rows)
    for sea in ("Black Sea", "South China Sea", "Strait of Hormuz", "Red Sea", "Taiwan Strait"):
        row = idx[(sea, "region")]
        assert row["country"] == "" and row["lat"], row


def test_stoplisted_words_absent(rows: list[dict[str, str]]) -> None:
    surfaces = {r["surface"] for r in rows}
    assert not surfaces & {"Male", "Nice", "Split", "Reading", "Victoria", "Korea", "May"}


def _builder():
    """scripts/build_gazetteer.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_gazetteer", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_gazetteer", module)
    spec.loader.exec_module(module)
    return module


def test_every_row_comes_from_the_reviewed_inputs(rows: list[dict[str, str]]) -> None:
    """The TSV is generated: a hand edit, or an input edit without a rebuild, fails here."""
    declared = {(r.surface, r.code, r.kind, r.country, r.name) for r in _builder().declared_rows()}
    committed = {(r["surface"], r["code"], r["kind"], r["country"], r["name"]) for r in rows}
    assert not committed - declared, "rows not in scripts/gazetteer/: rebuild the TSV"
    assert not declared - committed, "input rows missing from the TSV: rebuild the TSV"


def test_no_placeholder_coordinates(rows: list[dict[str, str]]) -> None:
    at_origin = [
        r["surface"] for r in rows if r["lat"] and float(r["lat"]) == 0 and float(r["lon"]) == 0
    ]
    assert not at_origin


@pytest.mark.parametrize(
    ("surface", "code", "lat", "lon"),
    [
        ("Baghlan", "AFG", 35.7, 68.9),
        ("Helmand province", "AFG", 31.4, 64.3),
        ("Zamfara", "NGA", 12.2, 6.2),
        ("Lower Shabeelle region", "SOM", 1.9, 44.7),
        ("Pattani", "THA", 6.8, 101.3),
        # the wire's spellings (province_names.txt) name the same division, with its point
        ("Nineveh province", "IRQ", 36.3, 43.1),
        ("Kunar", "AFG", 34.9, 71.1),
        ("West Darfur", "SDN", 13.5, 22.5),
        ("Hadramout", "YEM", 15.5, 49.0),
    ],
)
def test_first_level_divisions_are_places_of_their_state(
    rows: list[dict[str, str]], surface: str, code: str, lat: float, lon: float
) -> None:
    """provinces.txt (scripts/build_provinces.py): a province places an event in its state; its
    point is inside the province (the median of its cities, within about a degree here)."""
    row = _index(rows).get((surface, "region"))
    assert row is not None, f"missing {surface!r}"
    assert (row["code"], row["country"]) == (code, code)
    assert abs(float(row["lat"]) - lat) < 1.0 and abs(float(row["lon"]) - lon) < 1.0, row


def test_divisions_that_are_common_words_or_compass_points_have_no_bare_surface(rows: list[dict[str, str]]) -> None:
    surfaces = {r["surface"] for r in rows}
    assert not surfaces & {"Delta", "Plateau", "Rivers", "Unity", "Southwest", "Northern", "Batman", "Ngozi"}
    assert {"Delta state", "Plateau State", "Unity state", "Batman province"} <= surfaces
    assert "Mexico State" not in surfaces  # a state's name: "Mexico State authorities" are Mexico's
    # a wire spelling follows the same rules: an ancient city, a name shared across borders
    assert not surfaces & {"Babylon", "Kurdistan"}
    assert {"Babylon province", "Kurdistan province"} <= surfaces
