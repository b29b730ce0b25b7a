"""When, and how the text presents it: tense, date attachment and modality for a candidate."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from schemas.common import EventType, Modality
from service.detection import vocabulary
from service.detection.dates import DateMention, Tense
from service.detection.model import (
    ASSERTED,
    CONTRAST_RE,
    DENIED,
    HISTORICAL,
    SCHEDULED,
    SPECULATIVE,
    THREATEN,
    Candidate,
    Context,
    contrast_start,
    cues_in,
)
from service.detection.text import Span

# Types where saying it is doing it: "X said it would send $350 million" is AID, asserted.
ANNOUNCED_TYPES: Final = frozenset(
    {EventType.AID, EventType.SANCTION, EventType.SUPPORT, THREATEN, EventType.REQUEST,
     EventType.ACCUSE, EventType.REJECT}
)
# Speculative cues that govern the clauses after them ("fears that Moscow ... may", "demanding
# that the government reach a deal").
GOVERNING_CUES: Final = vocabulary.words("governing_cues")
# Forecasts ("are expected to agree new sanctions") are not announcements.
FORECAST_CUES: Final = vocabulary.words("forecast_cues")
# Nouns whose that-clause is their content: they govern it for every type, a threat included.
COMPLEMENT_CUES: Final = vocabulary.words("complement_cues")
IRREGULAR_PAST: Final = vocabulary.words("irregular_past")
HISTORICAL_DAYS: Final = 90


_CALLED_RE: Final = vocabulary.pattern("called")
_NO_CARRY_RE: Final = vocabulary.pattern("no_carry")
# A noun trigger named as the cause of something else happened before it.
_CAUSE_BEFORE_RE: Final = vocabulary.pattern("cause_before")
_TOPIC_BEFORE_RE: Final = vocabulary.pattern("topic_before")
_PAST_VERB_RE: Final = vocabulary.pattern("past_verb")


# What _PAST_VERB_RE rules out or admits besides "-ed" words, for _past_verb_in.
_NOT_PAST_VERBS: Final = vocabulary.words("not_past_verbs")
_IRREGULAR_PAST_VERBS: Final = vocabulary.words("irregular_past_verbs")


def _is_word_byte(c: int) -> bool:
    """Whether an ASCII code is a ``\\w`` character (a letter, a digit or "_")."""
    return 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57 or c == 95


def _past_verb_in(text: str, lo: int, hi: int) -> bool:
    """``_PAST_VERB_RE.search(text, lo, hi) is not None``, read word by word.

    The regex tries a match at every character (its leading ``\\b`` gives the engine nothing
    to skip to: ~450 instructions a character); here only whole lowercase words are looked at,
    on one byte per character. A match is a whole run of lowercase letters, cut at ``hi``, that
    starts at a word boundary not after a hyphen, ends at one, and is not followed by " by".
    Text with non-ASCII characters (other word characters) gets the regex.
    """
    base = lo - 1 if lo > 0 else 0  # the character before ``lo`` decides the boundary there
    seg = text[base:hi]
    if not seg.isascii():
        return _PAST_VERB_RE.search(text, lo, hi) is not None
    b = seg.encode("ascii")
    i = lo
    while i < hi:
        c = b[i - base]
        if not 97 <= c <= 122:
            i += 1
            continue
        j = i + 1
        while j < hi and 97 <= b[j - base] <= 122:
            j += 1
        if (
            (i == 0 or (not _is_word_byte(b[i - 1 - base]) and b[i - 1 - base] != 45))
            and (j == hi or not _is_word_byte(b[j - base]))
            and _is_past_verb(text, b, base, i, j)
            and not text.startswith(" by", j, hi)
        ):
            return True
        i = j  # no word boundary inside a run of letters
    return False


def past_verb_in(text: str, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` holds a past-tense verb (``_past_verb_in``)."""
    return _past_verb_in(text, lo, hi)


def _is_past_verb(text: str, b: bytes, base: int, i: int, j: int) -> bool:
    """Whether the lowercase word ``text[i:j]`` is one ``_PAST_VERB_RE`` takes for a past verb."""
    if j - i >= 3 and b[j - 1 - base] == 100 and b[j - 2 - base] == 101:  # "...ed"
        return text[i:j] not in _NOT_PAST_VERBS
    return 3 <= j - i <= 6 and text[i:j] in _IRREGULAR_PAST_VERBS


_ADJECTIVES_IN_ED: Final = vocabulary.words("adjectives_in_ed")


# Calls for a strike or a meeting ("called a nationwide strike for March 7") announce it.
_CALLED_TYPES: Final = frozenset({EventType.PROTEST, EventType.CONSULT})


def _cues_after_contrast(lower: str, ctx: Context, name: str, sent_start: int, pos: int, hi: int) -> list[tuple[int, int, str]]:
    """``cues_in(ctx, name, contrast_start(lower, sent_start, pos), hi)``: the cues a contrast
    before ``pos`` does not cut off. Most sentences have no such cue at all, and then the
    contrast word is not looked for."""
    cues = cues_in(ctx, name, sent_start, hi)
    if not cues:
        return cues
    lo = contrast_start(lower, sent_start, pos)
    return [c for c in cues if c[0] >= lo]


# Words one of which every match of a regex below holds: the regex runs only where one occurs.
# Their leading ``\b`` gives the regex engine no literal to skip to, so a search tries a match at
# every character (~300-450 instructions a character); a substring test is a memchr. Typed as
# tuples of any length: compiled, a fixed-length one is unboxed, and boxed again on every call.
_CAUSE_WORDS: Final[tuple[str, ...]] = vocabulary.phrases("cause_words")  # "in re": "in response to", "in retaliation for", "in reprisal for"
_CALLED_WORDS: Final[tuple[str, ...]] = vocabulary.phrases("called_words")
_CONTRAST_WORDS: Final[tuple[str, ...]] = vocabulary.phrases("contrast_words")  # "though" in "although"
_NO_CARRY_WORDS: Final[tuple[str, ...]] = vocabulary.phrases("no_carry_words")


def _search_where_cued(pattern: re.Pattern[str], words: tuple[str, ...], lower: str, lo: int, hi: int) -> bool:
    """``pattern.search(lower, lo, hi) is not None``, for a pattern whose every match holds one
    of ``words``: most windows hold none, and are then decided by substring tests alone."""
    window = lower[lo:hi]  # ``in`` on a slice: ``str.find`` with bounds is a slow generic method call
    for w in words:
        if w in window:
            return pattern.search(lower, lo, hi) is not None
    return False


# "agreed to meet", "decided to hold talks": a verb of commitment whose infinitive is a meeting's
# head (``vocabulary.yaml``: committed_to). Meetings only: in "decided to expel 20 diplomats on
# Monday" the day is as often the decision's as the act's.
_COMMITTED_RE: Final = vocabulary.pattern("committed_to")
_COMMITTED_REACH: Final = 40


def _committed_to(lower: str, lo: int, start: int) -> str:
    """The verb of commitment ("agreed to") whose infinitive is the head starting at ``start``,
    or "": what was agreed, decided or pledged is still to come when it is told."""
    if " to " not in lower[max(lo, start - 16):start]:
        return ""
    m = _COMMITTED_RE.search(lower, max(lo, start - _COMMITTED_REACH), start)
    return m.group(1) + " to" if m is not None else ""


