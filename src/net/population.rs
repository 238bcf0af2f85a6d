//! Population forward: many genomes on one shared batch — the hot path of evolution.
//!
//! Two layouts, picked per call by the size of the network and the batch:
//!
//! - **Row-major**, one individual at a time: the population is cut into a few contiguous
//!   chunks per rayon thread, each owning a [`Workspace`], and every individual is
//!   computed by exactly the code that evaluates it alone ([`Network::forward`]).
//! - **Lanes**, for small dense networks: [`LANES`](super::LANES) members at once, one per SIMD lane
//!   ([`LanePlan::dense`]), which removes the per-individual setup that dominates a tiny
//!   forward pass. Each lane sums every output in the order of the row-major kernels (the
//!   bias, then `+ x[t] · w[t]` for `t = 0, 1, ...`, with the same fused multiply-add) and
//!   applies the same activation, so its readout is the same bits; that readout is then
//!   unpacked and scored by the same loss code as one individual alone.
//!
//! Either way the result is bit-identical to one genome at a time, for any thread count:
//! an individual's lane group is fixed by its index (the last group padded with copies of
//! its last member), and lanes never mix. Chunks keep their scratch across calls, so
//! steady-state calls allocate nothing.

use rayon::prelude::*;

mod lane_groups;
mod perturbed;

use lane_groups::{LaneChunk, for_each_lane_group, mse_targets, plan_of};
use perturbed::PerturbedChunk;

use super::{LanePlan, Loss, NetError, Network, Targets, Workspace};

/// Chunks per rayon thread: more than one, so that a thread slowed by other work on its
/// core hands chunks over to the others instead of holding up the whole call.
const CHUNKS_PER_THREAD: usize = 4;

/// Lanes are used while `batch × genome_len` (about the multiply-adds per member) is at
/// most this, and the genome at most [`LANE_MAX_GENES`]. Measured on the 2-core AVX-512
/// machine (losses under MSE, tanh, 2 threads; lanes ÷ row-major time): 2-16-1 at batch 4
/// (work 260) 0.61, batch 32 (2,080) 0.58, batch 128 (8,320) 0.80; 8-32-4 at batch 16
/// (6,720) 0.83 but batch 64 (26,880) 1.13; 16-32-10 at batch 32 (27,968) 1.19; 1-40-40-1
/// at batch 10 (17,610) 0.60 and batch 32 (56,352) 0.72. The row-major kernels fill
/// their 16-column tiles on wide layers, so the crossover falls between about 8,000 and
/// 27,000 for mid-sized layers; the limit sits at its low end.
const LANE_MAX_WORK: usize = 8192;

/// Longest genome run in lanes by default: a wide network loses in lanes at any batch
/// (64-64-10, 4,810 genes: 4.8× slower at batch 4, 4.1× at batch 64), as packing a lane
/// group touches every gene of 16 members for a few multiply-adds each.
const LANE_MAX_GENES: usize = 2048;

/// Evaluates many genomes on one batch in parallel, keeping scratch per chunk of members
/// across calls; results are bit-identical to one genome at a time.
#[derive(Debug)]
pub struct PopulationEvaluator {
    workspaces: Vec<Workspace>,
    lane_chunks: Vec<LaneChunk>,
    perturbed_chunks: Vec<PerturbedChunk>,
    /// `x·W + b` of the mean's first layer, `[batch, fan_out]` (`perturbed_losses`).
    mean_first: Vec<f32>,
    /// The mean's developed first-layer weights, when that layer is tied.
    mean_weights: Vec<f32>,
    panels: Vec<f32>,
    /// The last network evaluated and its lane plan (`None`: a tied layer), so that a
    /// steady-state call does not rebuild (and allocate) the plan.
    plan: Option<(Network, Option<LanePlan>)>,
    lane_max_work: usize,
    lane_max_genes: usize,
}

impl Default for PopulationEvaluator {
    fn default() -> Self {
        Self {
            lane_max_genes: LANE_MAX_GENES,
            ..Self::with_lane_limit(LANE_MAX_WORK)
        }
    }
}

impl PopulationEvaluator {
    /// An evaluator with no scratch yet, which picks the layout by size.
    pub fn new() -> Self {
        Self::default()
    }

    /// An evaluator that uses lanes for dense networks while `batch × genome_len` is at
    /// most `max_work` (0: never; `usize::MAX`: always), whatever the genome's length.
    /// Results do not depend on it, only the speed does: for tests and measurements.
    pub fn with_lane_limit(max_work: usize) -> Self {
        Self {
            workspaces: Vec::new(),
            lane_chunks: Vec::new(),
            perturbed_chunks: Vec::new(),
            mean_first: Vec::new(),
            mean_weights: Vec::new(),
            panels: Vec::new(),
            plan: None,
            lane_max_work: max_work,
            lane_max_genes: usize::MAX,
        }
    }

