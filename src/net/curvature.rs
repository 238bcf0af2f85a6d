//! Curvature: the Hessian of a batch loss with respect to the genome, applied to a
//! direction, by Pearlmutter's R-operator (1994) — forward-over-reverse differentiation.
//! Every quantity `q` of a forward and backward pass gets a tangent `R{q} = d q(θ + εv)/dε`
//! at ε = 0; the tangent of the gradient is `H·v`, exactly, at the cost of about two
//! gradients and without forming `H`.
//!
//! The passes are plain loops over developed weight matrices, written for clarity next
//! to the formulas (second-order MAML on small networks is their user); the fast
//! kernels in `kernels` stay first-order. A tied layer's direction is developed like its
//! genes (development is linear) and its weight tangent folded back like a gradient.

use super::{Head, Loss, NetError, Network, Targets};

/// `out[batch, n] = a[batch, k] · b[k, n]`.
pub(super) fn product(a: &[f32], b: &[f32], batch: usize, k: usize, n: usize, out: &mut [f32]) {
    out.fill(0.0);
    for r in 0..batch {
        for i in 0..k {
            let x = a[r * k + i];
            for (o, w) in out[r * n..(r + 1) * n]
                .iter_mut()
                .zip(&b[i * n..(i + 1) * n])
            {
                *o += x * w;
            }
        }
    }
}

/// `out[k, n] += aᵀ[k, batch] · d[batch, n]`.
pub(super) fn add_transposed_product(
    a: &[f32],
    d: &[f32],
    batch: usize,
    k: usize,
    n: usize,
    out: &mut [f32],
) {
    for r in 0..batch {
        for i in 0..k {
            let x = a[r * k + i];
            for (o, g) in out[i * n..(i + 1) * n]
                .iter_mut()
                .zip(&d[r * n..(r + 1) * n])
            {
                *o += x * g;
            }
        }
    }
}

/// `out[batch, k] += d[batch, n] · wᵀ[n, k]`.
pub(super) fn add_product_transposed(
    d: &[f32],
    w: &[f32],
    batch: usize,
    k: usize,
    n: usize,
    out: &mut [f32],
) {
    for r in 0..batch {
        for i in 0..k {
            let row = &w[i * n..(i + 1) * n];
            out[r * k + i] += d[r * n..(r + 1) * n]
                .iter()
                .zip(row)
                .map(|(g, w)| g * w)
                .sum::<f32>();
        }
    }
}

