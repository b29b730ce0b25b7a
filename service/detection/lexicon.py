"""Load the reviewed data files once and compile them into fast matchers.

Everything the detector knows about words lives in ``data/``: ``triggers.yaml`` (what types an
event), ``classes.yaml`` (word classes triggers refer to), ``cues.yaml`` (modality and tense),
``gazetteer.tsv`` and ``sectors.tsv`` (actors and places), and ``vocabulary.yaml`` (the word
lists and patterns the rules consult besides, read by name through ``vocabulary.py``, which
every detection module may import). This module turns the first five into
Aho-Corasick automata (see ``Lexicon``: the whole-text scan for trigger heads and the words they
need nearby; context words and names over candidate sentences only). Load cost is paid once per
process.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

import yaml  # type: ignore[import-untyped]

from schemas.common import EventType
from service.detection import vocabulary
from service.detection.scanning import KeyScanner, make_scanner, native_ascii_lower_forms
from service.detection.text import CLAUSE_WORDS

DATA_DIR: Final = Path(str(resources.files("service.detection"))) / "data"  # no __file__ once compiled

ACTOR_KINDS: Final = frozenset({"state", "demonym", "capital", "metonym", "igo", "group", "leader", "sector"})
PLACE_KINDS: Final = frozenset({"state", "capital", "city", "region"})
PLACE_CLASS: Final = "PLACE"
# ``near: [ACTOR]``: a state, its demonym, a metonym, a body or a group named right there.
ACTOR_CLASS: Final = "ACTOR"
NEAR_ACTOR_KINDS: Final = frozenset({"state", "demonym", "metonym", "igo", "group"})
# ``near: [LEADER]``: a named leader or official ("will receive Erdogan").
LEADER_CLASS: Final = "LEADER"
# The classes made of gazetteer names rather than of words in classes.yaml.
NAME_CLASSES: Final = frozenset({PLACE_CLASS, ACTOR_CLASS, LEADER_CLASS})
THREAT_CLASS: Final = "force"  # what a conditional threat threatens ("sanctions if Russia attacks")
CONDITIONALS: Final = vocabulary.phrases("conditionals")  # the words that open the condition of a conditional threat
IF_CLASS: Final = "IF"

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
    veto: tuple[str, ...] = ()  # classes that veto the head anywhere in its sentence
    # Whether an attack story (an article whose text names several attacks, ``attack_arrests``)
    # stands in for the rule's near word: "the suspect was arrested on Friday" in a bombing report.
    story: bool = False
    # Whether a ``block`` class is made of names (worked out once: ``detector._blocked`` asks
    # for every head of every examined sentence, and most rules are blocked by words only).
    block_on_names: bool = field(default=False, init=False, compare=False, repr=False)
    # Whether a ``near`` word may stand before / after the head (``side`` as two flags, for the
    # same reason: a string comparison per near word otherwise).
    looks_before: bool = field(default=True, init=False, compare=False, repr=False)
    looks_after: bool = field(default=True, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "block_on_names", any(n in NAME_CLASSES for n in self.block))
        object.__setattr__(self, "looks_before", self.side != "after")
        object.__setattr__(self, "looks_after", self.side != "before")

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
    # A generic actor's CAMEO sector ("REB" for "rebels"; "COP" for "Pakistani police", a
    # demonym fused with the sector noun after it); None for a name.
    sector: str | None = None
    # Whether a generic actor alone makes a sentence name an actor (armed men do; police,
    # civilians and protesters only take a role when a rule fires for another reason).
    armed: bool = True

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
# Done on bytes (one C-level table lookup per byte, ~4x faster than str.translate with a dict):
# ASCII bytes never occur inside a UTF-8 multi-byte sequence, so the table can leave bytes >= 128
# alone; the few distinct non-ASCII characters (accented letters, curly quotes, dashes) are then
# blanked or lowercased one by one with ``str.replace``, which is ~10x cheaper than a regex or
# ``str.lower`` over the whole text (both test every character).
_ASCII_BOUNDARY: Final = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes(range(128, 256))
_ASCII_BOUNDARY_LOWER: Final = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + bytes(
    range(128, 256)
)
_ASCII_BYTES: Final = bytes(range(128))
# ``lower_forms`` of an ASCII text in one pass in C (``_scan.c``), when the detector is compiled.
_C_ASCII_LOWER_FORMS: Final = native_ascii_lower_forms()
_CAPITAL_SIGMA: Final = "\u03a3"  # the one character str.lower() maps by context (final sigma)


def boundary_text(text: str) -> str:
    """The text as the automata see it: " " + text with non-alphanumerics as spaces + " "."""
    if text.isascii():
        return " " + text.encode("ascii").translate(_ASCII_BOUNDARY).decode("ascii") + " "
    return " " + _non_ascii_boundary(text) + " "


def boundary_window(text: str, start: int, end: int) -> str:
    """``boundary_text(text)[start:end + 2]``: the boundary form of ``text[start:end]`` with the
    character on either side (a space beyond the text's edges), without mapping the whole text.

    Only the gazetteer needs original case, and only for the few sentences the detector looks
    at: mapping those costs a fraction of mapping the article (each character maps on its own,
    so a piece maps as it does inside the whole).
    """
    lo, hi = start - 1, end + 1
    piece = text[max(lo, 0):min(hi, len(text))]
    if piece.isascii():
        mapped = piece.encode("ascii").translate(_ASCII_BOUNDARY).decode("ascii")
    else:
        mapped = _non_ascii_boundary(piece)
    if lo < 0:
        mapped = " " + mapped
    if hi > len(text):
        mapped += " "
    return mapped


def boundary_lower(text: str) -> str | None:
    """``boundary_text(text).lower()``, without lowercasing the whole text again; None for the
    rare text with a character whose lowercase is longer or depends on context (the caller
    lowercases, keeping offsets exact)."""
    if text.isascii():
        return " " + text.encode("ascii").translate(_ASCII_BOUNDARY_LOWER).decode("ascii") + " "
    encoded = text.encode("utf-8", "surrogatepass")
    mapped = encoded.translate(_ASCII_BOUNDARY_LOWER).decode("utf-8", "surrogatepass")
    for c in _non_ascii_chars(encoded):
        if not c.isalnum():
            if len(c.lower()) != 1:
                return None
            mapped = mapped.replace(c, " ")
        else:
            low = c.lower()
            if not _lowers_alone(c, low):
                return None
            if low != c:
                mapped = mapped.replace(c, low)
    return " " + mapped + " "


def lower_forms(text: str) -> tuple[str, str]:
    """``text.lower()`` and ``boundary_lower(text)``, as offsets need them: the same length as
    ``text`` (a character whose lowercase is longer stays as it is).

    A text holding a few non-ASCII characters goes through the C function for ASCII too, with
    those put back (``_few_non_ascii_lower_forms``). Any other is encoded once for both, and
    each distinct non-ASCII character is lowercased on its own: ``str.lower`` over such a text
    converts it to UCS-4 and looks up every character (~55 instructions a character, against
    ~20 for this).
    """
    if text.isascii():
        if _C_ASCII_LOWER_FORMS is not None:
            forms = _C_ASCII_LOWER_FORMS(text, _ASCII_BOUNDARY_LOWER)
            if forms is not None:
                return forms
        # (an f-string builds the padded form in one copy, "+" in two)
        return text.lower(), f' {text.encode("ascii").translate(_ASCII_BOUNDARY_LOWER).decode("ascii")} '
    if _C_ASCII_LOWER_FORMS is not None:
        offsets: list[int] = []
        if _non_ascii_offsets(text, 0, len(text), offsets):
            return _few_non_ascii_lower_forms(text, offsets, _C_ASCII_LOWER_FORMS)
    encoded = text.encode("utf-8", "surrogatepass")
    lower = encoded.lower().decode("utf-8", "surrogatepass")  # bytes.lower() lowers ASCII only
    blower = encoded.translate(_ASCII_BOUNDARY_LOWER).decode("utf-8", "surrogatepass")
    for c in _non_ascii_chars(encoded):
        low = c.lower()
        if not _lowers_alone(c, low):
            return _rare_lower_forms(text)
        if low != c:
            lower = lower.replace(c, low)
        if not c.isalnum():
            blower = blower.replace(c, " ")
        elif low != c:
            blower = blower.replace(c, low)
    return lower, " " + blower + " "


# At most this many non-ASCII characters go through ``_few_non_ascii_lower_forms``: wire copy
# that holds any mostly holds one or two (an accented name).
_FEW_NON_ASCII: Final = 8


def _non_ascii_offsets(text: str, lo: int, hi: int, out: list[int]) -> bool:
    """Append to ``out``, in order, the offsets of the non-ASCII characters of ``text[lo:hi]``
    (which holds at least one), found by halving: ``isascii`` of a slice is a flag its copy
    sets, so a span of plain ASCII is passed over at memcpy speed, and one character costs
    ~12 slices of a 3 KB text. False, with ``out`` incomplete, once there are more than
    ``_FEW_NON_ASCII`` of them (the halving costs grow with their number)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text[lo:mid].isascii():
            lo = mid
        elif text[mid:hi].isascii():
            hi = mid
        else:  # both halves hold some: the left one first, to keep the order
            return _non_ascii_offsets(text, lo, mid, out) and _non_ascii_offsets(text, mid, hi, out)
    if len(out) == _FEW_NON_ASCII:
        return False
    out.append(lo)
    return True


def _few_non_ascii_lower_forms(
    text: str, offsets: list[int], ascii_forms: Callable[[str, bytes], tuple[str, str] | None]
) -> tuple[str, str]:
    """``lower_forms`` of a text whose non-ASCII characters are at ``offsets``: the C function
    maps the text with each of them made "?", then each is put back as its own lowercase (and,
    in the boundary form, as a space unless alphanumeric). On a 3 KB body with one accented
    name the general way (encode, map, decode twice) costs ~110 K instructions; this and
    ``_non_ascii_offsets``, ~40 K."""
    plain: list[str] = []  # the text with each of them as "?": ASCII
    lows: list[str] = []  # what each is in the lowercase text
    bounds: list[str] = []  # ... and in the boundary form
    prev = 0
    for i in offsets:
        c = text[i]
        low = c.lower()
        if not _lowers_alone(c, low):
            return _rare_lower_forms(text)
        lows.append(low)
        bounds.append(low if c.isalnum() else " ")
        plain.append(text[prev:i])
        plain.append("?")
        prev = i + 1
    plain.append(text[prev:])
    forms = ascii_forms("".join(plain), _ASCII_BOUNDARY_LOWER)
    assert forms is not None  # the text given is ASCII
    ascii_lower, ascii_blower = forms  # the boundary form: one longer at the front
    lower: list[str] = []
    blower: list[str] = [" "]
    prev = 0
    for k, i in enumerate(offsets):
        lower.append(ascii_lower[prev:i])
        lower.append(lows[k])
        blower.append(ascii_blower[prev + 1:i + 1])
        blower.append(bounds[k])
        prev = i + 1
    lower.append(ascii_lower[prev:])
    blower.append(ascii_blower[prev + 1:])
    return "".join(lower), "".join(blower)


def _rare_lower_forms(text: str) -> tuple[str, str]:
    """``lower_forms`` for a text with a character whose lowercase is longer or depends on its
    neighbours: lowercase the whole text, then keep offsets exact."""
    lower = text.lower()
    if len(lower) != len(text):  # keep the characters whose lowercase is longer as they are
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    blower = boundary_lower(text)
    if blower is None:  # lowercase the boundary form instead
        btext = boundary_text(text)
        blower = btext.lower()
        if len(blower) != len(btext):
            blower = boundary_text(lower)
    return lower, blower


def _lowers_alone(c: str, low: str) -> bool:
    """Is ``low`` (``c.lower()``) what ``str.lower`` makes of ``c`` anywhere in a text, and does
    replacing every ``c`` by it leave the other replacements alone? Not for a longer lowercase,
    the capital sigma (lowercased by context) or a lowercase that lowercases again."""
    return len(low) == 1 and c != _CAPITAL_SIGMA and low.lower() == low


def _non_ascii_chars(encoded: bytes) -> set[str]:
    """The distinct non-ASCII characters of a UTF-8 (``surrogatepass``) encoded text."""
    return set(encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))


