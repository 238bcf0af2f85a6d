//! The eigendecomposition of a symmetric matrix, `C = B diag(λ) Bᵀ`, for the full
//! covariance model: Householder tridiagonalisation (LAPACK `dsytd2`), the explicit
//! orthogonal factor `Q`, and implicit QL on the tridiagonal (EISPACK `tql2`), its
//! rotations recorded and then applied to `Q` block of rows by block of rows. Knows
//! nothing of CMA-ES.
//!
//! Hand-written because at CMA-ES's sizes the crates are slower. Medians of back-to-back
//! runs on this project's 2-core AMD EPYC (AVX2), one random SPD matrix per size:
//!
//! | d   | this   | faer 0.24 (`self_adjoint_evd`, sequential) | nalgebra 0.35 `SymmetricEigen` |
//! |-----|--------|--------------------------------------------|--------------------------------|
//! | 50  | 145 µs | 195 µs                                     | 170 µs                         |
//! | 100 | 760 µs | 870 µs                                     | 1,060 µs                       |
//! | 200 | 4.4 ms | 3.9 ms                                     | 7.0 ms                         |
//!
//! faer is within 15% at d = 100 and ahead from about d = 200 (its divide and conquer);
//! the table is the reason to revisit this choice if full CMA-ES is run at larger d.
//!
//! Where the time goes at d = 100: tridiagonalisation 160 µs, forming `Q` 125 µs, the
//! QL recurrence 185 µs (a chain of square roots and divisions, latency-bound), applying
//! its ~n² rotations to `Q` 240 µs (6n³ flops; compute-bound).
//!
//! Deterministic: one thread, a fixed order of operations, no fused multiply-adds, so the
//! AVX2 build and the baseline build give the same bits.

use nalgebra::{DMatrix, DVector};

/// Rows of `Q` carried together through every rotation: sixteen rows are four AVX2
/// registers per column, enough independent chains to hide the rotation's latency, and a
/// block (16 × d f64) stays in L1.
const ROW_BLOCK: usize = 16;

/// QL iterations allowed per eigenvalue before it is accepted as it is. `tql2` needs
/// about two; the cap only keeps a non-finite matrix from looping forever.
const MAX_QL_ITERATIONS: usize = 60;

/// Buffers of one decomposition, kept so that a generation allocates nothing of size d².
#[derive(Debug, Clone, Default)]
pub(super) struct EigenWorkspace {
    /// The matrix being reduced, column-major; its lower triangle ends up holding the
    /// Householder vectors.
    reduced: Vec<f64>,
    /// The reflectors' scales τ.
    tau: Vec<f64>,
    /// The tridiagonal's subdiagonal (`e[i] = T[i+1, i]`).
    subdiagonal: Vec<f64>,
    /// `τ S v`, then `w`, in the tridiagonalisation.
    product: Vec<f64>,
    /// `(c, s)` of every QL rotation, in the order made.
    rotations: Vec<(f64, f64)>,
    /// `(l, m)` of each QL sweep: rotations on columns `(i, i+1)` for `i = m−1` down to `l`.
    sweeps: Vec<(usize, usize)>,
    /// One block of rows of `Q` while it is rotated: entry `j` is column `j`.
    block: Vec<[f64; ROW_BLOCK]>,
}

/// `values` (ascending) and `vectors` (the eigenvectors as columns, in the same order) of
/// the symmetric `c`. `c`'s two triangles may differ by rounding: their average is
/// decomposed.
pub(super) fn symmetric_eigen(
    c: &DMatrix<f64>,
    values: &mut DVector<f64>,
    vectors: &mut DMatrix<f64>,
    workspace: &mut EigenWorkspace,
) {
    let n = c.nrows();
    assert_eq!(c.shape(), (n, n), "a square matrix");
    if values.len() != n {
        *values = DVector::zeros(n);
    }
    if vectors.shape() != (n, n) {
        *vectors = DMatrix::zeros(n, n);
    }
    let (c, values, vectors) = (c.as_slice(), values.as_mut_slice(), vectors.as_mut_slice());
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::simd().has_avx2() {
        #[target_feature(enable = "avx2")]
        fn avx2(
            n: usize,
            c: &[f64],
            values: &mut [f64],
            vectors: &mut [f64],
            ws: &mut EigenWorkspace,
        ) {
            decompose(n, c, values, vectors, ws)
        }
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { avx2(n, c, values, vectors, workspace) };
    }
    decompose(n, c, values, vectors, workspace)
}

