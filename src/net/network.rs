//! A network (body plan + segmentation), its genome layout, development, initialisation,
//! and the batched forward and backward passes.
//!
//! Genome layout, layer after layer: the layer's gene blocks (`blocks x tile_rows x
//! tile_cols`, each block row-major) followed by its biases (`fan_out`). A dense layer
//! (one tile) is therefore stored as its plain row-major weight matrix.

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use super::kernels;
use super::{Activation, Architecture, Head, LayerTying, Loss, NetError, Targets, Tying};

/// A genome: one flat vector of genes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Params {
    pub genes: Vec<f32>,
}

impl Params {
    pub fn new(genes: Vec<f32>) -> Self {
        Self { genes }
    }

    pub fn len(&self) -> usize {
        self.genes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct LayerLayout {
    weights: usize,
    biases: usize,
}

/// Architecture plus tying, with the genome layout they imply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Network {
    arch: Architecture,
    tying: Tying,
    layout: Vec<LayerLayout>,
    genome_len: usize,
}

impl Network {
    pub fn new(arch: Architecture, tying: Tying) -> Result<Self, NetError> {
        tying.check(&arch)?;
        let mut offset = 0;
        let layout = tying
            .layers()
            .iter()
            .enumerate()
            .map(|(l, lt)| {
                let weights = offset;
                let biases = weights + lt.weight_genes();
                offset = biases + arch.layer_shape(l).1;
                LayerLayout { weights, biases }
            })
            .collect();
        Ok(Self {
            arch,
            tying,
            layout,
            genome_len: offset,
        })
    }

    /// An untied network.
    pub fn dense(arch: Architecture) -> Self {
        let tying = Tying::dense(&arch);
        Self::new(arch, tying).expect("a dense tying always fits its architecture")
    }

    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    pub fn tying(&self) -> &Tying {
        &self.tying
    }

    pub fn genome_len(&self) -> usize {
        self.genome_len
    }

    /// Range of layer `layer`'s weight genes in the genome.
    pub fn weight_genes(&self, layer: usize) -> std::ops::Range<usize> {
        self.layout[layer].weights..self.layout[layer].biases
    }

    /// Range of layer `layer`'s biases in the genome.
    pub fn bias_genes(&self, layer: usize) -> std::ops::Range<usize> {
        let start = self.layout[layer].biases;
        start..start + self.arch.layer_shape(layer).1
    }

    /// Seeded initialisation: He normal (`N(0, 2/fan_in)`, He et al. 2015) for ReLU layers,
    /// Glorot uniform (`U(±√(6/(fan_in+fan_out)))`, Glorot & Bengio 2010) otherwise; zero
    /// biases. A shared gene block is drawn once, from its layer's distribution.
    pub fn init<R: Rng + ?Sized>(&self, rng: &mut R) -> Params {
        let mut genes = vec![0.0f32; self.genome_len];
        for l in 0..self.arch.layers() {
            let (fan_in, fan_out) = self.arch.layer_shape(l);
            let weights = &mut genes[self.weight_genes(l)];
            if self.arch.activation(l) == Activation::Relu {
                let normal = Normal::new(0.0, (2.0 / fan_in as f32).sqrt()).expect("finite std");
                weights.iter_mut().for_each(|w| *w = normal.sample(rng));
            } else {
                let a = (6.0 / (fan_in + fan_out) as f32).sqrt();
                let uniform = Uniform::new_inclusive(-a, a).expect("finite bounds");
                weights.iter_mut().for_each(|w| *w = uniform.sample(rng));
            }
        }
        Params::new(genes)
    }

    /// Check a genome and a batch once, at the boundary.
    pub fn check_input(&self, genome: &[f32], input: &[f32], batch: usize) -> Result<(), NetError> {
        if genome.len() != self.genome_len {
            return Err(NetError::GenomeLength {
                expected: self.genome_len,
                got: genome.len(),
            });
        }
        if batch == 0 {
            return Err(NetError::EmptyBatch);
        }
        if input.len() != batch * self.arch.inputs() {
            return Err(NetError::InputShape {
                batch,
                features: self.arch.inputs(),
                got: input.len(),
            });
        }
        Ok(())
    }

    /// Development: write layer `layer`'s weight matrix `[fan_in, fan_out]` from the genome.
    pub fn develop_layer(&self, genome: &[f32], layer: usize, weights: &mut [f32]) {
        let lt = self.tying.layer(layer);
        let blocks = &genome[self.weight_genes(layer)];
        let cols = self.arch.layer_shape(layer).1;
        for_each_tile_row(lt, cols, |block_row, matrix_row, len| {
            weights[matrix_row..matrix_row + len]
                .copy_from_slice(&blocks[block_row..block_row + len]);
        });
    }

