"""Who did it to whom, and where: actor roles and places for a candidate trigger.

Source is the clause's subject (the first actor of the clause, after a reporting verb, or the
antecedent of a relative clause), not the nearest name; actors in object position ("annexed
Ukraine's Crimea", "regions of eastern Ukraine") are never the doer; "by" right after the trigger
is a passive; coordinated names ("the U.S. and Russia", "Moscow, Washington") travel together.
"""

from __future__ import annotations

import re
from typing import Final

from schemas.common import EventType
from schemas.signal import Actor, Location
from service.detection import vocabulary
from service.detection.lexicon import GazEntry
from service.detection.model import (
    ASSAULT,
    COERCE,
    CONSULT,
    MOBILIZE,
    Candidate,
    Context,
    build,
    cues_in,
)
from service.detection.temporal import IRREGULAR_PAST
from service.detection.text import Span

SYMMETRIC: Final = frozenset({EventType.CONSULT, EventType.AGREE, EventType.COOPERATE})
DIRECTED_PLACE_TARGET: Final = frozenset(
    {ASSAULT, MOBILIZE, COERCE, EventType.AID, EventType.SANCTION, EventType.RETREAT, EventType.CONCEDE}
)
LOCATIVES: Final = vocabulary.words("locatives")
# Words skipped when looking for the preposition before a name ("in eastern Ukraine").
MODIFIERS: Final = vocabulary.words("modifiers")
# "shelling by President Bashar al-Assad's forces": a title before a name stands between it and
# "by" (not "according to Prime Minister X", left as it was).
_TITLE_WORDS: Final = vocabulary.words("title_words")
_TITLE_PREPS: Final = vocabulary.words("title_preps")
TOPIC_PREPS: Final = vocabulary.phrases("topic_preps")
PARTICIPANT_WORDS: Final = vocabulary.words("participant_words")
# Prepositions whose object is not the doer of the clause's verb.
OBJECT_PREPS: Final = vocabulary.words("object_preps")
# "officials from/of X": the people named by the noun before the preposition act for X.
PEOPLE_NOUNS: Final = vocabulary.words("people_nouns")
# CONSULT heads that take their counterpart as a direct object ("will meet the U.S. envoy").
TRANSITIVE_CONSULT: Final = vocabulary.words("transitive_consult")
# Participant words that name every party, so the sentence subject is not one of them.
LISTING_WORDS: Final = vocabulary.words("listing_words")


def _word_before(text: str, pos: int) -> str:
    j = pos
    while j > 0 and text[j - 1] == " ":
        j -= 1
    i = j
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] in "'’"):
        i -= 1
    return text[i:j].lower()


_WORDS_RE: Final = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _is_letter(c: int) -> bool:
    """Whether an ASCII code is a letter: words start with one."""
    return 97 <= c <= 122 or 65 <= c <= 90


def _in_word(c: int) -> bool:
    """Whether an ASCII code is a letter, an apostrophe or a hyphen: a character of a word."""
    return _is_letter(c) or c == 39 or c == 45


# Reach of the look back for the word before a name.
_PREP_REACH: Final = 40
_WORD_BEFORE_PREP_REACH: Final = 60


class _Words:
    """The ``_WORDS_RE`` words of ``text[lo:hi]``, read backwards from any offset.

    Roles ask for the word or two before each name, for every name of every candidate: scanning
    back over one byte per character is much cheaper than a ``findall`` of the window, or than
    indexing the str (each ``text[i]`` makes a new string). A word is a run of letters,
    apostrophes and hyphens from its first letter; a window's words are those ``findall(text,
    wlo, whi)`` gives, for any ``lo <= wlo <= whi <= hi``.
    """

    def __init__(self, text: str, lo: int, hi: int) -> None:
        self.text = text
        self.lo = lo
        # One byte per character, offsets kept: the curly apostrophe is the only non-ASCII
        # character of a word, and every other one becomes "?", which is not.
        seg = text[lo:hi]
        if "’" in seg:  # ``in`` is instant on an ASCII str; ``replace`` is a generic method call
            seg = seg.replace("’", "'")
        # Read as codes (``_in_word``): a ``translate`` to a table of kinds is a generic method call.
        self.raw = seg.encode("ascii", "replace")

    def last(self, lo: int, hi: int) -> tuple[int, int]:
        """Bounds of the last word of ``text[lo:hi]``; (lo, lo) if there is none."""
        raw = self.raw
        base = self.lo
        end = hi
        while end > lo:
            if not _in_word(raw[end - 1 - base]):
                end -= 1
                continue
            run = end - 1
            while run > lo and _in_word(raw[run - 1 - base]):
                run -= 1
            first = run
            while first < end and not _is_letter(raw[first - base]):
                first += 1
            if first < end:
                return first, end
            end = run  # apostrophes and hyphens only: no word
        return lo, lo

    def word(self, s: int, e: int) -> str:
        """``text[s:e].lower()`` of a word: most words have no capital, and then need no ``lower``
        (a generic method call when compiled)."""
        raw = self.raw
        base = self.lo
        for k in range(s, e):
            if 65 <= raw[k - base] <= 90:  # a capital
                return self.text[s:e].lower()
        return self.text[s:e]

    def possessive_at(self, pos: int) -> bool:
        """Whether ``text[pos:pos + 2]`` is "'s" or "’s": read on bytes (``raw`` has "'" for both
        apostrophes), not sliced, when it is inside the window."""
        k = pos - self.lo
        if k < 0 or k + 2 > len(self.raw):
            return self.text[pos:pos + 2] in ("'s", "’s")
        return self.raw[k] == 39 and self.raw[k + 1] == 115  # "'" and "s"

    def count(self, lo: int, hi: int, limit: int) -> int:
        """``min(len(_WORDS_RE.findall(text, lo, hi)), limit)``, looking at no more than ``limit`` words."""
        n = 0
        while n < limit:
            s, e = self.last(lo, hi)
            if s == e:
                break
            n += 1
            hi = s
        return n

    def any_in(self, lo: int, hi: int, vocab: frozenset[str]) -> bool:
        """Whether a word of ``text[lo:hi]``, lowercased, is in ``vocab``."""
        while True:
            s, e = self.last(lo, hi)
            if s == e:
                return False
            if self.word(s, e) in vocab:
                return True
            hi = s

    def prep_before(self, start: int) -> str:
        """The first word before ``start`` that is not an article or adjective of place."""
        lo = max(0, start - _PREP_REACH)
        hi = start
        title = ""  # the last title skipped
        while True:
            s, e = self.last(lo, hi)
            if s == e:
                return title
            word = self.word(s, e)
            if word not in MODIFIERS:
                if word in _TITLE_WORDS:
                    title = word
                    hi = s
                    continue
                if title and word not in _TITLE_PREPS:
                    return title  # "according to Prime Minister X": the title, as before
                # "In 2015, Obama announced": a comma ends the preposition's phrase.
                return "" if "," in self.text[e:start] else word
            hi = s

    def word_before_prep(self, start: int) -> str:
        """The word before the preposition that precedes ``start`` ("officials" in "officials from X")."""
        lo = max(0, start - _WORD_BEFORE_PREP_REACH)
        s, e = self.last(lo, start)
        while s < e and self.word(s, e) in MODIFIERS:
            s, e = self.last(lo, s)
        if s == e:
            return ""
        s, e = self.last(lo, s)
        return self.word(s, e)


def _words_around(text: str, mentions: list[tuple[int, int, GazEntry]], cand: Candidate) -> _Words:
    """The words roles may look at: from well before the first name or the trigger to the last."""
    lo = cand.start
    hi = cand.end
    for m in mentions:
        lo = min(lo, m[0])
        hi = max(hi, m[1])
    return _Words(text, max(0, lo - max(_PREP_REACH, _WORD_BEFORE_PREP_REACH)), hi)


def is_locative(text: str, start: int) -> bool:
    lo = max(0, start - _PREP_REACH)
    return _Words(text, lo, start).prep_before(start) in LOCATIVES


# The Actor last made for each surface text, with the entry it was made from: keyed by the
# text alone, a lookup hashes one string, not a tuple of three (nor works out the code and kind).
# ``Final`` (here and for the caches below): compiled, a C static rather than a globals lookup on
# every use.
_ACTOR_CACHE: Final[dict[str, tuple[GazEntry, Actor]]] = {}


def _actor_code(g: GazEntry) -> str:
    """The code of the actor a gazetteer entry names: a city or region acts for its country."""
    return g.code if g.kind not in {"city", "region"} else (g.country or g.code)


