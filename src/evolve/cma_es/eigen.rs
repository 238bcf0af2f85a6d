//! The eigendecomposition of a symmetric matrix, `C = B diag(λ) Bᵀ`, for the full
//! covariance model, by faer's self-adjoint eigensolver (tridiagonalisation, then QR below
//! d = 128 and divide and conquer above), run sequentially. Knows nothing of CMA-ES.
//!
//! Why faer: medians of back-to-back runs on this project's 2-core AMD EPYC (AVX2), one
//! random SPD matrix per size, against nalgebra (used before) and a hand-written solver
//! (Householder + EISPACK tql2 with its rotations applied to `Q` in L1-sized row blocks;
//! commit 72cf0d6):
//!
//! | d   | faer 0.24 | hand-written tql2 | nalgebra 0.35 `SymmetricEigen` |
//! |-----|-----------|-------------------|--------------------------------|
//! | 50  | 191 µs    | 144 µs            | 174 µs                         |
//! | 100 | 830 µs    | 738 µs            | 1,060 µs                       |
//! | 200 | 3.7 ms    | 4.6 ms            | 6.9 ms                         |
//!
//! At d = 100 faer is within 15% of the hand-written solver, and ahead from d ≈ 200, so
//! the project's rule (a well-kept crate unless it is measurably too slow) picks faer.
//!
//! Deterministic for a given CPU: one thread, a fixed order of operations; faer picks its
//! SIMD width (and FMA) at run time, as the GEMM of the rank-μ update already does.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors, EvdError, SelfAdjointEvdParams};
use faer::{Auto, ColMut, MatMut, MatRef, Par, Spec};
use nalgebra::{DMatrix, DVector};

/// Buffers of one decomposition, kept so that a generation allocates nothing of size d².
#[derive(Default)]
pub(super) struct EigenWorkspace {
    /// The lower triangle of `(C + Cᵀ) / 2`, column-major.
    symmetric: Vec<f64>,
    /// faer's scratch memory, and the size it was laid out for.
    scratch: Option<(usize, MemBuffer)>,
}

/// A fresh workspace: buffers are not state worth copying.
impl Clone for EigenWorkspace {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for EigenWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EigenWorkspace").finish_non_exhaustive()
    }
}

/// `values` (ascending) and `vectors` (the eigenvectors as columns, in the same order) of
/// the symmetric `c`. `c`'s two triangles may differ by rounding: their average is
/// decomposed. An error (no convergence, which takes a non-finite `c`) leaves `values` and
/// `vectors` unspecified.
pub(super) fn symmetric_eigen(
    c: &DMatrix<f64>,
    values: &mut DVector<f64>,
    vectors: &mut DMatrix<f64>,
    workspace: &mut EigenWorkspace,
) -> Result<(), EvdError> {
    let n = c.nrows();
    assert_eq!(c.shape(), (n, n), "a square matrix");
    if values.len() != n {
        *values = DVector::zeros(n);
    }
    if vectors.shape() != (n, n) {
        *vectors = DMatrix::zeros(n, n);
    }
    let params = Spec::new(<SelfAdjointEvdParams as Auto<f64>>::auto());
    let buffer = match &mut workspace.scratch {
        Some((size, buffer)) if *size == n => buffer,
        slot => {
            let layout =
                evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, Par::Seq, params);
            &mut slot.insert((n, MemBuffer::new(layout))).1
        }
    };
    let symmetric = &mut workspace.symmetric;
    symmetric.resize(n * n, 0.0);
    let c = c.as_slice();
    for j in 0..n {
        for i in j..n {
            symmetric[j * n + i] = 0.5 * (c[j * n + i] + c[i * n + j]);
        }
    }
    evd::self_adjoint_evd(
        MatRef::from_column_major_slice(symmetric, n, n),
        ColMut::from_slice_mut(values.as_mut_slice()).as_diagonal_mut(),
        Some(MatMut::from_column_major_slice_mut(
            vectors.as_mut_slice(),
            n,
            n,
        )),
        Par::Seq,
        MemStack::new(buffer),
        params,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    use crate::rng::{self, Stream};

    fn decomposed(c: &DMatrix<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let (mut values, mut vectors) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        symmetric_eigen(c, &mut values, &mut vectors, &mut EigenWorkspace::default())
            .expect("converges");
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
    fn a_non_finite_matrix_ends_instead_of_looping() {
        let mut c = DMatrix::identity(8, 8);
        c[(3, 5)] = f64::NAN;
        c[(5, 3)] = f64::NAN;
        let (mut values, mut vectors) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        let outcome = symmetric_eigen(
            &c,
            &mut values,
            &mut vectors,
            &mut EigenWorkspace::default(),
        );
        assert!(
            outcome.is_err() || values.iter().any(|v| v.is_nan()),
            "{values}"
        );
    }

    #[test]
    fn the_same_matrix_gives_the_same_bits_with_a_reused_workspace() {
        let mut rng = rng::stream(&[6]);
        let a = DMatrix::from_fn(40, 40, |_, _| rng.random_range(-1.0..1.0));
        let c = &a * a.transpose();
        let mut workspace = EigenWorkspace::default();
        let (mut values, mut vectors) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        symmetric_eigen(&c, &mut values, &mut vectors, &mut workspace).unwrap();
        let (mut again, mut again_vectors) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        symmetric_eigen(
            &DMatrix::identity(7, 7),
            &mut again,
            &mut again_vectors,
            &mut workspace,
        )
        .unwrap();
        symmetric_eigen(&c, &mut again, &mut again_vectors, &mut workspace).unwrap();
        assert_eq!(values, again);
        assert_eq!(vectors, again_vectors);
    }
}
