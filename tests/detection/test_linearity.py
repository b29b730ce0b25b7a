"""Detection work grows linearly with the text, whatever the text (no timings: see work_counter.py).

Adversarial shapes: text with no sentence punctuation (one "sentence" of 100 KB), long lists of
names, the same trigger over and over, thousands of different events, periods that end no
sentence ("U.S. U.S. ..."). Each is made at two lengths, n and 4n; the detector's work (lines of
service/detection executed, counted by the pure-Python detector in a separate process) must grow
about 4x, not 16x (quadratic) or 64x (cubic, as role assignment once did on unpunctuated text).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.detection.text import MAX_SENTENCE_CHARS, SentenceIndex, split_sentences

ROOT = Path(__file__).resolve().parents[2]

NAMES = ["Russia", "Ukraine", "China", "Iran", "Israel", "Syria", "Turkey", "France", "Japan", "India",
         "Pakistan", "Egypt", "Lebanon", "Iraq", "Qatar", "Sudan", "Mali", "Kyiv", "Moscow", "Tehran",
         "the United States", "NATO", "Hamas", "Hezbollah", "the U.S.", "Donbas", "Gaza", "Crimea"]
TRIGGERS = ["attacked", "struck", "met with", "sanctioned", "threatened", "deployed troops to",
            "shelled", "held talks with", "annexed", "invaded", "warned", "signed a deal with", "seized"]
GLUE = ["in", "near", "and", "by", "of", "after", "with", "which", "said", ",", "the", "forces",
        "officials", "on Monday", "next week", "if", "would", "troops", "border"]


def _fill(parts: list[str], n: int, sep: str = " ") -> str:
    out: list[str] = []
    size = i = 0
    while size < n:
        out.append(parts[i % len(parts)])
        size += len(out[-1]) + len(sep)
        i += 1
    return sep.join(out)


def _events(seed: int, n: int) -> str:
    """Short sentences, each a different pair of parties: merging's worst case."""
    out: list[str] = []
    size = i = 0
    while size < n:
        a, b = NAMES[(i * 7 + seed) % len(NAMES)], NAMES[(i * 13 + 1 + seed) % len(NAMES)]
        out.append(f"{a} {TRIGGERS[(i + seed) % len(TRIGGERS)]} {b} on Monday.")
        size += len(out[-1]) + 1
        i += 1
    return " ".join(out)


SHAPES = {
    # no sentence punctuation: names, triggers and glue words in one endless "sentence"
    "unpunctuated": lambda words, seed, n: _fill(words, n),
    # a trigger, then a list of names a comma apart
    "list_of_names": lambda words, seed, n: f"{TRIGGERS[seed % len(TRIGGERS)]} " + _fill(NAMES[seed % 5:], n, ", "),
    # one sentence told over and over
    "repeated_trigger": lambda words, seed, n: _fill([f"{NAMES[seed % len(NAMES)]} {TRIGGERS[seed % len(TRIGGERS)]} "
                                                      f"{NAMES[(seed + 1) % len(NAMES)]}."], n),
    # a trigger word alone, repeated
    "bare_triggers": lambda words, seed, n: _fill([TRIGGERS[seed % len(TRIGGERS)]], n),
    "many_events": lambda words, seed, n: _events(seed, n),
    # periods that end no sentence, then an event
    "abbreviations": lambda words, seed, n: _fill(["U.S.", "Gen.", "Jan."], n) + " Russia attacked Ukraine.",
}

WORDS = st.lists(st.sampled_from(NAMES + TRIGGERS + GLUE), min_size=3, max_size=30)


@pytest.fixture(scope="module")
def counter() -> Iterator[subprocess.Popen[str]]:
    env = {k: v for k, v in os.environ.items() if k != "ESCALERT_REQUIRE_NATIVE"}
    env.update(ESCALERT_NATIVE="0", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "detection" / "work_counter.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=30)


def work(counter: subprocess.Popen[str], body: str) -> int:
    assert counter.stdin is not None and counter.stdout is not None
    counter.stdin.write(json.dumps(body) + "\n")
    counter.stdin.flush()
    return int(counter.stdout.readline())


N = 6 * MAX_SENTENCE_CHARS  # long enough that a cut "sentence" has several pieces


@pytest.mark.parametrize("shape", sorted(SHAPES))
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=WORDS, seed=st.integers(0, 1000))
def test_detection_work_is_linear_in_text_length(counter, shape: str, words: list[str], seed: int) -> None:
    small, large = SHAPES[shape](words, seed, N), SHAPES[shape](words, seed, 4 * N)
    w_small, w_large = work(counter, small), work(counter, large)
    # 4x the text: 4x the work, with room for the parts of a text that do not repeat exactly
    # (where a piece is cut, which names end up in it). Quadratic growth would be 16x.
    assert w_large <= 5 * w_small + 20_000, (shape, w_small, w_large)


LONG_TEXT = st.builds(
    lambda shape, words, seed, n: SHAPES[shape](words, seed, n),
    st.sampled_from(sorted(SHAPES)), WORDS, st.integers(0, 1000), st.integers(1, 5 * MAX_SENTENCE_CHARS),
)


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(LONG_TEXT, st.text(min_size=MAX_SENTENCE_CHARS, max_size=3 * MAX_SENTENCE_CHARS)))
def test_no_sentence_is_longer_than_the_bound_and_every_way_of_cutting_agrees(text: str) -> None:
    """The structural bound the linear time rests on: whatever the text, the detector never looks
    at a "sentence" over MAX_SENTENCE_CHARS, and the lazy index cuts exactly as the full split."""
    spans = split_sentences(text)
    assert all(0 < s.end - s.start <= MAX_SENTENCE_CHARS for s in spans)
    index = SentenceIndex(text)
    for span in spans:
        for pos in (span.start, (span.start + span.end) // 2, span.end - 1):
            if not text[pos].isspace():
                assert index.sentence_at(pos) == span
    for before, after in zip(spans, spans[1:], strict=False):
        assert index.sentence_before(after) == before
    headline = SentenceIndex(text, one_sentence=True)
    for pos in range(0, len(text), 97):
        if not text[pos].isspace():
            piece = headline.sentence_at(pos)
            assert piece.start <= pos < piece.end and piece.end - piece.start <= MAX_SENTENCE_CHARS
