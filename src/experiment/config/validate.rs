//! Validation: turns the raw file into an [`Experiment`], checking every range and
//! cross-key rule once, with errors that point at the offending key.

use std::ops::Range;

use toml::Spanned;

use super::raw::*;
use super::{
    Arm, Budget, Experiment, Learner, Metric, NetworkSpec, StrategySpec, TaskSpec, build_network,
};
use crate::evolve::{
    CmaEsConfig, Covariance, Crossover, FitnessShaping, GaConfig, OpenAiEsConfig, Selection,
    SnesConfig,
};
use crate::experiment::error::{ConfigError, Source};
use crate::net::{Activation, TyingPreset};
use crate::task::{DEFAULT_MOTIF, DEFAULT_STRING_LENGTH, Split, TaskKind};

pub(in crate::experiment) struct Validator<'a> {
    pub(in crate::experiment) source: &'a Source<'a>,
}

/// `Some(value)` unless absent; the span for errors.
pub(in crate::experiment) fn value<T: Clone>(v: &Option<Spanned<T>>) -> Option<(T, Range<usize>)> {
    v.as_ref().map(|s| (s.get_ref().clone(), s.span()))
}

impl Validator<'_> {
    pub(in crate::experiment) fn check(
        &self,
        ok: bool,
        span: Range<usize>,
        key: &str,
        message: &str,
    ) -> Result<(), ConfigError> {
        if ok {
            Ok(())
        } else {
            Err(self.source.error(span, key, message))
        }
    }

    fn tile(&self, raw: &Option<Spanned<[usize; 2]>>) -> Result<Option<[usize; 2]>, ConfigError> {
        match value(raw) {
            Some((t, s)) => {
                let ok = t[0] >= 1 && t[1] >= 1;
                self.check(ok, s, "tile", "both sides must be at least 1")?;
                Ok(Some(t))
            }
            None => Ok(None),
        }
    }

    /// An experiment name: it names the results folder, so nothing that could leave it.
    pub(in crate::experiment) fn experiment_name(
        &self,
        raw: &Spanned<String>,
    ) -> Result<String, ConfigError> {
        let name = raw.get_ref().trim().to_string();
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        self.check(
            ok,
            raw.span(),
            "name",
            "must be non-empty and use only letters, digits, '-' and '_' (it names the results folder)",
        )?;
        Ok(name)
    }

    /// An optional whole number in `range` (`default` when absent).
    pub(in crate::experiment) fn count(
        &self,
        raw: &Option<Spanned<usize>>,
        key: &str,
        default: usize,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, ConfigError> {
        let Some((n, span)) = value(raw) else {
            return Ok(default);
        };
        let message = if *range.end() == usize::MAX {
            format!("must be at least {}", range.start())
        } else {
            format!("must be between {} and {}", range.start(), range.end())
        };
        self.check(range.contains(&n), span, key, &message)?;
        Ok(n)
    }

    /// An arm's name must differ from every arm before it.
    pub(in crate::experiment) fn unique_arm_name(
        &self,
        earlier: impl IntoIterator<Item = impl AsRef<str>>,
        raw_arm: &Spanned<RawArm>,
    ) -> Result<(), ConfigError> {
        let name = raw_arm.get_ref().name.get_ref().trim();
        if earlier.into_iter().any(|a| a.as_ref() == name) {
            return Err(self.source.error(
                raw_arm.get_ref().name.span(),
                "name",
                format!("two arms are named `{name}`; arm names must be unique"),
            ));
        }
        Ok(())
    }

    /// Runs per arm; 5 when absent.
    pub(in crate::experiment) fn seeds(
        &self,
        raw: &Option<Spanned<u64>>,
    ) -> Result<u64, ConfigError> {
        match raw {
            Some(s) => {
                self.check(*s.get_ref() >= 1, s.span(), "seeds", "must be at least 1")?;
                Ok(*s.get_ref())
            }
            None => Ok(5),
        }
    }

    pub(in crate::experiment) fn experiment(
        &self,
        raw: RawExperiment,
    ) -> Result<Experiment, ConfigError> {
        let name = self.experiment_name(&raw.name)?;
        let seeds = self.seeds(&raw.seeds)?;
        let task_span = raw.task.span();
        let task = self.task(raw.task.into_inner())?;
        let data = task.build();
        let network = self.network(&raw.network)?;
        if let Err(e) = build_network(&network, network.tying, network.tile, &task, &data) {
            let span = raw
                .network
                .tile
                .as_ref()
                .map(|t| t.span())
                .or(raw.network.hidden.as_ref().map(|h| h.span()))
                .unwrap_or(task_span.clone());
            let key = if raw.network.tile.is_some() {
                "tile"
            } else {
                "hidden"
            };
            return Err(self.source.error(span, key, e.to_string()));
        }
        let budget_span = raw.budget.span();
        let budget = self.budget(raw.budget.into_inner(), task.metric())?;
        if raw.arms.is_empty() {
            return Err(self.source.general(
                Some(budget_span.start..budget_span.start),
                "the experiment has no [[arm]] tables; add at least one learner to compare",
            ));
        }
        let mut arms: Vec<Arm> = Vec::new();
        for raw_arm in &raw.arms {
            self.unique_arm_name(arms.iter().map(|a: &Arm| a.name.clone()), raw_arm)?;
            let arm = self.arm(raw_arm, &network, &task, &data)?;
            arms.push(arm);
        }
        Ok(Experiment {
            name,
            description: raw.description,
            seeds,
            task,
            network,
            budget,
            arms,
        })
    }

    fn task(&self, raw: RawTask) -> Result<TaskSpec, ConfigError> {
        let kind = *raw.kind.get_ref();
        // Keys that apply to each task kind; anything else is an error.
        let applies: &[&str] = match kind {
            TaskKind::Xor | TaskKind::Digits => &[],
            TaskKind::Parity => &["bits"],
            TaskKind::Spirals => &["points", "noise", "seed"],
            TaskKind::Sine => &["train", "test", "seed"],
            TaskKind::Motif => &["length", "motif", "train", "test", "seed"],
            TaskKind::Mirror => &["length", "train", "test", "seed"],
        };
        let given: [(&str, Option<Range<usize>>); 7] = [
            ("bits", raw.bits.as_ref().map(|s| s.span())),
            ("points", raw.points.as_ref().map(|s| s.span())),
            ("noise", raw.noise.as_ref().map(|s| s.span())),
            ("length", raw.length.as_ref().map(|s| s.span())),
            ("motif", raw.motif.as_ref().map(|s| s.span())),
            ("train", raw.train.as_ref().map(|s| s.span())),
            ("test", raw.test.as_ref().map(|s| s.span())),
        ];
        for (key, span) in given {
            if let Some(span) = span
                && !applies.contains(&key)
            {
                let mut e = self.source.error(
                    span,
                    key,
                    format!("does not apply to task `{}`", kind.name()),
                );
                e.allowed = Some(if applies.is_empty() {
                    "no task keys besides `kind`".into()
                } else {
                    applies.join(", ")
                });
                return Err(e);
            }
        }
        let bits = value(&raw.bits).map_or(Ok(6), |(b, s)| {
            self.check((2..=16).contains(&b), s, "bits", "must be between 2 and 16")
                .map(|_| b)
        })?;
        let points = value(&raw.points).map_or(Ok(200), |(p, s)| {
            self.check(p >= 2, s, "points", "must be at least 2")
                .map(|_| p)
        })?;
        let noise = value(&raw.noise).map_or(Ok(0.05), |(n, s)| {
            self.check(
                n >= 0.0 && n.is_finite(),
                s,
                "noise",
                "must be finite and >= 0",
            )
            .map(|_| n)
        })?;
        let length = value(&raw.length).map_or(Ok(DEFAULT_STRING_LENGTH), |(l, s)| {
            self.check(
                (2..=64).contains(&l),
                s,
                "length",
                "must be between 2 and 64",
            )
            .map(|_| l)
        })?;
        let motif = value(&raw.motif).map_or(Ok(DEFAULT_MOTIF.to_vec()), |(m, s)| {
            self.check(
                !m.is_empty() && m.len() <= length && m.iter().all(|&b| b <= 1),
                s,
                "motif",
                "must be a non-empty list of 0s and 1s no longer than `length`",
            )
            .map(|_| m)
        })?;
        let default_train = if kind == TaskKind::Sine { 200 } else { 1000 };
        let train = value(&raw.train).map_or(Ok(default_train), |(t, s)| {
            self.check(t >= 1, s, "train", "must be at least 1")
                .map(|_| t)
        })?;
        let test = value(&raw.test).map_or(Ok(500), |(t, s)| {
            self.check(t >= 1, s, "test", "must be at least 1")
                .map(|_| t)
        })?;
        Ok(TaskSpec {
            kind,
            bits,
            points,
            noise,
            length,
            motif,
            train,
            test,
            seed: raw.seed.unwrap_or(0),
        })
    }

    pub(in crate::experiment) fn network(
        &self,
        raw: &RawNetwork,
    ) -> Result<NetworkSpec, ConfigError> {
        let hidden = value(&raw.hidden).map_or(Ok(vec![32]), |(h, s)| {
            self.check(
                h.iter().all(|&n| n >= 1),
                s,
                "hidden",
                "every hidden layer needs at least one unit",
            )
            .map(|_| h)
        })?;
        let tile = self.tile(&raw.tile)?;
        Ok(NetworkSpec {
            hidden,
            activation: raw.activation.unwrap_or(Activation::Tanh),
            tying: raw.tying.unwrap_or(TyingPreset::None),
            tile,
        })
    }

    fn budget(&self, raw: RawBudget, metric: Metric) -> Result<Budget, ConfigError> {
        self.check(
            *raw.samples.get_ref() >= 1,
            raw.samples.span(),
            "samples",
            "must be at least 1",
        )?;
        let checkpoints = value(&raw.checkpoints).map_or(Ok(40), |(c, s)| {
            self.check(
                (2..=10_000).contains(&c),
                s,
                "checkpoints",
                "must be between 2 and 10000",
            )
            .map(|_| c)
        })?;
        let target = match value(&raw.target) {
            Some((t, s)) => {
                let ok = match metric {
                    Metric::Accuracy => (0.0..=1.0).contains(&t),
                    Metric::Loss => t.is_finite() && t >= 0.0,
                };
                self.check(
                    ok,
                    s,
                    "target",
                    "must be an accuracy in [0, 1] (a test loss >= 0 for regression tasks)",
                )?;
                Some(t)
            }
            None => None,
        };
        Ok(Budget {
            samples: *raw.samples.get_ref(),
            checkpoints,
            target,
        })
    }

    fn arm(
        &self,
        raw_arm: &Spanned<RawArm>,
        network: &NetworkSpec,
        task: &TaskSpec,
        data: &Split,
    ) -> Result<Arm, ConfigError> {
        let raw = raw_arm.get_ref();
        let name = raw.name.get_ref().trim().to_string();
        self.check(
            !name.is_empty(),
            raw.name.span(),
            "name",
            "must not be empty",
        )?;
        let tying = raw.tying.unwrap_or(network.tying);
        let tile = self.tile(&raw.tile)?.or(network.tile);
        if let Err(e) = build_network(network, tying, tile, task, data) {
            let span = raw
                .tile
                .as_ref()
                .map(|t| t.span())
                .unwrap_or(raw_arm.span());
            return Err(self.source.error(span, "tile", e.to_string()));
        }
        let Some(learner) = &raw.learner else {
            let mut e = self.source.error(
                raw.name.span(),
                "learner",
                "every [[arm]] needs a `learner`",
            );
            e.allowed = Some("gradient, evolution".into());
            return Err(e);
        };
        let batch_default = match learner.get_ref() {
            LearnerKind::Gradient => 32,
            LearnerKind::Evolution => 64,
        };
        let batch =
            value(&raw.batch).map_or(Ok(batch_default.min(data.train.len())), |(b, s)| {
                self.check(
                    b >= 1 && b <= data.train.len(),
                    s,
                    "batch",
                    &format!(
                        "must be between 1 and the training set size ({})",
                        data.train.len()
                    ),
                )
                .map(|_| b)
            })?;
        let weight_decay = value(&raw.weight_decay).map_or(Ok(0.0), |(w, s)| {
            self.check(w >= 0.0 && w.is_finite(), s, "weight_decay", "must be >= 0")
                .map(|_| w)
        })?;
        let spans = ArmKeys::of(raw);
        let learner = match learner.get_ref() {
            LearnerKind::Gradient => {
                self.only(&spans, GRADIENT_KEYS, "gradient")?;
                let optimizer = raw
                    .optimizer
                    .as_ref()
                    .map_or(OptimizerKind::Adam, |o| *o.get_ref());
                let default_lr = if optimizer == OptimizerKind::Adam {
                    0.001
                } else {
                    0.05
                };
                Learner::Gradient {
                    optimizer,
                    lr: self.positive(&raw.lr, "lr", default_lr)?,
                    momentum: self.rate(&raw.momentum, "momentum", 0.9)?,
                    weight_decay,
                    batch,
                }
            }
            LearnerKind::Evolution => {
                let genes = build_network(network, tying, tile, task, data)
                    .expect("checked above")
                    .genome_len();
                let spec = self.strategy(raw_arm, genes, weight_decay, &[])?;
                Learner::Evolution {
                    strategy: spec,
                    batch,
                }
            }
        };
        Ok(Arm {
            name,
            tying,
            tile,
            learner,
        })
    }

    /// The strategy of an evolution arm; `extra` lists further keys the arm may hold.
    pub(in crate::experiment) fn strategy(
        &self,
        raw_arm: &Spanned<RawArm>,
        genes: usize,
        weight_decay: f32,
        extra: &[&str],
    ) -> Result<StrategySpec, ConfigError> {
        let raw = raw_arm.get_ref();
        let positive =
            |v: &Option<Spanned<f32>>, key: &str, default: f32| self.positive(v, key, default);
        let rate = |v: &Option<Spanned<f32>>, key: &str, default: f32| self.rate(v, key, default);
        let Some(strategy) = &raw.strategy else {
            let mut e = self.source.error(
                raw_arm.span(),
                "strategy",
                "an evolution arm needs a `strategy`",
            );
            e.allowed = Some("ga, openai_es, snes, cma_es, sep_cma_es".into());
            return Err(e);
        };
        let kind = *strategy.get_ref();
        let allowed = match kind {
            StrategyKind::Ga => GA_KEYS,
            StrategyKind::OpenAiEs => OPENAI_ES_KEYS,
            StrategyKind::Snes | StrategyKind::CmaEs | StrategyKind::SepCmaEs => SNES_CMA_KEYS,
        };
        let mut keys = allowed.to_vec();
        keys.extend_from_slice(extra);
        self.only(&ArmKeys::of(raw), &keys, strategy_name(kind))?;
        let population = value(&raw.population);
        if let Some((p, s)) = &population {
            let min = if matches!(kind, StrategyKind::CmaEs | StrategyKind::SepCmaEs) {
                4
            } else {
                2
            };
            self.check(
                *p >= min,
                s.clone(),
                "population",
                &format!("must be at least {min}"),
            )?;
        }
        let population_or = |default: usize| population.as_ref().map_or(default, |p| p.0);
        let spec = match kind {
            StrategyKind::Ga => {
                let population = population_or(128);
                let elite = value(&raw.elite).map_or(Ok(1), |(e, s)| {
                    self.check(e < population, s, "elite", "must be below `population`")
                        .map(|_| e)
                })?;
                let selection = match raw.selection.as_ref().map(|s| *s.get_ref()) {
                    Some(SelectionKind::Tournament) => Selection::Tournament {
                        size: value(&raw.tournament).map_or(Ok(4), |(t, s)| {
                            self.check(t >= 1, s, "tournament", "must be at least 1")
                                .map(|_| t)
                        })?,
                    },
                    _ => Selection::Truncation {
                        fraction: rate(&raw.truncation, "truncation", 0.2)?,
                    },
                };
                StrategySpec::Ga(GaConfig {
                    population,
                    elite,
                    selection,
                    mutation_sigma: positive(&raw.mutation_sigma, "mutation_sigma", 0.02)?,
                    self_adaptive: raw.self_adaptive.as_ref().is_some_and(|s| *s.get_ref()),
                    crossover: raw
                        .crossover
                        .as_ref()
                        .map_or(Crossover::None, |c| *c.get_ref()),
                    crossover_rate: rate(&raw.crossover_rate, "crossover_rate", 0.5)?,
                    tie_rate: rate(&raw.tie_rate, "tie_rate", 0.0)?,
                    untie_rate: rate(&raw.untie_rate, "untie_rate", 0.0)?,
                    ..Default::default()
                })
            }
            StrategyKind::OpenAiEs => {
                let population = population_or(128);
                let antithetic = raw.antithetic.as_ref().is_none_or(|a| *a.get_ref());
                if antithetic && population % 2 == 1 {
                    let span = value(&raw.population)
                        .map(|p| p.1)
                        .unwrap_or(raw_arm.span());
                    return Err(self.source.error(
                        span,
                        "population",
                        "must be even with antithetic sampling (or set antithetic = false)",
                    ));
                }
                StrategySpec::OpenAiEs(OpenAiEsConfig {
                    population,
                    sigma: positive(&raw.sigma, "sigma", 0.05)?,
                    lr: positive(&raw.lr, "lr", 0.01)?,
                    weight_decay,
                    antithetic,
                    shaping: raw
                        .shaping
                        .as_ref()
                        .map_or(FitnessShaping::CentredRanks, |s| *s.get_ref()),
                    adam: true,
                    ..Default::default()
                })
            }
            StrategyKind::Snes => StrategySpec::Snes(SnesConfig {
                population: Some(population_or(64)),
                sigma: positive(&raw.sigma, "sigma", 0.1)?,
                ..Default::default()
            }),
            StrategyKind::CmaEs | StrategyKind::SepCmaEs => {
                let covariance = if kind == StrategyKind::CmaEs {
                    Covariance::Full
                } else {
                    Covariance::Separable
                };
                let config = CmaEsConfig {
                    population: Some(population_or(64)),
                    sigma: positive(&raw.sigma, "sigma", 0.1)? as f64,
                    covariance,
                    ..Default::default()
                };
                if let Err(e) = crate::evolve::CmaEs::new(config.clone(), vec![0.0; genes], 0) {
                    return Err(self
                        .source
                        .error(strategy.span(), "strategy", e.to_string()));
                }
                StrategySpec::CmaEs(config)
            }
        };
        Ok(spec)
    }

    pub(in crate::experiment) fn positive(
        &self,
        v: &Option<Spanned<f32>>,
        key: &str,
        default: f32,
    ) -> Result<f32, ConfigError> {
        value(v).map_or(Ok(default), |(x, s)| {
            self.check(x > 0.0 && x.is_finite(), s, key, "must be > 0")
                .map(|_| x)
        })
    }

    pub(in crate::experiment) fn rate(
        &self,
        v: &Option<Spanned<f32>>,
        key: &str,
        default: f32,
    ) -> Result<f32, ConfigError> {
        value(v).map_or(Ok(default), |(x, s)| {
            self.check((0.0..=1.0).contains(&x), s, key, "must be in [0, 1]")
                .map(|_| x)
        })
    }

    /// Reject any key of `raw` (besides `name`) that is not in `allowed`.
    pub(in crate::experiment) fn only_keys(
        &self,
        raw: &RawArm,
        allowed: &[&str],
        what: &str,
    ) -> Result<(), ConfigError> {
        let mut given = ArmKeys::of(raw);
        for (key, span) in [
            ("learner", raw.learner.as_ref().map(|s| s.span())),
            ("batch", raw.batch.as_ref().map(|s| s.span())),
            ("tile", raw.tile.as_ref().map(|s| s.span())),
        ] {
            if let Some(span) = span {
                given.0.push((key, span));
            }
        }
        for (key, span) in &given.0 {
            if !allowed.contains(key) {
                let mut e = self.source.error(
                    span.clone(),
                    key,
                    format!("does not apply to `{what}` arms"),
                );
                e.allowed = Some(
                    ["name"]
                        .iter()
                        .chain(allowed)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                return Err(e);
            }
        }
        Ok(())
    }

    /// Reject keys that were given but do not apply to this learner or strategy.
    fn only(&self, given: &ArmKeys, allowed: &[&str], what: &str) -> Result<(), ConfigError> {
        for (key, span) in &given.0 {
            if !COMMON_KEYS.contains(key) && !allowed.contains(key) {
                let mut e = self.source.error(
                    span.clone(),
                    key,
                    format!("does not apply to `{what}` arms"),
                );
                let mut keys: Vec<&str> = COMMON_KEYS.to_vec();
                keys.extend_from_slice(allowed);
                e.allowed = Some(keys.join(", "));
                return Err(e);
            }
        }
        Ok(())
    }
}

fn strategy_name(kind: StrategyKind) -> &'static str {
    match kind {
        StrategyKind::Ga => "ga",
        StrategyKind::OpenAiEs => "openai_es",
        StrategyKind::Snes => "snes",
        StrategyKind::CmaEs => "cma_es",
        StrategyKind::SepCmaEs => "sep_cma_es",
    }
}

