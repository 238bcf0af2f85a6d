//! A few-shot experiment file → [`FewShotExperiment`], checked once, with errors at the
//! offending key.

use super::{Evaluation, FewShotExperiment, InnerSpec, LayersSpec, OuterBudget};
use crate::experiment::config::table::Table;
use crate::experiment::config::{Header, arm_tables};
use crate::experiment::error::ConfigError;
use crate::experiment::resources::{
    MAX_EVALUATION_TASKS, NOISE_TABLE_BYTES, Need, ROW_BYTES, dense_genes, fits, parallel_runs,
    product, workspace_floats,
};
use crate::meta::{DigitImages, Family, InnerLoop, Method, PretrainHead};
use crate::options::Invalid;

/// The most query points an evaluation task may have (per class for digits).
const MAX_EVALUATION_QUERY: usize = 100_000;

const TOP: &[&str] = &[
    "kind",
    "name",
    "description",
    "seeds",
    "family",
    "network",
    "inner",
    "evaluation",
    "budget",
    "arm",
];

/// Few-shot learning needs a family of tasks to draw from; a user's CSV data set is one
/// fixed task. Say so, rather than "unknown key", to whoever tries.
fn refuse_csv(root: &Table) -> Result<(), ConfigError> {
    const WHY: &str = "few-shot experiments draw their tasks from a [family] (sine, digits); \
                       a CSV data set is one fixed task: use it in a compare experiment \
                       (kind = \"compare\", [task] kind = \"csv\")";
    if root.has("task") {
        return Err(root.error("task", WHY));
    }
    if let Some(family) = root.table("family", "[family]")?
        && family.get::<String>("kind")?.as_deref() == Some("csv")
    {
        return Err(family.error("kind", WHY));
    }
    Ok(())
}