/// [`symmetric_eigen`] on column-major slices, compiled into each build of it.
#[inline(always)]
fn decompose(n: usize, c: &[f64], values: &mut [f64], q: &mut [f64], ws: &mut EigenWorkspace) {
    if n == 0 {
        return;
    }
    ws.reduced.resize(n * n, 0.0);
    for j in 0..n {
        for i in j..n {
            ws.reduced[j * n + i] = 0.5 * (c[j * n + i] + c[i * n + j]);
        }
    }
    for buffer in [&mut ws.tau, &mut ws.subdiagonal, &mut ws.product] {
        buffer.clear();
        buffer.resize(n, 0.0);
    }
    tridiagonalise(
        n,
        &mut ws.reduced,
        values,
        &mut ws.subdiagonal,
        &mut ws.tau,
        &mut ws.product,
    );
    form_q(n, &ws.reduced, &ws.tau, q);
    ql(
        n,
        values,
        &mut ws.subdiagonal,
        &mut ws.rotations,
        &mut ws.sweeps,
    );
    rotate(n, q, &ws.rotations, &ws.sweeps, &mut ws.block);
    sort(n, values, q);
}

/// `A = Q T Qᵀ` (LAPACK `dsytd2`, lower): reflector `i` is `I − τᵢ vᵢ vᵢᵀ`, `vᵢ` on rows
/// `i+1..` with a leading 1, stored below the subdiagonal of column `i`. `d`, `e`: `T`'s
/// diagonal and subdiagonal.
#[inline(always)]
fn tridiagonalise(
    n: usize,
    a: &mut [f64],
    d: &mut [f64],
    e: &mut [f64],
    tau: &mut [f64],
    product: &mut [f64],
) {
    for i in 0..n - 1 {
        let k = n - i - 1;
        let column = &mut a[i * n + i + 1..(i + 1) * n];
        let alpha = column[0];
        let tail_norm2 = dot(&column[1..], &column[1..]);
        // The reflector maps (alpha, tail) to (beta, 0); a zero tail needs none.
        let t = if tail_norm2 == 0.0 {
            e[i] = alpha;
            0.0
        } else {
            let beta = -alpha.signum() * (alpha * alpha + tail_norm2).sqrt();
            let scale = 1.0 / (alpha - beta);
            column[1..].iter_mut().for_each(|x| *x *= scale);
            e[i] = beta;
            (beta - alpha) / beta
        };
        column[0] = 1.0;
        tau[i] = t;
        d[i] = a[i * n + i];
        if t != 0.0 {
            let (head, trailing) = a.split_at_mut((i + 1) * n);
            let v = &head[i * n + i + 1..(i + 1) * n];
            let p = &mut product[..k];
            // p = τ S v; w = p − ½ τ (pᵀv) v; S ← S − v wᵀ − w vᵀ
            p.fill(0.0);
            symv_lower(trailing, n, i + 1, v, p);
            p.iter_mut().for_each(|x| *x *= t);
            axpy(-0.5 * t * dot(p, v), v, p);
            syr2_lower(trailing, n, i + 1, v, p);
        }
        a[i * n + i + 1] = e[i];
    }
    d[n - 1] = a[n * n - 1];
    e[n - 1] = 0.0;
}