    /// `out[i] = fitness(z_i)` where `z_i[batch, outputs]` is the readout of individual
    /// `i`, whose network and genome `member(i)` returns. Individuals may differ in
    /// tying (and so in genome length) but must share inputs and outputs. When every
    /// member returns the same network (the same object), small dense networks run in
    /// lanes.
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
        self.score_members(
            member,
            input,
            batch,
            out,
            None,
            |_, z, _| fitness(z),
            |net, genome, ws| fitness(net.forward_unchecked(genome, input, batch, ws)),
        )
    }

    /// `out[i]` = the loss of individual `i` (network and genome from `member(i)`, as in
    /// [`PopulationEvaluator::evaluate_with`]) on one batch, equal bit for bit to
    /// [`Network::loss`] of that genome alone: the loss that gradient descent minimises
    /// (softmax cross-entropy through the vectorised kernel).
    pub fn losses_with<'a, M>(
        &mut self,
        member: M,
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        out: &mut [f32],
    ) -> Result<(), NetError>
    where
        M: Fn(usize) -> (&'a Network, &'a [f32]) + Sync,
    {
        let Some(first) = out.first().map(|_| member(0).0) else {
            return Ok(());
        };
        targets.check(batch, first.architecture().outputs())?;
        self.score_members(
            member,
            input,
            batch,
            out,
            mse_targets(first, targets, loss),
            |net, z, scratch| net.readout_loss(z, targets, loss, scratch, None),
            |net, genome, ws| net.loss_unchecked(genome, input, batch, targets, loss, ws),
        )
    }

    /// `out[i]` = a score of member `i`: from its readout in lanes (`lane_score(net, z,
    /// loss scratch)`, or `lane_groups::mse_lanes` with `mse_values`) when every member shares one
    /// small dense network, else one at a time (`row_score(net, genome, workspace)`). They
    /// must compute the same function.
    #[allow(clippy::too_many_arguments)]
    fn score_members<'a, M, L, R>(
        &mut self,
        member: M,
        input: &[f32],
        batch: usize,
        out: &mut [f32],
        mse_values: Option<&[f32]>,
        lane_score: L,
        row_score: R,
    ) -> Result<(), NetError>
    where
        M: Fn(usize) -> (&'a Network, &'a [f32]) + Sync,
        L: Fn(&Network, &[f32], &mut Vec<f32>) -> f32 + Sync,
        R: Fn(&Network, &[f32], &mut Workspace) -> f32 + Sync,
    {
        let mut shared = out.first().map(|_| member(0).0);
        for i in 0..out.len() {
            let (net, genome) = member(i);
            net.check_input(genome, input, batch)?;
            shared = shared.filter(|s| std::ptr::eq(*s, net));
        }
        if let Some(net) = shared
            && self.use_lanes(net, batch)
        {
            let Self {
                plan, lane_chunks, ..
            } = self;
            let plan = plan_of(plan);
            for_each_lane_group(
                lane_chunks,
                plan,
                |i| member(i).1,
                input,
                out,
                mse_values,
                |z, scratch| lane_score(net, z, scratch),
            );
            return Ok(());
        }
        self.for_each_individual(out, |i, ws| {
            let (net, genome) = member(i);
            row_score(net, genome, ws)
        });
        Ok(())
    }

    /// Whether [`PopulationEvaluator::losses_with`] would evaluate members of `net` on
    /// `batch` rows in SIMD lanes (when they share the network).
    pub fn uses_lanes(&mut self, net: &Network, batch: usize) -> bool {
        self.use_lanes(net, batch)
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
        let genome = |i: usize| &population[i * genes..(i + 1) * genes];
        if !out.is_empty() && self.use_lanes(net, batch) {
            let Self {
                plan, lane_chunks, ..
            } = self;
            let plan = plan_of(plan);
            let mse = mse_targets(net, targets, loss);
            for_each_lane_group(lane_chunks, plan, genome, input, out, mse, |z, scratch| {
                net.readout_loss(z, targets, loss, scratch, None)
            });
            return Ok(());
        }
        self.for_each_individual(out, |i, ws| {
            net.loss_unchecked(genome(i), input, batch, targets, loss, ws)
        });
        Ok(())
    }

    /// Whether `net` on `batch` rows runs in lanes: dense, and small enough that the
    /// per-individual setup of the row-major path would dominate. Leaves `net`'s plan
    /// in `self.plan`.
    fn use_lanes(&mut self, net: &Network, batch: usize) -> bool {
        let genes = net.genome_len();
        if genes > self.lane_max_genes || batch.saturating_mul(genes) > self.lane_max_work {
            return false;
        }
        if !matches!(&self.plan, Some((seen, _)) if seen == net) {
            self.plan = Some((net.clone(), LanePlan::dense(net)));
        }
        matches!(self.plan, Some((_, Some(_))))
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
