//! First-order optimisers: SGD, momentum and Adam, each with optional weight decay.
//!
//! They step any flat parameter vector against a gradient — a network genome under
//! backprop, or the mean of a search distribution under an evolution strategy — so they
//! know nothing of networks. State is created on the first step and serialises with serde
//! so that a run can be checkpointed.

use serde::{Deserialize, Serialize};

/// One optimiser step: `params ← params − update(grad)`.
pub trait Optimizer: Send {
    fn step(&mut self, params: &mut [f32], grad: &[f32]);
    fn name(&self) -> &'static str;
    /// Steps taken so far.
    fn steps(&self) -> u64;
}

/// Plain SGD with L2 weight decay: `p ← p − lr·(g + λp)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sgd {
    pub lr: f32,
    pub weight_decay: f32,
    steps: u64,
}

impl Sgd {
    pub fn new(lr: f32) -> Self {
        Self {
            lr,
            weight_decay: 0.0,
            steps: 0,
        }
    }

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
    pub lr: f32,
    pub momentum: f32,
    pub weight_decay: f32,
    velocity: Vec<f32>,
    steps: u64,
}

impl Momentum {
    pub fn new(lr: f32, momentum: f32) -> Self {
        Self {
            lr,
            momentum,
            weight_decay: 0.0,
            velocity: Vec::new(),
            steps: 0,
        }
    }

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
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    steps: u64,
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
        }
    }

    pub fn with_betas(mut self, beta1: f32, beta2: f32) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

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
        // Fold the bias corrections into the step size (Kingma & Ba, end of §2).
        let t = self.steps as i32;
        let correction1 = 1.0 - b1.powi(t);
        let correction2 = 1.0 - b2.powi(t);
        let step = self.lr / correction1;
        let eps = self.eps;
        let decay = self.lr * self.weight_decay;
        let inv_sqrt_c2 = 1.0 / correction2.sqrt();
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= step * *m / ((*v).sqrt() * inv_sqrt_c2 + eps) + decay * *p;
        }
    }

    fn name(&self) -> &'static str {
        "adam"
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(p) = ½ Σ aᵢ (pᵢ − cᵢ)², gradient aᵢ (pᵢ − cᵢ); minimum at c.
    fn quadratic_gradient(p: &[f32], grad: &mut [f32]) {
        const A: [f32; 3] = [1.0, 10.0, 0.1];
        const C: [f32; 3] = [3.0, -2.0, 0.5];
        for i in 0..3 {
            grad[i] = A[i] * (p[i] - C[i]);
        }
    }

    fn minimise(opt: &mut dyn Optimizer, steps: usize) -> Vec<f32> {
        let mut p = vec![0.0f32; 3];
        let mut g = vec![0.0f32; 3];
        for _ in 0..steps {
            quadratic_gradient(&p, &mut g);
            opt.step(&mut p, &g);
        }
        p
    }

    fn assert_at_minimum(p: &[f32], tol: f32) {
        for (got, want) in p.iter().zip([3.0, -2.0, 0.5]) {
            assert!(
                (got - want).abs() < tol,
                "{p:?} not within {tol} of the minimum"
            );
        }
    }

    #[test]
    fn adam_on_a_convex_quadratic_reaches_the_known_minimum() {
        let mut adam = Adam::new(0.05);
        let p = minimise(&mut adam, 3000);
        assert_at_minimum(&p, 1e-3);
    }

    #[test]
    fn adam_first_step_moves_each_coordinate_by_lr() {
        // With bias correction, m̂/√v̂ = g/|g| on step one: every coordinate moves by lr.
        let mut adam = Adam::new(0.1);
        let mut p = vec![0.0f32; 3];
        adam.step(&mut p, &[5.0, -0.001, 2.0]);
        for (got, want) in p.iter().zip([-0.1, 0.1, -0.1]) {
            assert!((got - want).abs() < 1e-4, "{p:?}");
        }
    }

    #[test]
    fn sgd_and_momentum_on_a_convex_quadratic_reach_the_known_minimum() {
        assert_at_minimum(&minimise(&mut Sgd::new(0.15), 3000), 1e-3);
        assert_at_minimum(&minimise(&mut Momentum::new(0.02, 0.9), 3000), 1e-3);
    }

    #[test]
    fn weight_decay_shrinks_the_minimum_towards_zero() {
        // With L2 decay λ the minimiser of ½a(p−c)² + ½λp² is a·c/(a+λ).
        let mut sgd = Sgd::new(0.05).with_weight_decay(1.0);
        let p = minimise(&mut sgd, 5000);
        let want = [3.0 * 1.0 / 2.0, -2.0 * 10.0 / 11.0, 0.5 * 0.1 / 1.1];
        for (got, want) in p.iter().zip(want) {
            assert!((got - want).abs() < 1e-3, "{p:?}");
        }
    }
}

/// Any of the optimisers, as one serialisable value (for configs and checkpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyOptimizer {
    Sgd(Sgd),
    Momentum(Momentum),
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
