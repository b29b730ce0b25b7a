"""Alembic environment of the desk store: runs on the connection the store hands it.

``service.desk.store.migrate`` calls Alembic with ``config.attributes["connection"]`` set, so
SQLite and PostgreSQL go through the same scripts in ``versions/``.
"""

from __future__ import annotations

from alembic import context

from service.desk.search import is_search_object
from service.desk.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    version_table="desk_alembic_version",
    # The full-text indexes are each database's own (service/desk/search.py), not in tables.py.
    include_name=lambda name, type_, parent: not (name and is_search_object(name)),
)
with context.begin_transaction():
    context.run_migrations()
