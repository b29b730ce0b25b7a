"""The payload of the ``alerts`` topic: one routed, noise-controlled alert for one subscription.

Routing and noise control (``service.alerts.router`` / ``noise``) produce these; delivery
(``service.alerts.delivery``) sends those with ``status == "deliver"`` to every target in
``target_ids`` and records each (alert_id, target_id) in its ledger. ``silenced`` and ``held``
alerts are published too, so that the topic is a complete record of every decision: nothing is
dropped silently, and an operator can see why a message did not arrive.

Topic key: the ``subscription`` name. All alerts of one subscription land in one partition, in
order, so a consumer (delivery, an archive) sees a subscription's alerts in the order they were
decided; a subscription is the unit of rate limiting anyway.

``alert_id`` is deterministic: the same subscription, group and triggering signal (or digest
period) always give the same id, so a replay after a crash produces the same ids and the delivery
ledger can recognise what it already sent.

``target_ids`` are stable, secret-free ids (``<scheme>-<12 hex>``, a hash of the URL); delivery
looks the URLs up with ``SubscriptionSet.targets(subscription)``. Raw URLs never enter a message.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.signal import Signal

ALERT_SCHEMA_VERSION = 1

AlertKind = Literal["alert", "digest"]
AlertStatus = Literal["deliver", "silenced", "held"]
AlertReason = Literal[
    "new", "severity_rise", "digest", "quiet_hours_end",
    "event_new", "event_update", "correction", "reminder", "no_report", "trajectory", "event_group",
]


class AlertMessage(BaseModel):
    """The alert as people read it, sent beside the structured fields to webhook targets."""

    title: str = Field(description="The subject line, e.g. '[S4] Russia mobilizes troops'.")
    markdown: str = Field(description="The chat message (CommonMark).")
    text: str = Field(description="The same message as plain text.")
    names: dict[str, str] = Field(
        default_factory=dict,
        description="Readable names of the actor and country codes in the signals "
        "(RUS: Russian Federation, REB: rebels, XKX: Kosovo).",
    )


class EventNotice(BaseModel):
    """One event alert inside a grouped message: what it says about which event."""

    alert_id: str = Field(description="The id the event alert has on its own.")
    event_id: str
    reason: AlertReason = Field(description="event_new, event_update, correction, reminder or no_report.")
    title: str
    severity: int = Field(ge=1, le=5)
    source_count: int = Field(default=0, description="Independent sources of the event.")
    note: str | None = Field(default=None, description="What changed, what no longer holds, or why.")


class ChartDay(BaseModel):
    """One day of a trajectory chart: the conflict and cooperation indexes."""

    day: date
    conflict: float = Field(ge=0)
    cooperation: float = Field(ge=0)


class Alert(BaseModel):
    """One message-to-be (or the record of why it is not sent) for one subscription."""

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    alert_id: str = Field(description="Deterministic; the delivery ledger's key with target_id.")
    subscription: str
    kind: AlertKind = Field(description="'alert': one group; 'digest': a period's groups.")
    reason: AlertReason = Field(
        default="new",
        description="Why it was emitted: a new group, a severity rise within the repeat "
        "interval, a scheduled digest, the end of quiet hours; for events: the first report, a "
        "material update, a correction, a calendar reminder, no report after the date, or "
        "several event alerts in one message (event_group).",
    )
    group_key: str = Field(description="The group (alert) or 'digest:<period start>' (digest).")
    severity: int = Field(ge=1, le=5, description="The highest severity among the signals.")
    title: str
    signals: list[Signal] = Field(
        description="First = representative; the others are the same group (other outlets) "
        "or, in a digest, the period's signals (at most max_signals_per_alert per group)."
    )
    signal_count: int = Field(
        default=0,
        description="How many signals the alert stands for (>= len(signals) when capped).",
    )
    source_count: int = Field(default=0, description="Distinct outlets (or articles) among them.")
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="Digests: signals per 'TYPE in REGION' (complete even when signals is capped).",
    )
    matched: list[str] = Field(description="Why: the subscription and the filters that matched.")
    status: AlertStatus
    silenced_by: str | None = Field(default=None, description="The silence id, when silenced.")
    created_at: datetime
    period_start: datetime | None = Field(default=None, description="Digest period start.")
    period_end: datetime | None = Field(default=None, description="Digest period end.")
    target_ids: list[str] = Field(description="Secret-free ids of the subscription's targets.")
    event_id: str | None = Field(
        default=None, description="Event alerts: the event (schemas/event.py) it is about."
    )
    note: str | None = Field(
        default=None,
        description="Event alerts: what changed (an update), what no longer holds (a correction), "
        "or why it is sent (a reminder, no report).",
    )
    events: list[EventNotice] = Field(
        default_factory=list,
        description="Grouped event alerts (reason event_group, or a digest or quiet-hours message "
        "of event alerts): one notice per event, signals[i] being the evidence of events[i].",
    )
    chart: list[ChartDay] = Field(
        default_factory=list,
        description="Trajectory alerts: the last 30 days of the series (HTML email draws it as "
        "a table of bars, which every email client shows).",
    )
    chart_svg: str | None = Field(
        default=None,
        description="Trajectory alerts: the last 30 days of the series as a small SVG bar chart.",
    )
    message: AlertMessage | None = Field(
        default=None,
        description="Set only in what delivery sends to webhook (json://) targets: the "
        "rendered message. Absent on the alerts topic.",
    )
