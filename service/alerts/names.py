"""Readable names for actor and country codes, for messages: ``RUS`` -> ``Russia``.

States: ISO 3166-1 alpha-3 names from ``pycountry`` (its ``common_name`` where it has one, so
``IRN`` is "Iran", not "Iran, Islamic Republic of"). Everything else (``NATO``, ``RSF``, the
sector codes ``REB`` / ``MIL``, the user-assigned ``XKX`` for Kosovo) comes from the detector's
own gazetteer data (``service/detection/data/gazetteer.tsv`` and ``sectors.tsv``), so a code the
detector can emit always has the name the detector's data gives it.

``label(code)`` is what a message shows: ``"RUS (Russia)"``, ``"REB (rebels)"``, and just
``"NATO"`` when the name is the code itself.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

_DATA_FILES = ("gazetteer.tsv", "sectors.tsv")
# Kinds whose ``name`` column names the code itself (a leader's name is not the name of NATO).
_NAMING_KINDS = frozenset({"state", "igo", "group", "sector"})


def _readable(country_name: str) -> str:
    """'Congo, The Democratic Republic of the' -> 'The Democratic Republic of the Congo'."""
    head, sep, tail = country_name.partition(", ")
    return f"{tail} {head}" if sep else country_name


@cache
def _gazetteer_names() -> dict[str, str]:
    names: dict[str, str] = {}
    data = resources.files("service.detection").joinpath("data")
    for filename in _DATA_FILES:
        with data.joinpath(filename).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                code, kind, name = row.get("code") or "", row.get("kind") or "", row.get("name") or ""
                if code and name and kind in _NAMING_KINDS:
                    names.setdefault(code, name.removeprefix("the "))  # first row wins
    return names


@cache
def name_of(code: str) -> str | None:
    """The readable name of an actor or country code, or None when nothing knows it."""
    code = code.strip().upper()
    if not code:
        return None
    if len(code) == 3 and code.isalpha():
        import pycountry

        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            return getattr(country, "common_name", None) or _readable(country.name)
    return _gazetteer_names().get(code)


def label(code: str) -> str:
    """``"RUS (Russia)"``; the bare code when its name is the code or unknown."""
    name = name_of(code)
    if not name or name.upper() == code.upper():
        return code
    return f"{code} ({name})"