def to_actor(text: str, s: int, e: int, g: GazEntry) -> Actor:
    """The Actor of the name ``text[s:e]`` (entry ``g``). Models are never mutated once built,
    so one per name serves every signal."""
    surface = text[s:e]
    hit = _ACTOR_CACHE.get(surface)
    if hit is not None and hit[0] is g:
        return hit[1]
    if len(_ACTOR_CACHE) > 50_000:  # bounded: surface forms are few, but be safe
        _ACTOR_CACHE.clear()
    actor = build(Actor, code=_actor_code(g), text=surface, kind=g.actor_kind, sector=g.sector)
    _ACTOR_CACHE[surface] = (g, actor)
    return actor


def _actor_of(text: str, mention: tuple[int, int, GazEntry]) -> Actor:
    """``to_actor`` of a mention (a direct call: ``to_actor(text, *mention)`` is a generic one)."""
    return to_actor(text, mention[0], mention[1], mention[2])


# The Location last built for each place name, with the entry it was built from.
_LOCATION_CACHE: Final[dict[str, tuple[GazEntry, Location]]] = {}


def _to_location(g: GazEntry) -> Location:
    """The Location of a place entry. Models are never mutated once built (actors are shared
    the same way), so one per entry serves every signal: building one costs ~4K instructions,
    finding it by name ~0.3K."""
    hit = _LOCATION_CACHE.get(g.name)
    if hit is not None and hit[0] is g:
        return hit[1]
    if len(_LOCATION_CACHE) > 50_000:  # bounded, as _ACTOR_CACHE
        _LOCATION_CACHE.clear()
    country = g.country or (g.code if g.kind == "state" else None)
    loc = build(Location, name=g.name, country=country, lat=g.lat, lon=g.lon)
    _LOCATION_CACHE[g.name] = (g, loc)
    return loc


_TOWN_KINDS: Final = frozenset({"city", "region"})
# What may stand between coordinated names.
_COORDINATORS: Final = vocabulary.words("coordinators")


def _coordinated(text: str, words: _Words, mentions: list[tuple[int, int, GazEntry]], idx: int, step: int) -> list[int]:
    """Indexes of actors coordinated with mentions[idx] ("the U.S. and Russia", "Moscow, Washington")."""
    out = [idx]
    j = idx
    while 0 <= j + step < len(mentions):
        if mentions[j + step][2].kind in _TOWN_KINDS:
            break  # "Over the past week in Aleppo, Russian and Syrian war planes": a town is no co-actor
        a, b = (mentions[j], mentions[j + step]) if step > 0 else (mentions[j + step], mentions[j])
        if not _coordinating(text, words, a[1], b[0]):
            break
        j += step
        out.append(j)
    return out


# _coordinating of the short gaps seen so far: the same few recur ("and", "and the", ",").
_COORDINATING_CACHE: Final[dict[str, bool]] = {}
_CACHED_GAP: Final = 24  # the longest gap cached


def _coordinating(text: str, words: _Words, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]``, between two names, coordinates them ("and", ", the", "as well as")."""
    if _long_gap(words, lo, hi):
        return False
    gap = text[lo:hi]
    if hi - lo > _CACHED_GAP:
        return _is_coordinator(gap)
    known = _COORDINATING_CACHE.get(gap)
    if known is None:
        if len(_COORDINATING_CACHE) > 50_000:  # bounded, as _ACTOR_CACHE
            _COORDINATING_CACHE.clear()
        known = _COORDINATING_CACHE[gap] = _is_coordinator(gap)
    return known


def _is_coordinator(gap: str) -> bool:
    """Whether ``gap``, the text between two names, coordinates them (see ``_coordinating``)."""
    gap = gap.strip()
    if len(gap) > 11 and gap[0] not in ",aA'’":
        return False  # too long for a coordinator, and no possessive or "and other" opening it
    gap = gap.lower()
    if gap.startswith(("’s", "'s")):  # a possessive between them: "Russia's and China's"
        for prefix in ("’s", "'s"):
            gap = gap.removeprefix(prefix).strip()
    return gap in _COORDINATORS or gap.startswith((", and other", "and other"))


def _long_gap(words: _Words, lo: int, hi: int) -> bool:
    """A sure "too long" of ``_coordinating``, read on bytes: most names are far apart, and then
    the gap is not sliced, stripped and tested (generic method calls when compiled). Sure only
    when the gap, without its spaces, ends on plain ASCII characters other than whitespace
    (``raw`` has "?" for every non-ASCII one, and "'" for a curly apostrophe): then it is what
    ``strip`` leaves."""
    raw = words.raw
    base = words.lo
    a = lo
    b = hi
    while a < b and raw[a - base] == 32:
        a += 1
    while b > a and raw[b - 1 - base] == 32:
        b -= 1
    if b - a <= 11:
        return False
    first = raw[a - base]
    last = raw[b - 1 - base]
    return (
        32 < first < 127 and first != 63 and 32 < last < 127 and last != 63
        and first != 44 and first != 97 and first != 65 and first != 39  # not one of ",aA'"
    )


class Roles:
    """Who acts on whom, and where. A plain class rather than a dataclass: compiled, its
    ``__init__`` is a C call, while a dataclass's generated one runs as Python code."""

    __slots__ = ("inherited", "location", "no_source", "no_target", "source", "target")

    def __init__(self, source: list[Actor], target: list[Actor], location: Location | None, inherited: bool = False) -> None:
        self.source = source
        self.target = target
        self.location = location
        self.inherited = inherited
        # The rules found that the text names no doer ("The United States condemns this cowardly
        # attack"): the learned ranking leaves the source empty.
        self.no_source = False
        # The target must be named inside a quotation the speaker after it is the doer of: the
        # learned ranking casts none of the attribution's names.
        self.no_target = False


def dedupe_actors(actors: list[Actor]) -> list[Actor]:
    seen: set[str] = set()
    out = []
    for a in actors:
        if a.code not in seen:
            seen.add(a.code)
            out.append(a)
    return out


# Prepositions naming what a non-symmetric act is about, not whom it is done to.
CAUSE_PREPS: Final = vocabulary.words("cause_preps")
# "fighting alongside the Syrian Army": an ally of the doer is not the target.
_ALLY_PREPS: Final = vocabulary.words("ally_preps")
# "an assault from Turkish territory": where an attack or a deployment comes from is not its target.
_ORIGIN_TYPES: Final = frozenset({EventType.ASSAULT, EventType.MOBILIZE})
# "was detained as least nine times by Russian authorities": "by" a few words after the head.
_PASSIVE_WORDS: Final = 5
_OBJECT_OF_ACT: Final = vocabulary.words("object_of_act")
# An assault or deployment takes place in a region named after it, with or without "in".
_AREA_TYPES: Final = frozenset({EventType.ASSAULT, EventType.MOBILIZE})
# "bombarding Aleppo", "the bombing of Hiroshima", "attacks on Azaz", "took over Crimea": a city or
# region right after an attack or seizure, as its object, is its target (coded as its country, as
# CAMEO codes a place's population); "in Aleppo" stays only the place.
_PLACE_TARGET_TYPES: Final = frozenset({EventType.ASSAULT, EventType.COERCE})
_PLACE_TARGET_PREPS: Final = vocabulary.words("place_target_preps")
_PLACE_TARGET_WORDS: Final = 3
# "vowed to strike back at Iran": a state "at" which a threatened strike is aimed is its target.
_AIMED_AT: Final = vocabulary.pattern("aimed_at")
# "Russian strikes hit Aleppo": a town a nominal attack hits, strikes or targets is its target.
_STRIKING_VERBS: Final = vocabulary.words("striking_verbs")


def assign_roles(text: str, cand: Candidate, ctx: Context, clause: Span, sent: Span) -> Roles:
    etype = cand.entry.type
    mentions = ctx.gaz
    words = _words_around(text, mentions, cand)
    # The word before each name decides most questions below: once per name of the sentence, not
    # per question nor per trigger (the words read lie within _PREP_REACH before each name,
    # inside every trigger's ``words``), so a sentence's role assignments cost linear in its names.
    preps = ctx.preps
    if preps is None:
        preps = ctx.preps = [_agent_by(text, m, words.prep_before(m[0])) for m in mentions]
    names = _sort_names(text, words, mentions, preps, cand, clause, ctx.dateline)
    parties = _Parties(text, words, mentions, preps, names.actor_idx, cand, clause, sent)
    if etype in SYMMETRIC:
        _drop_mediators(parties)
    if parties.passive and etype not in SYMMETRIC:
        _passive_parties(parties)
    else:
        _active_parties(parties, ctx)
    if etype not in SYMMETRIC and not parties.passive:
        _quoted_speaker(parties, ctx, sent)
        _object_relative(parties)
    if etype in SYMMETRIC:
        _symmetric_parties(parties, names.host)
    elif not parties.target_idx:
        _directed_target(parties, names.place_target)
    source_idx, target_idx = parties.source_idx, parties.target_idx
    # Actors are told apart by code (``dedupe_actors``): decided on the names, before any Actor
    # is made, so none is made only to be dropped.
    # Lists, not sets: they hold a name or two, and an empty set costs more to make than a scan.
    src_codes: list[str] = []
    source_idx = _distinct(mentions, source_idx, src_codes)
    target_idx = _distinct(mentions, target_idx, [])
    if etype in SYMMETRIC and len(source_idx) > 1 and not target_idx:
        source_idx, target_idx = source_idx[:1], source_idx[1:]
        src_codes = [_role_key(mentions[source_idx[0]][2])]
    source = [_actor_of(text, mentions[i]) for i in source_idx]
    target = [
        _actor_of(text, mentions[i]) for i in target_idx
        if _role_key(mentions[i][2]) not in src_codes or (etype not in SYMMETRIC and _rival_leader(mentions, source_idx, i))
    ]
    roles = Roles(source, target, _location(text, cand, mentions, preps, names.place_idx, clause))
    roles.no_target = parties.quoted and not target
    roles.no_source = parties.unnamed_doer and not source
    return roles


