//! Fitness of a whole population, in parallel, deterministic for any thread count.

use rayon::prelude::*;

use super::{Members, Population};
use crate::net::{Loss, NetError, Network, PopulationEvaluator, Targets};

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

/// The loss of every member as a network on one shared batch, equal bit for bit to
/// [`Network::loss`] of its genome alone, so that evolution is scored by the same loss
/// that gradient descent minimises. Members without their own body use `shared`.
#[allow(clippy::too_many_arguments)]
pub fn network_losses(
    population: &Population,
    shared: &Network,
    evaluator: &mut PopulationEvaluator,
    input: &[f32],
    batch: usize,
    targets: Targets,
    loss: Loss,
    out: &mut [f32],
) -> Result<(), NetError> {
    evaluator.losses_with(
        |i| (population.body(i).unwrap_or(shared), population.genome(i)),
        input,
        batch,
        targets,
        loss,
        out,
    )
}

/// [`network_losses`] of a generation that its strategy also describes as perturbations of
/// a mean (`members`, the members of `population` in order): through [`Members::losses`]
/// where that saves arithmetic — antithetic pairs of a network too large for the SIMD
/// lanes — with each loss equal to [`network_losses`]' within rounding; else
/// [`network_losses`] itself.
#[allow(clippy::too_many_arguments)]
pub fn member_losses(
    population: &Population,
    members: Members,
    shared: &Network,
    evaluator: &mut PopulationEvaluator,
    input: &[f32],
    batch: usize,
    targets: Targets,
    loss: Loss,
    out: &mut [f32],
) -> Result<(), NetError> {
    let fused = members.is_antithetic()
        && members.len() == population.len()
        && (0..population.len()).all(|i| population.body(i).is_none())
        && !evaluator.uses_lanes(shared, batch);
    if fused {
        members.losses(shared, evaluator, input, batch, targets, loss, out)
    } else {
        network_losses(
            population, shared, evaluator, input, batch, targets, loss, out,
        )
    }
}
