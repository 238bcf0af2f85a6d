//! The full covariance model of CMA-ES: `C` (d × d), its eigensystem `B`, `D` refreshed
//! on the tutorial's lazy schedule, sampling `y = B·D·z`, recombination and the rank-one
//! plus rank-μ update. Owns every O(d²) matrix; knows nothing of step-size control,
//! evolution paths or fitness (the caller passes `p_c` and the ranked parents).

use nalgebra::{DMatrix, DMatrixView, DVector, DVectorView, Dyn};
use serde::{Deserialize, Serialize};

use super::Step;
use super::eigen::{EigenWorkspace, symmetric_eigen};
use crate::evolve::sampling::NoiseRows;

/// Noise rows requested ahead of the one being read while sampling: enough misses in
/// flight to cover memory latency, few enough (× ~7 lines each) to stay in L1.
const PREFETCH_ROWS: usize = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FullCovariance {
    /// `C`, d × d.
    c: DMatrix<f64>,
    /// `B`: the eigenvectors of `C` as columns, from generation `eigen_generation`.
    b: DMatrix<f64>,
    /// `D`: the square roots of `C`'s eigenvalues (the axis lengths), in `B`'s order.
    d: DVector<f64>,
    /// `B·diag(D)`, the sampling transform.
    bd: DMatrix<f64>,
    eigen_generation: u64,
    /// Boxed to keep [`super::Model`]'s variants of similar size.
    #[serde(skip)]
    scratch: Box<Scratch>,
}

/// This generation's samples and work matrices, kept between generations so that a
/// generation allocates nothing of size d².
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// `z`, d × λ: member k's standard normal in column k.
    z: DMatrix<f64>,
    /// `y = B·D·z`, d × λ.
    y: DMatrix<f64>,
    /// `z_w = Σ wᵢ zᵢ:λ`.
    z_w: DVector<f64>,
    /// d × μ: column i is `√wᵢ yᵢ:λ`, for the rank-μ update.
    weighted: DMatrix<f64>,
    /// Active CMA-ES: d × (λ − μ), column j is `√|wⱼ°| yⱼ` for a negatively weighted
    /// member.
    negative: DMatrix<f64>,
    /// `C`'s eigenvalues, ascending, from the last decomposition.
    eigenvalues: DVector<f64>,
    /// Its eigenvectors, swapped into `B` once the decomposition has succeeded.
    eigenvectors: DMatrix<f64>,
    eigen: EigenWorkspace,
}

/// `m` transposed without a copy: a view of the same elements with the strides swapped.
/// The GEMM packs its operands whatever their strides, so the product is the same, bit
/// for bit, as with a transposed copy.
fn transposed(m: &DMatrix<f64>) -> DMatrixView<'_, f64, Dyn, Dyn> {
    DMatrixView::from_slice_with_strides(m.as_slice(), m.ncols(), m.nrows(), m.nrows(), 1)
}

impl FullCovariance {
    /// `C = B = B·D = I`.
    pub fn identity(n: usize) -> Self {
        Self {
            c: DMatrix::identity(n, n),
            b: DMatrix::identity(n, n),
            d: DVector::from_element(n, 1.0),
            bd: DMatrix::identity(n, n),
            eigen_generation: 0,
            scratch: Box::default(),
        }
    }

    /// Bytes of the model: C, B and B·D in f64.
    pub fn bytes(n: usize) -> f64 {
        3.0 * (n * n * 8) as f64
    }

    /// `z` from the noise rows, `y = B·D·z`, and member k's genes `x = m + σ yₖ`.
    pub fn sample(
        &mut self,
        mean: &DVector<f64>,
        sigma: f64,
        noise: &NoiseRows,
        genes: &mut [f32],
    ) {
        let n = mean.len();
        let lambda = genes.len() / n;
        let Scratch { z, y, .. } = &mut *self.scratch;
        if z.shape() != (n, lambda) {
            *z = DMatrix::zeros(n, lambda);
            *y = DMatrix::zeros(n, lambda);
        }
        for k in 0..PREFETCH_ROWS.min(lambda) {
            noise.prefetch_row(k);
        }
        for (k, z) in z.as_mut_slice().chunks_exact_mut(n).enumerate() {
            if k + PREFETCH_ROWS < lambda {
                noise.prefetch_row(k + PREFETCH_ROWS);
            }
            z.iter_mut()
                .zip(noise.row(k))
                .for_each(|(z, &e)| *z = e as f64);
        }
        // y[d, λ] = BD[d, d] · z[d, λ]
        y.gemm(1.0, &self.bd, z, 0.0);
        for (x, y) in genes.chunks_exact_mut(n).zip(y.as_slice().chunks_exact(n)) {
            for ((x, y), m) in x.iter_mut().zip(y).zip(mean.as_slice()) {
                *x = (m + sigma * y) as f32;
            }
        }
    }

