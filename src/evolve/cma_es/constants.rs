//! The strategy constants of Hansen's tutorial (arXiv:1604.00772, Table 1): population,
//! recombination weights (with the negative weights of active CMA-ES when asked for) and
//! learning rates, fixed for a run. Knows the dimension and λ only; nothing of the
//! covariance's state.

use serde::{Deserialize, Serialize};

use super::Covariance;

/// Strategy constants of the tutorial's Table 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Constants {
    pub lambda: usize,
    pub mu: usize,
    /// The μ positive recombination weights, summing to 1.
    pub weights: Vec<f64>,
    /// Active CMA-ES: the λ − μ weights (≤ 0) of ranks μ + 1 … λ in the rank-μ update;
    /// empty when the update is not active.
    #[serde(default)]
    pub negative_weights: Vec<f64>,
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
    /// The constants for `n` genes and `lambda` members; `active` adds negative weights.
    pub fn new(n: usize, lambda: usize, covariance: Covariance, active: bool) -> Self {
        let nf = n as f64;
        let mu = lambda / 2;
        // w'ᵢ = ln((λ + 1)/2) − ln i, i = 1 … λ (tutorial eq. 49).
        let raw = |i: usize| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln();
        let positive: Vec<f64> = (1..=mu).map(raw).collect();
        let sum: f64 = positive.iter().sum();
        let weights: Vec<f64> = positive.iter().map(|w| w / sum).collect();
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
        let negative_weights = if active {
            negative_weights(
                &(mu + 1..=lambda).map(raw).collect::<Vec<_>>(),
                n,
                mu_eff,
                c_1,
                c_mu,
            )
        } else {
            Vec::new()
        };
        Self {
            lambda,
            mu,
            weights,
            negative_weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n: nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf)),
        }
    }

    /// Whether the rank-μ update has negative weights (active CMA-ES).
    pub fn active(&self) -> bool {
        !self.negative_weights.is_empty()
    }

    /// Generations between eigendecompositions of a full covariance:
    /// `1 / ((c₁ + c_μ) d 10)` (tutorial, §B.2), so its O(d³) cost is spread out; below 1
    /// (every small or large-population run), every generation. (purecma counts the gap
    /// in evaluations, `0.5 λ / ((c₁ + c_μ) d)`: the same order.)
    pub fn eigen_period(&self, n: usize) -> f64 {
        1.0 / ((self.c_1 + self.c_mu) * n as f64 * 10.0)
    }
}

/// The negative weights of active CMA-ES from the raw `w'ᵢ` of ranks μ + 1 … λ (tutorial
/// Table 1 and eq. 53): `wᵢ = w'ᵢ · min(α⁻_μ, α⁻_μeff, α⁻_posdef) / Σ |w'ⱼ|⁻`, with
/// `α⁻_μ = 1 + c₁/c_μ`, `α⁻_μeff = 1 + 2 μ⁻_eff/(μ_eff + 2)` and
/// `α⁻_posdef = (1 − c₁ − c_μ)/(n c_μ)`, the last keeping `C` positive definite.
fn negative_weights(raw: &[f64], n: usize, mu_eff: f64, c_1: f64, c_mu: f64) -> Vec<f64> {
    let magnitude: f64 = raw.iter().map(|w| w.abs()).sum();
    if raw.is_empty() || magnitude == 0.0 || c_mu == 0.0 {
        return Vec::new();
    }
    let mu_eff_minus = magnitude.powi(2) / raw.iter().map(|w| w * w).sum::<f64>();
    let alpha_mu = 1.0 + c_1 / c_mu;
    let alpha_mu_eff = 1.0 + 2.0 * mu_eff_minus / (mu_eff + 2.0);
    let alpha_posdef = (1.0 - c_1 - c_mu) / (n as f64 * c_mu);
    let scale = alpha_mu.min(alpha_mu_eff).min(alpha_posdef) / magnitude;
    raw.iter().map(|w| w * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_weights_follow_table_1_of_the_tutorial() {
        // n = 10, λ = 10: μ = 5; the raw weights of ranks 6 … 10 are ln(5.5) − ln i.
        let c = Constants::new(10, 10, Covariance::Full, true);
        assert_eq!(c.negative_weights.len(), 5);
        assert!(c.negative_weights.iter().all(|&w| w < 0.0));
        // Worse ranks get larger magnitudes.
        assert!(c.negative_weights.windows(2).all(|w| w[1] < w[0]));
        // Their total magnitude is the smallest α; at n = 10, λ = 10 that is
        // α⁻_μ = 1 + c₁/c_μ (as in pycma 4.5, whose negative weights there sum to
        // −(1 + c₁/c_μ) = −1.649 with its own c_μ).
        let total: f64 = c.negative_weights.iter().map(|w| w.abs()).sum();
        let alpha_mu = 1.0 + c.c_1 / c.c_mu;
        assert!((total - alpha_mu).abs() < 1e-12, "{total} vs {alpha_mu}");
        assert!(alpha_mu < (1.0 - c.c_1 - c.c_mu) / (10.0 * c.c_mu));
        // The positive weights are those of the plain strategy.
        let plain = Constants::new(10, 10, Covariance::Full, false);
        assert_eq!(c.weights, plain.weights);
        assert!(!plain.active());
    }
}
