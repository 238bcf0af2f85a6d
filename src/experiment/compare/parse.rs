//! A compare experiment file → [`CompareExperiment`], every range and cross-key rule
//! checked once, with errors at the offending key.

use super::{
    Arm, Budget, CompareExperiment, EvolutionLearner, GradientLearner, LearnerConfig, NetworkSpec,
    build_network,
};
use crate::evolve::{EvolveError, StrategyConfig};
use crate::experiment::config::table::Table;
use crate::experiment::config::{Header, arm_tables};
use crate::experiment::error::ConfigError;
use crate::experiment::resources::{
    MAX_HIDDEN_LAYERS, NOISE_TABLE_BYTES, Need, ROW_BYTES, dense_genes, fits, parallel_runs,
    product, workspace_floats,
};
use crate::learn::OptimizerConfig;
use crate::net::TyingPreset;
use crate::options::{Invalid, Tagged};
use crate::task::{Metric, Split, TaskSpec};

/// Keys of the top level of a compare file.
const TOP: &[&str] = &[
    "kind",
    "name",
    "description",
    "seeds",
    "task",
    "network",
    "budget",
    "arm",
];

/// Keys every arm has, whatever its learner.
const ARM: &[&str] = &["name", "tying", "tile", "learner", "batch"];

/// Default batch of a gradient step and of an evolution arm's shared batch.
const GRADIENT_BATCH: usize = 32;
const EVOLUTION_BATCH: usize = 64;

/// Parse and validate a compare experiment from the document's root table.
pub(in crate::experiment) fn parse(root: &Table) -> Result<CompareExperiment, ConfigError> {
    root.only(TOP)?;
    let header = Header::read(root)?;
    let task_table = root
        .table("task", "[task]")?
        .ok_or_else(|| root.error("task", "a compare experiment needs a [task] table"))?;
    let mut task: TaskSpec = task_table.variant(&[], None)?;
    task.validate().map_err(|e| task_table.invalid(e))?;
    if let TaskSpec::Csv(csv) = &mut task {
        super::data::load(&task_table, csv)?;
    }

    let network_table = root.table("network", "[network]")?;
    let network: NetworkSpec = match &network_table {
        Some(t) => t.rest(&[])?,
        None => NetworkSpec::default(),
    };
    let network_at = network_table.as_ref().unwrap_or(root);
    let network_error = |key: &str, message: String| match &network_table {
        Some(t) => t.error(key, message),
        None => root.error("network", message),
    };
    if let Err(e) = validate_network(&network) {
        return Err(network_error(e.key, e.message));
    }
    // Sizes are checked before the data or any network is made.
    let sizes = layer_sizes(&task, &network);
    let (train, test, features, outputs) = task.shape();
    let data_rows = (train as u128).saturating_add(test as u128);
    let base = [
        Need {
            what: format!("the data set, {data_rows} rows"),
            bytes: product(&[data_rows, (features + outputs) as u128, 4]),
            at: (&task_table, data_key(&task, train, test)),
        },
        Need {
            what: format!("the network, {} genes", dense_genes(&sizes)),
            bytes: product(&[dense_genes(&sizes), 4 + 16]),
            at: (network_at, "hidden"),
        },
    ];
    fits(&base)?;
    let data = task.build();
    if let Err(e) = build_network(&network, network.tying, network.tile, &task, &data) {
        let key = if network.tile.is_some() {
            "tile"
        } else {
            "hidden"
        };
        return Err(network_error(key, e.to_string()));
    }

    let budget_table = root
        .table("budget", "[budget]")?
        .ok_or_else(|| root.error("budget", "a compare experiment needs a [budget] table"))?;
    let budget: Budget = budget_table.rest(&[])?;
    validate_budget(&budget, task.metric()).map_err(|e| budget_table.invalid(e))?;

    let arm_tables = arm_tables(root, &budget_table, "learner to compare")?;
    let arms = arm_tables
        .iter()
        .map(|t| arm(t, &network, &task, &data))
        .collect::<Result<Vec<_>, _>>()?;
    let mut needs: Vec<Need> = base.into_iter().collect();
    let runs = (arms.len() as u128).saturating_mul(header.seeds as u128);
    needs.push(Need {
        what: format!("the records of {runs} runs"),
        bytes: product(&[runs, budget.checkpoints as u128, ROW_BYTES]),
        at: (root, "seeds"),
    });
    if arms
        .iter()
        .any(|a| matches!(a.learner, LearnerConfig::Evolution(_)))
    {
        needs.push(Need {
            what: "the shared noise table".into(),
            bytes: NOISE_TABLE_BYTES,
            at: (root, "seeds"),
        });
    }
    if let Some((table, arm)) = arm_tables
        .iter()
        .zip(&arms)
        .max_by_key(|(_, a)| run_bytes(a, &sizes))
    {
        let key = match arm.learner {
            LearnerConfig::Gradient(_) => "batch",
            LearnerConfig::Evolution(_) => "population",
        };
        let parallel = parallel_runs(runs);
        needs.push(Need {
            what: format!("{parallel} runs at once like arm `{}`", arm.name),
            bytes: run_bytes(arm, &sizes).saturating_mul(parallel),
            at: (table, key),
        });
    }
    fits(&needs)?;
    // Budgets are hard ceilings: every arm must afford at least one step.
    for arm in &arms {
        let step = arm.examples_per_step();
        if budget.samples < step {
            let key = match arm.learner {
                LearnerConfig::Gradient(_) => "batch",
                LearnerConfig::Evolution(_) => "population",
            };
            return Err(budget_table.error(
                "samples",
                format!(
                    "must be at least {step}: one step of arm `{}` consumes {step} examples \
                     (or make its `{key}` smaller)",
                    arm.name
                ),
            ));
        }
    }
    Ok(CompareExperiment {
        name: header.name,
        description: header.description,
        seeds: header.seeds,
        task,
        network,
        budget,
        arms,
    })
}

