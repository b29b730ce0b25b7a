"""The signal's type on ``signal_codes``, with an index (code, type, time).

"Actor and type, newest first" was a walk of the type's rows in time order with a look-up of
each one's actors; with the type beside the code it is one index range. The column is filled
from ``signals`` for the rows already stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signal_codes", sa.Column("type", sa.String(16)))
    op.execute("UPDATE signal_codes SET type = (SELECT s.type FROM signals s "
               "WHERE s.signal_id = signal_codes.signal_id)")
    op.create_index("ix_signal_codes_code_type_time", "signal_codes", ["code", "type", "published_at"])


def downgrade() -> None:
    op.drop_index("ix_signal_codes_code_type_time", "signal_codes")
    with op.batch_alter_table("signal_codes") as batch:
        batch.drop_column("type")