/// `p += S v`: `S` the symmetric k × k block at row and column `offset` of the
/// column-major `m` (leading dimension `n`), of which only the lower triangle is read.
/// Four columns at a time, in one pass over their rows below the block's 4 × 4 head.
#[inline(always)]
fn symv_lower(m: &[f64], n: usize, offset: usize, v: &[f64], p: &mut [f64]) {
    let k = v.len();
    let column = |j: usize, from: usize| &m[j * n + offset + from..(j + 1) * n];
    let mut j = 0;
    while j + 4 <= k {
        for c in j..j + 4 {
            let col = column(c, c);
            p[c] += col[0] * v[c];
            for r in c + 1..j + 4 {
                p[r] += col[r - c] * v[c];
                p[c] += col[r - c] * v[r];
            }
        }
        let below = k - (j + 4);
        let cols: [&[f64]; 4] = std::array::from_fn(|c| &column(j + c, j + 4)[..below]);
        let w = [v[j], v[j + 1], v[j + 2], v[j + 3]];
        let (v_below, p_below) = (&v[j + 4..], &mut p[j + 4..]);
        let body = below / 4 * 4;
        // Four lanes per column so that the dot products vectorise.
        let mut lanes = [[0.0; 4]; 4];
        for r in (0..body).step_by(4) {
            let x: [[f64; 4]; 4] = std::array::from_fn(|c| std::array::from_fn(|t| cols[c][r + t]));
            for t in 0..4 {
                p_below[r + t] +=
                    (x[0][t] * w[0] + x[1][t] * w[1]) + (x[2][t] * w[2] + x[3][t] * w[3]);
                for c in 0..4 {
                    lanes[c][t] += x[c][t] * v_below[r + t];
                }
            }
        }
        for t in body..below {
            let x = [cols[0][t], cols[1][t], cols[2][t], cols[3][t]];
            p_below[t] += (x[0] * w[0] + x[1] * w[1]) + (x[2] * w[2] + x[3] * w[3]);
        }
        for c in 0..4 {
            let mut sum = (lanes[c][0] + lanes[c][2]) + (lanes[c][1] + lanes[c][3]);
            for t in body..below {
                sum += cols[c][t] * v_below[t];
            }
            p[j + c] += sum;
        }
        j += 4;
    }
    for j in j..k {
        let col = column(j, j);
        p[j] += col[0] * v[j] + dot(&col[1..], &v[j + 1..]);
        axpy(v[j], &col[1..], &mut p[j + 1..]);
    }
}

/// `S ← S − v wᵀ − w vᵀ` on the lower triangle of the block [`symv_lower`] reads.
#[inline(always)]
fn syr2_lower(m: &mut [f64], n: usize, offset: usize, v: &[f64], w: &[f64]) {
    for j in 0..v.len() {
        let col = &mut m[j * n + offset + j..(j + 1) * n];
        let (vj, wj) = (v[j], w[j]);
        for ((s, vr), wr) in col.iter_mut().zip(&v[j..]).zip(&w[j..]) {
            *s -= vr * wj + wr * vj;
        }
    }
}

/// `Q = H₀ H₁ ⋯ H_{n−2}` into `q`, accumulated backwards so that reflector `i` meets only
/// the trailing block `i+1..` (LAPACK `dorg2l`'s order).
#[inline(always)]
fn form_q(n: usize, a: &[f64], tau: &[f64], q: &mut [f64]) {
    q.fill(0.0);
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for i in (0..n - 1).rev() {
        let t = tau[i];
        if t == 0.0 {
            continue;
        }
        // v = (1, v_tail) on rows i+1..; row i+1 of a holds e[i], not v's leading 1.
        let v_tail = &a[i * n + i + 2..(i + 1) * n];
        // Q[i+1.., j] −= τ (vᵀ Q[i+1.., j]) v, four columns per pass over v.
        let mut j = i + 1;
        while j + 4 <= n {
            let columns = &mut q[j * n..(j + 4) * n];
            let (c0, rest) = columns.split_at_mut(n);
            let (c1, rest) = rest.split_at_mut(n);
            let (c2, c3) = rest.split_at_mut(n);
            let cols = [c0, c1, c2, c3].map(|col| &mut col[i + 1..]);
            let dots = dots4(
                v_tail,
                [&cols[0][1..], &cols[1][1..], &cols[2][1..], &cols[3][1..]],
            );
            let mut scales = [0.0; 4];
            for c in 0..4 {
                scales[c] = -t * (cols[c][0] + dots[c]);
                cols[c][0] += scales[c];
            }
            let [c0, c1, c2, c3] = cols.map(|col| &mut col[1..]);
            for (r, &x) in v_tail.iter().enumerate() {
                c0[r] += scales[0] * x;
                c1[r] += scales[1] * x;
                c2[r] += scales[2] * x;
                c3[r] += scales[3] * x;
            }
            j += 4;
        }
        for j in j..n {
            let col = &mut q[j * n + i + 1..(j + 1) * n];
            let scale = -t * (col[0] + dot(v_tail, &col[1..]));
            col[0] += scale;
            axpy(scale, v_tail, &mut col[1..]);
        }
    }
}

