//! The slow learners: outer loops that shape an initialisation (and, for evolution, the
//! inner learning rates) from many tasks, each charged for every training example it
//! pushes through a network — inner-loop steps included.
//!
//! * `Scratch` — a random initialisation; no outer loop (the control).
//! * `Pretrain` — joint training on pooled tasks: Adam on each task's examples in turn.
//! * `Reptile` (Nichol, Achiam, Schulman 2018) — adapt to a task, move the
//!   initialisation a fraction ε towards the adapted weights.
//! * `Fomaml` — first-order MAML (Finn, Abbeel, Levine 2017, §5.2): adapt on the
//!   support set, step the initialisation along the query gradient at the adapted
//!   weights.
//! * `Evolution` — Baldwinian evolution (Fernando et al. 2018): any strategy evolves the
//!   initialisation (plus per-layer log learning rates when `evolve_lr`); fitness is the
//!   query loss after the inner loop. With `lamarckian`, a GA writes the adapted weights
//!   back into the genome.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::family::{DigitImages, Family, FewShotTask, Phase};
use super::inner::{InnerLoop, Scratch, adapt, query_score};
use crate::evolve::{AnyStrategy, EvolveError, Population, Strategy, StrategyConfig};
use crate::net::{Loss, NetError, Network};
use crate::optim::{Adam, Optimizer};
use crate::rng::{self, Stream};
use crate::task::{Dataset, Labels};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Method {
    Scratch,
    Pretrain {
        lr: f32,
    },
    Reptile {
        /// ε, the interpolation step towards the adapted weights.
        outer_lr: f32,
        inner: InnerLoop,
    },
    Fomaml {
        /// Adam step size of the outer update.
        outer_lr: f32,
    },
    Evolution {
        strategy: StrategyConfig,
        /// Tasks per generation, shared by all members (common random numbers).
        tasks: usize,
        /// Append one log learning rate per layer to the genome (evolved plasticity).
        evolve_lr: bool,
        /// Write lifetime-adapted weights back into the genome (GA only).
        lamarckian: bool,
    },
}

/// Initial log learning rate of evolved plasticity genes: the inner loop's own rate.
fn log_lrs(layers: usize, lr: f32) -> Vec<f32> {
    vec![lr.ln(); layers]
}

/// An outer loop in progress.
pub struct Outer<'a> {
    method: Method,
    net: &'a Network,
    family: &'a Family,
    images: &'a DigitImages,
    loss: Loss,
    /// Shots per task during outer training, and the inner loop used for fitness and
    /// for MAML's adaptation.
    shots: usize,
    inner: InnerLoop,
    weights: Vec<f32>,
    lrs: Option<Vec<f32>>,
    strategy: Option<AnyStrategy>,
    adam: Adam,
    tasks: Stream,
    scratch: Scratch,
    samples: u64,
    steps: u64,
}

