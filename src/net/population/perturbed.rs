//! The losses of a generation sampled around a mean, without the population written out,
//! an antithetic pair sharing its first layer's products
//! ([`PopulationEvaluator::perturbed_losses`]).

use rayon::prelude::*;

use super::{CHUNKS_PER_THREAD, PopulationEvaluator};
use crate::net::{Activation, Loss, NetError, Network, Targets, Workspace, kernels};

impl PopulationEvaluator {
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
pub(super) struct PerturbedChunk {
    ws: Workspace,
    /// The member being evaluated.
    genome: Vec<f32>,
    /// `x·E + e` of the direction being evaluated, `[batch, fan_out]` of layer 0.
    shared: Vec<f32>,
    /// The direction's developed first-layer weights, when that layer is tied.
    developed: Vec<f32>,
    panels: Vec<f32>,
}
