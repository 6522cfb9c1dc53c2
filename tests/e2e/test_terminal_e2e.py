"""What a person at a terminal sees: prompts (hidden, confirmed), and a cheap start at head
(every command's help runs in-process: tests/cli/test_help_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pexpect

from tests.conftest import MYDW, Mydw


def _spawn(mydw: Mydw, *args: str) -> pexpect.spawn:
    return pexpect.spawn(MYDW, list(args), env=mydw.env, encoding="utf-8", timeout=30)


def test_signup_prompts_for_what_is_missing_with_a_hidden_confirmed_password(mydw: Mydw) -> None:
    child = _spawn(mydw, "signup")
    child.expect("First name")
    child.sendline("  ")  # rejected, asked again
    child.expect("must not be empty")
    child.expect("First name")
    child.sendline("Grace")
    child.expect("Last name")
    child.sendline("Hopper")
    child.expect("Email")
    child.sendline("not-an-email")
    child.expect("not a valid email")
    child.expect("Email")
    child.sendline("grace@example.com")
    child.expect("Password")
    child.sendline("hunter2hunter2")
    child.expect("Repeat for confirmation")
    child.sendline("something else")
    child.expect("do not match")
    child.expect("Password")
    child.sendline("hunter2hunter2")
    child.expect("Repeat for confirmation")
    child.sendline("hunter2hunter2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    transcript = child.before or ""
    assert "hunter2" not in transcript  # never echoed
    assert mydw.ok("whoami", "--json").json()["email"] == "grace@example.com"


def test_login_prompts_and_account_delete_confirms(mydw: Mydw) -> None:
    mydw.signup("ada@example.com", "correct horse")
    mydw.ok("logout")
    child = _spawn(mydw, "login")
    child.expect("Email")
    child.sendline("ada@example.com")
    child.expect("Password")
    child.sendline("correct horse")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    child = _spawn(mydw, "account", "delete")
    child.expect(r"Delete the account ada@example.com")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert mydw.ok("whoami", "--json").json()["email"] == "ada@example.com"


def test_a_command_at_head_does_not_import_alembic(mydw: Mydw, home: Path) -> None:
    mydw.signup()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mydw", "whoami", "--json"],
        capture_output=True, text=True, env=mydw.env, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-400:]
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "sqlalchemy" in imported  # the command really used the database
    assert not {m for m in imported if m.split(".")[0] == "alembic"}
