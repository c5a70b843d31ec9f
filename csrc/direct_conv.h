/* A direct 2-D convolution (stride 1, no dilation) for float32 NHWC, with AVX-512F.
 *
 * Used by csrc/conv.pyx where it applies (see _direct_applies there); its readable twin is the
 * same cross-correlation in pynet/kernels/reference/conv.py, and the tests compare the two.
 *
 *     y[oh, ow, f] = b[f] + sum over (i, j, c) of xpad[oh + i, ow + j, c] * K[i, j, c, f]
 *
 * One call works on one image. The image is first copied into ``buf`` with its zero border
 * (when it has one), so the inner loop never tests a bound. The output is made in tiles of up
 * to PYNET_DC_NW neighbouring pixels of one row by 32 filters (two 16-wide vectors): the
 * tile's 2 * NW sums stay in registers while the loop walks the whole window, and each step
 * of that loop loads the 32 filters' weights for one (i, j, c) once and multiplies them by NW
 * input numbers. For a fixed window row i the pairs (j, c) are adjacent in memory both in the
 * input row (pixel ow + j, channel c) and in the kernel, so the loop over them is one loop of
 * KW * C steps. Each output is one sum in a fixed order, whatever the tiling or the threads.
 *
 * Without AVX-512F (another CPU, or a compiler without the target attribute) pynet_dc_supported()
 * is 0 and conv.pyx keeps its im2col + GEMM path.
 */
#ifndef PYNET_DIRECT_CONV_H
#define PYNET_DIRECT_CONV_H

#include <stddef.h>
#include <string.h>

#define PYNET_DC_NW 14
/* one case per tile width 14 … 1: each is compiled with its width as a constant */
#define PYNET_DC_WIDTHS(CASE) CASE(14) CASE(13) CASE(12) CASE(11) CASE(10) CASE(9) CASE(8) \
                              CASE(7) CASE(6) CASE(5) CASE(4) CASE(3) CASE(2) CASE(1)

/* -DPYNET_DC_X86=0 builds without the AVX-512 code (the tests of that build use it). */
#ifndef PYNET_DC_X86
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PYNET_DC_X86 1
#else
#define PYNET_DC_X86 0
#endif
#endif
#if PYNET_DC_X86
#include <immintrin.h>
#endif

#if PYNET_DC_X86

static inline int pynet_dc_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define PYNET_DC_TARGET __attribute__((target("avx512f")))

/* The lanes of a block of ``rem`` (≥ 1) remaining filters: m0 for the first 16, m1 for the next
 * 16; returns how many vectors the block needs (1 or 2). */
static inline int pynet_dc_masks(ptrdiff_t rem, __mmask16 *m0, __mmask16 *m1)
{
    *m0 = rem >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rem) - 1u);
    *m1 = rem >= 32 ? (__mmask16)0xFFFF : rem > 16 ? (__mmask16)((1u << (rem - 16)) - 1u)
                                                   : (__mmask16)0;
    return rem > 16 ? 2 : 1;
}

/* One tile: NW pixels (of a padded input row), NV (1 or 2) vectors of 16 filters. */
static inline __attribute__((always_inline)) PYNET_DC_TARGET void
pynet_dc_tile(const int NW, const int NV, const float *xrow, ptrdiff_t xrow_step,
              const float *k, ptrdiff_t krow_step, ptrdiff_t ystep, ptrdiff_t kh, ptrdiff_t run,
              ptrdiff_t xstep, const float *bias, int relu, float *y, __mmask16 m0,
              __mmask16 m1)
{
    __m512 a0[PYNET_DC_NW], a1[PYNET_DC_NW];
    __m512 b0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 b1 = (bias && NV > 1) ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int q = 0; q < NW; q++) {
        a0[q] = b0;
        a1[q] = b1;
    }
    for (ptrdiff_t i = 0; i < kh; i++) {
        const float *xs = xrow + i * xrow_step;
        const float *ks = k + i * krow_step;
        for (ptrdiff_t t = 0; t < run; t++) {
            __m512 w0 = _mm512_loadu_ps(ks + t * 32);
            __m512 w1 = NV > 1 ? _mm512_loadu_ps(ks + t * 32 + 16) : w0;
#pragma GCC unroll 16
            for (int q = 0; q < NW; q++) {
                __m512 v = _mm512_set1_ps(xs[q * xstep + t]);
                a0[q] = _mm512_fmadd_ps(v, w0, a0[q]);
                if (NV > 1)
                    a1[q] = _mm512_fmadd_ps(v, w1, a1[q]);
            }
        }
    }
    __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int q = 0; q < NW; q++) {
        __m512 r0 = relu ? _mm512_max_ps(a0[q], zero) : a0[q];
        _mm512_mask_storeu_ps(y + q * ystep, m0, r0);
        if (NV > 1) {
            __m512 r1 = relu ? _mm512_max_ps(a1[q], zero) : a1[q];
            _mm512_mask_storeu_ps(y + q * ystep + 16, m1, r1);
        }
    }
}

