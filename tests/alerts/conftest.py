"""Factories for alert tests (routing and delivery): signals, subscription sets, clocks.

``make_signal(**overrides)`` builds a valid :class:`Signal` by hand (the detector is not needed);
``make_subs(doc)`` validates a subscriptions document given as a dict; ``T0`` is a fixed UTC time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from schemas.signal import Actor, Actors, ArticleRef, Evidence, Location, Signal
from service.alerts.subscriptions import SubscriptionSet, build_set

T0 = datetime(2024, 4, 14, 12, 0, tzinfo=UTC)  # a Sunday, noon UTC

_SENTENCE = "Russia has massed troops near the border with Ukraine, officials said."


def make_signal(
    n: int = 1,
    *,
    type: str = "MOBILIZE",
    modality: str = "asserted",
    severity: int = 4,
    source: list[str] | tuple[str, ...] = ("RUS",),
    target: list[str] | tuple[str, ...] = ("UKR",),
    place: str | None = "Ukraine border",
    country: str | None = "UKR",
    event_date: date | None = date(2024, 4, 14),
    outlet: str = "Reuters",
    url: str | None = None,
    sentence: str = _SENTENCE,
    trigger: str = "massed troops",
    title: str = "Russia masses troops",
    published_at: datetime = T0,
    mode: str | None = "troops",
    signal_id: str | None = None,
) -> Signal:
    """A MOBILIZE RUS->UKR signal by default; ``n`` makes ids and article distinct."""
    ts = sentence.find(trigger)
    ts = max(ts, 0)
    return Signal(
        signal_id=signal_id or f"sig-{n}",
        article_id=f"art-{n}",
        type=type,
        mode=mode,
        modality=modality,
        actors=Actors(
            source=[Actor(code=c, text=c) for c in source],
            target=[Actor(code=c, text=c) for c in target],
        ),
        location=Location(name=place, country=country) if place else None,
        event_date=event_date,
        intensity=-7.0,
        severity=severity,
        confidence=0.9,
        evidence=Evidence(
            sentence=sentence, start=0, end=len(sentence), trigger=trigger,
            trigger_start=ts, trigger_end=ts + len(trigger),
        ),
        article=ArticleRef(
            id=f"art-{n}", title=title, source=outlet,
            url=url if url is not None else f"https://news.example/{outlet.lower()}/{n}",
            published_at=published_at,
        ),
        detector_version="test",
    )


def make_subs(doc: dict[str, Any], environ: dict[str, str] | None = None) -> SubscriptionSet:
    return build_set(doc, environ=environ or {})


def sub(name: str = "ops", **kw: Any) -> dict[str, Any]:
    """A subscription dict with a loopback json:// target."""
    return {"name": name, "urls": [f"json://127.0.0.1:9/{name}"], **kw}


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Fixtures exposing the factories (tests/ is not a package; import by fixture, not by module).
@pytest.fixture(name="make_signal")
def _make_signal_fixture():
    return make_signal


@pytest.fixture(name="make_subs")
def _make_subs_fixture():
    return make_subs


@pytest.fixture(name="sub")
def _sub_fixture():
    return sub


@pytest.fixture
def t0() -> datetime:
    return T0
