//! Readouts: how the last layer turns the body's features into scores. The affine readout
//! is the network's own last layer; the cosine readout (Chen et al. 2019's "Baseline++",
//! after Gidaris & Komodakis 2018) scores class `c` by the scaled cosine similarity
//! between the features `h` (the last hidden layer's output) and the class's weight
//! column `w_c`: `logit_c = s · ĥ·ŵ_c`, with `x̂ = x / (|x| + 1e-5)` as in Chen et al.'s
//! code (`distLinear` in CloserLookFewShot's `backbone.py`). The cosine readout uses the
//! readout layer's weight genes as its class vectors and ignores its bias genes, so a
//! genome means the same under either readout.
//!
//! The passes are plain loops over developed weight matrices (those of `curvature`), next
//! to the formulas: the cosine readout serves pre-training and few-shot lifetimes of small
//! networks; the fast kernels stay with the affine readout.

use serde::{Deserialize, Serialize};

use super::curvature::{add_product_transposed, add_transposed_product, product};
use super::{Head, Loss, NetError, Network, Targets, Workspace};

/// The ε added to a norm before dividing by it (Chen et al.'s `x_norm + 0.00001`): a zero
/// vector stays zero instead of becoming NaN.
const NORM_EPSILON: f32 = 1e-5;

/// How the readout layer turns features into scores.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Readout {
    /// The network's own affine last layer, `z = h·W + b`.
    #[default]
    Affine,
    /// `z_c = scale · cos(h, w_c)`: the readout layer's weight columns as class vectors,
    /// its bias unused.
    Cosine {
        /// The fixed logit scale `s` (Chen et al.'s `scale_factor`).
        scale: f32,
    },
}

/// Buffers of the cosine readout, reused across calls.
#[derive(Debug, Default, Clone)]
pub struct CosineScratch {
    /// The readout layer's developed weights `[features, classes]`.
    weights: Vec<f32>,
    /// `ŵ`, the weight columns over their norms `[features, classes]`.
    unit_weights: Vec<f32>,
    /// `|w_c|` per class.
    weight_norms: Vec<f32>,
    /// `ĥ` `[batch, features]`.
    unit_features: Vec<f32>,
    /// `|h_b|` per row.
    feature_norms: Vec<f32>,
    /// Scores `[batch, classes]`, then their gradient.
    logits: Vec<f32>,
    grad_logits: Vec<f32>,
    /// `∂loss/∂ĥ`, then `∂loss/∂h` `[batch, features]`; `delta_next` one layer down.
    delta: Vec<f32>,
    delta_next: Vec<f32>,
    /// `∂loss/∂ŵ`, then `∂loss/∂W` of one layer `[fan_in, fan_out]`.
    grad_weights: Vec<f32>,
}

impl Readout {
    /// The scores `[batch, outputs]` of `genome` on `input`: the affine readout's `z`
    /// (logits under a softmax head) or the cosine logits.
    pub fn scores<'s>(
        self,
        net: &Network,
        genome: &[f32],
        input: &[f32],
        ws: &'s mut Workspace,
        cosine: &'s mut CosineScratch,
    ) -> Result<&'s [f32], NetError> {
        let batch = input.len() / net.architecture().inputs().max(1);
        match self {
            Readout::Affine => net.forward(genome, input, batch, ws),
            Readout::Cosine { scale } => {
                net.forward(genome, input, batch, ws)?;
                cosine_forward(net, genome, input, batch, scale, ws, cosine);
                Ok(&cosine.logits)
            }
        }
    }

    /// The loss of `genome` on a batch, and `∂loss/∂genome` written into `grad`. Under the
    /// cosine readout the scores are logits: the loss reads them through a softmax head.
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_gradient(
        self,
        net: &Network,
        genome: &[f32],
        input: &[f32],
        targets: Targets,
        loss: Loss,
        ws: &mut Workspace,
        cosine: &mut CosineScratch,
        grad: &mut [f32],
    ) -> Result<f32, NetError> {
        let Readout::Cosine { scale } = self else {
            return net.loss_and_gradient(genome, input, targets, loss, ws, grad);
        };
        let arch = net.architecture();
        let (layers, outputs) = (arch.layers(), arch.outputs());
        let batch = input.len() / arch.inputs().max(1);
        net.forward(genome, input, batch, ws)?;
        targets.check(batch, outputs)?;
        if grad.len() != net.genome_len() {
            return Err(NetError::GenomeLength {
                expected: net.genome_len(),
                got: grad.len(),
            });
        }
        cosine_forward(net, genome, input, batch, scale, ws, cosine);
        let CosineScratch {
            weights,
            unit_weights,
            weight_norms,
            unit_features,
            feature_norms,
            logits,
            grad_logits,
            delta,
            delta_next,
            grad_weights,
        } = cosine;
        grad_logits.resize(batch * outputs, 0.0);
        let value = loss.value_and_grad(Head::Softmax, logits, targets, outputs, grad_logits);
        // ∂loss/∂cos = s · ∂loss/∂logit.
        grad_logits.iter_mut().for_each(|g| *g *= scale);
        let readout = layers - 1;
        let features = arch.layer_shape(readout).0;
        // ∂ĥ[batch, features] = ∂cos[batch, classes] · ŵᵀ[classes, features]
        delta.clear();
        delta.resize(batch * features, 0.0);
        add_product_transposed(grad_logits, unit_weights, batch, features, outputs, delta);
        // ∂ŵ[features, classes] = ĥᵀ[features, batch] · ∂cos[batch, classes]
        grad_weights.clear();
        grad_weights.resize(features * outputs, 0.0);
        add_transposed_product(
            unit_features,
            grad_logits,
            batch,
            features,
            outputs,
            grad_weights,
        );
        // Through the normalisations: ∂x = ∂x̂/(|x| + ε) − x̂ (x̂·∂x̂)/|x| (the second
        // term vanishes with x, as x̂ does).
        for (b, row) in delta.chunks_exact_mut(features).enumerate() {
            let unit = &unit_features[b * features..(b + 1) * features];
            unnormalise(row, unit, feature_norms[b]);
        }
        // A class vector is a column: gather it, pass it through, scatter it back.
        let (mut column, mut unit) = (vec![0.0; features], vec![0.0; features]);
        for (c, &norm) in weight_norms.iter().enumerate() {
            for i in 0..features {
                (column[i], unit[i]) =
                    (grad_weights[i * outputs + c], unit_weights[i * outputs + c]);
            }
            unnormalise(&mut column, &unit, norm);
            for (i, &g) in column.iter().enumerate() {
                grad_weights[i * outputs + c] = g;
            }
        }
        write_weight_gradient(net, readout, grad_weights, grad);
        grad[net.bias_genes(readout)].fill(0.0);
        // Down the body: delta is ∂loss/∂(output of layer l), l = readout − 1 … 0.
        for l in (0..readout).rev() {
            let (fan_in, fan_out) = arch.layer_shape(l);
            let output = ws
                .layer_output(l)
                .expect("the forward pass reached every layer");
            let activation = arch.activation(l);
            delta
                .iter_mut()
                .zip(output)
                .for_each(|(d, &a)| *d *= activation.derivative_from_output(a));
            let x: &[f32] = if l == 0 {
                input
            } else {
                ws.layer_output(l - 1)
                    .expect("the forward pass reached every layer")
            };
            // ∂W[fan_in, fan_out] = xᵀ[fan_in, batch] · delta[batch, fan_out]
            grad_weights.clear();
            grad_weights.resize(fan_in * fan_out, 0.0);
            add_transposed_product(x, delta, batch, fan_in, fan_out, grad_weights);
            write_weight_gradient(net, l, grad_weights, grad);
            let bias = &mut grad[net.bias_genes(l)];
            bias.fill(0.0);
            for row in delta.chunks_exact(fan_out) {
                bias.iter_mut().zip(row).for_each(|(g, d)| *g += d);
            }
            if l > 0 {
                weights.resize(fan_in * fan_out, 0.0);
                net.develop_layer(genome, l, weights);
                // ∂x[batch, fan_in] = delta[batch, fan_out] · Wᵀ[fan_out, fan_in]
                delta_next.clear();
                delta_next.resize(batch * fan_in, 0.0);
                add_product_transposed(delta, weights, batch, fan_in, fan_out, delta_next);
                std::mem::swap(delta, delta_next);
            }
        }
        Ok(value)
    }
}

