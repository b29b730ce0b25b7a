"""The detector: an article in, PLOVER-typed signals with evidence out.

How a signal is found (each step is a small function below, so a wrong signal can be traced to
one rule):

1. Trigger heads from ``triggers.yaml`` are matched over the whole text with one Aho-Corasick
   pass. Only sentences holding a head are looked at further: most wire sentences hold none.
2. In those sentences a second automaton finds context: gazetteer actors and places, the word
   classes triggers require (``near``) or are vetoed by (``block``), and modality cues.
3. Each head becomes a candidate if its conditions hold; overlapping candidates are resolved by
   priority ("called for a ceasefire" is a REQUEST, and the ceasefire inside it is consumed).
4. Conditional threats ("promised sanctions if Russia attacks") become THREATEN signals that
   absorb the threatened action; events inside the "if" clause are speculative.
5. Each candidate gets actors (source before, target after, coordination and passives handled),
   a place, a date resolved against publication, a modality, intensity, severity, confidence.
6. Mentions of the same event across sentences are merged (a meeting announced for Jan. 12 and
   "the Jan. 12 NATO meeting would be held in Brussels"), keeping every sentence as evidence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

from schemas.article import Article
from schemas.common import EventType, Modality
from schemas.signal import Actor, Actors, ArticleRef, Evidence, Location, Signal
from service.detection.dates import DateMention, Tense, find_dates, resolve
from service.detection.lexicon import (
    PLACE_CLASS,
    GazEntry,
    Lexicon,
    TriggerEntry,
    boundary_text,
    load_lexicon,
)
from service.detection.scoring import intensity_for, severity_for
from service.detection.text import SentenceIndex, Span, clause_bounds, clause_of

DETECTOR_VERSION = "1.0.0"
_M = TypeVar("_M")

SYMMETRIC = frozenset({EventType.CONSULT, EventType.AGREE, EventType.COOPERATE})
DIRECTED_PLACE_TARGET = frozenset(
    {EventType.ASSAULT, EventType.MOBILIZE, EventType.COERCE, EventType.AID, EventType.SANCTION, EventType.RETREAT}
)
# Types where saying it is doing it: "X said it would send $350 million" is AID, asserted.
ANNOUNCED_TYPES = frozenset(
    {EventType.AID, EventType.SANCTION, EventType.SUPPORT, EventType.THREATEN, EventType.REQUEST,
     EventType.ACCUSE, EventType.REJECT}
)
# Speculative cues that govern the clauses after them ("fears that Moscow ... may", "demanding
# that the government reach a deal").
GOVERNING_CUES = frozenset(
    {"fears", "feared", "fear", "worries", "worried", "concern that", "concerns that", "speculation",
     "rumours", "rumors", "may", "might", "could", "demanding that", "demanded that", "demand that",
     "demands that", "calling for", "called on", "calls on", "calling on", "urged", "urging", "urges",
     "insisted that", "pressed for", "pushing for"}
)
# Forecasts ("are expected to agree new sanctions") are not announcements.
FORECAST_CUES = frozenset({"expected", "likely", "probably"})
LOCATIVES = ("in", "near", "at", "into", "outside", "inside", "across", "along", "towards", "toward",
             "around", "off", "to", "within", "through")
# Words skipped when looking for the preposition before a name ("in eastern Ukraine").
MODIFIERS = frozenset(
    "the a an eastern western northern southern central north south east west northeastern "
    "northwestern southeastern southwestern occupied annexed neighbouring neighboring nearby "
    "disputed russian-occupied rebel-held its their".split()
)
TOPIC_PREPS = ("over", "about", "on", "regarding", "concerning", "amid", "for", "of")
PARTICIPANT_WORDS = frozenset(
    "with between and involving involve involves including include includes to by hosted host hosts "
    "visit visited visiting counterpart counterparts among".split()
)
# Participant words that name every party, so the sentence subject is not one of them.
# Prepositions whose object is not the doer of the clause's verb.
OBJECT_PREPS = frozenset("of in into for against on at to with over about near across toward towards".split())
# "officials from/of X": the people named by the noun before the preposition act for X.
PEOPLE_NOUNS = frozenset(
    "officials official delegation delegations leaders leader envoys envoy ministers minister "
    "representatives negotiators diplomats forces troops soldiers members president head chief "
    "spokesman spokeswoman spokesperson government governments authorities army navy military "
    "commanders militants fighters rebels team".split()
)
# CONSULT heads that take their counterpart as a direct object ("will meet the U.S. envoy").
TRANSITIVE_CONSULT = frozenset("meet meets met visit visits visited visiting hosted host hosts hosting received".split())
LISTING_WORDS = frozenset("involving involve involves including include includes between among".split())
IRREGULAR_PAST = frozenset(
    "met held struck sent fought took broke drew withdrew gave began shot sank overran overrun "
    "seized spoke hit led fled stood brought kept won lost made said told paid".split()
)
HISTORICAL_DAYS = 90


@dataclass(slots=True)
class Context:
    gaz: list[tuple[int, int, GazEntry]] = field(default_factory=list)
    classes: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    cues: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


@dataclass(slots=True)
class Candidate:
    entry: TriggerEntry
    start: int
    end: int
    mode: str
    near: tuple[int, int] | None = None
    consume_span: tuple[int, int] | None = None
    threat_target_from: tuple[int, int] | None = None  # the if-clause of a conditional threat
    cues: list[str] = field(default_factory=list)
    forced_modality: Modality | None = None

    @property
    def priority(self) -> float:
        return self.entry.priority + (0.5 if self.consume_span else 0.0)

    @property
    def span(self) -> tuple[int, int]:
        if self.near:
            return (min(self.start, self.near[0]), max(self.end, self.near[1]))
        return (self.start, self.end)


@dataclass(slots=True)
class Draft:
    """A signal under construction, before article-level merging."""

    type: EventType
    mode: str
    modality: Modality
    source: list[Actor]
    target: list[Actor]
    location: Location | None
    event_date: date | None
    event_date_end: date | None
    intensity: float
    confidence: float
    evidence: Evidence
    order: tuple[int, int]
    related: list[Evidence] = field(default_factory=list)


# ----------------------------------------------------------------------------- models


def _build(cls: type[_M], **values: object) -> _M:
    """Construct a pydantic model from values that are valid by construction, skipping validation.

    ``model_construct`` costs ~10 us a call and the detector makes several per signal; this is
    its essence. Every field must be given: ``test_signals_are_valid_json_messages`` checks the
    result round-trips through full validation.
    """
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", set(values))
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


# ----------------------------------------------------------------------------- context


def _context(lex: Lexicon, text: str, btext: str, blower: str, sent: Span) -> Context:
    """Context words of one sentence. ``btext``/``blower``: boundary forms of text and lowercase."""
    ctx = Context()
    gaz_hits: list[tuple[int, int, GazEntry]] = []
    for end_idx, (key, values) in lex.gazetteer_automaton.iter(btext, sent.start, sent.end + 2):
        for _cat, g in values:
            gaz_hits.append((end_idx - len(key) + 1, end_idx - 1, g))  # type: ignore[arg-type]
    for end_idx, (key, values) in lex.context_automaton.iter(blower, sent.start, sent.end + 2):
        start, end = end_idx - len(key) + 1, end_idx - 1
        for cat, value in values:
            if cat == "gaz":
                gaz_hits.append((start, end, value))  # type: ignore[arg-type]
            elif cat.startswith("class:"):
                ctx.classes.setdefault(cat[6:], []).append((start, end, str(value)))
            elif not (value == "may" and text[start] == "M"):  # "May 6" is a month, not a modal
                ctx.cues.setdefault(cat[4:], []).append((start, end, str(value)))
    ctx.gaz = _longest_gaz(text, gaz_hits)
    if ctx.gaz:
        # "Rapid Support Forces", "U.S. Forces Korea": words inside a name are not class words
        # (generic sectors such as "the army" are not names: "deployed the army" is a deployment).
        spans = [(s, e) for s, e, g in ctx.gaz if " " in g.surface and g.kind != "sector"]
        if spans:
            for name, hits in ctx.classes.items():
                if name == "fora":  # "address the European Parliament": the name is the forum
                    continue
                ctx.classes[name] = [h for h in hits if not any(s <= h[0] and h[1] <= e for s, e in spans)]
    return ctx


def _longest_gaz(text: str, hits: list[tuple[int, int, GazEntry]]) -> list[tuple[int, int, GazEntry]]:
    """Keep the longest non-overlapping gazetteer matches; drop 'pro-Russian', 'Vienna-based'."""
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, GazEntry]] = []
    last_end = -1
    for start, end, g in hits:
        if start < last_end:
            continue
        before = text[max(0, start - 5):start].lower()
        if before.endswith(("pro-", "anti-", "non-", "ex-")) or text[end:end + 6].lower().startswith(("-based", "-born", "-made", "-style")):
            continue
        out.append((start, end, g))
        last_end = end
    return out


# ----------------------------------------------------------------------------- candidates


def _class_hits(ctx: Context, names: tuple[str, ...]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for name in names:
        if name == PLACE_CLASS:
            out.extend((s, e, "territory") for s, e, g in ctx.gaz if g.kind in {"city", "region"})
        else:
            out.extend(ctx.classes.get(name, ()))
    return out


def _near(entry: TriggerEntry, ctx: Context, start: int, end: int, sent: Span) -> tuple[int, int, str] | None:
    best: tuple[int, tuple[int, int, str]] | None = None
    for s, e, v in _class_hits(ctx, entry.near):
        if s < end and e > start:  # the head itself
            continue
        if e <= start:
            if entry.side == "after":
                continue
            dist = start - e
        else:
            if entry.side == "before":
                continue
            dist = s - end
        if dist > entry.window or s < sent.start or e > sent.end:
            continue
        if best is None or dist < best[0]:
            best = (dist, (s, e, v))
    return best[1] if best else None


def _blocked(entry: TriggerEntry, ctx: Context, start: int, end: int) -> bool:
    if not entry.block:
        return False
    lo, hi = start - entry.block_window, end + entry.block_window
    return any(e >= lo and s <= hi for s, e, _ in _class_hits(ctx, entry.block))


def _candidates(
    heads: list[tuple[int, int, str, tuple[TriggerEntry, ...]]], ctx: Context, sent: Span
) -> list[Candidate]:
    per_head: list[Candidate] = []
    for start, end, phrase, entries in heads:
        best: Candidate | None = None
        for entry in entries:
            if _blocked(entry, ctx, start, end):
                continue
            near = _near(entry, ctx, start, end, sent) if entry.near else None
            if entry.near and near is None:
                continue
            if entry.mode == "@near":
                mode = near[2] if near else ""
            else:
                mode = entry.mode_for(phrase) or entry.mode
            cand = Candidate(entry, start, end, mode, (near[0], near[1]) if near else None)
            if entry.consume and near:
                cand.consume_span = cand.span
            if best is None or cand.priority > best.priority:
                best = cand
        if best is not None:
            per_head.append(best)
    # Resolve overlaps: higher priority, then longer, then earlier wins.
    per_head.sort(key=lambda c: (-c.priority, -(c.end - c.start), c.start))
    accepted: list[Candidate] = []
    for cand in per_head:
        clash = False
        for other in accepted:
            if cand.start < other.end and cand.end > other.start or other.consume_span and cand.start < other.consume_span[1] and cand.end > other.consume_span[0] or cand.consume_span and other.start < cand.consume_span[1] and other.end > cand.consume_span[0]:
                clash = True
            if clash:
                break
        if not clash:
            accepted.append(cand)
    accepted.sort(key=lambda c: c.start)
    return accepted


# ----------------------------------------------------------------------------- threats


def _if_clauses(ctx: Context, text: str, bounds: list[int], sent: Span) -> list[tuple[int, int]]:
    out = []
    for s, _e, word in ctx.cues.get("speculative", ()):
        if word in {"if", "unless"}:
            # The if-clause runs to the next comma/semicolon boundary after it, or the sentence end.
            end = sent.end
            for b in bounds:
                if b > s + 3 and text[b] in ",;:":
                    end = b
                    break
            out.append((s, end))
    return out


def _conditional_threats(
    lex: Lexicon, text: str, ctx: Context, cands: list[Candidate], if_spans: list[tuple[int, int]], sent: Span
) -> list[Candidate]:
    """'X promised sanctions if Y attacks' -> THREATEN by X against Y; absorbs the sanction."""
    if not if_spans:
        return cands
    threat_entry = next(e for e in lex.entries if e.id == "threaten.explicit")
    forces = ctx.classes.get("force", [])
    commitments = ctx.cues.get("commitment", [])
    out = list(cands)
    for fs, fe, fval in forces:
        if any(a <= fs < b for a, b in if_spans):
            continue
        cue = None
        for cs, ce, cw in commitments:
            if ce <= fs and fs - ce <= 80 and not any(a <= cs < b for a, b in if_spans):
                cue = (cs, ce, cw)
        if cue is None:
            continue
        already = [c for c in out if c.entry.type == EventType.THREATEN and c.start <= fs and c.span[1] >= fe]
        if already:
            continue
        cand = Candidate(threat_entry, cue[0], cue[1], fval, near=(fs, fe))
        cand.consume_span = (cue[0], fe)
        cand.cues.append(cue[2])
        cand.threat_target_from = if_spans[0]
        out = [c for c in out if not (cand.consume_span[0] <= c.start and c.end <= cand.consume_span[1])]
        out.append(cand)
    out.sort(key=lambda c: c.start)
    return out


# Types whose different modes in one sentence are different acts, not one event told twice.
DISTINCT_ACT_TYPES = frozenset({EventType.COERCE, EventType.SANCTION})
EQUIPMENT_MODES = frozenset({"armour", "missiles", "air defence", "air", "nuclear"})
TRANSFER_VERBS = frozenset(
    "send sent sends sending deliver delivered delivers delivering supply supplied supplies supplying "
    "transfer transferred ship shipped give gave provide provided".split()
)
_AID_TRANSFER = TriggerEntry(id="aid.transfer", type=EventType.AID, mode="military", intensity=5.0)

DECIDED_TYPES = frozenset(
    {EventType.SANCTION, EventType.AID, EventType.MOBILIZE, EventType.ASSAULT, EventType.COERCE, EventType.RETREAT,
     EventType.CONCEDE}
)


def _drop_decisions(lower: str, cands: list[Candidate]) -> list[Candidate]:
    """'The EU agreed on Monday to ban Belarusian airlines': the event is the ban; the agreement
    is the body's own decision, not an AGREE between parties."""
    out = []
    for i, c in enumerate(cands):
        if c.entry.type == EventType.AGREE and c.near is None and lower[c.start:c.end].startswith("agree"):
            nxt = cands[i + 1] if i + 1 < len(cands) else None
            if nxt is not None and nxt.entry.type in DECIDED_TYPES and nxt.start - c.end <= 30:
                continue
        out.append(c)
    return out


