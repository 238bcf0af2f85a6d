//! An outer loop's state for a checkpoint: what [`Outer::step`] changes — the
//! initialisation, evolved learning rates, the outer Adam, the task stream, the sample
//! counts, the base classifier of pre-training and an evolution's strategy and totals.
//! Restored into an outer loop built from the same configuration, it continues bit for
//! bit as the interrupted one would have.

use serde::{Deserialize, Serialize};

use super::{Loop, Outer};
use crate::evolve::{Strategy, Totals};
use crate::optim::Adam;
use crate::rng::Stream;

/// The changing state of an [`Outer`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OuterState {
    weights: Vec<f32>,
    lrs: Option<Vec<f32>>,
    adam: Adam,
    tasks: Stream,
    drawn: u64,
    evaluations: u64,
    steps: u64,
    /// Pre-training's base classifier's weights (digits).
    base: Option<Vec<f32>>,
    /// An evolution's strategy ([`Strategy::save_state`]) and its driver's totals.
    evolution: Option<(String, Totals)>,
}

impl Outer<'_> {
    /// The loop's state now; `None` if it cannot be saved (an evolution strategy of the
    /// caller's that does not implement [`Strategy::save_state`]).
    pub fn state(&self) -> Option<OuterState> {
        let (base, evolution) = match &self.run {
            Loop::Pretrain { base } => (base.as_ref().map(|b| b.weights.clone()), None),
            Loop::Evolution { driver, .. } => (
                None,
                Some((driver.strategy().save_state()?, driver.totals())),
            ),
            _ => (None, None),
        };
        Some(OuterState {
            weights: self.weights.clone(),
            lrs: self.lrs.clone(),
            adam: self.adam.clone(),
            tasks: self.tasks.clone(),
            drawn: self.drawn,
            evaluations: self.evaluations,
            steps: self.steps,
            base,
            evolution,
        })
    }

    /// Continue from `state`; `false`, with the loop unchanged, if it does not fit this
    /// loop (another method, other shapes).
    pub fn restore(&mut self, state: OuterState) -> bool {
        let fits = state.weights.len() == self.weights.len()
            && state.lrs.as_ref().map(Vec::len) == self.lrs.as_ref().map(Vec::len);
        if !fits {
            return false;
        }
        match (&mut self.run, state.base, state.evolution) {
            (Loop::Pretrain { base: Some(b) }, Some(weights), None) => {
                if weights.len() != b.weights.len() {
                    return false;
                }
                b.weights = weights;
            }
            (Loop::Evolution { driver, .. }, None, Some((strategy, totals))) => {
                if !driver.strategy_mut().restore_state(&strategy) {
                    return false;
                }
                driver.restore_totals(totals);
            }
            (Loop::Pretrain { base: None }, None, None)
            | (Loop::Reptile { .. } | Loop::Maml { .. } | Loop::Scratch, None, None) => {}
            _ => return false,
        }
        self.weights = state.weights;
        self.lrs = state.lrs;
        self.adam = state.adam;
        self.tasks = state.tasks;
        self.drawn = state.drawn;
        self.evaluations = state.evaluations;
        self.steps = state.steps;
        true
    }
}