/// `[vᵀa₀, vᵀa₁, vᵀa₂, vᵀa₃]` in one pass over `v`, four partial sums per column.
#[inline(always)]
fn dots4(v: &[f64], a: [&[f64]; 4]) -> [f64; 4] {
    let len = v.len();
    let a = a.map(|column| &column[..len]);
    let body = len / 4 * 4;
    let mut lanes = [[0.0; 4]; 4];
    for r in (0..body).step_by(4) {
        for c in 0..4 {
            for t in 0..4 {
                lanes[c][t] += v[r + t] * a[c][r + t];
            }
        }
    }
    std::array::from_fn(|c| {
        let mut sum = (lanes[c][0] + lanes[c][2]) + (lanes[c][1] + lanes[c][3]);
        for r in body..len {
            sum += v[r] * a[c][r];
        }
        sum
    })
}

/// EISPACK `tql2`'s implicit QL on `T = (d, e)`, which leaves `T`'s eigenvalues in `d`.
/// The rotations are recorded for [`rotate`] rather than applied here.
#[inline(always)]
fn ql(
    n: usize,
    d: &mut [f64],
    e: &mut [f64],
    rotations: &mut Vec<(f64, f64)>,
    sweeps: &mut Vec<(usize, usize)>,
) {
    rotations.clear();
    sweeps.clear();
    let mut shift_sum = 0.0;
    let mut scale: f64 = 0.0;
    for l in 0..n {
        scale = scale.max(d[l].abs() + e[l].abs());
        // The first negligible subdiagonal entry from l on splits T there.
        let mut m = l;
        while m < n - 1 && !negligible(e[m], scale) {
            m += 1;
        }
        let mut iterations = 0;
        while m > l && iterations < MAX_QL_ITERATIONS {
            iterations += 1;
            // Shift: the eigenvalue of T's leading 2 × 2 at l nearer d[l].
            let g = d[l];
            let mut p = (d[l + 1] - g) / (2.0 * e[l]);
            let r = hypot(p, 1.0).copysign(p);
            d[l] = e[l] / (p + r);
            d[l + 1] = e[l] * (p + r);
            let dl1 = d[l + 1];
            let h = g - d[l];
            d[l + 2..].iter_mut().for_each(|x| *x -= h);
            shift_sum += h;
            // One implicit QL sweep from m up to l.
            p = d[m];
            let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
            let el1 = e[l + 1];
            let (mut s, mut s2) = (0.0, 0.0);
            sweeps.push((l, m));
            for i in (l..m).rev() {
                c3 = c2;
                c2 = c;
                s2 = s;
                let g = c * e[i];
                let h = c * p;
                let r = hypot(p, e[i]);
                e[i + 1] = s * r;
                s = e[i] / r;
                c = p / r;
                p = c * d[i] - s * g;
                d[i + 1] = h + s * (c * g + s * d[i]);
                rotations.push((c, s));
            }
            p = -s * s2 * c3 * el1 * e[l] / dl1;
            e[l] = s * p;
            d[l] = c * p;
            if negligible(e[l], scale) {
                break;
            }
        }
        d[l] += shift_sum;
        e[l] = 0.0;
    }
}

/// A subdiagonal entry too small to matter next to `scale`, the largest `|dᵢ| + |eᵢ|`
/// seen (`tql2`'s test). False for NaN, so a non-finite `T` runs into the iteration cap.
#[inline(always)]
fn negligible(e: f64, scale: f64) -> bool {
    e.abs() <= f64::EPSILON * scale
}

