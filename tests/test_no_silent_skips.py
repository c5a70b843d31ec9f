"""No test may pass around a missing dependency: a guard that greps the test tree.

An optional package (torch, keras, matplotlib, PIL) is asked for with the ``require`` fixture,
and any other reason to stop with ``skip_or_fail`` (both in ``tests/conftest.py``): they skip in a
user's clone and *fail* when ``CI`` is set. A bare ``pytest.importorskip``, ``pytest.skip``,
``skip``/``skipif`` mark, a non-strict ``xfail``, or an ``except ImportError:`` that returns
would let CI pass without running the check — this test fails on any of them, naming the line.

A ``pytest.skip`` that can never run under CI carries the comment ``# never under CI``.
"""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ALLOWED_FILE = TESTS / "conftest.py"      # home of unavailable(), the one sanctioned skip
NEVER_UNDER_CI = "# never under CI"

FORBIDDEN = [
    (re.compile(r"\bimportorskip\("), "pytest.importorskip: use the require fixture"),
    (re.compile(r"\bpytest\.skip\("), "bare pytest.skip: use the skip_or_fail fixture"),
    (re.compile(r"\bmark\.skip(if)?\b"), "skip mark: use require / skip_or_fail inside the test"),
    (re.compile(r"\bmark\.xfail\((?![^)]*strict=True)"), "xfail must be strict=True"),
    (re.compile(r"^\s*if\s+(not\s+)?(\w+\.)?have_\w+\(\)"),
     "a check guarded by have_<package>(): use require"),
]


def _violations(text: str, name: str):
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        code = line.split("#", 1)[0] if NEVER_UNDER_CI not in line else ""
        for pattern, why in FORBIDDEN:
            if pattern.search(code):
                yield f"{name}:{number}: {why}: {line.strip()}"
        if re.match(r"\s*except\s+(ImportError|ModuleNotFoundError)\b", line):
            following = " ".join(lines[number:number + 2])
            if re.search(r"\b(return|pass|continue)\b", following):
                yield f"{name}:{number}: an import failure that returns early: use require"


def test_no_test_skips_or_returns_early_around_a_missing_dependency():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path in (ALLOWED_FILE, Path(__file__).resolve()):
            continue
        found += _violations(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS)))
    assert not found, "silent skips in the test tree:\n" + "\n".join(found)


def test_the_guard_catches_each_pattern():
    bad = '''
import pytest
torch = pytest.importorskip("torch")
def test_a():
    pytest.skip("no compiler")
@pytest.mark.skipif(True, reason="x")
def test_b():
    try:
        import matplotlib
    except ImportError:
        return
@pytest.mark.xfail(reason="flaky")
def test_c(): pass
@pytest.mark.skip
def test_d(): pass
def test_e():
    if have_matplotlib():
        assert png.exists()
'''
    found = list(_violations(bad, "bad.py"))
    assert [f.split(":")[1] for f in found] == ["3", "5", "6", "10", "12", "14", "17"], found
    ok = '''
def test_a(require, skip_or_fail):
    torch = require("torch")
    if not torch:
        skip_or_fail("no torch")
    pytest.skip("needs CI")  # never under CI
@pytest.mark.xfail(strict=True, raises=KeyError, reason="known bug")
def test_b(): pass
'''
    assert list(_violations(ok, "ok.py")) == []
