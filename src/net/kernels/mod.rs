//! Dense kernels: the three matrix products of a layer (the forward one fused with bias and
//! activation), and the elementwise passes of the backward pass.
//!
//! All matrices are row-major `f32`. The products share one register-tiled kernel
//! ([`gemm`]), which beats a general GEMM's packing on these small shapes. Everything is
//! single-threaded: parallelism lives one level up, across the population.
//!
//! Each function here is compiled twice from one source (see `multiversion!`): with AVX2
//! and FMA, picked at run time when [`cpu::simd`] says the CPU has them, and for the
//! baseline target. The two builds differ only in that the products fuse their
//! multiply-adds, so a machine always gives the same bits, whatever the thread count or
//! the caller (a network alone or inside a population).
//!
//! `lanes` is the other layout: many small networks at once, one member per SIMD lane,
//! for a whole lifetime; its entry point [`lane_lifetime`] dispatches the same way, with
//! an AVX-512 build on top.

mod cross_entropy;
mod gemm;
mod lanes;

pub use lanes::lane_lifetime;

use gemm::{Epilogue, Strided, gemm};

use super::Activation;
#[cfg(target_arch = "x86_64")]
use crate::cpu;

/// `a * b + c`, fused into one rounding when the build has FMA. Without the `fma` target
/// feature `f32::mul_add` is a slow libm call, hence the switch.
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// `pub fn $name(args) -> ret` that runs `$generic::<true>` compiled for AVX2 + FMA when the
/// CPU has both, and `$generic::<false>` for the baseline target otherwise.
macro_rules! multiversion {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        => $generic:ident;) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if cpu::simd().has_avx2_fma() {
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn avx2_fma($($arg: $ty),*) $(-> $ret)? {
                    $generic::<true>($($arg),*)
                }
                // SAFETY: the CPU has AVX2 and FMA, checked just above.
                return unsafe { avx2_fma($($arg),*) };
            }
            $generic::<false>($($arg),*)
        }
    };
}

