"""Hypothesis profiles of the property tests: few examples by default (the README's test
command must stay within its budget), many under MYDW_STRESS=1 (`nox -s stress`). No
deadline: the machine is shared and loaded, and a slow example is not a wrong one."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile(
    "stress", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("stress" if os.environ.get("MYDW_STRESS", "") not in ("", "0")
                      else "default")
