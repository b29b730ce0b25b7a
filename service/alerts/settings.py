"""Alert settings (``ESCALERT_ALERTS_*``), shared by routing and delivery.

A pydantic-settings model, nested in the worker's settings as ``Settings.alerts``
(service/config.py), that reads its own ``ESCALERT_ALERTS_*`` variables. The alert topics' names
are the main settings' (``ESCALERT_TOPICS__ALERTS``, ``ESCALERT_TOPICS__ALERTS_DLQ``).

Example::

    ESCALERT_ALERTS_SUBSCRIPTIONS=examples/subscriptions.yaml
    ESCALERT_ALERTS_FLUSH_INTERVAL=5
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliverySettings(BaseModel):
    """Retries, rate limits and concurrency of delivery (docs/delivery.md).

    Set from the environment as JSON: ``ESCALERT_ALERTS_DELIVERY='{"max_attempts": 3}'``.
    """

    max_attempts: int = Field(default=6, ge=1, description="Attempts per target before the DLQ.")
    backoff_initial: float = Field(default=1.0, ge=0, description="Seconds before the 2nd attempt.")
    backoff_multiplier: float = Field(default=2.0, ge=1, description="Growth of the delay per attempt.")
    backoff_max: float = Field(default=120.0, ge=0, description="Cap of one backoff delay.")
    jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each delay is multiplied by 1 +/- this, at random."
    )
    max_retry_after: float = Field(
        default=600.0, ge=0, description="Cap on a provider's Retry-After, seconds."
    )
    rate_per_second: float = Field(
        default=0.0, ge=0, description="Per-target send rate (token bucket); 0 = no limit."
    )
    rate_burst: int = Field(default=5, ge=1, description="Token bucket size per target.")
    concurrency_per_target: int = Field(default=4, ge=1, description="Simultaneous sends per target.")
    send_timeout: float = Field(default=30.0, gt=0, description="Seconds for one send (then a transient failure).")


class AlertSettings(BaseSettings):
    """Alert routing and delivery in the worker; alerts are off until ``subscriptions`` is set."""

    model_config = SettingsConfigDict(env_prefix="ESCALERT_ALERTS_", extra="ignore")

    enabled: bool = Field(default=True, description="Run the alert agents in the worker.")
    subscriptions: Path | None = Field(
        default=None, description="The subscriptions YAML; alerts are off when unset."
    )
    file_root: Path | None = Field(
        default=None,
        description="Directory escalertfile:// targets must write inside; default: the "
        "working directory. A target outside it ('..', another absolute path) is refused at load.",
    )
    silences_path: Path | None = Field(
        default=None,
        description="JSON store of `escalert silence` mutes; default: "
        "<subscriptions stem>.silences.json beside the subscriptions file.",
    )
    reload_interval: float = Field(
        default=5.0, gt=0, description="Seconds between checks of the subscriptions/silences files."
    )
    flush_interval: float = Field(
        default=1.0, gt=0, description="Seconds between closing due group windows and digests."
    )
    @field_validator("subscriptions", "silences_path", "file_root", mode="before")
    @classmethod
    def _not_blank(cls, value: Any) -> Any:
        # An empty variable is a mistake (a shell default gone wrong), not "unset": Path("")
        # would quietly be the working directory.
        if isinstance(value, str) and not value.strip():
            raise ValueError("is set but empty: give a path, or unset the variable")
        return value

    # -- delivery -----------------------------------------------------------------------------------
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    ledger_table: str = Field(default="alert-delivery-ledger", description="Faust table name.")
    ledger_retention: float = Field(
        default=14 * 86400.0, gt=0,
        description="Seconds a finished ledger entry is kept; longer than the alerts topic's retention.",
    )
    resume_interval: float = Field(
        default=5.0, gt=0, description="Seconds between scans of the ledger for pending deliveries."
    )
    max_pending_deliveries: int = Field(
        default=1000, ge=1,
        description="(alert, target) deliveries in progress before the delivery agent waits.",
    )
