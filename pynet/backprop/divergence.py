"""Has training diverged? One test for the book nets, run after the last update of every call.

A sigmoid net whose step is far too large does not always produce NaN: with Rashid's ``lr=1e6``
or Nielsen's ``eta=1e6`` the first steps throw the weights to ±1e5, every sigmoid saturates, the
gradients vanish, and training "finishes" with finite garbage. So besides NaN/Inf the weights'
magnitude is checked: sane training of these nets keeps every weight well below ten, and a weight
beyond :data:`WEIGHT_LIMIT` saturates any sigmoid it feeds (σ(±1e4·0.01) is 1 or 0 to double
precision).
"""
from __future__ import annotations

import numpy as np

#: A weight larger than this in magnitude is counted as divergence.
WEIGHT_LIMIT = 1e4


def divergence(named_arrays) -> str | None:
    """``None`` when every array is finite and within :data:`WEIGHT_LIMIT`, else what is wrong
    (``"weights[1] holds NaN/Inf"``, ``"|wih| reaches 2.3e+05"``)."""
    for name, arr in named_arrays:
        a = np.asarray(arr)
        if not np.isfinite(a).all():
            return f"{name} holds NaN/Inf"
        if a.size:
            top = float(np.max(np.abs(a)))
            if top > WEIGHT_LIMIT:
                return f"|{name}| reaches {top:.3g} (beyond {WEIGHT_LIMIT:g}, every sigmoid saturates)"
    return None