# ----------------------------------------------------------------------------- actors, places


def _word_before(text: str, pos: int) -> str:
    j = pos
    while j > 0 and text[j - 1] == " ":
        j -= 1
    i = j
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] in "'’"):
        i -= 1
    return text[i:j].lower()


_WORDS_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@lru_cache(maxsize=8192)
def _prep_before(text: str, start: int) -> str:
    """The first word before ``start`` that is not an article or adjective of place."""
    for w in reversed(_WORDS_RE.findall(text, max(0, start - 40), start)):
        lw = w.lower()
        if lw not in MODIFIERS:
            return lw
    return ""


@lru_cache(maxsize=8192)
def _word_before_prep(text: str, start: int) -> str:
    """The word before the preposition that precedes ``start`` ("officials" in "officials from X")."""
    words = _WORDS_RE.findall(text, max(0, start - 60), start)
    words = [w.lower() for w in words]
    while words and words[-1] in MODIFIERS:
        words.pop()
    return words[-2] if len(words) >= 2 else ""


def _is_locative(text: str, start: int) -> bool:
    return _prep_before(text, start) in LOCATIVES


_ACTOR_CACHE: dict[tuple[str, str, str], Actor] = {}


def _to_actor(text: str, s: int, e: int, g: GazEntry) -> Actor:
    code = g.code if g.kind not in {"city", "region"} else (g.country or g.code)
    key = (code, text[s:e], g.actor_kind)
    actor = _ACTOR_CACHE.get(key)
    if actor is None:
        if len(_ACTOR_CACHE) > 50_000:  # bounded: surface forms are few, but be safe
            _ACTOR_CACHE.clear()
        actor = _ACTOR_CACHE[key] = _build(Actor, code=key[0], text=key[1], kind=key[2])
    return actor


