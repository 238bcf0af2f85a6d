//! Lane kernels: a whole lifetime (SGD steps on a support set, then the query loss) of
//! `LANES` population members at once, one member per SIMD lane.
//!
//! Genes are population-major: gene `g` of every member sits in one [`Lane`], so the
//! products below are plain loops over `[f32; LANES]` that the compiler turns into
//! vector instructions, however narrow the layers (a 1-40-40-1 network has no product
//! wide enough for the row-major kernels to fill a register). Lanes never mix: each lane
//! computes exactly the scalar sums written in the comments, in the order written, so
//! every build with fused multiply-adds gives the same bits, whatever its vector width.
//!
//! Dense layers, and a linear head with mean squared error or softmax logits with
//! cross-entropy; `net::lanes` decides when these apply.

use super::Baseline;
use super::Level;
#[cfg(target_arch = "x86_64")]
use super::{Avx2Fma, Avx512Fma};
use crate::cpu::{self, Simd};

mod loss;
use crate::net::Activation;
use crate::net::architecture::tanh;
use crate::net::lanes::{LANES, Lane, LanePlan, LaneScratch, Shots};
use loss::{readout_delta, readout_loss};

multiversion! {
    /// The lane lifetime (see [`lifetime`]), dispatched.
    pub fn lane_lifetime(
        plan: &LanePlan,
        genes: &mut [Lane],
        layer_lrs: &[Lane],
        steps: usize,
        support: Shots,
        query: Shots,
        scratch: &mut LaneScratch,
    ) -> [f64; LANES] => lifetime, lane_lifetime_at;
}

multiversion! {
    /// The forward pass of the shared `inputs[rows, features]` through the lanes of
    /// `genes`, into `scratch.activations` (see [`forward`]), dispatched.
    pub fn lane_forward(
        plan: &LanePlan,
        genes: &[Lane],
        inputs: &[f32],
        scratch: &mut LaneScratch,
    ) => forward, lane_forward_at;
}

impl LanePlan {
    /// Each lane's readout `z[rows, outputs]` on the shared `inputs[rows, features]`,
    /// without checks (the caller checked the shapes once). Every value is the sum the
    /// row-major kernels compute for that member alone — the bias, then `+ x[t] · w[t]`
    /// for `t = 0, 1, ...`, fused on FMA builds — passed through the same activation, so
    /// it equals [`Network::forward`](crate::net::Network::forward) bit for bit.
    pub(crate) fn forward_lanes<'s>(
        &self,
        genes: &[Lane],
        inputs: &[f32],
        scratch: &'s mut LaneScratch,
    ) -> &'s [Lane] {
        lane_forward(self, genes, inputs, scratch);
        &scratch.activations[self.layers() - 1]
    }
}

/// Output tile of the products: four lanes of accumulators per input read (five loads
/// for four multiply-adds instead of eight).
const TILE: usize = 4;

#[inline(always)]
fn fma_lane<L: Level>(acc: &mut Lane, a: &Lane, b: &Lane) {
    for m in 0..LANES {
        acc[m] = L::madd(a[m], b[m], acc[m]);
    }
}

#[inline(always)]
fn map_lane(v: &mut Lane, f: impl Fn(f32) -> f32) {
    v.iter_mut().for_each(|x| *x = f(*x));
}

/// `z = f(z)` over a whole layer, one loop per activation: each body vectorises, and its
/// iterations are independent (a rational `tanh` is a long chain of dependent steps).
#[inline(always)]
fn activate(activation: Activation, z: &mut [Lane]) {
    #[inline(always)]
    fn each(z: &mut [Lane], f: impl Fn(f32) -> f32 + Copy) {
        // A plain loop: an out-of-line `for_each` would miss the caller's target features.
        for v in z {
            map_lane(v, f);
        }
    }
    match activation {
        Activation::Tanh => each(z, tanh),
        Activation::Relu => each(z, |z| Activation::Relu.apply(z)),
        Activation::Sigmoid => each(z, |z| Activation::Sigmoid.apply(z)),
        Activation::Identity => {}
    }
}

/// `d *= f'(a)`, the derivative written through the output `a` as in the scalar pass.
#[inline(always)]
fn scale_by_derivative(activation: Activation, d: &mut Lane, a: &Lane) {
    let mut each = |f: fn(f32) -> f32| {
        for m in 0..LANES {
            d[m] *= f(a[m]);
        }
    };
    match activation {
        Activation::Tanh => each(|a| Activation::Tanh.derivative_from_output(a)),
        Activation::Relu => each(|a| Activation::Relu.derivative_from_output(a)),
        Activation::Sigmoid => each(|a| Activation::Sigmoid.derivative_from_output(a)),
        Activation::Identity => {}
    }
}

