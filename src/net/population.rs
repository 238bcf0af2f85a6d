//! Population forward: many genomes on one shared batch — the hot path of evolution.
//!
//! The population is cut into one contiguous chunk per rayon thread, and each chunk owns
//! a [`Workspace`] that lives as long as the evaluator, so steady-state calls allocate
//! nothing. Every individual is computed by exactly the code that evaluates it alone,
//! single-threaded inside, so the result is bit-identical for any thread count.

use rayon::prelude::*;

use super::{Loss, NetError, Network, Targets, Workspace};

#[derive(Debug, Default)]
pub struct PopulationEvaluator {
    workspaces: Vec<Workspace>,
}

impl PopulationEvaluator {
    pub fn new() -> Self {
        Self::default()
    }

    /// `out[i] = fitness(z_i)` where `z_i[batch, outputs]` is the readout of individual
    /// `i`, whose network and genome `member(i)` returns. Individuals may differ in
    /// tying (and so in genome length) but must share inputs and outputs.
    pub fn evaluate_with<'a, M, F>(
        &mut self,
        member: M,
        input: &[f32],
        batch: usize,
        fitness: F,
        out: &mut [f32],
    ) -> Result<(), NetError>
    where
        M: Fn(usize) -> (&'a Network, &'a [f32]) + Sync,
        F: Fn(&[f32]) -> f32 + Sync,
    {
        let population = out.len();
        for i in 0..population {
            let (net, genome) = member(i);
            net.check_input(genome, input, batch)?;
        }
        if population == 0 {
            return Ok(());
        }
        let chunks = rayon::current_num_threads().clamp(1, population);
        let chunk_len = population.div_ceil(chunks);
        if self.workspaces.len() < chunks {
            self.workspaces.resize_with(chunks, Workspace::new);
        }
        out.par_chunks_mut(chunk_len)
            .zip(self.workspaces.par_iter_mut())
            .enumerate()
            .for_each(|(c, (out_chunk, ws))| {
                for (k, slot) in out_chunk.iter_mut().enumerate() {
                    let (net, genome) = member(c * chunk_len + k);
                    *slot = fitness(net.forward_unchecked(genome, input, batch, ws));
                }
            });
        Ok(())
    }

    /// Loss of every genome of `population` (flat, `[individuals, genome_len]`) on one batch.
    pub fn losses(
        &mut self,
        net: &Network,
        population: &[f32],
        input: &[f32],
        targets: Targets,
        loss: Loss,
        out: &mut [f32],
    ) -> Result<(), NetError> {
        let genes = net.genome_len();
        if population.len() != out.len() * genes {
            return Err(NetError::GenomeLength {
                expected: out.len() * genes,
                got: population.len(),
            });
        }
        let batch = input.len() / net.architecture().inputs().max(1);
        targets.check(batch, net.architecture().outputs())?;
        let (head, outputs) = (net.architecture().head(), net.architecture().outputs());
        self.evaluate_with(
            |i| (net, &population[i * genes..(i + 1) * genes]),
            input,
            batch,
            |z| loss.value(head, z, targets, outputs),
            out,
        )
    }
}