def tense_of(text: str, lower: str, cand: Candidate, ctx: Context, clause: Span, sent: Span) -> tuple[Tense, list[str]]:
    head = lower[cand.start:cand.end]
    window_hi = min(sent.end, min(clause.end + 40, cand.end + 100))  # two-argument min() compiles inline
    # A future cue after the trigger counts unless a report or an adjunct intervenes ("... this
    # week's missile attack, analysts said, a move that would send prices soaring").
    fut = [c for c in cues_in(ctx, "future", clause.start, window_hi)
           if c[0] < cand.end or not _search_where_cued(_NO_CARRY_RE, _NO_CARRY_WORDS, lower, cand.end, c[0])]
    if not fut:
        # A future auxiliary in an earlier clause carries over ("will hold talks on Jan. 10,
        # followed by a meeting on Jan. 12") unless a past-tense verb intervenes ("said it would
        # ..., and fired two more missiles").
        earlier = _cues_after_contrast(lower, ctx, "future", sent.start, cand.start, clause.start)
        if (
            earlier and not _past_verb_in(text, earlier[-1][1], cand.start)
            and not _search_where_cued(_NO_CARRY_RE, _NO_CARRY_WORDS, lower, earlier[-1][1], cand.start)
        ):
            fut = earlier
    if cand.entry.type in _CALLED_TYPES and _search_where_cued(_CALLED_RE, _CALLED_WORDS, lower, max(clause.start, cand.start - 45), cand.start):
        return "future", ["called"]  # "called a nationwide strike for March 7": it is coming
    committed = _committed_to(lower, clause.start, cand.start) if cand.entry.type == EventType.CONSULT else ""
    if committed:
        return "future", [committed]  # "agreed to meet in Geneva on June 16": the meeting is coming
    # A noun trigger governed by a past verb ("Azerbaijan launched a military offensive") or
    # named as a topic ("will brief envoys on the military operation") takes no future.
    if _past_verb_in(text, max(clause.start, cand.start - 25), cand.start):
        # ... unless a future cue follows in the same clause; a later clause is another event
        # ("a day after Azerbaijan launched a military offensive, and talks ... will be held").
        fut = [c for c in fut if cand.end < c[0] < clause.end]
        if not fut:
            return "past", []
    if not fut and _search_where_cued(_CAUSE_BEFORE_RE, _CAUSE_WORDS, lower, max(clause.start, cand.start - 45), cand.start):
        return "past", []  # "in response to this week's missile attack", "after the 9/11 attacks"
    if fut and _TOPIC_BEFORE_RE.search(lower, max(0, cand.start - 12), cand.start):
        fut = [c for c in fut if c[0] > cand.end]
    fut_close = [c for c in fut if c[1] <= cand.start and cand.start - c[1] <= 25]
    words = head.split()
    last_word = words[-1] if words else ""
    # A phrase head opening with a past verb ("closed its border", "seized power") is past too.
    first_word = words[0] if len(words) > 1 else ""
    past_form = (
        last_word.endswith("ed") or last_word in IRREGULAR_PAST
        or (first_word.endswith("ed") and first_word not in _ADJECTIVES_IN_ED) or first_word in IRREGULAR_PAST
    )
    strong = cues_in(ctx, "future_strong", cand.start, clause.end)
    if strong:
        return "future", [strong[0][2]]
    if past_form and not fut_close:
        return "past", []
    if fut:
        return "future", [fut[0][2]]
    if cues_in(ctx, "past", clause.start, cand.start):
        return "past", []
    return "unknown", []


def _cues(ctx: Context, name: str) -> list[tuple[int, int, str]]:
    """Every cue of ``name`` in the sentence. Not ``get(name, ())``: a list-or-tuple would be
    iterated and unpacked as untyped objects (see ``cues_in``)."""
    cues = ctx.cues.get(name)
    return cues if cues is not None else []


def is_reporting_date(lower: str, ctx: Context, dm: DateMention) -> bool:
    """'..., officials said on Monday': a date that dates the report, not the event."""
    for s, e, _w in _cues(ctx, "reporting"):
        if e <= dm.start and dm.start - e <= 4:
            return True
        # "the two governments announced in Manila on Wednesday"
        gap = lower[e:dm.start]
        if e <= dm.start and dm.start - e <= 30 and "," not in gap and gap.strip().startswith(("in ", "at ")):
            return True
        if s >= dm.end and s - dm.end <= 2:
            return True
        # "told a reconstruction conference in Tokyo on Monday", "told reporters in Ankara on
        # Friday": the addressee and place of a statement, then its date.
        if _w in _ADDRESSED and e <= dm.start and dm.start - e <= 50 and "," not in gap and " that " not in gap:
            return True
    return False


_ADDRESSED: Final = vocabulary.words("addressed")


_BASELINE_SINCE: Final = vocabulary.pattern("baseline_since")


def is_baseline_date(lower: str, dm: DateMention, sent_start: int) -> bool:
    """'the deadliest attack since Sept. 11, 2001', 'the first talks since 2018': a date a record
    is measured from, not the event's own."""
    end = dm.start + 6 if lower.startswith("since ", dm.start) else dm.start  # "since 2018" is one mention
    lo = max(sent_start, end - 90)
    return "since" in lower[lo:end] and _BASELINE_SINCE.search(lower, lo, end) is not None


_N_DAY_RE: Final = vocabulary.pattern("n_day")
_N_WORDS: Final = vocabulary.numbers("n_words")


def n_day_span(lower: str, head_start: int) -> int:
    lo = max(0, head_start - 30)
    if "day" not in lower[lo:head_start]:  # in every match: most windows need no regex search
        return 0
    m = _N_DAY_RE.search(lower, lo, head_start)
    if not m:
        return 0
    n = m.group(1)
    return int(n) if n.isdigit() else _N_WORDS[n]


_BOUNDARY_WORDS: Final = vocabulary.words("boundary_words")
# A date directly before a trigger modifies it only through nouns and names ("the Jan. 12 NATO
# meeting"), never through function words ("on Tuesday under the ceasefire", "on Dec. 6 to reject").
_FUNCTION_WORDS: Final = _BOUNDARY_WORDS | vocabulary.words("function_words")
_ATTACH_AFTER: Final = vocabulary.phrases("attach_after")
_OPENING_MARKS: Final = " \"'“‘"  # quotation marks that may open a sentence before its first word
_FRONTING_PREPOSITIONS: Final = vocabulary.words("fronting_prepositions")
_FRONTED_STOP_RE: Final = vocabulary.pattern("fronted_stop")


def _fronted(lower: str, dm: DateMention, sent_start: int) -> bool:
    """Whether ``dm`` is a time adjunct that opens its sentence, set off by a comma ("In March,
    the security council imposed ...", "On Tuesday, gunmen attacked ..."): it dates the main
    clause after it, which the comma puts in a clause of its own."""
    if not lower.startswith(",", dm.end):
        return False
    # a day's date is found without the preposition before it ("On 13 September 1974,")
    before = lower[sent_start:dm.start].strip(_OPENING_MARKS)
    return not before or before in _FRONTING_PREPOSITIONS


def _fronted_reaches(lower: str, dm: DateMention, start: int) -> bool:
    """Whether an opening date reaches the trigger at ``start``: not past a verb of saying or
    thinking (``fronted_stop``), whose content it does not date ("On Tuesday, Ryabkov confirmed
    the dates and expressed confidence that the discussions would ...")."""
    return _FRONTED_STOP_RE.search(lower, dm.end, start) is None


_ATTRIBUTIVE_YEAR_BEFORE_RE: Final = vocabulary.pattern("attributive_year_before")
_NAMED_EVENT_BEFORE_RE: Final = vocabulary.pattern("named_event_before")
_ATTRIBUTIVE_YEAR_FRAME_RE: Final = vocabulary.pattern("attributive_year_frame")
_ATTRIBUTE_REACH: Final = 24  # a year's noun phrase: "the 2016 failed coup attempt"


def attributive_year(lower: str, dm: DateMention) -> bool:
    """Whether a bare year is the attribute of the noun after it ("the 2013 sit-in", "Iran's 1979
    revolution"): a determiner or a possessive before it, a word that is no function word after,
    and no "in", "during" or "at" that makes the phrase the clause's time or setting ("in the 1967
    war", "at the 2017 concert": ``attributive_year_frame``)."""
    return dm.kind == "year" and _attributive_at(lower, dm.end - 4, dm.end)


def _attributive_at(lower: str, start: int, end: int) -> bool:
    """``attributive_year`` for the year's digits at ``lower[start:end]``."""
    if not lower.startswith(" ", end):
        return False
    nxt = lower[end:end + 20].split(None, 1)
    if not nxt or not nxt[0][:1].isalpha() or nxt[0] in _FUNCTION_WORDS:
        return False
    return (_ATTRIBUTIVE_YEAR_BEFORE_RE.search(lower, max(0, start - 12), start) is not None
            and _ATTRIBUTIVE_YEAR_FRAME_RE.search(lower, max(0, start - 20), start) is None)


def _named_event(lower: str, cand: Candidate) -> bool:
    """Whether a one-word trigger is a noun named with a determiner ("the anti-constitutional
    coup", "a bombing"), not a verb."""
    if " " in lower[cand.start:cand.end] or lower.endswith("ed", cand.start, cand.end):
        return False
    return _NAMED_EVENT_BEFORE_RE.search(lower, max(0, cand.start - 40), cand.start) is not None