/// `√(x² + y²)`. libm's `hypot` guards against overflow at a cost that dominates the QL
/// recurrence; the plain formula is exact enough, so it is used unless it overflows or
/// underflows.
#[inline(always)]
fn hypot(x: f64, y: f64) -> f64 {
    let r = (x * x + y * y).sqrt();
    if r.is_normal() && r < 1e150 {
        r
    } else {
        x.hypot(y)
    }
}

/// `Q ← Q G₁ G₂ ⋯`: each row of `Q` meets the rotations independently of the others, so
/// a block of rows is carried through all of them while it sits in L1. Within a sweep
/// the column shared by consecutive rotations stays in registers (`carry`).
#[inline(always)]
fn rotate(
    n: usize,
    q: &mut [f64],
    rotations: &[(f64, f64)],
    sweeps: &[(usize, usize)],
    block: &mut Vec<[f64; ROW_BLOCK]>,
) {
    block.clear();
    block.resize(n, [0.0; ROW_BLOCK]);
    for first in (0..n).step_by(ROW_BLOCK) {
        let rows = ROW_BLOCK.min(n - first);
        for (j, column) in block.iter_mut().enumerate() {
            column[..rows].copy_from_slice(&q[j * n + first..j * n + first + rows]);
        }
        let mut rotations = rotations;
        for &(l, m) in sweeps {
            let (sweep, rest) = rotations.split_at(m - l);
            rotations = rest;
            // Rotation (c, s) on columns (i, i+1): x' = c x − s y, y' = s x + c y.
            let mut carry = block[m];
            for (i, &(c, s)) in (l..m).rev().zip(sweep) {
                let x = block[i];
                let mut y = [0.0; ROW_BLOCK];
                for t in 0..ROW_BLOCK {
                    y[t] = s * x[t] + c * carry[t];
                    carry[t] = c * x[t] - s * carry[t];
                }
                block[i + 1] = y;
            }
            block[l] = carry;
        }
        for (j, column) in block.iter().enumerate() {
            q[j * n + first..j * n + first + rows].copy_from_slice(&column[..rows]);
        }
    }
}

/// Eigenvalues ascending, their columns of `q` moved along (selection sort: at most n
/// column swaps).
#[inline(always)]
fn sort(n: usize, d: &mut [f64], q: &mut [f64]) {
    for i in 0..n {
        let smallest = (i..n).fold(i, |k, j| if d[j] < d[k] { j } else { k });
        if smallest != i {
            d.swap(i, smallest);
            let (low, high) = q.split_at_mut(smallest * n);
            low[i * n..(i + 1) * n].swap_with_slice(&mut high[..n]);
        }
    }
}

/// `aᵀb` with sixteen partial sums, so that it vectorises (the order is fixed, so the
/// result does not depend on the build).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let (a_chunks, a_rest) = a.as_chunks::<16>();
    let (b_chunks, b_rest) = b.as_chunks::<16>();
    let mut partial = [0.0; 16];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for t in 0..16 {
            partial[t] += x[t] * y[t];
        }
    }
    for width in [8, 4, 2, 1] {
        for t in 0..width {
            partial[t] += partial[t + width];
        }
    }
    let mut sum = partial[0];
    for (x, y) in a_rest.iter().zip(b_rest) {
        sum += x * y;
    }
    sum
}