/// The cosine logits into `cosine.logits`, after a forward pass of `genome` in `ws`.
fn cosine_forward(
    net: &Network,
    genome: &[f32],
    input: &[f32],
    batch: usize,
    scale: f32,
    ws: &Workspace,
    cosine: &mut CosineScratch,
) {
    let arch = net.architecture();
    let readout = arch.layers() - 1;
    let (features, classes) = arch.layer_shape(readout);
    let h: &[f32] = if readout == 0 {
        input
    } else {
        ws.layer_output(readout - 1)
            .expect("the forward pass reached every layer")
    };
    cosine.weights.resize(features * classes, 0.0);
    net.develop_layer(genome, readout, &mut cosine.weights);
    cosine.weight_norms.clear();
    cosine.unit_weights.resize(features * classes, 0.0);
    for c in 0..classes {
        let norm = (0..features)
            .map(|i| cosine.weights[i * classes + c].powi(2))
            .sum::<f32>()
            .sqrt();
        cosine.weight_norms.push(norm);
        for i in 0..features {
            cosine.unit_weights[i * classes + c] =
                cosine.weights[i * classes + c] / (norm + NORM_EPSILON);
        }
    }
    cosine.feature_norms.clear();
    cosine.unit_features.clear();
    for row in h[..batch * features].chunks_exact(features) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        cosine.feature_norms.push(norm);
        cosine
            .unit_features
            .extend(row.iter().map(|x| x / (norm + NORM_EPSILON)));
    }
    // logits[batch, classes] = s · ĥ[batch, features] · ŵ[features, classes]
    cosine.logits.resize(batch * classes, 0.0);
    product(
        &cosine.unit_features,
        &cosine.unit_weights,
        batch,
        features,
        classes,
        &mut cosine.logits,
    );
    cosine.logits.iter_mut().for_each(|z| *z *= scale);
}

/// `grad ← grad/(|x| + ε) − x̂ (x̂·grad)/|x|`: the gradient with respect to `x` from the
/// gradient with respect to `x̂ = x/(|x| + ε)`, in place (`unit` is `x̂`).
fn unnormalise(grad: &mut [f32], unit: &[f32], norm: f32) {
    let along: f32 = grad.iter().zip(unit).map(|(g, u)| g * u).sum();
    for (g, &u) in grad.iter_mut().zip(unit) {
        *g /= norm + NORM_EPSILON;
        if norm > 0.0 {
            *g -= u * along / norm;
        }
    }
}

/// Layer `layer`'s weight-matrix gradient into its genes (folded into gene blocks where
/// the layer is tied).
fn write_weight_gradient(net: &Network, layer: usize, grad_weights: &[f32], grad: &mut [f32]) {
    let genes = &mut grad[net.weight_genes(layer)];
    if net.tying().layer(layer).is_dense() {
        genes.copy_from_slice(grad_weights);
    } else {
        net.fold_weight_gradient(layer, grad_weights, genes);
    }
}
