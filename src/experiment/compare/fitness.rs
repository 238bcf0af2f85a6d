//! The fitness of an evolution arm: every member's loss on one mini-batch drawn for the
//! generation, through the population forward pass; the same loss, bit for bit, that
//! [`Network::loss`] gives and that the gradient arms minimise.

use crate::evolve::{Consumed, Fitness, Population, evaluate};
use crate::net::{Loss, NetError, Network, PopulationEvaluator};
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

impl Fitness for BatchFitness<'_> {
    type Error = NetError;

    fn evaluate(
        &mut self,
        _generation: u64,
        population: &Population,
        fitness: &mut [f32],
    ) -> Result<Consumed, NetError> {
        self.data.gather(self.sampler.next_batch(), &mut self.batch);
        let rows = self.batch.rows;
        evaluate::network_losses(
            population,
            self.net,
            &mut self.evaluator,
            &self.batch.inputs,
            rows,
            self.batch.targets(),
            self.loss,
            fitness,
        )?;
        Ok(Consumed {
            examples_drawn: rows as u64,
            example_evaluations: (rows * population.len()) as u64,
        })
    }
}
