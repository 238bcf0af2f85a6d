//! The slow learners: outer loops that shape an initialisation (and, for evolution, the
//! inner learning rates) from many tasks, each charged for every training example it
//! pushes through a network — inner-loop steps included.
//!
//! * `scratch` — a random initialisation; no outer loop (the control).
//! * `pretrain` — pre-training, then a lifetime that fits the readout (or every layer).
//!   On digits, Chen et al. 2019's "Baseline": a classifier over the base classes with
//!   their true labels, Adam on each sampled task's images; its body, under a new
//!   zero-initialised head over the task's classes, is the initialisation. On sine, joint
//!   training on pooled tasks. With `head = "cosine"` ("Baseline++") both the base
//!   classifier and the new head are cosine readouts (`net::Readout`).
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

mod checkpoint;
mod pretrain;
mod step;
use super::method::{Anneal, EvolutionMethod, Finetune, Method, SampleAxis};
use crate::evolve::{Driver, EvolveError, Group, Population, Strategy, StrategyConfig};
use crate::net::{Initializer, Loss, Network, Readout};
use crate::optim::Adam;
use crate::rng::{self, Purpose, Stream};
pub use checkpoint::OuterState;
use pretrain::BaseClassifier;

/// Initial log learning rate of evolved plasticity genes: the inner loop's own rate.
fn log_lrs(layers: usize, lr: f32) -> Vec<f32> {
    vec![lr.ln(); layers]
}

/// The evolutionary loop of an [`Outer`]: the driver and the tasks per generation.
type Evolution<'a> = Driver<Box<dyn Strategy>, LifetimeFitness<'a>>;

/// What an outer loop does each step.
enum Loop<'a> {
    Scratch,
    Pretrain {
        /// The base-class classifier (digits); `None`: pooled training of the network
        /// itself (sine).
        base: Option<Box<BaseClassifier>>,
    },
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
    /// The axis `budget` counts.
    pub axis: SampleAxis,
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
    axis: SampleAxis,
    inner: InnerLoop,
    weights: Vec<f32>,
    lrs: Option<Vec<f32>>,
    /// Whether a lifetime adapts only the readout (pre-training's `finetune = "head"`).
    frozen_body: bool,
    /// How pre-training and the lifetime read the network's scores (pre-training's
    /// `head`; the affine readout for every other method).
    readout: Readout,
    adam: Adam,
    tasks: Stream,
    scratch: Scratch,
    /// Examples drawn from the task distribution so far.
    drawn: u64,
    /// Forward passes over examples so far.
    evaluations: u64,
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
                outer.readout = c.readout();
                if c.finetune == Finetune::Head {
                    outer.frozen_body = true;
                    outer.lrs = outer.lifetime_rates(outer.inner.lr);
                }
                let base = match setting.family {
                    Family::Digits(d) => Some(Box::new(outer.base_classifier(&d.train_classes)?)),
                    Family::Sine(_) => None,
                };
                Loop::Pretrain { base }
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
            axis: setting.axis,
            inner,
            weights: init,
            lrs: None,
            frozen_body: false,
            readout: Readout::Affine,
            adam: Adam::new(1e-3),
            tasks: rng::stream(&[seed, Purpose::Tasks.key()]),
            scratch: Scratch::default(),
            drawn: 0,
            evaluations: 0,
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

    /// Per-layer learning rates of a lifetime at rate `lr`: the evolved ones when
    /// plasticity is evolved, 0 for every layer but the readout when pre-training froze
    /// the body, else `None` (every layer at `lr`).
    pub fn lifetime_rates(&self, lr: f32) -> Option<Vec<f32>> {
        if self.frozen_body {
            let layers = self.net.architecture().layers();
            let mut rates = vec![0.0; layers];
            rates[layers - 1] = lr;
            return Some(rates);
        }
        self.lrs.clone()
    }

    /// How a lifetime reads the network's scores: the cosine readout after pre-training
    /// with `head = "cosine"`, else the affine readout.
    pub fn readout(&self) -> Readout {
        self.readout
    }

    /// Outer (slow) samples so far on the budget's axis ([`Setting::axis`]).
    pub fn samples(&self) -> u64 {
        match self.axis {
            SampleAxis::Drawn => self.drawn,
            SampleAxis::Evaluations => self.evaluations,
        }
    }

    /// Distinct examples drawn from the task distribution so far, each counted once when
    /// drawn: a task's support (and query, where the loop looks at it) for the gradient
    /// loops; a generation's tasks once, however many members live on them.
    pub fn examples_drawn(&self) -> u64 {
        self.drawn
    }

    /// Forward passes over examples so far, inner-loop steps and every member included.
    pub fn example_evaluations(&self) -> u64 {
        self.evaluations
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

    /// Share an evolutionary outer loop's population with the members of `group` (see
    /// [`Driver::share`]); other outer loops have no population and ignore it.
    pub fn share(&mut self, group: Box<dyn Group>) {
        if let Loop::Evolution { driver, .. } = &mut self.run {
            driver.share(group);
        }
    }

    /// The strategy of an evolutionary outer loop, for inspection.
    pub fn strategy_mut(&mut self) -> Option<&mut dyn Strategy> {
        match &mut self.run {
            Loop::Evolution { driver, .. } => Some(driver.strategy_mut().as_mut()),
            _ => None,
        }
    }
}
