"""Compiled twins of pynet/kernels/reference/rashid.py (same names, signatures and checks).

The train step is the book's six lines fused into one C function over raw buffers:

    hidden_outputs = sigmoid(wih @ inputs)                  BLAS ?gemv + sigmoid
    final_outputs  = sigmoid(who @ hidden_outputs)          BLAS ?gemv + sigmoid
    output_errors  = targets - final_outputs                loop (fused with the next factor)
    hidden_errors  = who.T @ output_errors                  BLAS ?gemv, with who not yet updated
    who += lr * (output_errors * f * (1 - f)) hidden_outputs^T     BLAS ?ger
    wih += lr * (hidden_errors * h * (1 - h)) inputs^T             BLAS ?ger

``rashid_train_epoch`` runs that step over every row in order with the GIL released once, so a
whole epoch costs one Python call, and regroups the ``wih`` arithmetic of each block of 48 rows
into matrix products (see ``_epoch_block``; ``_epoch_block_edges`` and ``_epoch_block_runs`` for
blocks whose samples share constant columns, like MNIST's background): each row still sees
exactly the weights of the book's loop. Scratch arrays are allocated once per call.
"""
from cython cimport floating
import numpy as np

from libc.math cimport exp, expf, fabs, fabsf
from libc.string cimport memcpy
from scipy.linalg.cython_blas cimport (
    dgemm, dgemv, dger, dsyrk, sgemm, sgemv, sger, ssyrk,
)

from blas cimport gemm_rm, gemv_rm, ger_rm
from mathfn cimport sigmoid_scalar

from pynet.kernels._checks.rashid import (
    prepare_query_batch, prepare_train_epoch, prepare_train_step,
)

__all__ = ["rashid_train_step", "rashid_train_epoch", "rashid_query_batch"]


cdef inline void _sigmoid_inplace(floating *z, floating *scratch, Py_ssize_t n) noexcept nogil:
    """z := σ(z) for n values, as e = exp(−|z|) then (z ≥ 0 ? 1 : e) / (1 + e)"""
    # z = sigmoid(z) for n values, the same arithmetic as sigmoid_scalar (1 / (1 + e^-z) for
    # z >= 0, e^z / (1 + e^z) below, so exp never overflows) in two passes: first every
    # e = exp(-|z|), then the quotient with a select. Without a branch per value (whose sign is
    # a coin toss for hidden nodes) the second loop vectorises and nothing is mispredicted.
    cdef Py_ssize_t j
    cdef floating one = 1
    if floating is float:
        for j in range(n):
            scratch[j] = expf(-fabsf(z[j]))
    else:
        for j in range(n):
            scratch[j] = exp(-fabs(z[j]))
    for j in range(n):
        z[j] = (one if z[j] >= 0 else scratch[j]) / (one + scratch[j])


cdef inline void _gram(Py_ssize_t count, Py_ssize_t inodes, const floating *inputs, floating *gram) noexcept nogil:
    """gram (lower triangle) = inputs·inputsᵀ for ``count`` rows of ``inodes`` values"""
    _gram_ld(count, inodes, inputs, inodes, gram)


cdef inline void _gram_ld(Py_ssize_t count_, Py_ssize_t width, const floating *inputs,
                          Py_ssize_t ld, floating *gram) noexcept nogil:
    """gram (lower triangle) = inputs·inputsᵀ, rows ``ld`` apart, through BLAS ?syrk"""
    # gram (count, count, row-major) lower triangle = inputs . inputs^T for rows of `width`
    # values `ld` apart, through BLAS ?syrk (half the work of ?gemm). Column-major, inputs is
    # inputs^T (width, count) and the row-major lower triangle is the column-major upper one.
    cdef char uplo = b'U'
    cdef char trans = b'T'
    cdef floating one = 1, zero = 0
    # BLAS sizes are int; the shared checks (blas_dims) keep every size within its range.
    cdef int lda = <int>ld, ldc = <int>count_, inodes = <int>width, count = <int>count_
    if floating is float:
        ssyrk(&uplo, &trans, &count, &inodes, &one, <float *>inputs, &lda, &zero, gram, &ldc)
    else:
        dsyrk(&uplo, &trans, &count, &inodes, &one, <double *>inputs, &lda, &zero, gram, &ldc)


