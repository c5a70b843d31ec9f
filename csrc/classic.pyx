"""Compiled kernels of the 'classic' domain; twins of pynet/kernels/reference/classic.py.

Same names, signatures, argument checks and results (to rounding) as the reference twins; read
those for the mathematics. The per-pattern sizes here are tiny (a few inputs, a few neurons), so
the loops are written out instead of calling BLAS: a ?gemv/?ger call per pattern would cost more
in call overhead than the arithmetic it saves. What makes this fast is that the whole epoch runs
in C, without one Python-level NumPy call per pattern.
"""
from cython cimport floating
import numpy as np

from pynet.kernels._checks.classic import prepare_perceptron_epoch, prepare_widrow_hoff_epoch

__all__ = ["widrow_hoff_epoch", "perceptron_epoch"]


cdef double _widrow_hoff(floating[:, ::1] W, floating[::1] b, const floating[:, ::1] X,
                         const floating[:, ::1] D, floating alpha, floating[::1] err):
    """Per pattern p: e = X[p]·W − b − D[p]; W −= α·X[p]ᵀe; b += α·e; returns E = ½ Σₚ |e|²"""
    cdef Py_ssize_t P = X.shape[0], n = W.shape[0], m = W.shape[1]
    cdef Py_ssize_t p, i, j
    cdef floating xi, scaled
    cdef double total = 0.0
    with nogil:
        for p in range(P):
            # S_j = sum_i x_i w_ij, accumulated row by row so that W is read contiguously.
            for j in range(m):
                err[j] = 0
            for i in range(n):
                xi = X[p, i]
                for j in range(m):
                    err[j] = err[j] + xi * W[i, j]
            for j in range(m):
                err[j] = (err[j] - b[j]) - D[p, j]      # Y - d, with Y = S = sum - b
                total = total + 0.5 * (<double>err[j]) * (<double>err[j])
            for i in range(n):
                scaled = alpha * X[p, i]
                for j in range(m):
                    W[i, j] = W[i, j] - scaled * err[j]
            for j in range(m):
                b[j] = b[j] + alpha * err[j]             # + : the threshold is subtracted in S
    return total


def widrow_hoff_epoch(W, b, X, D, alpha):
    """One epoch of the per-pattern Widrow–Hoff rule; returns the epoch's error E.

    Same contract as :func:`pynet.kernels.reference.classic.widrow_hoff_epoch`.
    """
    W, b, X, D, alpha = prepare_widrow_hoff_epoch(W, b, X, D, alpha)
    err = np.empty(W.shape[1], dtype=W.dtype)
    if W.shape[1] == 0:
        return 0.0
    if W.dtype == np.float64:
        return _widrow_hoff[double](W, b, X, D, alpha, err)
    return _widrow_hoff[float](W, b, X, D, <float>alpha, err)


cdef Py_ssize_t _perceptron(floating[:, ::1] W, floating[::1] b, const floating[:, ::1] X,
                            const floating[:, ::1] T, floating eta, floating[::1] err):
    """Per pattern p: e = T[p] − [X[p]·W + b > 0]; W += η·X[p]ᵀe; b += η·e; returns Σ |e|"""
    cdef Py_ssize_t P = X.shape[0], n = W.shape[0], m = W.shape[1]
    cdef Py_ssize_t p, i, j, wrong
    cdef Py_ssize_t mistakes = 0
    cdef floating xi
    with nogil:
        for p in range(P):
            for j in range(m):
                err[j] = 0
            for i in range(n):
                xi = X[p, i]
                for j in range(m):
                    err[j] = err[j] + xi * W[i, j]
            wrong = 0
            for j in range(m):
                # err_j = t_j - y_j with y_j = 1 if w.x + b > 0 else 0 (Nielsen Eq. 1)
                if err[j] + b[j] > 0:
                    err[j] = T[p, j] - 1
                else:
                    err[j] = T[p, j]
                if err[j] != 0:
                    wrong = wrong + 1
            if wrong:
                mistakes = mistakes + wrong
                for i in range(n):
                    xi = eta * X[p, i]
                    for j in range(m):
                        W[i, j] = W[i, j] + xi * err[j]
                for j in range(m):
                    b[j] = b[j] + eta * err[j]
    return mistakes


def perceptron_epoch(W, b, X, T, eta):
    """One epoch of Rosenblatt's perceptron rule; returns the number of mistakes.

    Same contract as :func:`pynet.kernels.reference.classic.perceptron_epoch`.
    """
    W, b, X, T, eta = prepare_perceptron_epoch(W, b, X, T, eta)
    err = np.empty(W.shape[1], dtype=W.dtype)
    if W.shape[1] == 0:
        return 0
    if W.dtype == np.float64:
        return int(_perceptron[double](W, b, X, T, eta, err))
    return int(_perceptron[float](W, b, X, T, <float>eta, err))
