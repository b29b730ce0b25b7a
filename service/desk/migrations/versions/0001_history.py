"""The history store: signals, events, alerts, deliveries, with their code and link tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("signal_id", sa.String(64), primary_key=True),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("intensity", sa.Float, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("event_date", sa.Date),
        sa.Column("country", sa.String(8)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_signals_received", "signals", ["received_at"])
    op.create_index("ix_signals_time", "signals", ["published_at", "signal_id"])
    op.create_index("ix_signals_type_time", "signals", ["type", "published_at"])
    op.create_index("ix_signals_country_time", "signals", ["country", "published_at"])
    op.create_index("ix_signals_article", "signals", ["article_id"])

    op.create_table(
        "signal_codes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("signal_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_signal_codes_code_time", "signal_codes", ["code", "published_at"])
    op.create_index("ix_signal_codes_signal", "signal_codes", ["signal_id"])

    op.create_table(
        "events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16)),
        sa.Column("schedule", sa.String(16)),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("event_date", sa.Date),
        sa.Column("country", sa.String(8)),
        sa.Column("scheduled", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_events_received", "events", ["received_at"])
    op.create_index("ix_events_time", "events", ["last_seen", "event_id"])
    op.create_index("ix_events_date", "events", ["scheduled", "event_date"])

    op.create_table(
        "event_codes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
    )
    op.create_index("ix_event_codes_code_time", "event_codes", ["code", "last_seen"])
    op.create_index("ix_event_codes_event", "event_codes", ["event_id"])

    op.create_table(
        "event_signals",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("signal_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_event_signals_signal", "event_signals", ["signal_id"])

    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("subscription", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("silenced_by", sa.String(200)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_alerts_received", "alerts", ["received_at"])
    op.create_index("ix_alerts_time", "alerts", ["created_at", "alert_id"])
    op.create_index("ix_alerts_sub_time", "alerts", ["subscription", "created_at"])

    op.create_table(
        "alert_signals",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("signal_id", sa.String(64), primary_key=True),
        sa.Column("subscription", sa.String(200), nullable=False),
    )
    op.create_index("ix_alert_signals_signal", "alert_signals", ["signal_id", "subscription"])

    op.create_table(
        "deliveries",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("target_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("last_attempt_at", sa.DateTime),
        sa.Column("error", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_deliveries_time", "deliveries", ["updated_at"])
    op.create_index("ix_deliveries_received", "deliveries", ["received_at"])


def downgrade() -> None:
    for name in ("deliveries", "alert_signals", "alerts", "event_signals", "event_codes",
                 "events", "signal_codes", "signals"):
        op.drop_table(name)