cdef void _tail(floating *who, Py_ssize_t hnodes, Py_ssize_t onodes, floating lr, const floating *targets,
                floating *hidden_outputs, floating *final_outputs, floating *output_errors,
                floating *output_delta, floating *hidden_errors) noexcept nogil:
    """Steps 1–5 for one sample: o = σ(who·σ(h)), who += lr·((t − o)·o·(1 − o))·σ(h)ᵀ"""
    # Steps 1 (the sigmoid) to 5 of the book's step, and the factor of step 6, for one sample
    # whose hidden_inputs (wih . inputs) the caller has put into hidden_outputs. On return
    # hidden_errors holds hidden_errors * hidden_outputs * (1 - hidden_outputs), the vector that
    # step 6 multiplies by inputs^T.
    cdef Py_ssize_t j, k
    cdef floating f, h, one = 1
    # 1. hidden_outputs = sigmoid(hidden_inputs), in place (hidden_errors is free until step 4)
    _sigmoid_inplace(hidden_outputs, hidden_errors, hnodes)
    # 2. final_inputs = who . hidden_outputs; final_outputs = sigmoid(final_inputs)
    gemv_rm(False, onodes, hnodes, one, who, hidden_outputs, 0, final_outputs)
    for k in range(onodes):
        f = sigmoid_scalar(final_outputs[k])
        final_outputs[k] = f
        # 3. output_errors = targets - final_outputs, and the factor the who-update needs
        output_errors[k] = targets[k] - f
        output_delta[k] = output_errors[k] * f * (one - f)
    # 4. hidden_errors = who^T . output_errors (before who changes, as in the book)
    gemv_rm(True, onodes, hnodes, one, who, output_errors, 0, hidden_errors)
    # 5. who += lr * output_delta (x) hidden_outputs
    ger_rm(onodes, hnodes, lr, output_delta, hidden_outputs, who)
    # the factor of step 6
    for j in range(hnodes):
        h = hidden_outputs[j]
        hidden_errors[j] = hidden_errors[j] * h * (one - h)


cdef void _step(floating *wih, floating *who, Py_ssize_t hnodes, Py_ssize_t inodes, Py_ssize_t onodes, floating lr,
                const floating *inputs, const floating *targets,
                floating *hidden_outputs, floating *final_outputs, floating *output_errors,
                floating *output_delta, floating *hidden_errors) noexcept nogil:
    """The book's step for one sample: h = wih·x, then :func:`_tail`, then wih += lr·δ_h·xᵀ"""
    # The whole step for one sample.
    # 1. hidden_inputs = wih . inputs (into hidden_outputs; _tail applies the sigmoid)
    gemv_rm(False, hnodes, inodes, 1, wih, inputs, 0, hidden_outputs)
    # 1-5
    _tail(who, hnodes, onodes, lr, targets, hidden_outputs, final_outputs, output_errors,
          output_delta, hidden_errors)
    # 6. wih += lr * (hidden_errors * h * (1 - h)) (x) inputs
    ger_rm(hnodes, inodes, lr, hidden_errors, inputs, wih)


#: Samples per block in the epoch kernel (see _epoch_block): 24 to 64 measure within a few per
#: cent of each other for 784-200-10 on MNIST; 48 was the fastest.
cdef Py_ssize_t BLOCK = 48


cdef void _block_samples(floating *who, Py_ssize_t hnodes, Py_ssize_t onodes, floating lr,
                         const floating *targets, Py_ssize_t count, floating *hidden_in,
                         const floating *gram, floating *delta, floating *outs) noexcept nogil:
    """Steps 1–5 for each sample k of a block, with hidden_in[k] += lr·δ[0:k]ᵀ·gram[k, 0:k]"""
    # Steps 1-5 for each sample of a block, given hidden_in = wih_0 . inputs_k for every k and
    # the Gram matrix; leaves step 6's vector of sample k in delta[k].
    cdef Py_ssize_t k
    for k in range(count):
        # hidden_in[k] += lr * delta[0:k]^T . gram[k, 0:k]  (the deferred updates of wih)
        if k > 0:
            gemv_rm(True, k, hnodes, lr, delta, gram + k * count, 1, hidden_in + k * hnodes)
        _tail(who, hnodes, onodes, lr, targets + k * onodes, hidden_in + k * hnodes,
              outs, outs + onodes, outs + 2 * onodes, delta + k * hnodes)


