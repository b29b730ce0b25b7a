"""Mentions of one event across an article become one signal, with every sentence as evidence."""

from __future__ import annotations

import re
from typing import Final

from schemas.common import EventType, Modality
from schemas.signal import Actor
from service.detection import vocabulary
from service.detection.model import CONSULT, MOBILIZE, ROLE_MODEL_TAG, SCHEDULED, Draft

# Types whose different modes in one sentence are different acts, not one event told twice.
DISTINCT_ACT_TYPES: Final = frozenset({EventType.COERCE, EventType.SANCTION, EventType.ASSAULT})
# Modes that name no particular act ("killing two soldiers" after "exchanged fire"): they merge.
GENERIC_MODES: Final = vocabulary.words("generic_modes")

_UNDATED_MODALITIES: Final = frozenset({Modality.ASSERTED, Modality.SPECULATIVE})


# Shows of force (drills, weapons tests) and deployments are different MOBILIZE acts ("ended three
# days of war games ..., and 12 warships remained nearby"); drills and tests during them are one.
SHOW_OF_FORCE_MODES: Final = vocabulary.words("show_of_force_modes")


def distinct_acts(type_: EventType, mode_a: str | None, mode_b: str | None) -> bool:
    """Two triggers of one type in one sentence that name different specific acts."""
    if mode_a == mode_b:
        return False
    if type_ == MOBILIZE:
        return bool(mode_a and mode_b) and (mode_a in SHOW_OF_FORCE_MODES) != (mode_b in SHOW_OF_FORCE_MODES)
    if type_ not in DISTINCT_ACT_TYPES:
        return False
    return not ({mode_a, mode_b} & GENERIC_MODES)


def _codes(actors: list[Actor]) -> set[str]:
    return {a.code for a in actors}  # a comprehension compiles to a loop; frozenset(<generator>) does not


def _parties(d: Draft) -> set[str]:
    """The codes of every actor of ``d``, source or target."""
    return _codes(d.source) | _codes(d.target)


# Types whose direction is the event: "China accused Manila" and "Manila summoned a Chinese
# diplomat" are two acts, not one told twice. (Fighting is mutual, and its roles flip between
# mentions of one clash.)
_DIRECTED_TYPES: Final = frozenset({EventType.ACCUSE, EventType.THREATEN, EventType.REQUEST, EventType.SANCTION,
                                    EventType.COERCE, EventType.REJECT, EventType.AID, EventType.SUPPORT})


def _turned_around(d: Draft, k: Draft) -> bool:
    """Whether ``d`` is ``k`` with its source and target swapped, in a type whose direction is
    the event."""
    if d.type not in _DIRECTED_TYPES or not d.source or not d.target or not k.source or not k.target:
        return False
    return _codes(d.source) == _codes(k.target) and _codes(d.target) == _codes(k.source)


def _stateless_victims(d: Draft) -> bool:
    """Whether ``d`` names no doer and only generic actors of no state as its target ("during an
    hour of concentrated bombing at least 11 people died"): no party that tells its event apart."""
    return not d.source and bool(d.target) and all(a.sector is not None and a.code == a.sector for a in d.target)


def _absorb_actors(into: Draft, other: Draft) -> None:
    """Add the actors of ``other`` that ``into`` lacks."""
    known = _parties(into) | _unplaced(other, into)  # "Gunmen" of no state: the gunmen placed
    n = len(into.source) + len(into.target)
    into.source = into.source + [a for a in other.source if a.code not in known]
    known |= _codes(other.source)
    into.target = into.target + [a for a in other.target if a.code not in known]
    if len(into.source) + len(into.target) > n and other.rule.endswith(ROLE_MODEL_TAG) \
            and not into.rule.endswith(ROLE_MODEL_TAG):
        into.rule += ROLE_MODEL_TAG  # an actor the role model cast came with the other mention


def absorb(into: Draft, other: Draft) -> None:
    """Merge ``other`` (another mention of the same event) into ``into``."""
    # Actors lent by the sentences before name nobody of this event ("The Taliban denied
    # involvement. Security was tightened after the bombing."): they are not added.
    if not other.inherited:
        _absorb_actors(into, other)
    if into.location is None and other.location is not None:
        into.location = other.location
    if into.event_date is None and other.event_date is not None:
        into.event_date, into.event_date_end = other.event_date, other.event_date_end
    # Another sentence is more evidence; so is another trigger of the same sentence ("Dozens were
    # killed in the blasts ... IS militants had detonated a car bomb": a caption run into the
    # next sentence, or two reports of the act in one): each mention keeps its words.
    if (
        other.evidence.sentence != into.evidence.sentence or other.evidence.field != into.evidence.field
        or other.evidence.trigger_start != into.evidence.trigger_start
    ):
        into.related.append(other.evidence)
    into.related.extend(other.related)
    into.confidence = max(into.confidence, other.confidence)


