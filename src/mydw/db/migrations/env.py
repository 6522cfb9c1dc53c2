"""Alembic environment, run programmatically by mydw.db.migrate (never by the alembic CLI).

The caller passes an open connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from mydw.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
