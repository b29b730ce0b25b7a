"""Sentences and clauses, with character offsets into the original text.

Wire copy is regular: paragraphs are lines, sentences end in . ! ? (possibly inside quotes), and
the only traps are abbreviations ("Jan.", "U.S.", "Gen.") and initials ("Joe R. Biden"). A regex
with an abbreviation list was 20/20 on the sample and ~100x faster than pysbd or spaCy (field
notes), and it keeps exact offsets, which evidence needs.
"""

from __future__ import annotations

import re
from typing import Final

from service.detection import vocabulary

ABBREVIATIONS: Final = vocabulary.words("abbreviations")
_FINAL_ABBREVIATIONS: Final = vocabulary.words("sentence_final_abbreviations")
_SENTENCE_OPENERS: Final = vocabulary.words("sentence_openers")
_LONGEST_ABBREVIATION: Final = max(len(a) for a in ABBREVIATIONS)
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"
_DIGITS: Final = "0123456789"
# The last two characters (lower-cased) before a period that settle it is no abbreviation: two
# letters that end no abbreviation (the token is then at least two letters long, so no initial
# either), or a digit (no letter before the period at all). Most sentences end so.
_ABBREVIATION_TAILS: Final = frozenset(a[-2:] for a in ABBREVIATIONS)
_PLAIN_TAILS: Final = frozenset(
    [a + b for a in _LETTERS for b in _LETTERS if a + b not in _ABBREVIATION_TAILS]
    + [a + b for a in _LETTERS + _DIGITS for b in _DIGITS]
)

# A sentence ends at . ! or ? (optionally followed by closing quotes/brackets) then whitespace,
# when the next sentence starts with an upper-case letter, a digit or an opening quote.
_END: Final = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_PARA: Final = re.compile(r"\n\s*")
# The characters ``str.isspace`` (and ``\s``) accept: a set look-up is cheaper than the method call.
_SPACES: Final = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


# Clause boundaries: punctuation and conjunctions that usually start a new proposition. The
# conjunctions are found by the lexicon's context automaton (they are compiled into it, see
# lexicon.py), which the detector runs over every candidate sentence anyway; a regex alternation
# of words cost ~15 us per sentence.
CLAUSE_PUNCTUATION: Final = re.compile(r"[;:()\u2014]|\s[-\u2013]\s|,(?=\s)")
# Its branches, as ``clause_bounds`` looks for them.
# A tuple (iterating a str makes a string per character) of any length: compiled, a loop over a
# fixed-length tuple goes through a Python iterator, over ``tuple[str, ...]`` by index.
_MARKS: Final[tuple[str, ...]] = (";", ":", "(", ")", "\u2014")
_SPACED_DASH: Final = re.compile(r"\s[-\u2013]\s")
CLAUSE_WORDS: Final = vocabulary.phrases("clause_words")