_OTHER_EVENT_RE: Final = vocabulary.pattern("other_event")


def _ordered(a: int, b: int) -> tuple[int, int]:
    """``sorted((a, b))`` as a native pair: no tuple, list or call of ``sorted``."""
    return (a, b) if a <= b else (b, a)


def _same_sentence(d: Draft, k: Draft) -> bool:
    # Field by field: comparing two tuples would make them first.
    return d.evidence.start == k.evidence.start and d.evidence.field == k.evidence.field


# A definite mention that refers back: after a preposition or a verb that talks about an event
# ("before the meeting", "to denounce the U.S. and British strikes"), not one that does it ("raised
# the combat readiness", "declared the annexation").
_DEFINITE_RE: Final = vocabulary.pattern("definite")


def _definite(d: Draft) -> bool:
    """'ruled out any ceasefire before the meeting': the trigger names an event already mentioned."""
    ev = d.evidence
    before = ev.sentence[max(0, ev.trigger_start - ev.start - 30):ev.trigger_start - ev.start]
    # Every determiner the regex needs starts with "th" (no other character lower-cases to t or
    # h): without one, the search (~10 K instructions) cannot match.
    return "th" in before.lower() and _DEFINITE_RE.search(before) is not None


# "launching drone and missile strikes": one act with two weapons.
_COORDINATED_RE: Final = vocabulary.pattern("coordinated")


def _distinct_in_sentence(d: Draft, k: Draft) -> bool:
    """Two triggers of one sentence that name different acts: not coordinated ('drone and missile
    strikes'), and for deployments and drills, not one clause ('ordered troops to take part in
    exercises')."""
    if not distinct_acts(d.type, d.mode, k.mode):
        return False
    lo, hi = _ordered(k.evidence.trigger_end, d.evidence.trigger_start)
    gap = k.evidence.sentence[lo - k.evidence.start:max(lo, hi) - k.evidence.start]
    if _COORDINATED_RE.fullmatch(gap):
        return False
    return d.type != MOBILIZE or "," in gap or ";" in gap


# "..., the first time a NATO member has fired on ...", "killed 14 soldiers ..., in an attack
# later claimed by ...": the same act named again.
_RESTATEMENT_RE: Final = vocabulary.pattern("restatement")


# A participle after a comma that names the build-up again ("..., calling up reservists").
_PARTICIPLE_RE: Final = re.compile(r"[a-z]+ing\b")


def _same_sentence_twice(d: Draft, k: Draft, a: set[str], b: set[str]) -> bool:
    """Two triggers of one type in one sentence, compatible in actors (``a`` and ``b``, their
    ``_parties``) and date, are one event ("exchanged fire ..., killing two soldiers")."""
    if not _same_sentence(d, k) or d.modality != k.modality:
        return False
    if _RESTATEMENT_RE.search(d.evidence.sentence, 0, max(0, d.evidence.trigger_start - d.evidence.start)):
        return True  # "..., the first time a NATO member has fired on Russian assets": the same act
    if d.type == MOBILIZE and _PARTICIPLE_RE.match(d.evidence.trigger) and (
        d.evidence.sentence[:max(0, d.evidence.trigger_start - d.evidence.start)].rstrip().endswith(",")
    ):
        return True  # "ordered a mobilisation ..., calling up 300,000 reservists": the same call-up
    if _distinct_in_sentence(d, k):
        return False  # a coup and a detention, a recall and an expulsion: two acts
    lo, hi = _ordered(k.evidence.trigger_end, d.evidence.trigger_start)
    if _OTHER_EVENT_RE.search(k.evidence.sentence, lo - k.evidence.start, max(lo, hi) - k.evidence.start):
        return False  # "struck Iran in retaliation for a missile barrage": two events
    if d.event_date and k.event_date and d.event_date != k.event_date:
        return False
    return not a or not b or a <= b or b <= a


