"""Readable NumPy twins of every compiled kernel, one module per domain.

Each domain module lists its kernels in ``__all__``; the compiled module
``pynet.kernels._c_<domain>`` has the same names and signatures. Adding a domain means adding
its name to :data:`DOMAINS`, a module here, ``csrc/<domain>.pyx`` and ``tests/kernels/test_<domain>.py``.
"""
from importlib import import_module

#: Kernel domains in dependency order.
DOMAINS = ("linalg", "classic", "rashid", "nielsen", "dense", "conv", "pooling", "normalization",
           "depthwise", "conv1d", "recurrent", "conv_transpose")

__all__ = []
for _domain in DOMAINS:
    _module = import_module(f"{__name__}.{_domain}")
    globals()[_domain] = _module
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
    __all__ += list(_module.__all__)
