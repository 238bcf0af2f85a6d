//! The slow learners: outer loops that shape an initialisation (and, for evolution, the
//! inner learning rates) from many tasks, each charged for every training example it
//! pushes through a network — inner-loop steps included.
//!
//! * `scratch` — a random initialisation; no outer loop (the control).
//! * `pretrain` — joint training on pooled tasks: Adam on each task's examples in turn.
//! * `reptile` (Nichol, Achiam, Schulman 2018) — adapt to a task, move the
//!   initialisation a fraction ε towards the adapted weights (ε constant or annealed
//!   linearly to 0 over the budget).
//! * `fomaml` — first-order MAML (Finn, Abbeel, Levine 2017, §5.2): adapt on the
//!   support set, step the initialisation along the query gradient at the adapted
//!   weights.
//! * `maml` — MAML with the exact meta-gradient, backpropagated through the inner SGD
//!   steps with Hessian-vector products (`meta::maml`).
//!
//! Reptile and both MAMLs average their update over a meta-batch of tasks.
//! * `evolution` — Baldwinian evolution (Fernando et al. 2018): any [`Strategy`] evolves
//!   the initialisation (plus per-layer log learning rates when `evolve_lr`) through the
//!   crate's one evolution loop ([`Driver`]) with a [`LifetimeFitness`]. With
//!   `lamarckian`, adapted weights are written back into a GA's genomes.

use super::family::{DigitImages, Family, FewShotTask, Phase};
use super::inner::{InnerLoop, InnerOptimizer, Scratch, adapt};
use super::lifetime::{LifetimeFitness, rates};
use super::maml::maml_gradient;
use super::method::{Anneal, EvolutionMethod, Method};
use crate::evolve::{Driver, DriverError, EvolveError, Population, Strategy, StrategyConfig};
use crate::net::{Initializer, Loss, NetError, Network};
use crate::optim::{Adam, Optimizer};
use crate::rng::{self, Purpose, Stream};
use crate::task::{Dataset, Labels};

/// Initial log learning rate of evolved plasticity genes: the inner loop's own rate.
fn log_lrs(layers: usize, lr: f32) -> Vec<f32> {
    vec![lr.ln(); layers]
}

/// The evolutionary loop of an [`Outer`]: the driver and the tasks per generation.
type Evolution<'a> = Driver<Box<dyn Strategy>, LifetimeFitness<'a>>;

/// What an outer loop does each step.
enum Loop<'a> {
    Scratch,
    Pretrain,
    Reptile {
        outer_lr: f32,
        meta_batch: usize,
        anneal: Anneal,
    },
    Maml {
        meta_batch: usize,
        second_order: bool,
    },
    Evolution {
        driver: Box<Evolution<'a>>,
        tasks: usize,
        evolve_lr: bool,
    },
}

/// What every outer loop of an experiment shares: the network it shapes, where its tasks
/// come from, and the lifetime it prepares for.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a> {
    /// The network whose initialisation is learned.
    pub net: &'a Network,
    /// The task family.
    pub family: &'a Family,
    /// The digit images (empty for sine).
    pub images: &'a DigitImages,
    /// Shots per task during outer training.
    pub shots: usize,
    /// The outer-sample budget (Reptile's linear anneal reaches ε = 0 there).
    pub budget: u64,
    /// How a GA's independent members are initialised.
    pub init: Initializer,
}

/// An outer loop in progress.
pub struct Outer<'a> {
    run: Loop<'a>,
    net: &'a Network,
    family: &'a Family,
    images: &'a DigitImages,
    loss: Loss,
    /// Shots per task during outer training, and the inner loop used for fitness and
    /// for MAML's and Reptile's adaptation.
    shots: usize,
    budget: u64,
    inner: InnerLoop,
    weights: Vec<f32>,
    lrs: Option<Vec<f32>>,
    adam: Adam,
    tasks: Stream,
    scratch: Scratch,
    samples: u64,
    steps: u64,
}

