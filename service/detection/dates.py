"""Date expressions in news text, resolved against the publication date.

General-purpose parsers were wrong on wire copy (field notes: "Jan. 10" lost its day, weekdays
were pushed into the future, "may" read as a month) and 50-600x slower. News uses a small set of
forms, so a small rule set resolves them exactly:

* absolute: "Jan. 10", "January 10, 2025", "10 January", "2025-01-10", ranges "March 3-5",
  "3-5 March", "between March 3 and March 5";
* weekdays: "on Thursday", "late Monday", "next Tuesday", "this Friday", "last Sunday";
* relative: "today", "tomorrow", "yesterday", "next week", "this month", "the past two months";
* years and decades: "in 2014", "since 2014", "the 2015 ceasefire", "the 1990s".

Resolution rules (documented in docs/taxonomy.md): a year-less date in a future-tense context is the
next such date strictly after the publication day; in a past-tense context the last one on or before; with no
tense, the nearest. A weekday in the future is the coming one (strictly after publication), in the
past or with no tense the last one on or before publication. "next X" is the first X strictly
after publication; "last X" the last strictly before.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Final, Literal

from service.detection import vocabulary

Tense = Literal["future", "past", "unknown"]

_MONTHS: Final = vocabulary.numbers("months")
_WEEKDAYS: Final = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_NUMBERS: Final = vocabulary.numbers("numbers")

# Date expressions by kind, their parts filled in (``vocabulary.yaml``: date_patterns, date_parts).
_COMPILED: dict[str, re.Pattern[str]] = vocabulary.templates("date_patterns", "date_parts")

# Which patterns to try for each kind of anchor, at which word offset before the anchor (0 = the
# anchor itself, 1 = the word before, ...), and for a number, which shape of number it needs
# (``_digit_shapes``; 0: no test). Anchored ``match`` calls at a handful of positions are ~10x
# cheaper than scanning a sentence with one big alternation.
_SHAPE_ISO: Final = 1  # four digits and a hyphen: "2025-01-10"
_SHAPE_DAY: Final = 2  # one or two digits: "10 January", "3-5 March"
_SHAPE_DECADE: Final = 4  # four digits and an "s": "the 1990s"
_SHAPE_YEAR: Final = 8  # 19xx or 20xx: "in 2014"
_SHAPE_SPAN: Final = 16  # a unit follows: "the past 3 days"
_DISPATCH: dict[str, tuple[tuple[str, int, int], ...]] = {
    "mon": (("md_md", 0, 0), ("m_dd", 0, 0), ("md", 0, 0), ("dd_m", 2, 0), ("dm", 2, 0), ("dm", 1, 0),
            ("month", 1, 0), ("month", 2, 0)),
    "digit": (("iso", 0, _SHAPE_ISO), ("dd_m", 0, _SHAPE_DAY), ("dm", 0, _SHAPE_DAY), ("decade", 0, _SHAPE_DECADE),
              ("decade", 1, _SHAPE_DECADE), ("year", 1, _SHAPE_YEAR), ("year", 2, _SHAPE_YEAR), ("span", 1, _SHAPE_SPAN), ("span", 2, _SHAPE_SPAN)),
    "wd": (("weekday", 1, 0), ("weekday", 0, 0)),
    "rel": (("rel_day", 0, 0), ("rel_day", 1, 0), ("rel_day", 3, 0)),
    "per": (("rel_period", 1, 0), ("rel_period", 2, 0), ("span", 2, 0), ("span", 3, 0), ("ago", 1, 0)),
}
# The same, with each pattern compiled beside its name: no lookup by name per pattern tried, and
# none by pattern per date found (a dict keyed by a ``Pattern`` hashes its whole compiled code
# on every lookup: several thousand instructions for the month-and-day patterns).
_DISPATCH_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str, int, int], ...]] = {
    kind: tuple((_COMPILED[name], name, back, shape) for name, back, shape in tries) for kind, tries in _DISPATCH.items()
}
_UNITS: Final[tuple[str, ...]] = ("days", "weeks", "months", "years")  # any length: no tuple built per use


def _digit_shapes(text: str, pos: int, a_start: int, a_end: int, end: int) -> int:
    """The date shapes a run of digits ``text[a_start:a_end]`` can be part of (``_SHAPE_ISO`` ...).

    Every date pattern that covers a number holds it whole (the digits are ``\\d+`` runs), so
    its length and the character after it rule out most patterns before any regex runs: most
    numbers in news are counts, not dates. Each test is necessary for its patterns to match;
    a pattern that passes still has its regex tried.
    """
    shapes = 0
    n = a_end - a_start
    after = text[a_end] if a_end < end else ""
    if n <= 2 and pos == a_start:
        shapes |= _SHAPE_DAY
    if n == 4:
        if after == "-" and pos == a_start:
            shapes |= _SHAPE_ISO
        if after == "s":
            shapes |= _SHAPE_DECADE
        if text.startswith(("19", "20"), a_start):
            shapes |= _SHAPE_YEAR
    if pos == a_start and after.isspace():
        j = a_end
        while j < end and text[j].isspace():
            j += 1
        if text.startswith(_UNITS, j, end):
            shapes |= _SHAPE_SPAN
    return shapes


PRECISE_KINDS: Final = frozenset({"iso", "md", "dm", "m_dd", "dd_m", "md_md", "weekday", "rel_day"})


class DateMention:
    """A date expression found in text, with absolute offsets. Immutable, compared by value.

    A plain class rather than a frozen dataclass: compiled, its ``__init__`` is a C call, while
    a dataclass's generated one runs as Python code (~3,000 instructions a mention)."""

    __slots__ = ("end", "groups", "kind", "start", "text")

    def __init__(self, start: int, end: int, text: str, kind: str, groups: dict[str, str | None]) -> None:
        self.start: Final = start
        self.end: Final = end
        self.text: Final = text
        self.kind: Final = kind
        self.groups: Final = groups

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateMention) and (
            (self.start, self.end, self.text, self.kind, self.groups)
            == (other.start, other.end, other.text, other.kind, other.groups)
        )

    def __repr__(self) -> str:
        return (f"DateMention(start={self.start}, end={self.end}, text={self.text!r}, kind={self.kind!r}, "
                f"groups={self.groups!r})")

    @property
    def is_year_only(self) -> bool:
        return self.kind in {"year", "decade"}

    @property
    def is_precise(self) -> bool:
        """A day or a range of days: enough to put an event on a calendar (``scheduled``)."""
        return self.kind in PRECISE_KINDS


