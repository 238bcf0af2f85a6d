//! Hinton & Nowlan experiments (`kind = "hinton_nowlan"`): the model of
//! [`crate::meta::hinton_nowlan`] run through the one runner, with and without learning.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::Header;
use super::config::table::Table;
use super::error::ConfigError;
use super::pipeline::{Experiment, Report, Row, RunContext};
use super::resources::{MAX_GENERATIONS, MAX_SEEDS, Need, ROW_BYTES, fits, parallel_runs, product};
use super::runner::{RunError, io_error};
use crate::meta::hinton_nowlan::{self, GenerationRecord, HintonNowlanConfig};
use crate::options::Invalid;

/// A validated Hinton & Nowlan experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HintonNowlanExperiment {
    /// Names the results folder.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The model's parameters (the paper's by default), seeds included.
    pub hinton_nowlan: HintonNowlanConfig,
}

/// The arm names: with learning, and the one-trial control.
const LEARNING: &str = "learning";
const CONTROL: &str = "control";

impl HintonNowlanExperiment {
    fn arms(&self) -> Vec<bool> {
        [
            (true, self.hinton_nowlan.learning),
            (false, self.hinton_nowlan.control),
        ]
        .into_iter()
        .filter_map(|(learning, wanted)| wanted.then_some(learning))
        .collect()
    }
}

impl Row for GenerationRecord {
    fn arm(&self) -> &str {
        if self.learning { LEARNING } else { CONTROL }
    }
    fn seed(&self) -> u64 {
        self.seed
    }
    fn metric(&self) -> Option<f64> {
        Some(self.correct)
    }
    fn units(&self) -> u64 {
        self.generation as u64
    }
}

impl Experiment for HintonNowlanExperiment {
    type Row = GenerationRecord;
    type Shared = ();

    fn name(&self) -> &str {
        &self.name
    }

    fn arm_names(&self) -> Vec<String> {
        self.arms()
            .into_iter()
            .map(|learning| if learning { LEARNING } else { CONTROL }.to_string())
            .collect()
    }

    fn seeds(&self) -> u64 {
        self.hinton_nowlan.seeds
    }

    fn run_identity(&self, arm: usize) -> String {
        // Seeds and which arms run do not change a run: leave them out.
        let model = HintonNowlanConfig {
            seeds: 0,
            learning: true,
            control: true,
            ..self.hinton_nowlan.clone()
        };
        format!(
            "name = {:?}\narm = {:?}\n{}",
            self.name,
            self.arm_names()[arm],
            toml::to_string(&model).expect("configs serialise to TOML")
        )
    }

    fn units_per_run(&self) -> (u64, &'static str) {
        (self.hinton_nowlan.generations as u64, "generations")
    }

    fn prepare(&self) {}

    fn run(
        &self,
        _: &(),
        arm: usize,
        seed: u64,
        context: &RunContext,
    ) -> Result<Option<Vec<GenerationRecord>>, RunError> {
        let learning = self.arms()[arm];
        let records =
            hinton_nowlan::run_one(&self.hinton_nowlan, seed, learning, context.stop_flag());
        Ok(records.ok())
    }

    fn report(&self, rows: &[GenerationRecord], out: &Path) -> Result<Report, RunError> {
        let (markdown, files) =
            hinton_nowlan::write_results(&self.hinton_nowlan, rows, out).map_err(io_error(out))?;
        Ok(Report { markdown, files })
    }
}

/// Parse and validate a Hinton & Nowlan experiment from the document's root table.
pub(in crate::experiment) fn parse(root: &Table) -> Result<HintonNowlanExperiment, ConfigError> {
    root.only(&["kind", "name", "description", "hinton_nowlan"])?;
    let header = Header::read(root)?;
    let table = root.table("hinton_nowlan", "[hinton_nowlan]")?;
    let config: HintonNowlanConfig = match &table {
        Some(t) => t.rest(&[])?,
        None => HintonNowlanConfig::default(),
    };
    let at = table.as_ref().unwrap_or(root);
    let invalid = |key, message| match &table {
        Some(t) => t.invalid(Invalid { key, message }),
        None => root.error("hinton_nowlan", format!("{key}: {message}")),
    };
    if let Err((key, message)) = config.validate() {
        return Err(invalid(key, message));
    }
    if config.seeds > MAX_SEEDS {
        return Err(invalid("seeds", format!("must be at most {MAX_SEEDS}")));
    }
    if config.generations > MAX_GENERATIONS {
        return Err(invalid(
            "generations",
            format!("must be at most {MAX_GENERATIONS}"),
        ));
    }
    let arms = u128::from(config.learning) + u128::from(config.control);
    let runs = arms * config.seeds as u128;
    let genomes = product(&[config.population as u128, config.loci as u128]);
    fits(&[
        Need {
            what: format!(
                "{} runs at once, {genomes} alleles each",
                parallel_runs(runs)
            ),
            // This generation's alleles, the next, and fitness per member.
            bytes: product(&[
                parallel_runs(runs),
                genomes
                    .saturating_mul(2)
                    .saturating_add(product(&[config.population as u128, 8])),
            ]),
            at: (at, "population"),
        },
        Need {
            what: format!("the records of {runs} runs"),
            bytes: product(&[runs, config.generations as u128 + 1, ROW_BYTES]),
            at: (at, "generations"),
        },
    ])?;
    Ok(HintonNowlanExperiment {
        name: header.name,
        description: header.description,
        hinton_nowlan: config,
    })
}