# "attacked by heavily armed militants", "shootings by self-radicalized terrorists": "by" and
# a word or two that describe a generic actor (not a time: "by the time militants arrived").
_AGENT_BY_RE: Final = vocabulary.pattern("agent_by")
_AGENT_BY_REACH: Final = 50


def _agent_by(text: str, mention: tuple[int, int, GazEntry], prep: str) -> str:
    """The preposition before a name: "by" for a generic actor whose describing words stand
    between it and "by", else ``prep`` (the word ``_Words.prep_before`` found)."""
    if prep == "by" or mention[2].kind != "sector":
        return prep
    s = mention[0]
    if _AGENT_BY_RE.search(text, max(0, s - _AGENT_BY_REACH), s) is None:
        return prep
    return "by"


def _rival_leader(mentions: list[tuple[int, int, GazEntry]], source_idx: list[int], i: int) -> bool:
    """Whether the target ``i`` is a leader other than every leader who is the source: "Clinton
    accused Trump", "Erdogan sued an opposition leader" are acts of one state's politicians on each
    other, with that state on both sides."""
    g = mentions[i][2]
    if g.kind != "leader":
        return False
    return all(mentions[j][2].kind == "leader" and mentions[j][2].name != g.name for j in source_idx)


class _Names:
    """The sentence's names sorted for one trigger: actors, places, the town it targets and the
    capital that hosts it (-1: none)."""

    def __init__(self) -> None:
        self.actor_idx: list[int] = []
        self.place_idx: list[int] = []
        self.place_target = -1
        self.host = -1


def _sort_names(
    text: str, words: _Words, mentions: list[tuple[int, int, GazEntry]], preps: list[str], cand: Candidate, clause: Span,
    dateline: int,
) -> _Names:
    """Which names are actors and which places (a place after a locative preposition, a town),
    for the trigger ``cand``."""
    etype = cand.entry.type
    out = _Names()
    prev_locative = -1  # the last place named after a locative preposition
    for i in range(len(mentions)):
        s, _e, g = mentions[i]
        if _e <= dateline:
            if g.is_place:
                out.place_idx.append(i)  # "KABUL, Afghanistan - ": where the story was filed
            continue
        if g.is_place:
            # "in response to Russia's annexation": a possessor is an actor, not a place
            locative = preps[i] in LOCATIVES and not words.possessive_at(_e)
            prep = preps[i]
            if not locative and prev_locative == i - 1 >= 0 and _coordinating(text, words, mentions[i - 1][1], s):
                locative = not words.possessive_at(_e)  # "across Iraq and Syria": both are places
                prep = preps[i - 1]  # "a visit to Incirlik and Ankara": Ankara is visited too
            if locative:
                prev_locative = i
            if locative or g.kind in {"city", "region"}:
                out.place_idx.append(i)
                if out.place_target < 0 and etype in _PLACE_TARGET_TYPES and g.kind in {"city", "region"} \
                        and cand.end <= s < clause.end and _place_object(text, words, cand, preps[i], s):
                    out.place_target = i
                if g.kind == "state" and locative and etype in DIRECTED_PLACE_TARGET and s > cand.end:
                    out.actor_idx.append(i)  # "troops near Ukraine": Ukraine is also the target
                elif g.kind == "state" and prep == "at" and etype == EventType.THREATEN and s > cand.end \
                        and _AIMED_AT.search(text, cand.end, s) is not None:
                    out.actor_idx.append(i)  # "vowed to strike back at Iran": aimed at, not located at
                elif g.kind in {"capital", "state"} and locative and etype == CONSULT and s > cand.end \
                        and prep == "to":
                    out.actor_idx.append(i)  # "travel to Beijing", "his first visit to Vietnam": the host
                elif g.kind == "capital" and etype == CONSULT and s > cand.end and preps[i] == "in" \
                        and out.host < 0:
                    out.host = i  # "held talks in Moscow": the host, when no other party is named
                continue
        if g.is_actor:
            out.actor_idx.append(i)
    backers = [i for i in out.actor_idx if is_backer(text, mentions[i][1])]
    if backers and len(backers) < len(out.actor_idx):
        # "Russian-backed separatists shelled", "Iranian-backed airstrikes by Syrian forces":
        # the name before "-backed" sponsors the actor or act it modifies, and is neither its
        # doer nor whom it is done to, when the sentence names another actor.
        out.actor_idx = [i for i in out.actor_idx if i not in backers]
    return out


def is_backer(text: str, end: int) -> bool:
    """Whether the name ending at ``end`` opens a compound of a backer word ("U.S.-backed")."""
    if not text.startswith("-", end):
        return False
    m = _WORDS_RE.match(text, end + 1)
    return m is not None and m.group(0).lower() in _BACKER_WORDS


# "battled militants in Najaf and Iraqi troops advanced": the generic actor right after a head.
_DIRECT_OBJECT_GAP_RE: Final = vocabulary.pattern("direct_object_gap")
_SUBORDINATORS: Final = vocabulary.words("subordinators")
_SUBORDINATE_OPENER_RE: Final = vocabulary.pattern("subordinate_opener")
_SUBORDINATE_VERB_RE: Final = vocabulary.pattern("subordinate_verb")


def _opens_subordinate(words: _Words, start: int, head: int) -> bool:
    """Whether the clause from ``start`` to the head opens on a subordinating conjunction."""
    m = _WORDS_RE.search(words.text, start, head)
    return m is not None and m.group(0).lower() in _SUBORDINATORS


def _subordinate_clause_start(
    text: str, mentions: list[tuple[int, int, GazEntry]], actor_idx: list[int], start: int, end: int,
) -> int:
    """Where a subordinate clause with a subject of its own opens between ``start`` (the head's
    end) and ``end``: its subordinator, when a name after it is followed by a finite verb ("as
    Defense Secretary Donald Rumsfeld began"); ``end`` when there is none."""
    for i in actor_idx:
        s, e = mentions[i][0], mentions[i][1]
        if s < start:
            continue
        if s >= end:
            break
        m = _SUBORDINATE_OPENER_RE.search(text, start, s)
        if m is not None and _SUBORDINATE_VERB_RE.match(text, e) is not None:
            return m.start()
    return end


