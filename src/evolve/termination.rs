//! Why a strategy stopped on its own: the termination rules of pycma (`_CMAStopDict` in
//! `cma/evolution_strategy.py`, after Hansen 2009, "Benchmarking a BI-population CMA-ES
//! on the BBOB-2009 function testbed", §2) as a typed [`TerminationReason`], and the
//! fitness history the `TolFun` rule reads.
//!
//! Budgets (evaluations, examples, generations) are not here: whoever drives the run owns
//! them. This module knows nothing of any strategy's state; each strategy decides which
//! rules it can test and reports the first that holds through [`super::Strategy::stop`].

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A rule that says further generations would be wasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// pycma `tolfun`: the best fitness of each of the last `10 + ⌈30 d/λ⌉` generations and
    /// every fitness of the current generation lie within a range below `tolfun`.
    TolFun,
    /// pycma `tolx`: `σ √Cᵢᵢ` and `σ |p_c,ᵢ|` are below `tolx` in every coordinate.
    TolX,
    /// pycma `tolconditioncov`: the condition number of `C` exceeds `tol_condition`.
    ConditionNumber,
    /// pycma `noeffectaxis`: adding `0.1 σ √λᵢ bᵢ` (principal axis `i = g mod d` of `C`)
    /// to the mean changes none of its coordinates.
    NoEffectAxis,
    /// pycma `noeffectcoord`: adding `0.2 σ √Cᵢᵢ` to some coordinate `i` of the mean
    /// leaves it unchanged.
    NoEffectCoordinate,
}

impl TerminationReason {
    /// The rule's name in pycma (`tolfun`, `tolx`, `tolconditioncov`, `noeffectaxis`,
    /// `noeffectcoord`), for result files.
    pub fn key(&self) -> &'static str {
        match self {
            TerminationReason::TolFun => "tolfun",
            TerminationReason::TolX => "tolx",
            TerminationReason::ConditionNumber => "tolconditioncov",
            TerminationReason::NoEffectAxis => "noeffectaxis",
            TerminationReason::NoEffectCoordinate => "noeffectcoord",
        }
    }
}

impl fmt::Display for TerminationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TerminationReason::TolFun => "tolfun: the recent fitness range is below tolfun",
            TerminationReason::TolX => "tolx: the search distribution is narrower than tolx",
            TerminationReason::ConditionNumber => {
                "condition number: the covariance's condition is above tol_condition"
            }
            TerminationReason::NoEffectAxis => {
                "no effect axis: a step of 0.1 sigma along a principal axis does not move the mean"
            }
            TerminationReason::NoEffectCoordinate => {
                "no effect coordinate: a step of 0.2 sigma in a coordinate does not move the mean"
            }
        })
    }
}

/// The best fitness of recent generations and the spread of the latest, for `TolFun`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FitnessHistory {
    /// The best fitness of each of the last `length` generations, newest last; NaN for a
    /// generation without a finite fitness.
    best: VecDeque<f32>,
    length: usize,
    /// `max − min` of the latest generation's fitness, never NaN: +∞ if any was
    /// non-finite, so that a diverging generation never looks converged.
    latest_range: f64,
}

impl FitnessHistory {
    /// The history `TolFun` needs in `dim` dimensions with `lambda` members per generation:
    /// `10 + ⌈30 d/λ⌉` generations (Hansen 2009, §2).
    pub fn new(dim: usize, lambda: usize) -> Self {
        let length = 10 + (30 * dim).div_ceil(lambda);
        Self {
            best: VecDeque::with_capacity(length + 1),
            length,
            latest_range: f64::INFINITY,
        }
    }

    /// Record one generation's fitness.
    pub fn record(&mut self, fitness: &[f32]) {
        let finite = fitness.iter().copied().filter(|f| f.is_finite());
        let best = finite.clone().reduce(f32::min).unwrap_or(f32::NAN);
        self.latest_range = match finite.reduce(f32::max) {
            Some(worst) if fitness.iter().all(|f| f.is_finite()) => worst as f64 - best as f64,
            _ => f64::INFINITY,
        };
        self.best.push_back(best);
        if self.best.len() > self.length {
            self.best.pop_front();
        }
    }

    /// `TolFun`: the whole history is there, and its range and the latest generation's
    /// are both below `tolfun`. (pycma tests a history shorter than full too, which stops a
    /// flat function after one generation; Hansen 2009 asks for the full span.)
    pub fn range_below(&self, tolfun: f64) -> bool {
        if self.best.len() < self.length
            || self.latest_range >= tolfun
            || self.best.iter().any(|f| f.is_nan())
        {
            return false;
        }
        let (low, high) = self
            .best
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &f| {
                (low.min(f as f64), high.max(f as f64))
            });
        high - low < tolfun
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolfun_needs_the_full_history_and_a_narrow_latest_generation() {
        // d = 10, λ = 10: 10 + ⌈30·10/10⌉ = 40 generations.
        let mut history = FitnessHistory::new(10, 10);
        for _ in 0..39 {
            history.record(&[1.0; 10]);
            assert!(!history.range_below(1e-11));
        }
        history.record(&[1.0; 10]);
        assert!(history.range_below(1e-11));
        // One spread-out generation, or one non-finite value, is not convergence.
        history.record(&[1.0, 2.0]);
        assert!(!history.range_below(1e-11));
        history.record(&[1.0, f32::NAN]);
        assert!(!history.range_below(1e-11));
    }

    #[test]
    fn tolfun_compares_the_best_of_past_generations() {
        let mut history = FitnessHistory::new(3, 30);
        assert_eq!(history.length, 13);
        for g in 0..13 {
            history.record(&[g as f32 * 1e-3; 4]);
        }
        // Each generation is flat, but the best moved by 1.2e-2 over the span.
        assert!(!history.range_below(1e-2));
        assert!(history.range_below(2e-2));
        // An old outlier leaves the window after `length` generations.
        for _ in 0..13 {
            history.record(&[5.0; 4]);
        }
        assert!(history.range_below(1e-11));
    }
}