def _to_location(g: GazEntry) -> Location:
    country = g.country or (g.code if g.kind == "state" else None)
    return _build(Location, name=g.name, country=country, lat=g.lat, lon=g.lon)


def _coordinated(text: str, mentions: list[tuple[int, int, GazEntry]], idx: int, step: int) -> list[int]:
    """Indexes of actors coordinated with mentions[idx] ("the U.S. and Russia", "Moscow, Washington")."""
    out = [idx]
    j = idx
    while 0 <= j + step < len(mentions):
        a, b = (mentions[j], mentions[j + step]) if step > 0 else (mentions[j + step], mentions[j])
        gap = text[a[1]:b[0]].strip().lower()
        for prefix in ("’s", "'s"):
            gap = gap.removeprefix(prefix).strip()
        if gap in {"and", ",", ", and", "or", ", or", "&", "and the", ", and the", ", the", "as well as"} or gap.startswith((", and other", "and other")):
            j += step
            out.append(j)
        else:
            break
    return out


@dataclass(slots=True)
class Roles:
    source: list[Actor]
    target: list[Actor]
    location: Location | None
    inherited: bool = False


def _dedupe(actors: list[Actor]) -> list[Actor]:
    seen: set[str] = set()
    out = []
    for a in actors:
        if a.code not in seen:
            seen.add(a.code)
            out.append(a)
    return out