/// Columns `j..j + T` of one row: `z[j + t] = bias[j + t] + Σ_i x[i] · w[i, j + t]`,
/// summed over `i` in order.
#[inline(always)]
fn forward_tile<const T: usize, L: Level>(
    x: &[Lane],
    w: &[Lane],
    bias: &[Lane],
    n: usize,
    j: usize,
    z: &mut [Lane],
) {
    let mut acc: [Lane; T] = std::array::from_fn(|t| bias[j + t]);
    for (i, xi) in x.iter().enumerate() {
        let row = &w[i * n + j..i * n + j + T];
        for t in 0..T {
            fma_lane::<L>(&mut acc[t], xi, &row[t]);
        }
    }
    z[j..j + T].copy_from_slice(&acc);
}

/// Rows `r..r + T` of column `j`: `z[r + t, j] = bias[j] + Σ_i x[r + t, i] · w[i, j]`,
/// summed over `i` in order (the same sums as [`forward_tile`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn narrow_tile<const T: usize, L: Level>(
    (k, n): (usize, usize),
    x: &[Lane],
    w: &[Lane],
    bias: &[Lane],
    r: usize,
    j: usize,
    z: &mut [Lane],
) {
    let mut acc: [Lane; T] = [bias[j]; T];
    for i in 0..k {
        for t in 0..T {
            fma_lane::<L>(&mut acc[t], &x[(r + t) * k + i], &w[i * n + j]);
        }
    }
    for (t, a) in acc.into_iter().enumerate() {
        z[(r + t) * n + j] = a;
    }
}

/// `z[batch, n] = f(x[batch, k] · w[k, n] + bias[n])`, in lanes.
#[inline(always)]
fn forward_layer<L: Level>(
    (k, n): (usize, usize),
    x: &[Lane],
    w: &[Lane],
    bias: &[Lane],
    activation: Activation,
    z: &mut [Lane],
) {
    if n < TILE {
        // A narrow layer (a regression readout): rows side by side instead, so that the
        // multiply-adds of one output do not each wait for the previous one.
        let rows = x.len() / k;
        let mut r = 0;
        while r + TILE <= rows {
            for j in 0..n {
                narrow_tile::<TILE, L>((k, n), x, w, bias, r, j, z);
            }
            r += TILE;
        }
        for r in r..rows {
            for j in 0..n {
                narrow_tile::<1, L>((k, n), x, w, bias, r, j, z);
            }
        }
        activate(activation, z);
        return;
    }
    for (xb, zb) in x.chunks_exact(k).zip(z.chunks_exact_mut(n)) {
        let mut j = 0;
        while j + TILE <= n {
            forward_tile::<TILE, L>(xb, w, bias, n, j, zb);
            j += TILE;
        }
        for j in j..n {
            forward_tile::<1, L>(xb, w, bias, n, j, zb);
        }
    }
    activate(activation, z);
}

/// Rows `i..i + T` of `∂x[b] = f'(a[b]) ⊙ (w · δ[b])`: `Σ_j w[i, j] · δ[b, j]`, in order.
#[inline(always)]
fn delta_tile<const T: usize, L: Level>(
    delta: &[Lane],
    w: &[Lane],
    n: usize,
    i: usize,
    activation: Activation,
    a: &[Lane],
    out: &mut [Lane],
) {
    let mut acc = [[0.0f32; LANES]; T];
    for (j, d) in delta.iter().enumerate() {
        for t in 0..T {
            fma_lane::<L>(&mut acc[t], &w[(i + t) * n + j], d);
        }
    }
    for (t, mut s) in acc.into_iter().enumerate() {
        scale_by_derivative(activation, &mut s, &a[i + t]);
        out[i + t] = s;
    }
}

/// `∂x[batch, k] = f'(a) ⊙ (δ[batch, n] · wᵀ[n, k])`, where `a` is the layer's input
/// (the previous layer's output) and `f` that layer's activation.
#[inline(always)]
fn backprop_layer<L: Level>(
    (k, n): (usize, usize),
    delta: &[Lane],
    w: &[Lane],
    a: &[Lane],
    activation: Activation,
    out: &mut [Lane],
) {
    let rows = delta.chunks_exact(n).zip(a.chunks_exact(k));
    for ((db, ab), ob) in rows.zip(out.chunks_exact_mut(k)) {
        let mut i = 0;
        while i + TILE <= k {
            delta_tile::<TILE, L>(db, w, n, i, activation, ab, ob);
            i += TILE;
        }
        for i in i..k {
            delta_tile::<1, L>(db, w, n, i, activation, ab, ob);
        }
    }
}

