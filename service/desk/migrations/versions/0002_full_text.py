"""Full-text indexes of the text of signals, events and alerts (``q=``).

SQLite: an FTS5 external-content table per table, kept in step by triggers, filled from the
rows already stored. PostgreSQL: a generated ``tsvector`` column ``search`` with a GIN index.
The SQL is in ``service/desk/search.py``, beside the queries that use it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from service.desk import search

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(search.postgresql_upgrade())
    else:
        _run(search.sqlite_upgrade())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(search.postgresql_downgrade())
    else:
        _run(search.sqlite_downgrade())