def _roles(text: str, cand: Candidate, ctx: Context, clause: Span, sent: Span) -> Roles:
    etype = cand.entry.type
    mentions = ctx.gaz
    actor_idx: list[int] = []
    place_idx: list[int] = []
    for i, (s, _e, g) in enumerate(mentions):
        locative = _is_locative(text, s)
        if g.is_place and (locative or g.kind in {"city", "region"}):
            place_idx.append(i)
            if g.kind == "state" and locative and etype in DIRECTED_PLACE_TARGET and s > cand.end:
                actor_idx.append(i)  # "troops near Ukraine": Ukraine is also the target
            elif g.kind == "capital" and locative and etype == EventType.CONSULT and s > cand.end and _prep_before(text, s) == "to":
                actor_idx.append(i)  # "travel to Beijing": the host
            continue
        if g.is_actor:
            actor_idx.append(i)

    def real(idxs: list[int]) -> list[int]:
        # Prefer states, IGOs and named groups over generic sectors ("rebels") when both appear.
        strong = [i for i in idxs if mentions[i][2].kind != "sector"]
        return strong or idxs

    def not_subject(i: int) -> bool:
        """Actors in object position cannot be the doer: 'annexed Ukraine's Crimea', 'regions of
        eastern Ukraine'. 'Officials from the United States' and 'Lebanon's prime minister'
        still can."""
        s_, e_ = mentions[i][0], mentions[i][1]
        prep = _prep_before(text, s_)
        if prep in OBJECT_PREPS and _word_before_prep(text, s_) not in PEOPLE_NOUNS:
            return True
        if text[e_:e_ + 2] in ("'s", "’s") and len(_WORDS_RE.findall(text, e_ + 2, cand.start)) > 2:
            # A possessive owner is an object when a verb and another actor precede it.
            return any(mentions[j][1] <= s_ and mentions[j][0] >= sent.start for j in actor_idx if j != i)
        return False

    before = real([i for i in actor_idx if mentions[i][1] <= cand.start and not not_subject(i)])
    after = real([i for i in actor_idx if cand.end <= mentions[i][0] < clause.end])
    if cand.threat_target_from:  # conditional threat: the target is the if-clause's subject
        a, b = cand.threat_target_from
        after = [i for i in actor_idx if a <= mentions[i][0] < b] + [i for i in after if mentions[i][0] >= b]

    source_idx: list[int] = []
    target_idx: list[int] = []
    clause_word = text[clause.start:clause.start + 6].lower().strip(" ,")
    relative = clause_word.startswith(("which", "who"))
    # Passive voice only when "by" follows the trigger closely ("was attacked by", "talks hosted
    # by"), not in a later relative clause ("facilities used by Iran-backed militias").
    passive = [
        i for i in after
        if _prep_before(text, mentions[i][0]) == "by" and len(_WORDS_RE.findall(text, cand.end, mentions[i][0])) <= 3
    ]
    possessor = [i for i in after if text[cand.end:mentions[i][0]].strip().lower() in {"of", "of the"}]

    if passive and etype not in SYMMETRIC:
        source_idx = _coordinated(text, mentions, passive[0], +1)
        in_clause = [i for i in before if mentions[i][0] >= clause.start]
        target_idx = in_clause[-1:]
        after = []
    else:
        in_clause = [i for i in before if mentions[i][0] >= clause.start]
        if relative:  # "Moscow, which seized ...": the subject precedes the relative clause
            outside = [i for i in actor_idx if mentions[i][1] <= clause.start]
            pool = outside or in_clause
        else:
            pool = in_clause or before
            # "Israel said Hamas fighters attacked": after a reporting verb, a new subject.
            reports = [c for c in ctx.cues.get("reporting", ()) if c[1] <= cand.start]
            if reports:
                after_report = [i for i in pool if mentions[i][0] >= reports[-1][1]]
                pool = after_report or pool
            if pool and in_clause:
                # The subject comes first: "Beijing summoned the U.S. ambassador ... and suspended
                # imports" is Beijing's act, not the nearest name's.
                first = pool[0]
                pool = [i for i in pool if i <= max(_coordinated(text, mentions, first, +1))]
        if possessor and not in_clause and etype not in SYMMETRIC:
            source_idx = _coordinated(text, mentions, possessor[0], +1)  # "a demand of Moscow"
            after = [i for i in after if i not in source_idx]
        elif pool:
            source_idx = sorted(_coordinated(text, mentions, pool[-1], -1))

    if etype in SYMMETRIC:
        parts = [
            i for i in after
            if PARTICIPANT_WORDS & set(_WORDS_RE.findall(text.lower(), cand.end, mentions[i][0]))
            and _prep_before(text, mentions[i][0]) not in TOPIC_PREPS
        ]
        head_word = text[cand.start:cand.end].lower().split()[-1]
        if not parts and head_word in TRANSITIVE_CONSULT and after:
            gap = text[cand.end:mentions[after[0]][0]]
            prep = _prep_before(text, mentions[after[0]][0])
            people_of = prep in ("of", "from") and _word_before_prep(text, mentions[after[0]][0]) in PEOPLE_NOUNS
            if "," not in gap and len(_WORDS_RE.findall(gap)) <= 4 and (prep not in OBJECT_PREPS or people_of):
                parts = after[:1]  # "will meet the U.S. envoy", "visited Kyiv"
        if parts:
            target_idx = _coordinated(text, mentions, parts[0], +1)
            gap_words = set(_WORDS_RE.findall(text.lower(), cand.end, mentions[parts[0]][0]))
            if LISTING_WORDS & gap_words or not source_idx:
                # "a summit involving Moscow, Washington": the participants are all named after it
                source_idx, target_idx = target_idx[:1], target_idx[1:]
    elif not target_idx:
        usable = [i for i in after if _prep_before(text, mentions[i][0]) not in ("over", "about", "amid", "regarding", "concerning")]
        if usable:
            target_idx = _coordinated(text, mentions, usable[0], +1)

    source = _dedupe([_to_actor(text, *mentions[i]) for i in source_idx])
    target = _dedupe([_to_actor(text, *mentions[i]) for i in target_idx])
    if etype in SYMMETRIC and len(source) > 1 and not target:
        source, target = source[:1], source[1:]
    src_codes = {a.code for a in source}
    target = [a for a in target if a.code not in src_codes]
    return Roles(source, target, _location(text, cand, mentions, place_idx, clause))


def _location(text: str, cand: Candidate, mentions: list, place_idx: list[int], clause: Span) -> Location | None:
    etype = cand.entry.type
    after = [i for i in place_idx if cand.start <= mentions[i][0] < clause.end]
    before = [i for i in place_idx if clause.start <= mentions[i][0] < cand.start]

    def rank(i: int) -> tuple[int, int]:
        g = mentions[i][2]
        # A city or region is more precise than a country.
        return (0 if g.kind in {"city", "region", "capital"} else 1, abs(mentions[i][0] - cand.start))

    if etype == EventType.COERCE:
        # What is seized or annexed is the place: the nearest named place after the head.
        seized = [i for i in after if mentions[i][2].kind in {"city", "region"}]
        if seized:
            return _to_location(mentions[seized[0]][2])
    loc_after = [i for i in after if _is_locative(text, mentions[i][0])]
    if etype in {EventType.ASSAULT, EventType.MOBILIZE}:
        loc_after = loc_after or [i for i in after if mentions[i][2].kind in {"city", "region"}]
    if loc_after:
        return _to_location(mentions[min(loc_after, key=rank)][2])
    loc_before = [i for i in before if _is_locative(text, mentions[i][0])]
    if loc_before:
        return _to_location(mentions[min(loc_before, key=rank)][2])
    # A region named right before the head ("the Donbas offensive").
    near_before = [i for i in before if mentions[i][2].kind in {"region", "city"} and cand.start - mentions[i][1] < 20]
    if near_before:
        return _to_location(mentions[near_before[-1]][2])
    return None


