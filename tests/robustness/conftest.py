"""Parametrise the robustness tests over the case table (tests/robustness/harness.py)."""
from __future__ import annotations

import pytest

from tests.robustness.harness import judge, load_cases, run_isolated


def cases_of(area):
    return [pytest.param(c, id=c.name) for c in load_cases().values() if c.area == area]


def assert_handled(c):
    """The case's outcome must be ``clear`` (or its declared pending outcome on this branch)."""
    if c.isolated:
        outcome, detail, _peak = run_isolated(c.id)
    else:
        outcome, detail = judge(c)
    want = c.pending or "clear"
    assert outcome == want, f"{c.id}: {outcome} ({detail})"