def _date_score(lower: str, cand: Candidate, dm: DateMention, clause: Span, tense: Tense,
                sent_start: int = -1) -> float | None:
    """How strongly a date expression belongs to a trigger (lower is closer); None: it does not.
    A year that is a noun's attribute dates no verb outside that noun phrase ("detained 50
    soldiers over links to the 2016 coup attempt"); a named event before it may be the same one
    told again ("the anti-constitutional coup ... the 2014 revolution")."""
    if (attributive_year(lower, dm) and not _named_event(lower, cand)
            and not (0 <= cand.start - dm.end <= _ATTRIBUTE_REACH and "," not in lower[dm.end:cand.start])):
        return None
    lo, hi = (dm.end, cand.start) if dm.end <= cand.start else (cand.end, dm.start)
    if dm.end <= cand.start:
        raw_gap = lower[dm.end:cand.start]
        words = raw_gap.strip(" .’'s").split()
        if len(words) <= 3 and not any(ch in raw_gap for ch in ",;:") and not _FUNCTION_WORDS & set(words):
            score = 0.5 + len(words)  # "the Jan. 12 NATO meeting", "Monday's talks"
        elif sent_start >= 0 and _fronted(lower, dm, sent_start) and _fronted_reaches(lower, dm, cand.start):
            score = float(cand.start - dm.end) + (0 if dm.is_year_only else 50)
        else:
            cross = 100 if dm.is_year_only and tense != "future" else 400
            # A date before a trigger that it does not modify usually closes an earlier verb
            # phrase ("pull out of Lebanon on Tuesday under the ceasefire deal").
            score = float(cand.start - dm.end) + (0 if dm.start >= clause.start else cross) + (0 if dm.is_year_only else 50)
    else:
        gap = lower[cand.end:dm.start].strip(" ,")
        if gap in _ATTACH_AFTER or gap == "":
            score = 0.25  # "meet on Jan. 10" beats "Jan. 10 to discuss"
        else:
            cross = 40 if tense == "future" else (100 if dm.is_year_only else 400)
            score = float(dm.start - cand.end) + (0 if dm.start < clause.end else cross)
    if score >= 200 or _search_where_cued(CONTRAST_RE, _CONTRAST_WORDS, lower, lo, hi):
        return None  # too far, or "... in 2015, but deadly clashes still take place": not the clashes' date
    return score


def assign_dates(lower: str, cands: list[Candidate], dates: list[DateMention], clauses: list[Span],
                  tenses: list[Tense], sent_start: int = -1) -> list[DateMention | None]:
    """Give each trigger its date, closest pairs first, each day-date to one trigger only
    ("meet on Jan. 12, with a larger summit ... scheduled for Jan. 13"). Years are shared, and
    so is a date that opens the sentence (``_fronted``: "In April, fighters were killed in IS
    attacks, prompting Russian airstrikes" dates all three); ``sent_start`` is where it starts."""
    pairs = []
    shared = {di for di, dm in enumerate(dates) if dm.is_year_only or (sent_start >= 0 and _fronted(lower, dm, sent_start))}
    for ci, cand in enumerate(cands):
        for di, dm in enumerate(dates):
            score = _date_score(lower, cand, dm, clauses[ci], tenses[ci], sent_start)
            if score is not None:
                pairs.append((score, ci, di))
    pairs.sort()
    chosen: list[DateMention | None] = [None] * len(cands)
    taken: set[int] = set()
    for _score, ci, di in pairs:
        if chosen[ci] is not None or (di in taken and di not in shared):
            continue
        chosen[ci] = dates[di]
        taken.add(di)
    return chosen


_ADJUNCT_RE: Final = vocabulary.pattern("adjunct")
# Adjuncts that state background facts whatever governs the main clause: causes, relative clauses,
# and time adjuncts set off by a comma ("might launch a ground operation ..., after a week of air
# strikes"); without the comma a time adjunct is part of the hypothesis ("could send forces to
# Ukraine after a ceasefire").
_BACKGROUND_RE: Final = vocabulary.pattern("background")
# The end of a parenthetical report ("..., the foreign minister said, pointing to ...").
_REPORT_END_RE: Final = vocabulary.pattern("report_end")
# Speculative cues that modify a noun ("possible Iranian retaliation", "a response to any Israeli
# attack"): they govern the noun phrase right after them, not a later verb ("... put American
# bases on alert").
NOMINAL_CUES: Final = vocabulary.words("nominal_cues")
_NOMINAL_REACH: Final = 30


def _beyond_nominal_reach(lower: str, cue: tuple[int, int, str], start: int, end: int) -> bool:
    """Whether a cue that governs only what follows it closely (``nominal_cues``) does not reach
    the trigger at ``start``-``end``: too far from it, or past an aim's infinitive."""
    if cue[2] not in NOMINAL_CUES:
        return False
    return start - cue[1] > _NOMINAL_REACH or _finite_after_aim(lower, cue, start, end)


def _finite_after_aim(lower: str, cue: tuple[int, int, str], start: int, end: int) -> bool:
    """Whether a trigger in -ed some words after an aim's "to" is the clause's own past verb, not
    the aim ("Rebels fighting to overthrow Assad shelled a suburb": the infinitive is "overthrow",
    the shelling happened). The aim still governs the verb right after it and its object ("vowed
    to launch a new offensive")."""
    if not cue[2].endswith(" to") or not lower[cue[1]:start].strip():
        return False
    first = lower[start:end].split(None, 1)
    return bool(first) and first[0].endswith("ed")


def _governing_cues(lower: str, ctx: Context, sent_start: int, start: int) -> list[tuple[int, int, str]]:
    """The speculative cues (of ``GOVERNING_CUES``) whose scope reaches ``start``: no contrast,
    background adjunct or end of a parenthetical report comes between."""
    cues = [c for c in cues_in(ctx, "speculative", sent_start, start) if c[2] in GOVERNING_CUES]
    if cues:
        lo = contrast_start(lower, sent_start, start)
        cues = [
            c for c in cues
            if c[0] >= lo and not _BACKGROUND_RE.search(lower, c[1], start)
            and not _REPORT_END_RE.search(lower, c[1], start)
        ]
    return cues


_CLAUSE_YEAR_RE: Final = vocabulary.pattern("clause_year")
_YEAR_BEFORE_NOUN_RE: Final = vocabulary.pattern("year_before_noun")
_OPENING_YEAR_RE: Final = vocabulary.pattern("opening_year")
_CLAUSE_MONTH_YEAR_RE: Final = vocabulary.pattern("clause_month_year")
_DIGIT_RE: Final = vocabulary.pattern("digit")
_YEAR_REACH: Final = 120
_PASSIVE_INFINITIVE_RE: Final = vocabulary.pattern("passive_infinitive")
_PASSIVE_INFINITIVE_TOLD_RE: Final = vocabulary.pattern("passive_infinitive_told")
_TALLY_RE: Final = vocabulary.pattern("tally")
_TALLY_REACH: Final = 30


def past_year_cue(lower: str, cand: Candidate, clause: Span, sent: Span, tense: Tense, pub_year: int) -> str:
    """The bare year that makes a clause history ("annexed Crimea in 2014", "seized power in a 2014
    coup", "the 2003 invasion"), or "". A past-tense clause dated by a year other than the
    publication's is background: news of the day is dated by its day, not its year. A noun
    trigger right after a year ("a 2004 car bombing") is a named past event whatever the tense.
    The publication's own year is left to the date rules; a year after the publication's in a
    past-tense clause says the publication date is not known, and is history too."""
    if tense == "future":
        return ""
    m = _YEAR_BEFORE_NOUN_RE.search(lower, max(0, cand.start - 24), cand.start)
    if m is not None and int(m.group(1)) < pub_year:
        return m.group(0).strip()
    if tense != "past":
        return ""
    opening = opening_year_cue(lower, sent, pub_year)
    if opening:
        return opening
    # Near the trigger only: an unpunctuated text is one long clause, read once per trigger.
    lo, hi = max(clause.start, cand.start - _YEAR_REACH), min(clause.end, cand.end + _YEAR_REACH)
    if _DIGIT_RE.search(lower, lo, hi) is None:  # most clauses hold no digit at all
        return ""
    return clause_year_cue(lower, lo, hi, pub_year, attributive=_named_event(lower, cand))


_MONTH_BEFORE_NOUN_RE: Final = vocabulary.pattern("month_before_noun")
_MONTH_NUMBERS: Final = vocabulary.numbers("months")


_REMEMBERED_RE: Final = vocabulary.pattern("remembered_before")
_REPUTATION_RE: Final = vocabulary.pattern("reputation_before")
_RECOGNISED_AS_BEFORE_RE: Final = vocabulary.pattern("recognised_as_before")
_RECOGNISED_AS_AFTER_RE: Final = vocabulary.pattern("recognised_as_after")
_REMEMBERED_REACH: Final = 60


def remembered(lower: str, typ: EventType, sent_start: int, start: int) -> bool:
    """Whether a memory frame names the escalation mention at ``start`` as an event of the past:
    a commemoration or memorial ("commemorating the bombing"), a reputation ("best known for
    leading the invasion"), or a recognition of what the act was ("recognized the massacre as
    genocide") (``vocabulary.yaml``: ``remembered_before``, ``reputation_before``,
    ``recognised_as_*``)."""
    if typ not in REQUESTED_TYPES:
        return False
    before = lower[max(sent_start, start - _REMEMBERED_REACH):start]
    if _REMEMBERED_RE.search(before) is not None or _REPUTATION_RE.search(before) is not None:
        return True
    return (_RECOGNISED_AS_BEFORE_RE.search(before) is not None
            and _RECOGNISED_AS_AFTER_RE.match(lower[start:start + _REMEMBERED_REACH]) is not None)


