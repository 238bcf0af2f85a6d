//! The fast learner: a few gradient steps on a task's few shots.

use serde::{Deserialize, Serialize};

use crate::net::loss::accuracy;
use crate::net::{CosineScratch, Loss, NetError, Network, Readout, Workspace};
use crate::optim::{Adam, Optimizer};
use crate::task::Dataset;

/// The optimiser of a lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerOptimizer {
    /// Plain SGD (per-layer rates when plasticity is evolved).
    Sgd,
    /// Adam with the paper's defaults.
    Adam,
}

/// `steps` full-batch steps on the support set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InnerLoop {
    /// Full-batch gradient steps on the support set.
    pub steps: usize,
    /// Step size.
    pub lr: f32,
    /// The optimiser.
    pub optimizer: InnerOptimizer,
}

impl Default for InnerLoop {
    fn default() -> Self {
        Self {
            steps: 5,
            lr: 0.01,
            optimizer: InnerOptimizer::Sgd,
        }
    }
}

impl InnerLoop {
    /// Check every key, naming the first bad one.
    pub fn validate(&self) -> Result<(), crate::options::Invalid> {
        crate::options::Invalid::unless(
            (1..=1000).contains(&self.steps),
            "steps",
            "must be between 1 and 1000",
        )?;
        crate::options::Invalid::unless(self.lr > 0.0 && self.lr.is_finite(), "lr", "must be > 0")
    }
}

/// Buffers for one adaptation, reused across calls.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Forward and backward buffers.
    pub ws: Workspace,
    /// The gradient.
    pub grad: Vec<f32>,
    /// Buffers of the cosine readout.
    pub cosine: CosineScratch,
}

/// Adapt `genes` in place with `inner.steps` steps on `support`. `layer_lrs` (evolved
/// plasticity) replaces the inner learning rate per layer when given (SGD). Calls
/// `after_step(step, genes)` after each step, step 1..=steps. Returns the training
/// examples consumed (`steps × support size`).
#[allow(clippy::too_many_arguments)]
pub fn adapt(
    net: &Network,
    genes: &mut [f32],
    support: &Dataset,
    loss: Loss,
    inner: &InnerLoop,
    layer_lrs: Option<&[f32]>,
    scratch: &mut Scratch,
    after_step: impl FnMut(usize, &[f32]) -> Result<(), NetError>,
) -> Result<u64, NetError> {
    let lifetime = (Readout::Affine, inner);
    adapt_through(
        net, genes, support, loss, lifetime, layer_lrs, scratch, after_step,
    )
}

/// [`adapt`] with the network's scores read through `readout` (the cosine head of
/// Baseline++, or the affine readout).
#[allow(clippy::too_many_arguments)]
pub fn adapt_through(
    net: &Network,
    genes: &mut [f32],
    support: &Dataset,
    loss: Loss,
    (readout, inner): (Readout, &InnerLoop),
    layer_lrs: Option<&[f32]>,
    scratch: &mut Scratch,
    mut after_step: impl FnMut(usize, &[f32]) -> Result<(), NetError>,
) -> Result<u64, NetError> {
    scratch.grad.resize(net.genome_len(), 0.0);
    let mut adam = Adam::new(inner.lr);
    for step in 1..=inner.steps {
        readout.loss_and_gradient(
            net,
            genes,
            &support.inputs,
            support.targets(),
            loss,
            &mut scratch.ws,
            &mut scratch.cosine,
            &mut scratch.grad,
        )?;
        match (inner.optimizer, layer_lrs) {
            (InnerOptimizer::Adam, _) => adam.step(genes, &scratch.grad),
            (InnerOptimizer::Sgd, None) => genes
                .iter_mut()
                .zip(&scratch.grad)
                .for_each(|(g, d)| *g -= inner.lr * d),
            (InnerOptimizer::Sgd, Some(lrs)) => {
                for (l, &lr) in lrs.iter().enumerate() {
                    let range = net.weight_genes(l).start..net.bias_genes(l).end;
                    genes[range.clone()]
                        .iter_mut()
                        .zip(&scratch.grad[range])
                        .for_each(|(g, d)| *g -= lr * d);
                }
            }
        }
        after_step(step, genes)?;
    }
    Ok((inner.steps * support.len()) as u64)
}

/// Query loss and metric (accuracy, or loss for regression) of `genes`.
pub fn query_score(
    net: &Network,
    genes: &[f32],
    query: &Dataset,
    loss: Loss,
    accuracy_metric: bool,
    ws: &mut Workspace,
) -> Result<(f32, f32), NetError> {
    let mut cosine = CosineScratch::default();
    let scored = (net, Readout::Affine);
    query_score_through(scored, genes, query, loss, accuracy_metric, ws, &mut cosine)
}

/// [`query_score`] with the scores read through `readout`; a cosine readout's scores are
/// logits under a softmax head.
pub(crate) fn query_score_through(
    (net, readout): (&Network, Readout),
    genes: &[f32],
    query: &Dataset,
    loss: Loss,
    accuracy_metric: bool,
    ws: &mut Workspace,
    cosine: &mut CosineScratch,
) -> Result<(f32, f32), NetError> {
    let targets = query.targets();
    let outputs = net.architecture().outputs();
    let head = match readout {
        Readout::Affine => net.architecture().head(),
        Readout::Cosine { .. } => crate::net::Head::Softmax,
    };
    let z = readout.scores(net, genes, &query.inputs, ws, cosine)?;
    let value = loss.value(head, z, targets, outputs);
    let metric = if accuracy_metric {
        accuracy(z, targets, outputs)
    } else {
        value
    };
    Ok((value, metric))
}
