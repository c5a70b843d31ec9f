# cython: language_level=3
# Row-major wrappers around the Fortran BLAS that SciPy exports (scipy.linalg.cython_blas).
#
# BLAS is column-major; a C-ordered (row-major) matrix X of shape (r, c) is, to BLAS, the
# column-major matrix X^T of shape (c, r) with leading dimension c. Every wrapper below
# rewrites the row-major request in those terms. All are `noexcept nogil`, fused over
# float/double, and shared by every csrc/*.pyx module by `from blas cimport ...`.
from cython cimport floating
from scipy.linalg.cython_blas cimport sgemm, dgemm, sgemv, dgemv, sger, dger, saxpy, daxpy, sdot, ddot


cdef inline void gemm_rm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                         const floating *a, const floating *b, floating beta,
                         floating *c) noexcept nogil:
    """C := α·op(A)·op(B) + β·C for row-major (C-contiguous) A, B, C, through ?gemm"""
    # C (m, n) = alpha * op(A) @ op(B) + beta * C, all C-contiguous.
    # A is stored (m, k), or (k, m) when trans_a; B is (k, n), or (n, k) when trans_b.
    # Column-major view: C^T = op(B)^T @ op(A)^T, so B goes first.
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    cdef int lda = m if trans_a else k
    cdef int ldb = k if trans_b else n
    cdef int ldc = n
    if lda < 1:
        lda = 1
    if ldb < 1:
        ldb = 1
    if ldc < 1:
        ldc = 1
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c, &ldc)


cdef inline void gemv_rm(bint trans, int rows, int cols, floating alpha, const floating *a,
                         const floating *x, floating beta, floating *y) noexcept nogil:
    """y := α·op(A)·x + β·y for a row-major A (rows, cols), through ?gemv"""
    # y = alpha * op(A) @ x + beta * y, where A is stored C-contiguous with shape (rows, cols).
    # Column-major BLAS sees A^T (cols, rows), so op(A) = A is its 'T' and op(A) = A^T its 'N'.
    cdef char t = b'N' if trans else b'T'
    cdef int one = 1
    cdef int lda = cols if cols > 0 else 1
    if floating is float:
        sgemv(&t, &cols, &rows, &alpha, <float *>a, &lda, <float *>x, &one, &beta, y, &one)
    else:
        dgemv(&t, &cols, &rows, &alpha, <double *>a, &lda, <double *>x, &one, &beta, y, &one)


cdef inline void ger_rm(int rows, int cols, floating alpha, const floating *x,
                        const floating *y, floating *a) noexcept nogil:
    """A := A + α·x·yᵀ for a row-major A (rows, cols), through ?ger"""
    # A (rows, cols, C-contiguous) += alpha * outer(x, y).
    # Column-major view: A^T += alpha * y x^T, so y is BLAS's x.
    cdef int one = 1
    cdef int lda = cols if cols > 0 else 1
    if floating is float:
        sger(&cols, &rows, &alpha, <float *>y, &one, <float *>x, &one, a, &lda)
    else:
        dger(&cols, &rows, &alpha, <double *>y, &one, <double *>x, &one, a, &lda)


cdef inline void axpy(int n, floating alpha, const floating *x, floating *y) noexcept nogil:
    """y := y + α·x"""
    # y += alpha * x (contiguous vectors).
    cdef int one = 1
    if floating is float:
        saxpy(&n, &alpha, <float *>x, &one, y, &one)
    else:
        daxpy(&n, &alpha, <double *>x, &one, y, &one)


cdef inline floating dot(int n, const floating *x, const floating *y) noexcept nogil:
    """Σᵢ xᵢ·yᵢ"""
    # sum_i x[i] * y[i] (contiguous vectors).
    cdef int one = 1
    if floating is float:
        return sdot(&n, <float *>x, &one, <float *>y, &one)
    else:
        return ddot(&n, <double *>x, &one, <double *>y, &one)
