"""Every ``cdef`` function in csrc/ opens with a one-line math docstring (the house's Cython style,
scikit-learn's): a reader sees what a helper computes before reading how."""
import re
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parents[2] / "csrc"
SOURCES = sorted([*CSRC.glob("*.pyx"), *CSRC.glob("*.pxd")])

_CDEF = re.compile(r"^(\s*)cdef\s+(?:inline\s+)?[\w\s*\[\]:,]*?(\w+)\s*\(")


def undocumented(text: str):
    """Names of ``cdef`` functions whose first statement is not a docstring."""
    lines = text.splitlines()
    missing = []
    i = 0
    while i < len(lines):
        m = _CDEF.match(lines[i])
        if m and not re.match(r"\s*cdef\s+(enum|struct|class|extern|packed)\b", lines[i]) \
                and "=" not in lines[i].split("(")[0]:
            j = i
            while not lines[j].rstrip().endswith(":"):
                j += 1
            k = j + 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k < len(lines) and not lines[k].strip().startswith('"""'):
                missing.append(m.group(2))
            i = j
        i += 1
    return missing


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_cdef_function_has_a_docstring(path):
    assert undocumented(path.read_text(encoding="utf-8")) == []


def test_the_scanner_finds_a_missing_docstring():
    text = ('cdef void _ok(double x) noexcept nogil:\n    """y = x"""\n    pass\n\n'
            "cdef double _bare(double *a,\n                  Py_ssize_t n) noexcept nogil:\n"
            "    # a comment is not a docstring\n    return a[0]\n")
    assert undocumented(text) == ["_bare"]