multiversion! {
    /// `z[batch, n] = f(x[batch, k] · w[k, n] + bias[n])`. `panels` is scratch space.
    pub fn forward_layer(
        batch: usize,
        k: usize,
        n: usize,
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        activation: Activation,
        z: &mut [f32],
        panels: &mut Vec<f32>,
    ) => forward_layer_generic;
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_layer_generic<const FMA: bool>(
    batch: usize,
    k: usize,
    n: usize,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    activation: Activation,
    z: &mut [f32],
    panels: &mut Vec<f32>,
) {
    gemm::<FMA>(
        batch,
        k,
        n,
        Strided::rows(x, k),
        Strided::rows(w, n),
        z,
        Epilogue::BiasActivation(bias, activation),
        panels,
    );
}

multiversion! {
    /// `grad_w[k, n] = x[batch, k]ᵀ · delta[batch, n]`. `panels` is scratch space.
    pub fn matmul_xt_delta(
        batch: usize,
        k: usize,
        n: usize,
        x: &[f32],
        delta: &[f32],
        grad_w: &mut [f32],
        panels: &mut Vec<f32>,
    ) => matmul_xt_delta_generic;
}

#[inline(always)]
fn matmul_xt_delta_generic<const FMA: bool>(
    batch: usize,
    k: usize,
    n: usize,
    x: &[f32],
    delta: &[f32],
    grad_w: &mut [f32],
    panels: &mut Vec<f32>,
) {
    gemm::<FMA>(
        k,
        batch,
        n,
        Strided::transposed(x, k),
        Strided::rows(delta, n),
        grad_w,
        Epilogue::Store,
        panels,
    );
}

multiversion! {
    /// `grad_x[batch, k] = delta[batch, n] · w[k, n]ᵀ`. `panels` is scratch space.
    pub fn matmul_delta_wt(
        batch: usize,
        k: usize,
        n: usize,
        delta: &[f32],
        w: &[f32],
        grad_x: &mut [f32],
        panels: &mut Vec<f32>,
    ) => matmul_delta_wt_generic;
}

#[inline(always)]
fn matmul_delta_wt_generic<const FMA: bool>(
    batch: usize,
    k: usize,
    n: usize,
    delta: &[f32],
    w: &[f32],
    grad_x: &mut [f32],
    panels: &mut Vec<f32>,
) {
    gemm::<FMA>(
        batch,
        n,
        k,
        Strided::rows(delta, n),
        Strided::transposed(w, n),
        grad_x,
        Epilogue::Store,
        panels,
    );
}

multiversion! {
    /// Mean softmax cross-entropy of `logits[batch, outputs]` against `classes[batch]`, and
    /// with `grad`, its gradient with respect to the logits. `scratch` is scratch space.
    pub fn cross_entropy(
        logits: &[f32],
        classes: &[u32],
        outputs: usize,
        scratch: &mut Vec<f32>,
        grad: Option<&mut [f32]>,
    ) -> f32 => cross_entropy_generic;
}

#[inline(always)]
fn cross_entropy_generic<const FMA: bool>(
    logits: &[f32],
    classes: &[u32],
    outputs: usize,
    scratch: &mut Vec<f32>,
    grad: Option<&mut [f32]>,
) -> f32 {
    cross_entropy::cross_entropy(logits, classes, outputs, scratch, grad)
}

multiversion! {
    /// `delta *= f'(a)` elementwise, with the derivative written through the output `a`.
    pub fn scale_by_derivative(delta: &mut [f32], activations: &[f32], activation: Activation)
        => scale_by_derivative_generic;
}

#[inline(always)]
fn scale_by_derivative_generic<const FMA: bool>(
    delta: &mut [f32],
    activations: &[f32],
    activation: Activation,
) {
    let pairs = delta.iter_mut().zip(activations);
    // One loop per activation, so that each is a tight, vectorisable body.
    match activation {
        Activation::Identity => {}
        Activation::Tanh => {
            pairs.for_each(|(d, &a)| *d *= Activation::Tanh.derivative_from_output(a))
        }
        Activation::Relu => {
            pairs.for_each(|(d, &a)| *d *= Activation::Relu.derivative_from_output(a))
        }
        Activation::Sigmoid => {
            pairs.for_each(|(d, &a)| *d *= Activation::Sigmoid.derivative_from_output(a))
        }
    }
}

multiversion! {
    /// `out[n] = Σ_b delta[b, n]`.
    pub fn column_sums(delta: &[f32], out: &mut [f32]) => column_sums_generic;
}

#[inline(always)]
fn column_sums_generic<const FMA: bool>(delta: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    for row in delta.chunks_exact(out.len()) {
        out.iter_mut().zip(row).for_each(|(o, d)| *o += d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type ForwardFn =
        fn(usize, usize, usize, &[f32], &[f32], &[f32], Activation, &mut [f32], &mut Vec<f32>);
    type ProductFn = fn(usize, usize, usize, &[f32], &[f32], &mut [f32], &mut Vec<f32>);

    /// `a[m, k] · b[k, n]` in f64, by the definition.
    fn reference(m: usize, k: usize, n: usize, a: &[f32], b: &[f32]) -> Vec<f64> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k)
                    .map(|t| a[i * k + t] as f64 * b[t * n + j] as f64)
                    .sum();
            }
        }
        c
    }

    fn transpose(rows: usize, cols: usize, m: &[f32]) -> Vec<f32> {
        (0..cols * rows)
            .map(|i| m[(i % rows) * cols + i / rows])
            .collect()
    }

    fn filled(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5) - 1.0)
            .collect()
    }

    fn assert_close(got: &[f32], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g as f64 - w).abs() < 1e-5 * (1.0 + w.abs()),
                "{what}[{i}]: {g} vs {w}"
            );
        }
    }

    // Shapes around the tile edges (6 rows, 16 columns), the tiny and the digits networks.
    const SHAPES: [(usize, usize, usize); 9] = [
        (1, 1, 1),
        (4, 2, 16),
        (4, 16, 1),
        (7, 5, 10),
        (6, 3, 33),
        (13, 64, 64),
        (32, 64, 10),
        (11, 17, 48),
        (256, 64, 64),
    ];

    #[test]
    fn the_three_layer_products_match_the_definition_on_every_tile_edge() {
        let mut panels = Vec::new();
        // The dispatched build (AVX2 + FMA on most x86-64) and the portable one.
        for portable in [false, true] {
            let (forward, xt_delta, delta_wt) = if portable {
                (
                    forward_layer_generic::<false> as ForwardFn,
                    matmul_xt_delta_generic::<false> as ProductFn,
                    matmul_delta_wt_generic::<false> as ProductFn,
                )
            } else {
                (
                    forward_layer as ForwardFn,
                    matmul_xt_delta as ProductFn,
                    matmul_delta_wt as ProductFn,
                )
            };
            for (batch, k, n) in SHAPES {
                let x = filled(batch * k, 1);
                let w = filled(k * n, 2);
                let delta = filled(batch * n, 3);
                let zero_bias = vec![0.0; n];
                let mut z = vec![f32::NAN; batch * n];
                let identity = Activation::Identity;
                forward(
                    batch,
                    k,
                    n,
                    &x,
                    &w,
                    &zero_bias,
                    identity,
                    &mut z,
                    &mut panels,
                );
                assert_close(&z, &reference(batch, k, n, &x, &w), "x·w");

                let mut grad_w = vec![f32::NAN; k * n];
                xt_delta(batch, k, n, &x, &delta, &mut grad_w, &mut panels);
                let xt = transpose(batch, k, &x);
                assert_close(&grad_w, &reference(k, batch, n, &xt, &delta), "xᵀ·δ");

                let mut grad_x = vec![f32::NAN; batch * k];
                delta_wt(batch, k, n, &delta, &w, &mut grad_x, &mut panels);
                let wt = transpose(k, n, &w);
                assert_close(&grad_x, &reference(batch, n, k, &delta, &wt), "δ·wᵀ");
            }
        }
    }

    #[test]
    fn forward_layer_adds_the_bias_then_applies_the_activation() {
        let mut panels = Vec::new();
        let (batch, k, n) = (7, 5, 10);
        let x = filled(batch * k, 4);
        let w = filled(k * n, 5);
        let bias = filled(n, 6);
        let product = reference(batch, k, n, &x, &w);
        for activation in Activation::ALL {
            let mut z = vec![f32::NAN; batch * n];
            forward_layer(batch, k, n, &x, &w, &bias, activation, &mut z, &mut panels);
            let want: Vec<f64> = product
                .iter()
                .enumerate()
                .map(|(i, &p)| activation.apply((p + bias[i % n] as f64) as f32) as f64)
                .collect();
            assert_close(&z, &want, activation.name());
        }
    }
}
