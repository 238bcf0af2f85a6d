//! Few-shot experiment files (`kind = "few_shot"`): a task family, a network, the
//! inner (fast) loop, how to evaluate, an outer-sample budget, and one arm per outer
//! (slow) loop.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::super::config::{MethodKind, NetworkSpec, RawArm, RawNetwork, Validator, value};
use super::super::error::{ConfigError, Source};
use crate::meta::{Family, InnerLoop, InnerOptimizer, Method};
use crate::net::{Architecture, NetError, Network};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawFewShot {
    #[allow(dead_code)]
    kind: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    seeds: Option<Spanned<u64>>,
    family: Spanned<RawFamily>,
    #[serde(default)]
    network: RawNetwork,
    inner: Spanned<RawInner>,
    evaluation: Option<RawEvaluation>,
    budget: Spanned<RawBudget>,
    #[serde(default, rename = "arm")]
    arms: Vec<Spanned<RawArm>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FamilyKind {
    Sine,
    Digits,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    kind: Spanned<FamilyKind>,
    query: Option<Spanned<usize>>,
    ways: Option<Spanned<usize>>,
    train_classes: Option<Spanned<Vec<u32>>>,
    test_classes: Option<Spanned<Vec<u32>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInner {
    shots: Spanned<usize>,
    steps: Option<Spanned<usize>>,
    lr: Option<Spanned<f32>>,
    optimizer: Option<InnerOptimizer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvaluation {
    shots: Option<Spanned<Vec<usize>>>,
    steps: Option<Spanned<usize>>,
    tasks: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBudget {
    outer_samples: Spanned<u64>,
    checkpoints: Option<Spanned<usize>>,
}

/// How an initialisation is scored: adapt on `tasks` fixed held-out tasks with each
/// number of `shots`, for `steps` inner steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub shots: Vec<usize>,
    pub steps: usize,
    pub tasks: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaArm {
    pub name: String,
    pub method: Method,
    /// This arm's lifetime learner: the experiment's `[inner]` with the arm's
    /// `inner_steps`, `inner_lr` and `inner_optimizer` applied. Evaluation uses it with
    /// `[evaluation] steps`.
    pub inner: InnerLoop,
}

/// A validated few-shot experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotExperiment {
    pub name: String,
    pub description: String,
    pub seeds: u64,
    pub family: Family,
    pub network: NetworkSpec,
    /// Shots per task during outer training, and the inner loop fitness uses.
    pub shots: usize,
    pub inner: InnerLoop,
    pub evaluation: Evaluation,
    pub outer_samples: u64,
    pub checkpoints: usize,
    pub arms: Vec<MetaArm>,
}

impl FewShotExperiment {
    pub fn network(&self) -> Result<Network, NetError> {
        let (head, _) = self.family.head_and_loss();
        let mut sizes = vec![self.family.inputs()];
        sizes.extend_from_slice(&self.network.hidden);
        sizes.push(self.family.outputs());
        Ok(Network::dense(Architecture::uniform(
            &sizes,
            self.network.activation,
            head,
        )?))
    }

    /// The shots at which the slow–fast trade-off is reported: the training shots if
    /// they are evaluated, else the first evaluated number.
    pub fn headline_shots(&self) -> usize {
        if self.evaluation.shots.contains(&self.shots) {
            self.shots
        } else {
            self.evaluation.shots[0]
        }
    }
}

pub(in crate::experiment) fn parse(
    source: &Source,
    text: &str,
) -> Result<FewShotExperiment, ConfigError> {
    let raw: RawFewShot = toml::from_str(text).map_err(|e| source.from_toml(&e))?;
    let v = Validator { source };
    let name = v.experiment_name(&raw.name)?;
    let seeds = v.seeds(&raw.seeds)?;
    let family = family(&v, raw.family.get_ref())?;
    let network = v.network(&raw.network)?;
    let inner_raw = raw.inner.get_ref();
    let shots = *inner_raw.shots.get_ref();
    v.check(
        shots >= 1,
        inner_raw.shots.span(),
        "shots",
        "must be at least 1",
    )?;
    let steps = v.count(&inner_raw.steps, "steps", 5, 1..=1000)?;
    let inner = InnerLoop {
        steps,
        lr: v.positive(&inner_raw.lr, "lr", 0.01)?,
        optimizer: inner_raw.optimizer.unwrap_or(InnerOptimizer::Sgd),
    };
    let evaluation = match &raw.evaluation {
        Some(e) => Evaluation {
            shots: value(&e.shots).map_or(Ok(vec![shots]), |(s, span)| {
                v.check(
                    !s.is_empty() && s.iter().all(|&k| k >= 1),
                    span,
                    "shots",
                    "must be a non-empty list of positive numbers",
                )
                .map(|_| s)
            })?,
            steps: v.count(&e.steps, "steps", 10, 1..=1000)?,
            tasks: v.count(&e.tasks, "tasks", 100, 1..=usize::MAX)?,
        },
        None => Evaluation {
            shots: vec![shots],
            steps: 10,
            tasks: 100,
        },
    };
    if let Family::Digits {
        query,
        train_classes,
        test_classes,
        ..
    } = &family
    {
        let images = crate::meta::DigitImages::load();
        let largest = shots.max(*evaluation.shots.iter().max().unwrap_or(&shots));
        let fewest = images
            .smallest_class(train_classes)
            .min(images.smallest_class(test_classes));
        v.check(
            largest + query <= fewest,
            raw.inner.span(),
            "shots",
            &format!("shots + query per class must fit in the smallest class ({fewest} images)"),
        )?;
    }
    let budget = raw.budget.get_ref();
    v.check(
        *budget.outer_samples.get_ref() >= 1,
        budget.outer_samples.span(),
        "outer_samples",
        "must be at least 1",
    )?;
    let checkpoints = v.count(&budget.checkpoints, "checkpoints", 12, 2..=1000)?;
    if raw.arms.is_empty() {
        return Err(v.source.general(
            Some(raw.budget.span().start..raw.budget.span().start),
            "the experiment has no [[arm]] tables; add at least one method to compare",
        ));
    }
    let mut arms: Vec<MetaArm> = Vec::new();
    let genes = FewShotExperiment {
        name: name.clone(),
        description: String::new(),
        seeds,
        family: family.clone(),
        network: network.clone(),
        shots,
        inner: inner.clone(),
        evaluation: evaluation.clone(),
        outer_samples: 0,
        checkpoints,
        arms: Vec::new(),
    }
    .network()
    .map_err(|e| v.source.error(raw.budget.span(), "network", e.to_string()))?
    .genome_len();
    for raw_arm in &raw.arms {
        v.unique_arm_name(arms.iter().map(|a: &MetaArm| a.name.clone()), raw_arm)?;
        let arm = meta_arm(&v, raw_arm, &inner, genes)?;
        arms.push(arm);
    }
    Ok(FewShotExperiment {
        name,
        description: raw.description,
        seeds,
        family,
        network,
        shots,
        inner,
        evaluation,
        outer_samples: *budget.outer_samples.get_ref(),
        checkpoints,
        arms,
    })
}

fn family(v: &Validator, raw: &RawFamily) -> Result<Family, ConfigError> {
    let query = v.count(&raw.query, "query", 10, 1..=usize::MAX)?;
    match raw.kind.get_ref() {
        FamilyKind::Sine => {
            for (key, span) in [
                ("ways", raw.ways.as_ref().map(|s| s.span())),
                (
                    "train_classes",
                    raw.train_classes.as_ref().map(|s| s.span()),
                ),
                ("test_classes", raw.test_classes.as_ref().map(|s| s.span())),
            ] {
                if let Some(span) = span {
                    return Err(v
                        .source
                        .error(span, key, "does not apply to the sine family"));
                }
            }
            Ok(Family::Sine { query })
        }
        FamilyKind::Digits => {
            let classes = |raw: &Option<Spanned<Vec<u32>>>, key: &str, default: Vec<u32>| {
                value(raw).map_or(Ok(default), |(c, s): (Vec<u32>, Range<usize>)| {
                    let mut sorted = c.clone();
                    sorted.sort();
                    sorted.dedup();
                    v.check(
                        !c.is_empty() && c.iter().all(|&d| d <= 9) && sorted.len() == c.len(),
                        s,
                        key,
                        "must be distinct digits 0..9",
                    )
                    .map(|_| c)
                })
            };
            let train_classes = classes(&raw.train_classes, "train_classes", vec![0, 1, 2, 3, 4])?;
            let test_classes = classes(&raw.test_classes, "test_classes", vec![5, 6, 7, 8, 9])?;
            if let Some(c) = test_classes.iter().find(|c| train_classes.contains(c)) {
                let span = raw
                    .test_classes
                    .as_ref()
                    .map_or(raw.kind.span(), |s| s.span());
                return Err(v.source.error(
                    span,
                    "test_classes",
                    format!(
                        "class {c} is also a training class; evaluation classes must be held out"
                    ),
                ));
            }
            let max_ways = train_classes.len().min(test_classes.len());
            let ways = value(&raw.ways).map_or(Ok(max_ways.min(5)), |(w, s)| {
                v.check(
                    (2..=max_ways).contains(&w),
                    s,
                    "ways",
                    &format!("must be between 2 and the smaller class pool ({max_ways})"),
                )
                .map(|_| w)
            })?;
            Ok(Family::Digits {
                ways,
                train_classes,
                test_classes,
                query,
            })
        }
    }
}

const METHOD_KEYS: &[(MethodKind, &[&str])] = &[
    (MethodKind::Scratch, &[]),
    (MethodKind::Pretrain, &["lr"]),
    (MethodKind::Reptile, &["outer_lr"]),
    (MethodKind::Fomaml, &["outer_lr"]),
];

fn meta_arm(
    v: &Validator,
    raw_arm: &Spanned<RawArm>,
    inner: &InnerLoop,
    genes: usize,
) -> Result<MetaArm, ConfigError> {
    let raw = raw_arm.get_ref();
    let name = raw.name.get_ref().trim().to_string();
    v.check(
        !name.is_empty(),
        raw.name.span(),
        "name",
        "must not be empty",
    )?;
    let Some(method) = &raw.method else {
        let mut e = v.source.error(
            raw.name.span(),
            "method",
            "every [[arm]] of a few-shot experiment needs a `method`",
        );
        e.allowed = Some("scratch, pretrain, reptile, fomaml, evolution".into());
        return Err(e);
    };
    let kind = *method.get_ref();
    let inner = InnerLoop {
        steps: v.count(&raw.inner_steps, "inner_steps", inner.steps, 1..=1000)?,
        lr: v.positive(&raw.inner_lr, "inner_lr", inner.lr)?,
        optimizer: raw
            .inner_optimizer
            .as_ref()
            .map_or(inner.optimizer, |o| *o.get_ref()),
    };
    let inner = &inner;
    const INNER_KEYS: [&str; 3] = ["inner_steps", "inner_lr", "inner_optimizer"];
    let method = match kind {
        MethodKind::Evolution => {
            let strategy = v.strategy(
                raw_arm,
                genes,
                0.0,
                &[
                    &["method", "tasks", "evolve_lr", "lamarckian"][..],
                    &INNER_KEYS,
                ]
                .concat(),
            )?;
            let lamarckian = raw.lamarckian.as_ref().is_some_and(|l| *l.get_ref());
            if lamarckian && !matches!(strategy, crate::evolve::StrategyConfig::Ga(_)) {
                let span = raw.lamarckian.as_ref().expect("given").span();
                return Err(v.source.error(
                    span,
                    "lamarckian",
                    "needs strategy = \"ga\": only a GA keeps its members' genomes",
                ));
            }
            Method::Evolution {
                strategy,
                tasks: v.count(&raw.tasks, "tasks", 1, 1..=1000)?,
                evolve_lr: raw.evolve_lr.as_ref().is_some_and(|e| *e.get_ref()),
                lamarckian,
            }
        }
        other => {
            let allowed = METHOD_KEYS
                .iter()
                .find(|(k, _)| *k == other)
                .map(|(_, a)| *a)
                .unwrap_or(&[]);
            v.only_keys(
                raw,
                &[&["method"], allowed, &INNER_KEYS].concat(),
                &format!("{other:?}").to_lowercase(),
            )?;
            match other {
                MethodKind::Scratch => Method::Scratch,
                MethodKind::Pretrain => Method::Pretrain {
                    lr: v.positive(&raw.lr, "lr", 0.001)?,
                },
                MethodKind::Reptile => Method::Reptile {
                    outer_lr: v.positive(&raw.outer_lr, "outer_lr", 0.1)?,
                    inner: inner.clone(),
                },
                MethodKind::Fomaml => Method::Fomaml {
                    outer_lr: v.positive(&raw.outer_lr, "outer_lr", 0.001)?,
                },
                MethodKind::Evolution => unreachable!("handled above"),
            }
        }
    };
    Ok(MetaArm {
        name,
        method,
        inner: inner.clone(),
    })
}