impl<'a> Outer<'a> {
    /// The outer loop `method` in `setting` with lifetime `inner`, from the
    /// initialisation `init`; `seed` names its task and strategy streams. An evolution
    /// method builds its strategy from its configuration (a GA starts from independently
    /// initialised members, as in Such et al. 2017).
    pub fn new(
        method: Method,
        setting: Setting<'a>,
        inner: InnerLoop,
        init: Vec<f32>,
        seed: u64,
    ) -> Result<Self, EvolveError> {
        let net = setting.net;
        let mut outer = Self::base(setting, inner, init, seed);
        let second_order = matches!(method, Method::Maml(_));
        outer.run = match method {
            Method::Scratch(_) => Loop::Scratch,
            Method::Pretrain(c) => {
                outer.adam = Adam::new(c.lr);
                Loop::Pretrain
            }
            Method::Reptile(c) => Loop::Reptile {
                outer_lr: c.outer_lr,
                meta_batch: c.meta_batch,
                anneal: c.anneal,
            },
            Method::Fomaml(c) | Method::Maml(c) => {
                if second_order && outer.inner.optimizer != InnerOptimizer::Sgd {
                    return Err(EvolveError::InvalidOption {
                        strategy: "maml",
                        option: "inner_optimizer",
                        value: "adam".into(),
                        expected: "sgd: the exact meta-gradient differentiates through SGD steps"
                            .into(),
                    });
                }
                outer.adam = Adam::new(c.outer_lr);
                Loop::Maml {
                    meta_batch: c.meta_batch,
                    second_order,
                }
            }
            Method::Evolution(e) => {
                let layers = net.architecture().layers();
                let lr = outer.inner.lr;
                let plasticity = |mut genes: Vec<f32>| {
                    if e.evolve_lr {
                        genes.extend(log_lrs(layers, lr));
                    }
                    genes
                };
                let members = matches!(e.strategy, StrategyConfig::Ga(_)).then(|| {
                    let count = e.strategy.population().unwrap_or(0) as u64;
                    Population::from_members(
                        (0..count)
                            .map(|i| {
                                let stream = &mut rng::stream(&[seed, Purpose::Init.key(), i]);
                                (plasticity(net.init_with(setting.init, stream).genes), None)
                            })
                            .collect(),
                    )
                });
                let x0 = plasticity(outer.weights.clone());
                let strategy = e.strategy.build(
                    x0,
                    members,
                    rng::derive_seed(&[seed, Purpose::Strategy.key()]),
                )?;
                return outer.evolving(Box::new(strategy), e.tasks, e.evolve_lr, e.lamarckian);
            }
        };
        Ok(outer)
    }

    /// An evolutionary outer loop driven by any strategy — the crate's or the caller's
    /// own — with `tasks` tasks per generation. Its genomes are the network's genes,
    /// followed by one log learning rate per layer when `evolve_lr`; its current answer
    /// is the strategy's centre.
    pub fn with_strategy(
        strategy: Box<dyn Strategy>,
        method: &EvolutionMethod,
        setting: Setting<'a>,
        inner: InnerLoop,
        seed: u64,
    ) -> Result<Self, EvolveError> {
        let init = strategy.center().genes[..setting.net.genome_len()].to_vec();
        Self::base(setting, inner, init, seed).evolving(
            strategy,
            method.tasks,
            method.evolve_lr,
            method.lamarckian,
        )
    }

    fn base(setting: Setting<'a>, inner: InnerLoop, init: Vec<f32>, seed: u64) -> Self {
        let (_, loss) = setting.family.head_and_loss();
        Self {
            run: Loop::Scratch,
            net: setting.net,
            family: setting.family,
            images: setting.images,
            loss,
            shots: setting.shots,
            budget: setting.budget,
            inner,
            weights: init,
            lrs: None,
            adam: Adam::new(1e-3),
            tasks: rng::stream(&[seed, Purpose::Tasks.key()]),
            scratch: Scratch::default(),
            samples: 0,
            steps: 0,
        }
    }

    fn evolving(
        mut self,
        mut strategy: Box<dyn Strategy>,
        tasks: usize,
        evolve_lr: bool,
        lamarckian: bool,
    ) -> Result<Self, EvolveError> {
        if lamarckian && strategy.population_mut().is_none() {
            return Err(EvolveError::InvalidOption {
                strategy: strategy.name(),
                option: "lamarckian",
                value: "true".into(),
                expected: "a GA: only a GA keeps its members' genomes between generations".into(),
            });
        }
        if evolve_lr {
            self.lrs = Some(vec![self.inner.lr; self.net.architecture().layers()]);
        }
        let fitness = LifetimeFitness::new(
            self.net,
            self.loss,
            self.inner.clone(),
            evolve_lr,
            lamarckian,
        );
        self.run = Loop::Evolution {
            driver: Box::new(Driver::new(strategy, fitness)),
            tasks,
            evolve_lr,
        };
        Ok(self)
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
        !matches!(self.run, Loop::Scratch)
    }

    /// Whether the initialisation (and evolved learning rates) are all finite. A loop
    /// that went NaN or infinite stays so: the caller records the run as diverged.
    pub fn healthy(&self) -> bool {
        self.weights.iter().all(|w| w.is_finite())
            && self
                .lrs
                .as_ref()
                .is_none_or(|lrs| lrs.iter().all(|l| l.is_finite()))
    }