    /// `y_w = Σ wᵢ yᵢ:λ` and `C^{-1/2} y_w = B z_w` (as `y_w = B D z_w`).
    pub fn recombine(&mut self, parents: &[usize], weights: &[f64], step: &mut Step) {
        let Scratch { z, y, z_w, .. } = &mut *self.scratch;
        if z_w.len() != z.nrows() {
            *z_w = DVector::zeros(z.nrows());
        }
        z_w.fill(0.0);
        step.y_w.fill(0.0);
        for (&k, &w) in parents.iter().zip(weights) {
            step.y_w.axpy(w, &y.column(k), 1.0);
            z_w.axpy(w, &z.column(k), 1.0);
        }
        step.whitened.gemv(1.0, &self.b, z_w, 0.0);
    }

    /// `C ← keep·C + c₁ p_c p_cᵀ + c_μ Σ wᵢ yᵢ:λ yᵢ:λᵀ`.
    pub fn adapt(
        &mut self,
        p_c: &DVector<f64>,
        parents: &[usize],
        weights: &[f64],
        keep: f64,
        (c_1, c_mu): (f64, f64),
    ) {
        let Scratch { y, weighted, .. } = &mut *self.scratch;
        let (n, mu) = (y.nrows(), parents.len());
        if weighted.shape() != (n, mu) {
            *weighted = DMatrix::zeros(n, mu);
        }
        for (mut column, (&k, &w)) in weighted.column_iter_mut().zip(parents.iter().zip(weights)) {
            column.copy_from(&y.column(k));
            column *= w.sqrt();
        }
        self.c.ger(c_1, p_c, p_c, keep);
        // C[d, d] += c_μ · weighted[d, μ] · weightedᵀ[μ, d]
        self.c.gemm(c_mu, weighted, &transposed(weighted), 1.0);
    }

    /// Active CMA-ES, after [`adapt`](Self::adapt): `C ← C + c_μ Σ wₖ° yₖ yₖᵀ` over the
    /// negatively weighted `members` `(k, wₖ < 0)`, with `wₖ° = wₖ n / ‖C^{-1/2} yₖ‖²`
    /// (tutorial eq. 53: the rescale bounds what a long step can remove). Since
    /// `yₖ = B D zₖ`, `‖C^{-1/2} yₖ‖ = ‖zₖ‖` under the eigensystem that sampled it.
    pub fn adapt_negative(&mut self, members: &[(usize, f64)], c_mu: f64) {
        if members.is_empty() {
            return;
        }
        let Scratch { z, y, negative, .. } = &mut *self.scratch;
        let n = y.nrows();
        if negative.shape() != (n, members.len()) {
            *negative = DMatrix::zeros(n, members.len());
        }
        for (mut column, &(k, w)) in negative.column_iter_mut().zip(members) {
            let rescaled = w * n as f64 / z.column(k).norm_squared().max(f64::MIN_POSITIVE);
            column.copy_from(&y.column(k));
            column *= rescaled.abs().sqrt();
        }
        // C[d, d] −= c_μ · negative[d, λ−μ] · negativeᵀ[λ−μ, d]
        self.c.gemm(-c_mu, negative, &transposed(negative), 1.0);
    }

    /// Refresh `B` and `D` once `period` generations have passed since the last time
    /// (tutorial §B.2: the O(d³) decomposition is spread over generations).
    pub fn refresh_eigensystem(&mut self, generation: u64, period: f64) {
        if ((generation - self.eigen_generation) as f64) < period {
            return;
        }
        // C is symmetric in exact arithmetic; the rank updates round its two triangles
        // differently, so the decomposition takes their average. If it fails (only a
        // non-finite C does), the last eigensystem stays, and the next generation retries.
        let Scratch {
            eigenvalues,
            eigenvectors,
            eigen,
            ..
        } = &mut *self.scratch;
        if symmetric_eigen(&self.c, eigenvalues, eigenvectors, eigen).is_err() {
            return;
        }
        std::mem::swap(&mut self.b, eigenvectors);
        // A rounding-negative eigenvalue would give a NaN axis; floor it.
        self.d = eigenvalues.map(|e| e.max(1e-20).sqrt());
        self.bd.copy_from(&self.b);
        for (mut column, &d) in self.bd.column_iter_mut().zip(self.d.iter()) {
            column *= d;
        }
        self.eigen_generation = generation;
    }

    /// `Cᵢᵢ`, the variance of coordinate `i`.
    pub fn variance(&self, i: usize) -> f64 {
        self.c[(i, i)]
    }

    /// `max λ(C) / min λ(C)` from the last eigendecomposition.
    pub fn condition(&self) -> f64 {
        (self.d.max() / self.d.min()).powi(2)
    }

    /// Principal axis `i` of `C` scaled to its length, `√λᵢ bᵢ`: column `i` of `B·D`.
    pub fn axis(&self, i: usize) -> DVectorView<'_, f64> {
        self.bd.column(i)
    }
}
