//! Mini-batch training with seeded shuffling and sample accounting.

use crate::net::{NetError, Network, Params, Workspace, loss::accuracy};
use crate::optim::Optimizer;
use crate::rng;
use crate::task::{Batch, BatchSampler, Dataset};

use super::Loss;

/// Trains one genome with one optimiser. Each step draws the next `batch` examples of a
/// seeded permutation of the training set (reshuffled when exhausted, so a batch may span
/// two epochs) and charges them to [`Trainer::samples_used`].
pub struct Trainer<'n, O: Optimizer> {
    net: &'n Network,
    loss: Loss,
    optimizer: O,
    batch: usize,
    seed: u64,
    sampler: Option<BatchSampler>,
    /// Batches the sampler skips when it is next built: those drawn before a checkpoint.
    resumed_batches: u64,
    samples_used: u64,
    gathered: Batch,
    grad: Vec<f32>,
    ws: Workspace,
}

impl<'n, O: Optimizer> Trainer<'n, O> {
    /// A trainer of `net` with `optimizer`, mini-batches of `batch` rows in an order
    /// drawn from `seed`.
    pub fn new(
        net: &'n Network,
        loss: Loss,
        optimizer: O,
        batch: usize,
        seed: u64,
    ) -> Result<Self, NetError> {
        if batch == 0 {
            return Err(NetError::EmptyBatch);
        }
        Ok(Self {
            net,
            loss,
            optimizer,
            batch,
            seed,
            sampler: None,
            resumed_batches: 0,
            samples_used: 0,
            gathered: Batch::default(),
            grad: vec![0.0; net.genome_len()],
            ws: Workspace::new(),
        })
    }

    /// Training examples consumed so far (forward passes of training data).
    pub fn samples_used(&self) -> u64 {
        self.samples_used
    }

    /// Gradient steps taken so far.
    pub fn steps(&self) -> u64 {
        self.optimizer.steps()
    }

    /// The optimiser and its state.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// Continue from a checkpoint: the optimiser (its state and step count) and the
    /// training examples consumed by the interrupted trainer. The mini-batch order resumes
    /// where it was, re-derived from the seed.
    pub fn restore(&mut self, optimizer: O, samples_used: u64) {
        self.optimizer = optimizer;
        self.samples_used = samples_used;
        self.sampler = None;
        self.resumed_batches = samples_used / self.batch as u64;
    }

    /// One step on the next mini-batch; returns the batch loss before the update.
    pub fn step(&mut self, params: &mut Params, data: &Dataset) -> Result<f32, NetError> {
        if data.is_empty() {
            return Err(NetError::EmptyBatch);
        }
        let (rows, batch, seed) = (data.len(), self.batch, self.seed);
        if self.sampler.as_ref().is_some_and(|s| s.rows() != rows) {
            self.sampler = None;
        }
        let skipped = std::mem::take(&mut self.resumed_batches);
        let sampler = self.sampler.get_or_insert_with(|| {
            let mut sampler = BatchSampler::new(
                rows,
                batch,
                rng::stream(&[seed, rng::Purpose::Shuffle.key()]),
            );
            // Batches drawn before a checkpoint (none for a fresh trainer).
            sampler.skip(skipped);
            sampler
        });
        data.gather(sampler.next_batch(), &mut self.gathered);
        let loss = self.net.loss_and_gradient(
            &params.genes,
            &self.gathered.inputs,
            self.gathered.targets(),
            self.loss,
            &mut self.ws,
            &mut self.grad,
        )?;
        self.optimizer.step(&mut params.genes, &self.grad);
        self.samples_used += self.batch as u64;
        Ok(loss)
    }
}

/// Loss and accuracy of a genome on a whole data set (not charged as training samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean loss over the data set.
    pub loss: f32,
    /// Fraction of rows classified right (0 for regression).
    pub accuracy: f32,
}

/// Loss and accuracy of `params` on all of `data` (not charged as training examples).
pub fn evaluate(
    net: &Network,
    params: &Params,
    data: &Dataset,
    loss: Loss,
    ws: &mut Workspace,
) -> Result<Evaluation, NetError> {
    let targets = data.targets();
    targets.check(data.len(), net.architecture().outputs())?;
    let z = net.forward(&params.genes, &data.inputs, data.len(), ws)?;
    let outputs = net.architecture().outputs();
    Ok(Evaluation {
        loss: loss.value(net.architecture().head(), z, targets, outputs),
        accuracy: accuracy(z, targets, outputs),
    })
}