#define PYNET_DC_CASE(NWV)                                                                   \
    case NWV:                                                                                \
        if (nv == 2)                                                                         \
            pynet_dc_tile(NWV, 2, xrow, xrow_step, k, krow_step, ystep, kh, run, xstep, bias, \
                          relu, y, m0, m1);                                                  \
        else                                                                                 \
            pynet_dc_tile(NWV, 1, xrow, xrow_step, k, krow_step, ystep, kh, run, xstep, bias, \
                          relu, y, m0, m1);                                                  \
        break;

static PYNET_DC_TARGET void
pynet_dc_tile_any(int nw, int nv, const float *xrow, ptrdiff_t xrow_step, const float *k,
                  ptrdiff_t krow_step, ptrdiff_t ystep, ptrdiff_t kh, ptrdiff_t run,
                  ptrdiff_t xstep,
                  const float *bias, int relu, float *y, __mmask16 m0, __mmask16 m1)
{
    switch (nw) {
        PYNET_DC_WIDTHS(PYNET_DC_CASE)
        default: break;
    }
}

/* Pixels per tile along a row of ``ow``: tiles as even as possible, none wider than NW. */
static inline ptrdiff_t pynet_dc_tile_width(ptrdiff_t ow)
{
    ptrdiff_t tiles = (ow + PYNET_DC_NW - 1) / PYNET_DC_NW;
    return (ow + tiles - 1) / tiles;
}

/* The image x (h, w, c) with its zero border, in buf ((h + pt + pb) · (w + pl + pr) · c floats)
 * when it has one; returns where the padded image is (x itself without a border). A negative
 * pb or pr drops that many rows or columns at the end instead (no window reaches them). */
static const float *
pynet_dc_pad(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt, ptrdiff_t pb,
             ptrdiff_t pl, ptrdiff_t pr, float *buf)
{
    ptrdiff_t rows = pb < 0 ? h + pb : h, cols = pr < 0 ? w + pr : w;
    ptrdiff_t hp = h + pt + pb, wp = w + pl + pr;
    if (!(pt || pb > 0 || pl || pr))
        return x;                    /* rows past the end are never read */
    memset(buf, 0, (size_t)(hp * wp * c) * sizeof(float));
    for (ptrdiff_t r = 0; r < rows; r++)
        memcpy(buf + ((r + pt) * wp + pl) * c, x + r * w * c, (size_t)(cols * c) * sizeof(float));
    return buf;
}

/* Output size along one axis: the windows of ``k`` taps, ``s`` apart, that fit in ``n``. */
static inline ptrdiff_t pynet_dc_out(ptrdiff_t n, ptrdiff_t k, ptrdiff_t s)
{
    return n < k ? 0 : (n - k) / s + 1;
}

/* Numbers in the packed kernel of pynet_dc_pack: blocks of 32 filters (the last one padded
 * with zeros), each block's kh·kw·c rows of 32 weights adjacent in memory. */
static inline ptrdiff_t pynet_dc_packed_size(ptrdiff_t rows, ptrdiff_t f)
{
    return (f + 31) / 32 * rows * 32;
}

/* k (rows, f) → out (⌈f / 32⌉, rows, 32): one block's weights are then read one after the
 * other by the tiles (not 4·f bytes apart), whatever the number of filters. */
static void
pynet_dc_pack(const float *k, ptrdiff_t rows, ptrdiff_t f, float *out)
{
    for (ptrdiff_t f0 = 0; f0 < f; f0 += 32) {
        ptrdiff_t width = f - f0 < 32 ? f - f0 : 32;
        for (ptrdiff_t r = 0; r < rows; r++) {
            float *dst = out + (f0 / 32 * rows + r) * 32;
            memcpy(dst, k + r * f + f0, (size_t)width * sizeof(float));
            if (width < 32)
                memset(dst + width, 0, (size_t)(32 - width) * sizeof(float));
        }
    }
}

