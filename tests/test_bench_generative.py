"""bench/generative.py's arguments: bad ones are refused before anything runs."""
from __future__ import annotations

import pytest

from bench import generative
from bench.harness import BenchUsageError


@pytest.mark.parametrize("argv, message", [
    (["--rounds", "0"], "must be >= 1"),
    (["--gan-steps", "0"], "must be >= 1"),
    (["--threads", "0"], "--threads must be from 1"),
    (["--threads", "999"], "--threads must be from 1"),
])
def test_bad_arguments_are_refused_before_any_process_starts(argv, message, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(generative.harness, "fresh_process", lambda *a, **k: started.append(a))
    with pytest.raises(BenchUsageError) as info:
        generative.main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err
    assert started == []
