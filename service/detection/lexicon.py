"""Load the reviewed data files once and compile them into fast matchers.

Everything the detector knows about words lives in ``data/``: ``triggers.yaml`` (what types an
event), ``classes.yaml`` (word classes triggers refer to), ``cues.yaml`` (modality and tense),
``gazetteer.tsv`` and ``sectors.tsv`` (actors and places). This module turns them into two
Aho-Corasick automata (trigger heads over the whole text; context words over candidate
sentences only) and a few regular expressions. Load cost is paid once per process.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick
import yaml

from schemas.common import EventType

DATA_DIR = Path(__file__).parent / "data"

ACTOR_KINDS = frozenset({"state", "demonym", "capital", "metonym", "igo", "group", "leader", "sector"})
PLACE_KINDS = frozenset({"state", "capital", "city", "region"})
PLACE_CLASS = "PLACE"
# ``near: [ACTOR]``: a state, its demonym, a metonym, a body or a group named right there.
ACTOR_CLASS = "ACTOR"
NEAR_ACTOR_KINDS = frozenset({"state", "demonym", "metonym", "igo", "group"})

try:  # the C loader is ~10x faster; fall back to pure Python where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class TriggerEntry:
    """One rule of triggers.yaml (see the file's header for the meaning of each field)."""

    id: str
    type: EventType
    mode: str
    intensity: float
    near: tuple[str, ...] = ()
    side: str = "any"
    window: int = 60
    consume: bool = False
    block: tuple[str, ...] = ()
    block_window: int = 30
    actor: str = "required"
    priority: int = 1
    head_modes: tuple[tuple[str, str], ...] = ()

    def mode_for(self, head: str) -> str | None:
        for phrase, mode in self.head_modes:
            if phrase == head:
                return mode
        return None


@dataclass(frozen=True, slots=True)
class GazEntry:
    """One gazetteer row: a surface form that names an actor, a place, or both."""

    surface: str
    code: str
    kind: str
    country: str | None
    lat: float | None
    lon: float | None
    name: str

    @property
    def is_actor(self) -> bool:
        return self.kind in ACTOR_KINDS

    @property
    def is_place(self) -> bool:
        return self.kind in PLACE_KINDS

    @property
    def actor_kind(self) -> str:
        if self.kind == "igo":
            return "igo"
        if self.kind in {"group", "sector"}:
            return "group"
        return "state"


# Word-bounded matching: every character that is not a letter or digit becomes a space (the
# length is unchanged, so offsets stay exact), and every key is indexed as " key ". A match is
# then a whole word or phrase by construction, and the automaton never reports "on" inside
# "nation": that cut the Python-level hits per article by ~4x.
_BOUNDARY_TABLE = {i: " " for i in range(0x3000) if not chr(i).isalnum()}


def boundary_text(text: str) -> str:
    """The text as the automata see it: " " + text with non-alphanumerics as spaces + " "."""
    return " " + text.translate(_BOUNDARY_TABLE) + " "


def _key(phrase: str) -> str:
    return " " + phrase.translate(_BOUNDARY_TABLE) + " "


@dataclass(slots=True)
class Lexicon:
    """Compiled lexicon.

    Three automata over ``boundary_text`` forms: ``head_automaton`` (trigger heads, lowercase),
    ``context_automaton`` (class words and cues, lowercase) and ``gazetteer_automaton`` (names,
    case-sensitive, over the original-case text). Values are (phrase, payload) where payload is a
    tuple of trigger entries (heads) or of (category, value) pairs with category 'gaz',
    'class:<name>' or 'cue:<name>'. A key of length L ending at index e of the boundary text
    covers the original text [e - L + 1, e - 1).
    """

    entries: list[TriggerEntry]
    head_automaton: ahocorasick.Automaton
    context_automaton: ahocorasick.Automaton
    gazetteer_automaton: ahocorasick.Automaton
    classes: dict[str, dict[str, str]]
    cues: dict[str, frozenset[str]]
    gazetteer_size: int
    stats: dict[str, int] = field(default_factory=dict)


def _split_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[union-attr]


def _read_tsv(path: Path) -> list[GazEntry]:
    rows: list[GazEntry] = []
    if not path.exists():
        return rows
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            surface = (rec.get("surface") or "").strip()
            if not surface:
                continue
            lat = rec.get("lat") or ""
            lon = rec.get("lon") or ""
            rows.append(
                GazEntry(
                    surface=surface,
                    code=(rec.get("code") or "").strip(),
                    kind=(rec.get("kind") or "").strip(),
                    country=(rec.get("country") or "").strip() or None,
                    lat=float(lat) if lat.strip() else None,
                    lon=float(lon) if lon.strip() else None,
                    name=(rec.get("name") or surface).strip(),
                )
            )
    return rows


def _require_strings(where: str, items: list[object]) -> None:
    bad = [w for w in items if not isinstance(w, str)]
    if bad:
        raise ValueError(f"{where}: {bad!r} are not strings (quote them: YAML reads no/on/yes as booleans)")


def _load_entries(raw: list[dict]) -> list[tuple[TriggerEntry, tuple[str, ...]]]:
    out = []
    seen: set[str] = set()
    for item in raw:
        eid = item["id"]
        if eid in seen:
            raise ValueError(f"triggers.yaml: duplicate id {eid!r}")
        seen.add(eid)
        near = _split_list(item.get("near"))
        entry = TriggerEntry(
            id=eid,
            type=EventType(item["type"]),
            mode=str(item.get("mode") or ""),
            intensity=float(item["intensity"]),
            near=near,
            side=str(item.get("side", "any")),
            window=int(item.get("window", 60)),
            consume=bool(item.get("consume", False)),
            block=_split_list(item.get("block")),
            block_window=int(item.get("block_window", 30)),
            actor=str(item.get("actor", "required")),
            priority=int(item.get("priority", 1 + (1 if near else 0))),
            head_modes=tuple((str(k).lower(), str(v)) for k, v in (item.get("head_modes") or {}).items()),
        )
        _require_strings(f"triggers.yaml: {eid} heads", list(item["heads"]))
        heads = tuple(h.lower() for h in _split_list(item["heads"]))
        out.append((entry, heads))
    return out


@lru_cache(maxsize=1)
def load_lexicon(data_dir: Path = DATA_DIR) -> Lexicon:
    """Load and compile every data file. Cached: the first call pays, later calls are free."""
    with (data_dir / "triggers.yaml").open(encoding="utf-8") as fh:
        raw_entries = yaml.load(fh, Loader=_Loader)
    with (data_dir / "classes.yaml").open(encoding="utf-8") as fh:
        raw_classes = yaml.load(fh, Loader=_Loader)
    with (data_dir / "cues.yaml").open(encoding="utf-8") as fh:
        raw_cues = yaml.load(fh, Loader=_Loader)
    # YAML 1.1 reads bare no/on/yes/off as booleans: a silent lexicon bug, so refuse it.
    for name, words in raw_classes.items():
        _require_strings(f"classes.yaml: {name}", list((words or {}).keys()))
    for name, words in raw_cues.items():
        _require_strings(f"cues.yaml: {name}", list(words or []))
    classes = {k: {w.lower(): str(v) for w, v in (ws or {}).items()} for k, ws in raw_classes.items()}
    cues = {k: frozenset(w.lower() for w in ws) for k, ws in raw_cues.items()}

    loaded = _load_entries(raw_entries)
    for entry, _ in loaded:
        for name in (*entry.near, *entry.block):
            if name not in {PLACE_CLASS, ACTOR_CLASS} and name not in classes:
                raise ValueError(f"triggers.yaml: entry {entry.id!r} refers to unknown class {name!r}")

    heads: dict[str, list[TriggerEntry]] = defaultdict(list)
    for entry, hs in loaded:
        for h in hs:
            heads[h].append(entry)
    head_keys: dict[str, list[TriggerEntry]] = defaultdict(list)
    for phrase, ents in heads.items():
        head_keys[_key(phrase)].extend(e for e in ents if e not in head_keys[_key(phrase)])
    head_auto = ahocorasick.Automaton()
    for key, ents in head_keys.items():
        head_auto.add_word(key, (key, tuple(ents)))
    head_auto.make_automaton()

    context: dict[str, list[tuple[str, object]]] = defaultdict(list)
    gaz_names: dict[str, list[tuple[str, object]]] = defaultdict(list)
    gaz = _read_tsv(data_dir / "gazetteer.tsv") + _read_tsv(data_dir / "sectors.tsv")
    for g in gaz:
        if g.kind == "sector":  # generic nouns ("rebels"): matched in any case
            context[_key(g.surface.lower())].append(("gaz", g))
        else:  # names: matched case-sensitively ("US" the state, not "us")
            gaz_names[_key(g.surface)].append(("gaz", g))
    for cname, words in classes.items():
        for w, v in words.items():
            context[_key(w)].append((f"class:{cname}", v))
    for cname, words in cues.items():
        for w in words:
            context[_key(w)].append((f"cue:{cname}", w))
    ctx_auto = ahocorasick.Automaton()
    for key, vals in context.items():
        ctx_auto.add_word(key, (key, tuple(vals)))
    ctx_auto.make_automaton()
    gaz_auto = ahocorasick.Automaton()
    for key, vals in gaz_names.items():
        gaz_auto.add_word(key, (key, tuple(vals)))
    gaz_auto.make_automaton()

    return Lexicon(
        entries=[e for e, _ in loaded],
        head_automaton=head_auto,
        context_automaton=ctx_auto,
        gazetteer_automaton=gaz_auto,
        classes=classes,
        cues=cues,
        gazetteer_size=len(gaz),
        stats={"heads": len(heads), "context_phrases": len(context), "gazetteer_rows": len(gaz)},
    )


