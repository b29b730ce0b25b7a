"""The detector: an article in, PLOVER-typed signals with evidence out.

How a signal is found (each step is a small function below, so a wrong signal can be traced to
one rule):

1. Trigger heads from ``triggers.yaml`` are matched over the whole text with one Aho-Corasick
   pass, which also finds the class words heads need nearby: a head none of whose rules can be
   satisfied is dropped there (``_live_heads``). Only sentences still holding a head are looked
   at further: most wire sentences hold none. The same scan finds the block words no name can
   hold, so a sentence whose every head is blocked or lacks its near word is skipped before its
   context is built (``_sentence_heads``).
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
import importlib
import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from typing import Final, cast

from schemas.article import Article
from schemas.common import EventType, Modality
from schemas.signal import Actor, Actors, Location, Signal
from service.detection import vocabulary
from service.detection.dates import DateMention, Tense, find_dates, resolve
from service.detection.lexicon import (
    ACTOR_CLASS,
    CONDITIONALS,
    EXCEPTIONS_CLASS,
    FRAME_MIN_WORDS,
    FRAME_WAR_RATIO,
    IF_ID,
    LONGEST_SCAN_KEY,
    NAME_CLASSES,
    NEAR_ACTOR_KINDS,
    PLACE_CLASS,
    SUBJECT_OVERRIDES,
    THREAT_CLASS,
    THREAT_ID,
    ContextKey,
    GazEntry,
    GazKey,
    Lexicon,
    ScanKey,
    TriggerEntry,
    boundary_window,
    load_lexicon,
    lower_forms,
)
from service.detection.merging import absorb, distinct_acts, merge_mentions
from service.detection.model import (
    AGREE,
    ASSAULT,
    ASSERTED,
    COERCE,
    CONSULT,
    DENIED,
    HISTORICAL,
    MOBILIZE,
    PROTEST,
    ROLE_MODEL_TAG,
    SCHEDULED,
    THREATEN,
    Candidate,
    Context,
    Draft,
    EvidenceDraft,
    article_ref,
    build,
)
from service.detection.role_model import rerank_roles
from service.detection.roles import (
    SYMMETRIC,
    Roles,
    assign_roles,
    dedupe_actors,
    is_backer,
    is_locative,
    to_actor,
)
from service.detection.scoring import intensity_for, severity_for
from service.detection.sense import SenseModel, refine
from service.detection.temporal import (
    COURT_STORY_WORDS,
    JUDGED_TYPES,
    assign_dates,
    clause_year_cue,
    history_cues_in,
    is_baseline_date,
    is_reporting_date,
    modality_of,
    n_day_span,
    opening_year_cue,
    past_verb_in,
    tense_of,
)
from service.detection.text import MAX_SENTENCE_CHARS, SentenceIndex, Span, clause_bounds, clause_of

DETECTOR_VERSION: Final = "1.0.0"



# ----------------------------------------------------------------------------- context


def _context(lex: Lexicon, text: str, blower: str, sent: Span) -> Context:
    """Context words and names of one sentence. ``blower``: the boundary form of the lowercase
    text. Names are found by their lowercase and checked for case against the original text
    (``_spelled``)."""
    ctx, found = _context_names(lex, text, _bytes_form(text), blower, sent)
    _context_words(ctx, found, text, sent)
    return ctx


_HYPHEN: Final = ord("-")


def _bytes_form(text: str) -> bytes | None:
    """An ASCII ``text`` as bytes (a copy), None for any other: a byte of it is read as a plain
    int, where ``text[i]`` makes a one-character string (~400 instructions), so the per-head
    tests for a hyphen read this instead. (Encoding a text that is not ASCII with "?" for the
    other characters costs more than its tests save: those few texts are read as strings.)"""
    return text.encode("ascii") if text.isascii() else None


def _hyphen_at(text: str, raw: bytes | None, i: int) -> bool:
    """``text[i] == "-"``, read from ``raw`` (``_bytes_form(text)``) when there is one."""
    return raw[i] == _HYPHEN if raw is not None else text[i] == "-"


def _context_names(
    lex: Lexicon, text: str, raw: bytes | None, blower: str, sent: Span
) -> tuple[Context, list[object]]:
    """The first half of ``_context``: the sentence's names (``ctx.gaz``), and the context scan's
    hits for ``_context_words``. Names alone tell that a sentence names no actor or place, and
    most sentences whose heads need one are then dropped before their words are sorted out."""
    ctx = Context()
    gaz_hits: list[tuple[int, int, GazEntry]] = []
    # The sentence's words only (and a space after it: keys end with one).
    lo, hi = sent.start, sent.end + 2
    if lex.gazetteer_automaton is not None:  # names the lowercase scan cannot match (none today)
        bwin = boundary_window(text, sent.start, sent.end)  # boundary_text(text)[lo:hi]
        for item in lex.gazetteer_automaton.findall(bwin):
            end_idx, gaz_key = cast(tuple[int, GazKey], item)
            start = lo + end_idx - gaz_key.key_len + 1
            for g in gaz_key.names:
                gaz_hits.append((start, lo + end_idx - 1, g))
    found = cast(list[object], lex.context_automaton.findall(blower, lo, hi))
    # "ISLAMABAD: Seven people were injured ...": a wire dateline sets its town in capitals
    dateline = ctx.dateline = _dateline_end(text) if sent.start < _DATELINE_REACH else 0
    for hit in found:
        end_idx, key = cast(tuple[int, ContextKey], hit)
        start, end = end_idx - key.key_len + 1, end_idx - 1
        for spelling in key.spellings:  # names are case-sensitive: "US" the state, not "us"
            if _spelled(text, start, spelling) and not (spelling.key in _WORD_NAMES and _shouted(text, start, end)):
                for g in spelling.names:
                    gaz_hits.append((start, end, g))
            elif end <= dateline and _spelled(text, start, spelling, capitals=True):
                for g in spelling.names:
                    if g.is_place:
                        gaz_hits.append((start, end, g))
        for g in key.sectors:
            gaz_hits.append((start, end, g))
    ctx.gaz = _fuse_sectors(text, _longest_gaz(text, raw, gaz_hits))
    return ctx, found


# Names that are also common words in capitals ("IS", the Islamic State): not names in a stretch
# of text set in capitals ("WHAT IS NEXT").
_WORD_NAMES: Final = frozenset(f" {w} " for w in vocabulary.words("word_names"))


def _shouted(text: str, start: int, end: int) -> bool:
    """Whether a word right before or after ``text[start:end]`` is in capitals too."""
    before = text[max(0, start - 12):start].split()
    after = text[end:end + 12].split()
    return any(len(w) > 1 and w.isalpha() and w.isupper() for w in before[-1:] + after[:1])


# Kinds of names a generic actor noun right after them belongs to ("Pakistani police",
# "Israeli settlers", "Hamas militants").
_SECTOR_OWNERS: Final = frozenset({"demonym", "state", "group"})
# Fused entries, one per (owner, sector) pair: actors are cached by entry identity (``to_actor``).
_FUSED: Final[dict[tuple[int, int], GazEntry]] = {}


def _fuse_sectors(text: str, gaz: list[tuple[int, int, GazEntry]]) -> list[tuple[int, int, GazEntry]]:
    """A demonym, state or group named right before a generic actor noun is that actor's
    owner: "Pakistani police" is one actor, PAK with sector COP, not Pakistan and police."""
    if len(gaz) < 2:
        return gaz
    out: list[tuple[int, int, GazEntry]] | None = None
    i = 0
    n = len(gaz)
    while i < n:
        hit = gaz[i]
        if i + 1 < n:
            nxt = gaz[i + 1]
            if nxt[2].kind == "sector" and hit[2].kind in _SECTOR_OWNERS and _owner_gap(text, hit[1], nxt[0]):
                if out is None:
                    out = gaz[:i]
                out.append((hit[0], nxt[1], _fused(hit[2], nxt[2])))
                i += 2
                continue
        if out is not None:
            out.append(hit)
        i += 1
    return gaz if out is None else out


_SECTOR_MODIFIERS: Final = vocabulary.words("sector_modifiers")
_SECTOR_MODIFIER_REACH: Final = 30


def _owner_gap(text: str, end: int, start: int) -> bool:
    """Whether the text between an owner's name and a generic actor noun makes it the noun's
    owner: a space ("Pakistani police"), a possessive ("Turkey's soldiers", "Syria's rebels"), or
    one or two words that say which of the owner's actors ("Nigerian Islamist rebels")."""
    gap = start - end
    if gap == 1:
        return text[end] == " "
    if gap == 3 and text[end + 1] == "s" and text[end + 2] == " " and text[end] in "'’":
        return True
    if gap > _SECTOR_MODIFIER_REACH or text[end] != " " or text[start - 1] != " ":
        return False
    words = text[end + 1:start - 1].split(" ")
    return len(words) <= 2 and all(w.lower() in _SECTOR_MODIFIERS for w in words)


def _fused(owner: GazEntry, sector: GazEntry) -> GazEntry:
    key = (id(owner), id(sector))
    fused = _FUSED.get(key)
    if fused is None:
        fused = _FUSED[key] = GazEntry(
            surface=owner.surface + " " + sector.surface, code=owner.code, kind=owner.kind,
            country=owner.country, lat=owner.lat, lon=owner.lon, name=owner.name, sector=sector.sector,
        )
    return fused


def _context_words(ctx: Context, found: list[object], text: str, sent: Span) -> None:
    """The second half of ``_context``: the class words, cues and clause openers among the
    context scan's hits (``found``), less the class words inside names."""
    classes, cues = ctx.classes, ctx.cues
    for item in found:
        end_idx, key = cast(tuple[int, ContextKey], item)
        start, end = end_idx - key.key_len + 1, end_idx - 1
        for name, value in key.class_values:
            hits = classes.get(name)  # not setdefault: compiled, it raises and clears a KeyError per new name
            if hits is None:
                classes[name] = [(start, end, value)]
            else:
                hits.append((start, end, value))
        if key.opens_clause and start < sent.end:
            ctx.clause_words.append(start)
        if key.cue_words and not (key.may and text[start] == "M"):  # "May 6" is a month, not a modal
            for name, word in key.cue_words:
                found_cues = cues.get(name)
                if found_cues is None:
                    cues[name] = [(start, end, word)]
                else:
                    found_cues.append((start, end, word))
    if EXCEPTIONS_CLASS in classes:
        _drop_excepted(classes)
    if ctx.gaz:
        # "Rapid Support Forces", "U.S. Forces Korea": words inside a name are not class words
        # (generic sectors such as "the army" are not names: "deployed the army" is a deployment).
        spans = [(s, e) for s, e, g in ctx.gaz if " " in g.surface and g.sector is None]
        if spans:
            for name, hits in ctx.classes.items():
                # "address the European Parliament": the name is the forum; "fighting the Islamic
                # State": the name is the armed group
                if name in _NAMED_CLASSES:
                    continue
                for h in hits:
                    if _in_names(h[0], h[1], spans):  # copy only the lists that lose a word
                        ctx.classes[name] = [k for k in hits if not _in_names(k[0], k[1], spans)]
                        break


def _drop_excepted(classes: dict[str, list[tuple[int, int, str]]]) -> None:
    """'Storm Shadow missiles': the words of a class inside a phrase that excepts them
    (classes.yaml: class_exceptions) are not words of that class."""
    for start, end, cname in classes[EXCEPTIONS_CLASS]:
        hits = classes.get(cname)
        if hits:
            kept = [h for h in hits if not (start <= h[0] and h[1] <= end)]
            if kept:
                classes[cname] = kept
            else:
                del classes[cname]  # a class is in the sentence when its name is a key


# Classes whose words may be whole names (kept where the gazetteer also names them).
_NAMED_CLASSES: Final = vocabulary.words("named_classes")


def _spelled(text: str, start: int, spelling: GazKey, capitals: bool = False) -> bool:
    """Whether the name whose lowercase the context scan matched at ``start`` is spelled so in
    ``text`` (see ``GazKey.runs``), or set in capitals ("KABUL" for "Kabul"): a few short
    comparisons, not the sentence's boundary form."""
    for offset, word in spelling.runs:
        at = start + offset
        if text[at:at + len(word)] != (word.upper() if capitals else word):
            return False
    return True


# A wire story's dateline: its names are places (``roles._sort_names``), set in capitals too.
_DATELINE_RE: Final = vocabulary.pattern("dateline")
_DATELINE_REACH: Final = 80  # a dateline is short: "Canadian Press - KINSHASA, Congo (AP) - "


def _dateline_end(text: str) -> int:
    """Where the dateline the text opens with ends (0: none)."""
    m = _DATELINE_RE.match(text, 0, min(len(text), _DATELINE_REACH))
    return m.end() if m is not None else 0


