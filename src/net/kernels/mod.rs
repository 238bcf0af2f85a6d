//! Dense kernels: the three matrix products of a layer (the forward one fused with bias and
//! activation), and the elementwise passes of the backward pass.
//!
//! All matrices are row-major `f32`. The products share one register-tiled kernel
//! ([`gemm`]), which beats a general GEMM's packing on these small shapes. Everything is
//! single-threaded: parallelism lives one level up, across the population.
//!
//! Each function here is compiled three times from one source (see `multiversion!`), once
//! per [`Level`]: with AVX-512F, AVX2 and FMA, or with AVX2 and FMA, picked at run time by
//! what [`cpu::simd`] says the CPU has, and for the baseline target. The baseline build
//! differs from the others in that its products do not fuse their multiply-adds; the two
//! FMA builds differ only in their registers (the product's tile, the vector width), and
//! give the same bits. So a machine always gives the same bits, whatever the thread count
//! or the caller (a network alone or inside a population), and so do all machines with FMA.
//!
//! `lanes` is the other layout: many small networks at once, one member per SIMD lane,
//! for a whole lifetime ([`lane_lifetime`]) or one forward pass (the population forward
//! of small dense networks); its kernels are compiled by the same `multiversion!`.

mod cross_entropy;
mod gemm;

use gemm::{Epilogue, Strided, gemm};

use super::Activation;
use crate::cpu::{self, Simd};

/// `a * b + c`, fused into one rounding when the build has FMA. Without the `fma` target
/// feature `f32::mul_add` is a slow libm call, hence the switch.
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// One build of the kernels, as a zero-sized type that the generic code is compiled for:
/// whether its products fuse their multiply-adds, and which tile [`gemm`] uses.
trait Level {
    /// The build has FMA (and AVX2).
    const FMA: bool;
    /// The build has AVX-512F: thirty-two 16-lane registers rather than sixteen 8-lane ones.
    const AVX512: bool;

    /// `a * b + c`, fused when the build has FMA (see [`madd`]).
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        if Self::FMA {
            madd::<true>(a, b, c)
        } else {
            madd::<false>(a, b, c)
        }
    }
}

/// The baseline target (and x86-64 with AVX2 but no FMA).
struct Baseline;
/// AVX2 and FMA.
struct Avx2Fma;
/// AVX-512F, AVX2 and FMA.
struct Avx512Fma;

impl Level for Baseline {
    const FMA: bool = false;
    const AVX512: bool = false;
}

impl Level for Avx2Fma {
    const FMA: bool = true;
    const AVX512: bool = false;
}

impl Level for Avx512Fma {
    const FMA: bool = true;
    const AVX512: bool = true;
}

/// `pub fn $name(args) -> ret` that runs `$generic::<L>` for this CPU's [`Level`]: compiled
/// for AVX-512F + AVX2 + FMA, for AVX2 + FMA, or for the baseline target. `$at(level, args)`
/// runs the build for `level` instead (or the best the CPU has, if it has less), so that
/// tests can compare the builds.
macro_rules! multiversion {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        => $generic:ident, $at:ident;) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            $at(cpu::simd(), $($arg),*)
        }

        #[allow(clippy::too_many_arguments)]
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
        fn $at(level: Simd, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn avx512_fma($($arg: $ty),*) $(-> $ret)? {
                    $generic::<Avx512Fma>($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn avx2_fma($($arg: $ty),*) $(-> $ret)? {
                    $generic::<Avx2Fma>($($arg),*)
                }
                let level = level.min(cpu::simd());
                if level.has_avx512_fma() {
                    // SAFETY: the CPU has AVX-512F, AVX2 and FMA, checked just above.
                    return unsafe { avx512_fma($($arg),*) };
                }
                if level.has_avx2_fma() {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2_fma($($arg),*) };
                }
            }
            $generic::<Baseline>($($arg),*)
        }
    };
}

// After `multiversion!`, which the lane kernels use too.
mod lanes;
mod perturbed;

pub use lanes::lane_lifetime;
pub use perturbed::perturbed_activation;

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
    ) => forward_layer_generic, forward_layer_at;
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_layer_generic<L: Level>(
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
    gemm::<L>(
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
    ) => matmul_xt_delta_generic, matmul_xt_delta_at;
}

#[inline(always)]
fn matmul_xt_delta_generic<L: Level>(
    batch: usize,
    k: usize,
    n: usize,
    x: &[f32],
    delta: &[f32],
    grad_w: &mut [f32],
    panels: &mut Vec<f32>,
) {
    gemm::<L>(
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
    ) => matmul_delta_wt_generic, matmul_delta_wt_at;
}

#[inline(always)]
fn matmul_delta_wt_generic<L: Level>(
    batch: usize,
    k: usize,
    n: usize,
    delta: &[f32],
    w: &[f32],
    grad_x: &mut [f32],
    panels: &mut Vec<f32>,
) {
    gemm::<L>(
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
    ) -> f32 => cross_entropy_generic, cross_entropy_at;
}

#[inline(always)]
fn cross_entropy_generic<L: Level>(
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
        => scale_by_derivative_generic, scale_by_derivative_at;
}

#[inline(always)]
fn scale_by_derivative_generic<L: Level>(
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
    pub fn column_sums(delta: &[f32], out: &mut [f32]) => column_sums_generic, column_sums_at;
}

/// Sixteen columns at a time, their running sums in registers: summed in `out` itself,
/// every row would load and store each sum again and wait on the store it just made.
/// Each column is the same sum, `0 + delta[0, n] + delta[1, n] + ...`, in any chunking.
#[inline(always)]
fn column_sums_generic<L: Level>(delta: &[f32], out: &mut [f32]) {
    const CHUNK: usize = 16;
    let n = out.len();
    let rows = delta.len() / n;
    for (chunk, sums) in out.chunks_mut(CHUNK).enumerate() {
        let (col0, cols) = (chunk * CHUNK, sums.len());
        // A row is read sixteen wide while that stays inside `delta`. In a chunk of fewer
        // columns the lanes past `cols` then sum elements of the next row, and are dropped.
        let wide = match delta.len().checked_sub(col0 + CHUNK) {
            Some(room) => (room / n + 1).min(rows),
            None => 0,
        };
        let mut acc = [0.0f32; CHUNK];
        for b in 0..wide {
            let start = b * n + col0;
            let row: &[f32; CHUNK] = delta[start..start + CHUNK].try_into().unwrap();
            acc.iter_mut().zip(row).for_each(|(a, d)| *a += d);
        }
        for b in wide..rows {
            let start = b * n + col0;
            acc.iter_mut()
                .zip(&delta[start..start + cols])
                .for_each(|(a, d)| *a += d);
        }
        sums.copy_from_slice(&acc[..cols]);
    }
}

#[cfg(test)]
mod tests;
