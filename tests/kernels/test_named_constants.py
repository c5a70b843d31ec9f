"""The NumPy twins switch on named constants that the checks define and the .pyx enums mirror.

A twin that compares against a bare string or integer (``code == 0``, ``padding == "valid"``) can
drift from the compiled kernel without a test noticing; a named constant cannot.
"""
import ast
import re
from pathlib import Path

import pytest

from pynet.kernels._checks import conv, conv1d, dense, nielsen, normalization

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "pynet" / "kernels" / "reference"
# recurrent.py is being reworked beside its kernel (csrc/recurrent.pyx) and is left out here
TWINS = sorted(p for p in REFERENCE.glob("*.py") if p.name not in ("__init__.py", "recurrent.py"))


def _enum(pyx: str, names):
    """The values a ``cdef enum`` in ``csrc/<pyx>`` gives to ``names``."""
    text = (ROOT / "csrc" / pyx).read_text(encoding="utf-8")
    found = {}
    for name in names:
        m = re.search(rf"^\s+{name}\s*=\s*(\d+)\s*$", text, flags=re.M)
        assert m, f"csrc/{pyx} no longer names {name} in an enum"
        found[name] = int(m.group(1))
    return found


def test_nielsen_cost_codes_are_the_enum_of_nielsen_pyx():
    assert _enum("nielsen.pyx", ["QUADRATIC", "LOG_LIKELIHOOD"]) == {
        "QUADRATIC": nielsen.QUADRATIC, "LOG_LIKELIHOOD": nielsen.LOG_LIKELIHOOD}
    assert nielsen.COST_CODES == {"quadratic": 0, "cross_entropy": 1, "log_likelihood": 2}


def test_dense_activation_names_follow_the_enum_order_of_dense_pyx():
    codes = _enum("dense.pyx", ["LINEAR", "RELU", "SIGMOID", "TANH", "SOFTMAX"])
    # the enum's order is the tuple's order: ACTIVATIONS[code] is the name of code
    assert [dense.ACTIVATIONS[c] for c in codes.values()] == [
        dense.LINEAR, dense.RELU, dense.SIGMOID, dense.TANH, dense.SOFTMAX]


def test_padding_modes_and_epsilons_are_keras_spellings_and_values():
    assert conv.PADDINGS == ("valid", "same") and conv1d.PADDINGS_1D == ("valid", "same", "causal")
    assert conv.FUSED_ACTIVATIONS == (dense.LINEAR, dense.RELU)
    assert dense.KERAS_EPSILON == 1e-7              # keras.backend.epsilon()
    assert normalization.BATCH_NORM_EPSILON == 1e-3  # keras.layers.BatchNormalization(epsilon=)


def _magic(tree):
    """Comparisons against a bare str/int literal other than 0 and 1, and float literal defaults
    below 0.01 (an epsilon written out instead of named)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                if isinstance(side, ast.Constant) and isinstance(side.value, str):
                    found.append((node.lineno, repr(side.value)))
                elif (isinstance(side, ast.Constant) and type(side.value) is int
                      and side.value not in (0, 1)):
                    found.append((node.lineno, repr(side.value)))
        if isinstance(node, ast.arguments):
            for d in node.defaults + [d for d in node.kw_defaults if d is not None]:
                if isinstance(d, ast.Constant) and isinstance(d.value, str):
                    found.append((d.lineno, f"default {d.value!r}"))
                if isinstance(d, ast.Constant) and type(d.value) is float and 0 < d.value < 0.01:
                    found.append((d.lineno, f"default {d.value!r}"))
    return found


@pytest.mark.parametrize("path", TWINS, ids=lambda p: p.name)
def test_the_twin_uses_named_constants(path):
    assert _magic(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_magic_finder_would_notice():
    assert _magic(ast.parse("def f(p='valid', eps=1e-7):\n    return code == 2 or p == 'same'"))
