"""The store's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create exactly
these, plus the full-text index of the ``text`` columns, which is each database's own
(``search.py``); ``tests/desk/test_desk_store.py`` compares the two on both databases.

Times are UTC without a zone (``DateTime``), the same on SQLite and PostgreSQL. ``received_at``
is the Kafka record's timestamp (the same on every replay); retention counts from it, so a
corpus of old articles is kept as long as recent ones. Every row keeps
the message it came from (``doc``, JSON), so the API can answer with the contract's own fields;
the other columns are what filters and orderings need, each with an index.

Child tables (``*_codes``) hold one row per actor or country code of a signal or event, with the
time copied in, so "RUS, newest first" is one index range, not a scan; ``signal_codes`` also
copies the signal's type, so "RUS, MOBILIZE, newest first" is one too.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

signals = sa.Table(
    "signals", metadata,
    sa.Column("signal_id", sa.String(64), primary_key=True),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("severity", sa.Integer, nullable=False),
    sa.Column("intensity", sa.Float, nullable=False),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("event_date", sa.Date),
    sa.Column("country", sa.String(8)),
    sa.Column("text", sa.Text, nullable=False, doc="Lowercased title, sentence and place; indexed for q= (search.py)."),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Index("ix_signals_received", "received_at"),
    sa.Index("ix_signals_time", "published_at", "signal_id"),
    sa.Index("ix_signals_type_time", "type", "published_at"),
    sa.Index("ix_signals_country_time", "country", "published_at"),
    sa.Index("ix_signals_article", "article_id"),
)

signal_codes = sa.Table(
    "signal_codes", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("signal_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(8), nullable=False, doc="source, target or place"),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("type", sa.String(16), doc="The signal's type (copied, like the time; null only in "
              "rows stored before migration 0003 filled it)"),
    sa.Index("ix_signal_codes_code_time", "code", "published_at"),
    sa.Index("ix_signal_codes_code_type_time", "code", "type", "published_at"),
    sa.Index("ix_signal_codes_signal", "signal_id"),
)

events = sa.Table(
    "events", metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), doc="active or retracted"),
    sa.Column("schedule", sa.String(16), doc="Calendar state of a scheduled event, else null"),
    sa.Column("severity", sa.Integer, nullable=False),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("event_date", sa.Date),
    sa.Column("country", sa.String(8)),
    sa.Column("scheduled", sa.Boolean, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Index("ix_events_received", "received_at"),
    sa.Index("ix_events_time", "last_seen", "event_id"),
    sa.Index("ix_events_date", "scheduled", "event_date"),
)

event_codes = sa.Table(
    "event_codes", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Index("ix_event_codes_code_time", "code", "last_seen"),
    sa.Index("ix_event_codes_event", "event_id"),
)

event_signals = sa.Table(
    "event_signals", metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("signal_id", sa.String(64), primary_key=True),
    sa.Index("ix_event_signals_signal", "signal_id"),
)

alerts = sa.Table(
    "alerts", metadata,
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
    sa.Index("ix_alerts_received", "received_at"),
    sa.Index("ix_alerts_time", "created_at", "alert_id"),
    sa.Index("ix_alerts_sub_time", "subscription", "created_at"),
)

alert_signals = sa.Table(
    "alert_signals", metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("signal_id", sa.String(64), primary_key=True),
    sa.Column("subscription", sa.String(200), nullable=False),
    sa.Index("ix_alert_signals_signal", "signal_id", "subscription"),
)

deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("target_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("last_attempt_at", sa.DateTime),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Index("ix_deliveries_time", "updated_at"),
    sa.Index("ix_deliveries_received", "received_at"),
)

ALL = (signals, signal_codes, events, event_codes, event_signals, alerts, alert_signals, deliveries)