class _Parties:
    """The actors around one trigger, by where they stand, and the source and target chosen
    from them (indexes into the sentence's names)."""

    def __init__(
        self, text: str, words: _Words, mentions: list[tuple[int, int, GazEntry]], preps: list[str],
        actor_idx: list[int], cand: Candidate, clause: Span, sent: Span,
    ) -> None:
        self.text = text
        self.words = words
        self.mentions = mentions
        self.preps = preps
        self.actor_idx = actor_idx
        self.cand = cand
        self.clause = clause
        self.etype = cand.entry.type
        # Actors before the trigger that may be its subject, all and the real ones.
        self.all_before = [
            i for i in actor_idx
            if mentions[i][1] <= cand.start
            and not _not_subject(text, words, mentions, preps, actor_idx, i, cand.start, sent.start)
        ]
        self.before = _real(mentions, self.all_before)
        # Actors after it in its clause, all and the real ones; not those of a second verb phrase
        # ("Iran rejected the proposal and threatened Israel": Israel is not what was rejected).
        end = clause.end if self.etype in SYMMETRIC else _conjunct_start(text, cand.end, clause.end)
        if self.etype not in SYMMETRIC:
            end = _subordinate_clause_start(text, mentions, actor_idx, cand.end, end)
        self.after_all = [i for i in actor_idx if cand.end <= mentions[i][0] < end]
        self.after = _real(mentions, self.after_all)
        if self.etype in _PLACE_TARGET_TYPES and self.after_all and self.after and self.after[0] != self.after_all[0] \
                and mentions[self.after_all[0]][2].kind == "sector" \
                and _DIRECT_OBJECT_GAP_RE.fullmatch(text, cand.end, mentions[self.after_all[0]][0]) is not None:
            # "battled militants in Najaf and Iraqi troops advanced": the generic actor right after
            # an attack's or a seizure's head is its object, though a name follows ("massed troops
            # on the border with Ukraine": the troops a deployment moves are its own)
            self.after = [self.after_all[0], *self.after]
        if cand.threat_target_from:  # conditional threat: the target is the if-clause's subject
            # after the threatened act's own object ("would strike Israel if it attacked")
            a, b = cand.threat_target_from
            self.after = [i for i in self.after if mentions[i][0] < a] \
                + [i for i in actor_idx if a <= mentions[i][0] < b] + [i for i in self.after if mentions[i][0] >= b]
        self.in_clause = [i for i in self.before if mentions[i][0] >= clause.start]
        if not self.in_clause and _opens_subordinate(words, clause.start, cand.start):
            # A subordinate clause's generic actor is its subject though a name stands before the
            # clause ("the Nepali capital was cut off after Maoist rebels threatened to attack").
            self.in_clause = [i for i in self.all_before if mentions[i][0] >= clause.start]
        # Passive voice only when "by" follows the trigger closely ("was attacked by", "talks hosted
        # by"), not in a later relative clause ("facilities used by Iran-backed militias").
        # "shelling from forces loyal to Assad": an armed force after "from" is the doer too.
        # A generic doer counts ("killed by rebels in northwestern Syria": not the state named after it).
        self.passive = [i for i in self.after_all if preps[i] == "by" and _passive_by(text, words, cand, mentions[i][0])] \
            or [i for i in self.after_all if preps[i] == "from" and _fire_from(words, mentions[i], cand)] \
            or _by_after_aside(text, words, mentions, preps, actor_idx, cand, sent.end)
        self.source_idx: list[int] = []
        self.target_idx: list[int] = []
        self.quoted = False  # the doer is the speaker after a quotation holding the trigger
        self.unnamed_doer = False  # a reported clause's subject the gazetteer does not name
        self.sent_start = sent.start

    def coordinated(self, idx: int, step: int) -> list[int]:
        return _coordinated(self.text, self.words, self.mentions, idx, step)


_CONJUNCT_RE: Final = vocabulary.pattern("conjunct_verb")
_CONJUNCT_ADJECTIVES: Final = vocabulary.words("conjunct_adjectives")


def _conjunct_start(text: str, start: int, end: int) -> int:
    """Where a second verb phrase begins after the head ending at ``start`` ("... the proposal
    and threatened ..."), or ``end``: "and" + a past-tense verb after at least one word of the
    first phrase's object ("attacked and killed" is one phrase)."""
    if "and " not in text[start:end] and "but " not in text[start:end]:
        return end  # the usual case: no conjunction
    for m in _CONJUNCT_RE.finditer(text, start, end):
        if m.group(1) in _CONJUNCT_ADJECTIVES:
            continue
        if _WORDS_RE.search(text, start, m.start()) is not None:
            return m.start()
    return end


def _passive_parties(p: _Parties) -> None:
    """"Kyiv was struck by drones": the doer is named after "by"; what was hit before it."""
    p.source_idx = p.coordinated(p.passive[0], +1)
    # "attacks on civilians by Russian war planes": the object named before "by" is hit;
    # else the subject ("Kyiv was struck by drones").
    # "the bombing of Syrian troops by the coalition": so is what an attack is "of".
    objects = [
        i for i in p.after_all
        if i < p.passive[0]
        and (p.preps[i] in _OBJECT_OF_ACT or (p.preps[i] == "of" and p.etype in _PLACE_TARGET_TYPES))
    ]
    p.target_idx = objects[:1] or p.in_clause[-1:] or _appositive_head(p.text, p.mentions, p.actor_idx, p.cand.start)
    if not p.target_idx:
        # "the attack by Russia on Ukraine", "a raid by Israeli troops on the camp": with no subject,
        # what the act is done "on" or "against" after its by-phrase is hit
        doers = p.source_idx
        p.target_idx = [
            i for i in p.after_all
            if i > doers[-1] and p.preps[i] in _OBJECT_OF_ACT and p.mentions[i][2].is_actor
        ][:1]
    p.after = []


def _subject_pool(p: _Parties, ctx: Context) -> list[int]:
    """The actors the subject of an active trigger is chosen from, in text order."""
    mentions, cand = p.mentions, p.cand
    clause_word = p.text[p.clause.start:p.clause.start + 6]
    # No "w": no "which" or "who", and no need to lowercase and strip (generic method calls).
    if ("w" in clause_word or "W" in clause_word) and clause_word.lower().strip(" ,").startswith(("which", "who")):
        # "Moscow, which seized ...": the subject precedes the relative clause
        antecedent = _antecedent(p)
        if antecedent >= 0:
            return [antecedent]
        outside = [i for i in p.actor_idx if mentions[i][1] <= p.clause.start]
        return outside or p.in_clause
    shared = _shared_subject(p)
    if shared:
        return shared
    pool = p.in_clause or p.before
    # "Israel said Hamas fighters attacked": after a reporting verb, a new subject.
    reports = cues_in(ctx, "reporting", 0, cand.start)
    if reports:
        after_report = [i for i in pool if mentions[i][0] >= reports[-1][1]]
        if not after_report:
            # "Kenya's president said rebels attacked": the generic actor after the
            # report is the subject, though a name stands before it.
            after_report = [i for i in p.all_before if mentions[i][0] >= reports[-1][1]]
        if not after_report and _REPORTED_SUBJECT_RE.fullmatch(p.text, reports[-1][1], cand.start) is not None:
            # "Trump said the Khans had attacked him": the report names another subject, which
            # the gazetteer does not know; the speaker is not the doer, and a person's object
            # pronoun right after the head stands for the speaker.
            _speaker_object(p, reports[-1][0])
            p.unnamed_doer = True
            return []
        pool = after_report or pool
    if not p.in_clause and pool and p.text.startswith(",", p.clause.start) \
            and not p.words.any_in(p.clause.start, cand.start, _CLAUSE_CONJUNCTIONS):
        # "Russia and Iran, which back the Assad government, bombed ...": the clause resumes after
        # a relative clause; its subject is what the relative clause is about, not a name in it
        # (", and might lift ...": a second verb phrase of another subject, left as it was)
        m = _RELATIVE_BEFORE_RE.search(p.text, p.sent_start, p.clause.start)
        if m is not None:
            heads = [i for i in pool if mentions[i][1] <= m.start()]
            if heads:
                return heads
    gerund = _gerund_subject(p)
    if gerund:
        return gerund
    subordinate = _subordinate_subject(p, pool)
    if subordinate:
        return subordinate
    controlled = _controlled_subject(p, pool)
    if controlled:
        return controlled
    if pool and p.in_clause:
        # The subject comes first: "Beijing summoned the U.S. ambassador ... and suspended
        # imports" is Beijing's act, not the nearest name's.
        last = p.coordinated(pool[0], +1)[-1]  # in order: the last is the greatest
        pool = [i for i in pool if i <= last]
    return pool


_VERB_PHRASE_CONJUNCT_RE: Final = vocabulary.pattern("verb_phrase_conjunct")


def _shared_subject(p: _Parties) -> list[int]:
    """The sentence's first name (its subject) when the head opens a verb phrase joined by "and"
    to the one before ("Militants beheaded a second American hostage and threatened to kill a
    British captive": the militants threaten, not the Americans named as the first phrase's
    object); [] otherwise."""
    if p.in_clause or len(p.all_before) < 2 \
            or _VERB_PHRASE_CONJUNCT_RE.fullmatch(p.text, p.clause.start, p.cand.start) is None:
        return []
    return _first_subject(p)


def _first_subject(p: _Parties) -> list[int]:
    """The sentence's first name before the head, with the names coordinated with it (the
    sentence's names are its own: ``ctx.gaz`` is built per sentence)."""
    return p.coordinated(p.all_before[0], +1)


_REPORTED_SUBJECT_RE: Final = vocabulary.pattern("reported_subject")
_SPEAKER_OBJECT_RE: Final = vocabulary.pattern("speaker_object")