impl<'a> Outer<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        method: Method,
        net: &'a Network,
        family: &'a Family,
        images: &'a DigitImages,
        shots: usize,
        inner: InnerLoop,
        init: Vec<f32>,
        seed: u64,
    ) -> Result<Self, EvolveError> {
        let (_, loss) = family.head_and_loss();
        let layers = net.architecture().layers();
        let mut strategy = None;
        let mut lrs = None;
        if let Method::Evolution {
            strategy: config,
            evolve_lr,
            lamarckian,
            ..
        } = &method
        {
            if *lamarckian && !matches!(config, StrategyConfig::Ga(_)) {
                return Err(EvolveError::InvalidOption {
                    strategy: config.name(),
                    option: "lamarckian",
                    value: "true".into(),
                    expected: "a GA: only a GA keeps its members' genomes between generations"
                        .into(),
                });
            }
            let mut x0 = init.clone();
            if *evolve_lr {
                x0.extend(log_lrs(layers, inner.lr));
                lrs = Some(vec![inner.lr; layers]);
            }
            // A GA starts from independently initialised members, as in Such et al.
            let members = match config {
                StrategyConfig::Ga(c) => Some(Population::from_members(
                    (0..c.population as u64)
                        .map(|i| {
                            let mut genes = net.init(&mut rng::stream(&[seed, 0x1417, i])).genes;
                            if *evolve_lr {
                                genes.extend(log_lrs(layers, inner.lr));
                            }
                            (genes, None)
                        })
                        .collect(),
                )),
                _ => None,
            };
            strategy = Some(config.build(x0, members, rng::derive_seed(&[seed, 0x0E70]))?);
        }
        let lr = match &method {
            Method::Pretrain { lr } => *lr,
            Method::Fomaml { outer_lr } => *outer_lr,
            _ => 1e-3,
        };
        Ok(Self {
            method,
            net,
            family,
            images,
            loss,
            shots,
            inner,
            weights: init,
            lrs,
            strategy,
            adam: Adam::new(lr),
            tasks: rng::stream(&[seed, 0x7A5C]),
            scratch: Scratch::default(),
            samples: 0,
            steps: 0,
        })
    }

    /// Outer (slow) training examples consumed so far, inner-loop steps included.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Outer steps (generations for evolution) so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Whether the method has an outer loop at all.
    pub fn learns(&self) -> bool {
        self.method != Method::Scratch
    }

    /// The current initialisation, and its per-layer inner learning rates if evolved.
    pub fn init(&self) -> (&[f32], Option<&[f32]>) {
        (&self.weights, self.lrs.as_deref())
    }

    fn sample_task(&mut self) -> FewShotTask {
        self.family
            .sample(&mut self.tasks, self.shots, Phase::Train, self.images)
    }

    /// One outer step (a generation, for evolution).
    pub fn step(&mut self) -> Result<(), NetError> {
        match self.method.clone() {
            Method::Scratch => {}
            Method::Pretrain { .. } => {
                let task = self.sample_task();
                let pooled = concat(&task.support, &task.query);
                self.scratch.grad.resize(self.net.genome_len(), 0.0);
                self.net.loss_and_gradient(
                    &self.weights,
                    &pooled.inputs,
                    pooled.targets(),
                    self.loss,
                    &mut self.scratch.ws,
                    &mut self.scratch.grad,
                )?;
                self.adam.step(&mut self.weights, &self.scratch.grad);
                self.samples += pooled.len() as u64;
            }
            Method::Reptile { outer_lr, inner } => {
                let task = self.sample_task();
                let mut adapted = self.weights.clone();
                self.samples += adapt(
                    self.net,
                    &mut adapted,
                    &task.support,
                    self.loss,
                    &inner,
                    None,
                    &mut self.scratch,
                    |_, _| Ok(()),
                )?;
                for (w, a) in self.weights.iter_mut().zip(&adapted) {
                    *w += outer_lr * (a - *w);
                }
            }
            Method::Fomaml { .. } => {
                let task = self.sample_task();
                let mut adapted = self.weights.clone();
                self.samples += adapt(
                    self.net,
                    &mut adapted,
                    &task.support,
                    self.loss,
                    &self.inner,
                    None,
                    &mut self.scratch,
                    |_, _| Ok(()),
                )?;
                // First-order: the query gradient at the adapted weights stands in for
                // the gradient with respect to the initialisation.
                self.net.loss_and_gradient(
                    &adapted,
                    &task.query.inputs,
                    task.query.targets(),
                    self.loss,
                    &mut self.scratch.ws,
                    &mut self.scratch.grad,
                )?;
                self.samples += task.query.len() as u64;
                self.adam.step(&mut self.weights, &self.scratch.grad);
            }
            Method::Evolution {
                tasks,
                evolve_lr,
                lamarckian,
                ..
            } => self.generation(tasks, evolve_lr, lamarckian)?,
        }
        self.steps += 1;
        Ok(())
    }

    fn generation(
        &mut self,
        tasks: usize,
        evolve_lr: bool,
        lamarckian: bool,
    ) -> Result<(), NetError> {
        let sampled: Vec<FewShotTask> = (0..tasks).map(|_| self.sample_task()).collect();
        let (net, loss, inner) = (self.net, self.loss, &self.inner);
        let weights_len = net.genome_len();
        let strategy = self.strategy.as_mut().expect("evolution has a strategy");
        let population = strategy.ask();
        // Each member: adapt on every task's support, score on its query. Members are
        // independent, so the parallel map is deterministic.
        let scored: Vec<Result<(f32, Vec<f32>), NetError>> = (0..population.len())
            .into_par_iter()
            .map_init(Scratch::default, |scratch, i| {
                let genome = population.genome(i);
                let (init, log_lr) = genome.split_at(weights_len);
                let lrs: Option<Vec<f32>> =
                    evolve_lr.then(|| log_lr.iter().map(|l| l.clamp(-20.0, 5.0).exp()).collect());
                let mut total = 0.0f64;
                let mut adapted = init.to_vec();
                for task in &sampled {
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
                Ok(((total / sampled.len() as f64) as f32, adapted))
            })
            .collect();
        let mut fitness = Vec::with_capacity(scored.len());
        let mut adapted = Vec::with_capacity(scored.len());
        for s in scored {
            let (f, a) = s?;
            fitness.push(f);
            adapted.push(a);
        }
        let per_member: u64 = sampled
            .iter()
            .map(|t| (inner.steps * t.support.len() + t.query.len()) as u64)
            .sum();
        self.samples += per_member * fitness.len() as u64;
        if lamarckian && let AnyStrategy::Ga(ga) = strategy {
            let population = ga.population_mut();
            for (i, a) in adapted.iter().enumerate() {
                population.genome_mut(i)[..weights_len].copy_from_slice(a);
            }
        }
        strategy
            .tell(&fitness)
            .expect("one fitness value per member asked for");
        let center = strategy.center().genes;
        self.weights.copy_from_slice(&center[..weights_len]);
        if evolve_lr {
            self.lrs = Some(
                center[weights_len..]
                    .iter()
                    .map(|l| l.clamp(-20.0, 5.0).exp())
                    .collect(),
            );
        }
        Ok(())
    }

    /// The strategy, for inspection (evolution only).
    pub fn strategy(&self) -> Option<&AnyStrategy> {
        self.strategy.as_ref()
    }
}