# ----------------------------------------------------------------------------- dates, tense, modality


def _cues_in(ctx: Context, name: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [c for c in ctx.cues.get(name, ()) if lo <= c[0] and c[1] <= hi]


_CALLED_RE = re.compile(r"\b(?:called|calls|calling|call) (?:for|a|an)\b|\bannounced (?:a|an)\b")
_NO_CARRY_RE = re.compile(r",\s*(?:as|after|because|since|when|while|though|although|amid)\b|\b(?:said|says|told)\b")
_TOPIC_BEFORE_RE = re.compile(r"\b(?:on|about|over|of|against|in) (?:the|a|an|its|their) (?:\w+ )?$")
_PAST_VERB_RE = re.compile(
    r"\b(?!(?:scheduled|planned|expected|slated|intended|proposed|tentatively|needed|united|armed)\b)"
    r"(?<!-)(?:[a-z]+ed|fired|fought|struck|sent|met|held|took|hit|shot)\b(?! by)"
)


def _tense(text: str, lower: str, cand: Candidate, ctx: Context, clause: Span, sent: Span) -> tuple[Tense, list[str]]:
    head = lower[cand.start:cand.end]
    window_hi = min(sent.end, clause.end + 40, cand.end + 100)
    fut = _cues_in(ctx, "future", clause.start, window_hi)
    if not fut:
        # A future auxiliary in an earlier clause carries over ("will hold talks on Jan. 10,
        # followed by a meeting on Jan. 12") unless a past-tense verb intervenes ("said it would
        # ..., and fired two more missiles").
        earlier = _cues_in(ctx, "future", _contrast_start(lower, sent.start, cand.start), clause.start)
        if (
            earlier and not _PAST_VERB_RE.search(text, earlier[-1][1], cand.start)
            and not _NO_CARRY_RE.search(lower, earlier[-1][1], cand.start)
        ):
            fut = earlier
    if cand.entry.type in {EventType.PROTEST, EventType.CONSULT} and _CALLED_RE.search(lower, max(clause.start, cand.start - 45), cand.start):
        return "future", ["called"]  # "called a nationwide strike for March 7": it is coming
    # A noun trigger governed by a past verb ("Azerbaijan launched a military offensive") or
    # named as a topic ("will brief envoys on the military operation") takes no future.
    if _PAST_VERB_RE.search(text, max(clause.start, cand.start - 25), cand.start):
        fut = [c for c in fut if c[0] > cand.end]
        if not fut:
            return "past", []
    if _TOPIC_BEFORE_RE.search(lower, max(0, cand.start - 12), cand.start):
        fut = [c for c in fut if c[0] > cand.end]
    fut_close = [c for c in fut if c[1] <= cand.start and cand.start - c[1] <= 25]
    last_word = head.split()[-1] if head else ""
    past_form = last_word.endswith("ed") or last_word in IRREGULAR_PAST
    strong = _cues_in(ctx, "future_strong", cand.start, window_hi)
    if strong:
        return "future", [strong[0][2]]
    if past_form and not fut_close:
        return "past", []
    if fut:
        return "future", [fut[0][2]]
    if _cues_in(ctx, "past", clause.start, cand.start):
        return "past", []
    return "unknown", []


def _reporting_date(lower: str, ctx: Context, dm: DateMention) -> bool:
    """'..., officials said on Monday': a date that dates the report, not the event."""
    for s, e, _w in ctx.cues.get("reporting", ()):
        if e <= dm.start and dm.start - e <= 4:
            return True
        # "the two governments announced in Manila on Wednesday"
        gap = lower[e:dm.start]
        if e <= dm.start and dm.start - e <= 30 and "," not in gap and gap.strip().startswith(("in ", "at ")):
            return True
        if s >= dm.end and s - dm.end <= 2:
            return True
    return False


_N_DAY_RE = re.compile(r"\b(two|three|four|five|six|seven|2|3|4|5|6|7)[- ]day\s+(?:\w+\s+)?$")
_N_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _n_day(lower: str, head_start: int) -> int:
    m = _N_DAY_RE.search(lower, max(0, head_start - 30), head_start)
    if not m:
        return 0
    n = m.group(1)
    return int(n) if n.isdigit() else _N_WORDS[n]


_BOUNDARY_WORDS = frozenset("but while and which that who when after before".split())
# A date directly before a trigger modifies it only through nouns and names ("the Jan. 12 NATO
# meeting"), never through function words ("on Tuesday under the ceasefire", "on Dec. 6 to reject").
_FUNCTION_WORDS = _BOUNDARY_WORDS | frozenset(
    "to under for with of in on at by from as or the a an into against over its their his her".split()
)
_ATTACH_AFTER = ("on", "for", "from", "starting", "beginning", "set for", "scheduled for", "due", "until", "between", "by", "in", "this", "next", "as early as")


def _date_score(lower: str, cand: Candidate, dm: DateMention, clause: Span, tense: Tense) -> float | None:
    """How strongly a date expression belongs to a trigger (lower is closer); None: it does not."""
    lo, hi = (dm.end, cand.start) if dm.end <= cand.start else (cand.end, dm.start)
    if _CONTRAST_RE.search(lower, lo, hi):
        return None  # "... in 2015, but deadly clashes still take place": not the clashes' date
    if dm.end <= cand.start:
        raw_gap = lower[dm.end:cand.start]
        words = raw_gap.strip(" .’'s").split()
        if len(words) <= 3 and not any(ch in raw_gap for ch in ",;:") and not _FUNCTION_WORDS & set(words):
            score = 0.5 + len(words)  # "the Jan. 12 NATO meeting", "Monday's talks"
        else:
            cross = 100 if dm.is_year_only and tense != "future" else 400
            # A date before a trigger that it does not modify usually closes an earlier verb
            # phrase ("pull out of Lebanon on Tuesday under the ceasefire deal").
            score = (cand.start - dm.end) + (0 if dm.start >= clause.start else cross) + (0 if dm.is_year_only else 50)
    else:
        gap = lower[cand.end:dm.start].strip(" ,")
        if gap in _ATTACH_AFTER or gap == "":
            score = 0.25  # "meet on Jan. 10" beats "Jan. 10 to discuss"
        else:
            cross = 40 if tense == "future" else (100 if dm.is_year_only else 400)
            score = (dm.start - cand.end) + (0 if dm.start < clause.end else cross)
    return score if score < 200 else None


def _assign_dates(lower: str, cands: list[Candidate], dates: list[DateMention], clauses: list[Span],
                  tenses: list[Tense]) -> list[DateMention | None]:
    """Give each trigger its date, closest pairs first, each day-date to one trigger only
    ("meet on Jan. 12, with a larger summit ... scheduled for Jan. 13"). Years are shared."""
    pairs = []
    for ci, cand in enumerate(cands):
        for di, dm in enumerate(dates):
            score = _date_score(lower, cand, dm, clauses[ci], tenses[ci])
            if score is not None:
                pairs.append((score, ci, di))
    pairs.sort()
    chosen: list[DateMention | None] = [None] * len(cands)
    taken: set[int] = set()
    for _score, ci, di in pairs:
        if chosen[ci] is not None or (di in taken and not dates[di].is_year_only):
            continue
        chosen[ci] = dates[di]
        taken.add(di)
    return chosen


_CONTRAST_RE = re.compile(r";|\b(?:but|while|whereas|although|though|however|yet)\b")


def _contrast_start(lower: str, lo: int, hi: int) -> int:
    """Start of the stretch before ``hi`` not interrupted by a contrast word or semicolon."""
    last = lo
    for m in _CONTRAST_RE.finditer(lower, lo, hi):
        last = m.end()
    return last


def _modality(
    lower: str, cand: Candidate, ctx: Context, clause: Span, sent: Span, if_spans: list[tuple[int, int]],
    tense: Tense, dates: tuple[date | None, date | None], pub: date, precise: bool, tense_cues: list[str],
    date_after: bool = False,
) -> tuple[Modality, list[str]]:
    start, end = cand.start, cand.end
    if cand.forced_modality:
        return cand.forced_modality, list(cand.cues)
    # Denials and fears govern the clauses they introduce ("denied that its warships had
    # entered..."), up to a contrast ("... but says it could ...").
    scope_lo = _contrast_start(lower, sent.start, start)
    denial = _cues_in(ctx, "denial", scope_lo, start)
    if denial:
        return Modality.DENIED, [denial[-1][2]]
    neg = [c for c in _cues_in(ctx, "negation", clause.start, start) if start - c[1] <= 30]
    if neg:
        return Modality.DENIED, [neg[-1][2]]
    after = [c for c in ctx.cues.get("denial_after", ()) if c[0] >= end and c[0] - end <= 60]
    if after:
        return Modality.DENIED, [after[0][2]]
    if cand.entry.type != EventType.THREATEN or cand.threat_target_from is None:
        for a, b in if_spans:
            if a <= start < b:
                return Modality.SPECULATIVE, [lower[a:a + 6].split()[0]]
    spec = [c for c in _cues_in(ctx, "speculative", clause.start, start) if c[2] not in {"if", "unless"}]
    # A noun trigger is often the subject of the modal: "fresh protests could erupt".
    spec += [c for c in ctx.cues.get("speculative", ()) if end <= c[0] <= end + 15 and c[2] in {"could", "may", "might"}]
    spec += [c for c in ctx.cues.get("speculative_after", ()) if end <= c[0] <= end + 40]
    relative = lower.startswith(("which", "who"), clause.start)
    governing = [] if relative else [  # a relative clause states background fact
        c for c in _cues_in(ctx, "speculative", scope_lo, start) if c[2] in GOVERNING_CUES
    ]
    if cand.entry.type == EventType.THREATEN:
        spec = [c for c in spec if c[2] not in {"could", "may", "might", "would"}]
        governing = []
    if spec or governing:
        return Modality.SPECULATIVE, [(spec or governing)[-1][2]]
    ev_start, ev_end = dates
    hist = [c for c in _cues_in(ctx, "historical", clause.start, clause.end)
            if not lower[max(0, c[0] - 7):c[0]].endswith(("since ", "since the "))]
    last_day = ev_end or ev_start
    if tense != "future" and last_day is not None and (pub - last_day).days > HISTORICAL_DAYS:
        return Modality.HISTORICAL, []
    if hist and tense != "future":
        return Modality.HISTORICAL, [hist[0][2]]
    if tense == "future" and ev_start is not None and ev_start >= pub and precise:
        return Modality.SCHEDULED, list(cand.cues)
    if tense == "unknown" and ev_start is not None and ev_start > pub and precise and date_after:
        return Modality.SCHEDULED, list(cand.cues)  # "called for demonstrations on 14 October"
    weak = _cues_in(ctx, "speculative_weak", clause.start, start)
    if weak and not precise and (cand.entry.type not in ANNOUNCED_TYPES or weak[-1][2] in FORECAST_CUES):
        return Modality.SPECULATIVE, [weak[-1][2]]
    if tense == "future" and cand.entry.type not in ANNOUNCED_TYPES:
        # Announced for no particular day ("next week", "soon"): it cannot go on a calendar and
        # has not happened, so it is not an alert-worthy fact yet.
        return Modality.SPECULATIVE, tense_cues
    return Modality.ASSERTED, list(cand.cues)


# ----------------------------------------------------------------------------- confidence


def _confidence(cand: Candidate, roles: Roles, modality: Modality, has_date: bool) -> float:
    score = 0.55
    if cand.near:
        score += 0.15
    if roles.source:
        score += 0.1
    if roles.target or roles.location:
        score += 0.05
    if roles.inherited:
        score -= 0.15
    if cand.entry.id.endswith((".weak", ".plain")):
        score -= 0.05
    if modality == Modality.SCHEDULED and has_date:
        score += 0.05
    return round(min(0.99, max(0.05, score)), 2)


# ----------------------------------------------------------------------------- per sentence


_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "newly"})


