"""bench/defaults.py (speed as users get it), bench/collect.py (the generated summary) and the
bench's measured notes: goals fixed in code, verdicts computed, bad input refused clearly."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from bench import collect, defaults
from bench.rashid import constant_column_fraction

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def st(**medians):
    """Per-side statistics with the given medians (seconds) and a spread of 1.1."""
    return {side: {"median": m, "min": m, "max": 1.1 * m, "spread": 1.1, "samples": [m]}
            for side, m in medians.items()}


def verdicts(workload, busy, stats):
    return [test(stats)[1] for _, test in defaults.GOALS[(workload, busy)]]


def test_goals_are_fixed_for_every_workload_and_mode():
    for workload in defaults.WORKLOADS:
        for busy in (False, True):
            assert defaults.GOALS[(workload, busy)], (workload, busy)


def test_rashid_goal_is_a_speed_up_over_the_book():
    assert verdicts("rashid", False, st(pynet=1.0, book=8.0)) == [True]   # exactly 8x
    assert verdicts("rashid", False, st(pynet=1.0, book=7.9)) == [False]
    assert verdicts("rashid", True, st(pynet=1.0, book=5.0)) == [True]    # busy: 5x


def test_convnet_goals_are_time_ratios_and_spread():
    ok = st(pynet=10.0, torch=10.0, keras=20.0)
    assert verdicts("convnet", False, ok) == [True, True, True]
    slow = st(pynet=10.0, torch=9.0, keras=19.0)
    assert verdicts("convnet", False, slow) == [False, True, False]
    spread = dict(ok, pynet=dict(ok["pynet"], spread=1.3))
    assert verdicts("convnet", False, spread)[1] is False


def test_table_states_goal_measured_value_and_verdict():
    text = defaults.table("mlp", False, 60000, 8, "Fashion-MNIST, 60,000 images",
                          st(pynet=0.7, torch=1.0, keras=2.0), {}, {}, "1", "2")
    assert "- Goal (issue 15, mlp): pynet ≤ 0.8× PyTorch's time (medians) — measured: 0.70× " \
           "PyTorch's time — met" in text
    assert "spread of pynet's epochs ≤ 1.25 — measured: spread 1.10 — met" in text
    assert "| PyTorch | 1 | 1 | 1.1 | 1.10 | 1.00 |" in text
    assert "default threading (nothing pinned)" in text


def test_a_missing_peer_is_said_not_judged():
    text = defaults.table("convnet", False, 100, 1, "d", st(pynet=1.0, torch=1.0), {},
                          {"keras": "keras is not installed"}, "1", "1")
    assert "keras is not installed" in text
    assert "pynet ≤ 0.5× Keras 3's time — not measured" in text


def test_summary_is_generated_from_the_tables_goal_lines(tmp_path):
    (tmp_path / "defaults.md").write_text(
        "### t\n\n| a | b |\n|---|---|\n| goal met | x |\n\n"
        "- Goal (issue 15, rashid): pynet ≥ 8× the book — measured: 9.1× — met\n"
        "- samples (s): 1, 2\n", encoding="utf-8")
    (tmp_path / "old.md").write_text("- compiled vs loop: 22.3× (goal ≥ 20×: met).\n"
                                     "- compiled vs loop: 22.3× (goal ≥ 20×: met).\n")
    (tmp_path / "x_quick.md").write_text("- (goal ≥ 1×: NOT met)\n")
    text = collect.summary(collect.tables(tmp_path))
    assert "| defaults | Goal (issue 15, rashid): pynet ≥ 8× the book — measured: 9.1× — met |" in text
    assert text.count("22.3×") == 1          # once per table, not per repeated line
    assert "x_quick" not in text and "| goal met" not in text


def run_bench(*args):
    return subprocess.run([sys.executable, "-m", "bench.defaults", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120,
                          env=dict(os.environ, PYNET_BENCH_OUT=os.devnull + "-unused"))


@pytest.mark.parametrize("args, message", [
    (["--workload", "resnet"], "unknown workload 'resnet'; choose from rashid, nielsen, mlp, "
                               "convnet or all"),
    (["--fresh", "0"], "--fresh must be at least 1, got 0"),
    (["--images", "0"], "--images must be at least 1, got 0"),
])
def test_bad_input_gets_a_clear_message_and_status_2(args, message):
    proc = run_bench(*args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_pynet_bench_checks_threads_and_busy_before_running(monkeypatch, capsys):
    from pynet import cli

    cores = os.cpu_count() or 1
    assert cli.main(["bench", "defaults", "--threads", "0"]) == 2
    assert "--threads must be from 1 to" in capsys.readouterr().err
    assert cli.main(["bench", "defaults", "--threads", str(cores + 1)]) == 2
    assert f"got {cores + 1}" in capsys.readouterr().err
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert cli.main(["bench", "defaults", "--busy"]) == 2
    assert "--busy needs at least 2 cores" in capsys.readouterr().err


def test_pynet_bench_passes_an_unknown_workload_error_through():
    proc = subprocess.run([sys.executable, "-m", "pynet", "bench", "defaults", "--workload",
                           "resnet"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert "unknown workload 'resnet'" in proc.stderr


def test_constant_column_fraction_counts_columns_equal_across_a_block():
    # two blocks of 2 records, 4 columns: block 1 has columns 0 and 3 constant, block 2 all four
    x = np.array([[0, 1, 2, 5],
                  [0, 2, 3, 5],
                  [7, 7, 7, 7],
                  [7, 7, 7, 7]], dtype=float)
    assert constant_column_fraction(x, 2) == pytest.approx((2 / 4 + 4 / 4) / 2)
    assert constant_column_fraction(x[:1], 2) == 0.0  # no whole block


def test_pynet_bench_threads_needs_a_bench_name(capsys):
    from pynet import cli

    assert cli.main(["bench", "--threads", "1"]) == 2
    assert "--threads applies to one benchmark" in capsys.readouterr().err
