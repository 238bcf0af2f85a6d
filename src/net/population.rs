//! Population forward: many genomes on one shared batch — the hot path of evolution.
//!
//! The population is cut into a few contiguous chunks per rayon thread, and each chunk
//! owns a [`Workspace`] that lives as long as the evaluator, so steady-state calls
//! allocate nothing. Every individual is computed by exactly the code that evaluates it alone,
//! single-threaded inside, so the result is bit-identical for any thread count.

use rayon::prelude::*;

use super::{Loss, NetError, Network, Targets, Workspace};

/// Chunks per rayon thread: more than one, so that a thread slowed by other work on its
/// core hands chunks over to the others instead of holding up the whole call.
const CHUNKS_PER_THREAD: usize = 4;

/// Evaluates many genomes on one batch in parallel, keeping a workspace per chunk of members
/// across calls; results are bit-identical to one genome at a time.
#[derive(Debug, Default)]
pub struct PopulationEvaluator {
    workspaces: Vec<Workspace>,
}

impl PopulationEvaluator {
    /// An evaluator with no workspaces yet.
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
        for i in 0..out.len() {
            let (net, genome) = member(i);
            net.check_input(genome, input, batch)?;
        }
        self.for_each_individual(out, |i, ws| {
            let (net, genome) = member(i);
            fitness(net.forward_unchecked(genome, input, batch, ws))
        });
        Ok(())
    }

    /// Loss of every genome of `population` (flat, `[individuals, genome_len]`) on one batch.
    /// Each equals [`Network::loss`] of that genome alone, bit for bit.
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
        if let Some(first) = population.get(..genes) {
            net.check_input(first, input, batch)?;
        }
        self.for_each_individual(out, |i, ws| {
            let genome = &population[i * genes..(i + 1) * genes];
            net.loss_unchecked(genome, input, batch, targets, loss, ws)
        });
        Ok(())
    }

    /// `out[i] = score(i, workspace)` in parallel, over contiguous chunks of the population
    /// that each own a workspace kept across calls. A workspace is scratch only, so which
    /// chunk (and thread) computes an individual does not change its result.
    fn for_each_individual<S>(&mut self, out: &mut [f32], score: S)
    where
        S: Fn(usize, &mut Workspace) -> f32 + Sync,
    {
        let population = out.len();
        if population == 0 {
            return;
        }
        let chunks = (rayon::current_num_threads() * CHUNKS_PER_THREAD).clamp(1, population);
        let chunk_len = population.div_ceil(chunks);
        let chunks = population.div_ceil(chunk_len);
        if self.workspaces.len() < chunks {
            self.workspaces.resize_with(chunks, Workspace::new);
        }
        out.par_chunks_mut(chunk_len)
            .zip(self.workspaces.par_iter_mut())
            .enumerate()
            .for_each(|(c, (out_chunk, ws))| {
                for (k, slot) in out_chunk.iter_mut().enumerate() {
                    *slot = score(c * chunk_len + k, ws);
                }
            });
    }
}