def _heads(lex: Lexicon, lower: str, blower: str) -> list[tuple[int, int, str, tuple[TriggerEntry, ...]]]:
    out = []
    for end_idx, (key, entries) in lex.head_automaton.iter(blower):
        start, end = end_idx - len(key) + 1, end_idx - 1
        # "water-bombing aircraft", "Russian-brokered": a head glued to a word by a hyphen is a
        # modifier, not an event (phrases that contain the hyphen, "counter-offensive", still match).
        if (start > 0 and lower[start - 1] == "-") or (end < len(lower) and lower[end] == "-"):
            continue
        # "the annexed Crimean peninsula", "the occupied territories": a participle used as an
        # adjective describes a state of affairs, not an event reported here.
        if lower.endswith("ed", start, end) and lower[max(0, start - 8):start].rstrip().rsplit(" ", 1)[-1] in _DETERMINERS:
            continue
        out.append((start, end, lower[start:end], entries))
    return out


def _sentence_actors(lex: Lexicon, text: str, btext: str, blower: str, sent: Span) -> list[Actor]:
    ctx = _context(lex, text, btext, blower, sent)
    return _dedupe([_to_actor(text, s, e, g) for s, e, g in ctx.gaz if g.is_actor and g.kind != "sector"])


def _process_sentence(
    lex: Lexicon, text: str, lower: str, btext: str, blower: str, sent: Span, heads: list,
    field_name: str, pub: date, prev_actors: Callable[[], list[Actor]],
) -> list[Draft]:
    ctx = _context(lex, text, btext, blower, sent)
    names = [(s, e) for s, e, g in ctx.gaz if " " in g.surface]
    if names:  # "Organization for Security and Cooperation in Europe" holds no COOPERATE event
        heads = [h for h in heads if not any(s <= h[0] and h[1] <= e for s, e in names)]
    cands = _candidates(heads, ctx, sent)
    if not cands and "force" not in ctx.classes:
        return []  # nothing can fire here (conditional threats need a force word)
    bounds = clause_bounds(text, sent)
    if_spans = _if_clauses(ctx, text, bounds, sent)
    cands = _conditional_threats(lex, text, ctx, cands, if_spans, sent)
    cands = _drop_decisions(lower, cands)
    if not cands:
        return []
    dates = find_dates(text, sent.start, sent.end, ctx.classes.get("date_anchors", []))
    dates = [d for d in dates if not _reporting_date(lower, ctx, d)]
    # A capital after "in"/"at" is a place ("a regulator in Oslo"), not a government acting.
    has_actor = any(g.is_actor and not (g.kind == "capital" and _is_locative(text, s_)) for s_, _, g in ctx.gaz)
    has_place = any(g.is_place for _, _, g in ctx.gaz)
    cands = [
        c for c in cands
        if not (c.entry.actor == "required" and not has_actor)
        and not (c.entry.actor == "place" and not (has_actor or has_place))
    ]
    clauses = [clause_of(bounds, sent.end, c.start) for c in cands]
    tense_info = [_tense(text, lower, c, ctx, cl, sent) for c, cl in zip(cands, clauses, strict=True)]
    chosen = _assign_dates(lower, cands, dates, clauses, [t for t, _ in tense_info])
    drafts: list[Draft] = []
    seen_types: dict[tuple[EventType, int], Draft] = {}
    for cand, clause, (tense, tense_cues), dm in zip(cands, clauses, tense_info, chosen, strict=True):
        entry = cand.entry
        roles = _roles(text, cand, ctx, clause, sent)
        if (
            entry.type == EventType.MOBILIZE and cand.mode in EQUIPMENT_MODES
            and lower[cand.start:cand.end] in TRANSFER_VERBS and roles.source and roles.target
            and roles.target[0].kind == "state" and roles.target[0].code not in {a.code for a in roles.source}
        ):
            # "Germany will send Leopard tanks to Ukraine": equipment handed to another state is
            # military aid, not a deployment ("moved tanks to the border" stays MOBILIZE).
            entry = _AID_TRANSFER
            cand.entry, cand.mode = entry, "military"
        if (
            entry.type == EventType.CONSULT and cand.mode == "visit" and not roles.target
            and not lower.startswith("host", cand.start)
            and roles.location is not None and roles.location.country in {a.code for a in roles.source}
        ):
            continue  # a minister touring their own country is not a diplomatic visit
        if not roles.source and not roles.target:
            inherited = prev_actors() if entry.actor == "optional" else []
            if inherited:
                roles.source = inherited[:1]
                roles.target = inherited[1:2]
                roles.inherited = True
            elif entry.actor == "place" and roles.location and roles.location.country:
                roles.source = [_build(Actor, code=roles.location.country, text=roles.location.name, kind="state")]
        ev: tuple[date | None, date | None] = (None, None)
        if dm is not None:
            resolved = resolve(dm, pub, tense)
            if resolved:
                ev = resolved
        precise = dm is not None and ev[0] is not None and dm.is_precise
        if precise and ev[0] is not None and ev[1] is None:
            span_days = _n_day(lower, cand.start)
            if span_days > 1:
                ev = (ev[0], ev[0] + timedelta(days=span_days - 1))  # "a three-day summit on Friday"
        modality, cues = _modality(
            lower, cand, ctx, clause, sent, if_spans, tense, ev, pub, precise, tense_cues,
            date_after=dm is not None and dm.start >= cand.end,
        )
        if modality == Modality.SCHEDULED:
            cues = cues or tense_cues
        if (
            modality != Modality.HISTORICAL and dm is not None and dm.is_year_only
            and ev[1] is not None and (pub - ev[1]).days > 365
        ):
            ev, dm = (None, None), None  # an old year dates the background, not this event
        mode = cand.mode or entry.mode
        intensity = intensity_for(entry.type, mode, entry.intensity)
        trig_lo, trig_hi = cand.span if (cand.near and cand.span[1] - cand.span[0] <= 60) else (cand.start, cand.end)
        evidence = _build(
            Evidence,
            field=field_name, sentence=text[sent.start:sent.end], start=sent.start, end=sent.end,
            trigger=text[trig_lo:trig_hi], trigger_start=trig_lo, trigger_end=trig_hi, cues=cues,
            date_text=dm.text if dm is not None and ev[0] is not None else None,
        )
        draft = Draft(
            type=entry.type, mode=mode, modality=modality, source=roles.source, target=roles.target,
            location=roles.location, event_date=ev[0], event_date_end=ev[1], intensity=intensity,
            confidence=_confidence(cand, roles, modality, ev[0] is not None), evidence=evidence,
            order=(0 if field_name == "title" else 1, cand.start),
        )
        key = (entry.type, clause.start)
        prior = seen_types.get(key)
        if (
            prior is not None and prior.modality == draft.modality
            and (prior.event_date is None or draft.event_date is None or prior.event_date == draft.event_date)
            and not (draft.type in DISTINCT_ACT_TYPES and draft.mode != prior.mode)
        ):
            _absorb(prior, draft)  # "agreed a ceasefire": one AGREE per clause
            continue
        seen_types[key] = draft
        drafts.append(draft)
    return drafts