/// Support and query of one task as one data set (pooled training).
fn concat(a: &Dataset, b: &Dataset) -> Dataset {
    let mut inputs = a.inputs.clone();
    inputs.extend_from_slice(&b.inputs);
    let labels = match (&a.labels, &b.labels) {
        (Labels::Classes { labels: x, classes }, Labels::Classes { labels: y, .. }) => {
            Labels::Classes {
                labels: x.iter().chain(y).copied().collect(),
                classes: *classes,
            }
        }
        (Labels::Values { values: x, width }, Labels::Values { values: y, .. }) => Labels::Values {
            values: x.iter().chain(y).copied().collect(),
            width: *width,
        },
        _ => unreachable!("support and query of one task share a label kind"),
    };
    Dataset {
        inputs,
        features: a.features,
        labels,
    }
}

/// One evaluation task's support size and (loss, metric) after each inner step.
type TaskCurve = (usize, Vec<(f32, f32)>);

/// Mean query loss and metric over fixed evaluation tasks, after each inner step
/// `0..=inner.steps`, for each number of shots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalPoint {
    pub shots: usize,
    pub inner_steps: usize,
    /// Support examples seen in this lifetime (shots per class × classes).
    pub lifetime_shots: usize,
    pub loss: f64,
    pub metric: f64,
}

/// Evaluate an initialisation: for each `shots`, adapt from `init` on `tasks` fixed
/// evaluation tasks (held-out classes for digits) and average the query loss and metric
/// after every inner step. Evaluation tasks depend only on (shots, index), so every
/// method and seed is scored on the same tasks. Evaluation is not charged as outer
/// samples: it is the lifetime being measured.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_init(
    net: &Network,
    family: &Family,
    images: &DigitImages,
    init: &[f32],
    lrs: Option<&[f32]>,
    inner: &InnerLoop,
    shots_list: &[usize],
    tasks: usize,
) -> Result<Vec<EvalPoint>, NetError> {
    let (_, loss) = family.head_and_loss();
    let accuracy = family.metric_is_accuracy();
    let mut points = Vec::new();
    for &shots in shots_list {
        let per_task: Vec<Result<TaskCurve, NetError>> = (0..tasks as u64)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, t| {
                let mut stream = rng::stream(&[0xE7A1, shots as u64, t]);
                let task = family.sample(&mut stream, shots, Phase::Test, images);
                let mut genes = init.to_vec();
                let mut curve = vec![query_score(
                    net,
                    &genes,
                    &task.query,
                    loss,
                    accuracy,
                    &mut scratch.ws,
                )?];
                let mut ws = crate::net::Workspace::new();
                adapt(
                    net,
                    &mut genes,
                    &task.support,
                    loss,
                    inner,
                    lrs,
                    scratch,
                    |_, g| {
                        curve.push(query_score(net, g, &task.query, loss, accuracy, &mut ws)?);
                        Ok(())
                    },
                )?;
                Ok((task.support.len(), curve))
            })
            .collect();
        let mut sums = vec![(0.0f64, 0.0f64); inner.steps + 1];
        let mut lifetime = 0;
        for result in per_task {
            let (support, curve) = result?;
            lifetime = support;
            for (s, (l, m)) in sums.iter_mut().zip(curve) {
                s.0 += l as f64;
                s.1 += m as f64;
            }
        }
        for (step, (l, m)) in sums.into_iter().enumerate() {
            points.push(EvalPoint {
                shots,
                inner_steps: step,
                lifetime_shots: lifetime,
                loss: l / tasks as f64,
                metric: m / tasks as f64,
            });
        }
    }
    Ok(points)
}
