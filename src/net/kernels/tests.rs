//! The kernels against their definitions, in every build this CPU has, and the FMA builds
//! against each other bit for bit.

use super::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// `(batch, k, n)` of a layer: its products are `x[batch, k] · w[k, n]`,
/// `xᵀ[k, batch] · δ[batch, n]` and `δ[batch, n] · wᵀ[n, k]`.
type Shape = (usize, usize, usize);

/// The tile edges of both tiles (6 rows, 16 and 32 columns), the narrow path (n < 4),
/// the tiny and the digits networks; then random shapes, a quarter of them narrow.
fn shapes() -> Vec<Shape> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(16);
    let mut shapes = vec![
        (1, 1, 1),
        (4, 2, 16),
        (4, 16, 1),
        (7, 5, 10),
        (6, 3, 33),
        (12, 9, 32),
        (13, 64, 64),
        (25, 64, 3),
        (32, 64, 10),
        (11, 17, 48),
        (256, 64, 64),
    ];
    shapes.extend((0..40).map(|i| {
        let n = if i % 4 == 0 { 1..=3 } else { 1..=80 };
        (
            rng.random_range(1..=40),
            rng.random_range(1..=80),
            rng.random_range(n),
        )
    }));
    shapes
}

/// The builds that this CPU can run, baseline first.
fn levels() -> impl Iterator<Item = Simd> {
    [Simd::Baseline, Simd::Avx2Fma, Simd::Avx512Fma]
        .into_iter()
        .filter(|&level| level <= cpu::simd())
}

fn uniform(len: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// A layer's operands: `x[batch, k]`, `w[k, n]`, `bias[n]`, `δ[batch, n]`.
struct Operands {
    x: Vec<f32>,
    w: Vec<f32>,
    bias: Vec<f32>,
    delta: Vec<f32>,
}

impl Operands {
    fn new((batch, k, n): Shape, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Self {
            x: uniform(batch * k, &mut rng),
            w: uniform(k * n, &mut rng),
            bias: uniform(n, &mut rng),
            delta: uniform(batch * n, &mut rng),
        }
    }
}

/// The three products of a layer in the build for `level`: `f(x · w + bias)`, `xᵀ · δ`,
/// `δ · wᵀ`.
fn products(
    level: Simd,
    (batch, k, n): Shape,
    ops: &Operands,
    activation: Activation,
) -> [Vec<f32>; 3] {
    let mut panels = Vec::new();
    let mut z = vec![f32::NAN; batch * n];
    let (x, w, bias, delta) = (&ops.x, &ops.w, &ops.bias, &ops.delta);
    forward_layer_at(
        level,
        batch,
        k,
        n,
        x,
        w,
        bias,
        activation,
        &mut z,
        &mut panels,
    );
    let mut grad_w = vec![f32::NAN; k * n];
    matmul_xt_delta_at(level, batch, k, n, x, delta, &mut grad_w, &mut panels);
    let mut grad_x = vec![f32::NAN; batch * k];
    matmul_delta_wt_at(level, batch, k, n, delta, w, &mut grad_x, &mut panels);
    [z, grad_w, grad_x]
}

/// `bias[j] + Σ_t a(i, t) · b(t, j)` for `c[m, n]` in f64, by the definition, with the
/// bound on the rounding error of the same sum in f32: `(terms) ε Σ |term|`, above
/// `γ_terms = terms·u / (1 - terms·u)` with `u = ε / 2` (Higham, *Accuracy and Stability
/// of Numerical Algorithms*, §3.1), whether or not the multiply-adds are fused.
fn reference(
    (m, k, n): Shape,
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize, usize) -> f32,
    bias: Option<&[f32]>,
) -> Vec<(f64, f64)> {
    let mut c = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            let start = bias.map_or(0.0, |bias| bias[j] as f64);
            let terms = (0..k).map(|t| a(i, t) as f64 * b(t, j) as f64);
            let sum = start + terms.clone().sum::<f64>();
            let magnitude = start.abs() + terms.map(f64::abs).sum::<f64>();
            let bound = (k + 1) as f64 * f32::EPSILON as f64 * magnitude;
            c.push((sum, bound));
        }
    }
    c
}

fn assert_within(got: &[f32], want: &[(f64, f64)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (&g, &(value, bound))) in got.iter().zip(want).enumerate() {
        let error = (g as f64 - value).abs();
        assert!(
            error <= bound,
            "{what}[{i}]: {g} vs {value}, error {error:e} > {bound:e}"
        );
    }
}

#[test]
fn every_build_computes_the_three_products_within_the_rounding_bound() {
    for (s, shape) in shapes().into_iter().enumerate() {
        let (batch, k, n) = shape;
        let ops = Operands::new(shape, s as u64);
        let (x, w, delta) = (&ops.x, &ops.w, &ops.delta);
        let forward = reference(
            shape,
            |i, t| x[i * k + t],
            |t, j| w[t * n + j],
            Some(&ops.bias),
        );
        let xt_delta = reference(
            (k, batch, n),
            |i, t| x[t * k + i],
            |t, j| delta[t * n + j],
            None,
        );
        let delta_wt = reference(
            (batch, n, k),
            |i, t| delta[i * n + t],
            |t, j| w[j * n + t],
            None,
        );
        for level in levels() {
            let [z, grad_w, grad_x] = products(level, shape, &ops, Activation::Identity);
            let what = |product| format!("{product} on {shape:?} in the {level:?} build");
            assert_within(&z, &forward, &what("x·w + bias"));
            assert_within(&grad_w, &xt_delta, &what("xᵀ·δ"));
            assert_within(&grad_x, &delta_wt, &what("δ·wᵀ"));
        }
    }
}