/// `y += alpha x`.
#[inline(always)]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    use crate::rng::{self, Stream};

    fn decomposed(c: &DMatrix<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let (mut values, mut vectors) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        symmetric_eigen(c, &mut values, &mut vectors, &mut EigenWorkspace::default());
        (values, vectors)
    }

    /// ‖C B − B diag(λ)‖ / ‖C‖ and ‖BᵀB − I‖ (Frobenius).
    fn errors(c: &DMatrix<f64>) -> (f64, f64) {
        let (values, b) = decomposed(c);
        let n = c.nrows();
        assert!(values.as_slice().is_sorted(), "ascending: {values}");
        let residual = (c * &b - &b * DMatrix::from_diagonal(&values)).norm() / c.norm();
        let orthogonality = (b.transpose() * &b - DMatrix::identity(n, n)).norm();
        (residual, orthogonality)
    }

    fn assert_exact(c: &DMatrix<f64>, what: &str) {
        let (residual, orthogonality) = errors(c);
        assert!(residual < 1e-13, "{what}: residual {residual:e}");
        assert!(
            orthogonality < 1e-12,
            "{what}: orthogonality {orthogonality:e}"
        );
    }

    fn random_orthogonal(n: usize, rng: &mut Stream) -> DMatrix<f64> {
        let a = DMatrix::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        a.qr().q()
    }

    /// `Q diag(spectrum) Qᵀ` for a random orthogonal `Q`.
    fn with_spectrum(spectrum: &[f64], seed: u64) -> DMatrix<f64> {
        let mut rng = rng::stream(&[seed]);
        let q = random_orthogonal(spectrum.len(), &mut rng);
        let c = &q * DMatrix::from_diagonal(&DVector::from_column_slice(spectrum)) * q.transpose();
        (&c + c.transpose()) * 0.5
    }

    #[test]
    fn eigenpairs_of_random_spd_matrices_have_tiny_residuals_and_orthonormal_vectors() {
        for n in [1, 2, 3, 4, 5, 10, 17, 100] {
            let mut rng = rng::stream(&[n as u64]);
            let a = DMatrix::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
            let c = &a * a.transpose() + DMatrix::identity(n, n) * 1e-3;
            assert_exact(&c, &format!("random SPD, n = {n}"));
        }
    }

    #[test]
    fn eigenvalues_match_the_spectrum_they_were_built_from() {
        let spectrum: Vec<f64> = (0..30).map(|i| 0.5f64.powi(i)).collect();
        let (values, _) = decomposed(&with_spectrum(&spectrum, 1));
        let mut expected = spectrum.clone();
        expected.sort_by(f64::total_cmp);
        for (got, want) in values.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-14, "{got} vs {want}");
        }
    }

    #[test]
    fn repeated_eigenvalues_still_give_an_orthonormal_basis() {
        assert_exact(&DMatrix::identity(50, 50), "identity");
        let ties: Vec<f64> = (0..40).map(|i| [1.0, 2.0, 2.0, 5.0][i % 4]).collect();
        assert_exact(
            &DMatrix::from_diagonal(&DVector::from_vec(ties.clone())),
            "diagonal with ties",
        );
        assert_exact(&with_spectrum(&ties, 2), "rotated ties");
        // CMA-ES's shape early on with λ < d: a multiple of I plus a low-rank update.
        let mut rng = rng::stream(&[3]);
        let y = DMatrix::from_fn(60, 5, |_, _| rng.random_range(-1.0..1.0));
        assert_exact(
            &(DMatrix::identity(60, 60) * 0.9 + &y * y.transpose() * 0.1),
            "I + low rank",
        );
    }

    #[test]
    fn an_ill_conditioned_matrix_is_decomposed_to_working_precision() {
        // Condition number 1e14, eigenvalues spread log-uniformly.
        let spectrum: Vec<f64> = (0..100)
            .map(|i| 10f64.powf(-14.0 * i as f64 / 99.0))
            .collect();
        assert_exact(&with_spectrum(&spectrum, 4), "condition 1e14");
    }

    #[test]
    fn the_avx2_and_baseline_builds_give_the_same_bits() {
        let mut rng = rng::stream(&[5]);
        let a = DMatrix::from_fn(37, 37, |_, _| rng.random_range(-1.0..1.0));
        let c = &a * a.transpose();
        let (values, vectors) = decomposed(&c);
        let (mut base_values, mut base_vectors) = (DVector::zeros(37), DMatrix::zeros(37, 37));
        decompose(
            37,
            c.as_slice(),
            base_values.as_mut_slice(),
            base_vectors.as_mut_slice(),
            &mut EigenWorkspace::default(),
        );
        assert_eq!(values, base_values);
        assert_eq!(vectors, base_vectors);
    }

    #[test]
    fn a_non_finite_matrix_ends_instead_of_looping() {
        let mut c = DMatrix::identity(8, 8);
        c[(3, 5)] = f64::NAN;
        c[(5, 3)] = f64::NAN;
        let (values, _) = decomposed(&c);
        assert_eq!(values.len(), 8);
    }
}
