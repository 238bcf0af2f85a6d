//! A black-box experiment file → [`BlackBoxExperiment`], every range checked once, with
//! errors at the offending key.

use super::{Arm, BlackBoxExperiment, Budget, Function};
use crate::evolve::StrategyConfig;
use crate::experiment::compare::parse::evolution_strategy;
use crate::experiment::config::table::Table;
use crate::experiment::config::{Header, arm_tables};
use crate::experiment::error::ConfigError;
use crate::experiment::resources::{
    NOISE_TABLE_BYTES, Need, ROW_BYTES, fits, parallel_runs, product,
};
use crate::options::Invalid;

/// Keys of the top level of a black-box file.
const TOP: &[&str] = &[
    "kind",
    "name",
    "description",
    "seeds",
    "function",
    "budget",
    "arm",
];

/// Parse and validate a black-box experiment from the document's root table.
pub(in crate::experiment) fn parse(root: &Table) -> Result<BlackBoxExperiment, ConfigError> {
    root.only(TOP)?;
    let header = Header::read(root)?;
    let function_table = root.table("function", "[function]")?.ok_or_else(|| {
        root.error(
            "function",
            "a black_box experiment needs a [function] table",
        )
    })?;
    let function: Function = function_table.variant(&[], None)?;
    function.validate().map_err(|e| function_table.invalid(e))?;
    let dim = function.dim();

    let budget_table = root
        .table("budget", "[budget]")?
        .ok_or_else(|| root.error("budget", "a black_box experiment needs a [budget] table"))?;
    let budget: Budget = budget_table.rest(&[])?;
    validate_budget(&budget).map_err(|e| budget_table.invalid(e))?;

    let arm_tables = arm_tables(root, &budget_table, "strategy")?;
    let mut arms = Vec::with_capacity(arm_tables.len());
    for table in &arm_tables {
        let arm = Arm {
            name: table.require::<String>("name")?.trim().to_string(),
            strategy: evolution_strategy(table, &["name"], dim)?,
        };
        // Budgets are hard ceilings: every arm must afford one generation.
        if budget.evaluations < arm.population() {
            return Err(budget_table.error(
                "evaluations",
                format!(
                    "must be at least {}: one generation of arm `{}` evaluates {} members \
                     (or make its `population` smaller)",
                    arm.population(),
                    arm.name,
                    arm.population()
                ),
            ));
        }
        arms.push(arm);
    }

    let runs = (arms.len() as u128).saturating_mul(header.seeds as u128);
    let mut needs = vec![Need {
        what: format!("the records of {runs} runs"),
        bytes: product(&[runs, budget.checkpoints as u128, ROW_BYTES]),
        at: (root, "seeds"),
    }];
    if arms
        .iter()
        .any(|a| !matches!(a.strategy, StrategyConfig::Ga(_)))
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
        .max_by_key(|(_, a)| run_bytes(a, dim))
    {
        let parallel = parallel_runs(runs);
        needs.push(Need {
            what: format!("{parallel} runs at once like arm `{}`", arm.name),
            bytes: run_bytes(arm, dim).saturating_mul(parallel),
            at: (table, "population"),
        });
    }
    fits(&needs)?;
    Ok(BlackBoxExperiment {
        name: header.name,
        description: header.description,
        seeds: header.seeds,
        function,
        budget,
        arms,
    })
}

/// Bytes one run of `arm` holds in `dim` dimensions: two generations of f32 members and
/// their f64 noise, and the strategy's model (C, B and B·D in f64 for full CMA-ES).
fn run_bytes(arm: &Arm, dim: usize) -> u128 {
    let (members, genes) = (arm.population() as u128, dim as u128);
    let population = product(&[members, genes, 2 * 4 + 2 * 8]);
    let model = match &arm.strategy {
        StrategyConfig::CmaEs(_) => product(&[3, genes, genes, 8]),
        _ => product(&[10, genes, 8]),
    };
    population.saturating_add(model)
}

fn validate_budget(budget: &Budget) -> Result<(), Invalid> {
    Invalid::unless(budget.evaluations >= 1, "evaluations", "must be at least 1")?;
    Invalid::unless(
        budget.target.is_finite() && budget.target > 0.0,
        "target",
        "must be a finite number > 0 (a distance f − f* to the minimum)",
    )?;
    Invalid::unless(
        (2..=10_000).contains(&budget.checkpoints),
        "checkpoints",
        "must be between 2 and 10000",
    )
}
