"""Datasets under bad files and arguments: each case of ``cases_datasets.py`` must be refused with
a message naming the file or argument (bombs and huge images in a child process, memory capped)."""
from __future__ import annotations

import pytest

from tests.robustness.conftest import assert_handled, cases_of


@pytest.mark.parametrize("c", cases_of("datasets"))
def test_bad_data_case(c):
    assert_handled(c)
