//! Losses on the last layer's outputs, their gradients, and accuracy.
//!
//! Outputs are the readout layer's affine values `z[batch, outputs]`. Cross-entropy reads
//! them as logits (softmax through a stable log-sum-exp); MSE reads them through the
//! network's [`Head`] (identity for `Linear`, softmax for `Softmax`). Both losses are
//! means over the batch (and, for MSE, over outputs), so the gradient carries `1/batch`.

use serde::{Deserialize, Serialize};

use super::{Head, NetError};

/// What a batch should produce: a class index per row, or a row of target values.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// One class index per row.
    Classes(&'a [u32]),
    /// `[batch, outputs]`, row-major. For cross-entropy, each row is a distribution.
    Values(&'a [f32]),
}

impl<'a> Targets<'a> {
    /// Check the targets against a batch of `batch x outputs` once, at the boundary.
    pub fn check(&self, batch: usize, outputs: usize) -> Result<(), NetError> {
        match self {
            Targets::Classes(c) => {
                if c.len() != batch {
                    return Err(NetError::TargetShape(format!(
                        "{} class labels for a batch of {batch}",
                        c.len()
                    )));
                }
                if let Some(bad) = c.iter().find(|&&c| c as usize >= outputs) {
                    return Err(NetError::TargetShape(format!(
                        "class label {bad} but the network has {outputs} outputs"
                    )));
                }
            }
            Targets::Values(v) => {
                if v.len() != batch * outputs {
                    return Err(NetError::TargetShape(format!(
                        "{} target values for a batch of {batch} x {outputs} outputs",
                        v.len()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The targets of rows `rows` of a batch with `outputs` outputs per row.
    pub(crate) fn rows(self, rows: std::ops::Range<usize>, outputs: usize) -> Targets<'a> {
        match self {
            Targets::Classes(c) => Targets::Classes(&c[rows]),
            Targets::Values(v) => Targets::Values(&v[rows.start * outputs..rows.end * outputs]),
        }
    }

    /// Target value of row `b`, output `o` (one-hot for classes).
    #[inline]
    fn at(&self, b: usize, o: usize, outputs: usize) -> f32 {
        match self {
            Targets::Classes(c) => {
                if c[b] as usize == o {
                    1.0
                } else {
                    0.0
                }
            }
            Targets::Values(v) => v[b * outputs + o],
        }
    }
}

/// A loss: what fitness and gradients minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Mean squared error over batch and outputs, on the head's outputs.
    Mse,
    /// Softmax cross-entropy on logits, mean over the batch.
    CrossEntropy,
}

impl Loss {
    /// The loss as written in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::CrossEntropy => "cross_entropy",
        }
    }

    /// The loss of `z[batch, outputs]` against `targets`.
    pub fn value(self, head: Head, z: &[f32], targets: Targets, outputs: usize) -> f32 {
        self.evaluate(head, z, targets, outputs, None)
    }

    /// The loss, and its gradient with respect to `z` written into `grad` (same shape).
    pub fn value_and_grad(
        self,
        head: Head,
        z: &[f32],
        targets: Targets,
        outputs: usize,
        grad: &mut [f32],
    ) -> f32 {
        self.evaluate(head, z, targets, outputs, Some(grad))
    }

    fn evaluate(
        self,
        head: Head,
        z: &[f32],
        targets: Targets,
        outputs: usize,
        mut grad: Option<&mut [f32]>,
    ) -> f32 {
        if let (Loss::Mse, Head::Linear, Targets::Values(values)) = (self, head, targets) {
            return mse_linear(z, values, outputs, grad);
        }
        let batch = z.len() / outputs;
        let mut total = 0.0f64;
        for (b, row) in z.chunks_exact(outputs).enumerate() {
            let grad_row = grad
                .as_deref_mut()
                .map(|g| &mut g[b * outputs..(b + 1) * outputs]);
            total += match self {
                Loss::CrossEntropy => cross_entropy_row(row, b, targets, batch, grad_row),
                Loss::Mse => mse_row(head, row, b, targets, batch, grad_row),
            };
        }
        let mean = match self {
            Loss::CrossEntropy => total / batch as f64,
            Loss::Mse => total / (batch * outputs) as f64,
        };
        mean as f32
    }
}

/// MSE of a linear head against values, the regressors' case: the sums of [`mse_row`] in
/// the same order (a row's squared errors, then the rows), without its dispatch on the
/// loss, the head and the targets for every element, which cost as much as the sums
/// on a small network.
fn mse_linear(z: &[f32], values: &[f32], outputs: usize, grad: Option<&mut [f32]>) -> f32 {
    assert_eq!(values.len(), z.len(), "one target value per output");
    let scale = 2.0 / z.len() as f32;
    let mut total = 0.0f64;
    for (row, targets) in z.chunks_exact(outputs).zip(values.chunks_exact(outputs)) {
        let mut loss = 0.0f64;
        for (z, t) in row.iter().zip(targets) {
            let err = z - t;
            loss += (err * err) as f64;
        }
        total += loss;
    }
    if let Some(g) = grad {
        for ((g, z), t) in g.iter_mut().zip(z).zip(values) {
            *g = (z - t) * scale;
        }
    }
    (total / z.len() as f64) as f32
}

/// `log Σ exp(z)` without overflow: shift by the maximum first.
fn log_sum_exp(row: &[f32]) -> f32 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return max;
    }
    max + row.iter().map(|&z| (z - max).exp()).sum::<f32>().ln()
}

// Indexing by output reads closest to the formulas.
#[allow(clippy::needless_range_loop)]
fn cross_entropy_row(
    row: &[f32],
    b: usize,
    targets: Targets,
    batch: usize,
    grad: Option<&mut [f32]>,
) -> f64 {
    let outputs = row.len();
    let lse = log_sum_exp(row);
    let loss = match targets {
        Targets::Classes(c) => (lse - row[c[b] as usize]) as f64,
        Targets::Values(_) => (0..outputs)
            .map(|o| (targets.at(b, o, outputs) * (lse - row[o])) as f64)
            .sum(),
    };
    if let Some(g) = grad {
        // d/dz of -Σ t log softmax(z) = softmax(z)·Σt - t; Σt = 1 for a distribution.
        let scale = 1.0 / batch as f32;
        for o in 0..outputs {
            g[o] = ((row[o] - lse).exp() - targets.at(b, o, outputs)) * scale;
        }
    }
    loss
}

#[allow(clippy::needless_range_loop)]
fn mse_row(
    head: Head,
    row: &[f32],
    b: usize,
    targets: Targets,
    batch: usize,
    grad: Option<&mut [f32]>,
) -> f64 {
    let outputs = row.len();
    let scale = 2.0 / (batch * outputs) as f32;
    match head {
        Head::Linear => {
            let mut loss = 0.0f64;
            for o in 0..outputs {
                let err = row[o] - targets.at(b, o, outputs);
                loss += (err * err) as f64;
            }
            if let Some(g) = grad {
                for o in 0..outputs {
                    g[o] = (row[o] - targets.at(b, o, outputs)) * scale;
                }
            }
            loss
        }
        Head::Softmax => {
            let lse = log_sum_exp(row);
            let prob = |o: usize| (row[o] - lse).exp();
            let mut loss = 0.0f64;
            let mut weighted = 0.0f32; // Σ_o g_y[o]·y[o], for the softmax Jacobian.
            for o in 0..outputs {
                let err = prob(o) - targets.at(b, o, outputs);
                loss += (err * err) as f64;
                weighted += err * scale * prob(o);
            }
            if let Some(g) = grad {
                // dL/dz = y ⊙ (g_y − ⟨g_y, y⟩)
                for o in 0..outputs {
                    let g_y = (prob(o) - targets.at(b, o, outputs)) * scale;
                    g[o] = prob(o) * (g_y - weighted);
                }
            }
            loss
        }
    }
}

/// Fraction of rows classified correctly. Classes: argmax of the outputs. Values with one
/// output: the output and target agree about `> 0.5`. Values with several outputs: argmax
/// of the outputs equals argmax of the target row.
pub fn accuracy(z: &[f32], targets: Targets, outputs: usize) -> f32 {
    let batch = z.len() / outputs;
    if batch == 0 {
        return 0.0;
    }
    let argmax = |row: &[f32]| {
        row.iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                if v > best.1 { (i, v) } else { best }
            })
            .0
    };
    let correct = z
        .chunks_exact(outputs)
        .enumerate()
        .filter(|(b, row)| match targets {
            Targets::Classes(c) => argmax(row) == c[*b] as usize,
            Targets::Values(v) if outputs == 1 => (row[0] > 0.5) == (v[*b] > 0.5),
            Targets::Values(v) => argmax(row) == argmax(&v[b * outputs..(b + 1) * outputs]),
        })
        .count();
    correct as f32 / batch as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_matches_a_hand_computed_value() {
        // logits [0, ln 3]: softmax = [1/4, 3/4]; class 1 → −ln(3/4).
        let z = [0.0, 3f32.ln()];
        let l = Loss::CrossEntropy.value(Head::Softmax, &z, Targets::Classes(&[1]), 2);
        assert!((l - (4.0f32 / 3.0).ln()).abs() < 1e-6);
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_logits() {
        let z = [1000.0, -1000.0];
        let l = Loss::CrossEntropy.value(Head::Softmax, &z, Targets::Classes(&[0]), 2);
        assert!(l.is_finite() && l.abs() < 1e-6);
        let l = Loss::CrossEntropy.value(Head::Softmax, &z, Targets::Classes(&[1]), 2);
        assert!((l - 2000.0).abs() < 1e-3);
    }

    #[test]
    fn mse_matches_a_hand_computed_value() {
        let z = [1.0, 2.0, 3.0, 4.0];
        let t = [0.0, 2.0, 1.0, 4.0];
        // errors 1, 0, 2, 0 → mean of squares = 5/4.
        let l = Loss::Mse.value(Head::Linear, &z, Targets::Values(&t), 2);
        assert!((l - 1.25).abs() < 1e-6);
    }

    #[test]
    fn linear_mse_gives_the_bits_of_the_row_by_row_sums() {
        let (batch, outputs) = (5, 3);
        let z: Vec<f32> = (0..batch * outputs)
            .map(|i| (i as f32 * 0.37).sin())
            .collect();
        let t: Vec<f32> = (0..batch * outputs)
            .map(|i| (i as f32 * 0.91).cos())
            .collect();
        let targets = Targets::Values(&t);
        let mut grad = vec![0.0; batch * outputs];
        let got = Loss::Mse.value_and_grad(Head::Linear, &z, targets, outputs, &mut grad);
        let mut want_grad = vec![0.0; batch * outputs];
        let total: f64 = z
            .chunks_exact(outputs)
            .zip(want_grad.chunks_exact_mut(outputs))
            .enumerate()
            .map(|(b, (row, g))| mse_row(Head::Linear, row, b, targets, batch, Some(g)))
            .sum();
        let want = (total / (batch * outputs) as f64) as f32;
        assert_eq!(got.to_bits(), want.to_bits());
        let bits = |v: &[f32]| v.iter().map(|g| g.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&grad), bits(&want_grad));
    }

    #[test]
    fn accuracy_counts_argmax_hits() {
        let z = [0.1, 0.9, 0.8, 0.2, 0.3, 0.7];
        assert!((accuracy(&z, Targets::Classes(&[1, 0, 0]), 2) - 2.0 / 3.0).abs() < 1e-6);
        assert!((accuracy(&[0.7, 0.2], Targets::Values(&[1.0, 1.0]), 1) - 0.5).abs() < 1e-6);
    }
}
