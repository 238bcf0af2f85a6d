//! Which of pycma's termination rules ([`TerminationReason`]) a CMA-ES run meets, tested
//! on its current state in pycma's order (`_CMAStopDict._update`). Reads the state and
//! changes nothing; the thresholds come from [`super::CmaEsConfig`], and the fitness
//! history from [`super::FitnessHistory`].

use super::{CmaEs, Model};
use crate::evolve::TerminationReason;

impl Model {
    /// `Cᵢᵢ`, the variance of coordinate `i`.
    fn variance(&self, i: usize) -> f64 {
        match self {
            Model::Full(model) => model.variance(i),
            Model::Separable(model) => model.variance(i),
        }
    }

    /// The condition number of `C` (for the full model, from the last eigendecomposition,
    /// as in pycma).
    fn condition(&self) -> f64 {
        match self {
            Model::Full(model) => model.condition(),
            Model::Separable(model) => model.condition(),
        }
    }
}

impl CmaEs {
    /// The first rule that holds, or `None`; always `None` before the first `tell`.
    pub(super) fn termination(&self) -> Option<TerminationReason> {
        if self.generation == 0 {
            return None;
        }
        let config = &self.config;
        let (sigma, mean) = (self.sigma, self.mean.as_slice());
        let std = |i: usize| sigma * self.model.variance(i).sqrt();
        // pycma compares σ·p_c signed; a long path pointing down is still movement.
        let narrow = (0..mean.len()).all(|i| std(i) < config.tolx)
            && self.p_c.iter().all(|p| (sigma * p).abs() < config.tolx);
        if narrow {
            return Some(TerminationReason::TolX);
        }
        if self.history.range_below(config.tolfun) {
            return Some(TerminationReason::TolFun);
        }
        if (0..mean.len()).any(|i| mean[i] + 0.2 * std(i) == mean[i]) {
            return Some(TerminationReason::NoEffectCoordinate);
        }
        // Separable: the axes are the coordinates, already tested above (pycma skips this
        // rule for a diagonal model too).
        if let Model::Full(model) = &*self.model {
            let axis = model.axis((self.generation % mean.len() as u64) as usize);
            if mean
                .iter()
                .zip(axis.iter())
                .all(|(&m, &a)| m + 0.1 * sigma * a == m)
            {
                return Some(TerminationReason::NoEffectAxis);
            }
        }
        if self.model.condition() > config.tol_condition {
            return Some(TerminationReason::ConditionNumber);
        }
        None
    }
}
