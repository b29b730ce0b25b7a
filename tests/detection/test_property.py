"""Detection never raises, whatever the text: a property test over arbitrary strings."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.article import Article
from service.detection import detect

# Text that mixes arbitrary Unicode with the lexicon's own words, so rules actually fire.
WORDS = st.sampled_from(
    [
        "Russia", "NATO", "will", "meet", "on", "Jan.", "10", "troops", "massed", "near", "Ukraine",
        "denied", "if", "sanctions", "attack", "in", "2014", "Moscow", ",", ".", "’s", "U.S.", "next",
        "Tuesday", "the", "summit", "ceasefire", "called", "for", "not", "may", "\n\n", "Kremlin", "by",
        "which", "March", "3-5", "İ", "ß", "$300", "million", "provide", "threatened", "Geneva",
    ]
)
TEXT = st.one_of(st.text(min_size=1, max_size=400), st.lists(WORDS, min_size=1, max_size=80).map(" ".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXT, title=st.text(max_size=80), days=st.integers(min_value=-40000, max_value=20000))
def test_detect_never_raises(body: str, title: str, days: int) -> None:
    if not body.strip():
        body = "x"
    published = datetime.fromtimestamp(1_700_000_000 + days * 86400, tz=UTC)
    article = Article(id="p", title=title, body=body, published_at=published)
    for sig in detect(article):
        text = article.body if sig.evidence.field == "body" else article.title
        assert text[sig.evidence.trigger_start:sig.evidence.trigger_end] == sig.evidence.trigger
        assert 1 <= sig.severity <= 5


SENTENCE_TEXT = st.lists(
    st.sampled_from(["Jan.", "U.S.", "Russia", "said", "Mr.", "J.", "I.", "attack.", "“Quote.”", "\n\n", "\n", "!", "?", "10.", "A", "b"]),
    min_size=1, max_size=60,
).map(" ".join)


BREAK_TEXT = st.lists(
    st.sampled_from([".", "!", "?", "\"", "”", "’", "'", ")", "]", "“", "‘", "(", "[", " ", "\n", "\u00a0", "\x1c", "A", "z", "7", "É", "x."]),
    min_size=1, max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(SENTENCE_TEXT, BREAK_TEXT, st.text(max_size=300)))
def test_lazy_sentence_index_matches_the_full_split(text: str) -> None:
    """The index finds breaks by searching around a position; ``split_sentences`` (the reference)
    runs ``_END`` and ``_PARA`` over the whole text: they agree on every character."""
    from service.detection.lexicon import lower_forms
    from service.detection.text import _PARA, SentenceIndex, split_sentences

    index = SentenceIndex(text)
    listed = SentenceIndex(text)  # paragraphs from the list of their starts, not from newlines
    assert listed.paragraph_starts is not None
    given_lower = SentenceIndex(text, lower_forms(text)[0])  # as the detector makes it
    spans = split_sentences(text)
    for span in spans:
        for pos in range(span.start, span.end):
            if not text[pos].isspace():
                assert index.sentence_at(pos) == span
                assert listed.sentence_at(pos) == span
                assert given_lower.sentence_at(pos) == span
    for before, after in zip(spans, spans[1:], strict=False):
        assert index.sentence_before(after) == before
    if spans:
        assert index.sentence_before(spans[0]) is None
    assert index.paragraph_starts == [m.start() for m in _PARA.finditer(text)]


CLAUSE_TEXT = st.lists(
    st.sampled_from([",", ", ", ";", ":", "(", ")", "\u2014", "-", " - ", " - - ", "\u2013", " \u2013 ", "\n", "\u00a0", "a", "b"]),
    min_size=1, max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(CLAUSE_TEXT, st.text(max_size=100)), data=st.data())
def test_clause_bounds_are_the_clause_punctuation_matches(text: str, data: st.DataObject) -> None:
    from service.detection.text import CLAUSE_PUNCTUATION, Span, clause_bounds

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    words = sorted(data.draw(st.lists(st.integers(start, end), max_size=3)))
    expected = sorted([m.start() for m in CLAUSE_PUNCTUATION.finditer(text, start, end)] + words)
    assert clause_bounds(text, Span(start, end), words) == [start, *expected]


def _abbreviation_by_loop(text: str, dot: int) -> bool:
    """The plain statement of the rule, which ``_is_abbreviation`` takes shortcuts through."""
    from service.detection.text import _FINAL_ABBREVIATIONS, _SENTENCE_OPENERS, ABBREVIATIONS

    i = dot
    while i > 0 and dot - i < 12 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    if i == dot:
        return False
    tok = text[i:dot].lower().rstrip(".")
    if tok in _FINAL_ABBREVIATIONS and text[dot + 1:dot + 2] == " ":
        word = ""
        for c in text[dot + 2:dot + 13]:
            if not c.isalpha():
                break
            word += c
        if word[:1].isupper() and word in _SENTENCE_OPENERS:
            return False  # "around 4:30 p.m. The building was shattered": the sentence ends
    return tok in ABBREVIATIONS or (len(tok) == 1 and text[dot - 1].isupper() and text[dot - 1] != "I")


ABBREVIATION_TEXT = st.lists(
    st.sampled_from(["Jan", "jan", "U.S", "u.s.a", "p.m", "Inc", "Gen", "approx", "Approxi", "R", "I", "i", "İ", "K", "a", ".", " ", "\n", "\"", "(", "7", "said", "x"]),
    min_size=1, max_size=12,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(ABBREVIATION_TEXT, st.text(max_size=30)))
def test_abbreviations_follow_the_rule(text: str) -> None:
    from service.detection.text import _is_abbreviation

    text += "."
    assert _is_abbreviation(text, len(text) - 1) == _abbreviation_by_loop(text, len(text) - 1)
    for after in (" The", " Friday", " He said", "  The", " Thereafter", " I"):
        assert _is_abbreviation(text + after, len(text) - 1) == _abbreviation_by_loop(text + after, len(text) - 1)


PLAIN_TAIL_TEXT = st.lists(
    st.sampled_from(["Jan", "said", "u.s", "Approx", "est", "st", "R", "I", "İ", "\u212a", "U.\u212a", "K", "7", " ", "(", "x"]),
    min_size=1, max_size=8,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(PLAIN_TAIL_TEXT, ABBREVIATION_TEXT, st.text(max_size=30)))
def test_a_plain_tail_ends_no_abbreviation(text: str) -> None:
    """The two-character look-up that spares most periods the abbreviation check never says
    "plain" before an abbreviation or an initial, whichever lower form the index was given."""
    from service.detection.lexicon import lower_forms
    from service.detection.text import _ends_plain_word, _lower_each

    text += "."
    dot = len(text) - 1
    for lower in (lower_forms(text)[0], _lower_each(text)):
        if _ends_plain_word(lower, dot):
            assert not _abbreviation_by_loop(text, dot)


def test_spaces_are_what_isspace_accepts() -> None:
    import sys

    from service.detection.text import _SPACES

    assert frozenset(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == _SPACES


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.characters(max_codepoint=127), max_size=40),
    cut=st.integers(min_value=0, max_value=40),
    lo=st.integers(min_value=0, max_value=40),
)
def test_ascii_word_starts_follow_the_rule(text: str, cut: int, lo: int) -> None:
    """The byte-mask look back for the words before a date anchor agrees with the str one."""
    from service.detection.dates import _WORD_KINDS, _ascii_word_starts_before, _word_starts_before

    pos = min(cut, len(text))
    lo = min(lo, pos)
    kinds = text[lo:].encode("ascii").translate(_WORD_KINDS)
    assert _ascii_word_starts_before(kinds, lo, pos, lo, 3) == _word_starts_before(text, pos, lo, 3)


CASE_TEXT = st.lists(
    st.sampled_from(["Russia", "É", "é", "ß", "İ", "Σ", "ΟΔΟΣ", "\u212a", "\u24b6", "\u2160", "“", "’", "—", "\ud800", " ", ".", "-", "a"]),
    min_size=1, max_size=20,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(CASE_TEXT, st.text(max_size=60)))
def test_lower_forms_are_the_lowercase_and_its_boundary_form(text: str) -> None:
    """``lower_forms`` lowercases character by character; the reference (what ``detect`` did
    before) lowercases the text, and the boundary form through ``boundary_lower``."""
    from service.detection.lexicon import boundary_lower, boundary_text, lower_forms

    lower = text.lower()
    if len(lower) != len(text):
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    blower = boundary_lower(text)
    if blower is None:
        btext = boundary_text(text)
        blower = btext.lower()
        if len(blower) != len(btext):
            blower = boundary_text(lower)
    assert lower_forms(text) == (lower, blower)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(CASE_TEXT, st.text(max_size=60)), data=st.data())
def test_boundary_window_is_a_slice_of_the_boundary_text(text: str, data: st.DataObject) -> None:
    from service.detection.lexicon import boundary_text, boundary_window

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert boundary_window(text, start, end) == boundary_text(text)[start:end + 2]
