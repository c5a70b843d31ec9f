"""bench/conv_transpose.py's arguments: bad ones are refused before anything runs."""
from __future__ import annotations

import pytest

from bench import conv_transpose
from bench.harness import BenchUsageError


@pytest.mark.parametrize("argv, message", [
    (["--defaults", "--threads", "2"], "cannot be combined with --threads 2"),
    (["--threads", "0"], "--threads must be from 1"),
    (["--threads", "999"], "--threads must be from 1"),
])
def test_bad_arguments_are_refused_before_anything_runs(argv, message, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(conv_transpose, "run_peer", lambda *a, **k: started.append(a))
    monkeypatch.setattr(conv_transpose, "pin_threads", lambda *a, **k: started.append(a))
    with pytest.raises(BenchUsageError) as info:
        conv_transpose.main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err
    assert started == []
