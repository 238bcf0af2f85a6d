//! First-order optimisers: SGD, momentum and Adam, each with optional weight decay.
//!
//! They step any flat parameter vector against a gradient — a network genome under
//! backprop, or the mean of a search distribution under an evolution strategy — so they
//! know nothing of networks. State is created on the first step and serialises with serde
//! so that a run can be checkpointed.

use serde::{Deserialize, Serialize};

/// One optimiser step: `params ← params − update(grad)`.
pub trait Optimizer: Send {
    /// One update of `params` along `grad` (descent).
    fn step(&mut self, params: &mut [f32], grad: &[f32]);
    /// The optimiser's name.
    fn name(&self) -> &'static str;
    /// Steps taken so far.
    fn steps(&self) -> u64;
}

/// Plain SGD with L2 weight decay: `p ← p − lr·(g + λp)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sgd {
    /// Step size.
    pub lr: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
    steps: u64,
}

impl Sgd {
    /// SGD with step size `lr`.
    pub fn new(lr: f32) -> Self {
        Self {
            lr,
            weight_decay: 0.0,
            steps: 0,
        }
    }

    /// The same optimiser with an L2 penalty.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        let (lr, wd) = (self.lr, self.weight_decay);
        params
            .iter_mut()
            .zip(grad)
            .for_each(|(p, g)| *p -= lr * (g + wd * *p));
        self.steps += 1;
    }

    fn name(&self) -> &'static str {
        "sgd"
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

/// Heavy-ball momentum (Polyak 1964) with L2 weight decay:
/// `v ← μv + (g + λp)`, `p ← p − lr·v`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Momentum {
    /// Step size.
    pub lr: f32,
    /// Heavy-ball coefficient.
    pub momentum: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
    velocity: Vec<f32>,
    steps: u64,
}

impl Momentum {
    /// Heavy-ball momentum with step size `lr` and coefficient `momentum`.
    pub fn new(lr: f32, momentum: f32) -> Self {
        Self {
            lr,
            momentum,
            weight_decay: 0.0,
            velocity: Vec::new(),
            steps: 0,
        }
    }

    /// The same optimiser with an L2 penalty.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Momentum {
    fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        self.velocity.resize(params.len(), 0.0);
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        for ((p, g), v) in params.iter_mut().zip(grad).zip(&mut self.velocity) {
            *v = mu * *v + g + wd * *p;
            *p -= lr * *v;
        }
        self.steps += 1;
    }

    fn name(&self) -> &'static str {
        "momentum"
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, and decoupled weight decay
/// as in AdamW (Loshchilov & Hutter 2019): `p ← p − lr·(m̂/(√v̂ + ε) + λp)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    /// Step size.
    pub lr: f32,
    /// Decay of the first-moment estimate.
    pub beta1: f32,
    /// Decay of the second-moment estimate.
    pub beta2: f32,
    /// Added to the root of the second moment.
    pub eps: f32,
    /// Decoupled weight decay.
    pub weight_decay: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    steps: u64,
    #[serde(skip)]
    saturation: Saturation,
}

impl Adam {
    /// The paper's defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f32) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            m: Vec::new(),
            v: Vec::new(),
            steps: 0,
            saturation: Saturation::default(),
        }
    }

    /// The same optimiser with other moment decays.
    pub fn with_betas(mut self, beta1: f32, beta2: f32) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// The same optimiser with decoupled weight decay.
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Optimizer for Adam {
    fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        self.m.resize(params.len(), 0.0);
        self.v.resize(params.len(), 0.0);
        self.steps += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let [from1, from2] = self.saturation.steps_for([b1, b2]);
        let correction = |beta, from| {
            if self.steps >= from {
                1.0
            } else {
                bias_correction(beta, self.steps)
            }
        };
        // Fold the bias corrections into the step size (Kingma & Ba, end of §2).
        let step = AdamStep {
            b1,
            b2,
            lr_corrected: self.lr / correction(b1, from1),
            inv_sqrt_correction2: 1.0 / correction(b2, from2).sqrt(),
            eps: self.eps,
            decay: self.lr * self.weight_decay,
        };
        adam_update(params, grad, &mut self.m, &mut self.v, step);
    }

    fn name(&self) -> &'static str {
        "adam"
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

/// `1 − βᵗ`, Adam's bias correction: `1.0 - beta.powi(t)` by the same repeated squaring,
/// stopped once the power is below 2⁻²⁵, where it no longer changes `1 − βᵗ` in f32. The
/// step count grows without bound and, squared on, `β^(2^k)` sinks into subnormal
/// numbers, whose multiplications cost about a hundred cycles each.
fn bias_correction(beta: f32, t: u64) -> f32 {
    const NEGLIGIBLE: f32 = 1.0 / (1u32 << 25) as f32;
    let (mut power, mut square, mut t) = (1.0f32, beta, t);
    loop {
        // A select rather than a branch: `t`'s bits change every step.
        power *= if t & 1 == 1 { square } else { 1.0 };
        t >>= 1;
        if t == 0 || square.abs() < NEGLIGIBLE {
            break;
        }
        square *= square;
    }
    if t > 0 && square.abs() < NEGLIGIBLE {
        // Later factors would only make the power smaller still.
        return 1.0;
    }
    1.0 - power
}

