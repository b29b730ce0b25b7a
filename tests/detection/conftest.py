"""Shared helpers for detector tests: build articles, find signals."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from schemas.article import Article
from schemas.common import ALERT_WORTHY_MODALITIES, EventType
from schemas.signal import Signal
from service.detection import detect
from service.inputs import read_articles

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_7c94694e4128f0a7.txt"


def alert_precision_module() -> ModuleType:
    """scripts/alert_precision.py as a module (scripts/ is no package)."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "alert_precision.py"
    spec = importlib.util.spec_from_file_location("alert_precision", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["alert_precision"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def article(body: str, published: str = "2024-04-14", title: str = "") -> Article:
    return Article(id="t", title=title, body=body, published_at=datetime.fromisoformat(published).replace(tzinfo=UTC))


def signals_of(body: str, published: str = "2024-04-14") -> list[Signal]:
    return detect(article(body, published))


# The publication day of the wire-style sentences written for the detection tests.
WIRE_PUBLISHED = "2016-10-20"


def typed(body: str, etype: EventType, published: str = WIRE_PUBLISHED) -> list[Signal]:
    """The signals of one type in ``body``."""
    return [s for s in signals_of(body, published) if s.type == etype]


def alerting(found: list[Signal]) -> list[Signal]:
    """The signals that would alert (asserted or scheduled)."""
    return [s for s in found if s.modality in ALERT_WORTHY_MODALITIES]


def seen(found: list[Signal]) -> list[tuple]:
    """What a failing assertion shows of each signal: trigger, modality, cues, component."""
    return [(s.evidence.trigger, s.modality.value, s.evidence.cues, s.detector) for s in found]


def codes(sig: Signal) -> set[str]:
    return {a.code for a in sig.actors.source} | {a.code for a in sig.actors.target}


def actor_codes(actors: list) -> set[str]:
    """The codes of one side of a signal's actors."""
    return {a.code for a in actors}


def one_of_type(text: str, typ: EventType) -> Signal:
    """The one signal of ``typ`` in ``text`` (the assertion lists every signal when there is not
    exactly one)."""
    found = [s for s in signals_of(text) if s.type == typ]
    assert len(found) == 1, [(s.type.value, s.evidence.trigger) for s in signals_of(text)]
    return found[0]


@pytest.fixture(scope="session")
def seed_signals() -> list[Signal]:
    (parsed,) = list(read_articles([str(SEED)]))
    return detect(parsed.article)
