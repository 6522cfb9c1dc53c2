"""Accounts and login sessions: signup, login, logout, whoami, account deletion."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from mydw.db.models import LoginSession, User
from mydw.domain.errors import Conflict, InvalidInput, LoginRefused, NotLoggedIn
from mydw.domain.types import iso_utc
from mydw.services.context import AppContext

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# Deliberately simple: one @, no spaces, a dot in the domain, no leading/trailing dots.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    first_name: str
    last_name: str
    joined: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "joined": iso_utc(self.joined),
        }


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.email, user.first_name, user.last_name, user.joined)


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput(f"{email.strip()!r} is not a valid email address")
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def check_name(value: str, what: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(f"the {what} must not be empty")
    if len(name) > 200:
        raise InvalidInput(f"the {what} is too long (200 characters at most)")
    return name


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's recommended parameters


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _start_session(ctx: AppContext, user_id: int) -> None:
    token = secrets.token_urlsafe(32)
    with ctx.db.write() as session:
        session.add(LoginSession(user_id=user_id, token_hash=_token_hash(token)))
    previous = ctx.secrets.get(ctx.session_secret_name)
    ctx.secrets.set(ctx.session_secret_name, token)
    if previous:
        _revoke(ctx, previous)


def _revoke(ctx: AppContext, token: str) -> None:
    with ctx.db.write() as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def signup(
    ctx: AppContext, *, first_name: str, last_name: str, email: str, password: str
) -> UserInfo:
    first = check_name(first_name, "first name")
    last = check_name(last_name, "last name")
    address = normalize_email(email)
    check_password(password)
    password_hash = _hasher().hash(password)
    try:
        with ctx.db.write() as session:
            exists = session.scalar(select(User.id).where(func.lower(User.email) == address))
            if exists is not None:
                raise Conflict(f"an account with the email {address} already exists")
            user = User(
                first_name=first, last_name=last, email=address, password_hash=password_hash
            )
            session.add(user)
            session.flush()
            info = _info(user)
    except IntegrityError as e:  # a concurrent signup with the same email won the race
        raise Conflict(f"an account with the email {address} already exists") from e
    _start_session(ctx, info.id)
    return info


_REFUSED = "wrong email or password"


def login(ctx: AppContext, *, email: str, password: str) -> UserInfo:
    from argon2.exceptions import InvalidHashError, VerificationError

    address = email.strip().lower()
    hasher = _hasher()
    with ctx.db.read() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == address))
        if user is None:
            # Same work and same message as a wrong password: no account enumeration.
            with contextlib.suppress(VerificationError, InvalidHashError):
                hasher.verify(_DUMMY_HASH, password)
            raise LoginRefused(_REFUSED)
        try:
            hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise LoginRefused(_REFUSED) from None
        info = _info(user)
        rehash = hasher.check_needs_rehash(user.password_hash)
    if rehash:
        with ctx.db.write() as session:
            stored = session.get(User, info.id)
            if stored is not None:
                stored.password_hash = hasher.hash(password)
    _start_session(ctx, info.id)
    return info


# A real argon2id hash of a throwaway password, verified when the email is unknown.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$B6woM82VIAditydSfBOFPg$"
    "Ue6P5v7PHh26SzRRt750/XjE5s6elYuAWOt0ZYXmqVw"
)


def logout(ctx: AppContext) -> bool:
    """Revoke this machine's login. True when somebody was logged in."""
    token = ctx.secrets.get(ctx.session_secret_name)
    if not token:
        return False
    _revoke(ctx, token)
    ctx.secrets.delete(ctx.session_secret_name)
    return True


def current_user(ctx: AppContext) -> UserInfo:
    """The logged-in user; NotLoggedIn (exit 3) otherwise."""
    user = optional_user(ctx)
    if user is None:
        raise NotLoggedIn("nobody is logged in", hint="run `mydw login` or `mydw signup`")
    return user


def optional_user(ctx: AppContext) -> UserInfo | None:
    # Every command asks this first: SQL on the tables (not the mapped classes) spares a run
    # that needs nothing else the ORM's configuration of every mapper (~8 ms).
    users, logins = User.__table__, LoginSession.__table__
    with ctx.db.read() as session:
        # Nobody ever logged in on this database: no need to ask the keyring (~100 ms).
        if session.scalar(select(logins.c.id).limit(1)) is None:
            return None
    token = ctx.secrets.get(ctx.session_secret_name)
    if not token:
        return None
    with ctx.db.read() as session:
        row = session.execute(
            select(users.c.id, users.c.email, users.c.first_name, users.c.last_name,
                   users.c.joined)
            .join(logins, logins.c.user_id == users.c.id)
            .where(logins.c.token_hash == _token_hash(token))
        ).one_or_none()
        return None if row is None else UserInfo(*row)


def change_password(ctx: AppContext, user_id: int, *, current: str, new: str) -> None:
    """Check the current password, store the new one, and end every other login session."""
    from argon2.exceptions import InvalidHashError, VerificationError

    check_password(new)
    hasher = _hasher()
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotLoggedIn("nobody is logged in", hint="run `mydw login`")
        try:
            hasher.verify(user.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise LoginRefused("the current password is wrong") from None
        user.password_hash = hasher.hash(new)
        token = ctx.secrets.get(ctx.session_secret_name)
        keep = _token_hash(token) if token else ""
        session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user_id, LoginSession.token_hash != keep
            )
        )


def delete_account(ctx: AppContext, user_id: int) -> None:
    """Delete the user; marks, chats and login sessions go with it (ON DELETE CASCADE)."""
    with ctx.db.write() as session:
        session.execute(delete(User).where(User.id == user_id))
    ctx.secrets.delete(ctx.session_secret_name)
