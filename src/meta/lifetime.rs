//! The fitness of an evolved initialisation: live a lifetime on each of a generation's
//! tasks — adapt on its support set — and score the query loss afterwards (Baldwinian
//! evolution, Hinton & Nowlan 1987; Fernando et al. 2018). Optionally the adapted weights
//! are written back into the genome (Lamarckian inheritance).
//!
//! Where the lane kernels apply (a dense regression network, mean squared error, plain
//! SGD: `net::LanePlan`), members live their lifetimes [`LANES`](crate::net::LANES) at a
//! time, one per SIMD lane (`lanes`); otherwise one by one through `adapt`. The two paths
//! agree within float rounding (the lane kernels sum in another order), not bit for bit;
//! each gives the same bits for any thread count.

mod lanes;

use rayon::prelude::*;

use super::family::FewShotTask;
use super::inner::{InnerLoop, InnerOptimizer, Scratch, adapt, query_score};
use crate::evolve::{Consumed, Fitness, Population};
use crate::net::{LanePlan, Loss, NetError, Network};

/// Log learning rates are clamped to this range before `exp`, so that an evolved rate
/// can neither underflow to 0 nor overflow.
const LOG_LR_RANGE: (f32, f32) = (-20.0, 5.0);

/// A learning rate from an evolved log learning rate.
fn rate(log_lr: f32) -> f32 {
    log_lr.clamp(LOG_LR_RANGE.0, LOG_LR_RANGE.1).exp()
}

/// Per-layer learning rates from evolved log learning rates.
pub(crate) fn rates(log_lrs: &[f32]) -> Vec<f32> {
    log_lrs.iter().map(|&l| rate(l)).collect()
}

/// Query loss after a lifetime, averaged over the generation's tasks. A genome is the
/// network's genes, then — with evolved plasticity — one log learning rate per layer.
pub struct LifetimeFitness<'a> {
    net: &'a Network,
    loss: Loss,
    inner: InnerLoop,
    evolve_lr: bool,
    lamarckian: bool,
    /// The tasks of the coming generation, shared by every member.
    pub tasks: Vec<FewShotTask>,
    /// Each member's weights at the end of its lifetime on the last task.
    adapted: Vec<Vec<f32>>,
    /// The lane kernels' plan, where they apply and are not turned off.
    lanes: Option<LanePlan>,
}

impl<'a> LifetimeFitness<'a> {
    /// Fitness of initialisations of `net` under the lifetime `inner`.
    pub fn new(
        net: &'a Network,
        loss: Loss,
        inner: InnerLoop,
        evolve_lr: bool,
        lamarckian: bool,
    ) -> Self {
        Self {
            net,
            loss,
            evolve_lr,
            lamarckian,
            // By default only regression lifetimes take the lanes: on digits (64-32-5,
            // 25 support rows) the lane path measured 1.6–1.9× slower than member by
            // member, whose products are wide enough for the row-major kernels
            // (benches/lifetime.rs, `baldwinian_digits_generation`).
            lanes: LanePlan::new(net, loss)
                .filter(|_| inner.optimizer == InnerOptimizer::Sgd && loss == Loss::Mse),
            tasks: Vec::new(),
            adapted: Vec::new(),
            inner,
        }
    }

    /// With `false`, every member lives its lifetime alone through `adapt`, even where the
    /// lane kernels apply (the reference they are tested against). `true` turns them on
    /// wherever they apply: regression lifetimes (the default) and softmax cross-entropy
    /// ones (off by default: slower on digits, see [`LifetimeFitness::new`]).
    pub fn with_lanes(mut self, lanes: bool) -> Self {
        self.lanes = LanePlan::new(self.net, self.loss)
            .filter(|_| lanes && self.inner.optimizer == InnerOptimizer::Sgd);
        self
    }

    /// Whether the lane kernels evaluate the population.
    pub fn uses_lanes(&self) -> bool {
        self.lanes.is_some()
    }

    /// Each member's genes at the end of its lifetime on the last task of the last
    /// evaluation, in population order. The lane path keeps them only under Lamarckian
    /// inheritance, their one use; then it is empty.
    pub fn adapted(&self) -> &[Vec<f32>] {
        &self.adapted
    }
}

impl Fitness for LifetimeFitness<'_> {
    type Error = NetError;

    fn evaluate(
        &mut self,
        _generation: u64,
        population: &Population,
        fitness: &mut [f32],
    ) -> Result<Consumed, NetError> {
        let (net, loss, inner, tasks) = (self.net, self.loss, &self.inner, &self.tasks);
        let weights = net.genome_len();
        let evolve_lr = self.evolve_lr;
        if let Some(plan) = self.lanes.as_ref() {
            lanes::evaluate(
                plan,
                population,
                tasks,
                inner,
                evolve_lr,
                self.lamarckian,
                fitness,
                &mut self.adapted,
            )?;
            return Ok(consumed(tasks, inner, population.len()));
        }
        // Each member adapts on every task's support and is scored on its query. Members
        // are independent, so the parallel map is deterministic.
        let scored: Vec<Result<(f32, Vec<f32>), NetError>> = (0..population.len())
            .into_par_iter()
            .map_init(Scratch::default, |scratch, i| {
                let (init, log_lrs) = population.genome(i).split_at(weights);
                let lrs = evolve_lr.then(|| rates(log_lrs));
                let mut total = 0.0f64;
                let mut adapted = init.to_vec();
                for task in tasks {
                    adapted.copy_from_slice(init);
                    adapt(
                        net,
                        &mut adapted,
                        &task.support,
                        loss,
                        inner,
                        lrs.as_deref(),
                        scratch,
                        |_, _| Ok(()),
                    )?;
                    let (query_loss, _) =
                        query_score(net, &adapted, &task.query, loss, false, &mut scratch.ws)?;
                    total += query_loss as f64;
                }
                Ok(((total / tasks.len().max(1) as f64) as f32, adapted))
            })
            .collect();
        self.adapted.clear();
        for (f, s) in fitness.iter_mut().zip(scored) {
            let (value, adapted) = s?;
            *f = value;
            self.adapted.push(adapted);
        }
        Ok(consumed(tasks, inner, population.len()))
    }

    fn writes_back(&self) -> bool {
        self.lamarckian
    }

    fn write_back(&mut self, population: &mut Population) {
        if !self.lamarckian {
            return;
        }
        let weights = self.net.genome_len();
        for (i, adapted) in self.adapted.iter().enumerate() {
            population.genome_mut(i)[..weights].copy_from_slice(adapted);
        }
    }
}

/// What a generation consumes: its tasks drawn once; every member's lifetime evaluations.
fn consumed(tasks: &[FewShotTask], inner: &InnerLoop, members: usize) -> Consumed {
    let drawn: u64 = tasks
        .iter()
        .map(|t| (t.support.len() + t.query.len()) as u64)
        .sum();
    let per_member: u64 = tasks
        .iter()
        .map(|t| (inner.steps * t.support.len() + t.query.len()) as u64)
        .sum();
    Consumed {
        examples_drawn: drawn,
        example_evaluations: per_member * members as u64,
    }
}