    /// Development of the whole genome into row-major weight matrices, one per layer.
    pub fn develop(&self, genome: &[f32]) -> Result<Vec<Vec<f32>>, NetError> {
        if genome.len() != self.genome_len {
            return Err(NetError::GenomeLength {
                expected: self.genome_len,
                got: genome.len(),
            });
        }
        Ok((0..self.arch.layers())
            .map(|l| {
                let (r, c) = self.arch.layer_shape(l);
                let mut w = vec![0.0; r * c];
                self.develop_layer(genome, l, &mut w);
                w
            })
            .collect())
    }

    /// Forward pass of `input[batch, inputs]`; returns the readout `z[batch, outputs]`
    /// (logits for a softmax head), which stays valid in `ws` until its next use.
    pub fn forward<'w>(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        ws: &'w mut Workspace,
    ) -> Result<&'w [f32], NetError> {
        self.check_input(genome, input, batch)?;
        Ok(self.forward_unchecked(genome, input, batch, ws))
    }

    /// [`Network::forward`] without the shape checks, for callers that checked once.
    pub(crate) fn forward_unchecked<'w>(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        ws: &'w mut Workspace,
    ) -> &'w [f32] {
        ws.prepare(&self.arch, batch);
        for l in 0..self.arch.layers() {
            let (fan_in, fan_out) = self.arch.layer_shape(l);
            let weights: &[f32] = if self.tying.layer(l).is_dense() {
                &genome[self.weight_genes(l)]
            } else {
                self.develop_layer(genome, l, &mut ws.weights[l]);
                &ws.weights[l]
            };
            let (before, after) = ws.activations.split_at_mut(l);
            let x: &[f32] = if l == 0 { input } else { &before[l - 1] };
            // z[batch, fan_out] = f(x[batch, fan_in] · W[fan_in, fan_out] + b[fan_out])
            kernels::forward_layer(
                batch,
                fan_in,
                fan_out,
                x,
                weights,
                &genome[self.bias_genes(l)],
                self.arch.activation(l),
                &mut after[0],
                &mut ws.panels,
            );
        }
        &ws.activations[self.arch.layers() - 1]
    }

    /// Loss of the genome on a batch.
    pub fn loss(
        &self,
        genome: &[f32],
        input: &[f32],
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
    ) -> Result<f32, NetError> {
        let batch = self.batch_of(input)?;
        targets.check(batch, self.arch.outputs())?;
        self.check_input(genome, input, batch)?;
        Ok(self.loss_unchecked(genome, input, batch, targets, loss, ws))
    }

    /// [`Network::loss`] without the shape checks, for callers that checked once.
    pub(crate) fn loss_unchecked(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
    ) -> f32 {
        self.forward_unchecked(genome, input, batch, ws);
        let z = &ws.activations[self.arch.layers() - 1];
        self.readout_loss(z, targets, loss, &mut ws.loss_scratch, None)
    }

    /// The loss of the readout `z[batch, outputs]`, and with `grad`, `∂loss/∂z`. Softmax
    /// cross-entropy against classes, the classifiers' case, goes through a vectorised
    /// kernel (equal to [`Loss::value`] within 1e-6); the rest through [`Loss`].
    fn readout_loss(
        &self,
        z: &[f32],
        targets: Targets,
        loss: Loss,
        scratch: &mut Vec<f32>,
        grad: Option<&mut [f32]>,
    ) -> f32 {
        let (head, outputs) = (self.arch.head(), self.arch.outputs());
        match (loss, targets, grad) {
            (Loss::CrossEntropy, Targets::Classes(classes), grad) => {
                kernels::cross_entropy(z, classes, outputs, scratch, grad)
            }
            (_, _, Some(grad)) => loss.value_and_grad(head, z, targets, outputs, grad),
            (_, _, None) => loss.value(head, z, targets, outputs),
        }
    }

    fn batch_of(&self, input: &[f32]) -> Result<usize, NetError> {
        let features = self.arch.inputs();
        if input.is_empty() {
            return Err(NetError::EmptyBatch);
        }
        if !input.len().is_multiple_of(features) {
            return Err(NetError::InputShape {
                batch: input.len() / features,
                features,
                got: input.len(),
            });
        }
        Ok(input.len() / features)
    }

    /// Forward and backward: returns the loss and writes `∂loss/∂genome` into `grad`
    /// (overwritten). A tied block's gradient is the sum over every tile that uses it.
    pub fn loss_and_gradient(
        &self,
        genome: &[f32],
        input: &[f32],
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
        grad: &mut [f32],
    ) -> Result<f32, NetError> {
        let batch = self.batch_of(input)?;
        self.check_input(genome, input, batch)?;
        targets.check(batch, self.arch.outputs())?;
        if grad.len() != self.genome_len {
            return Err(NetError::GenomeLength {
                expected: self.genome_len,
                got: grad.len(),
            });
        }
        Ok(self.loss_and_gradient_unchecked(genome, input, batch, targets, loss, ws, grad))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn loss_and_gradient_unchecked(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
        grad: &mut [f32],
    ) -> f32 {
        let layers = self.arch.layers();
        let outputs = self.arch.outputs();
        self.forward_unchecked(genome, input, batch, ws);
        let Workspace {
            weights,
            activations,
            delta,
            delta_next,
            grad_weights,
            panels,
            loss_scratch,
        } = ws;
        delta.resize(batch * outputs, 0.0);
        let value = self.readout_loss(
            &activations[layers - 1],
            targets,
            loss,
            loss_scratch,
            Some(delta),
        );
        for l in (0..layers).rev() {
            let (fan_in, fan_out) = self.arch.layer_shape(l);
            let x: &[f32] = if l == 0 { input } else { &activations[l - 1] };
            // delta[batch, fan_out] = ∂loss/∂z of this layer (activation already applied).
            // ∂W[fan_in, fan_out] = xᵀ[fan_in, batch] · delta[batch, fan_out]
            let lt = self.tying.layer(l);
            if lt.is_dense() {
                kernels::matmul_xt_delta(
                    batch,
                    fan_in,
                    fan_out,
                    x,
                    delta,
                    &mut grad[self.weight_genes(l)],
                    panels,
                );
            } else {
                grad_weights.resize(fan_in * fan_out, 0.0);
                kernels::matmul_xt_delta(batch, fan_in, fan_out, x, delta, grad_weights, panels);
                self.fold_weight_gradient(l, grad_weights, &mut grad[self.weight_genes(l)]);
            }
            kernels::column_sums(delta, &mut grad[self.bias_genes(l)]);
            if l > 0 {
                let w: &[f32] = if lt.is_dense() {
                    &genome[self.weight_genes(l)]
                } else {
                    &weights[l]
                };
                // ∂x[batch, fan_in] = delta[batch, fan_out] · Wᵀ[fan_out, fan_in]
                delta_next.resize(batch * fan_in, 0.0);
                kernels::matmul_delta_wt(batch, fan_in, fan_out, delta, w, delta_next, panels);
                kernels::scale_by_derivative(
                    delta_next,
                    &activations[l - 1],
                    self.arch.activation(l - 1),
                );
                std::mem::swap(delta, delta_next);
            }
        }
        value
    }

    /// Sum a weight-matrix gradient `[fan_in, fan_out]` into the layer's gene blocks.
    fn fold_weight_gradient(&self, layer: usize, grad_weights: &[f32], grad_blocks: &mut [f32]) {
        let lt = self.tying.layer(layer);
        let cols = self.arch.layer_shape(layer).1;
        grad_blocks.fill(0.0);
        for_each_tile_row(lt, cols, |block_row, matrix_row, len| {
            grad_blocks[block_row..block_row + len]
                .iter_mut()
                .zip(&grad_weights[matrix_row..matrix_row + len])
                .for_each(|(g, w)| *g += w);
        });
    }

    /// Predicted outputs through the head: softmax probabilities or linear values.
    pub fn head_outputs(&self, z: &[f32]) -> Vec<f32> {
        match self.arch.head() {
            Head::Linear => z.to_vec(),
            Head::Softmax => z
                .chunks_exact(self.arch.outputs())
                .flat_map(|row| {
                    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
                    row.iter().map(move |&v| (v - max).exp() / sum)
                })
                .collect(),
        }
    }
}