def _doer_told_after(d: Draft, k: Draft, parties: set[str], k_parties: set[str]) -> bool:
    """Whether one of ``d`` and ``k`` is a later undated definite mention, in another sentence of
    the same field, that names only a doer, and the other, told before it, names none or that
    one: "A bomb killed 13 people at a cafe in Madrid. ... the attack was carried out by ETA"
    tells one attack and who did it."""
    if d.evidence.field != k.evidence.field or _same_sentence(d, k):
        return False
    later, earlier = (d, k) if d.evidence.trigger_start > k.evidence.trigger_start else (k, d)
    doers = parties if later is d else k_parties
    return (
        bool(later.source) and not later.target and later.event_date is None and later.location is None
        # the earlier mention names no doer, or the same one ("... by ETA. ... the attack by ETA")
        and (doers <= _codes(earlier.source) or not earlier.source)
        and not (doers & _codes(earlier.target))
        and _names_again(later)
    )


# "the attack", "these bombings": the determiners of a mention that names an attack told before
# ("that" is left out: it is mostly a conjunction, "reported that strikes ..."), and its nouns.
_TOLD_AGAIN_DETERMINERS: Final = vocabulary.words("told_again_determiners")
_TOLD_AGAIN_NOUNS: Final = vocabulary.words("told_again_nouns")


def _names_again(d: Draft) -> bool:
    """Whether the trigger of ``d`` is an attack noun after a determiner of an event told before
    ("the attack was carried out by ETA"), and its doer no civilian."""
    ev = d.evidence
    words = ev.trigger.lower().split()
    if not words or words[-1] not in _TOLD_AGAIN_NOUNS or any(a.sector == "CVL" for a in d.source):
        return False
    at = ev.trigger_start - ev.start
    return words[0] in _TOLD_AGAIN_DETERMINERS \
        or ev.sentence[max(0, at - 8):at].rstrip().rsplit(" ", 1)[-1].lower() in _TOLD_AGAIN_DETERMINERS


def merge_mentions(drafts: list[Draft]) -> list[Draft]:
    # Body mentions are better evidence than headlines: put them first so they become primary.
    if _out_of_order(drafts, False):
        drafts = _by_field(drafts, False)
        if _out_of_order(drafts, False):
            drafts = sorted(drafts, key=lambda d: (0 if d.evidence.field == "body" else 1, d.order[1]))
    if len({d.type for d in drafts}) < len(drafts):  # only drafts of one type merge
        drafts = _merge(drafts)
    if _out_of_order(drafts, True):
        drafts = _by_field(drafts, True)
        if _out_of_order(drafts, True):
            drafts = sorted(drafts, key=lambda d: (d.evidence.field != "title", d.evidence.start))
    return drafts


def _by_field(drafts: list[Draft], title_first: bool) -> list[Draft]:
    """``drafts`` with those of the field ranked first (``_out_of_order``'s ranks) before the
    others, each part in the order it came. Each field's drafts mostly come in order, the title's
    and the body's apart: then this is the sort by (field, position), without the key function
    it calls per draft; a stable sort of it is the same as one of ``drafts``."""
    first_field = "title" if title_first else "body"
    first = []
    rest = []
    for d in drafts:
        if d.evidence.field == first_field:
            first.append(d)
        else:
            rest.append(d)
    return first + rest


def _out_of_order(drafts: list[Draft], title_first: bool) -> bool:
    """Would a stable sort of ``drafts`` by (field, position) move any? Drafts come in text
    order and mostly all from the body: then neither sort has anything to do, and this loop
    over native fields costs a fraction of a sort calling its key function per draft. The
    position is the trigger's (``order``) with the body first, else the sentence's."""
    prev_rank, prev_pos = -1, -1
    for d in drafts:
        if title_first:
            rank, pos = (1 if d.evidence.field != "title" else 0), d.evidence.start
        else:
            rank, pos = (0 if d.evidence.field == "body" else 1), d.order[1]
        if rank < prev_rank or (rank == prev_rank and pos < prev_pos):
            return True
        prev_rank, prev_pos = rank, pos
    return False


# How many earlier events of its type a mention is compared with (``_merge``), and how many
# announced meetings an undated one is: the first ones, in order of preference. News articles
# report a handful of events of a type; the bound keeps merging linear in the number of mentions
# on text that names thousands of different events (lists, tables, attacks on the service).
MAX_MERGE_CANDIDATES: Final = 64


