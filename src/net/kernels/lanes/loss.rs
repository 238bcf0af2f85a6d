//! The lane lifetime's readout: the gradient of the loss with respect to the readout and
//! the query loss, lane by lane, for mean squared error and softmax cross-entropy.

use super::map_lane;
use crate::net::Loss;
use crate::net::kernels::cross_entropy::exp_nonpositive;
use crate::net::lanes::{LANES, Lane};

/// `∂loss/∂z` of the readout `z[rows, outputs]` against `values` into `delta`, lane by
/// lane, as `Loss` computes it: `2·(z − t)/(rows · outputs)` for mean squared error;
/// `(softmax(z) − t)/rows` for cross-entropy (`t` a distribution per row).
#[inline(always)]
pub(super) fn readout_delta(
    loss: Loss,
    z: &[Lane],
    values: &[f32],
    outputs: usize,
    delta: &mut Vec<Lane>,
) {
    delta.clear();
    match loss {
        Loss::Mse => {
            let scale = 2.0 / values.len() as f32;
            delta.extend(z.iter().zip(values).map(|(z, &t)| {
                let mut d = *z;
                map_lane(&mut d, |z| (z - t) * scale);
                d
            }));
        }
        Loss::CrossEntropy => {
            let scale = 1.0 / (values.len() / outputs) as f32;
            for (zb, tb) in z.chunks_exact(outputs).zip(values.chunks_exact(outputs)) {
                let lse = log_sum_exp(zb);
                delta.extend(
                    zb.iter().zip(tb).map(|(z, &t)| {
                        std::array::from_fn(|m| ((z[m] - lse[m]).exp() - t) * scale)
                    }),
                );
            }
        }
    }
}

/// Each lane's `log Σ_o exp(z[o])` over one row of logits, shifted by its maximum; the
/// exponentials (arguments ≤ 0) through the vectorising polynomial of `cross_entropy`,
/// lane-wise across the 16 members.
#[inline(always)]
fn log_sum_exp(row: &[Lane]) -> Lane {
    let mut max = [f32::NEG_INFINITY; LANES];
    for z in row {
        for m in 0..LANES {
            max[m] = max[m].max(z[m]);
        }
    }
    let mut sum = [0.0f32; LANES];
    for z in row {
        for m in 0..LANES {
            sum[m] += exp_nonpositive(z[m] - max[m]);
        }
    }
    std::array::from_fn(|m| max[m] + sum[m].ln())
}

/// Each lane's loss of the readout `z[rows, outputs]` against `values`: mean squared error
/// over rows and outputs, or mean cross-entropy `Σ_o t[o]·(lse − z[o])` over rows.
#[inline(always)]
pub(super) fn readout_loss(loss: Loss, z: &[Lane], values: &[f32], outputs: usize) -> [f64; LANES] {
    let mut total = [0.0f64; LANES];
    match loss {
        Loss::Mse => {
            for (z, &t) in z.iter().zip(values) {
                for m in 0..LANES {
                    let err = z[m] - t;
                    total[m] += (err * err) as f64;
                }
            }
            total.map(|s| s / values.len() as f64)
        }
        Loss::CrossEntropy => {
            for (zb, tb) in z.chunks_exact(outputs).zip(values.chunks_exact(outputs)) {
                let lse = log_sum_exp(zb);
                for (z, &t) in zb.iter().zip(tb) {
                    for m in 0..LANES {
                        total[m] += (t * (lse[m] - z[m])) as f64;
                    }
                }
            }
            total.map(|s| s / (values.len() / outputs) as f64)
        }
    }
}