    /// The current initialisation, and its per-layer inner learning rates if evolved.
    pub fn init(&self) -> (&[f32], Option<&[f32]>) {
        (&self.weights, self.lrs.as_deref())
    }

    /// The strategy of an evolutionary outer loop, for inspection.
    pub fn strategy_mut(&mut self) -> Option<&mut dyn Strategy> {
        match &mut self.run {
            Loop::Evolution { driver, .. } => Some(driver.strategy_mut().as_mut()),
            _ => None,
        }
    }

    fn sample_task(&mut self) -> FewShotTask {
        self.family
            .sample(&mut self.tasks, self.shots, Phase::Train, self.images)
    }

    /// One outer step (a generation, for evolution).
    pub fn step(&mut self) -> Result<(), NetError> {
        match &self.run {
            Loop::Scratch => {}
            Loop::Pretrain => {
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
            &Loop::Reptile {
                outer_lr,
                meta_batch,
                anneal,
            } => {
                let epsilon = match anneal {
                    Anneal::None => outer_lr,
                    Anneal::Linear => {
                        let done = self.samples as f64 / self.budget.max(1) as f64;
                        outer_lr * (1.0 - done).max(0.0) as f32
                    }
                };
                // The mean of the meta-batch's adapted weights (Nichol et al. 2018, alg. 2).
                let mut mean = vec![0.0f32; self.weights.len()];
                for _ in 0..meta_batch {
                    let task = self.sample_task();
                    let mut adapted = self.weights.clone();
                    self.samples += self.adapt(&mut adapted, &task.support)?;
                    mean.iter_mut().zip(&adapted).for_each(|(m, a)| *m += a);
                }
                let tasks = meta_batch as f32;
                for (w, m) in self.weights.iter_mut().zip(&mean) {
                    *w += epsilon * (m / tasks - *w);
                }
            }
            &Loop::Maml {
                meta_batch,
                second_order,
            } => {
                let mut mean = vec![0.0f32; self.weights.len()];
                for _ in 0..meta_batch {
                    let task = self.sample_task();
                    self.samples += self.meta_gradient(&task, second_order)?;
                    mean.iter_mut()
                        .zip(&self.scratch.grad)
                        .for_each(|(m, g)| *m += g);
                }
                let tasks = meta_batch as f32;
                mean.iter_mut().for_each(|m| *m /= tasks);
                self.adam.step(&mut self.weights, &mean);
            }
            &Loop::Evolution { tasks, .. } => self.generation(tasks)?,
        }
        self.steps += 1;
        Ok(())
    }

    /// One task's meta-gradient into `scratch.grad`; returns the examples consumed.
    fn meta_gradient(&mut self, task: &FewShotTask, second_order: bool) -> Result<u64, NetError> {
        if second_order {
            let mut grad = std::mem::take(&mut self.scratch.grad);
            grad.resize(self.net.genome_len(), 0.0);
            let (_, examples) = maml_gradient(
                self.net,
                &self.weights,
                task,
                self.loss,
                &self.inner,
                &mut self.scratch,
                &mut grad,
            )?;
            self.scratch.grad = grad;
            return Ok(examples);
        }
        let mut adapted = self.weights.clone();
        let examples = self.adapt(&mut adapted, &task.support)?;
        // First-order: the query gradient at the adapted weights stands in for the
        // gradient with respect to the initialisation.
        self.net.loss_and_gradient(
            &adapted,
            &task.query.inputs,
            task.query.targets(),
            self.loss,
            &mut self.scratch.ws,
            &mut self.scratch.grad,
        )?;
        Ok(examples + task.query.len() as u64)
    }

    fn adapt(&mut self, genes: &mut [f32], support: &Dataset) -> Result<u64, NetError> {
        let (net, loss) = (self.net, self.loss);
        adapt(
            net,
            genes,
            support,
            loss,
            &self.inner,
            None,
            &mut self.scratch,
            |_, _| Ok(()),
        )
    }

    fn generation(&mut self, tasks: usize) -> Result<(), NetError> {
        let sampled: Vec<FewShotTask> = (0..tasks).map(|_| self.sample_task()).collect();
        let weights_len = self.net.genome_len();
        let Loop::Evolution {
            driver, evolve_lr, ..
        } = &mut self.run
        else {
            unreachable!("called for evolution only")
        };
        driver.fitness_mut().tasks = sampled;
        let report = driver.step().map_err(|e| match e {
            DriverError::Fitness(e) => e,
            DriverError::Strategy(e) => unreachable!("one fitness value per member: {e}"),
        })?;
        self.samples += report.example_evaluations;
        let center = driver.strategy().center().genes;
        self.weights.copy_from_slice(&center[..weights_len]);
        if *evolve_lr {
            self.lrs = Some(rates(&center[weights_len..]));
        }
        Ok(())
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