def _non_ascii_boundary(text: str) -> str:
    """``boundary_text`` of a text holding non-ASCII characters, without the spaces around it:
    the ASCII ones through the table, each distinct other one blanked unless alphanumeric (the
    regex class ``[^\\w]``)."""
    encoded = text.encode("utf-8", "surrogatepass")
    mapped = encoded.translate(_ASCII_BOUNDARY).decode("utf-8", "surrogatepass")
    for c in _non_ascii_chars(encoded):
        if not c.isalnum():
            mapped = mapped.replace(c, " ")
    return mapped


def _key(phrase: str) -> str:
    return boundary_text(phrase)


# Payloads of the automata: native classes, so compiled code reads their fields natively (a
# tuple payload is type-checked element by element on every hit). A key of length L ending at
# index e of a boundary text covers the original text [e - L + 1, e - 1).


class GazKey:
    """A name as the gazetteer spells it (case-sensitive boundary key) and the rows it stands for."""

    def __init__(self, key: str, names: tuple[GazEntry, ...]) -> None:
        self.key = key
        self.key_len = len(key)
        self.names = names
        # The key's words (runs of letters and digits) and where each starts in the text,
        # counted from the name's first character: where the key's lowercase matched the
        # lowercase boundary text, its spaces stand on non-alphanumerics there too, so the name
        # is spelled so exactly where the original text holds these words at these offsets.
        runs: list[tuple[int, str]] = []
        j = 1
        while j < len(key) - 1:
            if key[j] == " ":
                j += 1
                continue
            k = key.find(" ", j)
            runs.append((j - 1, key[j:k]))
            j = k
        self.runs: tuple[tuple[int, str], ...] = tuple(runs)


