"""The suite proves it cannot reach the network: only loopback is allowed (pytest-socket)."""

from __future__ import annotations

import socket

import pytest_socket


def test_connections_are_guarded() -> None:
    # Checked by introspection so that a missing guard never sends real traffic.
    assert socket.socket.connect is not pytest_socket._true_connect
