"""The analyst's desk: a store of history fed from Kafka, an HTTP API over it and a web UI.

``store`` (SQLAlchemy Core tables, Alembic migrations in ``migrations/``), ``consumer`` (its own
consumer group on the signals, events, alerts and delivery-ledger topics), ``api`` (FastAPI,
server-sent events), ``static/`` (the page: plain HTML, CSS and JavaScript, no CDN) and
``commands`` (``escalert desk``).
"""
