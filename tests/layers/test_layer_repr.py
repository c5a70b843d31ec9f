"""A layer's repr names its class, name and output shape (what a learner sees when printing)."""
from __future__ import annotations

from pynet.layers.conv import Conv2D
from pynet.layers.core import Dense


def test_repr_before_and_after_build():
    # kills `return f"<...>"` -> `return None` in Layer.__repr__ (repr() would raise TypeError)
    dense = Dense(3, name="out")
    assert repr(dense) == "<Dense name='out' output_shape=None>"      # not built yet
    dense.build((4,))
    assert repr(dense) == "<Dense name='out' output_shape=(3,)>"
    conv = Conv2D(8, 3, name="c1")
    conv.build((28, 28, 1))
    assert repr(conv) == "<Conv2D name='c1' output_shape=(26, 26, 8)>"
