# cython: language_level=3
# Scalar math shared by the csrc/*.pyx modules: the numerically stable logistic function.
from cython cimport floating
from libc.math cimport exp, expf, log, logf


cdef inline floating sigmoid_scalar(floating x) noexcept nogil:
    # 1 / (1 + e^-x), split at 0 so that exp never sees a large positive argument
    # (no overflow, sigmoid(-1000) == 0.0 exactly, sigmoid(1000) == 1.0).
    cdef floating e
    if floating is float:
        if x >= 0:
            return 1.0 / (1.0 + expf(-x))
        e = expf(x)
        return e / (1.0 + e)
    else:
        if x >= 0:
            return 1.0 / (1.0 + exp(-x))
        e = exp(x)
        return e / (1.0 + e)


cdef inline floating logit_scalar(floating p) noexcept nogil:
    # ln(p / (1 - p)); p == 0 -> -inf and p == 1 -> +inf (IEEE division by zero, no trap).
    if floating is float:
        return logf(p / (1.0 - p))
    else:
        return log(p / (1.0 - p))
