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

use super::family::{DigitImages, Family};
use super::inner::{InnerLoop, InnerOptimizer, Scratch};
use super::lifetime::LifetimeFitness;

mod step;
use super::method::{Anneal, EvolutionMethod, Method};
use crate::evolve::{Driver, EvolveError, Population, Strategy, StrategyConfig};
use crate::net::{Initializer, Loss, Network};
use crate::optim::Adam;
use crate::rng::{self, Purpose, Stream};

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
}
