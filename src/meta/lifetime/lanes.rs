//! [`LifetimeFitness`](super::LifetimeFitness) through the lane kernels: the population
//! cut into groups of [`LANES`] members (the last one padded with copies of its last
//! member, whose results are dropped), each group's lifetimes run together, the groups in
//! parallel. Each group's numbers depend only on its members, so the result is the same
//! for any thread count.

use rayon::prelude::*;

use super::super::family::FewShotTask;
use super::super::inner::InnerLoop;
use super::rate;
use crate::evolve::Population;
use crate::net::{LANES, Lane, LanePlan, LaneScratch, NetError, Shots, Targets};
use crate::task::Dataset;

/// The targets of a data set as lane shots' values: its values, or each class label as a
/// one-hot row (cross-entropy against a one-hot row is cross-entropy against the label).
pub(super) fn lane_values(data: &Dataset) -> std::borrow::Cow<'_, [f32]> {
    match data.targets() {
        Targets::Values(values) => values.into(),
        Targets::Classes(labels) => {
            let classes = match &data.labels {
                crate::task::Labels::Classes { classes, .. } => *classes,
                crate::task::Labels::Values { .. } => unreachable!("class targets"),
            };
            let mut one_hot = vec![0.0; labels.len() * classes];
            for (row, &label) in one_hot.chunks_exact_mut(classes).zip(labels) {
                row[label as usize] = 1.0;
            }
            one_hot.into()
        }
    }
}

/// Buffers of one worker: the group's initial genes, its adapted genes, the kernels'.
#[derive(Default)]
struct GroupScratch {
    init: Vec<Lane>,
    genes: Vec<Lane>,
    kernel: LaneScratch,
}

/// What one lane group yields: each member's fitness and, when kept, its adapted genes.
type GroupResult = Result<(Vec<f32>, Vec<Vec<f32>>), NetError>;

/// Every member's mean query loss over `tasks` into `fitness`; with `keep_adapted`, each
/// member's genes after its lifetime on the last task into `adapted` (else it is cleared).
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate(
    plan: &LanePlan,
    population: &Population,
    tasks: &[FewShotTask],
    inner: &InnerLoop,
    evolve_lr: bool,
    keep_adapted: bool,
    fitness: &mut [f32],
    adapted: &mut Vec<Vec<f32>>,
) -> Result<(), NetError> {
    let weights = plan.genome_len();
    let starts: Vec<usize> = (0..population.len()).step_by(LANES).collect();
    let groups: Vec<GroupResult> = starts
        .par_iter()
        .map_init(GroupScratch::default, |s, &start| {
            let end = (start + LANES).min(population.len());
            let members: Vec<&[f32]> = (start..end).map(|i| population.genome(i)).collect();
            plan.pack(&members, &mut s.init);
            let layer_lrs: Vec<Lane> = (0..plan.layers())
                .map(|l| {
                    std::array::from_fn(|m| {
                        let member = members[m.min(members.len() - 1)];
                        if evolve_lr {
                            rate(member[weights + l])
                        } else {
                            inner.lr
                        }
                    })
                })
                .collect();
            let mut total = [0.0f64; LANES];
            s.genes.clone_from(&s.init);
            for task in tasks {
                s.genes.clone_from(&s.init);
                let (support_values, query_values) =
                    (lane_values(&task.support), lane_values(&task.query));
                let support = Shots {
                    inputs: &task.support.inputs,
                    values: &support_values,
                };
                let query = Shots {
                    inputs: &task.query.inputs,
                    values: &query_values,
                };
                let loss = plan.lifetime(
                    &mut s.genes,
                    &layer_lrs,
                    inner.steps,
                    support,
                    query,
                    &mut s.kernel,
                )?;
                // Rounded to f32 per task, as the per-member path's query loss is.
                for (t, l) in total.iter_mut().zip(loss) {
                    *t += l as f32 as f64;
                }
            }
            let n = members.len();
            let values = total[..n]
                .iter()
                .map(|&t| (t / tasks.len().max(1) as f64) as f32)
                .collect();
            let kept = if keep_adapted {
                (0..n)
                    .map(|m| {
                        let mut genome = vec![0.0; weights];
                        plan.unpack(&s.genes, m, &mut genome);
                        genome
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok((values, kept))
        })
        .collect();
    adapted.clear();
    let mut at = 0;
    for group in groups {
        let (values, kept) = group?;
        fitness[at..at + values.len()].copy_from_slice(&values);
        at += values.len();
        adapted.extend(kept);
    }
    Ok(())
}