/* The sums of one output grid: output (r, s) for r < oh, s < ow reads the window whose top left
 * is xp + (r · sh · wp + s · sw) · c (a padded image, wp pixels of c numbers per row) and is
 * written at y + r · yrow + s · ypix (f numbers). kp: the kernel (kh, kw, c, f) packed by
 * pynet_dc_pack. The filters go in blocks of 32 on the outside, so one block's weights
 * (kh·kw·c·32 numbers, adjacent) stay in the core's cache while the tiles walk the image. */
static PYNET_DC_TARGET void
pynet_dc_grid(const float *xp, ptrdiff_t wp, ptrdiff_t c, const float *kp, ptrdiff_t kh,
              ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t oh, ptrdiff_t ow,
              const float *bias, int relu, float *y, ptrdiff_t yrow, ptrdiff_t ypix)
{
    if (oh <= 0 || ow <= 0)
        return;
    ptrdiff_t tw = pynet_dc_tile_width(ow);
    ptrdiff_t run = kw * c, xrow_step = wp * c, krow_step = kw * c * 32;
    for (ptrdiff_t f0 = 0; f0 < f; f0 += 32) {
        __mmask16 m0, m1;
        int nv = pynet_dc_masks(f - f0, &m0, &m1);
        for (ptrdiff_t r = 0; r < oh; r++) {
            for (ptrdiff_t s = 0; s < ow; s += tw) {
                int nw = (int)(ow - s < tw ? ow - s : tw);
                pynet_dc_tile_any(nw, nv, xp + (r * sh * wp + s * sw) * c, xrow_step,
                                  kp + f0 * kh * run, krow_step, ypix, kh, run, sw * c,
                                  bias ? bias + f0 : NULL, relu,
                                  y + r * yrow + s * ypix + f0, m0, m1);
            }
        }
    }
}

/* One padded image xp (hp, wp, c); kp: the kernel (kh, kw, c, f) packed by pynet_dc_pack;
 * strides sh, sw; y: (pynet_dc_out(hp, kh, sh), pynet_dc_out(wp, kw, sw), f); bias: (f,) or
 * NULL. */
static PYNET_DC_TARGET void
pynet_dc_padded(const float *xp, ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, const float *kp,
                ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw,
                const float *bias, int relu, float *y)
{
    ptrdiff_t oh = pynet_dc_out(hp, kh, sh), ow = pynet_dc_out(wp, kw, sw);
    pynet_dc_grid(xp, wp, c, kp, kh, kw, f, sh, sw, oh, ow, bias, relu, y, ow * f, f);
}

/* One image. x: (h, w, c); kp: the kernel (kh, kw, c, f) packed by pynet_dc_pack; stride 1;
 * y: (h + pt + pb - kh + 1, w + pl + pr - kw + 1, f); bias: (f,) or NULL;
 * buf: (h + pt + pb) * (w + pl + pr) * c floats when any pad is > 0. */
static PYNET_DC_TARGET void
pynet_dc_image(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt, ptrdiff_t pb,
               ptrdiff_t pl, ptrdiff_t pr, const float *kp, ptrdiff_t kh, ptrdiff_t kw,
               ptrdiff_t f, const float *bias, int relu, float *y, float *buf)
{
    const float *xp = pynet_dc_pad(x, h, w, c, pt, pb, pl, pr, buf);
    pynet_dc_padded(xp, h + pt + pb, w + pl + pr, c, kp, kh, kw, f, 1, 1, bias, relu, y);
}

/* ---- the kernel gradient ------------------------------------------------------------------
 *
 *     dK[i, j, c, f] += sum over (r, s) of xpad[r + i, s + j, c] * dz[r, s, f]
 *
 * For a fixed window row i, (j, c) is again one index t = j * C + c of KW * C adjacent numbers,
 * both in the input row (pixel s, then t) and in the kernel. A tile is NT neighbouring t by 32
 * filters: its 2 * NT sums stay in registers while the loop walks every output pixel of the
 * image (one load of dz's 32 numbers, NT broadcasts of input numbers). Called image after
 * image on the same dK, each sum is added in image, row, column order. */