/// Columns `j..j + T` of row `i` of the SGD step:
/// `w[i, j] -= lr · Σ_b x[b, i] · δ[b, j]`, the sum over `b` in order, then one product
/// and one subtraction (as the scalar `g -= lr · ∂g`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn sgd_tile<const T: usize, L: Level>(
    x: &[Lane],
    delta: &[Lane],
    (k, n): (usize, usize),
    i: usize,
    j: usize,
    lr: &Lane,
    w: &mut [Lane],
) {
    let mut acc = [[0.0f32; LANES]; T];
    for (xb, db) in x.chunks_exact(k).zip(delta.chunks_exact(n)) {
        for t in 0..T {
            fma_lane::<L>(&mut acc[t], &xb[i], &db[j + t]);
        }
    }
    for (t, g) in acc.iter().enumerate() {
        let wij = &mut w[i * n + j + t];
        for m in 0..LANES {
            wij[m] -= lr[m] * g[m];
        }
    }
}

/// One SGD step on a layer: `w[k, n] -= lr · xᵀ[k, batch] · δ[batch, n]` and
/// `bias[n] -= lr · Σ_b δ[b, n]`.
#[inline(always)]
fn sgd_layer<L: Level>(
    (k, n): (usize, usize),
    x: &[Lane],
    delta: &[Lane],
    lr: &Lane,
    w: &mut [Lane],
    bias: &mut [Lane],
) {
    for i in 0..k {
        let mut j = 0;
        while j + TILE <= n {
            sgd_tile::<TILE, L>(x, delta, (k, n), i, j, lr, w);
            j += TILE;
        }
        for j in j..n {
            sgd_tile::<1, L>(x, delta, (k, n), i, j, lr, w);
        }
    }
    for (j, b) in bias.iter_mut().enumerate() {
        let mut sum = [0.0f32; LANES];
        for db in delta.chunks_exact(n) {
            for m in 0..LANES {
                sum[m] += db[j][m];
            }
        }
        for m in 0..LANES {
            b[m] -= lr[m] * sum[m];
        }
    }
}

/// The forward pass of `inputs[rows, features]` through every layer into
/// `scratch.activations`.
#[inline(always)]
fn forward<L: Level>(plan: &LanePlan, genes: &[Lane], inputs: &[f32], scratch: &mut LaneScratch) {
    scratch.prepare(plan, inputs);
    let LaneScratch {
        input, activations, ..
    } = scratch;
    for l in 0..plan.layers() {
        let shape = plan.layer_shape(l);
        let (w, bias) = plan.layer_genes(genes, l);
        let (before, after) = activations.split_at_mut(l);
        let x: &[Lane] = if l == 0 { input } else { &before[l - 1] };
        forward_layer::<L>(shape, x, w, bias, plan.activation(l), &mut after[0]);
    }
}

/// `steps` full-batch SGD steps on `support` with per-layer rates `layer_lrs`, applied to
/// `genes` in place; then each lane's loss on `query`.
#[inline(always)]
fn lifetime<L: Level>(
    plan: &LanePlan,
    genes: &mut [Lane],
    layer_lrs: &[Lane],
    steps: usize,
    support: Shots,
    query: Shots,
    scratch: &mut LaneScratch,
) -> [f64; LANES] {
    let layers = plan.layers();
    let outputs = plan.layer_shape(layers - 1).1;
    for _ in 0..steps {
        forward::<L>(plan, genes, support.inputs, scratch);
        let LaneScratch {
            input,
            activations,
            delta,
            delta_next,
        } = &mut *scratch;
        readout_delta(
            plan.lifetime_loss(),
            &activations[layers - 1],
            support.values,
            outputs,
            delta,
        );
        for l in (0..layers).rev() {
            let shape = plan.layer_shape(l);
            let x: &[Lane] = if l == 0 { input } else { &activations[l - 1] };
            if l > 0 {
                // ∂x uses the weights before this step's update.
                let (w, _) = plan.layer_genes(genes, l);
                delta_next.resize(x.len(), [0.0; LANES]);
                let activation = plan.activation(l - 1);
                backprop_layer::<L>(shape, delta, w, x, activation, delta_next);
            }
            let (w, bias) = plan.layer_genes_mut(genes, l);
            sgd_layer::<L>(shape, x, delta, &layer_lrs[l], w, bias);
            if l > 0 {
                std::mem::swap(delta, delta_next);
            }
        }
    }
    forward::<L>(plan, genes, query.inputs, scratch);
    readout_loss(
        plan.lifetime_loss(),
        &scratch.activations[layers - 1],
        query.values,
        outputs,
    )
}
