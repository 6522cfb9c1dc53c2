"""Accounts: validation, argon2id hashes, login sessions whose token only the keyring holds."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sqlalchemy as sa

from mydw.db.models import LoginSession, User
from mydw.domain.errors import Conflict, InvalidInput, LoginRefused, NotLoggedIn
from mydw.services import accounts


def _signup(ctx: Any, email: str = "ada@example.com", password: str = "correct horse") -> Any:
    return accounts.signup(
        ctx, first_name="Ada", last_name="Lovelace", email=email, password=password
    )


def test_signup_stores_an_argon2id_hash_and_logs_in(ctx: Any, memory_keyring: Any) -> None:
    user = _signup(ctx, email="  Ada@Example.COM ")
    assert user.email == "ada@example.com"
    with ctx.db.read() as session:
        stored = session.scalar(sa.select(User))
        assert stored.password_hash.startswith("$argon2id$")
        assert "correct horse" not in stored.password_hash
        token_hashes = session.scalars(sa.select(LoginSession.token_hash)).all()
    token = memory_keyring.store[("mydw", ctx.session_secret_name)]
    assert token_hashes == [hashlib.sha256(token.encode()).hexdigest()]
    assert accounts.current_user(ctx).id == user.id


@pytest.mark.parametrize("email", ["ADA@example.com", "ada@EXAMPLE.COM"])
def test_duplicate_email_in_any_case_is_refused(ctx: Any, email: str) -> None:
    _signup(ctx)
    with pytest.raises(Conflict, match="already exists"):
        _signup(ctx, email=email)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "not a valid email"),
        ("email", "a@b", "not a valid email"),
        ("email", "a b@c.com", "not a valid email"),
        ("password", "short", "at least 8"),
        ("first_name", "   ", "first name must not be empty"),
        ("last_name", "", "last name must not be empty"),
    ],
)
def test_bad_signup_input(ctx: Any, field: str, value: str, message: str) -> None:
    args = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "password": "correct horse",
        field: value,
    }
    with pytest.raises(InvalidInput, match=message):
        accounts.signup(ctx, **args)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_unknown_email_and_wrong_password_get_the_same_message(ctx: Any) -> None:
    _signup(ctx)
    accounts.logout(ctx)
    with pytest.raises(LoginRefused) as wrong_password:
        accounts.login(ctx, email="ada@example.com", password="wrong password")
    with pytest.raises(LoginRefused) as unknown:
        accounts.login(ctx, email="nobody@example.com", password="correct horse")
    assert str(wrong_password.value) == str(unknown.value)
    with pytest.raises(NotLoggedIn):
        accounts.current_user(ctx)


def test_logout_revokes_the_session_in_the_database(ctx: Any, memory_keyring: Any) -> None:
    _signup(ctx)
    token = memory_keyring.store[("mydw", ctx.session_secret_name)]
    assert accounts.logout(ctx) is True
    assert ("mydw", ctx.session_secret_name) not in memory_keyring.store
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    # A copied token is worthless after logout.
    memory_keyring.store[("mydw", ctx.session_secret_name)] = token
    with pytest.raises(NotLoggedIn):
        accounts.current_user(ctx)
    assert accounts.logout(ctx) is True  # stale entry cleaned
    assert accounts.logout(ctx) is False


def test_login_again_replaces_the_previous_session(ctx: Any) -> None:
    _signup(ctx)
    accounts.login(ctx, email="ada@example.com", password="correct horse")
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 1


def test_delete_account_cascades(ctx: Any) -> None:
    user = _signup(ctx)
    with ctx.db.write() as session:
        session.execute(sa.text("INSERT INTO movies (id, tmdb_id) VALUES (1, 603)"))
        session.execute(
            sa.text(
                f"INSERT INTO user_movies (user_id, movie_id, status) VALUES ({user.id}, 1, 'seen')"
            )
        )
        session.execute(
            sa.text(f"INSERT INTO chat_sessions (id, user_id) VALUES ('c1', {user.id})")
        )
    accounts.delete_account(ctx, user.id)
    with ctx.db.read() as session:
        for table in ("users", "user_movies", "chat_sessions", "login_sessions"):
            assert session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
        assert session.execute(sa.text("SELECT count(*) FROM movies")).scalar() == 1
    with pytest.raises(NotLoggedIn):
        accounts.current_user(ctx)


def test_change_password_checks_the_current_one_and_ends_other_sessions(ctx: Any) -> None:
    user = _signup(ctx)
    with ctx.db.write() as session:  # a login on another machine
        session.add(LoginSession(user_id=user.id, token_hash="0" * 64))
    with pytest.raises(LoginRefused, match="current password is wrong"):
        accounts.change_password(ctx, user.id, current="not it at all", new="a new password")
    with pytest.raises(InvalidInput, match="at least 8"):
        accounts.change_password(ctx, user.id, current="correct horse", new="short")
    accounts.change_password(ctx, user.id, current="correct horse", new="a new password")
    with ctx.db.read() as session:
        hashes = session.scalars(sa.select(LoginSession.token_hash)).all()
    assert "0" * 64 not in hashes and len(hashes) == 1  # this machine stays logged in
    assert accounts.current_user(ctx).id == user.id
    accounts.logout(ctx)
    with pytest.raises(LoginRefused):
        accounts.login(ctx, email="ada@example.com", password="correct horse")
    accounts.login(ctx, email="ada@example.com", password="a new password")
