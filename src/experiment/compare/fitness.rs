//! The fitness of an evolution arm: every member's loss on one mini-batch drawn for the
//! generation, through the population forward pass; the same loss, bit for bit, that
//! [`Network::loss`] gives and that the gradient arms minimise.

use crate::evolve::{Consumed, Fitness, Members, Population, evaluate};
use crate::net::{Loss, NetError, Network, PopulationEvaluator, Targets};
use crate::task::{Batch, BatchSampler, Dataset};

/// Scores a population on successive mini-batches of a data set; members share each
/// batch, so a generation of P members on a batch of B draws B examples and evaluates
/// P·B.
pub struct BatchFitness<'a> {
    net: &'a Network,
    data: &'a Dataset,
    loss: Loss,
    sampler: BatchSampler,
    batch: Batch,
    evaluator: PopulationEvaluator,
}

impl<'a> BatchFitness<'a> {
    /// Members without a body of their own are evaluated as `net`; batches come from
    /// `sampler` over the rows of `data`.
    pub fn new(net: &'a Network, data: &'a Dataset, loss: Loss, sampler: BatchSampler) -> Self {
        Self {
            net,
            data,
            loss,
            sampler,
            batch: Batch::default(),
            evaluator: PopulationEvaluator::new(),
        }
    }
}

impl BatchFitness<'_> {
    /// Draw the generation's batch, score the population on it with `score(net, evaluator,
    /// inputs, rows, targets, loss)`, and count what it consumed.
    fn score_on_next_batch(
        &mut self,
        population: &Population,
        score: impl FnOnce(
            &Network,
            &mut PopulationEvaluator,
            &[f32],
            usize,
            Targets,
            Loss,
        ) -> Result<(), NetError>,
    ) -> Result<Consumed, NetError> {
        self.data.gather(self.sampler.next_batch(), &mut self.batch);
        let rows = self.batch.rows;
        let targets = self.batch.targets();
        score(
            self.net,
            &mut self.evaluator,
            &self.batch.inputs,
            rows,
            targets,
            self.loss,
        )?;
        Ok(Consumed {
            examples_drawn: rows as u64,
            example_evaluations: (rows * population.len()) as u64,
        })
    }
}

impl Fitness for BatchFitness<'_> {
    type Error = NetError;

    fn evaluate(
        &mut self,
        _generation: u64,
        population: &Population,
        fitness: &mut [f32],
    ) -> Result<Consumed, NetError> {
        self.score_on_next_batch(population, |net, evaluator, inputs, rows, targets, loss| {
            evaluate::network_losses(
                population, net, evaluator, inputs, rows, targets, loss, fitness,
            )
        })
    }

    /// An antithetic pair shares its first layer's products where that saves arithmetic
    /// ([`evaluate::member_losses`]).
    fn evaluate_members(
        &mut self,
        _generation: u64,
        population: &Population,
        members: Members<'_>,
        fitness: &mut [f32],
    ) -> Result<Consumed, NetError> {
        self.score_on_next_batch(population, |net, evaluator, inputs, rows, targets, loss| {
            evaluate::member_losses(
                population, members, net, evaluator, inputs, rows, targets, loss, fitness,
            )
        })
    }
}