class ContextKey:
    """Payload of the context scan: what one lowercase word or phrase is in a sentence."""

    def __init__(self, key: str, sectors: tuple[GazEntry, ...], class_values: tuple[tuple[str, str], ...],
                 cue_words: tuple[tuple[str, str], ...], opens_clause: bool,
                 spellings: tuple[GazKey, ...] = ()) -> None:
        self.key_len = len(key)
        self.sectors = sectors  # generic sector actors ("rebels")
        self.class_values = class_values  # (class, value)
        self.cue_words = cue_words  # (cue, word)
        self.opens_clause = opens_clause
        self.may = key == " may "  # the modal cue that is also a month ("May 6")
        # Names whose lowercase is this key ("US", "Us"): a name matches only where the
        # original-case text spells it so ("US" the state, not "us").
        self.spellings = spellings


def _lowers_in_place(key: str) -> bool:
    """Whether a name's key lowercases character by character, as the lowercase boundary text
    does: then the key matches the original-case text exactly where its lowercase matches the
    lowercase text and the original-case text spells it so. Not for a character whose
    lowercase is longer ("İ"), depends on context (capital sigma), changes being a letter or
    lowercases again (the characters ``_non_ascii_boundary`` does not lowercase in place)."""
    for c in key:
        low = c.lower()
        if not _lowers_alone(c, low) or low.isalnum() != c.isalnum():
            return False
    return True