def _unplaced(d: Draft, other: Draft) -> set[str]:
    """The codes of ``d``'s generic actors of no state whose sector ``other`` names with a state
    ("Gunmen ambush Chalabi's convoy" in a headline; "BAGHDAD - Gunmen ambushed" in the lede,
    IRQ with sector UAF): the same actor, told without its place."""
    out: set[str] = set()
    for a in d.source + d.target:
        if a.sector is not None and a.code == a.sector:
            for b in other.source + other.target:
                if b.sector == a.sector and b.code != b.sector:
                    out.add(a.code)
                    break
    return out


def _placed_alike(d: Draft, k: Draft, parties: set[str], k_parties: set[str]) -> bool:
    """Whether the parties of ``d`` and ``k`` are the same once a generic actor of no state is
    read as the same sector named with a state in the other."""
    return parties - _unplaced(d, k) == k_parties - _unplaced(k, d)


def _same_parties(d: Draft, k: Draft, parties: set[str], k_parties: set[str]) -> bool:
    """Whether ``d`` names the parties of ``k``: the same codes, none, the parties it took from
    the sentences before, only victims of no state, or the same once placed."""
    return parties == k_parties or not parties or d.inherited or _stateless_victims(d) \
        or _placed_alike(d, k, parties, k_parties)


def _merge(drafts: list[Draft]) -> list[Draft]:
    """Absorb each later mention of an event into the first (``drafts`` in order of preference)."""
    kept: list[Draft] = []
    # The parties of each kept draft, made when first compared and again only after it absorbs
    # one (a draft's actors change only then); None until needed: most drafts meet no other of
    # their type, and then are never compared.
    kept_parties: list[set[str] | None] = []
    # Where the kept drafts of each type are in ``kept``, the first MAX_MERGE_CANDIDATES of each.
    of_type: dict[EventType, list[int]] = {}
    for d in drafts:
        target = -1
        parties: set[str] | None = None
        same_type = of_type.get(d.type)
        for n in same_type if same_type is not None else []:
            k = kept[n]
            if d.modality is SCHEDULED and k.modality is SCHEDULED and d.event_date == k.event_date:
                target = n
                break
            if parties is None:
                parties = _parties(d)
            k_parties = kept_parties[n]
            if k_parties is None:
                k_parties = kept_parties[n] = _parties(k)
            if _same_sentence_twice(d, k, parties, k_parties):
                target = n
                break
            if d.modality is not k.modality:
                continue  # both tests below need one modality
            if (
                not (_same_sentence(d, k) and _distinct_in_sentence(d, k))
                and (d.event_date is None or k.event_date is None or d.event_date == k.event_date)
                # a later mention naming nobody, or only victims of no state ("at least 11 people
                # died"): the same event
                and _same_parties(d, k, parties, k_parties)
                and not _turned_around(d, k)
                and (d.location is None or k.location is None or d.location.name == k.location.name)
            ):
                target = n
                break
            if (
                d.event_date is None and parties and parties <= k_parties and not _same_sentence(d, k)
                and _definite(d)  # a regex: last
            ) or _doer_told_after(d, k, parties, k_parties):  # "... The attack was claimed by ETA"
                target = n  # "to denounce the U.S. and British strikes": the strikes reported before
                break
        if target >= 0:
            absorb(kept[target], d)
            kept_parties[target] = None
        else:
            if same_type is None:
                of_type[d.type] = [len(kept)]
            elif len(same_type) < MAX_MERGE_CANDIDATES:
                same_type.append(len(kept))
            kept.append(d)
            kept_parties.append(parties)
    # An undated mention of a meeting whose parties match an announced one is that meeting
    # ("the discussions in Geneva with the US" -> the Jan. 10 U.S.-Russia talks).
    final: list[Draft] = []
    scheduled = [k for k in kept if k.modality == SCHEDULED and k.type == CONSULT][:MAX_MERGE_CANDIDATES]
    for d in kept:
        if d.type == CONSULT and d.event_date is None and d.modality in _UNDATED_MODALITIES:
            codes = _codes(d.source) | _codes(d.target)
            matches = [
                s for s in scheduled
                if s.type == CONSULT and len(codes & (_codes(s.source) | _codes(s.target))) >= 2
                and codes <= (_codes(s.source) | _codes(s.target))
            ]
            if not matches and d.evidence.date_text is None and _definite(d):
                # "The Kremlin ruled out any ceasefire before the meeting": an earlier announced
                # meeting with a party in common.
                matches = [
                    s for s in scheduled
                    if s.type == CONSULT and s.order < d.order
                    and (not codes or codes & (_codes(s.source) | _codes(s.target)))
                ]
            if matches:
                absorb(min(matches, key=lambda s: s.order), d)
                continue
        final.append(d)
    return final
