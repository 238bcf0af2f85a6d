//! The diagonal covariance model of sep-CMA-ES (Ros & Hansen 2008): `C` is a vector of
//! variances, so memory and time are O(d) and networks of thousands of genes fit.
//! Samples are never stored: recombination rereads the parents' noise rows, in parallel
//! over gene chunks. Knows nothing of step-size control, evolution paths or fitness.

use nalgebra::DVector;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Step;
use crate::evolve::sampling::{GENE_CHUNK, NoiseRows};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DiagonalCovariance {
    /// The diagonal of `C`.
    c: DVector<f64>,
    #[serde(skip)]
    scratch: Scratch,
}

/// Work vectors kept between generations so that a generation allocates nothing of size d.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// `σ √C`, each gene's sampling step.
    step: Vec<f64>,
    /// `Σ wᵢ zᵢ:λ²` gene-wise, the rank-μ update in whitened coordinates.
    zz_w: Vec<f64>,
}

impl DiagonalCovariance {
    /// `C = I`.
    pub fn identity(n: usize) -> Self {
        Self {
            c: DVector::from_element(n, 1.0),
            scratch: Scratch::default(),
        }
    }

    /// Member k's genes `x = m + σ √C ⊙ zₖ`, straight from its noise row.
    pub fn sample(
        &mut self,
        mean: &DVector<f64>,
        sigma: f64,
        noise: &NoiseRows,
        genes: &mut [f32],
    ) {
        let n = mean.len();
        let step = &mut self.scratch.step;
        step.clear();
        step.extend(self.c.as_slice().iter().map(|c| sigma * c.sqrt()));
        let step = &*step;
        genes.par_chunks_mut(n).enumerate().for_each(|(k, x)| {
            for (((x, &m), &s), &z) in x
                .iter_mut()
                .zip(mean.as_slice())
                .zip(step)
                .zip(noise.row(k))
            {
                *x = (m + s * z as f64) as f32;
            }
        });
    }

    /// `z_w = Σ wᵢ zᵢ:λ` and `Σ wᵢ zᵢ:λ²` gene-wise over the parents' noise rows, in
    /// parallel over gene chunks (each gene sums the parents in rank order, so the bits do
    /// not depend on the thread count); `y_w = √C ⊙ z_w` and `C^{-1/2} y_w = z_w`.
    pub fn recombine(
        &mut self,
        noise: &NoiseRows,
        parents: &[usize],
        weights: &[f64],
        step: &mut Step,
    ) {
        let zz_w = &mut self.scratch.zz_w;
        zz_w.resize(self.c.len(), 0.0);
        let z_w = step.whitened.as_mut_slice();
        z_w.par_chunks_mut(GENE_CHUNK)
            .zip(zz_w.par_chunks_mut(GENE_CHUNK))
            .enumerate()
            .for_each(|(chunk, (z_w, zz_w))| {
                let genes = chunk * GENE_CHUNK..chunk * GENE_CHUNK + z_w.len();
                z_w.fill(0.0);
                zz_w.fill(0.0);
                for (&k, &w) in parents.iter().zip(weights) {
                    let z = noise.row_part(k, genes.clone());
                    for ((zw, zzw), &z) in z_w.iter_mut().zip(zz_w.iter_mut()).zip(z) {
                        let z = z as f64;
                        *zw += w * z;
                        *zzw += w * z * z;
                    }
                }
            });
        let (y_w, z_w) = (step.y_w.as_mut_slice(), step.whitened.as_slice());
        for ((y, z), c) in y_w.iter_mut().zip(z_w).zip(self.c.as_slice()) {
            *y = c.sqrt() * z;
        }
    }

    /// `C ← keep·C + c₁ p_c² + c_μ Σ wᵢ yᵢ:λ²`, with `Σ wᵢ yᵢ:λ² = C ⊙ Σ wᵢ zᵢ:λ²`.
    pub fn adapt(&mut self, p_c: &DVector<f64>, keep: f64, (c_1, c_mu): (f64, f64)) {
        let c = self.c.as_mut_slice();
        for ((c, p), zz) in c.iter_mut().zip(p_c.as_slice()).zip(&self.scratch.zz_w) {
            *c = keep * *c + c_1 * p * p + c_mu * *c * zz;
        }
    }

    /// `Cᵢᵢ`, the variance of coordinate `i`.
    pub fn variance(&self, i: usize) -> f64 {
        self.c[i]
    }

    /// `max Cᵢᵢ / min Cᵢᵢ`, exact for a diagonal matrix.
    pub fn condition(&self) -> f64 {
        self.c.max() / self.c.min()
    }
}