def speaker_not_doer(text: str, ctx: Context, lo: int, start: int, end: int) -> tuple[bool, Actor | None]:
    """For a head at ``[start, end)`` of the sentence opening at ``lo`` (a signal the sense model
    adds, whose roles are the names around it): whether a report before it names another
    subject the gazetteer does not know (``_subject_pool``'s test), and the speaker when a
    person's object pronoun right after the head stands for it ("Trump said the Khans had
    attacked him")."""
    reports = cues_in(ctx, "reporting", lo, start)
    if not reports:
        return False, None
    r0, r1 = reports[-1][0], reports[-1][1]
    mentions = ctx.gaz
    if any(r1 <= m[0] < start and m[2].is_actor for m in mentions) \
            or _REPORTED_SUBJECT_RE.fullmatch(text, r1, start) is None:
        return False, None
    before = [m for m in mentions if lo <= m[0] and m[1] <= r0 and m[2].is_actor]
    if _SPEAKER_OBJECT_RE.match(text, end) is None or not before or before[-1][2].kind != "leader":
        return True, None
    return True, to_actor(text, before[-1][0], before[-1][1], before[-1][2])


def _speaker_object(p: _Parties, report_start: int) -> None:
    """Make the speaker before a report the target when the head is followed by "him" or "her"
    and the speaker is one person named by the gazetteer (a leader)."""
    if _SPEAKER_OBJECT_RE.match(p.text, p.cand.end) is None:
        return
    speakers = [i for i in p.all_before if p.mentions[i][1] <= report_start]
    if speakers and p.mentions[speakers[-1]][2].kind == "leader":
        p.target_idx = [speakers[-1]]


# "France has been on high alert since the Islamic State group launched a series of attacks": a
# subordinating conjunction opens a clause of its own, whose subject is named right after it.
_SUBORDINATE_SUBJECT_WORDS: Final = 3  # "since the Islamic State militant group": article and modifiers
_SUBORDINATE_VERB_WORDS: Final = 6  # from the subject to the head: "launched a series of attacks"


def _subordinate_subject(p: _Parties, pool: list[int]) -> list[int]:
    """The subject of a subordinate clause that holds the head, when the main clause's subject
    stands before it: the names (coordinated) a few words after the last subordinating conjunction
    before the head, with no comma, no possessive and no other name between them and the head;
    [] when there is none."""
    if len(pool) < 2:
        return []
    mentions, words, cand = p.mentions, p.words, p.cand
    first_end = mentions[pool[0]][1]
    # the last subordinator between the first subject and the head
    hi = cand.start
    at = -1
    while True:
        s, e = words.last(first_end, hi)
        if s == e:
            break
        if words.word(s, e) in _SUBORDINATORS:
            at = e
            break
        hi = s
    if at < 0 or "," in p.text[at:cand.start]:
        return []
    after = [i for i in pool if mentions[i][0] >= at]
    if not after:
        return []
    subj = p.coordinated(after[0], +1)
    if any(i not in subj for i in after):
        return []  # another name between the subject and the head: not read here
    s0, e_last = mentions[subj[0]][0], mentions[subj[-1]][1]
    if words.count(at, s0, _SUBORDINATE_SUBJECT_WORDS + 1) > _SUBORDINATE_SUBJECT_WORDS \
            or words.possessive_at(e_last) \
            or words.count(e_last, cand.start, _SUBORDINATE_VERB_WORDS + 1) > _SUBORDINATE_VERB_WORDS:
        return []
    return subj


_GERUND_SUBORDINATORS: Final = vocabulary.words("gerund_subordinators")
_GERUND_OBJECT_RE: Final = vocabulary.pattern("gerund_object")


def _gerund_subject(p: _Parties) -> list[int]:
    """The sentence's first name (the main clause's subject) as the doer of a gerund right after
    "after", "before", "by" ... whose object is a pronoun ("beheaded British hostage Kenneth Bigley, three weeks after
    kidnapping him"), the last other name before it as the one the pronoun stands for (the
    target); [] when the head is not such a gerund."""
    if len(p.all_before) < 2 or _GERUND_OBJECT_RE.match(p.text, p.cand.end) is None \
            or not _head_word(p.text, p.cand).endswith("ing"):
        return []
    s, e = p.words.last(p.sent_start, p.cand.start)
    if s == e or p.words.word(s, e) not in _GERUND_SUBORDINATORS:
        return []
    subj = _first_subject(p)
    rest = [i for i in p.all_before if i not in subj]
    if rest and not p.target_idx:
        p.target_idx = rest[-1:]
    return subj


# "The U.S. warned Russia against invading Ukraine", "urged Israel not to attack Iran", "barred
# Moscow from deploying": the object of a verb of warning, urging, asking or barring does (or is
# kept from doing) the act that follows it; the warner does not.
_CONTROL_LINK_RE: Final = vocabulary.pattern("control_link")
_CONTROL_VERB_RE: Final = vocabulary.pattern("control_verb")
_CONTROL_VERB_REACH: Final = 40


def _controlled_subject(p: _Parties, pool: list[int]) -> list[int]:
    """The object of a verb of warning, urging, asking or barring right before the head ("warned
    Russia against invading"), with the names coordinated with it; [] when the head follows no
    such verb and its object."""
    mentions, text = p.mentions, p.text
    before = [i for i in p.actor_idx if p.clause.start <= mentions[i][0] and mentions[i][1] <= p.cand.start]
    if not pool or not before:
        return []
    obj = before[-1]  # "called on Russia to": an object after "on" is no subject, but is this one
    if _CONTROL_LINK_RE.fullmatch(text, mentions[obj][1], p.cand.start) is None:
        return []
    names = p.coordinated(obj, -1)  # backwards from the object: [obj, the one before, ...]
    first = mentions[names[-1]][0]
    if _CONTROL_VERB_RE.search(text, max(p.sent_start, first - _CONTROL_VERB_REACH), first) is None:
        return []
    names.reverse()
    return names


# "a truce brokered by Egypt", "talks mediated by the African Union": the mediator of a meeting or
# an agreement is not one of its parties.
_MEDIATION_WORDS: Final = vocabulary.words("mediation_words")


def _drop_mediators(p: _Parties) -> None:
    """Leave out of a joint act's parties the names of a by-phrase after a word of mediation,
    with the names coordinated with them ("brokered by Russia and Turkey")."""
    mediators: list[int] = []
    for i in p.actor_idx:
        if p.preps[i] == "by" and i not in mediators \
                and p.words.word_before_prep(p.mentions[i][0]) in _MEDIATION_WORDS:
            mediators += p.coordinated(i, +1)
    if not mediators:
        return
    p.all_before = [i for i in p.all_before if i not in mediators]
    p.before = [i for i in p.before if i not in mediators]
    p.in_clause = [i for i in p.in_clause if i not in mediators]
    p.after_all = [i for i in p.after_all if i not in mediators]
    p.after = [i for i in p.after if i not in mediators]
    p.passive = [i for i in p.passive if i not in mediators]


_RELATIVE_BEFORE_RE: Final = vocabulary.pattern("relative_before")
_CLAUSE_CONJUNCTIONS: Final = vocabulary.words("clause_conjunctions")


def _antecedent(p: _Parties) -> int:
    """The actor a relative clause's "which"/"who" stands for: the name right before its comma,
    even one read as a place in the clause before ("fired rockets at Israel, which responded with
    airstrikes": Israel), or -1."""
    mentions, start = p.mentions, p.clause.start
    for i in range(len(mentions) - 1, -1, -1):
        s, e, g = mentions[i]
        if e <= start:
            if g.is_actor and p.text[e:start].strip() in ("", ","):
                return i
            return -1
    return -1


_AGENTLESS_PASSIVE_RE: Final = vocabulary.pattern("agentless_passive")
_PASSIVE_HEAD_REACH: Final = 40


def _agentless_passive(p: _Parties) -> bool:
    """Whether an attack's head ends on a passive participle with no "by" after it ("after
    rockets were fired at an Israeli town"): its doer is not named. (An arrest told so is the
    state's, which the detector finds from the sentence's one state.)"""
    cand = p.cand
    if p.etype is not EventType.ASSAULT or _AGENTLESS_PASSIVE_RE.search(p.text, max(p.sent_start, cand.end - _PASSIVE_HEAD_REACH),
                                                           cand.end) is None:
        return False
    return not p.text.startswith(" by ", cand.end)


_CAUSE_NOUN_RE: Final = vocabulary.pattern("cause_noun_gap")
_CAUSE_NOUN_REACH: Final = 70


def _cause_noun(p: _Parties) -> bool:
    """Whether an attack's head is a noun the clause names as its cause or setting, with no
    name before it ("Israel closed the crossing after a rocket attack", "following a suicide
    bombing in Kashmir"): the clause's subject answered it and did not do it."""
    cand, text = p.cand, p.text
    last = text[cand.start:cand.end].split()[-1].lower()
    if p.etype is not EventType.ASSAULT or last.endswith("ed") or last in IRREGULAR_PAST:
        return False
    m = _CAUSE_NOUN_RE.search(text, max(p.sent_start, cand.start - _CAUSE_NOUN_REACH), cand.start)
    return m is not None and not any(m.start() <= p.mentions[i][0] < cand.start for i in p.actor_idx)