# A block class's words that no multi-word name holds, numbered under this prefix: a sentence
# cannot drop them from its context (``detector._context`` ignores class words inside names).
_BLOCK_PREFIX: Final = "block:"
# The block classes that rule sentences out often enough to pay for their words' hits in the
# whole-text scan (measured on the corpus: together ~90% of the skipped sentences; the other
# classes' words mostly occur where no head is, and any subset keeps the output the same).
SCANNED_BLOCKS: Final = vocabulary.words("scanned_blocks")

# Article frames: classes whose words, counted over a whole article, say what it is about
# ("a sports report", "a story about hacking", "a film review", "an earthquake", "a blast at a
# chemical plant"). In a framed article a rule that the frame's class blocks or vetoes fires only
# in a sentence with war words of its own.
FRAME_CLASSES: Final = vocabulary.phrases("frame_classes")
# Phrases that hold a class's word without being one (classes.yaml): "Storm Shadow" is no storm.
EXCEPTIONS_CLASS: Final = "class_exceptions"
_FRAME_PREFIX: Final = "frame:"
_COURT_CLASS: Final = "cue:judicial"  # the court words (cues.yaml: judicial), counted over the whole text
STORY_CLASS: Final = "attack_arrests"  # the attack words of an attack story, counted over the whole text
# How many of a frame's words make the frame, and by how many times they must outnumber the
# article's war words (``military_units``) and attack heads.
FRAME_MIN_WORDS: Final = 4
FRAME_WAR_RATIO: Final = 3