# Cheap anchors: every date expression contains a digit or one of these words. Only the patterns
# that fit an anchor are tried, anchored next to it (``_DISPATCH``). The detector finds the same
# words with its automaton (``date_anchors`` in classes.yaml) and passes them in; this regex
# serves callers that have no automaton.
_ANCHOR_RE: Final = vocabulary.pattern("date_anchor")


def _word_starts_before(text: str, pos: int, lo: int, n: int) -> list[int]:
    """Start offsets of the ``n`` words before ``pos`` (nearest first), not before ``lo``."""
    out = []
    for _ in range(n):
        j = pos
        while j > lo and not text[j - 1].isalnum():
            j -= 1
        k = j
        while k > lo and (text[k - 1].isalnum() or text[k - 1] in ".'’-"):
            k -= 1
        if k == j:
            break
        out.append(k)
        pos = k
    return out


# What each ASCII character is to ``_word_starts_before``: 2 alphanumeric, 1 one of ".'-" (inside
# a word, but never its end), 0 anything else.
_WORD_KINDS: Final = bytes(2 if chr(c).isalnum() else 1 if chr(c) in ".'-" else 0 for c in range(256))


def _ascii_word_starts_before(kinds: bytes, base: int, pos: int, lo: int, n: int) -> list[int]:
    """``_word_starts_before`` on an ASCII text, read from ``kinds``: ``_WORD_KINDS`` of the text
    from offset ``base`` on. Indexing bytes gives an int; indexing the str made a string per
    character and called ``isalnum`` on it."""
    out = []
    for _ in range(n):
        j = pos
        while j > lo and kinds[j - 1 - base] != 2:
            j -= 1
        k = j
        while k > lo and kinds[k - 1 - base] != 0:
            k -= 1
        if k == j:
            break
        out.append(k)
        pos = k
    return out


# ``\d\d*``, not ``\d+``: a pattern that opens with a character class lets the regex engine
# skip to the next digit in one tight loop instead of trying a match at every position.
_DIGITS_RE: Final = re.compile(r"\d\d*")
# Digits as b"1", every other byte as b" ": the digit runs of an ASCII sentence are then found
# with ``bytes.find``, which is a memchr.
_DIGIT_MASK: Final = bytes(49 if 48 <= c <= 57 else 32 for c in range(256))
# The digit of the mask as an int: ``bytes`` tests an int for membership with a memchr, but
# first tries any other needle as an int and fails (an exception raised and cleared).
_DIGIT_MARK: Final = 49