def _in_names(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(lo <= start and end <= hi for lo, hi in spans)


def _longest_gaz(
    text: str, raw: bytes | None, hits: list[tuple[int, int, GazEntry]]
) -> list[tuple[int, int, GazEntry]]:
    """Keep the longest non-overlapping gazetteer matches; drop 'pro-Russian', 'Vienna-based'.
    ``raw``: ``_bytes_form(text)``."""
    if not _in_gaz_order(hits):
        # Sorted by (start, longest first) through plain int tuples: no key callback per item.
        order = sorted([(h[0], h[0] - h[1], i) for i, h in enumerate(hits)])
        hits = [hits[i] for _, _, i in order]
    # Most sentences keep every match: the list is copied only from the first one dropped
    # (compiled, appending a match re-creates its tuple).
    out: list[tuple[int, int, GazEntry]] | None = None
    last_end = -1
    n = len(text)
    for i in range(len(hits)):
        start, end = hits[i][0], hits[i][1]
        if (
            start < last_end
            or (start > 0 and _hyphen_at(text, raw, start - 1)
                and text[max(0, start - 5):start].lower().endswith(("pro-", "anti-", "non-", "ex-")))
            or (end < n and _hyphen_at(text, raw, end)
                and text[end:end + 6].lower().startswith(("-based", "-born", "-made", "-style")))
        ):
            if out is None:
                out = hits[:i]
            continue
        if out is not None:
            out.append(hits[i])
        last_end = end
    return hits if out is None else out


def _in_gaz_order(hits: list[tuple[int, int, GazEntry]]) -> bool:
    """Whether ``hits`` already run by start, longest first: the scan reports them by end, which
    is the same order unless names overlap, so most sentences need no sort."""
    for i in range(1, len(hits)):
        prev, hit = hits[i - 1], hits[i]
        if prev[0] > hit[0] or (prev[0] == hit[0] and prev[1] < hit[1]):
            return False
    return True


# ----------------------------------------------------------------------------- candidates


def _name_hits(ctx: Context, name: str) -> list[tuple[int, int, str]]:
    """The words of a class of names (``NAME_CLASSES``): the sentence's gazetteer matches."""
    if name == PLACE_CLASS:
        return [(s, e, "territory") for s, e, g in ctx.gaz if g.kind in {"city", "region"}]
    if name == ACTOR_CLASS:
        return [(s, e, "actor") for s, e, g in ctx.gaz if g.kind in NEAR_ACTOR_KINDS]
    return [(s, e, "leader") for s, e, g in ctx.gaz if g.kind == "leader"]


def _hits_of(ctx: Context, name: str) -> list[tuple[int, int, str]] | None:
    """The words of one class in the sentence (None or empty when there are none): the list
    ``ctx.classes`` holds, read in place rather than copied for each rule that asks."""
    if name in NAME_CLASSES:  # one set lookup rather than three string comparisons
        return _name_hits(ctx, name)
    return ctx.classes.get(name)


def _near(entry: TriggerEntry, ctx: Context, start: int, end: int, sent: Span) -> tuple[int, int, str] | None:
    best: tuple[int, int, str] | None = None
    best_dist = 0
    for name in entry.near:  # class by class, in the rule's order: the first nearest word wins
        hits = _hits_of(ctx, name)
        if hits is None:
            continue
        for hit in hits:
            s, e = hit[0], hit[1]
            if s < end and e > start:  # the head itself
                continue
            if e <= start:
                if not entry.looks_before:
                    continue
                dist = start - e
            else:
                if not entry.looks_after:
                    continue
                dist = s - end
            if dist > entry.window or s < sent.start or e > sent.end:
                continue
            if best is None or dist < best_dist:
                best, best_dist = hit, dist
    return best


_ARMED_SUBJECT_REACH: Final = 40


def _armed_subject(ctx: Context, start: int) -> bool:
    """Whether an armed generic actor ("gunmen", "militants", "Pakistani soldiers") ends shortly
    before ``start``: the doer of the head."""
    for _s, e, g in ctx.gaz:
        if g.sector is not None and g.armed and e <= start and start - e <= _ARMED_SUBJECT_REACH:
            return True
    return False


def _blocked(entry: TriggerEntry, ctx: Context, start: int, end: int) -> bool:
    if not entry.block:
        return False
    lo, hi = start - entry.block_window, end + entry.block_window
    armed = -1  # unknown until a class it overrides blocks
    for name in entry.block:
        # Read in place; the name classes are looked for only where the rule has one.
        hits = _hits_of(ctx, name) if entry.block_on_names else ctx.classes.get(name)
        if hits is None:
            continue
        for hit in hits:
            if hit[1] >= lo and hit[0] <= hi:
                if entry.type == ASSAULT and name in SUBJECT_OVERRIDES:
                    if armed < 0:
                        armed = 1 if _armed_subject(ctx, start) else 0
                    if armed == 1:
                        break
                return True
    return False


def _vetoed(entry: TriggerEntry, ctx: Context) -> bool:
    """Whether the sentence holds a word of a class that vetoes the rule anywhere in it (its
    context holds the sentence's words only)."""
    return any(name in ctx.classes for name in entry.veto)


def _war_words(ctx: Context) -> bool:
    """Whether a sentence speaks of war in its own words: troops, weapons, a named armed group
    or an international body (a framed article's rules fire only in such a sentence)."""
    if "military_units" in ctx.classes or "projectiles" in ctx.classes or "strikers" in ctx.classes:
        return True
    return any(g.kind in {"group", "igo"} and g.sector is None for _, _, g in ctx.gaz)


def _article_frame(lex: Lexicon, hits: list[NearHits], heads: list[list[Head]]) -> str:
    """The frame of an article (``FRAME_CLASSES``) from its fields' whole-text scans: a class
    with enough words that outnumber its war words and the attack heads it does not veto; "" for
    none (most articles). A report of a bombing that mentions a football tournament is no sports
    report; a story about hacking stays one however often it says "attacks"."""
    best, best_n = "", 0
    war = -1
    for name, cid in lex.frame_ids:
        n = 0
        for near in hits:
            found = near[cid]
            n += len(found) if found is not None else 0
        if n < FRAME_MIN_WORDS or n <= best_n or _distinct_words(hits, cid) < 2:
            continue
        if war < 0:
            war = 0
            if lex.war_id >= 0:
                for near in hits:
                    found = near[lex.war_id]
                    war += len(found) if found is not None else 0
        if n >= FRAME_WAR_RATIO * (war + _attacks_beyond(name, heads) // 3):
            best, best_n = name, n
    return best


def _distinct_words(hits: list[NearHits], cid: int) -> int:
    """How many different words of near class ``cid`` the fields' scans found: a story that names
    one restaurant four times is not about restaurants (a frame needs two words of its class or
    more), a sports report names many sports words."""
    seen: set[int] = set()
    for near in hits:
        found = near[cid]
        if found is not None:
            for item in cast(list[object], found):
                _end, key = cast(tuple[int, ScanKey], item)
                seen.add(id(key))
    return len(seen)


def _attacks_beyond(frame: str, heads: list[list[Head]]) -> int:
    """How many heads of ``heads`` have an ASSAULT rule that ``frame``'s class neither blocks nor
    vetoes: attacks the frame cannot explain away ("air strikes" in a sports report)."""
    n = 0
    for field_heads in heads:
        for h in field_heads:
            for e in h[2].assault_rules:
                if frame not in e.block and frame not in e.veto:
                    n += 1
                    break
    return n


def _candidates(
    heads: list[Head], ctx: Context, lower: str, sent: Span, frame: str = "", has_actor: bool = True, has_place: bool = True,
    story: bool = False,
) -> list[Candidate]:
    """Each head's best rule that holds, overlaps resolved. A rule the sentence can place (``_fits``:
    it names the actor or place the rule needs) beats one it cannot whatever their priorities:
    "the worst explosion was at the bus station" needs no place for its plain rule, and the
    place-bound rule that outranks it would be dropped later for want of one."""
    per_head: list[Candidate] = []
    war = -1  # whether the sentence has war words: worked out when a framed rule asks
    for start, end, key in heads:
        best: Candidate | None = None
        entries = key.entries
        for i in range(len(entries)):
            entry = entries[i]
            if _blocked(entry, ctx, start, end) or entry.veto and _vetoed(entry, ctx):
                continue
            if frame and (frame in entry.block or frame in entry.veto):
                if war < 0:
                    war = 1 if _war_words(ctx) else 0
                if war == 0:
                    continue  # "Spain struck after two minutes" in a hockey report
            # (tested against None, not for truth: compiled, a tuple's truth is a C API call)
            near: tuple[int, int, str] | None = None
            if entry.near:
                near = _near(entry, ctx, start, end, sent)
                if near is None and not (story and entry.story):  # an attack story stands in for it
                    continue
            if entry.mode == "@near":
                mode = near[2] if near is not None else ""
            elif key.modes is not None:
                mode = key.modes[i]
            else:
                mode = (entry.mode_for(lower[start:end]) if entry.head_modes else None) or entry.mode
            cand = Candidate(entry, start, end, mode, (near[0], near[1]) if near is not None else None)
            if entry.consume and near is not None:
                cand.consume_span = cand.span
            if best is None:
                best = cand
            else:
                fits, best_fits = _fits(entry, has_actor, has_place), _fits(best.entry, has_actor, has_place)
                if fits and not best_fits or fits == best_fits and cand.priority > best.priority:
                    best = cand
        if best is not None:
            per_head.append(best)
    if len(per_head) > 1 and not (has_actor and has_place):
        per_head = _placeable_first(per_head, has_actor, has_place)
    # Resolve overlaps: higher priority, then longer, then earlier wins.
    if len(per_head) > 1:  # most sentences hold one candidate
        _sort_by(per_head, by_start=False)
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
    if len(accepted) > 1:
        _sort_by(accepted, by_start=True)
    return accepted


def _placeable_first(cands: list[Candidate], has_actor: bool, has_place: bool) -> list[Candidate]:
    """``cands`` without those the sentence cannot place that overlap one it can (or consume one
    of the same type): "the ghastly attacks on innocent people" with no actor named is the rule
    that needs none, not the higher-priority "attacks" that needs a doer and would be dropped for
    want of one; "never struck a peace treaty" with no party named is the peace treaty, not the
    "struck ... treaty" that consumes it and needs one."""
    out: list[Candidate] = []
    for c in cands:
        if not _fits(c.entry, has_actor, has_place) and any(
            o is not c and _fits(o.entry, has_actor, has_place) and (o.start < c.end and o.end > c.start or _same_consumed(c, o))
            for o in cands
        ):
            continue
        out.append(c)
    return out


def _same_consumed(c: Candidate, o: Candidate) -> bool:
    """Whether ``c`` consumes the words of ``o`` and both tell one type: "the two sides agreed to a
    ceasefire" is the ceasefire that needs no actor, not the "agreed" that needs one (a REQUEST
    that consumes "called for a ceasefire" still hides the AGREE, placed or not)."""
    span = c.consume_span
    return span is not None and c.entry.type == o.entry.type and o.start < span[1] and o.end > span[0]


def _outranks(a: Candidate, b: Candidate) -> bool:
    """Whether ``a`` sorts before ``b`` when overlaps are resolved: higher priority, then longer,
    then earlier (the order of the key ``(-priority, -length, start)``)."""
    pa, pb = a.priority, b.priority
    if pa != pb:
        return pa > pb
    la, lb = a.end - a.start, b.end - b.start
    if la != lb:
        return la > lb
    return a.start < b.start


def _sort_by(cands: list[Candidate], by_start: bool) -> None:
    """Stable insertion sort of a sentence's few candidates, in place, by rank (``_outranks``) or
    by start: ``list.sort`` with a key function calls it through Python for each item and builds
    a key tuple per item (and a function passed as an argument is called the same way)."""
    for i in range(1, len(cands)):
        cand = cands[i]
        j = i
        while j > 0 and (cand.start < cands[j - 1].start if by_start else _outranks(cand, cands[j - 1])):
            cands[j] = cands[j - 1]
            j -= 1
        cands[j] = cand


# ----------------------------------------------------------------------------- threats


def _if_clauses(ctx: Context, text: str, bounds: list[int], sent: Span) -> list[tuple[int, int]]:
    out = []
    for s, _e, word in ctx.cues.get("speculative", ()):
        if word in CONDITIONALS:
            # The if-clause runs to the next comma/semicolon boundary after it, or the sentence end.
            end = sent.end
            for b in bounds:
                if b > s + 3 and text[b] in ",;:":
                    end = b
                    break
            out.append((s, end))
    return out


# "Euroclear would not say if the payment had been blocked": a negated commitment commits to nothing.
_NEGATED_AFTER: Final = vocabulary.pattern("negated_after")


def _conditional_threats(
    lex: Lexicon, text: str, ctx: Context, cands: list[Candidate], if_spans: list[tuple[int, int]], sent: Span
) -> list[Candidate]:
    """'X promised sanctions if Y attacks' -> THREATEN by X against Y; absorbs the sanction."""
    if not if_spans:
        return cands
    for c in cands:
        if c.entry.type == THREATEN and c.threat_target_from is None:
            # "threatened sanctions if Russia attacks Ukraine", "will retaliate if Israel strikes":
            # a threat's condition names whom it is aimed at
            c.threat_target_from = next(((a, b) for a, b in if_spans if a >= c.end), None)
    threat_entry = next(e for e in lex.entries if e.id == "threaten.explicit")
    forces = ctx.classes.get(THREAT_CLASS, [])
    commitments = ctx.cues.get("commitment", [])
    out = list(cands)
    for fs, fe, fval in forces:
        if any(a <= fs < b for a, b in if_spans):
            continue
        cue = None
        for cs, ce, cw in commitments:
            if ce <= fs and fs - ce <= 80 and not any(a <= cs < b for a, b in if_spans) \
                    and not _NEGATED_AFTER.match(text, ce):
                cue = (cs, ce, cw)
        if cue is None:
            continue
        already = [c for c in out if c.entry.type == THREATEN and c.start <= fs and c.span[1] >= fe]
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


EQUIPMENT_MODES: Final = vocabulary.words("equipment_modes")
TRANSFER_VERBS: Final = vocabulary.words("transfer_verbs")
_AID_TRANSFER: Final = TriggerEntry(id="aid.transfer", type=EventType.AID, mode="military", intensity=5.0)

# "its ban on transit, which Moscow called a blockade": a party's name for an act already reported,
# not another act (an accusation at most). Calling strikes and meetings is organising them.
_LABEL_RE: Final = vocabulary.pattern("label")
# "akin to torture", "tantamount to a declaration of war": an act named to liken another to it.
_LIKENED_RE: Final = vocabulary.pattern("likened")
_LIKENED_TYPES: Final = frozenset({MOBILIZE, EventType.THREATEN, EventType.SANCTION, ASSAULT, COERCE})
_ORGANISED_TYPES: Final = frozenset({EventType.PROTEST, EventType.CONSULT})


def _drop_modifiers(lower: str, cands: list[Candidate]) -> list[Candidate]:
    """'The first of eight air defence systems pledged to Ukraine will be delivered on Nov. 7': a
    participle right after its object modifies it (background); the sentence's own act of the
    same type is the event."""
    out = []
    for c in cands:
        if (
            c.near is not None and c.near[1] <= c.start and c.start - c.near[1] <= 1
            and lower.endswith("ed", c.start, c.end) and lower.startswith((" to ", " by ", " for "), c.end)
            and any(o is not c and o.entry.type == c.entry.type for o in cands)
        ):
            continue
        out.append(c)
    return out


_THREAT_TO_RE: Final = vocabulary.pattern("threat_to")


def _drop_threatened_acts(lower: str, cands: list[Candidate]) -> list[Candidate]:
    """'Russia threatened to cut off gas supplies to Moldova': the threatened act is the threat's
    mode, not a signal of its own (the rule for conditional threats in docs/taxonomy.md, without the if)."""
    threats = [c for c in cands if c.entry.type == THREATEN and not c.consume_span]
    if not threats:
        return cands
    out = []
    for c in cands:
        threat = next(
            (t for t in threats if t.end < c.start <= t.end + 30 and _THREAT_TO_RE.fullmatch(lower, t.end, c.start)),
            None,
        ) if c.entry.type != THREATEN else None
        if threat is not None:
            if threat.mode in {"", "unspecified"}:
                threat.mode = c.mode or c.entry.mode  # "threatened to annex": annexation
            continue
        out.append(c)
    return out


_WARNED_THAT_RE: Final = vocabulary.pattern("warned_that")
_WARNING_HEADS: Final = vocabulary.words("warning_heads")


def _drop_forecasts(lower: str, ctx: Context, cands: list[Candidate]) -> list[Candidate]:
    """'Officials warned that China may be preparing to invade Taiwan': a warning about what another
    party may do is a forecast, not a threat by the speaker (the event stays, speculative)."""
    out = []
    for c in cands:
        if c.entry.type == THREATEN and c.consume_span and lower[c.start:c.end] in _WARNING_HEADS:
            m = _WARNED_THAT_RE.match(lower, c.end, c.consume_span[1])
            if m and any(m.start("clause") <= s and e <= m.end("clause") and g.is_actor for s, e, g in ctx.gaz):
                continue
        out.append(c)
    return out


# "protest outside an EU leaders' summit", "meet on the sidelines of the G20 summit": the
# gathering named as the venue happens when the act at it does.
_VENUE_RE: Final = vocabulary.pattern("venue")


def _venue_pairs(lower: str, sent: Span, cands: list[Candidate]) -> list[tuple[int, int]]:
    """(act, venue) index pairs: a meeting named as where the trigger right before it happens."""
    out = []
    for i in range(1, len(cands)):
        c = cands[i]
        if (
            c.entry.type == CONSULT and cands[i - 1].end <= c.start
            and _VENUE_RE.search(lower, max(sent.start, c.start - 50), c.start)
        ):
            out.append((i - 1, i))
    return out


def _share_venue_dates(pairs: list[tuple[int, int]], chosen: list[DateMention | None]) -> None:
    for j, i in pairs:
        mine, theirs = chosen[i], chosen[j]
        if mine is None and theirs is not None and theirs.is_precise:
            chosen[i] = theirs
        elif theirs is None and mine is not None and mine.is_precise:
            chosen[j] = mine


# An attack in words: "then attacked Trump, saying ...", "launched a vicious attack on Hillary
# Clinton, branding her ...", "choosing to attack my character": the bare verb or noun with a
# politician or a person's standing as its object, in a sentence that names no weapon, troops,
# armed group or casualties. Violence against a politician names its weapon or its doers.
_VERBAL_ATTACK_HEADS: Final = vocabulary.words("verbal_attack_heads")
_VERBAL_ATTACK_OBJECT_RE: Final = vocabulary.pattern("verbal_attack_object")
_VERBAL_ATTACK_VIOLENCE: Final = vocabulary.words("verbal_attack_violence")
_VERBAL_ATTACK_WAR_CLASSES: Final = vocabulary.words("verbal_attack_war_classes")
_VERBAL_ATTACK_REACH: Final = 80


def _drop_verbal_attacks(lower: str, sent: Span, ctx: Context, cands: list[Candidate]) -> list[Candidate]:
    """``cands`` without the attacks in words (``_VERBAL_ATTACK_HEADS``): a leader named right
    after the head ("attacked Trump", "an attack on Hillary Clinton"), or a person's standing
    ("attack my character and reputation"), with no word of violence in the sentence
    (``verbal_attack_violence``: a weapon, a wound, the police) and no troops, weapons, armed
    group or casualties near the head."""
    if not any(c.entry.type == ASSAULT and lower[c.start:c.end] in _VERBAL_ATTACK_HEADS for c in cands):
        return cands
    if _VERBAL_ATTACK_VIOLENCE.intersection(lower[sent.start:sent.end].split()):
        return cands
    out = []
    for c in cands:
        if (c.entry.type == ASSAULT and lower[c.start:c.end] in _VERBAL_ATTACK_HEADS
                and _verbal_object(lower, ctx, c.end) and not _armed_near(ctx, c.start, c.end)):
            continue
        out.append(c)
    return out


def _armed_near(ctx: Context, start: int, end: int) -> bool:
    """Troops, weapons, aircraft, casualties or an armed actor within ``_VERBAL_ATTACK_REACH``."""
    lo, hi = start - _VERBAL_ATTACK_REACH, end + _VERBAL_ATTACK_REACH
    for name in _VERBAL_ATTACK_WAR_CLASSES:
        if any(lo <= a and b <= hi for a, b, _w in ctx.classes.get(name, ())):
            return True
    return any(lo <= a and b <= hi and (g.kind == "group" or (g.sector is not None and g.armed)) for a, b, g in ctx.gaz)


def _verbal_object(lower: str, ctx: Context, end: int) -> bool:
    """Whether a person's standing ("my character"), or a leader's name, is the object right
    after ``end`` (``verbal_attack_object``: "on" or "against" may come first)."""
    m = _VERBAL_ATTACK_OBJECT_RE.match(lower, end)
    if m is None:
        return False
    if m.group(1):
        return True
    return any(a == m.end() and g.kind == "leader" for a, _b, g in ctx.gaz)


def _drop_labels(lower: str, sent: Span, cands: list[Candidate]) -> list[Candidate]:
    """Drop what a party only calls the act (``_LABEL_RE``; the regex needs a "which", which a
    plain find rules out for most candidates first) and what an act is only likened to
    (``_LIKENED_RE``: "forced examinations are humiliating, intrusive, and akin to torture")."""
    out = []
    for c in cands:
        lo = max(sent.start, c.start - 70)
        if (
            c.entry.type not in _ORGANISED_TYPES and lower.find("which", lo, c.start) >= 0
            and _LABEL_RE.search(lower, lo, c.start)
        ):
            continue
        if c.entry.type in _LIKENED_TYPES and _LIKENED_RE.search(lower, max(sent.start, c.start - 40), c.start):
            continue
        out.append(c)
    return out


DECIDED_TYPES: Final = frozenset(
    {EventType.SANCTION, EventType.AID, MOBILIZE, ASSAULT, COERCE, EventType.RETREAT,
     EventType.CONCEDE}
)


def _drop_decisions(lower: str, ctx: Context, cands: list[Candidate]) -> list[Candidate]:
    """'The EU agreed on Monday to ban Belarusian airlines': the event is the ban; the agreement
    is the body's own decision, not an AGREE between parties. 'Jordan and Britain have agreed to
    undertake joint military exercises': two parties agree on an event; both are signals, and the
    agreement's mode names what was agreed."""
    out = []
    for i, c in enumerate(cands):
        if c.entry.type == AGREE and c.near is None and lower[c.start:c.end].startswith("agree"):
            nxt = cands[i + 1] if i + 1 < len(cands) else None
            if nxt is not None and nxt.entry.type in DECIDED_TYPES and nxt.start - c.end <= 30:
                if not _between_parties(lower, ctx, c):
                    continue
                c.mode = nxt.mode or nxt.entry.mode
        out.append(c)
    return out


def _between_parties(lower: str, ctx: Context, c: Candidate) -> bool:
    """Whether an "agreed" is two parties' ("Jordan and Britain have agreed", "agreed with
    Britain to"): two actors of different codes before it in its sentence, or "with" an actor
    right after it."""
    codes: list[str] = []
    for s, e, g in ctx.gaz:
        if e <= c.start and g.is_actor and g.sector is None and g.code not in codes:
            codes.append(g.code)
        if s >= c.end and lower.startswith(" with ", c.end) and s - c.end <= 12 and g.is_actor:
            return True
    return len(codes) >= 2


# The background test of each cue list (``cues.yaml``: background_preps), compiled once.
_BACKGROUND_RES: Final[dict[frozenset[str], re.Pattern[str]]] = {}


def _background_re(preps: frozenset[str]) -> re.Pattern[str]:
    pattern = _BACKGROUND_RES.get(preps)
    if pattern is None:
        words = "|".join(re.escape(p) for p in sorted(preps, key=len, reverse=True))
        pattern = _BACKGROUND_RES[preps] = re.compile(
            r"\b(?:" + words + r")\s+(?:(?:the|a|an|its|their|this|last\s+year's)\s+)?(?:[\w'’.-]+\s+){0,3}$"
        )
    return pattern


_STANDING_RULES: Final = vocabulary.words("standing_rules")
_SETTING_RULES: Final = vocabulary.words("setting_rules")


_SETTING_REACH: Final = 16  # "war with the Russian Federation", "the Armenian genocide"


def _setting_roles(s: _Sentence, cand: Candidate, d: Draft) -> None:
    """Roles of a war or killing named by its noun: the people named right before an atrocity are
    its victims ("the Armenian genocide"); whom a war is "with" or "against" is the other side
    ("a war with Russia"), not its maker."""
    for st, e, g in s.ctx.gaz:
        if not g.is_actor:
            continue
        before = e <= cand.start and cand.start - e <= 2
        after = cand.end <= st <= cand.end + _SETTING_REACH and s.lower[cand.end:st].strip().split(" ", 1)[0] in (
            "with", "against")
        if before and d.mode != "killing" or not (before or after):
            continue
        side = to_actor(s.text, st, e, g)
        d.source = [a for a in d.source if a.code != side.code]
        if all(a.code != side.code for a in d.target):
            d.target = [*d.target, side]


def _drop_settings(cands: list[Candidate]) -> list[Candidate]:
    """"The cease-fire agreement in Syria's civil war", "the beheading of Nimr ... this proxy war":
    a war named beside another event of its sentence is that event's setting, not a mention of its
    own (``_SETTING_RULES``: wars, battles, kinds of killing named by their nouns); alone in its
    sentence it is the conflict told."""
    if len(cands) < 2 or not any(c.entry.id in _SETTING_RULES for c in cands):
        return cands
    kept = [c for c in cands if c.entry.id not in _SETTING_RULES]
    return kept or cands


def _mark_background(lex: Lexicon, lower: str, sent: Span, cands: list[Candidate]) -> None:
    """"Prices rose after Russia's invasion of Ukraine": a war named as the cause or time of
    something else is history, not an event reported now (``cues.yaml``: background_nouns, the
    trigger or its head word: "at odds related to Russia's takeover of Crimea"); a
    measure named by its owner alone is one in place, imposed before, and a war named by its noun
    a standing conflict (``_STANDING_RULES``)."""
    for c in cands:
        if c.entry.id in _STANDING_RULES:
            c.forced_modality = HISTORICAL
            c.cues.append("standing")
    nouns = lex.cues.get("background_nouns")
    preps = lex.cues.get("background_preps")
    if nouns is None or preps is None:
        return
    for c in cands:
        told = lower[c.start:c.end]
        if c.forced_modality is None and (told in nouns or told.split(" ", 1)[0] in nouns):
            lo = max(sent.start, c.start - 60)
            if _background_re(preps).search(lower, lo, c.start):
                c.forced_modality = HISTORICAL
                c.cues.append("background")


# ----------------------------------------------------------------------------- confidence


def _score(near: bool, source: bool, target: bool, inherited: bool, weak: bool, dated_schedule: bool) -> float:
    score = 0.55
    if near:
        score += 0.15
    if source:
        score += 0.1
    if target:
        score += 0.05
    if inherited:
        score -= 0.15
    if weak:
        score -= 0.05
    if dated_schedule:
        score += 0.05
    return round(min(0.99, max(0.05, score)), 2)


# Every combination of the six tests, scored once: ``round`` alone cost more than the rest.
_CONFIDENCE: Final[tuple[float, ...]] = tuple(
    _score(*(bool(bits >> i & 1) for i in range(6))) for bits in range(64)
)


# Whether a trigger entry (by id) is a weak or plain variant, found once per entry: ``endswith``
# with a tuple is a generic method call, a dict look-up of the id (its hash cached) is not.
_WEAK_IDS: Final[dict[str, bool]] = {}


def _is_weak(entry_id: str) -> bool:
    weak = _WEAK_IDS.get(entry_id)
    if weak is None:
        weak = _WEAK_IDS[entry_id] = entry_id.endswith((".weak", ".plain"))
    return weak


def _confidence(cand: Candidate, roles: Roles, modality: Modality, has_date: bool) -> float:
    bits = (
        (1 if cand.near else 0)
        | (2 if roles.source else 0)
        | (4 if roles.target or roles.location else 0)
        | (8 if roles.inherited else 0)
        | (16 if _is_weak(cand.entry.id) else 0)
        | (32 if modality == SCHEDULED and has_date else 0)
    )
    return _CONFIDENCE[bits]


# ----------------------------------------------------------------------------- per sentence


# Words after which an "-ed" head is an adjective: "the annexed peninsula", "the transit of
# sanctioned goods", "talks on occupied land".
_DETERMINERS: Final = vocabulary.words("determiners")


def _after_determiner(lower: str, raw: bytes | None, start: int) -> bool:
    """Whether the word before ``start`` is one of ``_DETERMINERS``, as the 8 characters before
    it tell: ``lower[max(0, start - 8):start].rstrip().rsplit(" ", 1)[-1] in _DETERMINERS``,
    worked out on the bytes of an ASCII text (two generic str method calls, and the strings and
    list they make, otherwise)."""
    lo = max(0, start - 8)
    if raw is None:
        return lower[lo:start].rstrip().rsplit(" ", 1)[-1] in _DETERMINERS
    end = start
    while end > lo and _is_ascii_space(raw[end - 1]):  # rstrip()
        end -= 1
    begin = end
    while begin > lo and raw[begin - 1] != _SPACE:  # rsplit(" ", 1)[-1]
        begin -= 1
    return begin < end and lower[begin:end] in _DETERMINERS


_SPACE: Final = ord(" ")


def _is_ascii_space(byte: int) -> bool:
    """``chr(byte).isspace()`` for an ASCII byte: tab to carriage return, the four separators
    (0x1c-0x1f) and the space."""
    return byte == _SPACE or 9 <= byte <= 13 or 28 <= byte <= 31


_NO_END: Final = 1 << 60  # no upper bound on a span's end (mypyc: still a short, unboxed int)

Head = tuple[int, int, ScanKey]  # start, end, what the scan knows of the head (its rules, ...)
# Near class number -> the scan's hits on its words (in text order, by end), the
# ``(end index, ScanKey)`` tuples exactly as ``findall`` returned them (typed ``object``:
# compiled code would unpack a typed tuple and pack it anew for the list, two ints and a tuple
# per hit). ``_span`` reads a hit's offsets.
NearHits = list[list[object] | None]


def _span(hit: object) -> tuple[int, int]:
    """(start, end) in the text of a whole-text scan hit (a native pair: nothing is allocated)."""
    end_idx, key = cast(tuple[int, ScanKey], hit)
    return end_idx - key.key_len + 1, end_idx - 1


def _heads(lex: Lexicon, lower: str, raw: bytes | None, blower: str) -> tuple[list[Head], NearHits]:
    """Trigger heads, and the near-class words ``_live_heads`` needs: one scan of the text.
    ``raw``: ``_bytes_form`` of the text."""
    out: list[Head] = []
    near: NearHits = [None] * lex.near_class_count
    n = len(lower)
    for item in cast(list[object], lex.scan_automaton.findall(blower)):
        end_idx, key = cast(tuple[int, ScanKey], item)
        if key.is_near:
            for cid in key.near_ids:
                hits = near[cid]
                if hits is None:
                    near[cid] = [item]
                else:
                    hits.append(item)
        if not key.is_head:
            continue
        start, end = end_idx - key.key_len + 1, end_idx - 1
        # "water-bombing aircraft", "Russian-brokered": a head glued to a word by a hyphen is a
        # modifier, not an event (phrases that contain the hyphen, "counter-offensive", still match).
        if (start > 0 and _hyphen_at(lower, raw, start - 1)) or (end < n and _hyphen_at(lower, raw, end)):
            continue
        # "the annexed Crimean peninsula", "the occupied territories": a participle used as an
        # adjective describes a state of affairs, not an event reported here.
        if key.participle and _after_determiner(lower, raw, start):
            continue
        out.append((start, end, key))
    return out, near


def _live_heads(heads: list[Head], hits: NearHits, para_starts: list[int]) -> list[Head]:
    """Drop the heads that cannot fire, before any sentence is cut or any context is built.

    Most trigger heads in wire copy are look-alikes ("cut rates", "reached the summit", "lifted
    shares") whose every rule needs a class word nearby that is not there. The scan that found
    the heads also found the class words (``hits``); a head survives when one of its rules needs
    none (or needs a place or an actor: that takes the gazetteer; ``ScanKey.near_rules`` is then
    empty), when a needed word lies within the rule's window on the rule's side, or when its
    paragraph holds a threat word and an "if" (a conditional threat needs no head of its own).
    Every test here is looser than the one the sentence stage applies, so a dropped head is one
    that stage would have rejected: the output is unchanged, only the work is saved.
    """
    if not any(h[2].near_rules for h in heads):
        return heads
    threat_paras: set[int] = set()
    forces, ifs = hits[THREAT_ID], hits[IF_ID]
    if forces is not None and ifs is not None:
        threat_paras = {bisect_right(para_starts, _span(hit)[0]) for hit in forces}
        threat_paras &= {bisect_right(para_starts, _span(hit)[0]) for hit in ifs}
    out: list[object] = []
    for h in cast(list[object], heads):  # as objects: see ``_sentence_heads``
        start, end, key = cast(Head, h)
        if (
            key.near_rules
            and not (threat_paras and bisect_right(para_starts, start) in threat_paras)
            and not any(_may_be_near(entry, ids, hits, start, end) for entry, ids in key.near_rules)
        ):
            continue
        out.append(h)
    return cast(list[Head], out)


def _may_be_near(
    entry: TriggerEntry, class_ids: tuple[int, ...], hits: NearHits, start: int, end: int,
    lo: int = 0, hi: int = _NO_END,
) -> bool:
    """The test of ``_near`` on the scan's hits, without names and with only the bounds given
    (the sentence's ``lo``/``hi``, or none): a superset of it. Only the hits that may lie within
    the rule's window are looked at (found by bisection: the scan's hits come by end), so the
    work per head does not grow with the text."""
    first_end = start - entry.window
    last_end = end + entry.window + LONGEST_SCAN_KEY
    for cid in class_ids:
        found = hits[cid]
        if found is None:
            continue
        for k in range(_first_ending_at(found, first_end), len(found)):
            end_idx, key = cast(tuple[int, ScanKey], found[k])  # ``_span``, inline: the hottest loop
            s, e = end_idx - key.key_len + 1, end_idx - 1
            if e > hi or e > last_end:
                break  # the scan's hits come by end: the rest end later still
            if s < end and e > start or s < lo:
                continue
            if e <= start:
                if entry.looks_before and start - e <= entry.window:
                    return True
            elif entry.looks_after and s - end <= entry.window:
                return True
    return False


def _first_ending_at(found: list[object], x: int) -> int:
    """The index of the first of the scan's ``found`` (in order of end) that ends at or after
    ``x`` (``_span``'s end), or ``len(found)``."""
    lo, hi = 0, len(found)
    while lo < hi:
        mid = (lo + hi) // 2
        end_idx, _key = cast(tuple[int, ScanKey], found[mid])
        if end_idx - 1 < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _sentence_heads(heads: list[Head], hits: NearHits, sent: Span) -> list[Head]:
    """The heads of ``sent`` that may still fire, judged from the whole-text scan alone.

    Most sentences that reach the sentence stage hold only heads whose every rule is blocked
    ("talks" next to "shares", "attack" next to "goal") or lacks its class word. The sentence's
    context holds no class word the scan did not find within the sentence, so a rule is surely
    out when none of its near words lies within its window inside the sentence, or when a block
    word no name can hold (``ScanKey.sentence_rules``) lies within its block window: such a head
    gives ``_candidates`` nothing. When none is left and the sentence holds no threat word with
    an "if" (a conditional threat needs no head), the caller skips it before ``_context``.
    """
    # The heads are read as objects and cast one by one: compiled code unpacks a typed tuple
    # taken from a list, and appending it would pack a new one (a tuple and two ints per head).
    out: list[object] = []
    for h in cast(list[object], heads):
        start, end, key = cast(Head, h)
        if not key.sentence_rules:
            out.append(h)
            continue
        for entry, near_ids, block_ids in key.sentence_rules:
            if _surely_blocked(entry, block_ids, hits, start, end, sent):
                continue
            if near_ids is None or _may_be_near(entry, near_ids, hits, start, end, sent.start, sent.end):
                out.append(h)
                break
    return cast(list[Head], out)


def _in_sentence(hits: list[object] | None, sent: Span) -> bool:
    if hits is None:
        return False
    for k in range(_first_ending_at(hits, sent.start), len(hits)):
        s, e = _span(hits[k])
        if e > sent.end:
            break  # the scan's hits come by end: the rest end later still
        if sent.start <= s:
            return True
    return False


def _surely_blocked(
    entry: TriggerEntry, block_ids: tuple[int, ...], hits: NearHits, start: int, end: int, sent: Span
) -> bool:
    """``_blocked`` on the block words no name can hold: a subset of its hits, so True is sure."""
    lo, hi = start - entry.block_window, end + entry.block_window
    for cid in block_ids:
        found = hits[cid]
        if found is None:
            continue
        for k in range(_first_ending_at(found, lo), len(found)):
            end_idx, key = cast(tuple[int, ScanKey], found[k])  # ``_span``, inline: a hot loop
            s, e = end_idx - key.key_len + 1, end_idx - 1
            if e > sent.end or e > hi + LONGEST_SCAN_KEY:
                break  # the scan's hits come by end: the rest end later still
            if e >= lo and s <= hi and sent.start <= s:
                return True
    return False


def _sentence_actors(lex: Lexicon, text: str, raw: bytes | None, blower: str, sent: Span) -> list[Actor]:
    ctx, _ = _context_names(lex, text, raw, blower, sent)
    return dedupe_actors([to_actor(text, s, e, g) for s, e, g in ctx.gaz if g.is_actor and g.kind != "sector"])


def names_in(text: str, start: int, end: int, *, lexicon: Lexicon | None = None) -> list[tuple[int, int, GazEntry]]:
    """The names the detector finds in the sentence ``text[start:end]`` (offsets into ``text``):
    actors, places and generic actors, a demonym fused with the sector noun after it, as roles
    are chosen from. For evaluation and tools; ``detect`` finds them itself."""
    lex = lexicon or load_lexicon()
    _lower, blower = lower_forms(text)
    ctx, _ = _context_names(lex, text, _bytes_form(text), blower, Span(start, end))
    return ctx.gaz


def _fits(entry: TriggerEntry, has_actor: bool, has_place: bool) -> bool:
    """Whether a sentence that names an actor (or not) and a place (or not) names what the rule
    needs: an actor, a place, or neither."""
    return not (entry.actor == "required" and not has_actor) and not (entry.actor == "place" and not has_place)


def _placeable(heads: list[Head], has_place: bool) -> bool:
    """Whether a rule of ``heads`` may hold in a sentence that names no actor (and no place
    unless ``has_place``)."""
    for h in heads:
        for entry in h[2].entries:
            if _fits(entry, False, has_place):
                return True
    return False


def _placed(c: Candidate, has_actor: bool, has_place: bool) -> bool:
    """``_fits`` for the candidate's rule (a function, not a closure in ``_process_sentence``:
    compiled, a closure is called through Python's calling convention and keeps the locals it
    reads in an object of their own)."""
    return _fits(c.entry, has_actor, has_place)


def _threat_if_in(near: NearHits, sent: Span) -> bool:
    """Whether the sentence holds a threat word and an "if": a conditional threat needs no head."""
    return _in_sentence(near[THREAT_ID], sent) and _in_sentence(near[IF_ID], sent)


class _Sentence:
    """One sentence at the sentence stage: its text, its context, and what each stage found
    (see ``_process_sentence``)."""

    def __init__(
        self, lex: Lexicon, text: str, lower: str, sent: Span, ctx: Context, field_name: str, pub: date,
        prev_actors: Callable[[], list[Actor]],
    ) -> None:
        self.lex = lex
        self.text = text
        self.lower = lower
        self.sent = sent
        self.field_name = field_name
        self.pub = pub
        self.prev_actors = prev_actors  # the actors of the sentences before, asked for on demand
        self.ctx = ctx  # its names first; its words once a rule may hold (``_sentence_candidates``)
        self.has_actor = False  # whether it names an actor (armed, or a state not named as a place)
        self.has_place = False  # ... or a place, or a crowd
        self.bounds: list[int] = []  # clause boundaries
        self.if_spans: list[tuple[int, int]] = []  # the "if" clauses of conditional threats


def _process_sentence(
    lex: Lexicon, text: str, lower: str, raw: bytes | None, blower: str, sent: Span, heads: list[Head], near_hits: NearHits,
    field_name: str, pub: date, prev_actors: Callable[[], list[Actor]], frame: str = "", story: bool = False,
) -> list[Draft]:
    """The signals of one sentence: its candidates (``_sentence_candidates``), their dates and
    tenses (``_dates_and_tenses``), then for each its roles (``_roles_of``), its date and
    modality (``_dated``) and its draft, one per event and clause."""
    ctx, found = _context_names(lex, text, raw, blower, sent)
    s = _Sentence(lex, text, lower, sent, ctx, field_name, pub, prev_actors)
    cands = _sentence_candidates(s, found, heads, near_hits, frame, story)
    if not cands:
        return []
    clauses, tense_info, chosen = _dates_and_tenses(s, cands)
    _descriptions(text, sent, ctx, prev_actors)  # "the international body": the actor named before
    drafts: list[Draft] = []
    seen_types: dict[tuple[EventType, int], Draft] = {}
    for i in range(len(cands)):
        cand, clause = cands[i], clauses[i]
        tense, tense_cues = tense_info[i]
        roles = _roles_of(s, cand, clause)
        if roles is None:
            continue
        by_model = rerank_roles(s.text, cand, s.ctx, clause, s.sent, roles)  # the learned ranking (role_model.py)
        draft = _draft(s, cand, clause, roles, chosen[i], tense, tense_cues, by_model)
        glossed = _glossed(text, drafts, draft)
        if glossed is not None:
            absorb(glossed, draft)  # "an improvised explosive device (IED)": one mention, one modality
            continue
        key = (draft.type, clause.start)
        prior = seen_types.get(key)
        if (
            prior is not None and prior.modality == draft.modality
            and (prior.event_date is None or draft.event_date is None or prior.event_date == draft.event_date)
            and (draft.type == MOBILIZE or not distinct_acts(draft.type, draft.mode, prior.mode))
        ):
            absorb(prior, draft)  # "agreed a ceasefire": one AGREE per clause
            continue
        seen_types[key] = draft
        drafts.append(draft)
        if draft.type == COERCE and (_fought_for(lower, cand, draft) or _taken_by_force(lower, cand, draft, cands)):
            drafts.append(_twin(draft, ASSAULT, "battle", BATTLE_CAPTURE_RULE))
        elif draft.type == EventType.RETREAT and _surrendered_to(s, cand, draft):
            drafts.append(_twin(draft, AGREE, "surrender", SURRENDER_TO_RULE))
        elif draft.type == EventType.CONCEDE and draft.mode in _LIFTED_MEASURES:
            drafts.append(_imposed_before(s, cand, draft))
        elif draft.type == EventType.REJECT and _left_agreement(lower, cand):
            drafts.append(_agreed_before(draft))
        elif cand.entry.id in _SETTING_RULES:
            _setting_roles(s, cand, draft)
    if len(drafts) > 1:
        _inherit_history(lower, drafts)
        _threat_targets(drafts)
    return drafts


def _glossed(text: str, drafts: list[Draft], d: Draft) -> Draft | None:
    """The draft of the same type whose trigger ``d``'s trigger glosses in brackets right after
    it, as copy introduces an abbreviation ("tried to plant an improvised explosive device (IED)",
    "a rocket-propelled grenade (RPG)"), or None: the gloss names the same thing, not another act."""
    start, end = d.evidence.trigger_start, d.evidence.trigger_end
    if start < 1 or text[start - 1] != "(" or text[end:end + 1] != ")":
        return None
    for prior in drafts:
        gap = text[prior.evidence.trigger_end:start - 1]
        if prior.type == d.type and prior.evidence.trigger_end < start and len(gap) <= 2 and not gap.strip():
            return prior
    return None


# A taking of ground fought for: a re-taking ("recaptured the town", "wrested control of") or ground
# taken from an armed holder ("seizing Dabiq from the Islamic State", "a rebel-held neighborhood"). ACLED codes such captures as
# battles and CAMEO as fighting (192, occupy territory): the battle is an ASSAULT beside the
# COERCE of the ground held. So is ground taken by an armed force, a state or an armed group
# ("Taliban fighters seized a district centre", "the army captured a key neighborhood"): ACLED
# codes a government regaining territory and an armed group overtaking it as battles. A taking
# told by a noun of holding ("the occupation of Karabakh", "Russia's takeover of Crimea") or
# by the police stays COERCE only.
_CAPTURE_RULES: Final = vocabulary.words("capture_rules")
_RETAKING_HEADS: Final = vocabulary.words("retaking_heads")
_ARMED_SECTORS: Final = vocabulary.words("armed_holder_sectors")
_HELD_BY: Final = vocabulary.pattern("held_by")
_ARMED_HOLDINGS: Final = vocabulary.pattern("armed_holdings")
_FOUGHT_BESIDE: Final = vocabulary.pattern("fought_beside")
_HOLDING_HEADS: Final = vocabulary.words("holding_heads")
_TAKERS: Final = frozenset({"group"})
_NONSTATE_ARMED: Final = vocabulary.words("nonstate_taker_sectors")
_HELD_REACH: Final = 40  # "captured a new rebel-held neighborhood", "took the IS-held town of ..."
_FOUGHT_REACH: Final = 160  # "seized control of the highway on Tuesday ..., after driving rebels from"
BATTLE_CAPTURE_RULE: Final = "assault.capture"


def _fought_for(lower: str, cand: Candidate, draft: Draft) -> bool:
    """Whether the COERCE ``draft`` of ``cand`` takes ground by fighting (see ``_CAPTURE_RULES``)."""
    if cand.entry.id not in _CAPTURE_RULES:
        return False
    if lower[cand.start:cand.end] in _RETAKING_HEADS or _HELD_BY.search(lower, cand.end, cand.end + _HELD_REACH):
        return True
    if _ARMED_HOLDINGS.search(lower, cand.end, cand.end + _HELD_REACH):  # "overran a rebel base"
        return True
    ev = draft.evidence
    if _FOUGHT_BESIDE.search(lower, max(ev.start, cand.start - _HELD_REACH), min(ev.end, cand.end + _FOUGHT_REACH)):
        return True
    return any(a.kind == "group" or a.sector in _ARMED_SECTORS for a in draft.target)


def _taken_by_force(lower: str, cand: Candidate, draft: Draft, cands: list[Candidate]) -> bool:
    """Whether the COERCE ``draft`` of ``cand`` is ground taken by an armed force, a state or an
    armed group, in a sentence that tells no battle of its own (see ``_CAPTURE_RULES``)."""
    if cand.entry.id not in _CAPTURE_RULES or draft.mode != "territory":
        return False  # "seized an Israel-linked container ship": a seizure, no ground
    if lower[cand.start:cand.end] in _HOLDING_HEADS:  # "the occupation of Karabakh": a holding, no taking
        return False
    if any(c.entry.type == ASSAULT for c in cands):  # "took control of Goma after days of fighting"
        return False
    return any(a.sector in _NONSTATE_ARMED or (a.kind in _TAKERS and a.sector is None) for a in draft.source)


# "150 Islamic State fighters have surrendered to government forces": a surrender to a party is
# the RETREAT of those who give up and an agreement between the two (ACLED lists surrenders
# among agreements); a surrender told without whom to ("rebels surrendered") stays a RETREAT.
SURRENDER_TO_RULE: Final = "agree.surrender"
_SURRENDER_TO_REACH: Final = 12  # "to the Afghan army", "to government forces"


def _surrendered_to(s: _Sentence, cand: Candidate, draft: Draft) -> bool:
    """Whether the surrender ``draft`` of ``cand`` names an actor surrendered to, right after "to"
    ("to government forces", "to the Syrian army"; not "to police": a suspect giving himself up)."""
    if draft.mode != "surrender" or not s.lower.startswith(" to ", cand.end):
        return False
    lo = cand.end + 4
    return any(g.is_actor and (g.sector is None or g.armed) and lo <= st <= lo + _SURRENDER_TO_REACH for st, _e, g in s.ctx.gaz)


# "With the lifting of the US arms embargo to Vietnam": a measure lifted, eased or waived was
# imposed before, so the words that end it also tell the SANCTION of the past (historical: no
# alert, whatever the lifting's own modality, and undated: the lifting's date is not its own).
_LIFTED_MEASURES: Final = vocabulary.words("lifted_measures")
LIFTED_SANCTION_RULE: Final = "sanction.lifted"


def _imposed_before(s: _Sentence, cand: Candidate, d: Draft) -> Draft:
    """The SANCTION that the lifting ``d`` (CONCEDE) ends, as a signal of the past. Whoever lifts a
    measure imposed it, on whom it is lifted for: the lifting's roles, unless the measure names its
    own ("the European Union's sanctions against Russia")."""
    twin = _past_twin(d, EventType.SANCTION, d.mode, LIFTED_SANCTION_RULE)
    if cand.near is not None:
        owner, against = _measure_parties(s, cand.near[0], cand.near[1])
        if owner is not None:
            twin.source = [owner]
        if against is not None:
            twin.target = [against]
    return twin


# "Mr. Putin's decision to withdraw from the treaty": an agreement left, pulled out of or torn up
# was made before, so the words that leave it also tell that AGREE, as history (no alert, undated:
# the leaving's date is not the signing's), between the parties of the leaving.
_LEFT_AGREEMENTS: Final = vocabulary.words("left_agreements")
_LEAVING_RULE: Final = "reject.treaty"
LEFT_AGREEMENT_RULE: Final = "agree.left"


def _left_agreement(lower: str, cand: Candidate) -> bool:
    """Whether ``cand`` leaves an agreement ("withdraw from the treaty"), not talks ("walked out of talks")."""
    if cand.entry.id != _LEAVING_RULE or cand.near is None:
        return False
    return lower[cand.near[0]:cand.near[1] + 1].strip(" .,;:'\"") in _LEFT_AGREEMENTS


def _agreed_before(d: Draft) -> Draft:
    """The AGREE that the leaving ``d`` (REJECT of a treaty or deal) ends, as a signal of the past."""
    return _past_twin(d, AGREE, "agreement", LEFT_AGREEMENT_RULE)


_MEASURE_REACH: Final = 30  # "the European Union's sanctions", "sanctions against the Russian government"


def _measure_parties(s: _Sentence, start: int, end: int) -> tuple[Actor | None, Actor | None]:
    """The actor whose measure the words at ``start``-``end`` are (a possessive right before
    them) and the actor they are against (after "against" or "on")."""
    owner: Actor | None = None
    against: Actor | None = None
    for st, e, g in s.ctx.gaz:
        if not g.is_actor:
            continue
        if owner is None and start - _MEASURE_REACH <= e <= start and s.lower[e:e + 2] in ("'s", "\u2019s"):
            owner = to_actor(s.text, st, e, g)
        elif against is None and end <= st <= end + _MEASURE_REACH:
            gap = s.lower[end:st]
            if " against " in gap or " on " in gap:
                against = to_actor(s.text, st, e, g)
    return owner, against


def _past_twin(d: Draft, etype: EventType, mode: str, rule: str) -> Draft:
    """The act that the words of ``d`` end (a measure lifted, an agreement left) as a signal of the
    past: historical (no alert, whatever the ending's own modality) and undated (the ending's date
    is not the act's)."""
    twin = _twin(d, etype, mode, rule)
    twin.modality = HISTORICAL
    twin.event_date = None
    twin.event_date_end = None
    return twin


def _twin(d: Draft, etype: EventType, mode: str, rule: str) -> Draft:
    """A second signal of the same words (a capture fought for is also a battle, a surrender to a
    party also an agreement): same evidence, roles, date and modality, its own type and rule."""
    ev = d.evidence
    evidence = EvidenceDraft(
        field=ev.field, sentence=ev.sentence, start=ev.start, end=ev.end, trigger=ev.trigger,
        trigger_start=ev.trigger_start, trigger_end=ev.trigger_end, cues=list(ev.cues), date_text=ev.date_text,
    )
    return Draft(
        type=etype, mode=mode, modality=d.modality, source=d.source, target=d.target, location=d.location,
        event_date=d.event_date, event_date_end=d.event_date_end, intensity=intensity_for(etype, mode, d.intensity),
        confidence=d.confidence, evidence=evidence, order=d.order, rule=d.rule.replace(d.rule.split("+")[0], rule, 1),
    )


# "Syria's ambassador to the UN accused the international body", "Islamic State ... The group
# said": a definite description stands for the nearest name of a kind it fits named before it.
_DESCRIPTIONS: Final = vocabulary.labels("descriptions")


def _alternation(phrases: dict[str, str]) -> re.Pattern[str]:
    """A case-blind pattern matching any of ``phrases`` as whole words, the longest first."""
    return re.compile(r"\b(?:" + "|".join(re.escape(d) for d in sorted(phrases, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


_DESCRIPTION_RE: Final = _alternation(_DESCRIPTIONS)
# The kinds of name each kind of description may stand for, and the kind its mention takes: a
# country named by description acts as a state and is never a place ("in the country" is not
# resolved).
_DESCRIBED_KINDS: Final = {
    "igo": frozenset({"igo"}), "group": frozenset({"group"}),
    "state": frozenset({"state", "demonym", "metonym", "leader", "capital"}),
}
_DESCRIPTION_KIND: Final = {"igo": "igo", "group": "group", "state": "metonym"}
_ACTOR_KIND_OF: Final = {"igo": "igo", "group": "group", "state": "state"}
_DESCRIBED: Final[dict[tuple[str, str, str], GazEntry]] = {}


def _descriptions(text: str, sent: Span, ctx: Context, prev_actors: Callable[[], list[Actor]]) -> None:
    """Add to the sentence's names each definite description ("the international body", "the
    group", "the country") whose antecedent is found: the nearest name of a fitting kind before it
    in the sentence, else the last one of the sentences before (``prev_actors``). Done after the
    sentence's candidates are chosen, so it changes who is named, not what is detected."""
    added: list[tuple[int, int, GazEntry]] = []
    for m in _DESCRIPTION_RE.finditer(text, sent.start, sent.end):
        ds, de = m.start(), m.end()
        if any(s_ < de and ds < e_ for s_, e_, _ in ctx.gaz):
            continue  # part of a name ("the Group of Seven")
        kind = _DESCRIPTIONS[m.group(0).lower()]
        before = _word_before(text, ds)
        if (kind == "state" and before in _DESCRIPTION_PLACE_WORDS) or before in _AFFILIATION_WORDS \
                or text.startswith(("'s", "’s"), de):
            # "attacks across the country": a place; "a bomber with links to the group", "the
            # bloc's ire": whom an actor is tied to, or whose thing is named, takes no part
            continue
        fits = _DESCRIBED_KINDS[kind]
        code = ""  # the antecedent's code: a named actor, never a generic one
        for _s, e_, g in ctx.gaz:
            if e_ <= ds and g.kind in fits and g.sector is None:
                code = (g.country or g.code) if g.kind == "capital" else g.code
        if not code:
            for a in prev_actors():
                if a.kind == _ACTOR_KIND_OF[kind] and a.sector is None:
                    code = a.code
        if code:
            key = (m.group(0), code, kind)
            entry = _DESCRIBED.get(key)
            if entry is None:
                if len(_DESCRIBED) > 10_000:  # bounded, as the actor cache
                    _DESCRIBED.clear()
                entry = _DESCRIBED[key] = GazEntry(
                    surface=m.group(0), code=code, kind=_DESCRIPTION_KIND[kind], country=None, lat=None, lon=None,
                    name=m.group(0), sector=None, armed=False,
                )
            added.append((ds, de, entry))
    if added:
        ctx.gaz = sorted(ctx.gaz + added, key=lambda h: h[0])


_DESCRIPTION_PLACE_WORDS: Final = vocabulary.words("locatives") | vocabulary.words("description_place_words")
_AFFILIATION_WORDS: Final = vocabulary.words("affiliation_words")


def _word_before(text: str, pos: int) -> str:
    """The word right before ``pos``, lowercased ("" at the start)."""
    head = text[max(0, pos - 20):pos].split()
    return head[-1].lower() if head else ""


def _sentence_candidates(
    s: _Sentence, found: list[object], heads: list[Head], near_hits: NearHits, frame: str, story: bool = False
) -> list[Candidate]:
    """The sentence's candidates that survive its filters (conditional threats made, labels,
    decisions, modifiers, threatened acts and forecasts dropped, each placed), or [] early: most
    sentences that reach this stage name no actor or place their rules need."""
    text, lower, sent, ctx = s.text, s.lower, s.sent, s.ctx
    # A capital after "in"/"at" is a place ("a regulator in Oslo"), not a government acting.
    # Police, civilians and protesters take a role, but name no actor on their own.
    s.has_actor = any(
        g.is_actor and g.armed and not (g.kind == "capital" and is_locative(text, s_)) for s_, _, g in ctx.gaz
    )
    # A crowd names where a protest or a crackdown is ("protesters gathered outside parliament").
    s.has_place = s.has_actor or any(g.is_place or g.sector in _CROWD_SECTORS for _, _, g in ctx.gaz)
    if not s.has_actor and not _placeable(heads, s.has_place) and not _threat_if_in(near_hits, sent):
        # No candidate could be placed (``_placed``), and no conditional threat made:
        # most sentences that reach this stage end here, before their words are sorted out.
        return []
    _context_words(ctx, found, text, sent)
    # A generic actor's words still report the act ("a suicide bomber killed five"): only names hide heads.
    names = [(a, b) for a, b, g in ctx.gaz if " " in g.surface and g.sector is None]
    if names:  # "Organization for Security and Cooperation in Europe" holds no COOPERATE event
        heads = [h for h in heads if not _in_names(h[0], h[1], names)]
    cands = _candidates(heads, ctx, lower, sent, frame, s.has_actor, s.has_place, story)
    # Conditional threats need a threat word and an "if" ("sanctions if Russia attacks").
    threat_possible = THREAT_CLASS in ctx.classes and any(
        c[2] in CONDITIONALS for c in ctx.cues.get("speculative", ())
    )
    if not cands and not threat_possible:
        return []
    if not threat_possible and not any(_placed(c, s.has_actor, s.has_place) for c in cands):
        return []  # every candidate needs an actor or a place the sentence does not name
    s.bounds = clause_bounds(text, sent, ctx.clause_words)
    s.if_spans = _if_clauses(ctx, text, s.bounds, sent)
    cands = _conditional_threats(s.lex, text, ctx, cands, s.if_spans, sent)
    cands = _drop_verbal_attacks(lower, sent, ctx, _drop_labels(lower, sent, _drop_decisions(lower, ctx, cands)))
    cands = [
        c for c in _drop_threatened_acts(lower, _drop_modifiers(lower, cands)) if _placed(c, s.has_actor, s.has_place)
    ]
    cands = _drop_forecasts(lower, ctx, _drop_settings(cands))
    if cands:
        _mark_background(s.lex, lower, sent, cands)
    return cands


def _dates_and_tenses(
    s: _Sentence, cands: list[Candidate]
) -> tuple[list[Span], list[tuple[Tense, list[str]]], list[DateMention | None]]:
    """Each candidate's clause, tense (with the cues that tell it) and date mention (or None)."""
    text, lower, sent, ctx = s.text, s.lower, s.sent, s.ctx
    dates = find_dates(text, sent.start, sent.end, ctx.classes.get("date_anchors", []))
    dates = [d for d in dates if not is_reporting_date(lower, ctx, d) and not is_baseline_date(lower, d, sent.start)]
    clauses = [clause_of(s.bounds, sent.end, c.start) for c in cands]
    tense_info = [tense_of(text, lower, cands[i], ctx, clauses[i], sent) for i in range(len(cands))]
    venues = _venue_pairs(lower, sent, cands) if len(cands) > 1 else []
    for j, i in venues:
        tense_info[i] = tense_info[j]  # the venue is no topic: it takes the act's tense
    chosen = assign_dates(lower, cands, dates, clauses, [t for t, _ in tense_info], sent.start)
    if venues and dates:
        _share_venue_dates(venues, chosen)
    return clauses, tense_info, chosen


def _roles_of(s: _Sentence, cand: Candidate, clause: Span) -> Roles | None:
    """Who did it to whom, and where (``assign_roles``), corrected by type: the parties "between"
    whom clashes are, the crowd that protests, no doer for a coup only named or an attack
    condemned, the victims as an attack's target, a passive subject hit, equipment sent as aid,
    whom an arrest takes, the patient of a passive head, the place's state or the sentence's only
    state for an arrest, the actors of the sentences before. None: no signal (a
    measure no state takes, a police raid, a minister touring their own country)."""
    text, lower, sent, ctx = s.text, s.lower, s.sent, s.ctx
    etype = cand.entry.type
    roles = assign_roles(text, cand, ctx, clause, sent)
    if etype in SYMMETRIC:
        _between(text, lower, ctx, cand, clause, roles, sent.end)  # "talks between rebels and the regime of Assad"
    if etype == ASSAULT:
        _assault_roles(s, cand, clause, roles)
    elif etype == PROTEST:
        _protest_roles(text, roles, ctx, cand)
    elif etype == EventType.ACCUSE and lower.startswith(_BLAME_HEADS, cand.start):
        _blamed_on(text, cand, roles, ctx, sent.end)  # "placed the blame for the collapse ... on the U.S."
    elif etype == COERCE:
        _blamed_for(text, cand, roles, ctx.gaz)  # "criticized Putin for the annexation of Crimea"
        if cand.mode == "coup" and roles.source and _coup_named_only(lower, text, cand, roles):
            roles.source = []  # "purges since the abortive coup": Turkey purges, the coup was not Turkey's
            roles.no_source = True
        if not roles.target and _held_named_as_doers(text, lower, cand, roles):
            roles.target, roles.source = roles.source, []  # "Iranian activists detained in Tehran"
        if not roles.target:
            roles.target = _detainees(text, cand.end, sent.end, cand.start)  # "purging thousands of people"
        if not roles.target:
            roles.target = _ground_owner(cand, roles)  # "Russia annexed Crimea": Ukraine's ground
    elif etype not in SYMMETRIC and etype != EventType.ACCUSE:
        _blamed_for(text, cand, roles, ctx.gaz)  # "accused Iran of supplying weapons to the Houthis"
    if etype == THREATEN and not roles.target:
        roles.target = _threatened_ground(text, cand, roles, sent.end)  # "an operation in northern Syria"
    if etype in _COMPLEMENT_TYPES and not roles.target:
        roles.target = _complement_subject(text, cand, roles, ctx.gaz, sent.end)  # "demanded that the US extradite"
    _place_sectors(roles, _sentence_country(ctx))
    if etype in _STATE_MEASURES and _nonstate_measure(ctx, roles, clause.start, cand.start):
        return None
    if etype == ASSAULT and cand.mode == "attack" and _police_only(roles.source) and not _on_civilians(roles):
        return None  # "the office was raided by Dutch police": law enforcement, not an attack
    if etype in DIRECTED_TYPES:
        _undergone(text, cand, roles, ctx.gaz, sent.start)  # "Russia faces new sanctions from the EU"
    if etype in DIRECTED_TYPES and roles.source and not roles.target:
        roles.target = _passive_patient(text, ctx, cand, roles)  # "photos of the Americans being detained"
    if etype in DIRECTED_TYPES and _passive_subject(lower, text, sent, cand, roles):
        roles.target, roles.source = roles.source, []  # "Kyiv was struck by drones": Kyiv is hit
    if _sent_as_aid(lower, cand, roles):
        # "Germany will send Leopard tanks to Ukraine": equipment handed to another state is
        # military aid, not a deployment ("moved tanks to the border" stays MOBILIZE).
        cand.entry, cand.mode = _AID_TRANSFER, "military"
    entry = cand.entry
    if (
        entry.type == CONSULT and cand.mode == "visit" and not roles.target
        and not lower.startswith("host", cand.start)
        and roles.location is not None and roles.location.country in {a.code for a in roles.source}
    ):
        return None  # a minister touring their own country is not a diplomatic visit
    if not roles.source and roles.target and entry.type == COERCE and entry.actor == "place" \
            and roles.location is not None and roles.location.country:
        # "the arrest of dissidents in Cuba": an arrest or a crackdown is by the place's state
        roles.source = [_place_actor(roles.location)]
    elif not roles.source and roles.target and entry.type == COERCE and roles.location is None:
        _own_state(roles, _only_state(text, ctx))
    if not roles.source and not roles.target:
        inherited = s.prev_actors() if entry.actor == "optional" else []
        if inherited:
            roles.source = inherited[:1]
            roles.target = inherited[1:2]
            roles.inherited = True
        elif entry.actor == "place" and entry.type != ASSAULT and roles.location and roles.location.country:
            # A protest or a crackdown is the place's; an attack in a city is not the city's.
            roles.source = [_place_actor(roles.location)]
    return roles


# "Erdogan demanded that the United States extradite Gulen", "Syria alleged that Turkey downed
# the bomber": whom a demand or an accusation is aimed at is the subject of its that-clause.
_COMPLEMENT_TYPES: Final = frozenset({EventType.REQUEST, EventType.ACCUSE})
_COMPLEMENT_RE: Final = vocabulary.pattern("complement_subject")


def _complement_subject(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> list[Actor]:
    """The actor named as the subject of the that-clause right after a demand or an accusation's
    head ("demanded that the United States extradite ..."), when it is not the doer; [] else."""
    m = _COMPLEMENT_RE.match(text, cand.end, end)
    if m is None:
        return []
    for s_, e_, g in gaz:
        if s_ == m.end() and g.is_actor and g.kind not in _TOWNS:
            named = to_actor(text, s_, e_, g)
            return [named] if all(a.code != named.code for a in roles.source) else []
    return []


# "Russia faces new sanctions from the European Union", "Ukraine has suffered attacks from
# rebels", "North Korea faced condemnation from Japan", "Iran was hit with new US sanctions": the
# subject of a verb of undergoing before the act's noun is its target; its doer is named after
# "from" or "by", or right before the noun.
_UNDERGONE_RE: Final = vocabulary.pattern("undergone_before")
_UNDERGONE_BY_RE: Final = vocabulary.pattern("undergone_by")
_UNDERGONE_REACH: Final = 60
_UNDERGOER_WORDS: Final = 3  # "North Korea has faced": the subject a few words before the verb


def _undergone(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], lo: int) -> None:
    """Recast the roles of an act its subject undergoes: the subject is the target, the name
    after "from"/"by" (or the one right before the noun) the source."""
    m = _UNDERGONE_RE.search(text, max(lo, cand.start - _UNDERGONE_REACH), cand.start)
    if m is None:
        return
    subject: Actor | None = None
    doer: Actor | None = None
    for s_, e_, g in gaz:
        if not g.is_actor or g.kind in _TOWNS or is_backer(text, e_):
            continue  # "attacks from Russian-backed rebels": the backer is neither party
        if lo <= s_ and e_ <= m.start() and len(text[e_:m.start()].split()) <= _UNDERGOER_WORDS:
            subject = to_actor(text, s_, e_, g)  # the last such name before the verb
        elif m.start() <= s_ and e_ <= cand.end and doer is None:
            doer = to_actor(text, s_, e_, g)  # "hit with new US sanctions", "under U.N. sanctions"
        elif s_ >= cand.end and doer is None and _UNDERGONE_BY_RE.fullmatch(text, cand.end, s_) is not None:
            doer = to_actor(text, s_, e_, g)  # "sanctions from the European Union"
    if subject is None or (doer is not None and doer.code == subject.code):
        return
    roles.target = [subject]
    roles.source = [doer] if doer is not None else []
    roles.no_source = doer is None


def _assault_roles(sen: _Sentence, cand: Candidate, clause: Span, roles: Roles) -> None:
    """The roles of an attack, corrected: the parties "between" whom it is fought, no doer for an
    attack condemned, victims moved to the target, the doer an attack is attributed to or named
    in, the attack fought back, and whom it killed, is aimed at, fired at or hits."""
    text, lower, sent, ctx = sen.text, sen.lower, sen.sent, sen.ctx
    _between(text, lower, ctx, cand, clause, roles, sent.end)
    if roles.source and _condemned(lower, text, cand, roles, clause):
        roles.source = []  # "The United States condemns this cowardly attack": no doer named
        roles.no_source = True
    _victim_sources(text, cand, roles, ctx.gaz, sent.start)  # "a Palestinian boy hurt in the attack"
    _attributed(text, cand, roles, ctx.gaz, sent.end)  # "strikes attributed to Israeli jets"
    _when_doer(text, cand, roles, ctx.gaz, sent.end)  # "soldiers were killed when militants ambushed"
    _doer_in_attack(text, cand, roles, ctx.gaz, sent.end)  # "soldiers were killed in IS attacks"
    _doer_in_head(cand, roles, ctx.gaz, text)  # "a suicide bomber killed five soldiers"
    _repelled(text, cand, roles, ctx.gaz, sent.end)  # "fighting back an Azerbaijani offensive"
    if not roles.target:
        # whom it killed or wounded is its target, with or without a named doer
        roles.target = _victims(text, cand.start, sent.end, sent.start, ctx.gaz)
    if not roles.target:
        roles.target = _victims_after(text, cand, roles, sent.end, ctx.gaz)  # "where six people were killed"
    if not roles.target:
        roles.target = _one_victim(text, cand, roles)  # "a slain soldier", "the poisoning of a former KGB officer"
    if not roles.target:
        roles.target = _fired_at(text, cand, roles, ctx.gaz, sent.end)  # "fired a missile at Riyadh"
    if not roles.target:
        roles.target = _its_own(text, cand, roles, ctx.gaz, sent.start)  # "Ukraine said rebels shelled its positions"
    if not roles.target:
        roles.target = _town_struck(text, cand, roles, ctx.gaz)  # "the Nagasaki blast", "the Paris attacks"
    if not roles.target:
        roles.target = _area_struck(text, cand, roles, ctx.gaz, sent.end)  # "airstrikes on residential areas of Aleppo"
    if not roles.target and (cand.mode or cand.entry.mode) == "abduction":
        roles.target = _detainees(text, cand.end, sent.end)  # "abducted 276 schoolgirls"


def _sent_as_aid(lower: str, cand: Candidate, roles: Roles) -> bool:
    """Whether a deployment of equipment is equipment sent to another state (military aid); sent
    "into" a state's zone, airspace or land it is an incursion ("China sent 30 warplanes into
    Taiwan's air defence zone", "Russia sent tanks into Georgia")."""
    return (
        cand.entry.type == MOBILIZE and cand.mode in EQUIPMENT_MODES
        and lower[cand.start:cand.end] in TRANSFER_VERBS and bool(roles.source) and bool(roles.target)
        and roles.target[0].kind == "state" and roles.target[0].code not in {a.code for a in roles.source}
        and " into " not in lower[cand.end:cand.end + 40]
    )


def _dated(
    s: _Sentence, cand: Candidate, clause: Span, dm: DateMention | None, tense: Tense, tense_cues: list[str]
) -> tuple[tuple[date | None, date | None], DateMention | None, Modality, list[str]]:
    """The event's dates (start, end), the date mention kept, its modality and the cues that
    tell it."""
    lower, pub = s.lower, s.pub
    if cand.entry.type == THREATEN and dm is not None and cand.consume_span and dm.start >= cand.consume_span[1]:
        dm = None  # "threatened to impose tariffs from June 1": the date of the threatened act
    ev: tuple[date | None, date | None] = (None, None)
    if dm is not None:
        resolved = resolve(dm, pub, tense)
        if resolved:
            ev = resolved
    precise = dm is not None and ev[0] is not None and dm.is_precise
    if precise and ev[0] is not None and ev[1] is None:
        span_days = n_day_span(lower, cand.start)
        if span_days > 1:
            ev = (ev[0], ev[0] + timedelta(days=span_days - 1))  # "a three-day summit on Friday"
    modality, cues = modality_of(
        lower, cand, s.ctx, clause, s.sent, s.if_spans, tense, ev, pub, precise, tense_cues,
        date_after=dm is not None and dm.start >= cand.end,
    )
    if modality == SCHEDULED:
        cues = cues or tense_cues
    if (
        modality != HISTORICAL and dm is not None and dm.is_year_only
        and ev[1] is not None and (pub - ev[1]).days > 365
    ):
        ev, dm = (None, None), None  # an old year dates the background, not this event
    return ev, dm, modality, cues


def _draft(
    s: _Sentence, cand: Candidate, clause: Span, roles: Roles, dm: DateMention | None, tense: Tense,
    tense_cues: list[str], by_model: bool,
) -> Draft:
    """The signal a candidate makes, with its evidence (the trigger with its near word when
    they stand close); ``by_model``: the role model cast one of its roles."""
    ev, dm, modality, cues = _dated(s, cand, clause, dm, tense, tense_cues)
    entry, text, sent = cand.entry, s.text, s.sent
    mode = cand.mode or entry.mode
    trig_lo, trig_hi = cand.start, cand.end
    if cand.near:
        span_lo, span_hi = cand.span
        if span_hi - span_lo <= 60:
            trig_lo, trig_hi = span_lo, span_hi
    evidence = EvidenceDraft(
        field=s.field_name, sentence=text[sent.start:sent.end], start=sent.start, end=sent.end,
        trigger=text[trig_lo:trig_hi], trigger_start=trig_lo, trigger_end=trig_hi, cues=cues,
        date_text=dm.text if dm is not None and ev[0] is not None else None,
    )
    d = Draft(
        type=entry.type, mode=mode, modality=modality, source=roles.source, target=roles.target,
        location=roles.location, event_date=ev[0], event_date_end=ev[1],
        intensity=intensity_for(entry.type, mode, entry.intensity),
        confidence=_confidence(cand, roles, modality, ev[0] is not None), evidence=evidence,
        order=(0 if s.field_name == "title" else 1, cand.start), rule=_rule_name(entry.id, by_model),
    )
    d.inherited = roles.inherited
    return d


def _rule_name(rule: str, by_model: bool) -> str:
    """The components that decided a signal: the trigger entry, and the role model if it cast a role."""
    return rule + ROLE_MODEL_TAG if by_model else rule


def _threat_targets(drafts: list[Draft]) -> None:
    """"prepared to consider imposing sanctions or an arms embargo on South Sudan's leaders": a
    threat naming no target threatens whom the act it threatens is aimed at."""
    for d in drafts:
        if d.type != THREATEN or d.target:
            continue
        lo, hi = d.evidence.trigger_start, d.evidence.trigger_end
        src = {a.code for a in d.source}
        for k in drafts:
            if (
                k is not d and k.target and k.evidence.trigger_start < hi and lo < k.evidence.trigger_end
                and (not src or src == {a.code for a in k.source})
            ):
                d.target = [a for a in k.target if a.code not in src]
                break


# "staged a coup", "the army's coup", "a military coup": who did it is named with it; "since the
# failed coup", "blamed him for the coup": the clause's subject did something else.
_COUP_DOER_RE: Final = vocabulary.pattern("coup_doer")


def _coup_named_only(lower: str, text: str, cand: Candidate, roles: Roles) -> bool:
    """Whether a coup is only named, its doer not the source found: the head is the noun, no verb
    of doing precedes it, and the source is not named right before it."""
    if not lower.startswith("coup", cand.start):
        return False
    lo = max(0, cand.start - 40)
    if _COUP_DOER_RE.search(lower, lo, cand.start) is not None:
        return False
    near = text[max(0, cand.start - 25):cand.start]
    return not any(a.text in near for a in roles.source)


# "The United States condemns this cowardly attack", "Britain called for an investigation into the
# strike": whoever condemns, mourns or investigates an attack is not its doer.
_CONDEMN_RE: Final = vocabulary.pattern("condemn")
_CONDEMN_REACH: Final = 60


def _condemned(lower: str, text: str, cand: Candidate, roles: Roles, clause: Span) -> bool:
    """Whether the source found before the head condemns or investigates the attack rather
    than doing it: a condemnation word stands between the source's name and the head."""
    lo = max(clause.start, cand.start - 80)
    at = -1
    for a in roles.source:
        k = text.rfind(a.text, lo, cand.start)
        if k < 0:  # named further back, in a clause before ("The US is preparing ..., in response to")
            k = text.rfind(a.text, max(0, cand.start - 400), lo)
        at = max(at, k + len(a.text) if k >= 0 else -1)
    # the head is the object of the condemnation: a few words after it, with no other verb between
    return at >= 0 and _CONDEMN_RE.search(lower, max(at, cand.start - _CONDEMN_REACH), cand.start) is not None


def _own_state(roles: Roles, state: Actor | None) -> None:
    """"Turkish Prime Minister said that 2,839 soldiers ... have been arrested": with no place and
    no doer named, soldiers, officials or people arrested in a sentence that names one state only
    are that state's, and it arrests them."""
    a = roles.target[0]
    if state is None or a.sector is None or a.code != a.sector or a.sector not in _OWN_STATE_SECTORS:
        return
    kind = "state" if a.sector in _STATE_SECTORS else "group"
    roles.target = [build(Actor, code=state.code, text=a.text, kind=kind, sector=a.sector)] + roles.target[1:]
    roles.source = [state]


# Sectors a state arrests among its own: its soldiers, police, officials, people and opponents.
_OWN_STATE_SECTORS: Final = frozenset({"MIL", "COP", "GOV", "CVL", "OPP"})


# Modes of a seizure of ground: what is annexed, captured or entered is taken from its state.
_GROUND_MODES: Final = frozenset(vocabulary.words("ground_modes"))


def _ground_owner(cand: Candidate, roles: Roles) -> list[Actor]:
    """The state whose ground a seizure takes: the seized place's state, when another takes it
    ("Russia annexed Crimea": UKR; "Venezuela annexed the Essequibo region": GUY)."""
    loc = roles.location
    if (cand.mode or cand.entry.mode) not in _GROUND_MODES or loc is None or not loc.country:
        return []
    for a in roles.source:
        # the state's own forces, named or placed later ("troops captured the town"), take nothing
        # from it; rebels who seize a town take it from their state ("M23 rebels seized Goma": COD)
        if (a.code == loc.country or a.code == a.sector) and (a.sector is None or a.sector in _STATE_SECTORS):
            return []
    return [_place_actor(loc)]


_THREATENED_IN_RE: Final = vocabulary.pattern("threatened_in")


def _threatened_ground(text: str, cand: Candidate, roles: Roles, end: int) -> list[Actor]:
    """The state a threat of acting in its land is aimed at, when states threaten and the place,
    named after "in" or "inside", is another's ("Erdogan threatened to launch a new military
    operation in northern Syria": SYR; not "troops sent to Ukraine would be a target")."""
    loc = roles.location
    if loc is None or not loc.country or not roles.source \
            or any(a.kind != "state" or a.code == loc.country for a in roles.source):
        return []
    at = text.find(loc.name, cand.start, end)
    if at < 0 or _THREATENED_IN_RE.search(text, max(cand.start, at - 25), at) is None:
        return []
    return [_place_actor(loc)]


def _place_actor(loc: Location) -> Actor:
    """The state of a place, as the actor of what happens there (a protest, a crackdown)."""
    return build(Actor, code=loc.country or loc.name, text=loc.name, kind="state", sector=None)


# Sectors that act for a state: "security forces in Karachi" are Pakistan's.
_STATE_SECTORS: Final = frozenset({"MIL", "COP", "GOV"})


# Measures only a state or a bloc takes as policy: sanctions, and aid.
_STATE_MEASURES: Final = frozenset({EventType.SANCTION, EventType.AID})


def _nonstate_measure(ctx: Context, roles: Roles, lo: int, start: int) -> bool:
    """"The bank announced a freeze on loan repayments", "the WTO authorised the EU to impose
    sanctions": a measure a lender, firm, court or trade body takes (one of its words opens the
    clause before the head) is not a state's, unless a state is its doer."""
    words = ctx.classes.get("nonstate_deciders")
    if words is None or not any(lo <= w[0] and w[1] <= start for w in words):
        return False
    return not any(a.kind == "state" and a.sector is None for a in roles.source)


# Types whose source acts on a target: in a passive clause the subject is the target ("Kyiv was
# struck", "Iran was accused of", "the United States is not going to be intimidated", "Hamas was
# urged to"). Not a deployment or a withdrawal, whose passive subject is the force moved, nor aid
# or backing, mostly said of things ("weapons were sent").
DIRECTED_TYPES: Final = frozenset(
    {EventType.ASSAULT, EventType.COERCE, EventType.SANCTION, EventType.THREATEN, EventType.ACCUSE, EventType.REQUEST}
)
_PASSIVE_RE: Final = vocabulary.pattern("passive_before")
# A head that opens on its own passive auxiliary ("were rounded up").
_PASSIVE_HEAD_OPENERS: Final = vocabulary.words("passive_head_openers")
_STANCE_RE: Final = vocabulary.pattern("stance_adjective")


def _passive_subject(lower: str, text: str, sent: Span, cand: Candidate, roles: Roles) -> bool:
    """Whether the source found is the subject of a passive head ("Kyiv was struck by drones",
    "the town was shelled overnight"): the subject is what was hit. A doer named by "by" comes
    after the head and is kept."""
    if not roles.source or roles.target:
        return False
    aux = _PASSIVE_RE.search(lower, max(sent.start, cand.start - 40), cand.start)
    space = lower.find(" ", cand.start, cand.end)
    if aux is None and space > 0 and lower[cand.start:space] in _PASSIVE_HEAD_OPENERS:
        aux = _PASSIVE_RE.match(lower, cand.start, space + 1)  # "were rounded up"
    if aux is None or (lower.endswith("ing", cand.start, cand.end) and "being" not in aux.group(0)):
        return False  # "The militia is fighting": a progressive, not a passive
    if _STANCE_RE.match(lower, cand.start) is not None:
        return False  # "is prepared to consider sanctions": a stance the subject takes
    return text.find(roles.source[0].text, sent.start, cand.start) >= 0


# "the Americans being detained", "Syrian troops were bombed": the name right before a passive
# auxiliary and the head undergoes the act.
_PATIENT_GAP_RE: Final = vocabulary.pattern("patient_gap")


def _passive_patient(text: str, ctx: Context, cand: Candidate, roles: Roles) -> list[Actor]:
    """The actor named right before a passive head ("Iran published photos of the Americans being
    detained"), when it is not the source found: the target. The source is then kept; when the
    name is the source itself ("Kyiv was struck"), ``_passive_subject`` makes it the target."""
    gap = _PATIENT_GAP_RE.search(text, max(0, cand.start - 30), cand.start)
    if gap is None or (text.endswith("ing", cand.start, cand.end) and not gap.group(0).strip().startswith("being")):
        return []  # "The militia is fighting": a progressive, not a passive
    lo = max(0, cand.start - 30)
    for s_, e_, g in ctx.gaz:
        if lo <= e_ <= cand.start and g.is_actor and _PATIENT_GAP_RE.match(text, e_, cand.start) is not None:
            if g.is_place and is_locative(text, s_):
                break  # "The Russian embassy in Kiev was attacked": the place says where the subject is
            actor = to_actor(text, s_, e_, g)
            if all(a.code != actor.code for a in roles.source) and not _coordinated_with_source(text, roles, s_):
                return [actor]
    return []


_AND_OR_RE: Final = vocabulary.pattern("and_or_before")


def _coordinated_with_source(text: str, roles: Roles, start: int) -> bool:
    """Whether the source is named right before the name at ``start``, joined to it by "and" or
    "or" ("Russian soldiers and 30 protesters were detained"): both are the passive's subject."""
    for a in roles.source:
        k = text.rfind(a.text, max(0, start - 60), start)
        if k >= 0 and _AND_OR_RE.match(text, k + len(a.text), start) is not None:
            return True
    return False


_BETWEEN_RE: Final = vocabulary.pattern("between")


def _between(text: str, lower: str, ctx: Context, cand: Candidate, clause: Span, roles: Roles, sent_end: int) -> None:
    """"The African Union condemned clashes between the Sudanese army and the RSF": the parties
    named after "between" fight each other; whoever reports or mediates is no party."""
    head = lower[cand.start:cand.end]
    end = clause.end
    if head.endswith("between"):
        pos = cand.end
    else:
        m = _BETWEEN_RE.match(lower, cand.end, min(clause.end, cand.end + 30))
        if m is None and cand.entry.type == ASSAULT:
            # "a man was killed and five more were wounded, in a battle between troops and gunmen":
            # the fight the victims fell in, in the head's sentence
            end = sent_end
            m = _FIGHT_BETWEEN_RE.search(lower, cand.end, min(end, cand.end + _FIGHT_BETWEEN_REACH))
        if m is None:
            return
        pos = m.end()
    parties = [m for m in ctx.gaz if pos <= m[0] < end and m[2].is_actor]
    if not parties or parties[0][0] - pos > 12:
        return  # "between" names no party right away
    first = parties[0]
    second = parties[1] if len(parties) > 1 and _second_party(lower[first[1]:parties[1][0]]) else None
    if cand.entry.type in SYMMETRIC and second is None:
        return  # a joint act keeps the parties the rules found unless "between" names two
    roles.source = [to_actor(text, first[0], first[1], first[2])]
    roles.target = []
    if second is not None:
        roles.target = [to_actor(text, second[0], second[1], second[2])]


# The fight between two parties that victims named before it fell in, after the head of their harm.
_FIGHT_BETWEEN_RE: Final = vocabulary.pattern("fight_between")
_FIGHT_BETWEEN_REACH: Final = 80
_SECOND_PARTY_WORDS: Final = 4  # "and the regime of President": the second party's noun phrase
_NOT_SECOND_PARTY: Final = vocabulary.words("not_second_party")


def _second_party(gap: str) -> bool:
    """Whether ``gap``, between the first party after "between" and the next name, leads to the
    second party: "and", or "and" and a few words of its noun phrase ("rebels and the regime of
    President Bashar al-Assad", "the army and forces loyal to"), with no comma or clause between."""
    gap = gap.strip(" ,")
    if gap in _AND_WORDS:
        return True
    words = gap.split()
    return (
        len(words) >= 2 and words[0] == "and" and len(words) <= 1 + _SECOND_PARTY_WORDS
        and "," not in gap and not any(w in _NOT_SECOND_PARTY for w in words[1:])
    )


_AND_WORDS: Final = vocabulary.words("and_words")


def _on_civilians(roles: Roles) -> bool:
    """Whether every target is civilians, no crowd ("security forces assaulted civilians"): force
    used on them by police or security forces is violence against civilians (ACLED's, CAMEO's
    18), not the law enforcement ``_police_only`` leaves to COERCE ("police attacked the mob")."""
    return bool(roles.target) and all(a.sector == "CVL" and "mob" not in a.text.lower() for a in roles.target)


def _police_only(actors: list[Actor]) -> bool:
    """Whether every doer is police ("raided by Dutch police"): a raid or a shooting by police is
    law enforcement or a crackdown (COERCE has its own rules), not a generic attack."""
    return bool(actors) and all(a.sector == "COP" for a in actors)


# Who protests, and who does not: a protest's doers are the crowd, never the police facing it.
_CROWD_SECTORS: Final = frozenset({"OPP", "CVL"})
_FORCE_SECTORS: Final = frozenset({"COP", "MIL"})


def _protest_roles(text: str, roles: Roles, ctx: Context, cand: Candidate) -> None:
    """"Police fired tear gas at protesters who blocked roads": the protesters protest. The crowd
    nearest the head is the source; police and soldiers are never a protest's source."""
    best: tuple[int, int, GazEntry] | None = None
    for m in ctx.gaz:
        if m[2].sector in _CROWD_SECTORS and (best is None or abs(m[0] - cand.start) < abs(best[0] - cand.start)):
            best = m
    if best is not None:
        crowd = to_actor(text, best[0], best[1], best[2])
        roles.source = [crowd]
        roles.target = [a for a in roles.target if a.code != crowd.code]
    elif any(a.sector in _FORCE_SECTORS for a in roles.source):
        roles.source = [a for a in roles.source if a.sector not in _FORCE_SECTORS]


def _sentence_country(ctx: Context) -> str | None:
    """The country of the sentence's first place ("in Karachi": PAK), for generic actors whose
    own clause names none."""
    state: str | None = None
    for _, _, g in ctx.gaz:
        if g.is_place:
            if g.kind != "state":  # a city or region says where better than a state named in passing
                return g.country
            state = state or g.code
    return state


# Kinds of name that stand for one state: "Turkish Prime Minister said that 2,839 soldiers ...
# have been arrested": the soldiers are Turkey's.
_STATE_NAME_KINDS: Final = frozenset({"demonym", "leader", "metonym"})


def _only_state(text: str, ctx: Context) -> Actor | None:
    """The state every name of the sentence that stands for a state names, when there is exactly
    one and no place is named: the state of its generic actors."""
    only: Actor | None = None
    for s_, e_, g in ctx.gaz:
        if g.sector is not None or not g.is_actor:
            continue
        if g.kind not in _STATE_NAME_KINDS or not g.country or g.country != g.code:
            return None  # a group, a body, a place or a capital: no single state to give
        if only is not None and only.code != g.code:
            return None
        if only is None:
            only = to_actor(text, s_, e_, g)
    return only


# "French warplanes targeted the village, killing 120 civilians": whom an attack killed or wounded
# is its target, a generic actor of the sector its victims belong to (the place gives the state).
_VICTIM_SECTORS: Final = vocabulary.labels("victim_sectors")
_VICTIMS_RE: Final = vocabulary.pattern("victims")
_VICTIMS_LEFT_RE: Final = vocabulary.pattern("victims_left")  # "which left 89 people dead"
_VICTIMS_REACH: Final = 160
# "Syrian civilians were killed in the latest US airstrike", "kids are usually among the victims
# of the Russian and Syrian strikes": the victims named before the attack.
_VICTIMS_BEFORE_RE: Final = vocabulary.pattern("victims_before")
# "committed killings of whole families", "the massacre of civilians": the victims an attack noun is "of".
_VICTIMS_OF_RE: Final = vocabulary.pattern("victims_of")
# "Zarqawi was killed in 2006 by a US airstrike": a named actor killed by the attack is its target.
_NAMED_VICTIM_RE: Final = vocabulary.pattern("named_victim")
_VICTIMS_BEFORE_REACH: Final = 160
# "the bombings, which seemed to be aimed at civilians", "airstrikes targeting civilians".
_VICTIMS_AIMED_RE: Final = vocabulary.pattern("victims_aimed")


def _victims(text: str, start: int, end: int, sent_start: int, gaz: list[tuple[int, int, GazEntry]]) -> list[Actor]:
    m = _VICTIMS_BEFORE_RE.search(text, max(sent_start, start - _VICTIMS_BEFORE_REACH), start)
    if m is None:
        named = _named_victim(text, start, sent_start, gaz)
        if named:
            return named
    if m is None:
        m = _VICTIMS_RE.search(text, start, min(end, start + _VICTIMS_REACH))
    if m is None:
        m = _VICTIMS_LEFT_RE.search(text, start, min(end, start + _VICTIMS_REACH))
    if m is None:
        m = _VICTIMS_OF_RE.match(text, start, end)
    if m is None:
        m = _VICTIMS_AIMED_RE.search(text, start, min(end, start + _VICTIMS_REACH))
    if m is None:
        return []
    return [_victim_actor(text, m, gaz)]


def _victim_actor(text: str, m: re.Match[str], gaz: list[tuple[int, int, GazEntry]]) -> Actor:
    """The victims whose noun is ``m``'s group 1: the name the text gives them ("Syrian
    civilians": state and sector), else a generic actor of the noun's sector."""
    for s_, e_, g in gaz:
        if g.sector is not None and s_ <= m.start(1) < e_:
            return to_actor(text, s_, e_, g)
    noun = " ".join(m.group(1).lower().split())
    sector = _VICTIM_SECTORS[noun]
    return build(Actor, code=sector, text=text[m.start(1):m.end(1)], kind="group", sector=sector)


_VICTIMS_AFTER_RE: Final = vocabulary.pattern("victims_after")
_ONE_VICTIM_RE: Final = vocabulary.pattern("one_victim")
_ONE_VICTIM_SECTORS: Final = vocabulary.labels("one_victim_sectors")
_PARTICIPLE_ADJECTIVE_BEFORE: Final = vocabulary.words("participle_adjective_before")


def _one_victim(text: str, cand: Candidate, roles: Roles) -> list[Actor]:
    """The person an attack's head takes as its object or modifies, named by a noun of people
    ("a slain Muslim soldier", "the poisoning of former KGB officer", "killed a policeman"):
    its target, a generic actor of the noun's sector. A participle used as an adjective ("a
    slain soldier") names no doer: the clause's subject is not its source."""
    m = _ONE_VICTIM_RE.match(text, cand.end)
    if m is None:
        return []
    noun = " ".join(m.group(1).lower().split())
    sector = _ONE_VICTIM_SECTORS[noun]
    head = text[cand.start:cand.end].lower()
    if " " not in head and head.endswith(("ed", "en", "ain")) and _word_before(text, cand.start) in _PARTICIPLE_ADJECTIVE_BEFORE:
        roles.source = []
        roles.no_source = True
    return [build(Actor, code=sector, text=text[m.start(1):m.end(1)], kind="group", sector=sector)]


def _victims_after(text: str, cand: Candidate, roles: Roles, end: int, gaz: list[tuple[int, int, GazEntry]]) -> list[Actor]:
    """Victims counted after the head as the subject of a verb of harm ("an explosion at the bus
    station, where at least six people were killed"): its target, unless they are of the doer's
    own kind ("militants stormed the base; 20 militants were killed" counts the doer's losses)."""
    m = _VICTIMS_AFTER_RE.search(text, cand.end, min(end, cand.end + _VICTIMS_REACH))
    if m is None:
        return []
    victim = _victim_actor(text, m, gaz)
    if any(_same_side(victim, a) for a in roles.source):
        return []
    return [victim]


# "The Houthis fired a missile at Riyadh", "militants lobbed a grenade at a police vehicle": what
# a projectile is fired, launched or thrown "at" is the attack's target. The head's first word,
# and the words from the head's end up to the name.
_FIRING_HEADS: Final = vocabulary.words("firing_heads")
_FIRED_AT_RE: Final = vocabulary.pattern("fired_at")
_FIRED_AT_REACH: Final = 60


def _fired_at(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> list[Actor]:
    """The actor or town a projectile is fired "at" after a firing head; [] else."""
    head = text[cand.start:cand.end].split()
    if not head or head[0].lower() not in _FIRING_HEADS:
        return []
    for s_, e_, g in gaz:
        if cand.end <= s_ <= min(end, cand.end + _FIRED_AT_REACH) and (g.is_actor or g.kind in _TOWNS) \
                and _FIRED_AT_RE.match(text, cand.end, s_) is not None:
            target = to_actor(text, s_, e_, g)
            return [target] if all(a.code != target.code for a in roles.source) else []
    return []


# "Ukraine said Russian-backed separatists shelled its positions", "Israel says militants fired
# rockets at its territory": "its" and a noun of what a side holds, right after the head, belong to
# the actor named before the doer (the speaker), who is hit.
_ITS_OWN_RE: Final = vocabulary.pattern("its_own")
_ITS_OWN_REACH: Final = 40


def _its_own(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], lo: int) -> list[Actor]:
    """The actor whose positions, troops or territory the head hits, told by "its" after
    it: the last actor named before the doer in the sentence (not a place, not the doer); []
    when the text names no such actor or no doer."""
    if not roles.source or _ITS_OWN_RE.match(text, cand.end, min(len(text), cand.end + _ITS_OWN_REACH)) is None:
        return []
    doers = {a.code for a in roles.source}
    first = min((s_ for s_, _e, g in gaz if lo <= s_ < cand.start and to_actor(text, s_, _e, g).code in doers), default=-1)
    if first < 0:
        return []
    before = [
        to_actor(text, s_, e_, g) for s_, e_, g in gaz
        if lo <= s_ and e_ <= first and g.is_actor and g.kind not in _TOWNS and not is_backer(text, e_)
    ]
    owners = [a for a in before if a.code not in doers]
    return owners[-1:]


_ARMED_GROUP_SECTORS: Final = vocabulary.words("armed_group_sectors")


def _same_side(victim: Actor, doer: Actor) -> bool:
    """Whether victims counted after an attack may be the doer's own dead: of its sector, or
    fighters of an armed group when the doer is one ("Taliban fighters stormed a checkpoint; 12
    fighters were killed")."""
    if victim.sector == doer.sector:
        return True
    return victim.sector in _ARMED_GROUP_SECTORS and (doer.kind == "group" or doer.sector in _ARMED_GROUP_SECTORS)


# "Several airstrikes have been attributed to Israeli jets", "the attack was blamed on Russian
# aircraft": the name an attack is attributed to, after the head, is its doer.
_ATTRIBUTED_RE: Final = vocabulary.pattern("attributed_to")
_ATTRIBUTED_REACH: Final = 100
# "carried out by the armed Basque separatist group ETA": the words from the verb to the name.
_ATTRIBUTED_WORDS_REACH: Final = 64
_BLAMING_RE: Final = vocabulary.pattern("blaming")
_TOWNS: Final = frozenset({"city", "region"})
_BLAMED_FOR_RE: Final = vocabulary.pattern("blamed_for")


def _attributed(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> None:
    """The name an attack is attributed to ("attributed to Israeli jets", "blamed on Russian
    aircraft") or blamed for ("Erdogan blamed the PKK for the bombing") is its doer."""
    if _blamed_for(text, cand, roles, gaz):
        return
    for s_, e_, g in gaz:
        if cand.end <= s_ <= min(end, cand.end + _ATTRIBUTED_REACH) and g.is_actor and g.kind not in _TOWNS:
            m = _ATTRIBUTED_RE.search(text, max(cand.end, s_ - _ATTRIBUTED_WORDS_REACH), s_)
            if m is not None:
                _cast_doer(roles, to_actor(text, s_, e_, g))
                return


def _blamed_for(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]]) -> bool:
    """The name blamed, accused or criticised for the act ("Erdogan blamed the PKK for the bombing",
    "Obama criticized Putin for the annexation of Crimea") is its doer; True when one is."""
    for s_, e_, g in gaz:
        if e_ <= cand.start and cand.start - e_ <= _ATTRIBUTED_REACH and g.is_actor and g.kind not in _TOWNS \
                and _BLAMED_FOR_RE.match(text, e_, cand.start) is not None \
                and _BLAMING_RE.search(text, max(0, s_ - 30), s_) is not None:
            _cast_doer(roles, to_actor(text, s_, e_, g))
            return True
    return False


_TOWN_GAP_RE: Final = vocabulary.pattern("town_attack_gap")


def _town_struck(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]]) -> list[Actor]:
    """A town, region or capital named right before an attack's head as its modifier ("the Nagasaki
    blast", "the Paris attacks", "Aleppo's bombardment") is where the attack struck: its target, coded as
    the town's country, as "attacks on Azaz" is. Not fighting, which has two sides."""
    if (cand.mode or cand.entry.mode) in _MUTUAL_MODES:
        return []
    for s_, e_, g in gaz:
        # a capital too ("the Kabul bombing"), but not with "'s": "Moscow's airstrikes" are Russia's
        if g.country and _TOWN_GAP_RE.fullmatch(text, e_, cand.start) is not None \
                and (g.kind in _TOWNS or (g.kind == "capital" and cand.start - e_ == 1)):
            town = to_actor(text, s_, e_, g)
            if all(a.code != town.code for a in roles.source):
                return [town]
    return []


_AREA_STRUCK_RE: Final = vocabulary.pattern("area_struck")


def _area_struck(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> list[Actor]:
    """The town or state whose areas an attack is made on ("airstrikes against civilian areas in
    places like Aleppo", "shelling of residential neighbourhoods of Donetsk"): its target, coded as
    the town's country, as "attacks on Azaz" is; the doer's own state too when the areas are
    civilian ones; not an area an armed side holds ("rebel-held areas"), nor fighting, which has
    two sides."""
    if (cand.mode or cand.entry.mode) in _MUTUAL_MODES:
        return []
    m = _AREA_STRUCK_RE.match(text, cand.end, end)
    if m is None:
        return []
    for s_, e_, g in gaz:
        if s_ == m.end() and g.country and (g.kind in _TOWNS or g.kind in ("capital", "state")):
            town = to_actor(text, s_, e_, g)
            if m.group(1) is not None or all(a.code != town.code for a in roles.source):
                return [town]  # "Assad halts airstrikes against civilian areas of Aleppo": his own state's people
    return []


def _cast_doer(roles: Roles, doer: Actor) -> None:
    """``doer`` is the one source, and no target."""
    roles.source = [doer]
    roles.target = [a for a in roles.target if a.code != doer.code]


# "Moscow placed the blame for the collapse of the truce on Washington": whom the blame is put
# "on" is the accusation's target, not what it is for.
_BLAME_HEADS: Final = vocabulary.phrases("blame_heads")
_BLAME_REACH: Final = 120


def _blamed_on(text: str, cand: Candidate, roles: Roles, ctx: Context, end: int) -> None:
    preps = ctx.preps
    if preps is None:
        return
    for i in range(len(ctx.gaz)):
        s_, e_, g = ctx.gaz[i]
        if cand.end <= s_ <= min(end, cand.end + _BLAME_REACH) and g.is_actor and preps[i] == "on":
            blamed = to_actor(text, s_, e_, g)
            if all(a.code != blamed.code for a in roles.source):
                roles.target = [blamed]
            return


# "a 3-year-old Palestinian boy hurt in the attack died": a name followed in its noun phrase by a
# passive or intransitive verb of harm names a victim of the attack, not its doer.
_VICTIM_AFTER_NAME_RE: Final = vocabulary.pattern("victim_after_name")
_VICTIM_HEAD_WORDS: Final = 3
_DOER_AFTER_RE: Final = vocabulary.pattern("doer_after_harm")
_DOER_AFTER_REACH: Final = 80


def _named_after_doer_word(text: str, cand: Candidate, a: Actor) -> bool:
    """Whether ``a`` is named after "by"/"with" (a few words on) within or right after the head."""
    k = text.find(a.text, cand.start, min(len(text), cand.end + _DOER_AFTER_REACH))
    if k < 0:
        return False
    m = _DOER_AFTER_RE.search(text, max(cand.start, k - 30), k)
    return m is not None and m.end() == k
_MUTUAL_MODES: Final = vocabulary.words("mutual_modes")


# "Two Americans and a Briton were abducted": a name joined to a victim by "and" or a comma.
_VICTIM_COORD_RE: Final = vocabulary.pattern("victim_coordination")


def _joined_names(text: str, sources: list[Actor], before: list[tuple[int, int, GazEntry]]) -> list[Actor]:
    """The names before the head joined to a source, after or before it, by "and" or a comma."""
    texts = {a.text for a in sources}
    spans = [(s_, e_) for s_, e_, _g in before if text[s_:e_] in texts]
    out = []
    for s_, e_, g in before:
        if text[s_:e_] in texts:
            continue
        if any(_VICTIM_COORD_RE.fullmatch(text, e0, s_) or _VICTIM_COORD_RE.fullmatch(text, e_, s0)
               for s0, e0 in spans):
            out.append(to_actor(text, s_, e_, g))
    return out


def _coordinated_victims(text: str, sources: list[Actor], victims: list[Actor],
                         gaz: list[tuple[int, int, GazEntry]], lo: int) -> list[Actor]:
    """The sources joined to a victim before it by "and" or a comma: victims too."""
    starts = [s_ for s_, _e, _g in gaz if lo <= s_ and any(text[s_:_e] == v.text for v in victims)]
    if not starts:
        return []
    first = min(starts)
    out = []
    for a in sources:
        if a in victims:
            continue
        for s_, e_, _g in gaz:
            if lo <= s_ and e_ <= first and text[s_:e_] == a.text \
                    and _VICTIM_COORD_RE.fullmatch(text, e_, first) is not None:
                out.append(a)
                break
    return out


def _harm_is_head(m: re.Match[str], cand: Candidate) -> bool:
    """Whether the verb of harm ``victim_after_name`` matched is the head itself ("were
    abducted", "Soldiers Killed in")."""
    for group in ("harm", "harm2", "harm3"):
        at = m.start(group)
        if at >= 0:
            return cand.start <= at < cand.end
    return False


def _victim_sources(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], lo: int) -> None:
    """Move to the target every source named, before the head, as the subject of a verb of harm
    ("four Russian generals -- have been killed by opposition forces", "Six American service
    members were killed in the bombing"): they were hit, whoever did it."""
    if (cand.mode or cand.entry.mode) in _MUTUAL_MODES:
        return  # "soldiers wounded in clashes with the jihadists": both sides fight
    victims: list[Actor] = []
    had_source = bool(roles.source)
    # with no doer found, every name before the head may be its victim ("Dozens of Taliban
    # fighters were killed in a battle with Afghan troops")
    before = [(s_, e_, g) for s_, e_, g in gaz if lo <= s_ and e_ <= cand.start and g.is_actor and not g.is_place]
    named = roles.source or ([] if roles.no_source else [to_actor(text, s_, e_, g) for s_, e_, g in before])
    if roles.source:
        # "Two Americans and a Briton were abducted", "Briton, two Americans kidnapped": a name
        # joined to the source by "and" or a comma may be the victim the verb follows
        named = named + _joined_names(text, roles.source, before)
    for a in named:
        if any(t.text == a.text for t in roles.target):
            continue
        for s_, e_, _g in gaz:
            if lo <= s_ and e_ <= cand.start and text[s_:e_] == a.text:
                m = _VICTIM_AFTER_NAME_RE.match(text, e_)
                # the harm is the head's: the head follows it closely ("hurt in the attack",
                # "killed by ...") rather than in a clause of its own ("were killed when they attacked")
                if m is not None and (_harm_is_head(m, cand) or (
                        m.end() <= cand.end and len(text[m.end():cand.start].split()) <= _VICTIM_HEAD_WORDS)):
                    victims.append(a)
                    break
    if not victims:
        return
    victims += _coordinated_victims(text, named, victims, gaz, lo)
    roles.source = [a for a in roles.source if a not in victims]
    codes = {a.code for a in victims}
    others = [a for a in roles.target if a.code not in codes]
    # "killed in tough battle with the Syrian government forces", "killed by Saudi jets": whom
    # the victims fell to, named after "by" or "with" near the head, is the doer
    doers = [a for a in others if _named_after_doer_word(text, cand, a)]
    if not roles.source and doers:
        roles.source = doers[:1]
        others = [a for a in others if a is not doers[0]]
    if had_source and not roles.source:
        roles.no_source = True  # the subject found was hit: the learned ranking casts no other name
    roles.target = victims + others


# "Armenian soldiers who died while fighting back an Azerbaijani offensive", "Kurdish forces
# repelled an Islamic State attack": whose attack is repelled is the doer, whoever repels it is
# what it was aimed at. Matched right after the head (or over it), up to the attack's doer.
_REPELLED_RE: Final = vocabulary.pattern("repelled_attack")
_REPELLED_REACH: Final = 60
_FIGHTERS_WORDS: Final = 5


def _repelled(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> None:
    """The doer named in an attack that the head's subject fights back, repels or fends off
    ("died while fighting back an Azerbaijani offensive") is the source, and the fighters the
    target (the roles swapped from a plain reading of "fighting X")."""
    for s_, e_, g in gaz:
        if s_ < cand.start or s_ > min(end, cand.end + _REPELLED_REACH) or not g.is_actor or g.is_place:
            continue
        m = _REPELLED_RE.search(text, max(cand.start, s_ - _REPELLED_REACH), s_)
        if m is None or m.end() != s_ or _ATTACK_NOUN_AFTER_RE.match(text, e_) is None:
            continue
        doer = to_actor(text, s_, e_, g)
        fighters = [a for a in roles.source if a.code != doer.code] or [a for a in roles.target if a.code != doer.code]
        if not fighters:
            # "Armenian soldiers who died while fighting back": the name a few words before the head
            fighters = [
                to_actor(text, s2, e2, g2) for s2, e2, g2 in gaz
                if s2 < cand.start and len(text[e2:cand.start].split()) <= _FIGHTERS_WORDS
                and g2.is_actor and not g2.is_place and g2.code != doer.code
            ][-1:]
        roles.source = [doer]
        roles.target = fighters
        return


_ATTACK_NOUN_AFTER_RE: Final = vocabulary.pattern("repelled_attack_noun")


def _doer_in_head(cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], text: str) -> None:
    """An attack whose head opens on the armed actor that does it ("a suicide bomber killed five
    soldiers", "suicide bombers blew themselves up"): that actor is its doer. The rules look for
    doers before the head only."""
    if roles.source:
        return
    for s_, e_, g in gaz:
        if s_ == cand.start and e_ <= cand.end and g.sector is not None and g.armed:
            doer = to_actor(text, s_, e_, g)
            if all(a.text != doer.text for a in roles.target):
                roles.source = [doer]
            return
        if s_ > cand.start:
            return


# "Syrian soldiers were killed in IS attacks": the name modifying the attack noun the victims
# fell in is its doer.
_DOER_IN_BEFORE_RE: Final = vocabulary.pattern("doer_in_before")
_DOER_IN_AFTER_RE: Final = vocabulary.pattern("doer_in_after")
_DOER_IN_REACH: Final = 50


def _doer_in_attack(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> None:
    """The doer of a head of harm with none ("soldiers were killed"), named as the modifier of the
    attack noun they were killed "in" right after it ("in IS attacks", "in a Taliban ambush"), or
    inside a head that holds it ("killed in RSF attacks"): taken out of the victims when the rules
    put it there."""
    if roles.source:
        return
    for s_, e_, g in gaz:
        if s_ <= cand.start:
            continue
        if s_ > min(end, cand.end + _DOER_IN_REACH):
            return
        # from the head's start: a head may end on its own "in" ("killed in", then "RSF attacks")
        if g.is_actor and not g.is_place and _DOER_IN_BEFORE_RE.search(text, cand.start, s_) is not None \
                and _DOER_IN_AFTER_RE.match(text, e_) is not None:
            doer = to_actor(text, s_, e_, g)
            roles.source = [doer]
            roles.target = [a for a in roles.target if a.text != doer.text]
            return


# "Five soldiers were killed when militants ambushed their convoy": the subject of a when-clause
# right after a head with no doer is its doer (matched from the head's end to the name).
_WHEN_DOER_RE: Final = vocabulary.pattern("when_doer")
_WHEN_DOER_REACH: Final = 40


def _when_doer(text: str, cand: Candidate, roles: Roles, gaz: list[tuple[int, int, GazEntry]], end: int) -> None:
    """The doer of a head of harm with none ("were killed"), named as the subject of the
    when-clause right after it ("when militants ambushed their convoy")."""
    if roles.source:
        return  # (a victim taken for the doer was moved to the target: the when-clause names the doer)
    for s_, e_, g in gaz:
        if cand.end < s_ <= min(end, cand.end + _WHEN_DOER_REACH):
            if g.is_actor and not g.is_place and _WHEN_DOER_RE.fullmatch(text, cand.end, s_) is not None \
                    and not any(t.text == text[s_:e_] for t in roles.target):
                roles.source = [to_actor(text, s_, e_, g)]
            return  # only the first name after the head


# "purging thousands of people", "detained dozens of activists": whom an arrest or a purge takes,
# counted right after its head, is its target, of the sector they belong to.
_DETAINEE_SECTORS: Final = vocabulary.labels("detainee_sectors")
_DETAINEES_RE: Final = vocabulary.pattern("detainees")


def _detainees(text: str, end: int, sent_end: int, start: int = -1) -> list[Actor]:
    """Whom an arrest or a purge takes, counted right after its head ("purging thousands of
    people"): a generic actor of their sector (the place gives the state), or none."""
    m = _DETAINEES_RE.match(text, end, sent_end)
    if m is None and start >= 0:
        # "detained opposition leader Alexei Navalny": the head holds whom it takes, after its verb
        k = text.find(" ", start, end)
        m = _DETAINEES_RE.match(text, k, sent_end) if k >= 0 else None
    if m is None:
        return []
    sector = _DETAINEE_SECTORS[" ".join(m.group(1).lower().split())]  # "opposition  leader": one space
    return [build(Actor, code=sector, text=m.group(1), kind="group", sector=sector)]


# Whom an arrest takes and who never makes one: civilians and opponents (detainee_sectors).
_HELD_NOUNS: Final = frozenset(k for k, v in _DETAINEE_SECTORS.items() if v in _CROWD_SECTORS)
_HELD_NOUN_WORDS: Final = 2


def _held_named_as_doers(text: str, lower: str, cand: Candidate, roles: Roles) -> bool:
    """Whether the doers found for an arrest told by a participle ("Iranian activists detained in
    Tehran", "Three British journalists arrested in Cairo") are those it holds: activists,
    protesters, civilians, or a state named right before such a noun (its journalists, its
    critics). Civilians and opponents make no arrest, so named before the participle with no
    auxiliary, they are its subject in the passive sense."""
    if not roles.source or not lower.endswith("ed", cand.start, cand.end):
        return False
    for a in roles.source:
        if a.sector in _CROWD_SECTORS:
            continue
        k = text.rfind(a.text, max(0, cand.start - 60), cand.end)
        if k < 0:
            return False
        words = lower[k + len(a.text):cand.end].split()
        between = words[:-1]  # the words from the name to the participle
        if not between or len(between) > _HELD_NOUN_WORDS or between[-1] not in _HELD_NOUNS:
            return False
    return True


def _named_victim(text: str, start: int, sent_start: int, gaz: list[tuple[int, int, GazEntry]]) -> list[Actor]:
    """The actor named as the passive subject of "killed/wounded ... by/in" right before the
    attack's head ("Zarqawi was killed in 2006 by a US airstrike"), or none."""
    lo = max(sent_start, start - _VICTIMS_BEFORE_REACH)
    for s_, e_, g in gaz:
        if lo <= s_ and e_ < start and g.is_actor and g.sector is None and not g.is_place \
                and _NAMED_VICTIM_RE.match(text, e_, start) is not None:
            return [to_actor(text, s_, e_, g)]
    return []


def _place_sectors(roles: Roles, fallback: str | None) -> None:
    """Generic actors the text ties to no state ("armed men", code UAF) take the country of the
    place where the event happens, as CAMEO codes them (PAK + UAF); states keep their names."""
    country = roles.location.country if roles.location is not None else None
    country = country or fallback
    roles.source = _placed_sectors(roles.source, country)
    roles.target = _placed_sectors(roles.target, country)


def _placed_sectors(actors: list[Actor], country: str | None) -> list[Actor]:
    if not actors or not any(a.sector is not None for a in actors):
        return actors
    out: list[Actor] = []
    seen: set[tuple[str, str | None]] = set()
    for a in actors:
        if a.sector is not None and a.code == a.sector and country:
            kind = "state" if a.sector in _STATE_SECTORS else "group"
            a = build(Actor, code=country, text=a.text, kind=kind, sector=a.sector)
        if (a.code, a.sector) not in seen:
            seen.add((a.code, a.sector))
            out.append(a)
    return out


# "Argentina invaded the Falklands on April 2, 1982, prompting Britain to send a naval task force":
# what an old event set off is history too.
_CONSEQUENCE_RE: Final = vocabulary.pattern("consequence")


def _inherit_history(lower: str, drafts: list[Draft]) -> None:
    for i, d in enumerate(drafts):
        if d.modality != ASSERTED or d.event_date is not None:
            continue
        for h in drafts[:i]:
            if (
                h.modality == HISTORICAL and h.event_date is not None
                and _CONSEQUENCE_RE.search(lower, h.evidence.trigger_end, d.evidence.trigger_start)
            ):
                d.modality = HISTORICAL
                break


# ----------------------------------------------------------------------------- entry point


def _sha256_function() -> Callable[[bytes], hashlib._Hash]:
    """CPython's own SHA-256 (module ``_sha2``, ``_sha256`` before 3.12) when it is built in: for
    a message of one block, the OpenSSL context behind ``hashlib.sha256`` costs more to set up
    and copy than the hash itself (~6.2 K instructions against ~4.6 K). The digests are equal."""
    for name in ("_sha2", "_sha256"):
        try:
            return cast(Callable[[bytes], hashlib._Hash], importlib.import_module(name).sha256)
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256: Final = _sha256_function()  # no module attribute lookup per signal


def _signal_id(article_id: str, d: Draft) -> str:
    # str() of the StrEnum is its value, without the Python-level ``.value`` property.
    raw = f"{article_id}|{d.evidence.field}|{d.evidence.trigger_start}|{str(d.type)}"
    return "sig-" + _SHA256(raw.encode()).hexdigest()[:20]


def detect(
    article: Article, *, lexicon: Lexicon | None = None, sense: bool = True, sense_model: SenseModel | None = None
) -> list[Signal]:
    """Detect every escalation signal in ``article``. Pure: no I/O, deterministic, never raises
    on any text (the property test feeds it arbitrary strings). ``sense``: let the learned sense
    model (``sense.py``; ``sense_model`` or the shipped one) veto and add signals; False for the
    rules alone."""
    lex = lexicon or load_lexicon()
    signals = detect_rules(article, lexicon=lex)
    if not sense:
        return signals

    def scan(text: str, blower: str, sent: Span) -> Context:
        return _context(lex, text, blower, sent)

    def blocked(word: str, typ: EventType, ctx: Context, start: int, end: int) -> bool:
        return head_blocked(lex, word, typ, ctx, start, end)

    return refine(article, signals, scan=scan, version=DETECTOR_VERSION, model=sense_model, blocked=blocked)


# The block classes that name another sense made with the head itself (``vocabulary.yaml``:
# figure_classes).
FIGURE_CLASSES: Final = vocabulary.words("figure_classes")


def head_blocked(lex: Lexicon, word: str, typ: EventType, ctx: Context, start: int, end: int) -> bool:
    """Whether the rules read ``word`` at ``start`` in another sense: a rule of type ``typ`` with
    ``word`` as a head is blocked there by a class of ``FIGURE_CLASSES`` ("a political attack
    ad", "a voter purge"). The sense model adds no signal on a word the rules read so."""
    for entry in lex.head_entries.get(word, ()):
        if entry.type != typ:
            continue
        lo, hi = start - entry.block_window, end + entry.block_window
        for name in entry.block:
            hits = ctx.classes.get(name) if name in FIGURE_CLASSES else None
            if hits is not None and any(h[1] >= lo and h[0] <= hi for h in hits):
                return True
    return False


def detect_rules(article: Article, *, lexicon: Lexicon | None = None) -> list[Signal]:
    """The rule detector's signals for ``article`` (``detect`` without the sense model)."""
    lex = lexicon or load_lexicon()
    assert article.published_at is not None
    pub = article.published_at.date()
    scans = [_scan_field(lex, name, text) for name, text in (("title", article.title), ("body", article.body)) if text]
    frame = _article_frame(lex, [scan[6] for scan in scans], [scan[5] for scan in scans]) if scans else ""
    story = not frame and _attack_story(lex, [scan[6] for scan in scans])
    drafts: list[Draft] = []
    for scan in scans:
        drafts.extend(_field_drafts(lex, scan, frame, pub, story))
    _court_history(lex, scans, drafts)
    drafts = merge_mentions(drafts)
    if not drafts:
        return []
    return _signals(article, drafts)


# How many attack words (``attack_arrests``: the bombing, the blast, the attackers, a gunman)
# make an article an attack story, whose arrests are made over the attack (``TriggerEntry.story``).
ATTACK_STORY_WORDS: Final = 3


def _attack_story(lex: Lexicon, hits: list[NearHits]) -> bool:
    """Whether the article's fields name attacks often enough to be an attack story: then "the
    suspect was arrested on Friday" is an arrest over the attack, as the article tells it."""
    if lex.story_id < 0:
        return False
    n = 0
    for near in hits:
        found = near[lex.story_id]
        n += len(found) if found is not None else 0
    return n >= ATTACK_STORY_WORDS


def _court_history(lex: Lexicon, scans: list[FieldScan], drafts: list[Draft]) -> None:
    """In a court story ("Court Convicts Friend of Boston Bombing Suspect"), an attack or a
    deployment told without a date of its own is the act on trial: history. So is one told in a
    sentence about the court's act, whose date is the court's ("A federal jury on Monday
    convicted a friend of the Boston Marathon bombing suspect"). The court words are those the
    whole-text scan found (cues.yaml: judicial)."""
    if lex.court_id < 0 or not any(d.modality == ASSERTED and d.type in JUDGED_TYPES for d in drafts):
        return
    n = 0
    court_words: dict[str, list[tuple[int, int]]] = {}  # field -> the court words' offsets
    for scan in scans:
        found = scan[6][lex.court_id]  # the court words of the field's whole-text scan
        if found is None or not found:
            continue
        court_words[scan[0]] = [_span(hit) for hit in found]
        if scan[0] == "title":
            n = COURT_STORY_WORDS  # a court word in the title
        n += len(found)
    if n < COURT_STORY_WORDS:
        return
    for d in drafts:
        if d.modality != ASSERTED or d.type not in JUDGED_TYPES:
            continue
        ev = d.evidence
        if d.event_date is None or any(ev.start <= lo and hi <= ev.end for lo, hi in court_words.get(ev.field, [])):
            d.modality = HISTORICAL
            ev.cues.append("court story")


# One field's whole-text scan: its name, text, lowercase and boundary forms, bytes (ASCII
# only), trigger heads and near-class hits.
FieldScan = tuple[str, str, str, str, bytes | None, list[Head], NearHits]


def _scan_field(lex: Lexicon, field_name: str, text: str) -> FieldScan:
    lower, blower = lower_forms(text)  # both as long as text: offsets stay exact
    raw = _bytes_form(text)
    heads, near = _heads(lex, lower, raw, blower)
    if heads and ("==" in lower or "MORE" in text):
        heads = _outside_headings(text, lower, heads)
    return field_name, text, lower, blower, raw, heads, near


# A wiki section heading ("==Attack==", "== The attack =="): it names the section, not an event.
_WIKI_HEADING_RE: Final = vocabulary.pattern("wiki_heading")
# Related-story links run into the text ("Donald TrumpGOP fires opening attack ... MORE"): other
# stories' headlines. Matched on the text as written: the glued capital marks the link.
_RELATED_LINKS_RE: Final = vocabulary.pattern("related_links")


def _outside_headings(text: str, lower: str, heads: list[Head]) -> list[Head]:
    """``heads`` without those inside a wiki section heading or a run of related-story links."""
    spans = [(m.start(), m.end()) for m in _WIKI_HEADING_RE.finditer(lower)]
    spans += [(m.start(), m.end()) for m in _RELATED_LINKS_RE.finditer(text)]
    if not spans:
        return heads
    return [h for h in heads if not any(a <= h[0] and h[1] <= b for a, b in spans)]


def _field_drafts(lex: Lexicon, scan: FieldScan, frame: str, pub: date, story: bool = False) -> list[Draft]:
    """The drafts of one field: its live heads, grouped by sentence, through the sentence stage."""
    field_name, text, lower, blower, raw, heads, near = scan
    if not heads:
        return []
    index: SentenceIndex | None = None
    if field_name == "body":
        index = SentenceIndex(text, lower)
    elif len(text) > MAX_SENTENCE_CHARS:  # a headline is one sentence, cut only when that long
        index = SentenceIndex(text, lower, one_sentence=True)
    # ``_live_heads`` numbers paragraphs only in a text holding both a threat word and an
    # "if" (a conditional threat): only then are all the paragraph starts worth finding.
    para_starts: list[int] = []
    if field_name == "body" and index is not None and near[THREAT_ID] is not None and near[IF_ID] is not None:
        para_starts = index.paragraph_starts
    heads = _live_heads(heads, near, para_starts)
    drafts: list[Draft] = []
    for sent, sent_heads in _sentence_groups(heads, index, len(text)):
        sent_heads = _sentence_heads(sent_heads, near, sent)
        if not sent_heads and not _threat_if_in(near, sent):
            continue

        def prev_actors(sent: Span = sent) -> list[Actor]:
            # Only unambiguous triggers with no actor in their own sentence ask for this
            # ("Major combat ended with a ceasefire in 2015"): computed on demand.
            prev: Span | None = sent
            for _ in range(2):
                prev = index.sentence_before(prev) if index is not None and prev is not None else None
                if prev is None:
                    return []
                found = _sentence_actors(lex, text, raw, blower, prev)
                if found:
                    return found
            return []

        drafts.extend(_process_sentence(
            lex, text, lower, raw, blower, sent, sent_heads, near, field_name, pub, prev_actors, frame, story
        ))
    if index is not None and drafts:
        _refer_back(lex, text, lower, blower, index, drafts, pub.year)
        if field_name == "body":
            _retrospective(lex, text, lower, blower, index, drafts, pub.year)
    return drafts


def _retrospective(
    lex: Lexicon, text: str, lower: str, blower: str, index: SentenceIndex, drafts: list[Draft], pub_year: int
) -> None:
    """A text whose first sentence tells history is a retrospective ("There have been many terrible
    events in the history of Northern Ireland's conflict, but few ... as those on Friday, 21 July
    1972"): its undated asserted mentions are the past it retells."""
    first = index.sentence_at(0)
    if any(d.modality in (ASSERTED, SCHEDULED) and d.evidence.start < first.end for d in drafts):
        return  # the first sentence reports news of its own ("..., similar to the shootings in November")
    told = bool(opening_year_cue(lower, first, pub_year))
    if not told:
        # A standing stance ("has long infected") tells no past of its own.
        told = any(not c[2].endswith(" long") for c in history_cues_in(lower, _context(lex, text, blower, first), first.start, len(lower)))
    if not told:
        return
    for d in drafts:
        if d.modality == ASSERTED and d.event_date is None and d.type in _REFERRING_TYPES:
            d.modality = HISTORICAL
            d.evidence.cues.append("retrospective")


# Escalation types whose definite mention can name an event told just before it.
_REFERRING_TYPES: Final = frozenset({ASSAULT, COERCE, MOBILIZE, THREATEN, EventType.SANCTION})
_DEFINITE: Final = vocabulary.words("referring_definite")
_REFERRING: Final = _DEFINITE | vocabulary.words("referring_continuing")


def _refers_back(lower: str, d: Draft) -> bool:
    """Whether an undated, asserted escalation mention is definite ("the attacks", "that
    massacre", "During the bombing"): it names an event already told."""
    if d.modality != ASSERTED or d.event_date is not None or d.type not in _REFERRING_TYPES:
        return False
    at = d.evidence.trigger_start
    first = lower[at:at + 8].split(" ", 1)[0]
    before = lower[max(0, at - 8):at].rstrip().rsplit(" ", 1)[-1]
    return first in _DEFINITE or before in _REFERRING


# A sentence that tells the present or what is to come, whatever its past verbs ("has", "will").
_NOT_NARRATIVE_RE: Final = vocabulary.pattern("not_narrative")


def _continues_history(lower: str, index: SentenceIndex, d: Draft, pub_year: int) -> bool:
    """"In August 1999, an Islamic body declared an independent state ... Chechen fighters crossed
    into Dagestan in support": an undated, asserted escalation mention told in the simple past
    right after a sentence that a past year opens continues that account of the past. News of
    the day comes back with a day, a present or a perfect tense, or a future."""
    if d.modality != ASSERTED or d.event_date is not None or d.type not in _REFERRING_TYPES:
        return False
    ev = d.evidence
    prev = index.sentence_before(Span(ev.start, ev.end))
    if prev is None:
        return False
    if not opening_year_cue(lower, prev, pub_year):
        return False
    return past_verb_in(lower, ev.start, ev.end) and _NOT_NARRATIVE_RE.search(lower, ev.start, ev.end) is None


# A definite blast ("the blast", "the explosion") after sentences that tell an accident or a
# disaster and no attack (classes.yaml: industrial_sites, disaster, attack_words).
_BLAST_NOUNS: Final = vocabulary.words("blast_nouns")
_ACCIDENT_CLASSES: Final = vocabulary.words("accident_classes")


def _accident_told_before(lex: Lexicon, text: str, blower: str, d: Draft, prev: Span, before: Span | None) -> bool:
    """Whether an attack mention that is a definite blast ("The blast shattered windows") names
    the blast of an accident or a disaster told in one of the two sentences before it, which
    name no attack: an industrial explosion or a fire, not a bomb. Its own mention there raised
    no attack (the accident's words veto it), so the definite one names the same blast."""
    if d.type != ASSAULT:
        return False
    at = d.evidence.trigger_start
    words = blower[at:at + 24].split()[:2]
    if words and words[0] in _DEFINITE:
        words = words[1:]  # "the blast"; a trigger without its article follows one ("the explosion")
    if not words or words[0] not in _BLAST_NOUNS:
        return False
    accident = False
    for sent in (prev, before):
        if sent is None:
            continue
        classes = _context(lex, text, blower, sent).classes
        if classes.get("attack_words"):
            return False
        accident = accident or any(classes.get(c) for c in _ACCIDENT_CLASSES)
    return accident


def _refer_back(
    lex: Lexicon, text: str, lower: str, blower: str, index: SentenceIndex, drafts: list[Draft], pub_year: int
) -> None:
    """"In 1995 and 1996, they seized hundreds of hostages ... Scores died in the attacks.": a
    definite mention with no date of its own ("the attacks", "that massacre", "also attacked")
    names an event already told, and is history when that event is: the last mention of its
    type in the two sentences before it is historical, or else the sentence just before tells
    history (a historical cue in it, or a year other than the publication's opening it)."""
    for i, d in enumerate(drafts):
        if not _refers_back(lower, d):
            if _continues_history(lower, index, d, pub_year):
                d.modality = HISTORICAL
                d.evidence.cues.append("told before")
            continue
        ev = d.evidence
        prev = index.sentence_before(Span(ev.start, ev.end))
        if prev is None:
            continue
        before = index.sentence_before(prev)
        lo = before.start if before is not None else prev.start
        told, decided, last_end = False, False, -1
        for h in drafts[:i]:
            if h.rule.split("+", 1)[0] in _STANDING_RULES:
                continue  # "the Syrian war", "UN sanctions": a standing state, no act told before
            if h.type == d.type and h.evidence.field == ev.field and lo <= h.evidence.trigger_start < ev.trigger_start:
                told, decided = h.modality == HISTORICAL, True  # the last mention of the type decides
                last_end = h.evidence.trigger_end
        if decided and not told and prev.start <= last_end <= prev.end:
            # ... unless the sentence before names history after it, by a history cue or a past
            # year: "attackers opened fire ..., similar to the mass shootings at the Bataclan in
            # November. ISIS claimed that massacre"; "... the coup in Ukraine, referring to the
            # endorsement of the 2014 revolution. The coup prompted the uprising".
            ctx = _context(lex, text, blower, prev)
            told = (any(c[0] >= last_end for c in history_cues_in(lower, ctx, 0, len(lower)))
                    or bool(clause_year_cue(lower, last_end, prev.end, pub_year)))
        if not decided and _accident_told_before(lex, text, blower, d, prev, before):
            d.modality = DENIED  # "A boiler exploded at a chemical plant. The blast shattered ..."
            ev.cues.append("accident told before")
            continue
        if not decided:
            told = bool(opening_year_cue(lower, prev, pub_year))
        if not decided and not told:
            ctx = _context(lex, text, blower, prev)
            told = bool(history_cues_in(lower, ctx, 0, len(lower)))
        if told:
            d.modality = HISTORICAL
            ev.cues.append("told before")


def _sentence_groups(heads: list[Head], index: SentenceIndex | None, n: int) -> list[tuple[Span, list[Head]]]:
    """The heads by sentence (the whole text of ``n`` characters when there is no ``index``).
    Heads come in text order, so a sentence's heads are consecutive: grouped in a list (cheaper
    than a dict keyed by spans, whose dataclass hash runs as Python code)."""
    groups: list[tuple[Span, list[Head]]] = []
    sent = Span(0, n) if index is None else Span(-1, -1)
    for h in heads:
        if index is not None and not (sent.start <= h[0] < sent.end):
            sent = index.sentence_at(h[0])
        if h[1] <= sent.end:
            if groups and groups[-1][0].start == sent.start:
                groups[-1][1].append(h)
            else:
                groups.append((sent, [h]))
    return groups


def _signals(article: Article, drafts: list[Draft]) -> list[Signal]:
    """The article's signals, one per draft."""
    article_id = article.id  # a pydantic attribute: a dict lookup per read
    ref = article_ref(article)
    out = []
    for d in drafts:
        out.append(
            build(
                Signal,
                schema_version=1, signal_id=_signal_id(article_id, d), article_id=article_id, type=d.type,
                mode=d.mode or None, modality=d.modality, actors=build(Actors, source=d.source, target=d.target),
                location=d.location, event_date=d.event_date, event_date_end=d.event_date_end,
                intensity=d.intensity, severity=severity_for(d.intensity), confidence=d.confidence,
                evidence=d.evidence.to_model(), related_evidence=[e.to_model() for e in d.related], article=ref,
                detector_version=DETECTOR_VERSION, detector="rules:" + d.rule,
            )
        )
    return out
