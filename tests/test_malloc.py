"""pynet/_malloc.py: glibc keeps large freed blocks for reuse once the kernels load — said by
``pynet info``, skipped on request or when the user chose, undone by ``restore()``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    import pynet.kernels
    from pynet import _malloc
    from pynet.kernels import thread_policy
    out = {"status": _malloc.status(), "applied": _malloc._state["applied"],
           "info": [l for l in thread_policy.current().describe() if "glibc malloc" in l]}
    if sys.argv[1] == "restore":
        out["restored"] = _malloc.restore()
        out["after"] = _malloc.status()
    print(json.dumps(out))
""")


def run(arg="plain", **env_changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYNET_MALLOC", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}
    env.update(env_changes)
    done = subprocess.run([sys.executable, "-c", SCRIPT, arg], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def glibc(skip_or_fail):
    from pynet import _malloc
    if _malloc._mallopt() is None:
        skip_or_fail("needs glibc (Linux)")


@pytest.mark.usefixtures("glibc")
def test_the_kernels_set_the_thresholds_and_say_so():
    got = run()
    assert got["applied"] is True
    assert "32 MiB" in got["status"] and "64 MiB" in got["status"]
    assert got["info"] and "kept for reuse" in got["info"][0]


@pytest.mark.usefixtures("glibc")
@pytest.mark.parametrize("env,says", [({"PYNET_MALLOC": "off"}, "PYNET_MALLOC=off"),
                                      ({"MALLOC_TRIM_THRESHOLD_": "131072"}, "yours")])
def test_nothing_is_set_on_request_or_when_the_user_chose(env, says):
    got = run(**env)
    assert got["applied"] is False
    assert says in got["status"]


@pytest.mark.usefixtures("glibc")
def test_restore_puts_glibcs_starting_values_back():
    got = run("restore")
    assert got["restored"] is True
    assert "restored" in got["after"]
