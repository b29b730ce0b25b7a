"""The actor and country codes the detector can emit, read from its gazetteer, with suggestions.

Subscription filters and silences name actors (``RUS``, ``NATO``) and countries (``UKR``) by the
codes the detector assigns. A value the detector never emits (``Ukraine``, ``UKRR``) would make
a filter that silently never matches, so configuration is checked against these sets at load,
and a wrong value gets a suggestion: a name the gazetteer knows (``Ukraine`` -> ``UKR``,
``Kremlin`` -> ``RUS``) or a near-miss code (``UKRR`` -> ``UKR``).

The sets follow the detector's own rules (``roles._actor_code`` and ``roles._to_location``):

- an actor code is a row's ``code``, except that a city or region acts for its ``country``;
- a signal's country is a row's ``country``, or the ``code`` of a ``state`` row.

Pure functions over the two TSV files in ``data/``; read once, on first use (~3,900 rows).
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).resolve().parent / "data"
_FILES = ("gazetteer.tsv", "sectors.tsv")

Kind = Literal["actor", "country"]


@dataclass(frozen=True)
class CodeBook:
    """Known codes of one kind, and the names (lowercased surface forms) that stand for them."""

    codes: frozenset[str]
    names: dict[str, frozenset[str]]

    def suggest(self, value: str, limit: int = 3) -> list[str]:
        """Codes the user probably meant by ``value``: named by it, then near-miss codes or names."""
        text = " ".join(value.split())
        named = self.names.get(text.lower())
        if named:
            return sorted(named)[:limit]
        close = difflib.get_close_matches(text.upper(), sorted(self.codes), n=limit, cutoff=0.6)
        if close:
            return close
        out: list[str] = []
        for name in difflib.get_close_matches(text.lower(), list(self.names), n=limit, cutoff=0.8):
            out.extend(c for c in sorted(self.names[name]) if c not in out)
        return out[:limit]


def _rows(data_dir: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in _FILES:
        with (data_dir / name).open(encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def actor_code(row: dict[str, str]) -> str:
    """The actor code of a gazetteer row: a city or region acts for its country."""
    if row["kind"] in ("city", "region"):
        return row["country"] or row["code"]
    return row["code"]


def country_code(row: dict[str, str]) -> str | None:
    """The country a signal placed by this row gets, or None (seas, disputed places)."""
    return row["country"] or (row["code"] if row["kind"] == "state" else None)


def build_codebooks(rows: list[dict[str, str]]) -> dict[Kind, CodeBook]:
    """Actor and country code books from gazetteer rows (pure; :func:`codebook` caches the real ones)."""
    books: dict[Kind, tuple[set[str], dict[str, set[str]]]] = {
        "actor": (set(), {}),
        "country": (set(), {}),
    }
    for row in rows:
        for kind, code in (("actor", actor_code(row)), ("country", country_code(row))):
            if not code:
                continue
            codes, names = books[kind]  # type: ignore[index]
            codes.add(code.upper())
            for name in (row["surface"], row["name"]):
                if name:
                    names.setdefault(" ".join(name.split()).lower(), set()).add(code.upper())
    return {
        kind: CodeBook(frozenset(codes), {n: frozenset(c) for n, c in names.items()})
        for kind, (codes, names) in books.items()
    }


@cache
def _books(data_dir: Path) -> dict[Kind, CodeBook]:
    return build_codebooks(_rows(data_dir))


def codebook(kind: Kind, data_dir: Path = DATA_DIR) -> CodeBook:
    """The detector's known ``actor`` or ``country`` codes (read once per data directory)."""
    return _books(data_dir)[kind]


def unknown_code_message(kind: Kind, value: str, book: CodeBook | None = None) -> str | None:
    """None when ``value`` is a known code; else ``unknown country 'Ukraine': did you mean UKR?``."""
    book = book or codebook(kind)
    if value.strip().upper() in book.codes:
        return None
    hint = book.suggest(value)
    article = "an" if kind == "actor" else "a"
    tail = f": did you mean {' or '.join(hint)}?" if hint else f" (not {article} {kind} code the detector assigns)"
    return f"unknown {kind} {value.strip()!r}{tail}"