class Span:
    """A range of character offsets, ``start`` included, ``end`` excluded. Immutable, compared
    and hashed by value. A plain class rather than a frozen dataclass: compiled, building one is
    a C call instead of a Python-level ``__init__`` setting each field through ``object.__setattr__``."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start: Final = start
        self.end: Final = end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span(start={self.start}, end={self.end})"


def _is_abbreviation(text: str, dot: int) -> bool:
    """Is the period at ``dot`` the end of an abbreviation or an initial rather than a sentence?"""
    # The token is the letters and periods just before the period, 12 characters at most. It is
    # mostly a plain word after a space, which a slice and ``rpartition`` give without a loop.
    word = text[max(0, dot - 12):dot].rpartition(" ")[2]
    if word.isalpha():
        if len(word) > _LONGEST_ABBREVIATION:
            return False  # lower-casing never shortens it: no abbreviation, no initial
        tok = word.lower()
    else:
        i = dot
        while i > 0 and dot - i < 12 and (text[i - 1].isalpha() or text[i - 1] == "."):
            i -= 1
        if i == dot:
            return False
        tok = text[i:dot].lower().rstrip(".")
    if tok in ABBREVIATIONS:
        # "... driven from the shop around 4:30 p.m. The Murrah building was shattered": an
        # abbreviation that may close a sentence does, when a word that opens one follows it.
        return not (tok in _FINAL_ABBREVIATIONS and _opens_sentence(text, dot + 1))
    # A single capital initial ("Joe R. Biden"), but not a sentence-final pronoun "I".
    return len(tok) == 1 and text[dot - 1].isupper() and text[dot - 1] != "I"


def is_abbreviation(text: str, dot: int) -> bool:
    """Is the period at ``dot`` of ``text`` (as written) the end of an abbreviation or an initial
    ("U.S.", "Gen.", "Joe R. Biden") rather than of a sentence?"""
    return _is_abbreviation(text, dot)


def _opens_sentence(text: str, i: int) -> bool:
    """Does a capitalised word that opens sentences ("The", "He", "But") follow offset ``i``,
    after one space?"""
    if text[i:i + 1] != " " or not text[i + 1:i + 2].isupper():
        return False
    j = i + 1
    while j < len(text) and j - i < 12 and text[j].isalpha():
        j += 1
    return text[i + 1:j] in _SENTENCE_OPENERS


# The longest stretch of text the detector treats as one sentence. Everything done per sentence
# (context, candidates, roles) looks at the sentence's names for each of its triggers, so its cost
# grows faster than the sentence's length; a longer "sentence" (text without sentence punctuation,
# a pasted table, an attack) is cut into pieces of at most this many characters, at a space
# where there is one, so detection time stays linear in the text's length. News sentences are far
# shorter: the longest in the labeled set, the seed articles and the benchmark corpus is ~350
# characters, so none is ever cut.
MAX_SENTENCE_CHARS: Final = 2000


def sentence_pieces(text: str, start: int, end: int) -> list[Span]:
    """The sentence ``text[start:end]`` (trimmed) as spans of at most ``MAX_SENTENCE_CHARS``: one
    span when it is that short, else pieces cut at the last space of each piece's second half (or
    hard at the limit when it has none), each trimmed. A function of the sentence alone, so every
    way of finding it cuts it the same."""
    out: list[Span] = []
    s = start
    while end - s > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
        nxt = cut + 1
        if cut < 0:
            cut = nxt = s + MAX_SENTENCE_CHARS
        e = cut
        while e > s and text[e - 1] in _SPACES:
            e -= 1
        out.append(Span(s, e))
        while nxt < end and text[nxt] in _SPACES:
            nxt += 1
        s = nxt
    if s < end:
        out.append(Span(s, end))
    return out


def split_sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans (trimmed of surrounding whitespace; a sentence over
    ``MAX_SENTENCE_CHARS`` in pieces, see :func:`sentence_pieces`)."""
    spans: list[Span] = []
    para_start = 0
    for para in [*_PARA.finditer(text), None]:
        para_end = para.start() if para else len(text)
        start = para_start
        for m in _END.finditer(text, para_start, para_end):
            if text[m.start()] == "." and _is_abbreviation(text, m.start()):
                continue
            _append(text, start, m.end(), spans)
            start = m.end()
        _append(text, start, para_end, spans)
        if para:
            para_start = para.end()
    return spans