cdef void _epoch_block(floating *wih, floating *who, Py_ssize_t hnodes, Py_ssize_t inodes, Py_ssize_t onodes,
                       floating lr, const floating *inputs, const floating *targets, Py_ssize_t count,
                       floating *hidden_in, floating *gram, floating *delta,
                       floating *outs) noexcept nogil:
    """The book's step for ``count`` samples, wih's updates deferred to one wih += lr·δᵀ·inputs"""
    # The book's step for `count` consecutive samples, with the updates of wih *deferred*.
    #
    # Sample k must see wih after the updates of samples 0..k-1 of the block:
    #     wih_k = wih_0 + lr * sum_{m<k} delta_m inputs_m^T       (delta_m: step 6's vector)
    # so its hidden_inputs are
    #     wih_k . inputs_k = wih_0 . inputs_k + lr * sum_{m<k} delta_m (inputs_m . inputs_k).
    # wih_0 . inputs_k for the whole block is one matrix product (hidden_in), the dot products
    # inputs_m . inputs_k are the block's Gram matrix (gram), and the update of wih is applied
    # once at the end as one matrix product: wih += lr * delta^T . inputs. Every sample still
    # sees exactly the weights the book's loop would give it (the sums are only regrouped, so
    # results agree to rounding); what changes is that wih (1.25 MB for 784-200-10, larger than
    # a core's L2 cache) is streamed twice per *block* instead of twice per sample, and the work
    # runs in ?gemm, the fastest routine BLAS has.
    cdef floating one = 1
    # hidden_in (count, hnodes) = inputs (count, inodes) . wih_0^T
    gemm_rm(False, True, count, hnodes, inodes, one, inputs, wih, 0, hidden_in)
    # gram (count, count) = inputs . inputs^T (the lower triangle is all that is read)
    _gram(count, inodes, inputs, gram)
    _block_samples(who, hnodes, onodes, lr, targets, count, hidden_in, gram, delta, outs)
    # step 6 for the whole block: wih += lr * delta^T . inputs
    gemm_rm(True, False, hnodes, inodes, count, lr, delta, inputs, one, wih)


cdef bint _column_varies(const floating *inputs, Py_ssize_t count, Py_ssize_t inodes, Py_ssize_t j) noexcept nogil:
    """True when column j of the block's inputs holds two different values"""
    cdef Py_ssize_t m
    for m in range(1, count):
        if inputs[m * inodes + j] != inputs[j]:
            return True
    return False


cdef void _gemm_ld(char ta, char tb, int m, int n, int k, floating alpha, const floating *a,
                   int lda, const floating *b, int ldb, floating beta, floating *c,
                   int ldc) noexcept nogil:
    """C = α·op(A)·op(B) + β·C, column-major ?gemm with explicit leading dimensions"""
    # column-major ?gemm with explicit leading dimensions (for sub-blocks of wih and inputs)
    if floating is float:
        sgemm(&ta, &tb, &m, &n, &k, &alpha, <float *>a, &lda, <float *>b, &ldb, &beta, c, &ldc)
    else:
        dgemm(&ta, &tb, &m, &n, &k, &alpha, <double *>a, &lda, <double *>b, &ldb, &beta, c, &ldc)


cdef void _gemv_t_ld(int m, int n, floating alpha, const floating *a, int lda,
                     const floating *x, floating beta, floating *y) noexcept nogil:
    """y (n) = α·Aᵀx + β·y, A column-major (m, n) with leading dimension lda"""
    # y (n) = alpha * A^T x + beta * y, A column-major (m, n) with leading dimension lda
    cdef char t = b'T'
    cdef int one = 1
    if floating is float:
        sgemv(&t, &m, &n, &alpha, <float *>a, &lda, <float *>x, &one, &beta, y, &one)
    else:
        dgemv(&t, &m, &n, &alpha, <double *>a, &lda, <double *>x, &one, &beta, y, &one)