/// `[inputs, hidden..., outputs]` of the networks of `task`.
fn layer_sizes(task: &TaskSpec, network: &NetworkSpec) -> Vec<usize> {
    let (_, _, features, outputs) = task.shape();
    let mut sizes = vec![features];
    sizes.extend_from_slice(&network.hidden);
    sizes.push(outputs);
    sizes
}

/// The key that decides the size of `task`'s data.
fn data_key(task: &TaskSpec, train: usize, test: usize) -> &'static str {
    match task {
        TaskSpec::Parity(_) => "bits",
        TaskSpec::Spirals(_) => "points",
        TaskSpec::Sine(_) | TaskSpec::Motif(_) | TaskSpec::Mirror(_) | TaskSpec::Csv(_)
            if train >= test =>
        {
            "train"
        }
        TaskSpec::Sine(_) | TaskSpec::Motif(_) | TaskSpec::Mirror(_) | TaskSpec::Csv(_) => "test",
        _ => "kind",
    }
}

/// Bytes one run of `arm` holds on networks with layer `sizes`: its genome(s), optimiser
/// or strategy state, and its workspaces.
fn run_bytes(arm: &Arm, sizes: &[usize]) -> u128 {
    let genes = dense_genes(sizes);
    match &arm.learner {
        // Parameters, gradient, two optimiser moments, the evaluated copy.
        LearnerConfig::Gradient(g) => {
            product(&[genes, 5 * 4]).saturating_add(product(&[workspace_floats(sizes, g.batch), 4]))
        }
        LearnerConfig::Evolution(e) => {
            let members = e.strategy.population().unwrap_or(1) as u128;
            // This generation and the next, f32 genes.
            let population = product(&[members, genes, 2 * 4]);
            let workspaces = product(&[
                members.min(4 * rayon::current_num_threads() as u128),
                workspace_floats(sizes, e.batch),
                4,
            ]);
            let model = match &e.strategy {
                // C, B and B·D in f64.
                StrategyConfig::CmaEs(_) => product(&[3, genes, genes, 8]),
                _ => product(&[8, genes, 8]),
            };
            population.saturating_add(workspaces).saturating_add(model)
        }
    }
}