# Look-alike classes an armed subject overrides for an attack: "Armed men attacked the Pakistan
# Stock Exchange", "gunmen stormed a concert hall" (``detector._blocked``).
SUBJECT_OVERRIDES: Final = vocabulary.words("subject_overrides")

# Near classes are numbered for the whole-text scan (a list indexed by number, not a dict per
# article): the two a conditional threat needs come first.
# The longest key of the whole-text scan (a phrase and its two boundary spaces): the detector
# stops reading a head's near and block words this far past its window (``detector._may_be_near``).
LONGEST_SCAN_KEY: Final = 120
THREAT_ID: Final = 0  # THREAT_CLASS
IF_ID: Final = 1  # IF_CLASS


class ScanKey:
    """Payload of the whole-text scan: a trigger head, a near-class word, or both.

    A native class rather than a tuple, so the scan reads its fields natively, and what
    ``detector._heads``/``_live_heads`` test about a head is worked out here once, not per hit.
    """

    def __init__(self, key: str, entries: tuple[TriggerEntry, ...], near_ids: tuple[int, ...],
                 class_ids: dict[str, int]) -> None:
        self.key_len = len(key)
        self.entries = entries  # the head's rules; () for a key that is only a near-class word
        self.near_ids = near_ids  # the near classes the key is a word of
        # The two tests above as flags (compiled, a tuple's truth is a C API call per hit).
        self.is_head = bool(entries)
        # The ASSAULT rules of the head: attack words that a frame does not veto count against it.
        self.assault_rules = tuple(e for e in entries if e.type == EventType.ASSAULT)
        self.is_near = bool(near_ids)
        # "annexed": an adjective after a determiner (one word: in "a bomb exploded" the
        # determiner is the noun's)
        self.participle = key.endswith("ed ") and key.count(" ") == 2
        # Each rule's mode for this head, when the head's text is known from the key alone (one
        # ASCII word: the lowercase text there is the key's word); None: worked out per hit.
        word = key[1:-1]
        self.modes: tuple[str, ...] | None = tuple(
            (e.mode_for(word) if e.head_modes else None) or e.mode for e in entries
        ) if word.isascii() and word.isalnum() else None
        # Per rule: the numbers of the classes it needs nearby, when the scan finds them all
        # (None: it needs none, or a place, actor or leader: names only the sentence's gazetteer
        # scan knows), and the numbers of its block classes' sure words.
        rules = tuple(
            (
                e,
                tuple(class_ids[n] for n in e.near)
                if e.near and not e.story and all(n in class_ids for n in e.near) else None,
                tuple(
                    class_ids[_BLOCK_PREFIX + n] for n in e.block
                    if _BLOCK_PREFIX + n in class_ids and not (e.type == EventType.ASSAULT and n in SUBJECT_OVERRIDES)
                ),
            )
            for e in entries
        )
        # Each rule with its near classes, when every rule needs class words the scan finds
        # (``detector._live_heads`` can then drop the head); () otherwise.
        self.near_rules: tuple[tuple[TriggerEntry, tuple[int, ...]], ...] = tuple(
            (e, near) for e, near, _ in rules if near is not None
        ) if entries and all(near is not None for _, near, _ in rules) else ()
        # Every rule, when each can be ruled out from the scan alone, by its near classes or its
        # block words (``detector._sentence_heads``); () when some rule needs neither.
        self.sentence_rules: tuple[tuple[TriggerEntry, tuple[int, ...] | None, tuple[int, ...]], ...] = (
            rules if entries and all(near is not None or blocks for _, near, blocks in rules) else ()
        )