def _active_parties(p: _Parties, ctx: Context) -> None:
    """The source of an active trigger: the name right before an attack noun, a possessor, or
    the clause's subject."""
    if _cause_noun(p):
        p.unnamed_doer = True
        return
    if _agentless_passive(p) and not any(p.clause.start <= p.mentions[i][0] and p.mentions[i][1] <= p.cand.start
                                         for i in p.actor_idx):
        # "after rockets were fired at an Israeli town": the clause names no one before its
        # head, and the names before the clause did not do it (the victims named in the clause
        # are moved to the target with the detector's attack roles)
        p.unnamed_doer = True
        return
    pool = _subject_pool(p, ctx)
    etype = p.etype
    agent = -1 if etype in SYMMETRIC else _adjacent_agent(p.text, p.mentions, p.actor_idx, p.cand)
    if agent >= 0 and p.preps[agent] == "to" and _head_word(p.text, p.cand).endswith("ed"):
        agent = -1  # "Iran's envoy to the United Nations accused": the envoy accuses, not the UN
    possessor = [i for i in p.after if _is_of(p.text[p.cand.end:p.mentions[i][0]])]
    if agent <= -2:
        # "the Ukraine invasion": the country named before the war's noun is invaded.
        p.target_idx = [-agent - 2]
        p.source_idx = [i for i in _not_undergoer(pool, p.target_idx[0])][-1:]
    elif agent >= 0:
        # "the ferocity of Russian airstrikes", "wounded in Russian airstrikes": the name right
        # before an attack noun is its doer, whatever the clause's subject.
        p.source_idx = p.coordinated(agent, -1)
        p.source_idx.reverse()
        p.after = [i for i in p.after if i not in p.source_idx]
    elif possessor and not p.in_clause and etype not in SYMMETRIC and etype not in _PLACE_TARGET_TYPES:
        # "a demand of Moscow"; but "the arrest of dissidents", "the killing of civilians":
        # what an attack or a seizure is "of" undergoes it
        p.source_idx = p.coordinated(possessor[0], +1)  # "a demand of Moscow"
        p.after = [i for i in p.after if i not in p.source_idx]
    elif pool:
        p.source_idx = p.coordinated(pool[-1], -1)
        p.source_idx.reverse()  # found backwards: in text order


_OBJECT_RELATIVE_RE: Final = vocabulary.pattern("object_relative")
# Quotation marks: straight ones open and close alike, curly ones say which they are.
_QUOTES: Final = "\"\u201c\u201d"
# First-person words of a quotation's speaker before the head: "we will strike back", "our forces".
_FIRST_PERSON: Final = vocabulary.words("first_person")
_SPEAKER_WORDS: Final = 12  # the speaker is named within a few words of the closing quote


def _quote_close(text: str, sent: Span, start: int, end: int) -> int:
    """The offset of the quotation mark closing a quotation that holds ``text[start:end]`` and
    opens in the sentence; -1 if the span is not quoted."""
    opened = -1
    for k in range(sent.start, start):
        c = text[k]
        if c == "\u201c" or (c == '"' and opened < 0):
            opened = k
        elif c == "\u201d" or c == '"':
            opened = -1
    if opened < 0:
        return -1
    for k in range(end, sent.end):
        c = text[k]
        if c == "\u201c":
            return -1
        if c == "\u201d" or c == '"':
            return k
    return -1


def _quoted_speaker(p: _Parties, ctx: Context, sent: Span) -> None:
    """""We will impose sanctions," the U.S. envoy told lawmakers": the speaker named after a
    quotation is the doer of what its first person does in it ("we", "our forces"), and never
    whom it is done to. The quotation names no other actor before the head."""
    text, mentions, cand = p.text, p.mentions, p.cand
    close = _quote_close(text, sent, cand.start, cand.end)
    if close < 0 or not (text[close - 1] in ",?!" or text.startswith(",", close + 1)):
        return  # not quoted, or the quotation is not followed by its attribution
    reports = cues_in(ctx, "reporting", close, sent.end)
    if not reports:
        return
    opened = max(text.rfind(q, sent.start, cand.start) for q in _QUOTES)
    if any(opened < mentions[i][0] < cand.start for i in p.actor_idx):
        return  # "Russia has attacked us," the minister said: the quotation names its own doer
    # The quotation may open before the window of ``p.words``: its words are read apart (rare).
    if not any(w in _FIRST_PERSON for w in _WORDS_RE.findall(text[opened:cand.start].lower())):
        return
    verb = reports[0]
    speakers = [i for i in p.actor_idx if close < mentions[i][0] < verb[0]]
    if not speakers:  # "... ," said Iran's foreign minister
        speakers = [i for i in p.actor_idx if verb[1] <= mentions[i][0] < sent.end][:1]
    if not speakers or p.words.count(close, mentions[speakers[0]][0], _SPEAKER_WORDS + 1) > _SPEAKER_WORDS:
        return
    speakers = speakers[:1] + [i for i in p.coordinated(speakers[0], +1)[1:] if i in speakers]
    p.source_idx = speakers
    p.quoted = True
    # what the quotation's speaker does is done to a name inside it, not to one of the attribution
    # ("U.S. Special Envoy to Sudan")
    p.after = [i for i in p.after if mentions[i][0] < close]
    p.after_all = [i for i in p.after_all if mentions[i][0] < close]
    p.target_idx = [i for i in p.target_idx if mentions[i][0] < close]


def _object_relative(p: _Parties) -> None:
    """"Crimea, which Russia annexed", "Gulen, the cleric whom Ankara accuses": the name right
    after "which"/"whom" and before the head is its doer, the name before the pronoun what it is
    done to."""
    mentions, cand = p.mentions, p.cand
    # the relative pronoun opens a clause of its own: the name before it is in the clause before
    before = [i for i in p.actor_idx if mentions[i][1] <= cand.start]
    if len(before) < 2:
        return
    subj = before[-1]
    obj = before[-2]
    if cand.start - mentions[subj][1] > _RELATIVE_SUBJECT_GAP:
        return
    if _OBJECT_RELATIVE_RE.match(p.text[mentions[obj][1]:mentions[subj][0]]) is None:
        return
    p.source_idx = [subj]
    p.target_idx = [obj]


_RELATIVE_SUBJECT_GAP: Final = 25  # "whom Turkey has repeatedly bombed": the doer's name close before the head


def _symmetric_parties(p: _Parties, host: int) -> None:
    """The parties of a meeting or an agreement: those named after a participant word ("met
    with"), the direct object of "meet", the host, or "their" two parties."""
    text, words, mentions, cand, after = p.text, p.words, p.mentions, p.cand, p.after
    # "canceled a trip to Paris": the head may end on the participant word itself ("will travel
    # to Muscat for meetings with ..." keeps its other parties: the capital is only the venue)
    head_lists = text[cand.start:cand.end].lower().endswith(_TRIP_HEADS)
    parts = [
        i for i in after
        if p.preps[i] not in TOPIC_PREPS
        and (words.any_in(cand.end, mentions[i][0], PARTICIPANT_WORDS) or (head_lists and mentions[i][0] - cand.end <= 5))
    ]
    if not parts and after and _head_word(text, cand) in TRANSITIVE_CONSULT:
        m0 = mentions[after[0]][0]
        prep = p.preps[after[0]]
        people_of = prep in ("of", "from") and words.word_before_prep(m0) in PEOPLE_NOUNS
        if "," not in text[cand.end:m0] and words.count(cand.end, m0, 5) <= 4 and (prep not in OBJECT_PREPS or people_of):
            parts = after[:1]  # "will meet the U.S. envoy", "visited Kyiv"
    if parts:
        p.target_idx = p.coordinated(parts[0], +1)
        if not p.source_idx or words.any_in(cand.end, mentions[parts[0]][0], LISTING_WORDS):
            # "a summit involving Moscow, Washington": the participants are all named after it
            p.source_idx, p.target_idx = p.target_idx[:1], p.target_idx[1:]
    if p.target_idx:
        return
    if host >= 0 and host not in p.source_idx and len({_role_key(p.mentions[i][2]) for i in p.source_idx}) < 2:
        p.target_idx = [host]  # not when two parties are named: "Israeli and Hamas negotiators will meet in Cairo"
    elif _word_before(text, cand.start) == "their":
        # "following their meeting in Istanbul": the two parties named before it
        pair = _last_two_parties(mentions, p.all_before)
        if len(pair) == 2:
            p.source_idx, p.target_idx = pair[:1], pair[1:]


