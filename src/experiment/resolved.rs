//! The resolved experiment written back as TOML in the input format, every default
//! filled in: `config.toml` in a results folder is a file `baldwin run` accepts and that
//! reproduces the results.

use toml::{Table, Value};

use super::config::{Experiment, Learner, OptimizerKind, StrategySpec};
use crate::evolve::{Covariance, Selection};
use crate::task::TaskKind;

fn name_of<T: serde::Serialize>(value: &T) -> Value {
    Value::try_from(value).expect("unit enums serialise to strings")
}

fn float(x: f64) -> Value {
    // Round-trip f32 values through their shortest decimal form.
    Value::Float(format!("{}", x as f32).parse().unwrap_or(x))
}

impl Experiment {
    pub fn to_toml(&self) -> String {
        let mut root = Table::new();
        root.insert("name".into(), self.name.clone().into());
        root.insert("description".into(), self.description.clone().into());
        root.insert("seeds".into(), Value::Integer(self.seeds as i64));

        let t = &self.task;
        let mut task = Table::new();
        task.insert("kind".into(), name_of(&t.kind));
        let int = |n: usize| Value::Integer(n as i64);
        match t.kind {
            TaskKind::Xor | TaskKind::Digits => {}
            TaskKind::Parity => {
                task.insert("bits".into(), int(t.bits));
            }
            TaskKind::Spirals => {
                task.insert("points".into(), int(t.points));
                task.insert("noise".into(), float(t.noise as f64));
                task.insert("seed".into(), Value::Integer(t.seed as i64));
            }
            TaskKind::Sine | TaskKind::Motif | TaskKind::Mirror => {
                if t.kind != TaskKind::Sine {
                    task.insert("length".into(), int(t.length));
                }
                if t.kind == TaskKind::Motif {
                    let motif = t.motif.iter().map(|&b| Value::Integer(b as i64)).collect();
                    task.insert("motif".into(), Value::Array(motif));
                }
                task.insert("train".into(), int(t.train));
                task.insert("test".into(), int(t.test));
                task.insert("seed".into(), Value::Integer(t.seed as i64));
            }
        }
        root.insert("task".into(), Value::Table(task));

        let n = &self.network;
        let mut network = Table::new();
        network.insert(
            "hidden".into(),
            Value::Array(n.hidden.iter().map(|&h| int(h)).collect()),
        );
        network.insert("activation".into(), name_of(&n.activation));
        network.insert("tying".into(), name_of(&n.tying));
        if let Some(tile) = n.tile {
            network.insert(
                "tile".into(),
                Value::Array(vec![int(tile[0]), int(tile[1])]),
            );
        }
        root.insert("network".into(), Value::Table(network));

        let mut budget = Table::new();
        budget.insert("samples".into(), Value::Integer(self.budget.samples as i64));
        budget.insert("checkpoints".into(), int(self.budget.checkpoints));
        if let Some(target) = self.budget.target {
            budget.insert("target".into(), Value::Float(target));
        }
        root.insert("budget".into(), Value::Table(budget));

        let arms = self
            .arms
            .iter()
            .map(|arm| {
                let mut a = Table::new();
                a.insert("name".into(), arm.name.clone().into());
                a.insert("tying".into(), name_of(&arm.tying));
                if let Some(tile) = arm.tile {
                    a.insert(
                        "tile".into(),
                        Value::Array(vec![int(tile[0]), int(tile[1])]),
                    );
                }
                match &arm.learner {
                    Learner::Gradient {
                        optimizer,
                        lr,
                        momentum,
                        weight_decay,
                        batch,
                    } => {
                        a.insert("learner".into(), "gradient".into());
                        a.insert("optimizer".into(), name_of(optimizer));
                        a.insert("lr".into(), float(*lr as f64));
                        if *optimizer == OptimizerKind::Momentum {
                            a.insert("momentum".into(), float(*momentum as f64));
                        }
                        a.insert("weight_decay".into(), float(*weight_decay as f64));
                        a.insert("batch".into(), int(*batch));
                    }
                    Learner::Evolution { strategy, batch } => {
                        a.insert("learner".into(), "evolution".into());
                        a.insert("batch".into(), int(*batch));
                        match strategy {
                            StrategySpec::Ga(c) => {
                                a.insert("strategy".into(), "ga".into());
                                a.insert("population".into(), int(c.population));
                                a.insert("elite".into(), int(c.elite));
                                match c.selection {
                                    Selection::Truncation { fraction } => {
                                        a.insert("selection".into(), "truncation".into());
                                        a.insert("truncation".into(), float(fraction as f64));
                                    }
                                    Selection::Tournament { size } => {
                                        a.insert("selection".into(), "tournament".into());
                                        a.insert("tournament".into(), int(size));
                                    }
                                }
                                a.insert("mutation_sigma".into(), float(c.mutation_sigma as f64));
                                a.insert("self_adaptive".into(), c.self_adaptive.into());
                                a.insert("crossover".into(), name_of(&c.crossover));
                                a.insert("crossover_rate".into(), float(c.crossover_rate as f64));
                                a.insert("tie_rate".into(), float(c.tie_rate as f64));
                                a.insert("untie_rate".into(), float(c.untie_rate as f64));
                            }
                            StrategySpec::OpenAiEs(c) => {
                                a.insert("strategy".into(), "openai_es".into());
                                a.insert("population".into(), int(c.population));
                                a.insert("sigma".into(), float(c.sigma as f64));
                                a.insert("lr".into(), float(c.lr as f64));
                                a.insert("weight_decay".into(), float(c.weight_decay as f64));
                                a.insert("antithetic".into(), c.antithetic.into());
                                a.insert("shaping".into(), name_of(&c.shaping));
                            }
                            StrategySpec::Snes(c) => {
                                a.insert("strategy".into(), "snes".into());
                                a.insert("population".into(), int(c.population.unwrap_or(0)));
                                a.insert("sigma".into(), float(c.sigma as f64));
                            }
                            StrategySpec::CmaEs(c) => {
                                let name = match c.covariance {
                                    Covariance::Full => "cma_es",
                                    Covariance::Separable => "sep_cma_es",
                                };
                                a.insert("strategy".into(), name.into());
                                a.insert("population".into(), int(c.population.unwrap_or(0)));
                                a.insert("sigma".into(), float(c.sigma));
                            }
                        }
                    }
                }
                Value::Table(a)
            })
            .collect();
        root.insert("arm".into(), Value::Array(arms));
        format!(
            "# Resolved by baldwin {}: every key explicit, defaults filled in.\n{}",
            env!("CARGO_PKG_VERSION"),
            toml::to_string(&root).expect("tables of plain values serialise")
        )
    }
}
