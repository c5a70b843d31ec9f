"""The bench harness: where tables go, what their command line says, bad input, the busy core.

Mechanics only; no speed is asserted (speed is measured in bench/, as ratios).
"""
from __future__ import annotations

import os
import sys
import time

import pytest

from bench import harness
from bench.harness import Bench, BenchUsageError, Timing


@pytest.fixture
def out(tmp_path, monkeypatch):
    """Benches write to a scratch folder; the maintainer flag is off."""
    monkeypatch.setenv(harness.OUT_VAR, str(tmp_path))
    monkeypatch.delenv(harness.WRITE_RESULTS_VAR, raising=False)
    return tmp_path


def tracked_tables():
    return {p.name: p.read_bytes() for p in harness.RESULTS_DIR.glob("*.md")}


def test_a_users_run_never_rewrites_the_tracked_tables(out, monkeypatch):
    before = tracked_tables()
    monkeypatch.setattr(sys, "argv", ["bench/rashid.py", "--quick"])
    bench = Bench("rashid", "a table", threads=1)
    bench.add("a row", Timing([1.0, 2.0, 3.0]))
    path = bench.write(plot=False)
    assert path == out / "rashid.md"
    assert "a row" in path.read_text()
    assert tracked_tables() == before


def test_only_the_maintainer_flag_points_at_bench_results(out, monkeypatch):
    assert harness.results_dir() == out
    monkeypatch.delenv(harness.OUT_VAR)
    assert harness.results_dir() != harness.RESULTS_DIR  # the temporary folder
    monkeypatch.setenv(harness.WRITE_RESULTS_VAR, "1")
    assert harness.results_dir() == harness.RESULTS_DIR


def test_parse_args_sets_the_flag_only_when_asked(out):
    import argparse

    harness.parse_args(argparse.ArgumentParser(), [])
    assert os.environ.get(harness.WRITE_RESULTS_VAR) != "1"
    try:
        harness.parse_args(argparse.ArgumentParser(), ["--write-results"])
        assert harness.results_dir() == harness.RESULTS_DIR
    finally:
        os.environ.pop(harness.WRITE_RESULTS_VAR, None)


def test_the_command_line_in_a_table_is_the_one_that_ran(out, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/x/bench/convnet.py", "--seeds", "6", "--tag", "a b"])
    bench = Bench("convnet", "t", threads=1)
    bench.add("r", Timing([1.0]))
    line = next(l for l in bench.markdown().splitlines() if l.startswith("Command:"))
    assert "--seeds 6 --tag 'a b'" in line


def test_default_threading_is_said_in_the_table():
    bench = Bench("defaults", "t", threads=0)
    bench.add("r", Timing([1.0]))
    assert "default threading (nothing pinned)" in bench.markdown()


@pytest.mark.parametrize("bad", [0, -2, "two", None])
def test_thread_counts_below_one_or_not_numbers_are_refused(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        harness.check_threads(bad)
    assert exc.value.code == 2
    assert "--threads must be" in capsys.readouterr().err


def test_more_threads_than_cores_is_refused(capsys):
    cores = os.cpu_count() or 1
    with pytest.raises(BenchUsageError):
        harness.check_threads(cores + 1)
    assert f"from 1 to {cores} (this machine's cores), got {cores + 1}" in capsys.readouterr().err
    assert harness.check_threads(cores) == cores


def test_busy_mode_on_a_one_core_machine_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with pytest.raises(BenchUsageError):
        with harness.busy_core():
            pytest.fail("must not start")
    assert "--busy needs at least 2 cores" in capsys.readouterr().err


def test_busy_mode_starts_one_spinning_process_and_stops_it(skip_or_fail):
    if (os.cpu_count() or 1) < 2:
        skip_or_fail("busy mode needs 2 cores")
    with harness.busy_core() as proc:
        assert proc.poll() is None                     # running
        if hasattr(os, "sched_getaffinity"):
            assert os.sched_getaffinity(proc.pid) == {0}  # pinned to one core
        time.sleep(0.2)
        assert proc.poll() is None
    assert proc.poll() is not None                     # stopped on the way out


def test_a_failed_busy_block_still_stops_the_process(skip_or_fail):
    if (os.cpu_count() or 1) < 2:
        skip_or_fail("busy mode needs 2 cores")
    with pytest.raises(RuntimeError):
        with harness.busy_core() as proc:
            raise RuntimeError("bench failed")
    assert proc.poll() is not None