@dataclass(slots=True)
class Lexicon:
    """Compiled lexicon: Aho-Corasick automata over ``boundary_text`` forms.

    ``scan_automaton`` (lowercase, run once over each whole text): trigger heads, and the words
    of the classes that some trigger needs nearby plus what a conditional threat needs
    (``force`` words, and "if"/"unless" under the name ``IF_CLASS``). The near words tell which
    heads cannot fire before any sentence is cut (``detector._live_heads``); the words of
    ``SCANNED_BLOCKS`` that no name holds tell which sentences cannot (``detector._sentence_heads``).
    ``context_automaton`` (lowercase, candidate sentences only): class words, modality cues,
    clause-opening conjunctions, generic sector actors ("rebels"), and the gazetteer's names by
    their lowercase (``ContextKey.spellings``: one scan finds a sentence's words and names).
    ``gazetteer_automaton`` (case-sensitive, original-case text, candidate sentences only): the
    names whose lowercase the context scan cannot match (see ``_lowers_in_place``); None when
    there are none, as in today's data.
    """

    entries: list[TriggerEntry]
    scan_automaton: KeyScanner
    context_automaton: KeyScanner
    gazetteer_automaton: KeyScanner | None
    classes: dict[str, dict[str, str]]
    cues: dict[str, frozenset[str]]
    gazetteer_size: int
    near_class_count: int  # near classes numbered by ``ScanKey.near_ids``
    # The article frames (``FRAME_CLASSES``) and the numbers of their words in the whole-text
    # scan, and the number of the war words that outweigh them (``military_units``).
    frame_ids: tuple[tuple[str, int], ...] = ()
    war_id: int = -1
    court_id: int = -1  # the court words' number in the whole-text scan (a court story)
    story_id: int = -1  # the attack words' number in the whole-text scan (an attack story)
    stats: dict[str, int] = field(default_factory=dict)
    # Each lowercase head phrase and the rules that have it (``detector.head_blocked``).
    head_entries: dict[str, tuple[TriggerEntry, ...]] = field(default_factory=dict)


def _split_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[union-attr,attr-defined]


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
                    code=_row_code(rec),
                    kind=(rec.get("kind") or "").strip(),
                    country=(rec.get("country") or "").strip() or None,
                    lat=float(lat) if lat.strip() else None,
                    lon=float(lon) if lon.strip() else None,
                    name=(rec.get("name") or surface).strip(),
                    sector=(rec.get("code") or "").strip() if (rec.get("kind") or "").strip() == "sector" else None,
                    armed=(rec.get("armed") or "yes").strip() != "no",
                )
            )
    return rows


def _row_code(rec: dict[str, str]) -> str:
    """The actor code of a data row: its ``code``, except for a generic actor whose row names its
    state ("Fethullah Gulen": sector OPP, country TUR), which is coded as that state."""
    code = (rec.get("code") or "").strip()
    country = (rec.get("country") or "").strip()
    return country if country and (rec.get("kind") or "").strip() == "sector" else code


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
            veto=_split_list(item.get("veto")),
            story=bool(item.get("story", False)),
        )
        _require_strings(f"triggers.yaml: {eid} heads", list(item["heads"]))
        heads = tuple(h.lower() for h in _split_list(item["heads"]))
        out.append((entry, heads))
    return out


# pyahocorasick (the scanner of the pure-Python detector, ``scanning.PyScanner``) finds a node's
# child by a linear search over its children, in the order their keys were added. Adding the
# keys in the order of how often their letters occur in news text (first letters of words, then
# letters inside words; counted on the corpus) puts the common transitions first: the
# whole-text scan runs ~13% fewer instructions. The hits are the same.
_FIRST_LETTERS: Final = "tasiofrcpmhbdwlengykvuqjzx1234567890"
_INNER_LETTERS: Final = " enaoitrslhducgmypfvbkwxzjq0123456789"  # a space ends the word