def _directed_target(p: _Parties, place_target: int) -> None:
    """The target of a directed act: what it is done "on", "against" or "of", the town it
    targets, or the first actor after it that names no cause or origin."""
    mentions, preps, etype = p.mentions, p.preps, p.etype
    # "Obama will deploy more U.S. Special Operations forces to destroy the Islamic State cells":
    # the doer's own name after the head (its forces) is not whom the act is done to.
    own = [_role_key(mentions[j][2]) for j in p.source_idx]
    usable = [
        i for i in p.after
        if preps[i] not in CAUSE_PREPS and preps[i] not in _ALLY_PREPS and not (etype in _ORIGIN_TYPES and preps[i] == "from")
        and (mentions[i][2].kind == "leader" or _role_key(mentions[i][2]) not in own)
    ]
    # "airstrikes against anti-Assad fighters in Syria": the object of "against" or "on", even
    # a generic one, is hit; a state named after it as the place is not.
    # So is the object of "of" after an attack or a seizure ("the arrest of dissidents in Cuba").
    objects = [
        i for i in p.after_all
        if mentions[i][2].kind == "sector"
        and (preps[i] in _OBJECT_OF_ACT or (preps[i] == "of" and etype in _PLACE_TARGET_TYPES))
    ]
    taken_from = _taken_from(mentions, preps, p.actor_idx, p.cand)
    if taken_from >= 0:
        p.target_idx = [taken_from]  # "captured Manbij from Islamic State": whom it is taken from
    elif objects and (not usable or objects[0] < usable[0] or preps[usable[0]] in LOCATIVES):
        p.target_idx = p.coordinated(objects[0], +1)
    elif place_target >= 0 and (not usable or mentions[place_target][0] < mentions[usable[0]][0]):
        p.target_idx = [place_target]
    elif usable:
        p.target_idx = p.coordinated(usable[0], +1)
    elif etype == COERCE and (p.cand.mode or p.cand.entry.mode) == "crackdown" and p.source_idx:
        # "Israeli soldiers are seen hitting Palestinians with batons": the name between the
        # doer and the means is whom they are used on
        p.target_idx = [i for i in p.in_clause if i > p.source_idx[-1]][-1:]


_TRIP_HEADS: Final = vocabulary.phrases("trip_heads")


def _taken_from(mentions: list[tuple[int, int, GazEntry]], preps: list[str], after: list[int], cand: Candidate) -> int:
    """The actor a territory is taken "from" ("captured the city of Manbij ... from Islamic
    State", "seized Crimea from Ukraine"): the target of the seizure, rather than the place; -1
    when the head is no seizure of territory or names none."""
    if cand.entry.type != COERCE or (cand.mode or cand.entry.mode) != "territory":
        return -1
    for i in after:  # the place taken may have a comma-set apposition: the whole sentence is read
        s = mentions[i][0]
        if cand.end <= s <= cand.end + _TAKEN_FROM_REACH and preps[i] == "from" and mentions[i][2].kind not in _TOWN_KINDS:
            return i
    return -1


_TAKEN_FROM_REACH: Final = 80


def _distinct(mentions: list[tuple[int, int, GazEntry]], idxs: list[int], codes: list[str]) -> list[int]:
    """``idxs`` without the mentions whose actor code an earlier one has (or ``codes`` already
    holds); ``codes`` gets those of the kept ones."""
    if not idxs:
        return idxs
    out = []
    for i in idxs:
        code = _role_key(mentions[i][2])
        if code not in codes:
            codes.append(code)
            out.append(i)
    return out


def _role_key(g: GazEntry) -> str:
    """What tells two actors of a role apart: the code, and the sector of an actor that has a
    state of its own ("Fethullah Gulen" is TUR's opposition, not Turkey: "Ankara accuses Gulen")."""
    code = _actor_code(g)
    return code if g.sector is None or g.sector == code else code + ":" + g.sector


def _is_of(gap: str) -> bool:
    """Whether ``gap``, stripped and lowercased, is "of" or "of the"; most gaps have no "f" at all,
    and are not stripped and lowercased (two generic method calls when compiled)."""
    return ("f" in gap or "F" in gap) and gap.strip().lower() in {"of", "of the"}


# Kinds of name that, right before an act's noun, are its doer ("Russian airstrikes", "a Hamas
# attack", "US airstrikes"); a place before it only says where ("the Kabul attack"). A possessive
# makes any actor the doer ("Putin's offensive").
_AGENT_KINDS: Final = frozenset({"demonym", "state", "group", "igo", "metonym"})
_PLACE_ACTOR_KINDS: Final = frozenset({"city", "region", "capital"})
# Nouns whose modifier is the country it is done to ("the Ukraine invasion").
_UNDERGOER_HEADS: Final = vocabulary.phrases("undergoer_heads")
_OWNED_HEADS: Final = vocabulary.phrases("owned_heads")
_AUXILIARIES: Final = vocabulary.words("auxiliaries")
_PREPOSITION_HEADS: Final = vocabulary.phrases("preposition_heads")
_POSSESSIVE_MODIFIERS_RE: Final = vocabulary.pattern("possessive_modifiers")
_POSSESSIVE_REACH: Final = 30


def _adjacent_agent(text: str, mentions: list[tuple[int, int, GazEntry]], actor_idx: list[int], cand: Candidate) -> int:
    """The actor named right before the trigger as its modifier or possessor, or -1; ``-2 - i``
    when the name ``i`` is a state that undergoes the act ("the Ukraine invasion")."""
    start = cand.start
    for i in actor_idx:
        e = mentions[i][1]
        if e > start or start - e > _POSSESSIVE_REACH:
            continue
        g = mentions[i][2]
        if start - e > 3:
            # "North Korea's fourth nuclear test", "Russia's latest airstrikes": a possessor and
            # a word or two of modifiers before a noun head
            if g.kind not in _PLACE_ACTOR_KINDS and _POSSESSIVE_MODIFIERS_RE.match(text, e, start) is not None \
                    and not any(w in _AUXILIARIES for w in text[e:start].lower().split()):
                return i
            continue
        gap = text[e:start]
        if gap in ("'s ", "’s "):
            return i if g.kind not in _PLACE_ACTOR_KINDS else -1
        if gap != " " or g.kind not in _AGENT_KINDS:
            return -1
        head = text[start:cand.end].lower()
        if head.startswith(_PREPOSITION_HEADS):
            return -1  # "hitting Palestinians with batons": a head opening on a preposition has no modifier
        if _opens_on_noun(head, _UNDERGOER_HEADS):
            return -2 - i if g.kind == "state" else -1
        if _opens_on_noun(head, _OWNED_HEADS):
            return -2 - i if g.kind in ("state", "demonym") else -1  # "a Philippine resupply mission"
        if any(w in _AUXILIARIES for w in head.split()):
            return -1
        return i
    return -1


def _opens_on_noun(head: str, nouns: tuple[str, ...]) -> bool:
    """Whether ``head`` opens on one of ``nouns`` as a whole word, or its plural ("the Ukraine war",
    "wars"; not "Iran warned": "war" is no prefix of another word)."""
    for noun in nouns:
        if head.startswith(noun):
            rest = head[len(noun):]
            if rest.startswith("s"):
                rest = rest[1:]
            if not rest or not rest[0].isalpha():
                return True
    return False


def _appositive_head(text: str, mentions: list[tuple[int, int, GazEntry]], actor_idx: list[int], start: int) -> list[int]:
    """"Syrian government forces, backed by Russian air strikes, ...": the name a participle set
    off by a comma describes, right before the comma."""
    for i in reversed(actor_idx):
        e = mentions[i][1]
        if e <= start:
            return [i] if text[e:start].strip() == "," else []
    return []


def _not_undergoer(pool: list[int], undergoer: int) -> list[int]:
    return [i for i in pool if i != undergoer]


# "X, backed by Y, attacked": the backer is not the subject of the clause's act.
_BACKER_WORDS: Final = vocabulary.words("backer_words")
_DASH_ASIDE_RE: Final = vocabulary.pattern("dash_aside")


def _by_after_aside(
    text: str, words: _Words, mentions: list[tuple[int, int, GazEntry]], preps: list[str], actor_idx: list[int],
    cand: Candidate, end: int,
) -> list[int]:
    """The doer named by "by" right after an aside set off by dashes after the head, which the
    clause ends before ("shootings — in San Bernardino and Orlando — by terrorists"); [] else."""
    if not any(dash in text[cand.end:cand.end + 3] for dash in "—-–"):
        return []  # the usual case: no dash right after the head
    gap = _DASH_ASIDE_RE.match(text, cand.end, end)
    if gap is None:
        return []
    return [i for i in actor_idx if gap.end() <= mentions[i][0] < end and preps[i] == "by"
            and _passive_by(text, words, cand, mentions[i][0])][:1]
# Words before a verb that make it active whatever "by" follows: "Russia would veto any attempt
# by the Security Council".
_ACTIVE_BEFORE: Final = vocabulary.words("active_before")


