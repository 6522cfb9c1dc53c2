"""Chat sessions: the seed's `chat_sessions` table, exactly.

A row per session: `id` (a uuid4 string), `user_id`, `conversation` (a JSON list of
messages) and `created_on`. A message has the seed's shape
`{"role": "user" | "assistant", "content": "..."}` and may carry these optional keys
(readers never require them; other writers, such as the web site, may leave them out):

* `at` — when it was said, ISO 8601 UTC (`"2025-01-31T20:15:00Z"`);
* `movies` — the TMDB ids the reply is about (assistant messages);
* `actions` — status changes the turn made: `[{"tmdb_id": 603, "status": "seen"}]`
  (`"none"`: removed from the user's lists);
* `pending` — the built-in assistant's open question (a numbered choice, the next page),
  read back by the built-in on the next turn.

The "most recent session" is the one whose latest `at` is newest (`created_on` stands in
for sessions without any `at`). Every function takes the user: another user's sessions
are never listed, shown, continued or deleted — to them they do not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mydw.domain.errors import Ambiguous, InvalidInput, NotFound
from mydw.domain.types import iso_utc, utcnow

if TYPE_CHECKING:
    from mydw.services.context import AppContext

TITLE_LENGTH = 60
OPTIONAL_KEYS = ("at", "movies", "actions", "pending")


@dataclass(frozen=True)
class SessionSummary:
    id: str
    title: str
    created_on: datetime | None
    updated_on: datetime | None  # the latest `at` (created_on when no message has one)
    messages: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created_on": iso_utc(self.created_on),
            "updated_on": iso_utc(self.updated_on),
            "messages": self.messages,
        }


@dataclass(frozen=True)
class SessionDetail:
    id: str
    created_on: datetime | None
    conversation: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_on": iso_utc(self.created_on),
            "conversation": self.conversation,
        }


# --------------------------------------------------------------------------- messages


def now_iso() -> str:
    return iso_utc(utcnow()) or ""


def parse_at(value: Any) -> datetime | None:
    """A message's `at` as a naive UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def messages_of(conversation: Any) -> list[dict[str, Any]]:
    """The stored conversation as a list of messages (dicts), whatever was stored."""
    if not isinstance(conversation, list):
        return []
    return [m for m in conversation if isinstance(m, dict)]


def title_of(conversation: Sequence[dict[str, Any]]) -> str:
    """The first request, on one line, cut to `TITLE_LENGTH` characters."""
    for message in conversation:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str) and content.strip():
            flat = " ".join(content.split())
            if len(flat) > TITLE_LENGTH:
                flat = flat[: TITLE_LENGTH - 1].rstrip() + "…"
            return flat
    return ""


def latest_at(conversation: Sequence[dict[str, Any]]) -> datetime | None:
    times = [t for t in (parse_at(m.get("at")) for m in conversation) if t is not None]
    return max(times, default=None)


def _summary(row_id: str, created_on: datetime | None, conversation: Any) -> SessionSummary:
    messages = messages_of(conversation)
    return SessionSummary(id=row_id, title=title_of(messages), created_on=created_on,
                          updated_on=latest_at(messages) or created_on,
                          messages=len(messages))


# --------------------------------------------------------------------------- reading


def list_sessions(ctx: AppContext, user_id: int) -> list[SessionSummary]:
    """The user's sessions, most recently updated first."""
    from sqlalchemy import select

    from mydw.db.models import ChatSession

    with ctx.db.read() as session:
        rows = session.execute(
            select(ChatSession.id, ChatSession.created_on, ChatSession.conversation)
            .where(ChatSession.user_id == user_id)).all()
    found = [_summary(r.id, r.created_on, r.conversation) for r in rows]
    found.sort(key=lambda s: (s.updated_on or datetime.min, s.created_on or datetime.min,
                              s.id), reverse=True)
    return found


def most_recent(ctx: AppContext, user_id: int) -> str | None:
    """The id of the user's session with the latest `at`, or None when there is none."""
    found = list_sessions(ctx, user_id)
    return found[0].id if found else None


def resolve_id(ctx: AppContext, user_id: int, ref: str) -> str:
    """A full session id from the id or any unique prefix of it (the user's sessions only).

    Unknown → NotFound (exit 4); a prefix of several → Ambiguous (exit 4) naming them.
    """
    from sqlalchemy import select

    from mydw.db.models import ChatSession

    text = (ref or "").strip().lower()
    if not text:
        raise InvalidInput("no session given: use an id from `mydw chat list`",
                           parameter="session")
    with ctx.db.read() as session:
        ids: list[str] = list(session.scalars(
            select(ChatSession.id).where(ChatSession.user_id == user_id,
                                         ChatSession.id.startswith(text, autoescape=True))))
    if text in ids:
        return str(text)
    if not ids:
        raise NotFound(f"no chat session {ref!r}", hint="see your sessions with `mydw chat list`")
    if len(ids) > 1:
        listed = ", ".join(sorted(ids))
        raise Ambiguous(f"{ref!r} matches {len(ids)} chat sessions: {listed}",
                        hint="give more characters of the id")
    return ids[0]


def show(ctx: AppContext, user_id: int, ref: str) -> SessionDetail:
    from mydw.db.models import ChatSession

    session_id = resolve_id(ctx, user_id, ref)
    with ctx.db.read() as session:
        row = session.get(ChatSession, session_id)
        if row is None or row.user_id != user_id:  # deleted meanwhile
            raise NotFound(f"no chat session {ref!r}")
        return SessionDetail(row.id, row.created_on, messages_of(row.conversation))


def conversation(ctx: AppContext, user_id: int, session_id: str) -> list[dict[str, Any]]:
    """The stored messages of one of the user's sessions (a full id)."""
    return show(ctx, user_id, session_id).conversation


# --------------------------------------------------------------------------- writing


def delete(ctx: AppContext, user_id: int, ref: str) -> str:
    """Delete one of the user's sessions (id or unique prefix); returns its full id."""
    from sqlalchemy import delete as sql_delete

    from mydw.db.models import ChatSession

    session_id = resolve_id(ctx, user_id, ref)
    with ctx.db.write() as session:
        gone = session.execute(sql_delete(ChatSession).where(
            ChatSession.id == session_id, ChatSession.user_id == user_id))
        if not getattr(gone, "rowcount", 1):
            raise NotFound(f"no chat session {ref!r}")
    return session_id


def append(ctx: AppContext, user_id: int, session_id: str | None,
           messages: Sequence[dict[str, Any]]) -> str:
    """Add `messages` to a session in ONE transaction, creating it when `session_id` is
    None. Returns the session id. The row is read and written under the write lock, so
    two turns on one session at once both keep their messages."""
    from sqlalchemy import select

    from mydw.db.models import ChatSession

    with ctx.db.write() as session:
        if session_id is None:
            session_id = str(uuid.uuid4())
            session.add(ChatSession(id=session_id, user_id=user_id,
                                    conversation=list(messages), created_on=utcnow()))
            return session_id
        query = select(ChatSession).where(ChatSession.id == session_id,
                                          ChatSession.user_id == user_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFound(f"no chat session {session_id!r}",
                           hint="it was deleted meanwhile; start a new one")
        row.conversation = [*messages_of(row.conversation), *messages]
    return session_id