static inline __attribute__((always_inline)) PYNET_DC_TARGET void
pynet_dc_ktile(const int NT, const int NV, const float *xs, ptrdiff_t xrow_step,
               ptrdiff_t xstep, const float *dz, ptrdiff_t dstep, ptrdiff_t f, ptrdiff_t oh,
               ptrdiff_t ow, float *dk, __mmask16 m0, __mmask16 m1)
{
    __m512 a0[PYNET_DC_NW], a1[PYNET_DC_NW];
#pragma GCC unroll 16
    for (int q = 0; q < NT; q++) {
        a0[q] = _mm512_maskz_loadu_ps(m0, dk + q * f);
        a1[q] = NV > 1 ? _mm512_maskz_loadu_ps(m1, dk + q * f + 16) : a0[q];
    }
    for (ptrdiff_t r = 0; r < oh; r++) {
        const float *xr = xs + r * xrow_step;
        const float *dr = dz + r * ow * dstep;
        for (ptrdiff_t s = 0; s < ow; s++) {
            __m512 d0 = _mm512_maskz_loadu_ps(m0, dr + s * dstep);
            __m512 d1 = NV > 1 ? _mm512_maskz_loadu_ps(m1, dr + s * dstep + 16) : d0;
            const float *xq = xr + s * xstep;
#pragma GCC unroll 16
            for (int q = 0; q < NT; q++) {
                __m512 v = _mm512_set1_ps(xq[q]);
                a0[q] = _mm512_fmadd_ps(v, d0, a0[q]);
                if (NV > 1)
                    a1[q] = _mm512_fmadd_ps(v, d1, a1[q]);
            }
        }
    }
#pragma GCC unroll 16
    for (int q = 0; q < NT; q++) {
        _mm512_mask_storeu_ps(dk + q * f, m0, a0[q]);
        if (NV > 1)
            _mm512_mask_storeu_ps(dk + q * f + 16, m1, a1[q]);
    }
}

#define PYNET_DC_KCASE(NTV)                                                                  \
    case NTV:                                                                                \
        if (nv == 2)                                                                         \
            pynet_dc_ktile(NTV, 2, xs, xrow_step, xstep, dz, dstep, f, oh, ow, dk, m0, m1);  \
        else                                                                                 \
            pynet_dc_ktile(NTV, 1, xs, xrow_step, xstep, dz, dstep, f, oh, ow, dk, m0, m1);  \
        break;

static PYNET_DC_TARGET void
pynet_dc_ktile_any(int nt, int nv, const float *xs, ptrdiff_t xrow_step, ptrdiff_t xstep,
                   const float *dz, ptrdiff_t dstep, ptrdiff_t f, ptrdiff_t oh, ptrdiff_t ow,
                   float *dk, __mmask16 m0, __mmask16 m1)
{
    switch (nt) {
        PYNET_DC_WIDTHS(PYNET_DC_KCASE)
        default: break;
    }
}

/* dk (kh, kw, c, f) += the kernel gradient of one padded image xp (hp, wp, c) with strides
 * sh, sw, whose dL/dz is dz (pynet_dc_out(hp, kh, sh), pynet_dc_out(wp, kw, sw), f). With more
 * than 32 filters dz is first packed into dzbuf (pynet_dc_packed_size(oh · ow, f) numbers), so
 * that a tile reads its 32 numbers per pixel one pixel after the other. */
static PYNET_DC_TARGET void
pynet_dc_kgrad_padded(const float *xp, ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, const float *dz,
                      ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw,
                      float *dk, float *dzbuf)
{
    ptrdiff_t oh = pynet_dc_out(hp, kh, sh), ow = pynet_dc_out(wp, kw, sw);
    if (oh <= 0 || ow <= 0)
        return;
    ptrdiff_t dstep = f, dblock = 0;
    if (f > 32) {
        pynet_dc_pack(dz, oh * ow, f, dzbuf);
        dz = dzbuf;
        dstep = 32;
        dblock = oh * ow * 32;
    }
    ptrdiff_t run = kw * c, xrow_step = sh * wp * c;
    ptrdiff_t tiles = (run + PYNET_DC_NW - 1) / PYNET_DC_NW;
    ptrdiff_t tt = (run + tiles - 1) / tiles;
    for (ptrdiff_t i = 0; i < kh; i++) {
        for (ptrdiff_t t0 = 0; t0 < run; t0 += tt) {
            int nt = (int)(run - t0 < tt ? run - t0 : tt);
            for (ptrdiff_t f0 = 0; f0 < f; f0 += 32) {
                __mmask16 m0, m1;
                int nv = pynet_dc_masks(f - f0, &m0, &m1);
                const float *dzb = dblock ? dz + f0 / 32 * dblock : dz + f0;
                pynet_dc_ktile_any(nt, nv, xp + i * wp * c + t0, xrow_step, sw * c, dzb, dstep,
                                   f, oh, ow, dk + (i * run + t0) * f + f0, m0, m1);
            }
        }
    }
}