cdef void _ger_ld(int m, int n, floating alpha, const floating *x, const floating *y,
                  floating *a, int lda) noexcept nogil:
    """A += α·x·yᵀ, A column-major (m, n) with leading dimension lda"""
    # A (column-major (m, n), leading dimension lda) += alpha * x y^T
    cdef int one = 1
    if floating is float:
        sger(&m, &n, &alpha, <float *>x, &one, <float *>y, &one, a, &lda)
    else:
        dger(&m, &n, &alpha, <double *>x, &one, <double *>y, &one, a, &lda)


cdef void _epoch_block_edges(floating *wih, floating *who, Py_ssize_t hnodes, Py_ssize_t inodes, Py_ssize_t onodes,
                             floating lr, const floating *inputs, const floating *targets,
                             Py_ssize_t count, Py_ssize_t lo, Py_ssize_t hi, floating *hidden_in, floating *gram,
                             floating *delta, floating *outs, floating *delta_sum) noexcept nogil:
    """:func:`_epoch_block` with the constant columns outside [lo, hi) summed once per block"""
    # _epoch_block for a block whose samples agree on every column outside [lo, hi): each such
    # column j holds one value c_j in all of them (MNIST's margins: the background 0.01, in
    # about a fifth of the 784 columns for 32 digits). The same quantities, with the products
    # over those columns done once per block instead of once per sample:
    #   wih . x_k    = wih[:, lo:hi] . x_k[lo:hi] + sum_{j outside} wih[:, j] c_j
    #   x_m . x_k    = x_m[lo:hi] . x_k[lo:hi] + sum_{j outside} c_j^2
    #   wih += lr delta^T inputs:  wih[:, lo:hi] by ?gemm, and wih[:, j] += lr (sum_k delta_k) c_j
    # ?gemm reads the sub-blocks in place (leading dimension inodes): nothing is copied.
    # Row-major (r, c) with row stride ld is, to column-major BLAS, (c, r) with the same ld.
    cdef Py_ssize_t width = hi - lo, right = inodes - hi, k, m, i
    cdef floating one = 1, zero = 0, c2 = 0
    cdef char no = b'N', tr = b'T'
    # constant columns: their input to each hidden node, and their share of the Gram matrix
    if lo > 0:
        _gemv_t_ld(lo, hnodes, one, wih, inodes, inputs, zero, delta_sum)
    else:
        for i in range(hnodes):
            delta_sum[i] = 0
    if right > 0:
        _gemv_t_ld(right, hnodes, one, wih + hi, inodes, inputs + hi, one, delta_sum)
    for i in range(lo):
        c2 = c2 + inputs[i] * inputs[i]
    for i in range(hi, inodes):
        c2 = c2 + inputs[i] * inputs[i]
    # hidden_in (count, hnodes) = inputs[:, lo:hi] . wih[:, lo:hi]^T + the constant part
    _gemm_ld(tr, no, hnodes, count, width, one, wih + lo, inodes, inputs + lo, inodes,
             zero, hidden_in, hnodes)
    for m in range(count):
        for i in range(hnodes):
            hidden_in[m * hnodes + i] += delta_sum[i]
    # gram lower triangle = inputs[:, lo:hi] . inputs[:, lo:hi]^T + c2
    _gram_ld(count, width, inputs + lo, inodes, gram)
    for k in range(count):
        for m in range(k + 1):
            gram[k * count + m] += c2
    _block_samples(who, hnodes, onodes, lr, targets, count, hidden_in, gram, delta, outs)
    # step 6: wih[:, lo:hi] += lr * delta^T . inputs[:, lo:hi]
    _gemm_ld(no, tr, width, hnodes, count, lr, inputs + lo, inodes, delta, hnodes,
             one, wih + lo, inodes)
    # and the constant columns: wih[:, j] += lr * (sum_k delta_k) * c_j
    for i in range(hnodes):
        delta_sum[i] = 0
    for k in range(count):
        for i in range(hnodes):
            delta_sum[i] += delta[k * hnodes + i]
    if lo > 0:
        _ger_ld(lo, hnodes, lr, inputs, delta_sum, wih, inodes)
    if right > 0:
        _ger_ld(right, hnodes, lr, inputs + hi, delta_sum, wih + hi, inodes)