def _letter_ranks(key: str) -> list[int]:
    """Sort key of a boundary key: each character's frequency rank where it stands."""
    ranks: list[int] = []
    prev = " "
    for c in key:
        lc = c.lower()
        rank = (_FIRST_LETTERS if prev == " " else _INNER_LETTERS).find(lc)
        # Then case; rare characters last (by their first lowercase character: "İ" lowercases to two).
        ranks.append((rank if rank >= 0 else 100 + ord(lc[0])) * 2 + (c != lc))
        prev = c
    return ranks


def _automaton(payloads: Mapping[str, object]) -> KeyScanner:
    """An Aho-Corasick automaton over the keys of ``payloads``, reporting each key's payload."""
    keys = list(payloads)
    return make_scanner(keys, [payloads[k] for k in keys], _letter_ranks)


@lru_cache(maxsize=1)
def load_lexicon(data_dir: Path = DATA_DIR) -> Lexicon:
    """Load and compile every data file. Cached: the first call pays, later calls are free."""
    classes, cues, loaded = _read_rules(data_dir)
    gaz = _read_tsv(data_dir / "gazetteer.tsv") + _read_tsv(data_dir / "sectors.tsv")
    head_entries = _head_entries(loaded)
    scan = _scan_payloads(loaded, head_entries, classes, gaz, cues.get("judicial", frozenset()))
    ctx_payloads, odd_names, word_count = _context_payloads(classes, cues, gaz)
    return Lexicon(
        entries=[e for e, _ in loaded],
        scan_automaton=_automaton(scan.payloads),
        context_automaton=_automaton(ctx_payloads),
        gazetteer_automaton=_automaton(odd_names) if odd_names else None,
        classes=classes,
        cues=cues,
        gazetteer_size=len(gaz),
        near_class_count=len(scan.class_ids),
        frame_ids=scan.frame_ids,
        war_id=scan.class_ids.get("military_units", -1),
        court_id=scan.class_ids.get(_COURT_CLASS, -1),
        story_id=scan.class_ids.get(STORY_CLASS, -1),
        stats={"heads": scan.head_count, "context_phrases": word_count, "gazetteer_rows": len(gaz)},
        head_entries=head_entries,
    )


def _head_entries(loaded: list[tuple[TriggerEntry, tuple[str, ...]]]) -> dict[str, tuple[TriggerEntry, ...]]:
    out: dict[str, list[TriggerEntry]] = defaultdict(list)
    for entry, heads in loaded:
        for h in heads:
            out[h].append(entry)
    return {h: tuple(es) for h, es in out.items()}


def _read_rules(
    data_dir: Path,
) -> tuple[dict[str, dict[str, str]], dict[str, frozenset[str]], list[tuple[TriggerEntry, tuple[str, ...]]]]:
    """The word classes, the cues and the trigger rules (with their heads), checked: every word
    a string, every class a rule refers to defined."""
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
        for name in (*entry.near, *entry.block, *entry.veto):
            if name not in {PLACE_CLASS, ACTOR_CLASS, LEADER_CLASS} and name not in classes:
                raise ValueError(f"triggers.yaml: entry {entry.id!r} refers to unknown class {name!r}")
    return classes, cues, loaded


@dataclass(slots=True)
class _ScanPayloads:
    """What the whole-text scan is built from, and the class numbers the detector reads back."""

    payloads: dict[str, ScanKey]
    class_ids: dict[str, int]
    frame_ids: tuple[tuple[str, int], ...]
    head_count: int


