//! Ranking and fitness shaping, shared by every strategy.
//!
//! Fitness is minimised; utilities are "higher is better". Non-finite fitness always
//! ranks last and receives the lowest utility, so it can never pull a search
//! distribution towards itself.

use serde::{Deserialize, Serialize};

/// How raw fitness becomes the utilities that weight a search-gradient estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitnessShaping {
    /// `u = −f` (non-finite: the worst finite utility).
    Raw,
    /// Centred ranks in [−0.5, 0.5] (Salimans et al. 2017, §2.2): best gets +0.5.
    #[default]
    CentredRanks,
    /// `u = −(f − mean)/std` over the finite values.
    ZScore,
    /// NES utilities (Wierstra et al. 2014, eq. 9): `max(0, ln(λ/2 + 1) − ln k)`,
    /// normalised to sum 1, minus `1/λ`, for rank `k = 1..λ`. Used by SNES.
    NesUtilities,
}

/// Member indices from best (lowest) to worst; non-finite last; ties broken by index so
/// the order is a pure function of the fitness values.
pub fn ranking(fitness: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..fitness.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (fitness[a], fitness[b]);
        match (fa.is_finite(), fb.is_finite()) {
            (true, true) => fa.total_cmp(&fb),
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (false, false) => std::cmp::Ordering::Equal,
        }
        .then(a.cmp(&b))
    });
    order
}

impl FitnessShaping {
    /// Utilities for `fitness`, written into `out` (same length).
    pub fn utilities(self, fitness: &[f32], out: &mut [f32]) {
        let n = fitness.len();
        assert_eq!(out.len(), n, "one utility per fitness value");
        if n == 0 {
            return;
        }
        match self {
            FitnessShaping::CentredRanks | FitnessShaping::NesUtilities => {
                let order = ranking(fitness);
                let by_rank = self.rank_utilities(n);
                for (rank, &member) in order.iter().enumerate() {
                    out[member] = by_rank[rank];
                }
            }
            FitnessShaping::Raw | FitnessShaping::ZScore => {
                let finite = fitness.iter().filter(|f| f.is_finite());
                let count = finite.clone().count();
                let (mean, std) = if self == FitnessShaping::ZScore && count > 0 {
                    let mean = finite.clone().map(|&f| f as f64).sum::<f64>() / count as f64;
                    let var =
                        finite.map(|&f| (f as f64 - mean).powi(2)).sum::<f64>() / count as f64;
                    (mean, var.sqrt())
                } else {
                    (0.0, 1.0)
                };
                let scale = if std > 0.0 { 1.0 / std } else { 0.0 };
                let mut worst = f32::INFINITY;
                for (u, &f) in out.iter_mut().zip(fitness) {
                    if f.is_finite() {
                        *u = (-(f as f64 - mean) * scale) as f32;
                        worst = worst.min(*u);
                    }
                }
                let worst = if worst.is_finite() { worst } else { 0.0 };
                for (u, &f) in out.iter_mut().zip(fitness) {
                    if !f.is_finite() {
                        *u = worst;
                    }
                }
            }
        }
    }

    /// Utility of each rank (0 = best) for the rank-based shapings.
    fn rank_utilities(self, n: usize) -> Vec<f32> {
        match self {
            FitnessShaping::CentredRanks if n == 1 => vec![0.0],
            FitnessShaping::CentredRanks => (0..n)
                .map(|rank| (n - 1 - rank) as f32 / (n - 1) as f32 - 0.5)
                .collect(),
            _ => {
                let raw: Vec<f64> = (1..=n)
                    .map(|k| ((n as f64 / 2.0 + 1.0).ln() - (k as f64).ln()).max(0.0))
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.iter()
                    .map(|r| (r / sum - 1.0 / n as f64) as f32)
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_fitness_ranks_last() {
        let f = [3.0, f32::NAN, 1.0, f32::NEG_INFINITY, 2.0, f32::INFINITY];
        assert_eq!(ranking(&f), vec![2, 4, 0, 1, 3, 5]);
    }

    #[test]
    fn centred_ranks_match_hand_computed_values() {
        let mut u = [0.0; 5];
        FitnessShaping::CentredRanks.utilities(&[10.0, 30.0, 20.0, f32::NAN, 0.0], &mut u);
        // ranks (best first): 4, 0, 2, 1, 3 → utility (4 − rank)/4 − 0.5
        assert_eq!(u, [0.25, -0.25, 0.0, -0.5, 0.5]);
    }

    #[test]
    fn nes_utilities_sum_to_zero_and_favour_the_best() {
        let mut u = [0.0; 6];
        FitnessShaping::NesUtilities.utilities(&[5.0, 4.0, 3.0, 2.0, 1.0, 0.0], &mut u);
        assert!(u.iter().sum::<f32>().abs() < 1e-6);
        // λ = 6: raw = ln 4 − ln k for k = 1, 2, 3 → 1.386, 0.693, 0.288; sum 2.367.
        assert!((u[5] - (1.386_294 / 2.367_124 - 1.0 / 6.0)).abs() < 1e-5);
        assert!((u[0] + 1.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn raw_and_z_score_give_non_finite_the_worst_utility() {
        let f = [1.0, 3.0, f32::NAN];
        let mut u = [0.0; 3];
        FitnessShaping::Raw.utilities(&f, &mut u);
        assert_eq!(u, [-1.0, -3.0, -3.0]);
        FitnessShaping::ZScore.utilities(&f, &mut u);
        assert_eq!(u, [1.0, -1.0, -1.0]);
    }
}
