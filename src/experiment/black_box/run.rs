//! One run: one strategy on the test function with one seed, until the evaluation budget
//! (a hard ceiling: only whole generations that fit are evaluated), the strategy's own
//! stop, or divergence, logged at log-spaced checkpoints.
//!
//! Seeds: the start mean is `x0` for every arm and seed; a strategy's randomness comes
//! from `[seed, name_key(arm name)]`, as in compare experiments.

use serde::{Deserialize, Serialize};

use super::{Arm, BlackBoxExperiment};
use crate::evolve::{AnyStrategy, Driver, FnFitness, Strategy, Totals};
use crate::experiment::compare::run::checkpoints;
use crate::experiment::pipeline::{Row, RunContext};
use crate::options::Tagged;
use crate::rng;

/// One logged point of one run: a row of `runs.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The experiment's name.
    pub experiment: String,
    /// The test function.
    pub function: String,
    /// The arm.
    pub arm: String,
    /// The run's seed.
    pub seed: u64,
    /// Generations told so far.
    pub generation: u64,
    /// Function evaluations so far.
    pub evaluations: u64,
    /// Lowest `f − f*` of any member evaluated so far.
    pub best_so_far: f64,
    /// `f − f*` at the strategy's centre (its mean; a GA's best member). Not charged.
    pub f_center: f64,
    /// 1-based index of the first evaluation with `f − f* < target`; empty until then.
    pub evaluations_to_target: Option<u64>,
    /// `ok`, `diverged` (non-finite centre) or `stopped-by-<rule>` (pycma's name of the
    /// strategy's own stopping rule); a run ends at its first row that is not `ok`.
    pub status: String,
}

impl Row for Point {
    fn arm(&self) -> &str {
        &self.arm
    }
    fn seed(&self) -> u64 {
        self.seed
    }
    fn metric(&self) -> Option<f64> {
        Some(self.best_so_far)
    }
    fn units(&self) -> u64 {
        self.evaluations
    }
    fn diverged(&self) -> bool {
        self.status == "diverged"
    }
}

/// A run's checkpoint: the strategy and what it consumed, the running records, the rows
/// so far and the next logging point.
#[derive(Serialize, Deserialize)]
struct Saved {
    strategy: AnyStrategy,
    totals: Totals,
    /// `None` while no member was finite (JSON has no infinity).
    best_so_far: Option<f64>,
    to_target: Option<u64>,
    points: Vec<Point>,
    next: usize,
}

/// 0-based index of the first of `fitness` with `f − f_star < target`, if any. Non-finite
/// values never count.
pub fn first_below(fitness: &[f32], f_star: f64, target: f64) -> Option<usize> {
    fitness
        .iter()
        .position(|&f| f.is_finite() && (f as f64 - f_star) < target)
}

/// Run `arm` with `seed`; `None` if `context` says stop.
pub fn execute(
    experiment: &BlackBoxExperiment,
    arm: &Arm,
    seed: u64,
    context: &RunContext,
) -> Option<Vec<Point>> {
    let function = &experiment.function;
    let f_star = function.optimum().f;
    let target = experiment.budget.target;
    let per_generation = arm.population();
    let schedule = checkpoints(
        experiment.budget.evaluations,
        experiment.budget.checkpoints,
        per_generation,
    );
    let learner_seed = rng::derive_seed(&[seed, rng::name_key(&arm.name)]);
    let strategy = arm
        .strategy
        .build(function.x0(), None, learner_seed)
        .expect("validated when the experiment was loaded");
    let fitness = FnFitness::new(|x: &[f32]| function.evaluate(x));
    let (mut driver, mut best_so_far, mut to_target, mut points, mut next) =
        match context.resume::<Saved>() {
            Some(saved) if saved.strategy.name() == strategy.name() => (
                Driver::resume(saved.strategy, fitness, saved.totals),
                saved.best_so_far.unwrap_or(f64::INFINITY),
                saved.to_target,
                saved.points,
                saved.next,
            ),
            _ => (
                Driver::new(strategy, fitness),
                f64::INFINITY,
                None,
                Vec::new(),
                0,
            ),
        };
    if let Some(group) = context.take_group() {
        driver.share(group);
    }
    while next < schedule.len() {
        let save = || Saved {
            strategy: driver.strategy().clone(),
            totals: driver.totals(),
            best_so_far: best_so_far.is_finite().then_some(best_so_far),
            to_target,
            points: points.clone(),
            next,
        };
        if context.checkpoint(save) {
            return None;
        }
        let before = driver.totals().evaluations;
        if before + per_generation > experiment.budget.evaluations {
            break;
        }
        driver
            .step()
            .expect("a function fitness cannot fail and answers every member");
        let fitness = driver.last_fitness();
        for &f in fitness {
            if f.is_finite() {
                best_so_far = best_so_far.min(f as f64 - f_star);
            }
        }
        if to_target.is_none() {
            to_target = first_below(fitness, f_star, target).map(|i| before + i as u64 + 1);
        }
        let evaluations = driver.totals().evaluations;
        context.progress(evaluations);
        let strategy = driver.strategy();
        let center = strategy.center().genes;
        let f_center = if center.iter().all(|g| g.is_finite()) {
            function.evaluate(center) as f64 - f_star
        } else {
            f64::NAN
        };
        let status = if !f_center.is_finite() {
            "diverged".to_string()
        } else if let Some(reason) = strategy.stop() {
            format!("stopped-by-{}", reason.key())
        } else {
            "ok".to_string()
        };
        let ended = status != "ok";
        if evaluations < schedule[next] && !ended {
            continue;
        }
        while next < schedule.len() && schedule[next] <= evaluations {
            next += 1;
        }
        points.push(Point {
            experiment: experiment.name.clone(),
            function: function.label().to_string(),
            arm: arm.name.clone(),
            seed,
            generation: strategy.generation(),
            evaluations,
            best_so_far,
            f_center,
            evaluations_to_target: to_target,
            status,
        });
        if ended {
            break;
        }
    }
    Some(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_member_below_the_target_is_found_and_non_finite_values_never_count() {
        let fitness = [3.0, f32::NAN, 1e-9, 1e-10, f32::NEG_INFINITY];
        assert_eq!(first_below(&fitness, 0.0, 1e-8), Some(2));
        // Relative to f* = 1: only values under 1 + 1e-8.
        assert_eq!(first_below(&[1.5, 1.0], 1.0, 1e-8), Some(1));
        assert_eq!(
            first_below(&[f32::NAN, 2.0, f32::NEG_INFINITY], 0.0, 1e-8),
            None
        );
    }
}
