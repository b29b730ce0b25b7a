"""Stand-in detectors for stream tests (the real one is tested in tests/detection).

The stream must work with whatever ``detect`` returns; these give predictable signals so the
wiring can be checked field by field, and one raises on demand to exercise ``detection_error``.
Loaded by workers through ``ESCALERT_DETECTOR=tests.stream.fakes:<name>``.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import date

from schemas.article import Article
from schemas.common import EventType, Modality
from schemas.signal import Actor, Actors, ArticleRef, Evidence, Signal

EXPLODE = "EXPLODE-IN-DETECT"


def make_signal(article: Article, n: int = 0, type_: EventType = EventType.MOBILIZE) -> Signal:
    sentence = article.body.strip().split("\n")[0][:200] or article.body[:200]
    start = article.body.find(sentence)
    return Signal(
        signal_id=f"{article.id}:{n}",
        article_id=article.id,
        type=type_,
        mode="troops",
        modality=Modality.ASSERTED,
        actors=Actors(source=[Actor(code="RUS", text="Russia")], target=[Actor(code="UKR", text="Ukraine")]),
        event_date=date(2024, 4, 14),
        intensity=-6.5,
        severity=4,
        confidence=0.9,
        evidence=Evidence(
            sentence=sentence, start=max(start, 0), end=max(start, 0) + len(sentence),
            trigger=sentence[:5], trigger_start=max(start, 0), trigger_end=max(start, 0) + 5,
        ),
        article=ArticleRef(
            id=article.id, title=article.title, source=article.source, url=article.url,
            published_at=article.published_at, published_at_assumed=article.published_at_assumed,
        ),
        detector_version="fake-1",
    )


def two_signals(article: Article) -> list[Signal]:
    """Two signals per article (MOBILIZE and THREATEN); raises on the EXPLODE marker."""
    if EXPLODE in article.body:
        raise RuntimeError("simulated detector bug")
    return [make_signal(article, 0), make_signal(article, 1, EventType.THREATEN)]


def nothing(article: Article) -> list[Signal]:
    """A do-nothing detector (benchmarks: the Faust and Kafka cost alone)."""
    return []


KILL = "KILL-THE-DETECTION-PROCESS"


def two_signals_or_die(article: Article) -> list[Signal]:
    """:func:`two_signals`, except that the KILL marker SIGKILLs the detection process running it
    (a segfault or the OOM killer, as far as the worker can tell). Only inside a detection child
    (``python -m service.stream.detect_pool``): in-process it would take the test runner down."""
    if KILL in article.body and sys.argv[0].endswith("detect_pool.py"):
        os.kill(os.getpid(), signal.SIGKILL)
    return two_signals(article)


def sleepy(article: Article) -> list[Signal]:
    """:func:`two_signals` after a pause on the SLEEP marker (timeouts of detection processes)."""
    if "SLEEP-IN-DETECT" in article.body:
        time.sleep(5)
    return two_signals(article)


HANG = "HANG-IN-DETECT"


def poison(article: Article) -> list[Signal]:
    """:func:`two_signals_or_die`, and the HANG marker makes detection stall (an hour: far past
    any detection time limit) inside a detection process."""
    if HANG in article.body and sys.argv[0].endswith("detect_pool.py"):
        time.sleep(3600)
    return two_signals_or_die(article)


def stall_anywhere(article: Article) -> list[Signal]:
    """:func:`two_signals`, but the HANG marker stalls detection for two minutes in any process
    (the worker's own with ``ESCALERT_DETECT_PROCESSES=0``): only for workers run as subprocesses."""
    if HANG in article.body:
        time.sleep(120)
    return two_signals(article)
