//! The first layer of a member `mean + s · ε` of an evolution strategy's population, from
//! the two products that the members of an antithetic pair share.
//!
//! A first layer is linear in the genes (a tied one through its development), so member `mean ± σ·ε` has pre-activation
//! `x·(W ± σE) + (b ± σe) = (x·W + b) ± σ·(x·E + e)`: `a = x·W + b` once for the whole
//! generation and `c = x·E + e` once per pair instead of one product per member. That
//! halves the arithmetic of a wide first layer; the result equals the member's own
//! forward pass within rounding, not bit for bit (the sums are grouped differently).

use super::Baseline;
use super::Level;
#[cfg(target_arch = "x86_64")]
use super::{Avx2Fma, Avx512Fma};
use crate::cpu::{self, Simd};
use crate::net::Activation;
use crate::net::architecture::tanh;

multiversion! {
    /// `out[i] = f(a[i] + scale · c[i])` (a fused multiply-add where the build has FMA),
    /// for `i < out.len()`.
    pub fn perturbed_activation(
        a: &[f32],
        c: &[f32],
        scale: f32,
        activation: Activation,
        out: &mut [f32],
    ) => perturbed_activation_generic, perturbed_activation_at;
}

#[inline(always)]
fn perturbed_activation_generic<L: Level>(
    a: &[f32],
    c: &[f32],
    scale: f32,
    activation: Activation,
    out: &mut [f32],
) {
    let (a, c) = (&a[..out.len()], &c[..out.len()]);
    let values = out.iter_mut().zip(a.iter().zip(c));
    let z = |a: f32, c: f32| L::madd(scale, c, a);
    // One loop per activation, so that each is a tight, vectorisable body.
    match activation {
        Activation::Identity => values.for_each(|(o, (&a, &c))| *o = z(a, c)),
        Activation::Relu => values.for_each(|(o, (&a, &c))| *o = z(a, c).max(0.0)),
        Activation::Tanh => values.for_each(|(o, (&a, &c))| *o = tanh(z(a, c))),
        Activation::Sigmoid => {
            values.for_each(|(o, (&a, &c))| *o = Activation::Sigmoid.apply(z(a, c)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    /// Every build against `f(a + scale·c)` in f64 (within the rounding of the sum and
    /// the activation), and the FMA builds against each other bit for bit, on lengths
    /// around the vector widths.
    #[test]
    fn every_build_computes_the_perturbed_activation() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let levels = [Simd::Baseline, Simd::Avx2Fma, Simd::Avx512Fma]
            .into_iter()
            .filter(|&level| level <= cpu::simd());
        for len in [1, 7, 8, 15, 16, 17, 33, 100] {
            let a: Vec<f32> = (0..len).map(|_| rng.random_range(-3.0..3.0)).collect();
            let c: Vec<f32> = (0..len).map(|_| rng.random_range(-3.0..3.0)).collect();
            for activation in Activation::ALL {
                for scale in [0.3f32, -0.3] {
                    let mut fma_bits: Option<Vec<u32>> = None;
                    for level in levels.clone() {
                        let mut out = vec![f32::NAN; len];
                        perturbed_activation_at(level, &a, &c, scale, activation, &mut out);
                        for i in 0..len {
                            let z = a[i] as f64 + scale as f64 * c[i] as f64;
                            let expected = match activation {
                                Activation::Identity => z,
                                Activation::Relu => z.max(0.0),
                                Activation::Tanh => z.tanh(),
                                Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
                            };
                            let error = (out[i] as f64 - expected).abs();
                            assert!(
                                error < 2e-6 * expected.abs().max(1.0),
                                "{level:?} {activation:?} len {len}: {} vs {expected}",
                                out[i]
                            );
                        }
                        if level >= Simd::Avx2Fma {
                            let bits: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
                            if let Some(seen) = &fma_bits {
                                assert_eq!(seen, &bits, "{level:?} {activation:?} len {len}");
                            }
                            fma_bits = Some(bits);
                        }
                    }
                }
            }
        }
    }
}