/* dk (kh, kw, c, f) += the kernel gradient of one image: x (h, w, c), stride 1, dz (oh, ow, f)
 * with oh = h + pt + pb - kh + 1 (and ow likewise); buf as for pynet_dc_image. */
static PYNET_DC_TARGET void
pynet_dc_kgrad_image(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt,
                     ptrdiff_t pb, ptrdiff_t pl, ptrdiff_t pr, const float *dz, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t f, float *dk, float *buf, float *dzbuf)
{
    const float *xp = pynet_dc_pad(x, h, w, c, pt, pb, pl, pr, buf);
    pynet_dc_kgrad_padded(xp, h + pt + pb, w + pl + pr, c, dz, kh, kw, f, 1, 1, dk, dzbuf);
}

#else  /* not x86 with GCC/Clang */

static inline int pynet_dc_supported(void) { return 0; }

static inline ptrdiff_t pynet_dc_packed_size(ptrdiff_t rows, ptrdiff_t f)
{
    return (f + 31) / 32 * rows * 32;
}

static void
pynet_dc_pack(const float *k, ptrdiff_t rows, ptrdiff_t f, float *out)
{
    (void)k; (void)rows; (void)f; (void)out;
}

static const float *
pynet_dc_pad(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt, ptrdiff_t pb,
             ptrdiff_t pl, ptrdiff_t pr, float *buf)
{
    (void)h; (void)w; (void)c; (void)pt; (void)pb; (void)pl; (void)pr; (void)buf;
    return x;
}

static void
pynet_dc_grid(const float *xp, ptrdiff_t wp, ptrdiff_t c, const float *kp, ptrdiff_t kh,
              ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t oh, ptrdiff_t ow,
              const float *bias, int relu, float *y, ptrdiff_t yrow, ptrdiff_t ypix)
{
    (void)xp; (void)wp; (void)c; (void)kp; (void)kh; (void)kw; (void)f; (void)sh; (void)sw;
    (void)oh; (void)ow; (void)bias; (void)relu; (void)y; (void)yrow; (void)ypix;
}

static void
pynet_dc_padded(const float *xp, ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, const float *k,
                ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw,
                const float *bias, int relu, float *y)
{
    (void)xp; (void)hp; (void)wp; (void)c; (void)k; (void)kh; (void)kw; (void)f; (void)sh;
    (void)sw; (void)bias; (void)relu; (void)y;
}

static void
pynet_dc_kgrad_padded(const float *xp, ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, const float *dz,
                      ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t f, ptrdiff_t sh, ptrdiff_t sw,
                      float *dk, float *dzbuf)
{
    (void)xp; (void)hp; (void)wp; (void)c; (void)dz; (void)kh; (void)kw; (void)f; (void)sh;
    (void)sw; (void)dk; (void)dzbuf;
}

static void
pynet_dc_image(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt, ptrdiff_t pb,
               ptrdiff_t pl, ptrdiff_t pr, const float *k, ptrdiff_t kh, ptrdiff_t kw,
               ptrdiff_t f, const float *bias, int relu, float *y, float *buf)
{
    (void)x; (void)h; (void)w; (void)c; (void)pt; (void)pb; (void)pl; (void)pr; (void)k;
    (void)kh; (void)kw; (void)f; (void)bias; (void)relu; (void)y; (void)buf;
}

static void
pynet_dc_kgrad_image(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t pt,
                     ptrdiff_t pb, ptrdiff_t pl, ptrdiff_t pr, const float *dz, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t f, float *dk, float *buf, float *dzbuf)
{
    (void)x; (void)h; (void)w; (void)c; (void)pt; (void)pb; (void)pl; (void)pr; (void)dz;
    (void)kh; (void)kw; (void)f; (void)dk; (void)buf; (void)dzbuf;
}

#endif
#endif