#[test]
fn the_avx512_build_gives_the_same_bits_as_the_avx2_fma_build() {
    if !cpu::simd().has_avx512_fma() {
        eprintln!("skipped: this CPU has no AVX-512F (see the generic test below)");
        return;
    }
    for (s, shape) in shapes().into_iter().enumerate() {
        let ops = Operands::new(shape, s as u64);
        for activation in Activation::ALL {
            let wide = products(Simd::Avx512Fma, shape, &ops, activation);
            let narrow = products(Simd::Avx2Fma, shape, &ops, activation);
            for (product, (w, n)) in wide.iter().zip(&narrow).enumerate() {
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(w),
                    bits(n),
                    "product {product} on {shape:?}, {activation:?}"
                );
            }
        }
        let (batch, _, n) = shape;
        let classes: Vec<u32> = (0..batch).map(|b| (b * 7 % n) as u32).collect();
        let loss = |level| {
            let mut grad = vec![f32::NAN; batch * n];
            let loss = cross_entropy_at(
                level,
                &ops.delta,
                &classes,
                n,
                &mut Vec::new(),
                Some(&mut grad),
            );
            (
                loss.to_bits(),
                grad.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            loss(Simd::Avx512Fma),
            loss(Simd::Avx2Fma),
            "cross-entropy on {shape:?}"
        );
    }
}

/// The same claim on any CPU: the generic source, compiled for the test's own target
/// (`mul_add` through libm, still one rounding), with each build's tile.
#[test]
fn the_wide_tile_sums_every_output_in_the_same_order_as_the_narrow_one() {
    for (s, shape) in shapes().into_iter().enumerate() {
        let (batch, k, n) = shape;
        let ops = Operands::new(shape, s as u64);
        let product = |wide: bool, a: Strided, b: Strided, epilogue| {
            let (mut c, mut panels) = (vec![f32::NAN; batch * n], Vec::new());
            match wide {
                true => gemm::<Avx512Fma>(batch, k, n, a, b, &mut c, epilogue, &mut panels),
                false => gemm::<Avx2Fma>(batch, k, n, a, b, &mut c, epilogue, &mut panels),
            }
            c.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        // `x · w` with the fused bias and tanh, then `(xᵀ)ᵀ · w`: `a` read through strides.
        let epilogue = Epilogue::BiasActivation(&ops.bias, Activation::Tanh);
        let x = Strided::rows(&ops.x, k);
        let xt: Vec<f32> = (0..k * batch)
            .map(|i| ops.x[(i % batch) * k + i / batch])
            .collect();
        let xt = Strided::transposed(&xt, batch);
        let w = Strided::rows(&ops.w, n);
        for (a, epilogue) in [(x, epilogue), (xt, Epilogue::Store)] {
            assert_eq!(
                product(true, a, w, epilogue),
                product(false, a, w, epilogue),
                "{shape:?}"
            );
        }
    }
}

#[test]
fn forward_layer_adds_the_bias_then_applies_the_activation() {
    let shape @ (batch, k, n) = (7, 5, 10);
    let ops = Operands::new(shape, 4);
    let (x, w) = (&ops.x, &ops.w);
    let sums = reference(
        shape,
        |i, t| x[i * k + t],
        |t, j| w[t * n + j],
        Some(&ops.bias),
    );
    let mut panels = Vec::new();
    for activation in Activation::ALL {
        let mut z = vec![f32::NAN; batch * n];
        forward_layer(
            batch,
            k,
            n,
            x,
            w,
            &ops.bias,
            activation,
            &mut z,
            &mut panels,
        );
        for (i, (&got, &(sum, _))) in z.iter().zip(&sums).enumerate() {
            let want = activation.apply(sum as f32);
            assert!(
                (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                "{}[{i}]: {got} vs {want}",
                activation.name()
            );
        }
    }
}

#[test]
fn column_sums_adds_the_rows_in_order_in_every_build() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    // Short chunks (n < 16, n = 20), whole ones, and batches of one row or of fewer rows
    // than a sixteen-wide read spans.
    for (batch, n) in [
        (1, 1),
        (4, 1),
        (4, 16),
        (3, 10),
        (32, 10),
        (7, 20),
        (64, 64),
        (5, 33),
    ] {
        let delta = uniform(batch * n, &mut rng);
        let want: Vec<u32> = (0..n)
            .map(|j| {
                let sum = (0..batch).fold(0.0f32, |s, b| s + delta[b * n + j]);
                sum.to_bits()
            })
            .collect();
        for level in levels() {
            let mut out = vec![f32::NAN; n];
            column_sums_at(level, &delta, &mut out);
            let got: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "{level:?}, {batch} x {n}");
        }
    }
}
