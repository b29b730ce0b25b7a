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


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(SENTENCE_TEXT, st.text(max_size=300)))
def test_lazy_sentence_index_matches_the_full_split(text: str) -> None:
    from service.detection.text import SentenceIndex, split_sentences

    index = SentenceIndex(text)
    spans = split_sentences(text)
    for span in spans:
        for pos in (span.start, span.end - 1):
            assert index.sentence_at(pos) == span
    for before, after in zip(spans, spans[1:], strict=False):
        assert index.sentence_before(after) == before


BREAK_TEXT = st.lists(
    st.sampled_from([".", "!", "?", "\"", "”", "’", "'", ")", "]", "“", "‘", "(", "[", " ", "\n", "\u00a0", "\x1c", "A", "z", "7", "É", "x."]),
    min_size=1, max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(BREAK_TEXT, st.text(max_size=200)))
def test_sentence_breaks_are_exactly_the_regex_matches(text: str) -> None:
    from service.detection.text import _END, _break_spans

    assert _break_spans(text) == [m.span() for m in _END.finditer(text)]