fn validate_network(network: &NetworkSpec) -> Result<(), Invalid> {
    Invalid::unless(
        network.hidden.len() <= MAX_HIDDEN_LAYERS,
        "hidden",
        format!("at most {MAX_HIDDEN_LAYERS} hidden layers"),
    )?;
    Invalid::unless(
        network.hidden.iter().all(|&n| n >= 1),
        "hidden",
        "every hidden layer needs at least one unit",
    )?;
    Invalid::unless(
        network.tile.is_none_or(|[r, c]| r >= 1 && c >= 1),
        "tile",
        "both sides must be at least 1",
    )
}

fn validate_budget(budget: &Budget, metric: Metric) -> Result<(), Invalid> {
    Invalid::unless(budget.samples >= 1, "samples", "must be at least 1")?;
    Invalid::unless(
        (2..=10_000).contains(&budget.checkpoints),
        "checkpoints",
        "must be between 2 and 10000",
    )?;
    if let Some(t) = budget.target {
        let ok = match metric {
            Metric::Accuracy => (0.0..=1.0).contains(&t),
            Metric::Loss => t.is_finite() && t >= 0.0,
        };
        Invalid::unless(
            ok,
            "target",
            "must be an accuracy in [0, 1] (a test loss >= 0 for regression tasks)",
        )?;
    }
    Ok(())
}

/// One `[[arm]]` table.
fn arm(
    table: &Table,
    network: &NetworkSpec,
    task: &TaskSpec,
    data: &Split,
) -> Result<Arm, ConfigError> {
    let name = table.require::<String>("name")?.trim().to_string();
    let tying = table.get::<TyingPreset>("tying")?.unwrap_or(network.tying);
    let tile = table.get::<[usize; 2]>("tile")?.or(network.tile);
    if tile.is_some_and(|[r, c]| r == 0 || c == 0) {
        return Err(table.error("tile", "both sides must be at least 1"));
    }
    let net = build_network(network, tying, tile, task, data)
        .map_err(|e| table.error("tile", e.to_string()))?;
    let learner = table.tag(LearnerConfig::TAG, LearnerConfig::VARIANTS, None)?;
    let rows = data.train.len();
    let default_batch = if learner == "gradient" {
        GRADIENT_BATCH
    } else {
        EVOLUTION_BATCH
    };
    let batch = table
        .get::<usize>("batch")?
        .unwrap_or(default_batch.min(rows));
    if batch == 0 || batch > rows {
        return Err(table.error(
            "batch",
            format!("must be between 1 and the training set size ({rows})"),
        ));
    }
    let learner = if learner == "gradient" {
        let arms = table.described("`gradient` arms");
        let optimizer: OptimizerConfig = arms.variant(ARM, Some("adam"))?;
        optimizer.validate().map_err(|e| table.invalid(e))?;
        LearnerConfig::Gradient(GradientLearner { batch, optimizer })
    } else {
        let strategy = evolution_strategy(table, ARM, net.genome_len())?;
        LearnerConfig::Evolution(EvolutionLearner { batch, strategy })
    };
    Ok(Arm {
        name,
        tying,
        tile,
        learner,
    })
}

/// The strategy of an evolution arm (a compare arm or a few-shot method) for `genes`
/// genes, checked and with its automatic values filled in.
pub(in crate::experiment) fn evolution_strategy(
    table: &Table,
    skip: &[&str],
    genes: usize,
) -> Result<StrategyConfig, ConfigError> {
    let label = table.tag(StrategyConfig::TAG, StrategyConfig::VARIANTS, None)?;
    if table.has("covariance") {
        return Err(table.error(
            "covariance",
            "is chosen by the strategy: cma_es (full) or sep_cma_es (diagonal)",
        ));
    }
    let strategy: StrategyConfig = table
        .described(format!("`{label}` arms"))
        .variant_named(label, skip)?;
    strategy.validate(genes).map_err(|e| match e {
        EvolveError::InvalidOption {
            option, expected, ..
        } => table.error(option, format!("must be {expected}")),
        other => table.error("strategy", other.to_string()),
    })?;
    Ok(strategy.resolved(genes))
}
