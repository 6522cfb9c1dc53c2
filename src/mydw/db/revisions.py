"""Revisions this version of mydw knows, oldest first. Append when adding a migration.

Kept as plain data so that the start-up check needs no Alembic import; a test checks
that it matches the scripts in `migrations/versions/`.
"""

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD = REVISIONS[-1]