def month_before_noun(lower: str, typ: EventType, start: int, pub_month: int) -> str:
    """The month's name that names an escalation mention as an event told before ("the November
    Paris attack", "the March bombing"), when it is not the publication's month, or "" (a
    noun named by its day, "Monday's attack", is news)."""
    if typ not in REQUESTED_TYPES:
        return ""
    m = _MONTH_BEFORE_NOUN_RE.search(lower, max(0, start - 30), start)
    if m is None or _MONTH_NUMBERS.get(m.group(1)[:3], 0) == pub_month:
        return ""
    return m.group(0).strip()


def opening_year_cue(lower: str, sent: Span, pub_year: int) -> str:
    """The year other than the publication's that opens ``sent`` ("In August 1999, ...", within
    its first 30 characters), as written, or ""."""
    m = _OPENING_YEAR_RE.match(lower, sent.start, min(sent.end, sent.start + 30))
    return m.group(0).strip() if m is not None and int(m.group(1)) != pub_year else ""


def clause_year_cue(lower: str, lo: int, hi: int, pub_year: int, attributive: bool = True) -> str:
    """The first year in ``lower[lo:hi]`` that dates a clause to a year other than the
    publication's ("after the embargo began in 2014", "in February 1943"; a month and year of
    the publication's year or the one before are news), or "". A full date is left out: it dates
    a report as often as an event. ``attributive`` False: a year that is a noun's attribute ("over
    links to the 2016 coup attempt") does not count (``attributive_year``)."""
    for m in _CLAUSE_YEAR_RE.finditer(lower, lo, hi):
        if int(m.group(1)) != pub_year and (attributive or not _attributive_at(lower, m.start(1), m.end(1))):
            return m.group(0)
    for m in _CLAUSE_MONTH_YEAR_RE.finditer(lower, lo, hi):
        if not pub_year - 1 <= int(m.group(1)) <= pub_year:
            return m.group(0)
    return ""


_QUESTION_END: Final = " \"'”’)]"
# Types whose act a court judges after the fact: an attack or a deployment named in a sentence
# about a trial, or told undated in a court story, is the act on trial, not news.
JUDGED_TYPES: Final = frozenset({EventType.ASSAULT, EventType.MOBILIZE})
# Court words (cues.yaml: judicial) that make a whole article a court story, or one in its title.
COURT_STORY_WORDS: Final = 3


def court_story(fields: list[tuple[bool, str]], words: frozenset[str]) -> bool:
    """Whether an article is a court story: a court word in its title, or at least
    ``COURT_STORY_WORDS`` in all. ``fields``: (is the title, boundary form of the lowercase text)
    (``lexicon.lower_forms``: every character but letters and digits a space, padded)."""
    keys = _COURT_KEYS.get(words)
    if keys is None:
        keys = _COURT_KEYS[words] = [(w.split(" ", 1)[0], " " + w + " ") for w in sorted(words)]
    n = 0
    for is_title, blower in fields:
        present = set(blower.split())  # one pass in C; a phrase is counted only where its first word is
        for first, key in keys:
            if first not in present:
                continue
            c = blower.count(key)
            if c and is_title:
                return True
            n += c
            if n >= COURT_STORY_WORDS:
                return True
    return False


_COURT_KEYS: Final[dict[frozenset[str], list[tuple[str, str]]]] = {}


def is_question(lower: str, sent: Span) -> bool:
    """Whether the sentence is a question ("Abandoning the deal and reintroducing sanctions?"):
    it asks about an event, it does not report one."""
    return lower[sent.start:sent.end].rstrip(_QUESTION_END).endswith("?")


def _told_after(lower: str, cand: Candidate, ctx: Context, clause: Span) -> bool:
    """Whether a past verb follows a noun trigger closely in its clause ("the bombing raids began
    in August 2014", "The Cafetería Rolando bombing was an attack on 13 September 1974")."""
    hi = min(clause.end, cand.end + 30)
    if cues_in(ctx, "past", cand.end, hi) or _past_verb_in(lower, cand.end, hi):
        return True
    return any(w in IRREGULAR_PAST for w in lower[cand.end:hi].split()[:2])


def _history_frame(lower: str, cand: Candidate, ctx: Context, sent: Span) -> str:
    """The frame that makes an undated, non-future mention history, or "": a court frame for an
    attack or a deployment (``cues.yaml``: judicial), or a perfect-tense summary opened by
    "since" ("Since that deal was implemented, it has ... conducted missile tests, sent troops")."""
    if cand.entry.type in JUDGED_TYPES:
        judicial = _cues(ctx, "judicial")
        if judicial:
            return judicial[0][2]
    if lower.startswith("since ", sent.start):
        between = lower[sent.start:cand.start]
        if " has " in between or " have " in between:
            return "since"
    return ""


# A history cue whose noun phrase is the mention itself (``vocabulary.yaml``: governed_gap).
_GOVERNED_RE: Final = vocabulary.pattern("governed_gap")


# After a history cue, the words that read it otherwise (``vocabulary.yaml``: history_cue_misread).
_MISREAD_RE: Final = vocabulary.pattern("history_cue_misread")