const COMMON_KEYS: &[&str] = &["name", "learner", "batch", "tying", "tile"];
const GRADIENT_KEYS: &[&str] = &["optimizer", "lr", "momentum", "weight_decay"];
const GA_KEYS: &[&str] = &[
    "strategy",
    "population",
    "elite",
    "mutation_sigma",
    "self_adaptive",
    "selection",
    "truncation",
    "tournament",
    "crossover",
    "crossover_rate",
    "tie_rate",
    "untie_rate",
];
const OPENAI_ES_KEYS: &[&str] = &[
    "strategy",
    "population",
    "sigma",
    "lr",
    "weight_decay",
    "antithetic",
    "shaping",
];
const SNES_CMA_KEYS: &[&str] = &["strategy", "population", "sigma"];

/// The keys an arm table actually contains, with their spans.
struct ArmKeys(Vec<(&'static str, Range<usize>)>);

impl ArmKeys {
    fn of(raw: &RawArm) -> Self {
        let mut keys = Vec::new();
        macro_rules! given {
            ($($field:ident),*) => {
                $(if let Some(v) = &raw.$field { keys.push((stringify!($field), v.span())); })*
            };
        }
        given!(
            optimizer,
            momentum,
            lr,
            weight_decay,
            strategy,
            population,
            sigma,
            antithetic,
            shaping,
            elite,
            mutation_sigma,
            self_adaptive,
            selection,
            truncation,
            tournament,
            crossover,
            crossover_rate,
            tie_rate,
            untie_rate
        );
        Self(keys)
    }
}
