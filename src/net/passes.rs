//! The passes over a batch: forward, loss, and forward + backward, side by side so that
//! the chain rule reads off the page, and the [`Workspace`] of buffers they run in.
//!
//! Each layer's products and elementwise steps are calls into `kernels`; a tied layer is
//! developed into the workspace first and its weight gradient folded back into its gene
//! blocks after (both in `network`).

use super::blocks::{BlockPass, PARALLEL_MIN_BATCH};
use super::kernels;
use super::{Architecture, Head, Loss, NetError, Network, Targets};

impl Network {
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
        ws.prepare(self.architecture(), batch);
        self.forward_layers(genome, input, batch, ws, 0)
    }

    /// The loss of `genome` on a batch with the output of layer 0 written by
    /// `first_layer(out[batch, fan_out])` instead of computed from the genome's first
    /// layer; the other layers and the loss as in [`Network::loss_unchecked`]. For a
    /// population whose first layers share products (`kernels::perturbed_activation`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn loss_with_first_layer(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
        first_layer: impl FnOnce(&mut [f32]),
    ) -> f32 {
        ws.prepare(self.architecture(), batch);
        first_layer(&mut ws.activations[0]);
        self.forward_layers(genome, input, batch, ws, 1);
        let z = &ws.activations[self.architecture().layers() - 1];
        self.readout_loss(z, targets, loss, &mut ws.loss_scratch, None)
    }

    /// Layers `from..` of the forward pass (in a prepared workspace, layer `from − 1`'s
    /// output already in it); returns the readout.
    fn forward_layers<'w>(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        ws: &'w mut Workspace,
        from: usize,
    ) -> &'w [f32] {
        let arch = self.architecture();
        for l in from..arch.layers() {
            let (fan_in, fan_out) = arch.layer_shape(l);
            let weights: &[f32] = if self.tying().layer(l).is_dense() {
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
                arch.activation(l),
                &mut after[0],
                &mut ws.panels,
            );
        }
        &ws.activations[arch.layers() - 1]
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
        targets.check(batch, self.architecture().outputs())?;
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
        let z = &ws.activations[self.architecture().layers() - 1];
        self.readout_loss(z, targets, loss, &mut ws.loss_scratch, None)
    }

    /// The loss of the readout `z[batch, outputs]`, and with `grad`, `∂loss/∂z`. Softmax
    /// cross-entropy against classes, the classifiers' case, goes through a vectorised
    /// kernel (equal to [`Loss::value`] within 1e-6); the rest through [`Loss`].
    pub(super) fn readout_loss(
        &self,
        z: &[f32],
        targets: Targets,
        loss: Loss,
        scratch: &mut Vec<f32>,
        grad: Option<&mut [f32]>,
    ) -> f32 {
        let arch = self.architecture();
        let (head, outputs) = (arch.head(), arch.outputs());
        match (loss, targets, grad) {
            (Loss::CrossEntropy, Targets::Classes(classes), grad) => {
                kernels::cross_entropy(z, classes, outputs, scratch, grad)
            }
            (_, _, Some(grad)) => loss.value_and_grad(head, z, targets, outputs, grad),
            (_, _, None) => loss.value(head, z, targets, outputs),
        }
    }

    fn batch_of(&self, input: &[f32]) -> Result<usize, NetError> {
        let features = self.architecture().inputs();
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
    ///
    /// A batch of at least [`PARALLEL_MIN_BATCH`] rows is cut into blocks of
    /// [`BLOCK_ROWS`](super::BLOCK_ROWS) rows computed in parallel and summed in a fixed
    /// order: the same bits for any thread count, equal to the one-pass result within
    /// rounding.
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
        targets.check(batch, self.architecture().outputs())?;
        if grad.len() != self.genome_len() {
            return Err(NetError::GenomeLength {
                expected: self.genome_len(),
                got: grad.len(),
            });
        }
        Ok(self.loss_and_gradient_unchecked(genome, input, batch, targets, loss, ws, grad))
    }

    /// [`Network::loss_and_gradient`] without the shape checks. A batch of at least
    /// [`PARALLEL_MIN_BATCH`] rows goes through blocks on every core (`blocks`); a smaller
    /// one through [`Network::loss_and_gradient_one_pass`].
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
        if batch >= PARALLEL_MIN_BATCH {
            let blocks = &mut ws.blocks;
            self.loss_and_gradient_blocks(genome, input, batch, targets, loss, blocks, grad)
        } else {
            self.loss_and_gradient_one_pass(genome, input, batch, targets, loss, ws, grad)
        }
    }

    /// Forward and backward over the whole batch on the calling thread.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn loss_and_gradient_one_pass(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
        grad: &mut [f32],
    ) -> f32 {
        let arch = self.architecture();
        let (layers, outputs) = (arch.layers(), arch.outputs());
        self.forward_unchecked(genome, input, batch, ws);
        let Workspace {
            weights,
            activations,
            delta,
            delta_next,
            grad_weights,
            panels,
            loss_scratch,
            blocks: _,
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
            let (fan_in, fan_out) = arch.layer_shape(l);
            let x: &[f32] = if l == 0 { input } else { &activations[l - 1] };
            // delta[batch, fan_out] = ∂loss/∂z of this layer (activation already applied).
            // ∂W[fan_in, fan_out] = xᵀ[fan_in, batch] · delta[batch, fan_out]
            let lt = self.tying().layer(l);
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
                    arch.activation(l - 1),
                );
                std::mem::swap(delta, delta_next);
            }
        }
        value
    }

    /// Predicted outputs through the head: softmax probabilities or linear values.
    pub fn head_outputs(&self, z: &[f32]) -> Vec<f32> {
        match self.architecture().head() {
            Head::Linear => z.to_vec(),
            Head::Softmax => z
                .chunks_exact(self.architecture().outputs())
                .flat_map(|row| {
                    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
                    row.iter().map(move |&v| (v - max).exp() / sum)
                })
                .collect(),
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
    /// One workspace and gradient per block of a large batch (`blocks`).
    blocks: Vec<BlockPass>,
}

impl Workspace {
    /// Empty buffers; they grow on first use and are reused after.
    pub fn new() -> Self {
        Self::default()
    }

    /// The output of weight layer `layer` in the last pass, `[batch, fan_out]` (after its
    /// activation: a hidden layer's activations); `None` before a pass reached it. A
    /// gradient of a batch of [`PARALLEL_MIN_BATCH`] rows or more runs in per-block
    /// workspaces and leaves this one as it was.
    pub fn layer_output(&self, layer: usize) -> Option<&[f32]> {
        self.activations.get(layer).map(Vec::as_slice)
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
