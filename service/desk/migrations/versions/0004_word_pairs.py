"""PostgreSQL: each text's adjacent word pairs, with a GIN index, to find a phrase's rows.

The ``tsvector`` GIN index knows which rows hold a phrase's words, not where: a phrase of two
common words that are never next to each other cost a check of every row holding both. The
pairs (``service/desk/search.py``) narrow a phrase to the rows holding each of its pairs before
that check. SQLite's FTS5 index keeps positions and needs nothing: no change there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from service.desk import search

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in search.postgresql_pairs_upgrade():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in search.postgresql_pairs_downgrade():
            op.execute(sql)