# ----------------------------------------------------------------------------- merging


def _codes(actors: list[Actor]) -> frozenset[str]:
    return frozenset(a.code for a in actors)


def _absorb(into: Draft, other: Draft) -> None:
    """Merge ``other`` (another mention of the same event) into ``into``."""
    known = _codes(into.source) | _codes(into.target)
    into.source = into.source + [a for a in other.source if a.code not in known]
    known |= _codes(other.source)
    into.target = into.target + [a for a in other.target if a.code not in known]
    if into.location is None and other.location is not None:
        into.location = other.location
    if into.event_date is None and other.event_date is not None:
        into.event_date, into.event_date_end = other.event_date, other.event_date_end
    if other.evidence.sentence != into.evidence.sentence or other.evidence.field != into.evidence.field:
        into.related.append(other.evidence)
    into.related.extend(other.related)
    into.confidence = max(into.confidence, other.confidence)


_OTHER_EVENT_RE = re.compile(
    r"\b(?:in retaliation for|in response to|retaliat\w*|after|following|since|days? after|weeks? after)\b",
    re.IGNORECASE,
)


def _same_sentence_twice(d: Draft, k: Draft) -> bool:
    """Two triggers of one type in one sentence, compatible in actors and date, are one event
    ("exchanged fire ..., killing two soldiers")."""
    if (d.evidence.field, d.evidence.start) != (k.evidence.field, k.evidence.start) or d.modality != k.modality:
        return False
    if d.type in DISTINCT_ACT_TYPES and d.mode != k.mode:
        return False  # a coup and a detention, a recall and an expulsion: two acts
    lo, hi = sorted((k.evidence.trigger_end, d.evidence.trigger_start))
    if _OTHER_EVENT_RE.search(k.evidence.sentence, lo - k.evidence.start, max(lo, hi) - k.evidence.start):
        return False  # "struck Iran in retaliation for a missile barrage": two events
    if d.event_date and k.event_date and d.event_date != k.event_date:
        return False
    a, b = _codes(d.source) | _codes(d.target), _codes(k.source) | _codes(k.target)
    return not a or not b or a <= b or b <= a