def _passive_by(text: str, words: _Words, cand: Candidate, by_at: int) -> bool:
    """Whether "by" before the name at ``by_at`` names the doer of a passive head: close after
    it (three words), or up to five words after a participle ("detained at least nine times by");
    never after a modal ("would veto any attempt by"), nor across a comma."""
    if "," in text[cand.end:by_at]:
        return False
    gap = _DASH_ASIDE_RE.match(text, cand.end, by_at)
    if gap is not None:
        # "two mass shootings — in San Bernardino and Orlando — by self-radicalized terrorists":
        # an aside set off by dashes is not counted
        return words.count(gap.end(), by_at, 4) <= 3
    n = words.count(cand.end, by_at, _PASSIVE_WORDS + 1)
    if n > _PASSIVE_WORDS:
        return _nominal_by(text, words, cand, by_at)
    s, e = words.last(max(words.lo, cand.start - 12), cand.start)
    if s < e and words.word(s, e) in _ACTIVE_BEFORE:
        return False
    if _reduced_relative(text, cand, by_at):
        return False
    return n <= 3 or _head_word(text, cand).endswith(("ed", "en")) or _nominal_by(text, words, cand, by_at)


_OBJECT_DETERMINERS: Final = vocabulary.words("object_determiners")
_IRREGULAR_PARTICIPLES: Final = vocabulary.words("irregular_participles")


def _reduced_relative(text: str, cand: Candidate, by_at: int) -> bool:
    """"Russian jets bombed a hospital run by Syrian rebels": a verb head followed by its object
    (a determiner and a noun) and a participle before "by": the by-phrase is the object's, in a
    reduced relative clause, not the head's."""
    gap = text[cand.end:by_at].split()
    if len(gap) < 4 or gap[0].lower() not in _OBJECT_DETERMINERS or not _head_word(text, cand).endswith("ed"):
        return False
    participle = gap[-2].lower()
    return participle.endswith(("ed", "en")) or participle in _IRREGULAR_PARTICIPLES


# "the bombing of Kurdish militias in northern Syria on Thursday morning by Turkey's air force":
# the by-phrase of an act's noun with an "of" object may come after the object and its place.
_NOMINAL_BY_WORDS: Final = 12
_NOT_NOMINAL_BY: Final = vocabulary.words("not_nominal_by")


def _nominal_by(text: str, words: _Words, cand: Candidate, by_at: int) -> bool:
    """Whether "by" far after a noun head ("the bombing of X ... by Y") names its doer: the head is
    followed by "of", no verb or relative clause stands between ("the bombing of the hospital
    was condemned by France" is France's condemnation), and the word before "by" is no participle."""
    if not text.startswith(" of ", cand.end) or words.count(cand.end, by_at, _NOMINAL_BY_WORDS + 1) > _NOMINAL_BY_WORDS:
        return False
    if words.any_in(cand.end, by_at, _NOT_NOMINAL_BY):
        return False
    s, e = words.last(cand.end, by_at)  # "by" itself
    s, e = words.last(cand.end, s)
    return s < e and not words.word(s, e).endswith(("ed", "en"))


def _fire_from(words: _Words, mention: tuple[int, int, GazEntry], cand: Candidate) -> bool:
    """"shelling from forces loyal to Assad", "fire from Israeli troops": an armed force right
    after an attack's noun and "from" is whose attack it is (a place after "from" is where it
    comes from)."""
    g = mention[2]
    return (
        cand.entry.type == ASSAULT and g.sector is not None and g.armed and not g.is_place
        and words.count(cand.end, mention[0], 2) <= 1
    )


def _last_two_parties(mentions: list[tuple[int, int, GazEntry]], idxs: list[int]) -> list[int]:
    """The last two names before the head that stand for different actors, in text order."""
    out: list[int] = []
    codes: list[str] = []
    for i in reversed(idxs):
        code = _actor_code(mentions[i][2])
        if code not in codes:
            codes.append(code)
            out.insert(0, i)
            if len(out) == 2:
                break
    return out


def _place_object(text: str, words: _Words, cand: Candidate, prep: str, start: int) -> bool:
    """Whether a place right after the head is its object: "of/on/against/over Aleppo", or no
    preposition at all ("bombarding Aleppo"), within a few words."""
    if words.count(cand.end, start, _PLACE_TARGET_WORDS + 1) > _PLACE_TARGET_WORDS:
        return False
    return prep in _PLACE_TARGET_PREPS or prep in _STRIKING_VERBS or prep == _head_word(text, cand)


def _head_word(text: str, cand: Candidate) -> str:
    """The last word of the trigger, lowercased ("met" of "met with")."""
    return text[cand.start:cand.end].lower().split()[-1]


def _real(mentions: list[tuple[int, int, GazEntry]], idxs: list[int]) -> list[int]:
    """Prefer states, IGOs and named groups over generic sectors ("rebels") when both appear."""
    if not idxs:
        return idxs  # often: no actor before or after the trigger
    strong = [i for i in idxs if mentions[i][2].kind != "sector"]
    return strong or idxs


# "the Paris attacks", "a deadly Kabul bombing": after these words a capital right before the head
# is the head's modifier of place, not a subject standing for its government.
_PLACE_MODIFIER_AFTER: Final = vocabulary.words("place_modifier_after")


def _not_subject(
    text: str, words: _Words, mentions: list[tuple[int, int, GazEntry]], preps: list[str], actor_idx: list[int], i: int,
    cand_start: int, sent_start: int,
) -> bool:
    """Actors in object position cannot be the doer: 'annexed Ukraine's Crimea', 'regions of
    eastern Ukraine'. 'Officials from the United States' and 'Lebanon's prime minister'
    still can."""
    s, e = mentions[i][0], mentions[i][1]
    if preps[i] in OBJECT_PREPS and (preps[i] == "to" or words.word_before_prep(s) not in PEOPLE_NOUNS):
        return True  # "officials from X" act for X; "Iran's envoy to the United Nations" does not
    if preps[i] == "including":
        return True  # "the SDF, including the YPG, captured": a member named in an apposition
    if mentions[i][2].kind == "capital" and text[e:cand_start] == " " and _word_before(text, s) in _PLACE_MODIFIER_AFTER:
        return True  # "the Paris attacks killed 130 people": the capital is where, not who
    if preps[i] == "by" and words.word_before_prep(s) in _BACKER_WORDS:
        return True  # "government forces backed by Russian air strikes have intensified ...
    if words.possessive_at(e) and words.count(e + 2, cand_start, 3) > 2:
        # A possessive owner is an object when a verb and another actor precede it.
        for j in actor_idx:
            if j != i and mentions[j][1] <= s and mentions[j][0] >= sent_start:
                return True
    return False


def _location(
    text: str, cand: Candidate, mentions: list[tuple[int, int, GazEntry]], preps: list[str], place_idx: list[int],
    clause: Span,
) -> Location | None:
    if not place_idx:
        return None  # no place named: none of the lists below would have anything in them
    etype = cand.entry.type
    after = [i for i in place_idx if cand.start <= mentions[i][0] < clause.end]
    before = [i for i in place_idx if clause.start <= mentions[i][0] < cand.start]
    if etype == COERCE:
        # What is seized or annexed is the place: the nearest named place after the head.
        seized = [i for i in after if mentions[i][2].kind in {"city", "region"}]
        if seized:
            return _to_location(mentions[seized[0]][2])
    loc_after = [i for i in after if preps[i] in LOCATIVES]
    if etype in _AREA_TYPES:
        loc_after = loc_after or [i for i in after if mentions[i][2].kind in {"city", "region"}]
    if loc_after:
        return _to_location(mentions[_most_precise(mentions, loc_after, cand.start)][2])
    loc_before = [i for i in before if preps[i] in LOCATIVES]
    if loc_before:
        return _to_location(mentions[_most_precise(mentions, loc_before, cand.start)][2])
    # A region named right before the head ("the Donbas offensive").
    near_before = [i for i in before if mentions[i][2].kind in {"region", "city"} and cand.start - mentions[i][1] < 20]
    if near_before:
        return _to_location(mentions[near_before[-1]][2])
    return None


def _most_precise(mentions: list[tuple[int, int, GazEntry]], idxs: list[int], anchor: int) -> int:
    """The place of ``idxs`` to prefer: a city, region or capital (more precise than a country),
    then the nearest to ``anchor``; the first one on a tie."""
    best = idxs[0]
    best_coarse = best_dist = -1
    for i in idxs:
        coarse = 0 if mentions[i][2].kind in {"city", "region", "capital"} else 1
        dist = abs(mentions[i][0] - anchor)
        if best_coarse < 0 or coarse < best_coarse or (coarse == best_coarse and dist < best_dist):
            best, best_coarse, best_dist = i, coarse, dist
    return best
