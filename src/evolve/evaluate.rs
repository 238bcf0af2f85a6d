//! Fitness of a whole population, in parallel, deterministic for any thread count.

use rayon::prelude::*;

use super::Population;
use crate::net::{NetError, Network, PopulationEvaluator};

/// `out[i] = f(genome i)` for a plain objective (e.g. a test function), in parallel.
pub fn evaluate_fn(population: &Population, f: impl Fn(&[f32]) -> f32 + Sync, out: &mut [f32]) {
    out.par_iter_mut()
        .enumerate()
        .for_each(|(i, o)| *o = f(population.genome(i)));
}

/// Fitness of every member as a network on one shared batch `input[batch, inputs]`,
/// through the population forward pass. Members without their own body use `shared`.
/// `fitness` maps a member's readout `z[batch, outputs]` to its fitness.
pub fn evaluate_networks(
    population: &Population,
    shared: &Network,
    evaluator: &mut PopulationEvaluator,
    input: &[f32],
    batch: usize,
    fitness: impl Fn(&[f32]) -> f32 + Sync,
    out: &mut [f32],
) -> Result<(), NetError> {
    evaluator.evaluate_with(
        |i| (population.body(i).unwrap_or(shared), population.genome(i)),
        input,
        batch,
        fitness,
        out,
    )
}

/// One full generation on a batch: ask, evaluate every member as a network on
/// `input[batch, inputs]`, tell. The report is charged for the training examples the
/// generation consumed: members × batch (every member sees the same batch).
#[allow(clippy::too_many_arguments)]
pub fn generation_on_batch(
    strategy: &mut dyn super::Strategy,
    shared: &Network,
    evaluator: &mut PopulationEvaluator,
    input: &[f32],
    batch: usize,
    fitness: impl Fn(&[f32]) -> f32 + Sync,
    buffer: &mut Vec<f32>,
) -> Result<super::Generation, NetError> {
    let population = strategy.ask();
    buffer.resize(population.len(), 0.0);
    evaluate_networks(population, shared, evaluator, input, batch, fitness, buffer)?;
    let mut report = strategy
        .tell(buffer)
        .expect("one fitness value per member asked for");
    report.samples = report.evaluations * batch as u64;
    Ok(report)
}
