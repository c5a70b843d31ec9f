"""`.ci/run` cannot pass around a failure, and runs exactly the README's test commands.

Read as text (CI itself is run by hand or by the lead, not from here): ``set -euo pipefail``,
no ``A && B`` or ``A || B`` on a command line (under ``set -e`` a failure in ``A`` of ``A && B``
does not stop bash), the README's two test lines verbatim, the whole suite on the NumPy backend,
and the oracles' peers installed.
"""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(script: str) -> list[str]:
    """Command lines of the script, without comments, blank lines and here-document bodies."""
    out, heredoc_end = [], None
    for line in script.split("\n"):
        if heredoc_end is not None:
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        code = line.split(" #", 1)[0].strip()
        if not code or code.startswith("#"):
            continue
        match = re.search(r"<<-?'?(\w+)'?", code)
        if match:
            heredoc_end = match.group(1)
        out.append(code)
    return out


def _readme_test_block() -> list[str]:
    after = README.split("Install the test tools and run the tests:", 1)[1]
    block = after.split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.strip().split("\n") if line.strip()]


def test_ci_stops_on_the_first_failure():
    commands = _commands(CI)
    assert "set -euo pipefail" in commands
    readme_line = _readme_test_block()[0] + " || exit 1"   # the README's line, closed explicitly
    chained = [c for c in commands if re.search(r"&&|\|\|", c) and c != readme_line]
    assert chained == [], f"one command per line, please: {chained}"


def test_readme_test_command_is_run_verbatim_by_ci_as_one_status():
    block = _readme_test_block()
    assert block == ['python -m pip install -e ".[test]" && python -m pytest']
    commands = _commands(CI)
    assert f"{block[0]} || exit 1" in commands     # verbatim; `|| exit 1` stops on either half


def test_ci_runs_the_whole_suite_on_the_numpy_backend_and_installs_the_peers():
    commands = _commands(CI)
    assert "PYNET_BACKEND=python python -m pytest -q" in commands      # no path: the whole suite
    assert any(c.startswith("export KERAS_BACKEND=torch") for c in commands)
    assert sum("install -q keras" in c for c in commands) >= 2          # both environments
    assert sum('--no-index --no-deps "$TORCH_WHEEL"' in c for c in commands) >= 2
    assert 'export CI="${CI:-true}"' in commands


def test_the_reader_of_commands_skips_heredocs_and_comments():
    script = "set -e\n# a && b\npython - <<'PY'\nx = 1 && 2\nPY\necho ok  # c || d\n"
    assert _commands(script) == ["set -e", "python - <<'PY'", "echo ok"]