cdef int _varying_runs(const floating *inputs, int count, int inodes, int *runs) noexcept nogil:
    """The maximal runs [runs[2r], runs[2r + 1]) of columns that vary; returns their number"""
    # The columns in which the block's samples differ, as maximal runs [runs[2r], runs[2r+1]);
    # returns the number of runs. Between them lie the columns that hold one value in every
    # sample (MNIST: the background between and around the strokes).
    cdef Py_ssize_t j = 0, nruns = 0
    while j < inodes:
        if _column_varies(inputs, count, inodes, j):
            runs[2 * nruns] = j
            while j < inodes and _column_varies(inputs, count, inodes, j):
                j += 1
            runs[2 * nruns + 1] = j
            nruns += 1
        else:
            j += 1
    return nruns


cdef void _epoch_block_runs(floating *wih, floating *who, Py_ssize_t hnodes, Py_ssize_t inodes, Py_ssize_t onodes,
                            floating lr, const floating *inputs, const floating *targets,
                            int count, int nruns, const int *runs, int varying,
                            floating *hidden_in, floating *gram, floating *delta, floating *outs,
                            floating *delta_sum, floating *x_var,
                            floating *w_var) noexcept nogil:
    """:func:`_epoch_block_edges` with constant columns between the varying runs too"""
    # _epoch_block_edges when the constant columns also lie *between* the varying ones (MNIST:
    # about 40 % of the columns for 48 digits). The varying runs of the inputs and of wih are
    # copied side by side into x_var (count, varying) and w_var (hnodes, varying), ?gemm works
    # on those, and w_var is copied back; each constant run is a ?gemv (its input to the hidden
    # nodes) and a ?ger (its update), as the margins are in _epoch_block_edges.
    cdef Py_ssize_t r, i, k, m, pos, start, length, prev
    cdef floating one = 1, zero = 0, c2 = 0
    cdef char no = b'N', tr = b'T'
    # gather the varying runs
    for m in range(count):
        pos = 0
        for r in range(nruns):
            start, length = runs[2 * r], runs[2 * r + 1] - runs[2 * r]
            memcpy(x_var + m * varying + pos, inputs + m * inodes + start, length * sizeof(floating))
            pos += length
    for i in range(hnodes):
        pos = 0
        for r in range(nruns):
            start, length = runs[2 * r], runs[2 * r + 1] - runs[2 * r]
            memcpy(w_var + i * varying + pos, wih + i * inodes + start, length * sizeof(floating))
            pos += length
    # the constant runs (before, between and after the varying ones): input and Gram share
    for i in range(hnodes):
        delta_sum[i] = 0
    prev = 0
    for r in range(nruns + 1):
        start = prev
        length = (runs[2 * r] if r < nruns else inodes) - start
        if length > 0:
            _gemv_t_ld(length, hnodes, one, wih + start, inodes, inputs + start, one, delta_sum)
            for k in range(start, start + length):
                c2 = c2 + inputs[k] * inputs[k]
        if r < nruns:
            prev = runs[2 * r + 1]
    # hidden_in = x_var . w_var^T + the constant part; gram = x_var . x_var^T + c2
    _gemm_ld(tr, no, hnodes, count, varying, one, w_var, varying, x_var, varying, zero,
             hidden_in, hnodes)
    for m in range(count):
        for i in range(hnodes):
            hidden_in[m * hnodes + i] += delta_sum[i]
    _gram_ld(count, varying, x_var, varying, gram)
    for k in range(count):
        for m in range(k + 1):
            gram[k * count + m] += c2
    _block_samples(who, hnodes, onodes, lr, targets, count, hidden_in, gram, delta, outs)
    # step 6 on the varying columns, then back into wih
    _gemm_ld(no, tr, varying, hnodes, count, lr, x_var, varying, delta, hnodes, one, w_var,
             varying)
    for i in range(hnodes):
        pos = 0
        for r in range(nruns):
            start, length = runs[2 * r], runs[2 * r + 1] - runs[2 * r]
            memcpy(wih + i * inodes + start, w_var + i * varying + pos, length * sizeof(floating))
            pos += length
    # step 6 on the constant runs: wih[:, j] += lr * (sum_k delta_k) * c_j
    for i in range(hnodes):
        delta_sum[i] = 0
    for k in range(count):
        for i in range(hnodes):
            delta_sum[i] += delta[k * hnodes + i]
    prev = 0
    for r in range(nruns + 1):
        start = prev
        length = (runs[2 * r] if r < nruns else inodes) - start
        if length > 0:
            _ger_ld(length, hnodes, lr, inputs + start, delta_sum, wih + start, inodes)
        if r < nruns:
            prev = runs[2 * r + 1]