/// Parse and validate a few-shot experiment from the document's root table.
pub(in crate::experiment) fn parse(root: &Table) -> Result<FewShotExperiment, ConfigError> {
    refuse_csv(root)?;
    root.only(TOP)?;
    let header = Header::read(root)?;
    let required = |key: &str, what: &str| {
        root.table(key, what)?
            .ok_or_else(|| root.error(key, format!("a few-shot experiment needs a {what} table")))
    };
    let family_table = required("family", "[family]")?;
    let family: Family = family_table.variant(&[], None)?;
    family.validate().map_err(|e| family_table.invalid(e))?;

    let network: LayersSpec = match root.table("network", "[network]")? {
        Some(t) => {
            let network: LayersSpec = t.rest(&[])?;
            if network.hidden.contains(&0) {
                return Err(t.error("hidden", "every hidden layer needs at least one unit"));
            }
            if !(network.init_sigma > 0.0 && network.init_sigma.is_finite()) {
                return Err(t.error("init_sigma", "must be > 0"));
            }
            network
        }
        None => LayersSpec::default(),
    };

    let inner_table = required("inner", "[inner]")?;
    let shots: usize = inner_table.require("shots")?;
    if shots == 0 {
        return Err(inner_table.error("shots", "must be at least 1"));
    }
    let lifetime: InnerLoop = inner_table.rest(&["shots"])?;
    lifetime.validate().map_err(|e| inner_table.invalid(e))?;
    let inner = InnerSpec { shots, lifetime };

    let evaluation = match root.table("evaluation", "[evaluation]")? {
        Some(t) => {
            let shots_given = t.has("shots");
            let mut evaluation = t.rest::<EvaluationKeys>(&["shots"])?.into_evaluation();
            evaluation.shots = t.get::<Vec<usize>>("shots")?.unwrap_or(vec![shots]);
            if shots_given && (evaluation.shots.is_empty() || evaluation.shots.contains(&0)) {
                return Err(t.error("shots", "must be a non-empty list of positive numbers"));
            }
            let check = Invalid::unless(
                (1..=1000).contains(&evaluation.steps),
                "steps",
                "must be between 1 and 1000",
            )
            .and(Invalid::unless(
                (1..=MAX_EVALUATION_TASKS).contains(&evaluation.tasks),
                "tasks",
                format!("must be between 1 and {MAX_EVALUATION_TASKS}"),
            ))
            .and(Invalid::unless(
                evaluation.shots.len() <= 64,
                "shots",
                "at most 64 numbers of shots",
            ))
            .and(Invalid::unless(
                evaluation.lr.is_none_or(|lr| lr > 0.0 && lr.is_finite()),
                "lr",
                "must be > 0",
            ))
            .and(Invalid::unless(
                evaluation
                    .query
                    .is_none_or(|q| (1..=MAX_EVALUATION_QUERY).contains(&q)),
                "query",
                format!("must be between 1 and {MAX_EVALUATION_QUERY}"),
            ));
            check.map_err(|e| t.invalid(e))?;
            evaluation
        }
        None => Evaluation {
            shots: vec![shots],
            steps: 10,
            tasks: 100,
            lr: None,
            query: None,
        },
    };
    if let Family::Digits(digits) = &family {
        let images = DigitImages::load();
        let largest = shots.max(evaluation.shots.iter().copied().max().unwrap_or(shots));
        let fewest = images
            .smallest_class(&digits.train_classes)
            .min(images.smallest_class(&digits.test_classes));
        let query = digits.query.max(evaluation.query.unwrap_or(0));
        if largest.saturating_add(query) > fewest {
            return Err(inner_table.error(
                "shots",
                format!("shots + query per class must fit in the smallest class ({fewest} images)"),
            ));
        }
    }

    let budget_table = required("budget", "[budget]")?;
    let budget: OuterBudget = budget_table.rest(&[])?;
    Invalid::unless(
        budget.outer_samples >= 1,
        "outer_samples",
        "must be at least 1",
    )
    .and(Invalid::unless(
        (2..=1000).contains(&budget.checkpoints),
        "checkpoints",
        "must be between 2 and 1000",
    ))
    .and(Invalid::unless(
        budget.targets.len() <= 64 && budget.targets.iter().all(|t| t.is_finite()),
        "targets",
        "at most 64 finite numbers",
    ))
    .map_err(|e| budget_table.invalid(e))?;

    let arm_tables = arm_tables(root, &budget_table, "method to compare")?;
    let mut experiment = FewShotExperiment {
        name: header.name,
        description: header.description,
        seeds: header.seeds,
        family,
        network,
        inner,
        evaluation,
        budget,
        arms: Vec::new(),
    };
    // Sizes are checked before any network or task is made.
    let mut sizes = vec![experiment.family.inputs()];
    sizes.extend_from_slice(&experiment.network.hidden);
    sizes.push(experiment.family.outputs());
    let (support, query) = experiment.task_rows();
    let (eval_support, eval_query) = experiment.evaluation_rows();
    let rows = (support.max(eval_support) as u128).saturating_add(query.max(eval_query) as u128);
    let threads = rayon::current_num_threads() as u128;
    let network_at = root.table("network", "[network]")?;
    let family_key = if let Family::Digits(_) = experiment.family {
        "ways"
    } else {
        "query"
    };
    let base = [
        Need {
            what: format!("the network, {} genes", dense_genes(&sizes)),
            bytes: product(&[dense_genes(&sizes), 4]),
            at: (network_at.as_ref().unwrap_or(root), "hidden"),
        },
        Need {
            what: format!("one task and its activations per thread, {rows} rows"),
            // The task's rows, and a workspace's activations for them (which grow with
            // the rows; its developed weights are counted separately).
            bytes: product(&[threads, rows, (sizes[0] + 1) as u128, 4]).saturating_add(
                product(&[
                    threads,
                    workspace_floats(&sizes, support.max(query).max(eval_query)),
                    4,
                ])
                .saturating_sub(product(&[threads, dense_genes(&sizes), 4])),
            ),
            // Activations grow with rows × layer widths: blame the larger factor.
            at: if sizes.iter().map(|&w| w as u128).sum::<u128>() > rows {
                (network_at.as_ref().unwrap_or(root), "hidden")
            } else {
                (&family_table, family_key)
            },
        },
        Need {
            what: "a developed copy of the network per thread".into(),
            bytes: product(&[threads, dense_genes(&sizes), 4]),
            at: (network_at.as_ref().unwrap_or(root), "hidden"),
        },
    ];
    fits(&base)?;
    let net = experiment
        .network()
        .map_err(|e| root.error("network", e.to_string()))?;
    let layers = net.architecture().layers();
    for table in &arm_tables {
        let arm = super::arm::parse(table, &experiment.inner.lifetime, net.genome_len(), layers)?;
        if let (Method::Pretrain(c), Family::Sine(_)) = (&arm.method, &experiment.family)
            && c.head == PretrainHead::Cosine
        {
            return Err(table.error(
                "head",
                "head = \"cosine\" scores classes: it needs a digits family",
            ));
        }
        experiment.arms.push(arm);
    }
    let runs = (experiment.arms.len() as u128).saturating_mul(experiment.seeds as u128);
    let per_point = product(&[
        experiment.evaluation.shots.len() as u128,
        experiment.evaluation.steps as u128 + 1,
    ]);
    let mut needs: Vec<Need> = base.into_iter().collect();
    needs.push(Need {
        what: format!("the records of {runs} runs"),
        bytes: product(&[
            runs,
            experiment.budget.checkpoints as u128,
            per_point,
            ROW_BYTES,
        ]),
        at: (root, "seeds"),
    });
    let genes = (net.genome_len() + layers) as u128;
    if let Some((table, members)) = arm_tables
        .iter()
        .zip(&experiment.arms)
        .filter_map(|(t, a)| match &a.method {
            Method::Evolution(e) => Some((t, e.strategy.population().unwrap_or(1) as u128)),
            _ => None,
        })
        .max_by_key(|(_, members)| *members)
    {
        let parallel = parallel_runs(runs);
        // This generation, the next, and every member's adapted weights.
        needs.push(Need {
            what: format!("{parallel} evolution runs at once, {members} members each"),
            bytes: product(&[parallel, members, genes, 3 * 4]),
            at: (table, "population"),
        });
        needs.push(Need {
            what: "the shared noise table".into(),
            bytes: NOISE_TABLE_BYTES,
            at: (table, "strategy"),
        });
    }
    fits(&needs)?;
    // Budgets are hard ceilings: every outer loop must afford one step.
    for arm in &experiment.arms {
        let step = arm.per_step(experiment.budget.axis, support, query);
        if experiment.budget.outer_samples < step {
            return Err(budget_table.error(
                "outer_samples",
                format!(
                    "must be at least {step}: one outer step of arm `{}` consumes {step} examples",
                    arm.name
                ),
            ));
        }
    }
    Ok(experiment)
}

/// `[evaluation]` keys without `shots` (which defaults to the training shots).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationKeys {
    #[serde(default = "super::ten")]
    steps: usize,
    #[serde(default = "super::hundred")]
    tasks: usize,
    #[serde(default)]
    lr: Option<f32>,
    #[serde(default)]
    query: Option<usize>,
}

impl EvaluationKeys {
    fn into_evaluation(self) -> Evaluation {
        Evaluation {
            shots: Vec::new(),
            steps: self.steps,
            tasks: self.tasks,
            lr: self.lr,
            query: self.query,
        }
    }
}
