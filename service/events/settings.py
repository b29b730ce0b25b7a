"""Settings of the event stage (``ESCALERT_EVENTS_*``), carried by ``Settings.events``."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESCALERT_EVENTS_", extra="ignore")

    enabled: bool = Field(default=True, description="Consolidate signals into events in the worker.")
    topic: str = Field(default="events", description="Where event versions are published.")
    window_hours: float = Field(
        default=72.0, gt=0,
        description="Hours after an event's last article during which a signal may still join it.",
    )
    table: str = Field(default="events", description="Faust table of the consolidation state.")
    calendar_table: str = Field(default="calendar", description="Faust table of calendar entries.")
    alerts_table: str = Field(default="event-alerts", description="Faust table of event alert state.")
    trajectory_table: str = Field(default="trajectories", description="Faust table of the daily indexes.")
    trajectory_min_sources: int = Field(
        default=2, ge=1, description="Independent outlets an event needs to count in a trajectory.")
    trajectory_baseline_days: int = Field(default=30, ge=3, le=100)
    trajectory_spike_sigma: float = Field(default=3.0, gt=0)
    trajectory_spike_min: float = Field(
        default=10.0, gt=0, description="Least daily conflict index that can be a spike.")
    trajectory_ladder_days: int = Field(default=14, ge=1, le=100)
    calendar_interval: float = Field(
        default=60.0, gt=0, description="Seconds between checks for reminders and passed dates.",
    )

    @field_validator("topic", "table", "calendar_table", "alerts_table", "trajectory_table")
    @classmethod
    def _legal_name(cls, value: str) -> str:
        if not value or len(value) > 200 or any(
            not (c.isascii() and (c.isalnum() or c in "._-")) for c in value
        ):
            raise ValueError(f"{value!r} is not a legal Kafka topic/table name ([a-zA-Z0-9._-])")
        return value