def history_cues_in(lower: str, ctx: Context, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """The history cues (``cues.yaml``: historical) between ``lo`` and ``hi``, save those the
    words after them read otherwise: "a reign of terror" is a way of ruling, not a past term;
    "historically high" a degree, not a time."""
    return [c for c in cues_in(ctx, "historical", lo, hi) if _MISREAD_RE.match(lower, c[1]) is None]


# A time anchor and the event it measures from (``vocabulary.yaml``: anchored_gap).
_ANCHORED_RE: Final = vocabulary.pattern("anchored_gap")


def _governing_cue(lower: str, ctx: Context, sent: Span, start: int) -> list[tuple[int, int, str]]:
    """A history cue whose noun phrase is the mention ("ever since the June 28, 2009, coup"), or
    a time anchor that measures from it ("two years after the coup", "months since the bombing":
    ``cues.yaml``: anchor). An anchor governs the event it names only, not the clause it opens
    ("Five years after the revolution, militias clashed" tells a clash now)."""
    lo = max(sent.start, start - 32)
    return ([c for c in history_cues_in(lower, ctx, lo, start) if _GOVERNED_RE.fullmatch(lower, c[1], start) is not None]
            or [c for c in cues_in(ctx, "anchor", lo, start) if _ANCHORED_RE.fullmatch(lower, c[1], start) is not None])


# Time counted back from now or from the story's time (``vocabulary.yaml``: counted_back): it
# dates its own clause, no clause after it.
_COUNTED_BACK: Final = vocabulary.words("counted_back")


_INDEFINITE_PAST_RE: Final = vocabulary.pattern("indefinite_past")
# Before "in the past", a contrast with now (``vocabulary.yaml``: past_contrast).
_PAST_CONTRAST: Final = vocabulary.words("past_contrast")


_SPAN_LOOKAHEAD: Final = 40  # room for "24 hours" or "few days" after "in the past"


def _indefinite_past(lower: str, cand: Candidate, clause: Span, sent: Span) -> list[tuple[int, int, str]]:
    """"in the past" with no span after it, before the mention in its clause, opening its
    sentence or right after it ("In the past, Russian jets have bombed hospitals", "used in
    several military operations in the past"): a time before now, not a report of it. Further
    after the mention it tells another verb's time ("the ringleader of Saturday's attack ... had
    been interrogated in the past"); "in the past 24 hours" is a span that reaches now, "than in
    the past" a contrast with now (``vocabulary.yaml``: indefinite_past)."""
    spans = ((clause.start, cand.start), (sent.start, min(sent.end, sent.start + 16)),
             (cand.end, min(sent.end, cand.end + 16)))
    for lo, hi in spans:
        # Searched past ``hi`` so that the span after it is seen ("In the past 24 hours" opening
        # the sentence): the cue itself must end by ``hi``.
        m = _INDEFINITE_PAST_RE.search(lower, lo, min(len(lower), hi + _SPAN_LOOKAHEAD))
        if m is not None and m.end() <= hi:
            before = lower[max(0, m.start() - 8):m.start()].split()
            if not before or before[-1] not in _PAST_CONTRAST:
                return [(m.start(), m.end(), "in the past")]
    return []


def _history(
    lower: str, cand: Candidate, ctx: Context, clause: Span, sent: Span, tense: Tense,
    dates: tuple[date | None, date | None], pub: date, precise: bool,
) -> tuple[Tense, list[str] | None]:
    """The cues that make a mention history (None: it is not), with its tense as the history
    rules read it: dated more than ``HISTORICAL_DAYS`` before publication; a history cue in its
    clause, at its clause's end or opening the sentence, or earlier in the sentence for an
    undated past clause; a past-tense event dated after the publication; a court frame or a
    "since" summary (``_history_frame``); a past year (``past_year_cue``)."""
    ev_start, ev_end = dates
    start = cand.start
    # A history cue in the clause, or one that opens the sentence ("During the Cold War, Soviet
    # troops were stationed ..."), or one right at the clause's end, which a clause split cuts
    # off ("... in Iraq | that year").
    hist = [c for c in history_cues_in(lower, ctx, clause.start, min(sent.end, clause.end + 20)) + history_cues_in(lower, ctx, sent.start, sent.start + 30)
            if (c[0] - sent.start <= 8 or clause.start <= c[0]) and c[0] <= clause.end + 1
            if not lower[max(0, c[0] - 7):c[0]].endswith(("since ", "since the "))]
    hist = hist or _governing_cue(lower, ctx, sent, start) or _indefinite_past(lower, cand, clause, sent)
    last_day = ev_end or ev_start
    if tense != "future" and last_day is not None and (pub - last_day).days > HISTORICAL_DAYS:
        return tense, []
    if hist and tense != "future":
        return tense, [hist[0][2]]
    if tense == "unknown" and _told_after(lower, cand, ctx, clause):
        tense = "past"  # a noun with its past verb after it: "the bombing raids began in August 2014"
    if tense == "past" and ev_start is not None and (ev_start - pub).days > 1:
        # A past-tense event dated after the publication: the publication date is not the
        # text's (assumed), and an event told in the past with a date of its own is background.
        return tense, []
    if ev_start is None and (tense == "past" or (tense == "unknown" and cues_in(ctx, "past", sent.start, start))):
        # A history cue earlier in the sentence governs an undated past clause after it: "marked
        # the anniversary of the massacre ..., when Armenians were deported, massacred", "under
        # Stalin, ... people were executed ... and deportations". A time counted back from now
        # ("a year ago", "months earlier") dates its own clause only.
        told = [c for c in history_cues_in(lower, ctx, sent.start, start) if c[2].rsplit(None, 1)[-1] not in _COUNTED_BACK
                if not lower[max(0, c[0] - 7):c[0]].endswith(("since ", "since the "))]
        if told:
            return tense, [told[-1][2]]
    if ev_start is None and tense != "future":
        frame = _history_frame(lower, cand, ctx, sent)
        if frame:
            return tense, [frame]
    if ev_start is None and tense != "future" and _attributive(lower, cand, sent.start):
        return tense, ["attributive"]  # "imprisoned hacker Marcel Lehel": who he is, not what happened
    year_cue = "" if precise else past_year_cue(lower, cand, clause, sent, tense, pub.year)
    if year_cue:
        return tense, [year_cue]
    if ev_start is None and tense != "future" and remembered(lower, cand.entry.type, sent.start, start):
        return tense, ["remembered"]  # "recognized the massacre as genocide": a past event
    month_cue = "" if precise or tense == "future" else month_before_noun(lower, cand.entry.type, cand.start, pub.month)
    if month_cue:
        return tense, [month_cue]
    lo, hi = max(clause.start, start - _TALLY_REACH), min(clause.end, cand.end + _TALLY_REACH)
    if ev_start is None and lower.find(",", lo, hi) >= 0 and _TALLY_RE.search(lower, lo, hi) is not None:
        # A tally in the thousands ("unleashed 49,917 bombs and missiles") sums up a period.
        return tense, ["tally"]
    return tense, None


_ATTRIBUTIVE_BEFORE_RE: Final = vocabulary.pattern("attributive_before")
_ATTRIBUTIVE_TITLE_BEFORE_RE: Final = vocabulary.pattern("attributive_title_before")
_ATTRIBUTIVE_NOUN_RE: Final = vocabulary.pattern("attributive_noun")
# Participle triggers that describe a person when they stand before a person noun: detention,
# exile, abduction ("imprisoned hacker", "the jailed opposition leader", "kidnapped aid workers").
_ATTRIBUTIVE_TYPES: Final = frozenset({EventType.COERCE, EventType.ASSAULT})


def _attributive(lower: str, cand: Candidate, sent_start: int) -> bool:
    """Whether a one-word participle trigger is used as a person's title or adjective ("like the
    original Guccifer, imprisoned hacker Marcel Lehel", "two detained journalists"): it says
    who the person is, not what this text reports (``vocabulary.yaml``: ``attributive_*``)."""
    if cand.entry.type not in _ATTRIBUTIVE_TYPES or not lower.endswith("ed", cand.start, cand.end):
        return False
    if " " in lower[cand.start:cand.end]:
        return False
    m = _ATTRIBUTIVE_NOUN_RE.match(lower, cand.end)
    if m is None:
        return False
    lo = max(sent_start, cand.start - 30)
    if _ATTRIBUTIVE_BEFORE_RE.search(lower, lo, cand.start) is not None:
        return True
    # A bare singular person noun is a title before a name; a bare plural one may be an object.
    return not m.group(1).endswith("s") and _ATTRIBUTIVE_TITLE_BEFORE_RE.search(lower, lo, cand.start) is not None


_REQUESTED_RE: Final = vocabulary.pattern("requested_before")
_REQUEST_REACH: Final = 80
_AS_WELL_AS: Final = "as well as "
_REQUEST_GAP_WORDS: Final = 4  # "called for tough new economic sanctions"
_REQUEST_TOPIC_WORDS: Final = vocabulary.words("request_topic_words")
# The types a call wants rather than reports (a call for a strike or a meeting announces it).
REQUESTED_TYPES: Final = frozenset({EventType.MOBILIZE, THREATEN, EventType.SANCTION, EventType.ASSAULT,
                                    EventType.COERCE})


_ASKED_TO_RE: Final = vocabulary.pattern("asked_to_before")
_ASKED_TO_REACH: Final = 70


def asked_to(lower: str, lo: int, start: int) -> str:
    """The verb of asking or urging whose object is asked "to" do the act at ``start`` ("pressed
    Washington to impose sanctions"), searched from ``lo`` within ``_ASKED_TO_REACH``, or ""."""
    m = _ASKED_TO_RE.search(lower, max(lo, start - _ASKED_TO_REACH), start)
    return m.group(0).split(None, 1)[0] if m is not None else ""


def requested(lower: str, lo: int, start: int) -> str:
    """The call ("call for", "called for", "appealed for") that governs an escalation mention at
    ``start``, searched from ``lo`` (its clause or sentence) within ``_REQUEST_REACH``
    characters, with no adjunct between ("called for calm after militants attacked"), or ""."""
    a = max(lo, start - _REQUEST_REACH)
    found = ""
    for m in _REQUESTED_RE.finditer(lower, a, start):
        if not _ADJUNCT_RE.search(lower, m.end(), start):
            found = m.group(0)
    if not found:
        return ""
    # The mention must be what is asked for, right after the call, a coordinated "and for"
    # ("call for ... and for the boycott of Israeli goods") or "as well as" ("called for the
    # creation of a no-fly zone in Syria, as well as more airstrikes there"), not the topic of
    # it ("called for an investigation into the bombing", "the release of the activists detained").
    joined = max(lower.rfind(" for ", a, start) + 5, lower.rfind(" " + _AS_WELL_AS, a, start) + 12)
    gap = lower[joined:start].split()
    if len(gap) > _REQUEST_GAP_WORDS or any(w in _REQUEST_TOPIC_WORDS for w in gap):
        return ""
    return found


def _gap_words(between: str, lower: str, start: int) -> list[str]:
    """The words between a cue and the mention at ``start``, and the mention's first word (a
    trigger may open with "the")."""
    return between.split() + lower[start:start + 12].split()[:1]


_DEONTIC_RE: Final = vocabulary.pattern("deontic_before")
_DEONTIC_TOPIC_WORDS: Final = vocabulary.words("deontic_topic_words")
_IMAGINED_RE: Final = vocabulary.pattern("imagined_opening")
_PROSPECT_RE: Final = vocabulary.pattern("prospect_before")
_EXAMPLES_RE: Final = vocabulary.pattern("examples_before")
_EXAMPLE_DETERMINERS: Final = vocabulary.words("example_determiners")
_DEONTIC_REACH: Final = 50
_EXAMPLES_REACH: Final = 50


def prescribed(lower: str, typ: EventType, sent_start: int, lo: int, start: int) -> str:
    """The frame that makes an escalation mention at ``start`` something that ought to be done,
    is imagined, is a prospect or a kind named among examples, with its cue, or ""
    (``vocabulary.yaml``: ``deontic_before``, ``imagined_opening``, ``prospect_before``,
    ``examples_before``); ``lo`` is the start of the mention's clause. A threat takes only the
    hypothetical frames: "should expect retaliation" is a threat's own wording."""
    if typ not in REQUESTED_TYPES:
        return ""
    if _IMAGINED_RE.match(lower[sent_start:sent_start + 40]) is not None:
        return "imagine"  # "Imagine, too, that ... Putin's bombing of Syrian rebels"
    prospect_end = -1
    for p in _PROSPECT_RE.finditer(lower, lo, start):
        prospect_end = p.end()
    if prospect_end >= 0 and not _ADJUNCT_RE.search(lower, prospect_end, start):
        return "matter of time"
    if typ == THREATEN:
        return ""
    before = lower[max(lo, start - _DEONTIC_REACH):start]
    d = _DEONTIC_RE.search(before)
    if d is not None and not any(w in _DEONTIC_TOPIC_WORDS for w in d.group(1).split()):
        return d.group(0).split(None, 1)[0]  # "the U.S. should retaliate with economic sanctions"
    e = _EXAMPLES_RE.search(lower[max(lo, start - _EXAMPLES_REACH):start])
    if e is not None:
        gap = _gap_words(e.group(1), lower, start)
        if not any(w in _EXAMPLE_DETERMINERS or w[:1].isdigit() for w in gap):
            return "such as"  # "during key times such as elections or terror attacks"
    return ""


_BREACHED_RE: Final = vocabulary.pattern("breached_before")
_STANCE_RE: Final = vocabulary.pattern("stance_before")
_MOVEMENT_AFTER_RE: Final = vocabulary.pattern("movement_after")
_STANDING_UNDER_RE: Final = vocabulary.pattern("standing_under_before")
_STANDING_AFTER_RE: Final = vocabulary.pattern("standing_after")
_STANDING_AFTER_REACH: Final = 60
_DETENTION_SYSTEM_RE: Final = vocabulary.pattern("detention_system_before")
_STANCE_DETERMINERS: Final = vocabulary.words("stance_determiners")
_STANCE_REACH: Final = 70
# Measures that stand once imposed: breaking one tells it was in force before (a crackdown
# defied goes on: it is no standing measure).
_STANDING_TYPES: Final = frozenset({EventType.SANCTION})


_DETENTION_PLACE_RE: Final = vocabulary.pattern("detention_place_after")
_JAIL_NOUN_RE: Final = vocabulary.pattern("jail_noun_before")
_JAIL_NOUNS: Final = vocabulary.words("jail_nouns")
_MEASURE_CAUSE_RE: Final = vocabulary.pattern("measure_cause_before")
# The acts a measure is imposed for ("sanctions over its annexation of Crimea").
_CAUSE_TYPES: Final = frozenset({EventType.ASSAULT, EventType.COERCE, EventType.MOBILIZE})


def _word_end(lower: str, start: int, limit: int) -> int:
    """The end of the run of letters that starts at ``start``, at most ``limit``."""
    end = start
    while end < limit and lower[end].isalpha():
        end += 1
    return end


def _custody_place(lower: str, lo: int, start: int) -> bool:
    """Whether the custody word at ``start`` names a place or a system rather than an act: the
    head of a compound ("a detention centre") or the noun "jails" after a determiner, a
    preposition or a people's adjective ("Thai jails struggle") (``vocabulary.yaml``:
    ``detention_place_after``, ``jail_noun_before``)."""
    end = _word_end(lower, start, len(lower))
    word = lower[start:end]
    if word in ("detention", "detentions") and _DETENTION_PLACE_RE.match(lower, end) is not None:
        return True
    return word in _JAIL_NOUNS and _JAIL_NOUN_RE.search(lower[max(lo, start - 20):start]) is not None


def standing_or_stance(lower: str, typ: EventType, lo: int, start: int) -> tuple[Modality, str] | None:
    """The modality a verb of breach or a noun of stance right before an escalation mention at
    ``start`` gives it, with its cue, or None (``vocabulary.yaml``: ``breached_before``,
    ``stance_before``): a measure broken or evaded stands already (historical: "violated a U.S.
    trade embargo"); a stance toward a sanction, or toward a kind of act named by a bare noun, is
    no act (speculative: "his vocal support for torture")."""
    a = max(lo, start - _STANCE_REACH)
    if typ in _STANDING_TYPES:
        m = _BREACHED_RE.search(lower, a, start)
        if m is not None:
            return HISTORICAL, m.group(0).split(None, 1)[0]
        m = _STANDING_UNDER_RE.search(lower[a:start])
        if m is not None:
            return HISTORICAL, "under"  # "has been under U.S. and EU sanctions": it stands
        if _STANDING_AFTER_RE.match(lower[start:start + _STANDING_AFTER_REACH]) is not None:
            return HISTORICAL, "in force"  # "The embargo is currently in force until August"
    if typ == EventType.COERCE and _DETENTION_SYSTEM_RE.search(lower[max(lo, start - 20):start]) is not None:
        return HISTORICAL, "system"  # "throughout Australian immigration detention": standing
    if typ == EventType.COERCE and _custody_place(lower, lo, start):
        return HISTORICAL, "place"  # "a detention centre on the island of Nauru": a building
    if typ in _CAUSE_TYPES and _MEASURE_CAUSE_RE.search(lower, a, start) is not None:
        return HISTORICAL, "cause"  # "under sanctions over its annexation of Crimea": background
    if _MOVEMENT_AFTER_RE.match(lower, start) is not None:
        return HISTORICAL, "movement"  # "This boycott movement is enjoying growing success": a name
    if typ not in REQUESTED_TYPES:
        return None
    m = _STANCE_RE.search(lower, a, start)
    if m is None:
        return None
    gap = _gap_words(m.group(1), lower, start)
    if typ != EventType.SANCTION and any(w in _STANCE_DETERMINERS or w.endswith(("'s", "’s")) for w in gap):
        return None  # "support for the offensive on Aleppo": a particular event
    return SPECULATIVE, " ".join(m.group(0).split()[:2])


_ANY_RELATIVE_RE: Final = vocabulary.pattern("any_relative_before")
_BILL_WOULD_RE: Final = vocabulary.pattern("bill_would_before")
_KEPT_FROM_RE: Final = vocabulary.pattern("kept_from_before")
_PREPARED_FOR_RE: Final = vocabulary.pattern("prepared_for_before")
_PREPARED_FOR_REACH: Final = 70
_PREVENT_PURPOSE_RE: Final = vocabulary.pattern("prevent_purpose_before")
_KEPT_FROM_REACH: Final = 60
_ANY_REACH: Final = 70


def _unmet_cues(lower: str, sent_start: int, lo: int, start: int, end: int) -> list[tuple[int, int, str]]:
    """The cues of a condition or a prevented act for the mention at ``start``-``end`` (``lo``:
    its clause): a relative clause on "any" ("shoot down any planes that attack") or on a bill
    ("a bill that would impose sanctions"), an act
    someone is stopped from ("stopping the YPG militia seizing territory"), an act forces are
    mobilised or readied for ("mobilizing its NATO vassals for an attack") or that something is
    done to prevent ("a hotline to prevent clashes")."""
    out: list[tuple[int, int, str]] = []
    if _ANY_RELATIVE_RE.search(lower[max(sent_start, start - _ANY_REACH):start]) is not None:
        out.append((start, start, "any"))
    if _BILL_WOULD_RE.search(lower[max(sent_start, start - _ANY_REACH):start]) is not None:
        out.append((start, start, "bill"))  # "a bill that would impose sanctions": not yet law
    kept = kept_from(lower, lo, start, end)
    if kept:
        out.append((start, start, kept))
    before = lower[max(lo, start - _PREPARED_FOR_REACH):start]
    if _PREPARED_FOR_RE.search(before) is not None:
        out.append((start, start, "for"))  # "mobilizing its members for attacking Haditha"
    if _PREVENT_PURPOSE_RE.search(before) is not None:
        out.append((start, start, "to prevent"))  # "a hotline to prevent clashes"
    if gerund_subject(lower, sent_start, start, end):
        out.append((start, start, "would"))  # "deporting everyone would cost $300 billion"
    return out


_GERUND_BEFORE_RE: Final = vocabulary.pattern("gerund_subject_before")
_GERUND_AFTER_RE: Final = vocabulary.pattern("gerund_subject_after")


def gerund_subject(lower: str, sent_start: int, start: int, end: int) -> bool:
    """Whether the mention at ``start``-``end`` is a gerund that is the subject of a conditional
    ("finding, detaining ... and deporting everyone would cost up to $300 billion"): it opens its
    sentence, follows "that" or stands in a list of gerunds, and a "would", "could" or "might"
    follows in the sentence (``vocabulary.yaml``: gerund_subject_*)."""
    word_end = _word_end(lower, start, end)
    if not lower.endswith("ing", start, word_end):
        return False
    if _GERUND_BEFORE_RE.search(lower, max(sent_start, start - 24), start) is None:
        return False
    return _GERUND_AFTER_RE.match(lower, word_end, min(len(lower), word_end + 160)) is not None


def _stood(lower: str, cand: Candidate, held: tuple[Modality, str] | None) -> str:
    """The cue of a measure or a posture that stands already, or "": a measure broken or
    evaded ("violated a U.S. trade embargo", ``standing_or_stance``), forces named with where
    they are ("the Russian military stationed in the republic", ``posted``), a group named by
    its war aim ("are fighting to overthrow the Assad regime", ``war_aim``)."""
    if held is not None and held[0] == HISTORICAL:
        return held[1]
    if posted(lower, cand):
        return "stationed"
    return "war aim" if war_aim(lower, cand) else ""


_WAR_AIM_RE: Final = vocabulary.pattern("war_aim_after")
_WAR_AIM_WORDS: Final = vocabulary.words("war_aim_words")
_FIGHTING_DESCRIPTION_RE: Final = vocabulary.pattern("fighting_description_after")
_FIGHTING_GROUPS: Final = vocabulary.words("fighting_groups")


def war_aim(lower: str, cand: Candidate) -> bool:
    """Whether an attack mention ending in a fighting word is followed by the aim a group
    fights for ("the Free Syrian Army are fighting to overthrow the Assad regime", "separatists
    fighting for independence"), or by where it fights before the clause's own verb ("Militants
    fighting in Syria have recruited ..."): a group named by what it is, a standing state of the
    war (``vocabulary.yaml``: war_aim_after, fighting_description_after)."""
    if cand.entry.type != EventType.ASSAULT:
        return False
    words = lower[cand.start:cand.end].split()
    if not words:
        return False
    if words[-1] in _WAR_AIM_WORDS and _WAR_AIM_RE.match(lower, cand.end) is not None:
        return True
    # "Militants fighting in Syria have recruited ...": the participle right after its group,
    # whether the group is the rule's near word or the word before a head that holds its
    # preposition ("fighting in", fighting told by where it is)
    if words[0] != "fighting":
        return False
    near = cand.near
    if words == ["fighting"] and near is not None and near[1] <= cand.start and not lower[near[1]:cand.start].strip():
        return _FIGHTING_DESCRIPTION_RE.match(lower, cand.end) is not None
    before = lower[max(0, cand.start - 24):cand.start].split()
    if len(words) < 2 or not before or before[-1] not in _FIGHTING_GROUPS:
        return False
    return _FIGHTING_DESCRIPTION_RE.match(lower, cand.start + len("fighting")) is not None


def kept_from(lower: str, lo: int, start: int, end: int) -> str:
    """The verb that stops, prevents, deters or bars someone from the act at ``start``-``end``
    when the mention opens with a gerund ("stopping the YPG militia seizing territory"),
    searched from ``lo`` (its clause) within ``_KEPT_FROM_REACH``, or ""."""
    first = lower[start:end].split(None, 1)
    if not first or not first[0].endswith("ing"):
        return ""
    m = _KEPT_FROM_RE.search(lower[max(lo, start - _KEPT_FROM_REACH):start])
    return m.group(0).split(None, 1)[0] if m is not None else ""


_POSTED_RE: Final = vocabulary.pattern("posted_participle")
_POSTED_GAP_RE: Final = vocabulary.pattern("posted_gap")


def posted(lower: str, cand: Candidate) -> bool:
    """Whether a deployment head is a participle right after its unit ("the Russian military
    stationed in the republic"): where forces are posted, not a move (``vocabulary.yaml``:
    posted_participle)."""
    near = cand.near
    if cand.entry.type != EventType.MOBILIZE or near is None or near[1] > cand.start:
        return False
    return (_POSTED_RE.match(lower, cand.start, cand.end) is not None
            and _POSTED_GAP_RE.match(lower[near[1]:cand.start]) is not None)


_FAILED_RE: Final = vocabulary.pattern("failed_before")
_ATTEMPTED_RE: Final = vocabulary.pattern("attempted_before")
_DETONATION_RE: Final = vocabulary.pattern("detonation_opening")


_HABITUAL_ATTRIBUTE_RE: Final = vocabulary.pattern("habitual_attribute")
_YEARS_SPAN_RE: Final = vocabulary.pattern("years_span")
_HABITUAL_AFTER: Final = 60
_HABITUAL_ATTRIBUTE_REACH: Final = 30
_PHRASE_END_RE: Final = vocabulary.pattern("phrase_end")


def habitual(lower: str, ctx: Context, clause: Span, start: int, end: int) -> str:
    """The cue that makes the mention at ``start``-``end`` tell what keeps happening rather than
    one event, or "": an adverb of frequency or a span of years before it in its clause, or after
    it in the same phrase ("militants frequently attack convoys", "war games held regularly",
    "have attacked convoys in the region for years"; ``cues.yaml``: habitual), or a count
    of many right before it ("has seen numerous bombings"; ``habitual_attribute``)."""
    after_end = min(clause.end, end + _HABITUAL_AFTER)
    stop = _PHRASE_END_RE.search(lower, end, after_end)  # "condemned his comments, sometimes criticizing": another phrase
    cues = cues_in(ctx, "habitual", clause.start, start) + cues_in(ctx, "habitual", end, after_end if stop is None else stop.start())
    if cues:
        return cues[0][2]
    m = _HABITUAL_ATTRIBUTE_RE.search(lower, max(clause.start, start - _HABITUAL_ATTRIBUTE_REACH), start)
    return m.group(0).split(None, 1)[0] if m is not None else ""


def _not_carried_out(lower: str, clause: Span, start: int) -> tuple[Modality, str] | None:
    """An act that failed, right before the trigger at ``start`` ("failed to detonate the bomb":
    denied), or an attempt to set off a device ("attempted to detonate explosives": speculative,
    no blast told), with its cue; or None (``vocabulary.yaml``: failed_before, attempted_before)."""
    lo = max(clause.start, start - 16)
    if _FAILED_RE.search(lower, lo, start) is not None:
        return DENIED, "failed to"
    if _ATTEMPTED_RE.search(lower, lo, start) is not None and _DETONATION_RE.match(lower, start) is not None:
        return SPECULATIVE, "attempted to"
    return None


def years_span(lower: str, clause: Span, start: int, end: int) -> str:
    """A span of years or decades in the clause of the mention at ``start``-``end``, which sums
    up a period ("dropped 16,000 bombs in the last six years"; ``vocabulary.yaml``: years_span),
    or "". The span may be read as the mention's date: it is that period, not a day. A full stop
    inside the clause (a quotation opened after it: '... over the past year. " Al Qaeda has')
    bounds it."""
    if lower.find(" year", clause.start, clause.end) < 0 and lower.find(" decade", clause.start, clause.end) < 0:
        return ""  # most clauses: no span to look for
    lo = max(clause.start, lower.rfind(". ", clause.start, start) + 1)
    stop = lower.find(". ", end, clause.end)
    m = _YEARS_SPAN_RE.search(lower, lo, clause.end if stop < 0 else stop)
    return m.group(0) if m is not None else ""


_OPENING_YEARS_SPAN_RE: Final = vocabulary.pattern("opening_years_span")


_LASTING_RE: Final = vocabulary.pattern("lasting_after")


def lasting(lower: str, end: int) -> str:
    """A time of more than a year right after the mention ending at ``end`` ("imprisoned for more
    than a year without trial"): a state that has lasted (``vocabulary.yaml``: lasting_after), or
    ""."""
    m = _LASTING_RE.match(lower, end, min(len(lower), end + 60))
    return m.group(0).split("for", 1)[1].strip() if m is not None else ""


def _opening_span(lower: str, sent: Span) -> str:
    """A span of years opening the sentence with its comma ("In the past year, we've seen two
    mass shootings"): it sums up a period for the whole sentence (``vocabulary.yaml``:
    opening_years_span), or ""."""
    m = _OPENING_YEARS_SPAN_RE.match(lower, sent.start, min(sent.end, sent.start + 40))
    return m.group(0).strip(" ,") if m is not None else ""


_AGAINST_GERUND_RE: Final = vocabulary.pattern("against_gerund")


def _opposed_act(lower: str, lo: int, start: int) -> bool:
    """Whether the act at ``start`` is what someone is warned, cautioned or argues against
    ("warned NATO against sending troops", "against imposing new sanctions", "warned against
    attacks on shipping"): opposed, not done."""
    a = max(lo, start - 90)
    if "against" not in lower[a:start]:
        return False
    m = _AGAINST_GERUND_RE.search(lower, a, start)
    if m is None:
        return False
    if m.group(1) is not None:
        return True
    head = lower[start:start + 30].split(None, 1)  # "against sending", "against attacks": a bare act
    return bool(head) and (head[0].endswith("ing") or (head[0].endswith("s") and not head[0].endswith("ss")))


def _passive_infinitive(lower: str, lo: int, start: int) -> bool:
    """Whether a passive infinitive stands right before the trigger at ``start`` ("called for Ms
    Savchenko ... to be jailed", "a statute which allows people ... to be jailed"), not after a
    reporting or ordinal word ("are believed to be held", "the first to be killed")."""
    a = max(lo, start - 8)
    if _PASSIVE_INFINITIVE_RE.search(lower, a, start) is None:
        return False
    return _PASSIVE_INFINITIVE_TOLD_RE.search(lower, max(lo, start - 40), start) is None


def _wanted_cues(lower: str, typ: EventType, lo: int, sent_start: int, start: int,
                 held: tuple[Modality, str] | None, end: int) -> list[tuple[int, int, str]]:
    """The grammatical frames that make the mention at ``start``-``end`` wanted, held as a
    stance, ought to be done, conditional or prevented rather than done, as cues at ``start``
    (``lo``: the clause's start; ``held``: what ``standing_or_stance`` read)."""
    found = _unmet_cues(lower, sent_start, lo, start, end) if typ != THREATEN else []
    if typ in REQUESTED_TYPES:
        call = requested(lower, lo, start)
        if not call and lower[lo:lo + 14].lstrip(", ").startswith(_AS_WELL_AS):
            # a clause of its own by the comma, coordinated with the object of a call before it
            call = requested(lower, sent_start, start)
        if call:
            found.append((start, start, call))  # "lawmakers called for sanctions": wanted, not done
        asker = asked_to(lower, lo, start)
        if asker:
            found.append((start, start, asker))  # "pressed Washington to impose sanctions"
    if held is not None and held[0] == SPECULATIVE:
        found.append((start, start, held[1]))  # "his vocal support for torture": a stance, no act
    frame = prescribed(lower, typ, sent_start, lo, start)
    if frame:
        found.append((start, start, frame))  # "should retaliate with sanctions": ought, not done
    if _passive_infinitive(lower, lo, start):
        found.append((start, start, "to be"))  # "called for her to be jailed": wanted, not done
    if _opposed_act(lower, lo, start):
        found.append((start, start, "against"))  # "warned NATO against sending troops": opposed
    if generic_kind(lower, lo, start, end):
        found.append((start, start, "generic"))  # "Attacks on civilians are war crimes": a kind
    if _HORTATIVE_RE.match(lower, sent_start, start) is not None:
        found.append((start, start, "let us"))  # "Let's get together, seize a territory": a call
    return found


_HORTATIVE_RE: Final = vocabulary.pattern("hortative_opening")


_GENERIC_AFTER_RE: Final = vocabulary.pattern("generic_predicate_after")
_GENERIC_OPENERS: Final = vocabulary.words("generic_openers")


def generic_kind(lower: str, lo: int, start: int, end: int) -> bool:
    """Whether the mention at ``start``-``end`` is a bare plural opening its clause (``lo``),
    with a predicate said of every act of its kind right after it ("Attacks on civilians are war
    crimes", "Airstrikes alone cannot defeat ISIS"; ``vocabulary.yaml``: generic_predicate_after)."""
    words = lower[start:end].split(None, 1)
    if not words or not words[0].endswith("s") or words[0].endswith("ss"):
        return False
    if any(w not in _GENERIC_OPENERS for w in lower[lo:start].split()):
        return False
    return _GENERIC_AFTER_RE.match(lower, end) is not None


def modality_of(
    lower: str, cand: Candidate, ctx: Context, clause: Span, sent: Span, if_spans: list[tuple[int, int]],
    tense: Tense, dates: tuple[date | None, date | None], pub: date, precise: bool, tense_cues: list[str],
    date_after: bool = False,
) -> tuple[Modality, list[str]]:
    start, end = cand.start, cand.end
    if cand.forced_modality:
        return cand.forced_modality, list(cand.cues)
    # Denials and fears govern the clauses they introduce ("denied that its warships had
    # entered..."), up to a contrast ("... but says it could ..."), but not background adjuncts:
    # "denied that soldiers were missing after the clash ..., which killed 20" does not deny the
    # clash.
    denial = [
        c for c in _cues_after_contrast(lower, ctx, "denial", sent.start, start, start)
        if not _ADJUNCT_RE.search(lower, c[1], start)
    ]
    if denial:
        return DENIED, [denial[-1][2]]
    neg = [c for c in cues_in(ctx, "negation", clause.start, start) if start - c[1] <= 30]
    if neg:
        return DENIED, [neg[-1][2]]
    after = [c for c in _cues(ctx, "denial_after") if c[0] >= end and c[0] - end <= 60]
    if after:
        return DENIED, [after[0][2]]
    threat = cand.entry.type == THREATEN
    if not threat or cand.threat_target_from is None:
        for a, b in if_spans:
            if a <= start < b:
                return SPECULATIVE, [lower[a:a + 6].split()[0]]
    undone = _not_carried_out(lower, clause, start)
    if undone is not None:
        return undone[0], [undone[1]]  # "failed to detonate the bomb": the act did not happen
    # "Israel could hit Iran ... in response to this week's missile attack": the attack it responds
    # to is a fact, whatever the modal before it.
    spec = [c for c in cues_in(ctx, "speculative", clause.start, start)
            if c[2] not in {"if", "unless"} and not _ADJUNCT_RE.search(lower, c[1], start)
            and not _beyond_nominal_reach(lower, c, start, end)]
    # A noun trigger is often the subject of the modal: "fresh protests could erupt".
    spec += [c for c in _cues(ctx, "speculative") if end <= c[0] <= end + 15 and c[2] in {"could", "may", "might"}]
    spec += [c for c in _cues(ctx, "speculative_after") if end <= c[0] <= end + 40]
    if is_question(lower, sent):
        spec.append((sent.end, sent.end, "?"))  # "Reintroducing sanctions?": asked, not told
    held = standing_or_stance(lower, cand.entry.type, clause.start, start)
    spec += _wanted_cues(lower, cand.entry.type, clause.start, sent.start, start, held, end)
    if threat:
        spec = [c for c in spec if c[2] not in {"could", "may", "might", "would"}]
    if spec:
        return SPECULATIVE, [spec[-1][2]]
    # A relative clause states background fact; a threat takes no governing cue but a noun whose
    # that-clause is its content ("the possibility that ... blackmailed").
    opening = lower[clause.start:clause.start + 5]  # a slice and a compare: startswith at an offset is a generic call
    if not (opening == "which" or opening.startswith("who")):
        governing = _governing_cues(lower, ctx, sent.start, start)
        if threat:
            governing = [c for c in governing if c[2] in COMPLEMENT_CUES]
        if governing:
            return SPECULATIVE, [governing[-1][2]]
    stood = _stood(lower, cand, held)
    if stood:
        return HISTORICAL, [stood]
    ev_start = dates[0]
    habit = "" if tense == "future" else years_span(lower, clause, start, end) or _opening_span(lower, sent) or lasting(lower, end) or (
        habitual(lower, ctx, clause, start, end) if ev_start is None else "")
    if habit:
        return HISTORICAL, [habit]  # "militants frequently attack convoys": what keeps happening
    tense, told = _history(lower, cand, ctx, clause, sent, tense, dates, pub, precise)
    if told is not None:
        return HISTORICAL, told
    if tense == "future" and ev_start is not None and ev_start >= pub and precise:
        return SCHEDULED, list(cand.cues)
    if tense == "unknown" and ev_start is not None and ev_start > pub and precise and date_after:
        return SCHEDULED, list(cand.cues)  # "called for demonstrations on 14 October"
    weak = cues_in(ctx, "speculative_weak", clause.start, start)
    if weak and not precise and (cand.entry.type not in ANNOUNCED_TYPES or weak[-1][2] in FORECAST_CUES):
        return SPECULATIVE, [weak[-1][2]]
    if tense == "future" and cand.entry.type not in ANNOUNCED_TYPES:
        # Announced for no particular day ("next week", "soon"): it cannot go on a calendar and
        # has not happened, so it is not an alert-worthy fact yet.
        return SPECULATIVE, tense_cues
    return ASSERTED, list(cand.cues)