/// The step from which [`bias_correction`]`(beta, t)` is exactly 1 for every `t`: its
/// squaring reaches a negligible `β^(2^i)` at some `i` and returns 1 for any `t` with a
/// bit above `i`, so from `t = 2^(i+1)` on. `u64::MAX` when no square gets negligible
/// (β of magnitude 1 or more, or NaN).
fn saturation_step(beta: f32) -> u64 {
    const NEGLIGIBLE: f32 = 1.0 / (1u32 << 25) as f32;
    let mut square = beta;
    for i in 0..63 {
        if square.abs() < NEGLIGIBLE {
            return 1 << (i + 1);
        }
        square *= square;
    }
    u64::MAX
}

/// [`saturation_step`] of β₁ and β₂, kept with the β it was found for: past some
/// 17,000 steps (β₂ = 0.999) both corrections are 1, and the fifteen dependent
/// squarings a step would spend finding that out again cost more than the whole update
/// of a small network. A cache: neither serialised nor compared.
#[derive(Debug, Clone, Copy, Default)]
struct Saturation(Option<([u32; 2], [u64; 2])>);

impl Saturation {
    fn steps_for(&mut self, betas: [f32; 2]) -> [u64; 2] {
        let key = betas.map(f32::to_bits);
        match self.0 {
            Some((cached, steps)) if cached == key => steps,
            _ => {
                let steps = betas.map(saturation_step);
                self.0 = Some((key, steps));
                steps
            }
        }
    }
}

impl PartialEq for Saturation {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The per-step constants of the elementwise Adam update.
#[derive(Clone, Copy)]
struct AdamStep {
    b1: f32,
    b2: f32,
    /// `lr / (1 − β₁ᵗ)`
    lr_corrected: f32,
    /// `1 / √(1 − β₂ᵗ)`
    inv_sqrt_correction2: f32,
    eps: f32,
    /// `lr · λ`
    decay: f32,
}

/// The elementwise update, compiled for AVX2 when the CPU has it (8 lanes rather than
/// SSE2's 4), asked of the crate's one CPU query (`crate::cpu`, shared with the network
/// kernels). No fused multiply-adds, so both builds give the same bits.
fn adam_update(params: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], step: AdamStep) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::simd().has_avx2() {
        #[target_feature(enable = "avx2")]
        fn avx2(params: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], step: AdamStep) {
            adam_update_generic(params, grad, m, v, step)
        }
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { avx2(params, grad, m, v, step) };
    }
    adam_update_generic(params, grad, m, v, step)
}

#[inline(always)]
fn adam_update_generic(
    params: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    step: AdamStep,
) {
    let n = params.len();
    let (grad, m, v) = (&grad[..n], &mut m[..n], &mut v[..n]);
    let AdamStep {
        b1,
        b2,
        lr_corrected,
        inv_sqrt_correction2,
        eps,
        decay,
    } = step;
    for i in 0..n {
        let g = grad[i];
        m[i] = b1 * m[i] + (1.0 - b1) * g;
        v[i] = b2 * v[i] + (1.0 - b2) * g * g;
        // p ← p − lr·(m̂/(√v̂ + ε) + λp), with m̂ = m/(1−β₁ᵗ) and √v̂ = √v/√(1−β₂ᵗ).
        params[i] -=
            lr_corrected * m[i] / (v[i].sqrt() * inv_sqrt_correction2 + eps) + decay * params[i];
    }
}

#[cfg(test)]
mod tests;

/// Any of the optimisers, as one serialisable value (for configs and checkpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyOptimizer {
    /// SGD.
    Sgd(Sgd),
    /// Heavy-ball momentum.
    Momentum(Momentum),
    /// Adam.
    Adam(Adam),
}

impl AnyOptimizer {
    fn inner(&mut self) -> &mut dyn Optimizer {
        match self {
            AnyOptimizer::Sgd(o) => o,
            AnyOptimizer::Momentum(o) => o,
            AnyOptimizer::Adam(o) => o,
        }
    }
}

impl Optimizer for AnyOptimizer {
    fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        self.inner().step(params, grad)
    }

    fn name(&self) -> &'static str {
        match self {
            AnyOptimizer::Sgd(o) => o.name(),
            AnyOptimizer::Momentum(o) => o.name(),
            AnyOptimizer::Adam(o) => o.name(),
        }
    }

    fn steps(&self) -> u64 {
        match self {
            AnyOptimizer::Sgd(o) => o.steps(),
            AnyOptimizer::Momentum(o) => o.steps(),
            AnyOptimizer::Adam(o) => o.steps(),
        }
    }
}