def _scan_payloads(
    loaded: list[tuple[TriggerEntry, tuple[str, ...]]], heads: dict[str, tuple[TriggerEntry, ...]],
    classes: dict[str, dict[str, str]], gaz: list[GazEntry], court_words: frozenset[str],
) -> _ScanPayloads:
    """The whole-text scan's keys: trigger heads (``heads``: each head phrase and its rules), the
    words of the classes rules need nearby (and of a conditional threat), the block words no name
    can hold, the frames' words and the court words."""
    head_keys: dict[str, list[TriggerEntry]] = defaultdict(list)
    for phrase, ents in heads.items():
        head_keys[_key(phrase)].extend(e for e in ents if e not in head_keys[_key(phrase)])
    near_words: dict[str, list[int]] = defaultdict(list)
    needed = {n for e, _ in loaded for n in e.near if n not in (PLACE_CLASS, ACTOR_CLASS, LEADER_CLASS)}
    class_ids = {THREAT_CLASS: THREAT_ID, IF_CLASS: IF_ID}
    for cname in sorted(needed - class_ids.keys()):
        class_ids[cname] = len(class_ids)
    for cname, cid in class_ids.items():
        for w in CONDITIONALS if cname == IF_CLASS else classes[cname]:
            near_words[_key(w)].append(cid)
    # Block words the scan can vouch for: those no multi-word name contains, in any case, nor a
    # phrase that excepts its class's words (classes.yaml: class_exceptions).
    multiword_names = "\n".join([
        *(k for g in gaz
          if g.kind != "sector" and " " in g.surface for k in (_key(g.surface).lower(), _key(g.surface.lower()))),
        *(_key(p) for p in classes.get(EXCEPTIONS_CLASS, {})),
    ])
    blocks = {n for e, _ in loaded for n in e.block if n in SCANNED_BLOCKS}
    for cname in sorted(blocks):
        cid = class_ids[_BLOCK_PREFIX + cname] = len(class_ids)
        for w in classes[cname]:
            if _key(w) not in multiword_names:
                near_words[_key(w)].append(cid)
    frame_ids = []
    for cname in FRAME_CLASSES:
        cid = class_ids[_FRAME_PREFIX + cname] = len(class_ids)
        frame_ids.append((cname, cid))
        for w in classes[cname]:
            near_words[_key(w)].append(cid)
    if court_words:
        cid = class_ids[_COURT_CLASS] = len(class_ids)
        for w in sorted(court_words):
            near_words[_key(w)].append(cid)
    payloads = {
        key: ScanKey(key, tuple(head_keys.get(key, ())), tuple(sorted(near_words.get(key, ()))), class_ids)
        for key in head_keys.keys() | near_words.keys()
    }
    too_long = [key.strip() for key in payloads if len(key) > LONGEST_SCAN_KEY]
    if too_long:  # the detector's searches of the scan's hits rely on the bound
        raise ValueError(f"trigger or class phrases over {LONGEST_SCAN_KEY - 2} characters: {too_long[:3]}")
    return _ScanPayloads(payloads, class_ids, tuple(frame_ids), len(heads))


def _context_payloads(
    classes: dict[str, dict[str, str]], cues: dict[str, frozenset[str]], gaz: list[GazEntry]
) -> tuple[dict[str, ContextKey], dict[str, GazKey], int]:
    """The context scan's keys (class words, cues, clause openers, generic actors, and names by
    their lowercase), the names it cannot match (for the case-sensitive scan), and how many
    word keys there are."""
    sectors: dict[str, list[GazEntry]] = defaultdict(list)
    gaz_names: dict[str, list[GazEntry]] = defaultdict(list)
    for g in gaz:
        if g.kind == "sector":  # generic nouns ("rebels"): matched in any case
            sectors[_key(g.surface.lower())].append(g)
        else:  # names: matched case-sensitively ("US" the state, not "us")
            gaz_names[_key(g.surface)].append(g)
    class_words: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cname, words in classes.items():
        for w, v in words.items():
            class_words[_key(w)].append((cname, v))
    cue_words: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cname, cws in cues.items():
        for w in cws:
            cue_words[_key(w)].append((cname, w))
    clause_keys = {_key(w) for w in CLAUSE_WORDS}
    spellings: dict[str, list[GazKey]] = defaultdict(list)
    odd_names: dict[str, GazKey] = {}
    for key, entries in gaz_names.items():
        if _lowers_in_place(key):
            spellings[key.lower()].append(GazKey(key, tuple(entries)))
        else:
            odd_names[key] = GazKey(key, tuple(entries))
    word_keys = sectors.keys() | class_words.keys() | cue_words.keys() | clause_keys
    payloads = {
        key: ContextKey(
            key, tuple(sectors.get(key, ())), tuple(class_words.get(key, ())),
            tuple(cue_words.get(key, ())), key in clause_keys, tuple(spellings.get(key, ())),
        )
        for key in word_keys | spellings.keys()
    }
    return payloads, odd_names, len(word_keys)
