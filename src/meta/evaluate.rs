//! Scoring an initialisation: adapt it on fixed held-out tasks and average the query
//! loss and metric after every inner step. Not charged as outer samples: it is the
//! lifetime being measured.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::family::{DigitImages, Family, Phase};
use super::inner::{InnerLoop, Scratch, adapt_through, query_score_through};
use crate::net::{CosineScratch, Readout};
use crate::net::{NetError, Network};
use crate::rng::{self, Purpose};

/// One evaluation task's support size and (loss, metric) after each inner step.
type TaskCurve = (usize, Vec<(f32, f32)>);

/// Mean query loss and metric over fixed evaluation tasks, after each inner step
/// `0..=inner.steps`, for each number of shots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalPoint {
    /// Shots per class of the evaluation tasks.
    pub shots: usize,
    /// Inner steps taken (0: before adaptation).
    pub inner_steps: usize,
    /// Support examples seen in this lifetime (shots per class × classes).
    pub lifetime_shots: usize,
    /// Mean query loss.
    pub loss: f64,
    /// Mean query accuracy (digits) or loss (sine).
    pub metric: f64,
}

/// Evaluate an initialisation: for each `shots`, adapt from `init` on `tasks` fixed
/// evaluation tasks (held-out classes for digits) and average the query loss and metric
/// after every inner step. Evaluation tasks depend only on (shots, index), so every
/// method and seed is scored on the same tasks. Evaluation is not charged as outer
/// samples: it is the lifetime being measured.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_init(
    net: &Network,
    family: &Family,
    images: &DigitImages,
    init: &[f32],
    lrs: Option<&[f32]>,
    inner: &InnerLoop,
    shots_list: &[usize],
    tasks: usize,
) -> Result<Vec<EvalPoint>, NetError> {
    let lifetime = (Readout::Affine, inner);
    evaluate_readout(net, family, images, init, lrs, lifetime, shots_list, tasks)
}

/// [`evaluate_init`] with the network's scores read through `readout` in the lifetime
/// and on the query set (the cosine head of Baseline++, or the affine readout).
#[allow(clippy::too_many_arguments)]
pub fn evaluate_readout(
    net: &Network,
    family: &Family,
    images: &DigitImages,
    init: &[f32],
    lrs: Option<&[f32]>,
    (readout, inner): (Readout, &InnerLoop),
    shots_list: &[usize],
    tasks: usize,
) -> Result<Vec<EvalPoint>, NetError> {
    let (_, loss) = family.head_and_loss();
    let scored = (net, readout);
    let accuracy = family.metric_is_accuracy();
    let mut points = Vec::new();
    for &shots in shots_list {
        let per_task: Vec<Result<TaskCurve, NetError>> = (0..tasks as u64)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, t| {
                let mut stream = rng::stream(&[Purpose::EvaluationTasks.key(), shots as u64, t]);
                let task = family.sample(&mut stream, shots, Phase::Test, images);
                let mut genes = init.to_vec();
                let (mut ws, mut cosine) = (crate::net::Workspace::new(), CosineScratch::default());
                let mut score = |g: &[f32]| {
                    query_score_through(
                        scored,
                        g,
                        &task.query,
                        loss,
                        accuracy,
                        &mut ws,
                        &mut cosine,
                    )
                };
                let mut curve = vec![score(&genes)?];
                adapt_through(
                    net,
                    &mut genes,
                    &task.support,
                    loss,
                    (readout, inner),
                    lrs,
                    scratch,
                    |_, g| {
                        curve.push(score(g)?);
                        Ok(())
                    },
                )?;
                Ok((task.support.len(), curve))
            })
            .collect();
        let mut sums = vec![(0.0f64, 0.0f64); inner.steps + 1];
        let mut lifetime = 0;
        for result in per_task {
            let (support, curve) = result?;
            lifetime = support;
            for (s, (l, m)) in sums.iter_mut().zip(curve) {
                s.0 += l as f64;
                s.1 += m as f64;
            }
        }
        for (step, (l, m)) in sums.into_iter().enumerate() {
            points.push(EvalPoint {
                shots,
                inner_steps: step,
                lifetime_shots: lifetime,
                loss: l / tasks as f64,
                metric: m / tasks as f64,
            });
        }
    }
    Ok(points)
}
