"""The payload of the ``events`` topic: one real-world event, consolidated from many signals.

A signal is one mention in one article; an event is what analysts think about: "the US-Russia
talks in Geneva on Jan. 10", reported by a dozen outlets over two weeks, then postponed, then
held. ``service.events.consolidate`` joins signals of the same type whose actors overlap and
whose place and date are compatible within a time window into one event, and publishes a new
*version* of it each time a signal changes it.

Topic key: ``event_id`` (UTF-8). Every version of an event lands in one partition, in order;
the last version is the event's current state (the topic can be compacted by a consumer).

``event_id`` is deterministic: it is derived from the blocking key and the signal that founded
the event, so replaying the same signals in the same order yields the same ids and versions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.common import EventType, Genre, Modality
from schemas.signal import Actors, Location, Signal

EVENT_SCHEMA_VERSION: Literal[1] = 1

EventStatus = Literal["active", "retracted"]
ScheduleStatus = Literal["announced", "held", "postponed", "moved", "cancelled", "no_report"]
EventChange = Literal[
    "new", "corroborated", "severity_rise", "date_changed", "place_changed", "modality_changed",
    "schedule_changed", "article_added", "retracted", "revised",
]


class EventArticle(BaseModel):
    """One article that reported the event."""

    id: str
    source: str = Field(description="The outlet key (outlet name, or the link's host).")
    title: str = ""
    url: str | None = None
    published_at: datetime
    independent: bool = Field(
        description="False when the article repeats another outlet's evidence sentence word for "
        "word (a syndicated copy) or is an opinion page: it is listed but not counted as "
        "corroboration."
    )
    genre: Genre = Field(default=Genre.NEWS, description="news or opinion (see the signal's article).")


class ScheduleChange(BaseModel):
    """A step in a scheduled event's life: announced, postponed (new date), moved, held..."""

    status: ScheduleStatus
    at: datetime = Field(description="When it was reported (the article's publication time).")
    event_date: date | None = None
    place: str | None = None
    article_id: str | None = None
    sentence: str | None = Field(default=None, description="The evidence sentence that said so.")


class Event(BaseModel):
    """One consolidated event (a version of it: ``version`` grows with every change)."""

    schema_version: Literal[1] = EVENT_SCHEMA_VERSION
    event_id: str = Field(description="Stable and deterministic (see the module docstring).")
    version: int = Field(ge=1, description="1 when the event is first seen, +1 per change.")
    key: str = Field(description="The consolidation key (the event type): its partition.")
    type: EventType
    mode: str | None = None
    modality: Modality = Field(description="The strongest modality among its signals "
                               "(asserted > scheduled > speculative > denied > historical).")
    actors: Actors = Field(description="Every actor of its signals, source and target.")
    location: Location | None = None
    event_date: date | None = None
    event_date_end: date | None = None
    first_seen: datetime = Field(description="Earliest publication time among its articles.")
    last_seen: datetime = Field(description="Latest publication time among its articles.")
    articles: list[EventArticle] = Field(description="The articles (at most 50 listed).")
    article_count: int = Field(ge=0)
    sources: list[str] = Field(description="The independent outlets (syndicated copies excluded).")
    corroboration: int = Field(ge=0, description="How many independent outlets reported it.")
    signal_count: int = Field(ge=0)
    severity: int = Field(ge=1, le=5, description="The highest severity among its signals.")
    intensity: float = Field(ge=-10, le=10, description="The most extreme intensity.")
    representative: Signal = Field(
        description="The best evidence: the signal with the highest confidence, then severity, "
        "then the earliest publication (its evidence sentence is the event's)."
    )
    status: EventStatus = "active"
    schedule: ScheduleStatus | None = Field(
        default=None, description="Scheduled events (the diplomatic calendar): their state."
    )
    schedule_history: list[ScheduleChange] = Field(default_factory=list)
    changes: list[EventChange] = Field(description="What this version changed.")
    updated_at: datetime = Field(description="Publication time of the article behind this version.")