def _digit_runs(text: str, start: int, end: int, ascii_text: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, "digit") of every run of digits in ``text[start:end]``, in order.

    A regex search for ``\\d`` tests every character (~100 instructions a character); an ASCII
    sentence (``isascii`` is a flag of the slice, set when it is made) is mapped to a mask of
    its digits in one table pass instead. Other text can hold other decimal digits: the regex.
    ``ascii_text``: the caller knows ``text`` is ASCII, so ``isascii`` (a generic method call
    when compiled) need not be asked of the slice.
    """
    seg = text[start:end]
    if not ascii_text and not seg.isascii():
        out = []
        for d in _DIGITS_RE.finditer(text, start, end):
            a, b = d.span()
            out.append((a, b, "digit"))
        return out
    mask = seg.encode("ascii").translate(_DIGIT_MASK)
    runs: list[tuple[int, int, str]] = []
    if _DIGIT_MARK not in mask:  # most sentences hold no number: ``in`` is cheaper than ``find``
        return runs
    i = mask.find(b"1")
    while i >= 0:
        j = mask.find(b" ", i)
        if j < 0:
            j = len(mask)
        runs.append((start + i, start + j, "digit"))
        i = mask.find(b"1", j)
    return runs


def find_dates(
    text: str, start: int = 0, end: int | None = None, anchors: list[tuple[int, int, str]] | None = None
) -> list[DateMention]:
    """Every date expression in ``text[start:end]``, left to right, non-overlapping.

    ``anchors`` (start, end, kind) may come from the caller's own word matching (the detector's
    context automaton already found month and weekday names); digits are always scanned here.
    """
    out: list[DateMention] = []
    end = len(text) if end is None else end
    last_end = start
    ascii_text = text.isascii()
    if anchors is None:
        found = [(a.start(), a.end(), a.lastgroup or "") for a in _ANCHOR_RE.finditer(text, start, end)]
    else:
        found = [*anchors, *_digit_runs(text, start, end, ascii_text)]
        found.sort()  # the method: ``sorted`` is a generic call when compiled
    kinds: bytes | None = None  # _WORD_KINDS of the sentence, when the words before are needed
    for a_start, a_end, kind in found:
        if a_start < last_end:
            continue
        if kind != "digit" and _is_capital(text[a_start]) != (kind == "mon" or kind == "wd"):
            continue  # month and weekday names are capitalised, "today" and "weeks" are not
        pos = a_start
        while pos > start and text[pos - 1].isalnum():
            pos -= 1  # the anchor may sit inside a word ("20th")
        shapes = 0
        if kind == "digit":
            shapes = _digit_shapes(text, pos, a_start, a_end, end)
            if not shapes:
                continue
        before: list[int] | None = None  # the words before: found when a pattern needs them
        best: re.Match[str] | None = None
        best_start = best_end = 0  # best's span: one ``span()`` call per match, not one per comparison
        best_kind = ""
        for pattern, name, back, shape in _DISPATCH_PATTERNS[kind]:
            if shape and not shapes & shape:
                continue
            if back == 0:
                p = pos
            else:
                if before is None:
                    if ascii_text:
                        if kinds is None:
                            kinds = text[start:end].encode("ascii").translate(_WORD_KINDS)
                        before = _ascii_word_starts_before(kinds, start, pos, max(start, last_end), 3)
                    else:
                        before = _word_starts_before(text, pos, max(start, last_end), 3)
                if back > len(before):
                    continue
                p = before[back - 1]
            m = pattern.match(text, p, end)
            if m is None:
                continue
            m_start, m_end = m.span()
            if m_end >= a_end and (best is None or m_end > best_end or (m_end == best_end and m_start < best_start)):
                best, best_start, best_end, best_kind = m, m_start, m_end, name
        if best is not None:
            out.append(_mention(best, best_kind))
            last_end = best_end
    return _merge_weekday_dates(text, out)


def _is_capital(ch: str) -> bool:
    """``ch.isupper()`` of one character; an ASCII one by comparisons (``isupper`` is a generic
    method call when compiled)."""
    if ch < "\x80":
        return "A" <= ch <= "Z"
    return ch.isupper()


def _merge_weekday_dates(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """'on Wednesday, Aug. 13': one date, the explicit one, spanning both expressions."""
    out: list[DateMention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (
            prev is not None and prev.kind == "weekday" and m.kind in {"md", "dm"}
            and text[prev.end:m.start].strip() in {",", ""} and m.start - prev.end <= 3
        ):
            groups = {**m.groups, "weekday": prev.groups.get("wd")}
            out[-1] = DateMention(prev.start, m.end, text[prev.start:m.end], m.kind, groups)
        else:
            out.append(m)
    return out


def _mention(m: re.Match[str], kind: str) -> DateMention:
    """The mention matched by ``m``, of the pattern named ``kind``."""
    return DateMention(m.start(), m.end(), m.group(0), kind, m.groupdict())


def _month(token: str | None) -> int:
    return _MONTHS[(token or "")[:3].lower()]


def _day(token: str | None) -> int:
    return int(re.sub(r"\D", "", token or "0"))


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _yearless(month: int, day: int, pub: date, tense: Tense) -> date | None:
    """Resolve a month and day without a year by tense (see module docstring)."""
    this = _safe_date(pub.year, month, day)
    nxt = _safe_date(pub.year + 1, month, day)
    prev = _safe_date(pub.year - 1, month, day)
    if this is None:
        return nxt or prev
    if tense == "future":
        return this if this > pub else nxt
    if tense == "past":
        return this if this <= pub else prev
    candidates = [c for c in (prev, this, nxt) if c]
    return min(candidates, key=lambda c: abs((c - pub).days))


def _weekday(wd: int, qualifier: str | None, pub: date, tense: Tense) -> date:
    q = (qualifier or "").lower()
    ahead = (wd - pub.weekday()) % 7  # 0..6 days until that weekday (0 = today)
    behind = (pub.weekday() - wd) % 7  # 0..6 days since
    if q == "next" or (q in {"coming", "this", "by", "until"} and tense != "past"):
        return pub + timedelta(days=ahead or 7) if q in {"next", "coming"} else pub + timedelta(days=ahead)
    if q == "last":
        return pub - timedelta(days=behind or 7)
    if tense == "future":
        return pub + timedelta(days=ahead or 7)
    return pub - timedelta(days=behind)


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def resolve(mention: DateMention, pub: date, tense: Tense) -> tuple[date, date | None] | None:
    """Resolve a mention to (start, end-or-None) against the publication date ``pub``."""
    g = mention.groups
    k = mention.kind
    try:
        if k in {"iso", "md", "dm", "m_dd", "dd_m", "md_md"}:
            return _calendar_date(k, g, pub, tense)
        if k == "weekday":
            return _weekday(_WEEKDAYS[(g["wd"] or "").lower()], g["q"], pub, tense), None
        if k == "rel_day":
            rd = (g["rd"] or "").lower()
            offset = {"tomorrow": 1, "yesterday": -1}.get(rd, 0)
            return pub + timedelta(days=offset), None
        if k == "rel_period":
            return _rel_period((g["rq"] or "").lower(), (g["rp"] or "").lower(), pub)
        if k == "ago":
            return _ago(g, pub)
        if k == "span":
            return _span(g, pub)
        if k == "month":
            return _named_month(g, pub, tense)
        if k == "decade":
            start_year = int(g["dec"] or 0)
            return date(start_year, 1, 1), date(start_year + 9, 12, 31)
        if k == "year":
            y = int(g["yr"] or 0)
            return date(y, 1, 1), date(y, 12, 31)
    except (KeyError, ValueError, OverflowError):
        return None
    return None


def _calendar_date(k: str, g: dict[str, str | None], pub: date, tense: Tense) -> tuple[date, date | None] | None:
    """A date or a range of days named by month and day ("Jan. 12", "12-14 March", "2025-01-10")."""
    if k == "iso":
        d = _safe_date(int(g["iy"] or 0), int(g["im"] or 0), int(g["id"] or 0))
        return (d, None) if d else None
    if k in {"md", "dm"}:
        month, day = _month(g["m"]), _day(g["d"])
        if g.get("weekday") and not g["y"]:
            # "on Wednesday, Aug. 13": the weekday picks the year, whatever the tense says.
            wd = _WEEKDAYS[(g["weekday"] or "").lower()]
            options = [c for y in (pub.year - 1, pub.year, pub.year + 1)
                       if (c := _safe_date(y, month, day)) and c.weekday() == wd]
            if options:
                return min(options, key=lambda c: abs((c - pub).days)), None
        d = _safe_date(int(g["y"] or 0), month, day) if g["y"] else _yearless(month, day, pub, tense)
        return (d, None) if d else None
    if k in {"m_dd", "dd_m"}:
        month = _month(g["m"])
        d1, d2 = _day(g["d1"]), _day(g["d2"])
        if d2 < d1:
            return None
        start = _safe_date(int(g["y"] or 0), month, d1) if g["y"] else _yearless(month, d1, pub, tense)
        if not start:
            return None
        end = _safe_date(start.year, month, d2)
        return (start, end) if end else None
    m1, m2 = _month(g["m1"]), _month(g["m2"])  # md_md
    start = _safe_date(int(g["y"] or 0), m1, _day(g["d1"])) if g["y"] else _yearless(m1, _day(g["d1"]), pub, tense)
    if not start:
        return None
    end = _safe_date(start.year + (1 if m2 < m1 else 0), m2, _day(g["d2"]))
    return (start, end) if end else None


def _count(word: str | None) -> int:
    """A count written in digits or in words ("3", "three", "several"); 1 when there is none."""
    w = word or ""
    return int(w or "1") if w.isdigit() else _NUMBERS.get(w.lower(), 1)


def _ago(g: dict[str, str | None], pub: date) -> tuple[date, date | None]:
    """"three days ago", "thirty years ago today" (exact), "thirty years ago" (that year)."""
    n = _count(g["an"])
    unit = (g["au"] or "").lower()
    if unit in {"days", "weeks"}:
        return pub - timedelta(days=n * (7 if unit == "weeks" else 1)), None
    d = _add_months(pub, -n * (12 if unit == "years" else 1))
    if g["at"] or unit == "months":
        return d, None
    return date(d.year, 1, 1), date(d.year, 12, 31)


def _span(g: dict[str, str | None], pub: date) -> tuple[date, date | None]:
    """"the past three days", "the next two weeks": the stretch before or after publication."""
    n = _count(g["sn"])
    unit = (g["su"] or "").lower()
    past = (g["sq"] or "").lower() in {"past", "last", "previous"}
    if unit == "days":
        return (pub - timedelta(days=n), pub) if past else (pub + timedelta(days=1), pub + timedelta(days=n))
    if unit == "weeks":
        return (pub - timedelta(weeks=n), pub) if past else (pub + timedelta(days=1), pub + timedelta(weeks=n))
    months = n * (12 if unit == "years" else 1)
    return (_add_months(pub, -months), pub) if past else (pub + timedelta(days=1), _add_months(pub, months))


def _named_month(g: dict[str, str | None], pub: date, tense: Tense) -> tuple[date, date | None]:
    """"in March": that month of the year the tense points to, or of the year named."""
    month = _month(g["om"])
    if g["oy"]:
        return _month_range(int(g["oy"] or 0), month)
    year = pub.year
    if tense == "future" and month < pub.month:
        year += 1
    elif tense != "future" and month > pub.month:
        year -= 1
    return _month_range(year, month)


def _rel_period(q: str, p: str, pub: date) -> tuple[date, date | None]:
    if p == "weekend":
        sat = pub + timedelta(days=(5 - pub.weekday()) % 7)
        if q in {"last", "the past", "the last"}:
            sat -= timedelta(days=7)
        return sat, sat + timedelta(days=1)
    if p == "week":
        monday = pub - timedelta(days=pub.weekday())
        if q in {"next", "the coming"}:
            return monday + timedelta(days=7), monday + timedelta(days=13)
        if q in {"last", "the past", "the last"}:
            return monday - timedelta(days=7), monday - timedelta(days=1)
        if q == "later this":
            return pub + timedelta(days=1), max(pub + timedelta(days=1), monday + timedelta(days=6))
        if q == "earlier this":
            return monday, pub
        return monday, monday + timedelta(days=6)
    if p == "month":
        shift = {"next": 1, "the coming": 1, "last": -1, "the past": -1, "the last": -1}.get(q, 0)
        first = _add_months(pub.replace(day=1), shift)
        start, end = _month_range(first.year, first.month)
        if q == "later this":
            return pub + timedelta(days=1), end
        if q == "earlier this":
            return start, pub
        return start, end
    shift = {"next": 1, "the coming": 1, "last": -1, "the past": -1, "the last": -1}.get(q, 0)
    year = pub.year + shift
    return date(year, 1, 1), date(year, 12, 31)