#: Copy the varying runs (_epoch_block_runs) when at most this fraction of columns varies.
cdef double RUNS_BELOW = 0.8

#: Whether blocks look for constant columns at all (the bench switches it off to show the
#: plain blocked kernel; the numbers are the same either way).
cdef bint CONSTANT_COLUMNS = True


cdef void _epoch(floating[:, ::1] wih, floating[:, ::1] who, floating lr,
                 const floating[:, ::1] inputs, const floating[:, ::1] targets,
                 floating[::1] work, floating[::1] copies, int[::1] runs):
    """One epoch of the book's step over every row, in blocks of BLOCK samples, GIL released once"""
    # work: hidden_in and delta (BLOCK * hnodes each), gram (BLOCK * BLOCK), then
    # final_outputs, output_errors, output_delta (onodes each), delta_sum (hnodes).
    # copies: x_var (BLOCK * inodes) and w_var (hnodes * inodes); runs: 2 * inodes ints.
    # GIL released once for all rows.
    cdef Py_ssize_t hnodes = wih.shape[0], inodes = wih.shape[1], onodes = who.shape[0]
    cdef Py_ssize_t start, count = inputs.shape[0]
    cdef Py_ssize_t size, lo, hi, nruns, r, varying
    cdef floating *hidden_in = &work[0]
    cdef floating *delta = hidden_in + BLOCK * hnodes
    cdef floating *gram = delta + BLOCK * hnodes
    cdef floating *outs = gram + BLOCK * BLOCK
    cdef floating *delta_sum = outs + 3 * onodes
    cdef const floating *block
    with nogil:
        start = 0
        while start < count:
            size = BLOCK if start + BLOCK <= count else (count - start)
            block = &inputs[start, 0]
            nruns = _varying_runs(block, size, inodes, &runs[0]) \
                if size > 1 and CONSTANT_COLUMNS else 0
            varying = 0
            for r in range(nruns):
                varying += runs[2 * r + 1] - runs[2 * r]
            if nruns > 1 and varying < RUNS_BELOW * inodes:
                _epoch_block_runs(&wih[0, 0], &who[0, 0], hnodes, inodes, onodes, lr, block,
                                  &targets[start, 0], size, nruns, &runs[0], varying, hidden_in,
                                  gram, delta, outs, delta_sum, &copies[0],
                                  &copies[0] + BLOCK * inodes)
            elif nruns > 0 and (runs[0] > 0 or runs[2 * nruns - 1] < inodes):
                lo, hi = runs[0], runs[2 * nruns - 1]
                _epoch_block_edges(&wih[0, 0], &who[0, 0], hnodes, inodes, onodes, lr, block,
                                   &targets[start, 0], size, lo, hi, hidden_in, gram, delta,
                                   outs, delta_sum)
            else:
                _epoch_block(&wih[0, 0], &who[0, 0], hnodes, inodes, onodes, lr, block,
                             &targets[start, 0], size, hidden_in, gram, delta, outs)
            start += size


cdef void _one_step(floating[:, ::1] wih, floating[:, ::1] who, floating lr,
                    const floating[::1] inputs, const floating[::1] targets,
                    floating[::1] work):
    """The book's step for one sample (:func:`_step`), with the GIL released"""
    # the plain step: work holds hidden_outputs, hidden_errors (hnodes each), final_outputs,
    # output_errors, output_delta (onodes each)
    cdef Py_ssize_t hnodes = wih.shape[0], inodes = wih.shape[1], onodes = who.shape[0]
    cdef floating *w = &work[0]
    with nogil:
        _step(&wih[0, 0], &who[0, 0], hnodes, inodes, onodes, lr, &inputs[0], &targets[0],
              w, w + 2 * hnodes, w + 2 * hnodes + onodes, w + 2 * hnodes + 2 * onodes,
              w + hnodes)


