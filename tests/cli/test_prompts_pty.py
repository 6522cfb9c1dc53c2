"""Ctrl-C and Ctrl-D at a prompt of the installed command, on a real pty."""

from __future__ import annotations

import pexpect

from tests.conftest import MYDW, Mydw


def _spawn(mydw: Mydw, *args: str) -> pexpect.spawn:
    return pexpect.spawn(MYDW, list(args), env=mydw.env, encoding="utf-8", timeout=30)


def test_ctrl_c_at_a_prompt_exits_130_with_one_line(mydw: Mydw) -> None:
    child = _spawn(mydw, "login")
    child.expect("Email")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    transcript = child.before or ""
    assert child.exitstatus == 130, transcript
    assert "Aborted" not in transcript and "Traceback" not in transcript
    assert [line for line in transcript.splitlines() if "error" in line] == [
        "mydw: error: interrupted"
    ]


def test_end_of_input_at_a_hidden_prompt_is_one_line_of_ours(mydw: Mydw) -> None:
    child = _spawn(mydw, "login", "--email", "ada@example.com")
    child.expect("Password")
    # getpass flushes the terminal's input when it turns echo off: an EOF sent before
    # that is lost, so send it until the command ends.
    for _ in range(20):
        child.sendeof()
        if child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=1) == 0:
            break
    child.close()
    transcript = child.before or ""
    assert child.exitstatus == 1, transcript
    assert "Aborted" not in transcript
    errors = [line for line in transcript.splitlines() if "error" in line]
    assert errors == ["mydw: error: no answer: the input ended at a prompt"], transcript
