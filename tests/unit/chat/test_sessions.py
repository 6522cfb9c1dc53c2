"""Chat sessions: the seed's table exactly, listed and resolved per user only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from tests.conftest import Cli

from mydw.db.models import ChatSession
from mydw.domain.errors import Ambiguous, NotFound
from mydw.services.chat import sessions
from mydw.services.context import AppContext


@pytest.fixture
def users(cli: Cli) -> Iterator[tuple[AppContext, int, int]]:
    from mydw.services import accounts

    cli.signup("grace@example.com")
    ctx = AppContext()
    other = accounts.current_user(ctx).id
    cli.signup("ada@example.com")
    ctx.close()
    ctx = AppContext()
    yield ctx, accounts.current_user(ctx).id, other
    ctx.close()


def _store(ctx: AppContext, user_id: int, session_id: str, conversation: object,
           created_on: datetime | None = None) -> None:
    with ctx.db.write() as session:
        session.add(ChatSession(id=session_id, user_id=user_id, conversation=conversation,
                                created_on=created_on or datetime(2020, 1, 1)))


def test_append_creates_a_uuid4_row_then_appends(users: tuple[AppContext, int, int]) -> None:
    ctx, me, _ = users
    first = [{"role": "user", "content": "hi", "at": "2025-01-01T10:00:00Z"},
             {"role": "assistant", "content": "hello", "at": "2025-01-01T10:00:01Z",
              "movies": [603]}]
    sid = sessions.append(ctx, me, None, first)
    assert uuid.UUID(sid).version == 4
    sessions.append(ctx, me, sid, [{"role": "user", "content": "more"}])
    with ctx.db.read() as session:
        row = session.get(ChatSession, sid)
        assert row is not None and row.user_id == me and row.created_on is not None
        assert row.conversation == [*first, {"role": "user", "content": "more"}]


def test_list_is_newest_first_by_latest_at_and_readers_need_no_optional_key(
    users: tuple[AppContext, int, int],
) -> None:
    ctx, me, other = users
    old = sessions.append(ctx, me, None, [
        {"role": "user", "content": "an old question " + "x" * 80,
         "at": "2024-05-01T08:00:00Z"}])
    new = sessions.append(ctx, me, None, [
        {"role": "user", "content": "  newer\nquestion ", "at": "2025-02-01T08:00:00Z"},
        {"role": "assistant", "content": "ok", "at": "2025-02-01T08:00:02Z"}])
    sessions.append(ctx, me, old, [{"role": "user", "content": "back", "at":
                                    "2025-03-01T09:30:00+01:00"}])
    _store(ctx, me, str(uuid.uuid4()), [{"role": "user", "content": "from the web site"}])
    _store(ctx, me, str(uuid.uuid4()), None, datetime(2019, 1, 1))
    sessions.append(ctx, other, None, [{"role": "user", "content": "not yours",
                                        "at": "2030-01-01T00:00:00Z"}])
    listed = sessions.list_sessions(ctx, me)
    assert [s.id for s in listed][:2] == [old, new]
    assert len(listed) == 4
    assert listed[0].title.startswith("an old question") and len(listed[0].title) == 60
    assert listed[0].messages == 2
    assert listed[0].to_json()["updated_on"] == "2025-03-01T08:30:00Z"
    assert listed[1].title == "newer question"
    assert "not yours" not in [s.title for s in listed]
    assert sessions.most_recent(ctx, me) == old
    assert [s.title for s in listed[2:]] == ["from the web site", ""]  # by created_on
    assert listed[2].updated_on == datetime(2020, 1, 1)


def test_an_id_resolves_from_any_unique_prefix(users: tuple[AppContext, int, int]) -> None:
    ctx, me, other = users
    for sid in ("abc11111-0000-4000-8000-000000000000", "abc22222-0000-4000-8000-000000000000"):
        _store(ctx, me, sid, [])
    _store(ctx, other, "fff00000-0000-4000-8000-000000000000", [])
    assert sessions.resolve_id(ctx, me, "ABC1") == "abc11111-0000-4000-8000-000000000000"
    with pytest.raises(Ambiguous) as ambiguous:
        sessions.resolve_id(ctx, me, "abc")
    assert "abc11111" in ambiguous.value.message and "abc22222" in ambiguous.value.message
    assert ambiguous.value.exit_code == 4
    with pytest.raises(NotFound):
        sessions.resolve_id(ctx, me, "fff")  # another user's session does not exist for me
    with pytest.raises(NotFound):
        sessions.resolve_id(ctx, me, "a%")


def test_show_and_delete_only_the_users_own(users: tuple[AppContext, int, int]) -> None:
    ctx, me, other = users
    mine = sessions.append(ctx, me, None, [{"role": "user", "content": "hi"}])
    theirs = sessions.append(ctx, other, None, [{"role": "user", "content": "secret"}])
    assert sessions.show(ctx, me, mine[:6]).conversation == [{"role": "user", "content": "hi"}]
    with pytest.raises(NotFound):
        sessions.show(ctx, me, theirs)
    with pytest.raises(NotFound):
        sessions.delete(ctx, me, theirs)
    with pytest.raises(NotFound):
        sessions.append(ctx, me, theirs, [{"role": "user", "content": "sneaky"}])
    assert sessions.delete(ctx, me, mine[:8]) == mine
    assert sessions.list_sessions(ctx, me) == []
    assert sessions.show(ctx, other, theirs).conversation == [
        {"role": "user", "content": "secret"}]