impl Network {
    /// `H·v`: the Hessian of `loss` on the batch with respect to the genome, times the
    /// direction `direction`, written into `hv` (overwritten). Returns the loss. Exact up
    /// to rounding (Pearlmutter's R-operator); ReLU's second derivative is taken as 0,
    /// as everywhere but at its kink. Implemented for MSE on a linear head and for
    /// softmax cross-entropy.
    pub fn hessian_vector_product(
        &self,
        genome: &[f32],
        input: &[f32],
        targets: Targets,
        loss: Loss,
        direction: &[f32],
        hv: &mut [f32],
    ) -> Result<f32, NetError> {
        let arch = self.architecture();
        let (layers, outputs, head) = (arch.layers(), arch.outputs(), arch.head());
        if matches!((loss, head), (Loss::Mse, Head::Softmax)) {
            return Err(NetError::NoCurvature {
                loss: loss.name(),
                head: "softmax",
            });
        }
        let batch = input.len() / arch.inputs().max(1);
        self.check_input(genome, input, batch)?;
        targets.check(batch, outputs)?;
        for len in [direction.len(), hv.len()] {
            if len != self.genome_len() {
                return Err(NetError::GenomeLength {
                    expected: self.genome_len(),
                    got: len,
                });
            }
        }
        let weights = self.develop(genome)?;
        let tangents = self.develop(direction)?;

        // Forward and its tangent. a[l] = f(z[l]), z[l] = x·W + b with x = a[l−1];
        // R{z[l]} = R{x}·W + x·V + c, R{a[l]} = f'(z[l]) ⊙ R{z[l]}.
        let mut a: Vec<Vec<f32>> = Vec::with_capacity(layers);
        let mut rz: Vec<Vec<f32>> = Vec::with_capacity(layers);
        let mut ra: Vec<Vec<f32>> = Vec::with_capacity(layers);
        for l in 0..layers {
            let (fan_in, fan_out) = arch.layer_shape(l);
            let activation = arch.activation(l);
            let x: &[f32] = if l == 0 { input } else { &a[l - 1] };
            let bias = &genome[self.bias_genes(l)];
            let bias_tangent = &direction[self.bias_genes(l)];
            // z[batch, fan_out] = x[batch, fan_in] · W[fan_in, fan_out] + b
            let mut z = vec![0.0; batch * fan_out];
            product(x, &weights[l], batch, fan_in, fan_out, &mut z);
            // R{z}[batch, fan_out] = x · V + R{x} · W + c
            let mut tangent = vec![0.0; batch * fan_out];
            product(x, &tangents[l], batch, fan_in, fan_out, &mut tangent);
            if l > 0 {
                let mut through = vec![0.0; batch * fan_out];
                product(
                    &ra[l - 1],
                    &weights[l],
                    batch,
                    fan_in,
                    fan_out,
                    &mut through,
                );
                tangent.iter_mut().zip(&through).for_each(|(t, u)| *t += u);
            }
            for r in 0..batch {
                for j in 0..fan_out {
                    z[r * fan_out + j] += bias[j];
                    tangent[r * fan_out + j] += bias_tangent[j];
                }
            }
            let out: Vec<f32> = z.iter().map(|&v| activation.apply(v)).collect();
            let out_tangent = out
                .iter()
                .zip(&tangent)
                .map(|(&y, &t)| activation.derivative_from_output(y) * t)
                .collect();
            a.push(out);
            rz.push(tangent);
            ra.push(out_tangent);
        }

        // The readout's gradient δ = ∂loss/∂z and its tangent R{δ} = (∂²loss/∂z²)·R{z}.
        let z = &a[layers - 1];
        let mut delta = vec![0.0; batch * outputs];
        let value = loss.value_and_grad(head, z, targets, outputs, &mut delta);
        let rz_out = &rz[layers - 1];
        let mut r_delta = vec![0.0; batch * outputs];
        match loss {
            // loss = Σ (z − y)² / (batch·outputs): ∂²/∂z² = 2/(batch·outputs) · I.
            Loss::Mse => {
                let scale = 2.0 / (batch * outputs) as f32;
                r_delta
                    .iter_mut()
                    .zip(rz_out)
                    .for_each(|(d, t)| *d = scale * t);
            }
            // δ = (p − t)/batch with p = softmax(z): R{δ} = (p ⊙ R{z} − p (p·R{z}))/batch.
            Loss::CrossEntropy => {
                let p = self.head_outputs_softmax(z);
                let scale = 1.0 / batch as f32;
                for r in 0..batch {
                    let row = r * outputs..(r + 1) * outputs;
                    let dot: f32 = p[row.clone()]
                        .iter()
                        .zip(&rz_out[row.clone()])
                        .map(|(p, t)| p * t)
                        .sum();
                    for o in row {
                        r_delta[o] = p[o] * (rz_out[o] - dot) * scale;
                    }
                }
            }
        }

        // Backward and its tangent, layer by layer from the readout:
        // R{∂W} = R{x}ᵀ·δ + xᵀ·R{δ},  R{∂b} = Σ_rows R{δ},
        // δ' = (δ·Wᵀ) ⊙ f'(z'),  R{δ'} = (R{δ}·Wᵀ + δ·Vᵀ) ⊙ f'(z') + (δ·Wᵀ) ⊙ f''(z') ⊙ R{z'}.
        for l in (0..layers).rev() {
            let (fan_in, fan_out) = arch.layer_shape(l);
            let x: &[f32] = if l == 0 { input } else { &a[l - 1] };
            // R{∂W}[fan_in, fan_out]
            let mut r_grad = vec![0.0; fan_in * fan_out];
            add_transposed_product(x, &r_delta, batch, fan_in, fan_out, &mut r_grad);
            if l > 0 {
                add_transposed_product(&ra[l - 1], &delta, batch, fan_in, fan_out, &mut r_grad);
            }
            self.fold_weight_gradient(l, &r_grad, &mut hv[self.weight_genes(l)]);
            let r_bias = &mut hv[self.bias_genes(l)];
            r_bias.fill(0.0);
            for row in r_delta.chunks_exact(fan_out) {
                r_bias.iter_mut().zip(row).for_each(|(b, d)| *b += d);
            }
            if l > 0 {
                let below = arch.activation(l - 1);
                // back[batch, fan_in] = δ · Wᵀ;  r_back = R{δ} · Wᵀ + δ · Vᵀ
                let mut back = vec![0.0; batch * fan_in];
                add_product_transposed(&delta, &weights[l], batch, fan_in, fan_out, &mut back);
                let mut r_back = vec![0.0; batch * fan_in];
                add_product_transposed(&r_delta, &weights[l], batch, fan_in, fan_out, &mut r_back);
                add_product_transposed(&delta, &tangents[l], batch, fan_in, fan_out, &mut r_back);
                let (y, r_pre) = (&a[l - 1], &rz[l - 1]);
                for i in 0..batch * fan_in {
                    let slope = below.derivative_from_output(y[i]);
                    let bend = below.second_derivative_from_output(y[i]);
                    r_back[i] = r_back[i] * slope + back[i] * bend * r_pre[i];
                    back[i] *= slope;
                }
                delta = back;
                r_delta = r_back;
            }
        }
        Ok(value)
    }

    /// Softmax of each row of logits `z[batch, outputs]`.
    fn head_outputs_softmax(&self, z: &[f32]) -> Vec<f32> {
        let outputs = self.architecture().outputs();
        z.chunks_exact(outputs)
            .flat_map(|row| {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
                row.iter().map(move |&v| (v - max).exp() / sum)
            })
            .collect()
    }
}
