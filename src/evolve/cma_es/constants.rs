//! The strategy constants of Hansen's tutorial (arXiv:1604.00772, Table 1): population,
//! recombination weights and learning rates, fixed for a run. Knows the dimension and λ
//! only; nothing of the covariance's state.

use serde::{Deserialize, Serialize};

use super::Covariance;

/// Strategy constants of the tutorial's Table 1 (positive recombination weights only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Constants {
    pub lambda: usize,
    pub mu: usize,
    pub weights: Vec<f64>,
    pub mu_eff: f64,
    pub c_sigma: f64,
    pub d_sigma: f64,
    pub c_c: f64,
    pub c_1: f64,
    pub c_mu: f64,
    /// E‖N(0, I)‖ ≈ √n (1 − 1/(4n) + 1/(21n²)).
    pub chi_n: f64,
}

impl Constants {
    pub fn new(n: usize, lambda: usize, covariance: Covariance) -> Self {
        let nf = n as f64;
        let mu = lambda / 2;
        let raw: Vec<f64> = (1..=mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);
        let mut c_1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let mut c_mu =
            (2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + mu_eff)).min(1.0 - c_1);
        if covariance == Covariance::Separable {
            // Ros & Hansen 2008: a diagonal model can learn (n + 2)/3 times faster.
            let speedup = (nf + 2.0) / 3.0;
            c_1 = (c_1 * speedup).min(1.0);
            c_mu = (c_mu * speedup).min(1.0 - c_1);
        }
        Self {
            lambda,
            mu,
            weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n: nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf)),
        }
    }

    /// Generations between eigendecompositions of a full covariance:
    /// `λ / ((c₁ + c_μ) d 10)` (tutorial, §B.2), so its O(d³) cost is spread out.
    pub fn eigen_period(&self, n: usize) -> f64 {
        self.lambda as f64 / ((self.c_1 + self.c_mu) * n as f64 * 10.0)
    }
}
