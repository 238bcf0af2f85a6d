//! One few-shot `[[arm]]` table → [`MetaArm`]: its lifetime keys, its method and the
//! method's keys, checked once with errors at the offending key.

use super::MetaArm;
use crate::evolve::StrategyConfig;
use crate::experiment::compare::parse::evolution_strategy;
use crate::experiment::config::table::Table;
use crate::experiment::error::ConfigError;
use crate::meta::{EvolutionMethod, Finetune, InnerLoop, InnerOptimizer, Method};
use crate::options::Tagged;

/// The most tasks one outer step may average over.
const MAX_META_BATCH: usize = 10_000;

/// Keys every few-shot arm has, whatever its method.
const ARM: &[&str] = &["name", "inner_steps", "inner_lr", "inner_optimizer"];
/// Keys of an evolution method besides its strategy's.
const EVOLUTION: &[&str] = &["tasks", "evolve_lr", "lamarckian"];

/// One `[[arm]]` table; `genes` and `layers` size an evolved genome.
pub(super) fn parse(
    table: &Table,
    inner: &InnerLoop,
    genes: usize,
    layers: usize,
) -> Result<MetaArm, ConfigError> {
    let name = table.require::<String>("name")?.trim().to_string();
    let lifetime = InnerLoop {
        steps: table.get("inner_steps")?.unwrap_or(inner.steps),
        lr: table.get("inner_lr")?.unwrap_or(inner.lr),
        optimizer: table
            .get::<InnerOptimizer>("inner_optimizer")?
            .unwrap_or(inner.optimizer),
    };
    lifetime
        .validate()
        .map_err(|e| table.error(&format!("inner_{}", e.key), e.message))?;
    let label = table.tag(Method::TAG, Method::VARIANTS, None)?;
    let method = if label == "evolution" {
        let skip: Vec<&str> = [ARM, EVOLUTION, &[Method::TAG]].concat();
        let tasks: usize = table.get("tasks")?.unwrap_or(1);
        if !(1..=1000).contains(&tasks) {
            return Err(table.error("tasks", "must be between 1 and 1000"));
        }
        let evolve_lr: bool = table.get("evolve_lr")?.unwrap_or(false);
        let lamarckian: bool = table.get("lamarckian")?.unwrap_or(false);
        let dim = genes + if evolve_lr { layers } else { 0 };
        let strategy = evolution_strategy(table, &skip, dim)?;
        if lamarckian && !matches!(strategy, StrategyConfig::Ga(_)) {
            return Err(table.error(
                "lamarckian",
                "needs strategy = \"ga\": only a GA keeps its members' genomes",
            ));
        }
        Method::Evolution(EvolutionMethod {
            tasks,
            evolve_lr,
            lamarckian,
            strategy,
        })
    } else {
        let method: Method = table
            .described(format!("`{label}` arms"))
            .variant_named(label, ARM)?;
        let (rate, meta_batch) = match &method {
            Method::Pretrain(c) => (Some(("lr", c.lr)), None),
            Method::Reptile(c) => (Some(("outer_lr", c.outer_lr)), Some(c.meta_batch)),
            Method::Fomaml(c) | Method::Maml(c) => {
                (Some(("outer_lr", c.outer_lr)), Some(c.meta_batch))
            }
            _ => (None, None),
        };
        if let Some((key, rate)) = rate
            && !(rate > 0.0 && rate.is_finite())
        {
            return Err(table.error(key, "must be > 0"));
        }
        if let Some(meta_batch) = meta_batch
            && !(1..=MAX_META_BATCH).contains(&meta_batch)
        {
            return Err(table.error(
                "meta_batch",
                format!("must be between 1 and {MAX_META_BATCH}"),
            ));
        }
        if let Method::Pretrain(c) = &method
            && !(c.scale > 0.0 && c.scale.is_finite())
        {
            return Err(table.error("scale", "must be > 0"));
        }
        if let Method::Pretrain(c) = &method
            && c.finetune == Finetune::Head
            && lifetime.optimizer != InnerOptimizer::Sgd
        {
            return Err(table.error(
                "finetune",
                "finetune = \"head\" needs inner_optimizer = \"sgd\" (per-layer rates freeze \
                 the body); use finetune = \"all\" with adam",
            ));
        }
        if matches!(method, Method::Maml(_)) && lifetime.optimizer != InnerOptimizer::Sgd {
            let key = if table.has("inner_optimizer") {
                "inner_optimizer"
            } else {
                "method"
            };
            return Err(table.error(
                key,
                "method = \"maml\" needs inner_optimizer = \"sgd\": its exact meta-gradient \
                 differentiates through plain SGD steps",
            ));
        }
        method
    };
    Ok(MetaArm {
        name,
        inner_steps: lifetime.steps,
        inner_lr: lifetime.lr,
        inner_optimizer: lifetime.optimizer,
        method,
    })
}