def _set_block_size(n):
    """Change the epoch kernel's block size and return the old one (for the tests, which check
    that every block size gives the book's numbers). Not part of the kernel API."""
    global BLOCK
    if n < 1:
        raise ValueError(f"block size must be >= 1, got {n}")
    old = BLOCK
    BLOCK = n
    return old


def _set_constant_columns(enabled):
    """Switch the epoch kernel's constant-column shortcut on or off; return the old setting
    (for the tests and the bench). Not part of the kernel API."""
    global CONSTANT_COLUMNS
    old = bool(CONSTANT_COLUMNS)
    CONSTANT_COLUMNS = bool(enabled)
    return old


def _step_work(wih, who):
    return np.empty(2 * wih.shape[0] + 3 * who.shape[0], dtype=wih.dtype)


def _epoch_work(wih, who):
    hnodes, inodes = wih.shape
    work = np.empty(3 * BLOCK * hnodes + BLOCK * BLOCK + 3 * who.shape[0], dtype=wih.dtype)
    copies = np.empty(BLOCK * inodes + hnodes * inodes, dtype=wih.dtype)
    return work, copies, np.empty(2 * inodes + 2, dtype=np.intc)


def rashid_train_step(wih, who, lr, inputs, targets):
    """One training step of Rashid's network on one sample, updating ``wih`` and ``who`` in
    place. Same contract as :func:`pynet.kernels.reference.rashid.rashid_train_step`."""
    wih, who, lr, inputs, targets = prepare_train_step(wih, who, lr, inputs, targets)
    work = _step_work(wih, who)
    if wih.dtype == np.float64:
        _one_step[double](wih, who, lr, inputs, targets, work)
    else:
        _one_step[float](wih, who, <float>lr, inputs, targets, work)


def rashid_train_epoch(wih, who, lr, inputs, targets):
    """Every row of ``inputs``/``targets`` in order, one train step each, in one C loop with
    the GIL released. Same contract as :func:`pynet.kernels.reference.rashid.rashid_train_epoch`."""
    wih, who, lr, inputs, targets = prepare_train_epoch(wih, who, lr, inputs, targets)
    if inputs.shape[0] == 0:
        return
    work, copies, runs = _epoch_work(wih, who)
    if wih.dtype == np.float64:
        _epoch[double](wih, who, lr, inputs, targets, work, copies, runs)
    else:
        _epoch[float](wih, who, <float>lr, inputs, targets, work, copies, runs)


cdef void _query(const floating[:, ::1] wih, const floating[:, ::1] who,
                 const floating[:, ::1] inputs, floating[:, ::1] hidden, floating[:, ::1] out):
    """hidden = σ(inputs·wihᵀ); out = σ(hidden·whoᵀ), for every row at once"""
    cdef Py_ssize_t count = inputs.shape[0], hnodes = wih.shape[0], inodes = wih.shape[1]
    cdef Py_ssize_t onodes = who.shape[0]
    cdef Py_ssize_t a, b
    with nogil:
        # rows instead of columns: hidden = sigmoid(inputs @ wih^T), out = sigmoid(hidden @ who^T)
        gemm_rm(False, True, count, hnodes, inodes, 1, &inputs[0, 0], &wih[0, 0], 0,
                &hidden[0, 0])
        for a in range(count):
            for b in range(hnodes):
                hidden[a, b] = sigmoid_scalar(hidden[a, b])
        gemm_rm(False, True, count, onodes, hnodes, 1, &hidden[0, 0], &who[0, 0], 0,
                &out[0, 0])
        for a in range(count):
            for b in range(onodes):
                out[a, b] = sigmoid_scalar(out[a, b])


def rashid_query_batch(wih, who, inputs, out=None):
    """The forward pass for many samples, ``(N, inodes) -> (N, onodes)``, through BLAS ?gemm.
    Same contract as :func:`pynet.kernels.reference.rashid.rashid_query_batch`."""
    wih, who, inputs, out = prepare_query_batch(wih, who, inputs, out)
    if inputs.shape[0] == 0:
        return out
    hidden = np.empty((inputs.shape[0], wih.shape[0]), dtype=out.dtype)
    if out.dtype == np.float64:
        _query[double](wih, who, inputs, hidden, out)
    else:
        _query[float](wih, who, inputs, hidden, out)
    return out
