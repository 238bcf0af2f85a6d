//! The fitness of an evolution arm: every member's loss on one mini-batch drawn for the
//! generation, through the population forward pass.

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
        let head = self.net.architecture().head();
        let outputs = self.net.architecture().outputs();
        let targets = self.batch.targets();
        let loss = self.loss;
        evaluate::evaluate_networks(
            population,
            self.net,
            &mut self.evaluator,
            &self.batch.inputs,
            rows,
            |z| loss.value(head, z, targets, outputs),
            fitness,
        )?;
        Ok(Consumed {
            examples_drawn: rows as u64,
            example_evaluations: (rows * population.len()) as u64,
        })
    }
}
