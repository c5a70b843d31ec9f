# cython: language_level=3
# Scalar math shared by the csrc/*.pyx modules: the numerically stable logistic function.
from cython cimport floating
from libc.math cimport exp, expf, log, logf, log1p, log1pf


cdef inline floating sigmoid_scalar(floating x) noexcept nogil:
    """σ(x) = 1 / (1 + e⁻ˣ), without overflow for any x"""
    # 1 / (1 + e^-x), split at 0 so that exp never sees a large positive argument
    # (no overflow, sigmoid(-1000) == 0.0 exactly, sigmoid(1000) == 1.0).
    # The literals are cast so that float32 stays float32 arithmetic, like the NumPy twin.
    cdef floating e
    cdef floating one = 1
    if floating is float:
        if x >= 0:
            return one / (one + expf(-x))
        e = expf(x)
        return e / (one + e)
    else:
        if x >= 0:
            return one / (one + exp(-x))
        e = exp(x)
        return e / (one + e)


cdef inline floating logit_scalar(floating p) noexcept nogil:
    """logit(p) = ln(p / (1 − p)), σ's inverse; ±inf at p = 1 and p = 0"""
    # ln(p / (1 - p)); p == 0 -> -inf and p == 1 -> +inf (IEEE division by zero, no trap).
    # Near p = 1/2 the quotient is 1 + tiny and its log loses relative precision; there
    # ln((1 + s) / (1 - s)) with s = 2p - 1 (exact) is computed as log1p(s) - log1p(-s),
    # the same split scipy.special.logit uses, so both backends agree to rounding.
    cdef floating one = 1
    cdef floating s
    if p < <floating>0.3 or p > <floating>0.65:
        if floating is float:
            return logf(p / (one - p))
        else:
            return log(p / (one - p))
    s = 2 * (p - <floating>0.5)
    if floating is float:
        return log1pf(s) - log1pf(-s)
    else:
        return log1p(s) - log1p(-s)