def _append(text: str, start: int, end: int, out: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > MAX_SENTENCE_CHARS:
        out.extend(sentence_pieces(text, start, end))
    elif end > start:
        out.append(Span(start, end))


def clause_bounds(text: str, sent: Span, word_starts: list[int]) -> list[int]:
    """Offsets (absolute) where clauses start inside the sentence, the sentence start included.
    ``word_starts``: where the sentence's ``CLAUSE_WORDS`` start (from the context automaton).

    The same offsets as ``CLAUSE_PUNCTUATION.finditer`` over the sentence, found piecewise: its
    three branches never compete for a character, most sentences hold no mark but commas, and
    an ``in`` test or a literal-prefix regex is several times cheaper than the alternation tried
    at every character.
    """
    start, end = sent.start, sent.end
    sentence = text[start:end]
    bounds = [start]
    if "," in sentence:  # ",(?=\s)": a comma and whitespace, within the sentence
        i = text.find(",", start, end)
        while i >= 0:
            if i + 1 < end and text[i + 1] in _SPACES:
                bounds.append(i)
            i = text.find(",", i + 1, end)
    ordered = True
    for mark in _MARKS:
        if mark in sentence:
            i = text.find(mark, start, end)
            while i >= 0:
                bounds.append(i)
                i = text.find(mark, i + 1, end)
            ordered = False
    if "-" in sentence or "\u2013" in sentence:
        for m in _SPACED_DASH.finditer(text, start, end):
            bounds.append(m.start())
            ordered = False
    if word_starts:
        bounds.extend(word_starts)
        ordered = False
    if not ordered:
        bounds.sort()
    return bounds


def clause_of(bounds: list[int], sent_end: int, pos: int) -> Span:
    """The clause containing absolute offset ``pos`` given sorted clause starts."""
    start = bounds[0]
    end = sent_end
    for b in bounds:
        if b <= pos:
            start = b
        else:
            end = b
            break
    return Span(start, end)


class SentenceIndex:
    """Sentence spans on demand, identical to :func:`split_sentences` but lazy.

    Only the few sentences that hold a live trigger head are ever asked for, so nothing is cut
    up front: ``sentence_at`` looks for the break punctuation on either side of the position
    (``str.find``/``rfind`` inside the position's paragraph, which skip plain text at C speed),
    tests each candidate as ``_END`` would, and checks abbreviations only there.
    """

    __slots__ = ("_long", "_para_hi", "_para_lo", "_para_starts", "_rare_marks", "lower", "one_sentence", "text")

    def __init__(self, text: str, lower: str | None = None, one_sentence: bool = False) -> None:
        """``lower``: ``text`` lower-cased character by character, the same length (the
        detector has it from ``lexicon.lower_forms``); made here when not given.
        ``one_sentence``: the whole text is one sentence (a headline), cut only into pieces."""
        self.text = text
        self.one_sentence = one_sentence
        # The last few sentences over MAX_SENTENCE_CHARS asked for, with their pieces: each
        # is searched for once, whichever of its pieces is asked for (heads come in text order,
        # and a sentence's previous sentence or two may be asked for in between).
        self._long: list[tuple[Span, list[Span]]] = []
        self.lower = lower if lower is not None else _lower_each(text)
        # Wire copy seldom holds "!" or "?": without them, only periods need searching for.
        self._rare_marks = "!" in text or "?" in text
        self._para_starts: list[int] | None = None
        # The paragraph ``sentence_at`` found last, [lo, hi): heads come in text order, and
        # often several sentences of one paragraph hold one.
        self._para_lo = 0
        self._para_hi = 0

    @property
    def paragraph_starts(self) -> list[int]:
        """Offsets of the paragraph breaks: ``bisect_right`` on them numbers a position's paragraph."""
        if self._para_starts is None:
            self._para_starts = _paragraph_starts(self.text)
        return self._para_starts

    def _break_end(self, p: int) -> int:
        """Where the sentence break whose punctuation is at ``p`` ends, or -1 when there is none
        there (no ``_END`` match, or the period of an abbreviation or an initial)."""
        end = _end_match(self.text, p)
        if (
            end >= 0 and (not self._rare_marks or self.text[p] == ".")  # else only periods are searched for
            and not _ends_plain_word(self.lower, p) and _is_abbreviation(self.text, p)
        ):
            return -1
        return end

    def _prev_mark(self, lo: int, hi: int) -> int:
        """The last . ! or ? in ``text[lo:hi]``, or -1. The range lies within a paragraph, so it
        is mostly short: compiled, a search given bounds parses them from a tuple and boxes them
        (~1,300 instructions), while slicing the range and searching all of it costs ~950. A long
        one is searched in place: a slice per call would copy the paragraph every time."""
        if hi - lo > _SLICE_REACH:
            return self._prev_mark_far(lo, hi)
        part = self.text[lo:hi]
        p = part.rfind(".")
        if self._rare_marks:
            for mark in "!?":
                q = part.rfind(mark, p + 1)
                if q >= 0:
                    p = q
        return p + lo if p >= 0 else -1

    def _prev_mark_far(self, lo: int, hi: int) -> int:
        p = self.text.rfind(".", lo, hi)
        if self._rare_marks:
            for mark in "!?":
                q = self.text.rfind(mark, max(lo, p + 1), hi)
                if q >= 0:
                    p = q
        return p

    def _next_mark_far(self, lo: int, hi: int) -> int:
        p = self.text.find(".", lo, hi)
        if self._rare_marks:
            for mark in "!?":
                q = self.text.find(mark, lo, hi if p < 0 else p)
                if q >= 0:
                    p = q
        return p

    def _next_mark(self, lo: int, hi: int) -> int:
        """The first . ! or ? in ``text[lo:hi]``, or -1 (a slice, as in ``_prev_mark``)."""
        if hi - lo > _SLICE_REACH:
            return self._next_mark_far(lo, hi)
        part = self.text[lo:hi]
        p = part.find(".")
        if self._rare_marks:
            for mark in "!?":
                q = part.find(mark, 0, len(part) if p < 0 else p)
                if q >= 0:
                    p = q
        return p + lo if p >= 0 else -1

    def sentence_at(self, pos: int) -> Span:
        """The (trimmed) sentence containing offset ``pos``, which must not be whitespace (the
        space between two sentences belongs to neither); of a sentence over
        ``MAX_SENTENCE_CHARS``, the piece (:func:`sentence_pieces`) containing it."""
        for whole, pieces in self._long:
            if whole.start <= pos < whole.end:
                return _piece_at(pieces, pos)
        whole = self._whole_sentence_at(pos)
        if whole.end - whole.start <= MAX_SENTENCE_CHARS:
            return whole
        pieces = sentence_pieces(self.text, whole.start, whole.end)
        if len(self._long) >= 4:
            self._long.pop(0)
        self._long.append((whole, pieces))
        return _piece_at(pieces, pos)

    def _whole_sentence_at(self, pos: int) -> Span:
        """The whole (trimmed) sentence containing ``pos``."""
        text = self.text
        if self.one_sentence:
            start, end = 0, len(text)
            while start < end and text[start] in _SPACES:
                start += 1
            while end > start and text[end - 1] in _SPACES:
                end -= 1
            return Span(start, end)
        # The paragraph around pos. Only whitespace lies between a paragraph break's newline
        # and the paragraph's text, so the search may start right after any newline of the
        # break: the last one before pos. The first newline after pos starts the next break.
        starts = self._para_starts
        if starts is None:  # not worth finding them all for a few sentences
            if not self._para_lo <= pos < self._para_hi:  # no newline lies in [lo, hi)
                self._para_lo = text.rfind("\n", 0, pos) + 1
                hi = text.find("\n", pos)
                self._para_hi = hi if hi >= 0 else len(text)
            lo, hi = self._para_lo, self._para_hi
        else:
            j = _count_at_or_before(starts, pos)
            lo = starts[j - 1] + 1 if j > 0 else 0
            hi = starts[j] if j < len(starts) else len(text)
        # Sentence start: the end of the last break ending at or before pos. Breaks cannot
        # overlap, so a break ending after pos can only be the one just before it, with pos
        # inside its closing quotes: then it is also where the sentence ends.
        start = lo
        end = -1
        p = self._prev_mark(lo, pos)
        while p >= 0:
            e = self._break_end(p)
            if e > pos:
                end = e
            elif e >= 0:
                start = e + 1  # a break is followed by whitespace (``_END``'s lookahead)
                break
            p = self._prev_mark(lo, p)
        # Sentence end: the first break after pos (its punctuation belongs to the sentence).
        p = self._next_mark(pos, hi) if end < 0 else -1
        while p >= 0 and p + 1 < hi:  # a mark that ends the paragraph ends the sentence anyway
            end = self._break_end(p)
            if end >= 0:
                break
            p = self._next_mark(p + 1, hi)
        at_paragraph_end = end < 0
        if at_paragraph_end:
            end = hi
        while start < end and text[start] in _SPACES:
            start += 1
        # A break ends in its mark or a closing quote: only a paragraph's end may need trimming.
        while at_paragraph_end and end > start and text[end - 1] in _SPACES:
            end -= 1
        return Span(start, end)

    def sentence_before(self, sent: Span) -> Span | None:
        """The sentence just before ``sent``, or None at the start of the text."""
        p = sent.start - 1
        while p >= 0 and self.text[p] in _SPACES:
            p -= 1
        return self.sentence_at(p) if p >= 0 else None


# Ranges longer than this are searched in place rather than sliced (``_prev_mark``).
_SLICE_REACH: Final = 512


def _piece_at(pieces: list[Span], pos: int) -> Span:
    """The last of ``pieces`` (in order) starting at or before ``pos``."""
    lo, hi = 0, len(pieces)
    while lo < hi:
        mid = (lo + hi) // 2
        if pieces[mid].start <= pos:
            lo = mid + 1
        else:
            hi = mid
    return pieces[lo - 1] if lo > 0 else pieces[0]


def _lower_each(text: str) -> str:
    """``text`` lower-cased character by character, keeping any character whose lower case is
    longer. ``lexicon.lower_forms`` may differ on a letter lower-cased by context (a final
    sigma), which ``_ends_plain_word``, reading ASCII only, never looks at."""
    if text.isascii():
        return text.lower()
    return "".join([c.lower() if len(c.lower()) == 1 else c for c in text])


def _ends_plain_word(lower: str, dot: int) -> bool:
    """Do the two characters before the period at ``dot`` show it ends no abbreviation and no
    initial (``_PLAIN_TAILS``)? One slice and a set look-up settle most periods, where
    ``_is_abbreviation`` must find the whole token; ``lower`` holds the lower case of each
    character of the text at its offset, so an ASCII letter or digit there is one in the text."""
    return dot >= 2 and lower[dot - 2:dot] in _PLAIN_TAILS


def _paragraph_starts(text: str) -> list[int]:
    """Where the matches of ``_PARA`` start, without running it over the whole text: at the
    first newline after the whitespace that ends the previous match."""
    starts: list[int] = []
    n = len(text)
    i = text.find("\n")
    while i >= 0:
        starts.append(i)
        i += 1
        while i < n and text[i].isspace():
            i += 1
        i = text.find("\n", i)
    return starts


def _count_at_or_before(values: list[int], x: int) -> int:
    """``bisect_right(values, x)``, compiled: calling the C function costs more than this loop."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


# Characters that settle whether ``_END`` matches, in the common cases: a break is mostly ". "
# and a capital or digit; a period followed by a space and a lower-case letter, or directly by a
# letter or digit ("U.S", "3.5"), is none.
_BREAK_NEXT: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LOWER: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_NO_BREAK_NEXT: Final = _BREAK_NEXT | _LOWER
# The commonest break of all, ". " and a capital or digit, as the two characters after the mark:
# one slice and one look-up.
_BREAK_PAIRS: Final = frozenset(" " + c for c in _BREAK_NEXT)


def _end_match(text: str, p: int) -> int:
    """The end of ``_END.match(text, p)``, or -1 when it does not match. The common cases are
    read off the next two characters; any other runs the regex."""
    if text[p + 1:p + 3] in _BREAK_PAIRS:
        return p + 1
    if p + 2 < len(text):
        c = text[p + 1]
        if c == " ":
            c = text[p + 2]
            if c in _BREAK_NEXT:
                return p + 1
            if c in _LOWER:
                return -1
        elif c in _NO_BREAK_NEXT:
            return -1
    m = _END.match(text, p)
    return -1 if m is None else m.end()