def _merge(drafts: list[Draft]) -> list[Draft]:
    # Body mentions are better evidence than headlines: put them first so they become primary.
    drafts = sorted(drafts, key=lambda d: (0 if d.evidence.field == "body" else 1, d.order[1]))
    kept: list[Draft] = []
    for d in drafts:
        target = None
        for k in kept:
            if k.type != d.type:
                continue
            if d.modality == Modality.SCHEDULED and k.modality == Modality.SCHEDULED and d.event_date == k.event_date:
                target = k
                break
            if _same_sentence_twice(d, k):
                target = k
                break
            if (
                d.modality == k.modality
                and (d.event_date is None or k.event_date is None or d.event_date == k.event_date)
                and _codes(d.source) | _codes(d.target) == _codes(k.source) | _codes(k.target)
                and (d.location is None or k.location is None or d.location.name == k.location.name)
            ):
                target = k
                break
        if target is not None:
            _absorb(target, d)
        else:
            kept.append(d)
    # An undated mention of a meeting whose parties match an announced one is that meeting
    # ("the discussions in Geneva with the US" -> the Jan. 10 U.S.-Russia talks).
    final: list[Draft] = []
    scheduled = [k for k in kept if k.modality == Modality.SCHEDULED]
    for d in kept:
        if d.type == EventType.CONSULT and d.event_date is None and d.modality in {Modality.ASSERTED, Modality.SPECULATIVE}:
            codes = _codes(d.source) | _codes(d.target)
            matches = [
                s for s in scheduled
                if s.type == EventType.CONSULT and len(codes & (_codes(s.source) | _codes(s.target))) >= 2
                and codes <= (_codes(s.source) | _codes(s.target))
            ]
            if matches:
                _absorb(min(matches, key=lambda s: s.order), d)
                continue
        final.append(d)
    final.sort(key=lambda d: (d.evidence.field != "title", d.evidence.start))
    return final


# ----------------------------------------------------------------------------- entry point


def _signal_id(article_id: str, d: Draft) -> str:
    raw = f"{article_id}|{d.evidence.field}|{d.evidence.trigger_start}|{d.type.value}"
    return "sig-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


def detect(article: Article, *, lexicon: Lexicon | None = None) -> list[Signal]:
    """Detect every escalation signal in ``article``. Pure: no I/O, deterministic, never raises
    on any text (the property test feeds it arbitrary strings)."""
    lex = lexicon or load_lexicon()
    assert article.published_at is not None
    pub = article.published_at.date()
    drafts: list[Draft] = []
    for field_name, text in (("title", article.title), ("body", article.body)):
        if not text:
            continue
        lower = text.lower()
        if len(lower) != len(text):  # rare Unicode whose lowercase changes length: keep offsets exact
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        btext = boundary_text(text)
        # Lowercasing the boundary form is ~4x cheaper than translating the lowercase text.
        blower = btext.lower() if len(lower) == len(text) else boundary_text(lower)
        if len(blower) != len(btext):
            blower = boundary_text(lower)
        heads = _heads(lex, lower, blower)
        if not heads:
            continue
        index = SentenceIndex(text) if field_name == "body" else None
        by_sentence: dict[Span, list] = {}
        for h in heads:
            sent = index.sentence_at(h[0]) if index is not None else Span(0, len(text))
            if h[1] <= sent.end:
                by_sentence.setdefault(sent, []).append(h)
        for sent in sorted(by_sentence, key=lambda sp: sp.start):

            def prev_actors(sent: Span = sent, text: str = text, btext: str = btext, blower: str = blower,
                            index: SentenceIndex | None = index) -> list[Actor]:
                # Only unambiguous triggers with no actor in their own sentence ask for this
                # ("Major combat ended with a ceasefire in 2015"): computed on demand.
                prev: Span | None = sent
                for _ in range(2):
                    prev = index.sentence_before(prev) if index is not None and prev is not None else None
                    if prev is None:
                        return []
                    found = _sentence_actors(lex, text, btext, blower, prev)
                    if found:
                        return found
                return []

            drafts.extend(_process_sentence(
                lex, text, lower, btext, blower, sent, by_sentence[sent], field_name, pub, prev_actors
            ))
    drafts = _merge(drafts)
    ref = _build(
        ArticleRef,
        id=article.id, title=article.title, source=article.source, url=article.url,
        published_at=article.published_at, published_at_assumed=article.published_at_assumed,
    )
    out = []
    for d in drafts:
        out.append(
            _build(
                Signal,
                schema_version=1, signal_id=_signal_id(article.id, d), article_id=article.id, type=d.type,
                mode=d.mode or None, modality=d.modality, actors=_build(Actors, source=d.source, target=d.target),
                location=d.location, event_date=d.event_date, event_date_end=d.event_date_end,
                intensity=d.intensity, severity=severity_for(d.intensity), confidence=d.confidence,
                evidence=d.evidence, related_evidence=d.related, article=ref, detector_version=DETECTOR_VERSION,
            )
        )
    return out

