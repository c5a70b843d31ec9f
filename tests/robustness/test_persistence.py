"""Bad files, bounded reads and the old-or-new guarantee of pynet.persistence.

The case table (``cases_persistence.py``) runs case by case; a case that would block, expand or
read forever when the code regresses runs in a child process under an address-space cap and a
timeout. The kill test saves a model again and again in a child and SIGKILLs it at a random
moment, many times: afterwards the pair must load, and be exactly one of the saves.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from pynet.persistence import load_model_files, save_model_files
from tests.robustness.conftest import assert_handled, cases_of
from tests.robustness.harness import REPO

KILLS = 15

SAVER = textwrap.dedent("""
    import sys, numpy as np
    from pynet.persistence import save_model_files
    stem = sys.argv[1]
    i = int(sys.argv[2])
    print("ready", flush=True)
    while True:
        i += 1
        w = np.full(300_000, float(i))              # 2.4 MB: a save takes a few milliseconds
        save_model_files(stem, {"format": 1, "class_name": "T", "config": {"i": i}}, {"w": w})
""")


@pytest.mark.parametrize("c", cases_of("persistence"))
def test_bad_file_case(c):
    assert_handled(c)


def _check_pair(stem):
    doc, arrays = load_model_files(stem)
    i = doc["config"]["i"]
    assert arrays["w"].shape == (300_000,) and np.all(arrays["w"] == i), \
        f"the JSON of save {i} came with the arrays of another save"
    return i


def test_sigkill_during_save_leaves_old_or_new(tmp_path):
    rnd = random.Random(14)
    stem = str(tmp_path / "model")
    save_model_files(stem, {"format": 1, "class_name": "T", "config": {"i": 0}},
                     {"w": np.zeros(300_000)})
    last = 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, stem, str(last)], env=env,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rnd.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        i = _check_pair(stem)          # old or new, never neither, never a mix
        assert i >= last
        last = i
    assert last > 0, "no save ever completed: the kill times are too short to test anything"
    # the next save removes what the killed ones left: one JSON, one NPZ, no temporaries
    save_model_files(stem, {"format": 1, "class_name": "T", "config": {"i": last + 1}},
                     {"w": np.full(300_000, float(last + 1))})
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npz"], \
        sorted(p.name for p in tmp_path.iterdir())
    assert _check_pair(stem) == last + 1


def test_validate_layer_config_accepts_every_real_layer_config():
    """No false alarms: the configs pynet's own layers write (a VGG16-sized Dense and Conv2D
    among them) pass ``validate_layer_config`` unchanged."""
    from pynet.layers import (Activation, AveragePooling2D, Conv2D, Dense, Dropout, Flatten,
                              GlobalAveragePooling2D, MaxPooling2D, Permute, Reshape)
    from pynet.persistence import validate_layer_config

    layers = [Conv2D(512, (3, 3), padding="same", input_shape=(224, 224, 3)), MaxPooling2D(2),
              AveragePooling2D((2, 2), strides=1), GlobalAveragePooling2D(), Dense(4096),
              Dropout(0.5), Activation("relu"), Flatten(), Reshape((28, 28, 1)),
              Permute((2, 1)), Dense(1000, activation="softmax", input_shape=(25088,))]
    for layer in layers:
        config = layer.get_config()
        assert validate_layer_config(type(layer).__name__, config) is config


def test_load_model_files_round_trip_and_required_keys(tmp_path):
    stem = str(tmp_path / "m")
    doc = {"format": 1, "class_name": "Sequential", "config": {"layers": []}}
    arrays = {"weights/a": np.arange(6.0).reshape(2, 3), "weights/b": np.ones(4, np.float32)}
    json_path, npz_path = save_model_files(stem, doc, arrays)
    got_doc, got = load_model_files(stem)
    assert got_doc["config"] == doc["config"] and got_doc["weights_file"] == os.path.basename(npz_path)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v)
    with pytest.raises(Exception, match="'extra'"):
        load_model_files(stem, required=("format", "extra"))
