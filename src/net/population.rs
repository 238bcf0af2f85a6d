//! Population forward: many genomes on one shared batch — the hot path of evolution.
//!
//! Two layouts, picked per call by the size of the network and the batch:
//!
//! - **Row-major**, one individual at a time: the population is cut into a few contiguous
//!   chunks per rayon thread, each owning a [`Workspace`], and every individual is
//!   computed by exactly the code that evaluates it alone ([`Network::forward`]).
//! - **Lanes**, for small dense networks: [`LANES`] members at once, one per SIMD lane
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

use super::{
    Activation, Head, LANES, Lane, LanePlan, LaneScratch, Loss, NetError, Network, Targets,
    Workspace, kernels,
};

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

/// One chunk's scratch for the lane layout.
#[derive(Debug, Default)]
struct LaneChunk {
    /// The lane group's genes, population-major.
    genes: Vec<Lane>,
    kernel: LaneScratch,
    /// One member's readout `z[batch, outputs]`, unpacked from the lanes.
    readout: Vec<f32>,
    loss_scratch: Vec<f32>,
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
    /// loss scratch)`, or [`mse_lanes`] with `mse_values`) when every member shares one
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

    /// `out[i]` = the loss of member `first + i` of a generation sampled around `mean`, on
    /// one batch, without the population written out: memory of one genome per chunk of
    /// members. Member `j` is `mean + s·σ·ε` with `ε = direction(d)`: with `antithetic`,
    /// members `2d` and `2d + 1` share direction `d` with signs `+` and `−`; without,
    /// member `d` is `mean + σ·ε_d`. Its genes are computed as `mean + s · σ · ε` (in that
    /// order of operations), the same bits that an evolution strategy writes out.
    ///
    /// An antithetic pair shares its first layer's products: `x·W + b` of the mean once per
    /// call and `x·E + e` of the direction once per pair (a tied layer's `W` and `E`
    /// developed first: development is linear in the genes), then each member's first
    /// layer is `f((x·W + b) ± σ·(x·E + e))` (`kernels::perturbed_activation`). That
    /// halves the arithmetic of the first layer; each loss equals [`Network::loss`] of the
    /// member's genome within rounding (not bit for bit: the sums are grouped
    /// differently). Without antithetic pairs each member is evaluated as alone, bit for
    /// bit [`Network::loss`]. Either way a member's loss depends on nothing
    /// but its index, so it is the same for any thread count and in any `first..` slice.
    #[allow(clippy::too_many_arguments)]
    pub fn perturbed_losses<'d, D>(
        &mut self,
        net: &Network,
        mean: &[f32],
        sigma: f32,
        antithetic: bool,
        first: usize,
        direction: D,
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        out: &mut [f32],
    ) -> Result<(), NetError>
    where
        D: Fn(usize) -> &'d [f32] + Sync,
    {
        net.check_input(mean, input, batch)?;
        targets.check(batch, net.architecture().outputs())?;
        let direction_of = |i: usize| {
            let j = first + i;
            if antithetic {
                (j / 2, if j.is_multiple_of(2) { 1.0 } else { -1.0 })
            } else {
                (j, 1.0)
            }
        };
        for i in 0..out.len() {
            let got = direction(direction_of(i).0).len();
            if got != mean.len() {
                return Err(NetError::GenomeLength {
                    expected: mean.len(),
                    got,
                });
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        let arch = net.architecture();
        let (fan_in, fan_out) = arch.layer_shape(0);
        let fused = antithetic;
        let (weights, bias) = (net.weight_genes(0), net.bias_genes(0));
        if fused {
            self.mean_first.resize(batch * fan_out, 0.0);
            kernels::forward_layer(
                batch,
                fan_in,
                fan_out,
                input,
                first_layer_weights(net, mean, &mut self.mean_weights),
                &mean[bias.clone()],
                Activation::Identity,
                &mut self.mean_first,
                &mut self.panels,
            );
        }
        let mean_first = &self.mean_first[..];
        let activation = arch.activation(0);
        // Whole pairs per chunk (when `first` is even), so that each direction's product
        // is computed once.
        let chunks = (rayon::current_num_threads() * CHUNKS_PER_THREAD).clamp(1, out.len());
        let chunk_len = out.len().div_ceil(chunks).next_multiple_of(2);
        let chunks = out.len().div_ceil(chunk_len);
        if self.perturbed_chunks.len() < chunks {
            self.perturbed_chunks
                .resize_with(chunks, PerturbedChunk::default);
        }
        out.par_chunks_mut(chunk_len)
            .zip(self.perturbed_chunks.par_iter_mut())
            .enumerate()
            .for_each(|(c, (out_chunk, chunk))| {
                let PerturbedChunk {
                    ws,
                    genome,
                    shared,
                    developed,
                    panels,
                } = chunk;
                genome.resize(mean.len(), 0.0);
                // The direction whose `x·E + e` is in `shared`.
                let mut computed = None;
                for (k, slot) in out_chunk.iter_mut().enumerate() {
                    let (d, sign) = direction_of(c * chunk_len + k);
                    let eps = direction(d);
                    // A fused pair's first-layer weights are never read: not written.
                    let skip = if fused { weights.clone() } else { 0..0 };
                    for g in [0..skip.start, skip.end..mean.len()] {
                        let genes = genome[g.clone()].iter_mut();
                        for ((x, &mu), &e) in genes.zip(&mean[g.clone()]).zip(&eps[g]) {
                            *x = mu + sign * sigma * e;
                        }
                    }
                    if !fused {
                        *slot = net.loss_unchecked(genome, input, batch, targets, loss, ws);
                        continue;
                    }
                    if computed != Some(d) {
                        shared.resize(batch * fan_out, 0.0);
                        kernels::forward_layer(
                            batch,
                            fan_in,
                            fan_out,
                            input,
                            first_layer_weights(net, eps, developed),
                            &eps[bias.clone()],
                            Activation::Identity,
                            shared,
                            panels,
                        );
                        computed = Some(d);
                    }
                    let first_layer = |z: &mut [f32]| {
                        kernels::perturbed_activation(
                            mean_first,
                            shared,
                            sign * sigma,
                            activation,
                            z,
                        )
                    };
                    *slot = net.loss_with_first_layer(
                        genome,
                        input,
                        batch,
                        targets,
                        loss,
                        ws,
                        first_layer,
                    );
                }
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

/// Layer 0's weight matrix `[fan_in, fan_out]` of `genome`: its genes when the layer is
/// dense, else developed into `buffer`. Development is linear in the genes, so members
/// sharing their first layer's products works for any tying.
fn first_layer_weights<'a>(
    net: &Network,
    genome: &'a [f32],
    buffer: &'a mut Vec<f32>,
) -> &'a [f32] {
    if net.tying().layer(0).is_dense() {
        return &genome[net.weight_genes(0)];
    }
    let (fan_in, fan_out) = net.architecture().layer_shape(0);
    buffer.resize(fan_in * fan_out, 0.0);
    net.develop_layer(genome, 0, buffer);
    buffer
}

/// One chunk's scratch for [`PopulationEvaluator::perturbed_losses`].
#[derive(Debug, Default)]
struct PerturbedChunk {
    ws: Workspace,
    /// The member being evaluated.
    genome: Vec<f32>,
    /// `x·E + e` of the direction being evaluated, `[batch, fan_out]` of layer 0.
    shared: Vec<f32>,
    /// The direction's developed first-layer weights, when that layer is tied.
    developed: Vec<f32>,
    panels: Vec<f32>,
}

/// The regression targets when every member's loss can be computed lane by lane
/// ([`mse_lanes`]): a linear head under mean squared error against values.
fn mse_targets<'t>(net: &Network, targets: Targets<'t>, loss: Loss) -> Option<&'t [f32]> {
    match (loss, net.architecture().head(), targets) {
        (Loss::Mse, Head::Linear, Targets::Values(values)) => Some(values),
        _ => None,
    }
}

/// The plan that [`PopulationEvaluator::use_lanes`] just approved.
fn plan_of(plan: &Option<(Network, Option<LanePlan>)>) -> &LanePlan {
    match plan {
        Some((_, Some(plan))) => plan,
        _ => unreachable!("use_lanes approved a dense plan"),
    }
}

/// `out[i] = score(z_i, loss scratch)` for every member `i` (genome `genome(i)`), with
/// `z_i[batch, outputs]` computed in lane groups of [`LANES`] consecutive members, over
/// contiguous chunks of whole groups in parallel. Group boundaries depend only on `i`, and
/// a lane's result only on its own genes, so neither the thread count nor the chunking
/// changes a result.
///
/// With `mse_values` (a linear head under mean squared error against `values[batch,
/// outputs]`), the losses are computed lane by lane instead ([`mse_lanes`]), without
/// unpacking a readout per member; `score` is then not called.
fn for_each_lane_group<'g, G, S>(
    chunks: &mut Vec<LaneChunk>,
    plan: &LanePlan,
    genome: G,
    input: &[f32],
    out: &mut [f32],
    mse_values: Option<&[f32]>,
    score: S,
) where
    G: Fn(usize) -> &'g [f32] + Sync,
    S: Fn(&[f32], &mut Vec<f32>) -> f32 + Sync,
{
    let outputs = plan.layer_shape(plan.layers() - 1).1;
    let population = out.len();
    let groups = population.div_ceil(LANES);
    let chunk_count = (rayon::current_num_threads() * CHUNKS_PER_THREAD).clamp(1, groups);
    let chunk_len = groups.div_ceil(chunk_count) * LANES;
    let chunk_count = population.div_ceil(chunk_len);
    if chunks.len() < chunk_count {
        chunks.resize_with(chunk_count, LaneChunk::default);
    }
    out.par_chunks_mut(chunk_len)
        .zip(chunks.par_iter_mut())
        .enumerate()
        .for_each(|(c, (out_chunk, chunk))| {
            let LaneChunk {
                genes,
                kernel,
                readout,
                loss_scratch,
            } = chunk;
            for (g, out_group) in out_chunk.chunks_mut(LANES).enumerate() {
                let first = c * chunk_len + g * LANES;
                let members: [&[f32]; LANES] =
                    std::array::from_fn(|m| genome(first + m.min(out_group.len() - 1)));
                plan.pack(&members[..out_group.len()], genes);
                let z = plan.forward_lanes(genes, input, kernel);
                if let Some(values) = mse_values {
                    mse_lanes(z, values, outputs, out_group);
                    continue;
                }
                for (m, slot) in out_group.iter_mut().enumerate() {
                    readout.clear();
                    readout.extend(z.iter().map(|lane| lane[m]));
                    *slot = score(readout, loss_scratch);
                }
            }
        });
}

/// `Loss::Mse` of a linear head for every lane of `z[rows, outputs]` against
/// `values[rows, outputs]`, into `out` (one per member, up to [`LANES`]): the sums of
/// `net::loss` — each row's squared errors (in `f32`, widened) summed in `f64` in output
/// order, then the rows in order, divided by `rows · outputs` — lane by lane, so that
/// each equals [`Network::loss`] bit for bit.
fn mse_lanes(z: &[Lane], values: &[f32], outputs: usize, out: &mut [f32]) {
    let mut total = [0.0f64; LANES];
    let rows = z.len() / outputs;
    for (b, row_z) in z.chunks_exact(outputs).enumerate() {
        let mut row = [0.0f64; LANES];
        for (o, lane) in row_z.iter().enumerate() {
            let target = values[b * outputs + o];
            for (sum, &v) in row.iter_mut().zip(lane) {
                let err = v - target;
                *sum += (err * err) as f64;
            }
        }
        for (t, r) in total.iter_mut().zip(row) {
            *t += r;
        }
    }
    let count = (rows * outputs) as f64;
    for (slot, t) in out.iter_mut().zip(total) {
        *slot = (t / count) as f32;
    }
}
