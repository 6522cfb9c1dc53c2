"""`mydw db`: schema status and explicit upgrades."""

from __future__ import annotations

from dataclasses import dataclass

from mydw.db import migrate
from mydw.db.engine import describe, translate
from mydw.db.revisions import HEAD
from mydw.services.context import AppContext


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str
    backup: str | None

    def to_json(self) -> dict[str, object]:
        return {"before": self.before, "after": self.after, "backup": self.backup}


@dataclass(frozen=True)
class Status:
    current: str | None
    head: str

    def to_json(self) -> dict[str, object]:
        return {"current": self.current, "head": self.head, "up_to_date": self.current == self.head}


def upgrade(ctx: AppContext) -> UpgradeResult:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        result = migrate.upgrade(ctx.db)
    except SQLAlchemyError as e:
        raise translate(e, ctx.db.url) from e
    return UpgradeResult(result.before, result.after, result.backup)


def status(ctx: AppContext) -> Status:
    """Reads the revision without migrating (so an old database can be inspected)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with ctx.db.engine.connect() as conn:
            current = migrate.current_revision(conn)
    except SQLAlchemyError as e:
        raise translate(e, ctx.db.url) from e
    return Status(current, HEAD)


def location(ctx: AppContext) -> dict[str, str | None]:
    path = ctx.db.sqlite_path
    return {
        "url": describe(ctx.db.url),
        "path": str(path) if path else None,
        "backend": ctx.db.url.get_backend_name(),
    }