/// Visit every row of every tile: `f(offset of the row in the layer's blocks, offset of the
/// row in the weight matrix, row length)`. Mirrored tiles read their block's rows reversed.
fn for_each_tile_row(lt: &LayerTying, cols: usize, mut f: impl FnMut(usize, usize, usize)) {
    let (tr, tc) = (lt.tile_rows, lt.tile_cols);
    for i in 0..lt.grid_rows {
        for j in 0..lt.grid_cols {
            let tile = lt.tiles[i * lt.grid_cols + j];
            let block = tile.block as usize * tr * tc;
            for r in 0..tr {
                let block_r = if tile.mirrored { tr - 1 - r } else { r };
                f(block + block_r * tc, (i * tr + r) * cols + j * tc, tc);
            }
        }
    }
}

/// Buffers for one forward/backward pass, reused across calls: after the first call at
/// a given batch size, no call allocates.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    /// Developed weight matrices of tied layers.
    weights: Vec<Vec<f32>>,
    /// `activations[l]` is the output of weight layer `l`, `[batch, fan_out]`.
    activations: Vec<Vec<f32>>,
    delta: Vec<f32>,
    delta_next: Vec<f32>,
    grad_weights: Vec<f32>,
    /// Scratch for the kernels' packed copies of a matrix operand.
    panels: Vec<f32>,
    /// Scratch for the cross-entropy kernel.
    loss_scratch: Vec<f32>,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }

    fn prepare(&mut self, arch: &Architecture, batch: usize) {
        let layers = arch.layers();
        self.weights.resize_with(layers, Vec::new);
        self.activations.resize_with(layers, Vec::new);
        for l in 0..layers {
            let (fan_in, fan_out) = arch.layer_shape(l);
            self.weights[l].resize(fan_in * fan_out, 0.0);
            self.activations[l].resize(batch * fan_out, 0.0);
        }
    }
}
