//! One experiment file, four kinds, chosen by the top-level `kind` key — the closed set
//! an experiment file can name. Each kind implements [`Experiment`]; everything here
//! dispatches to the one runner.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::black_box::BlackBoxExperiment;
use super::compare::CompareExperiment;
use super::few_shot::FewShotExperiment;
use super::hinton_nowlan::HintonNowlanExperiment;
use super::pipeline::{Experiment, Report};
use super::progress::Observer;
use super::runner::{self, Alone, Cluster, RunError, RunOptions};

/// [`runner::run_on`] without the rows.
fn on<E: Experiment>(
    cluster: &dyn Cluster,
    experiment: &E,
    resolved: &str,
    options: &RunOptions,
    observer: &dyn Observer,
    stop: &AtomicBool,
) -> Result<Option<Report>, RunError> {
    runner::run_on(cluster, experiment, resolved, options, observer, stop)
        .map(|done| done.map(|(_, report)| report))
}

crate::tagged_enum! {
    /// A validated experiment of any kind.
    #[derive(Debug, Clone, PartialEq)]
    pub enum AnyExperiment: "kind" {
        /// Learners against each other on one task.
        Compare(CompareExperiment) = "compare",
        /// Outer loops against each other, measured after fast adaptation.
        FewShot(FewShotExperiment) = "few_shot",
        /// The original Baldwin-effect model.
        HintonNowlan(HintonNowlanExperiment) = "hinton_nowlan",
        /// Strategies on standard test functions.
        BlackBox(BlackBoxExperiment) = "black_box",
    }
}

impl AnyExperiment {
    /// Names the results folder.
    pub fn name(&self) -> &str {
        match self {
            AnyExperiment::Compare(e) => &e.name,
            AnyExperiment::FewShot(e) => &e.name,
            AnyExperiment::HintonNowlan(e) => &e.name,
            AnyExperiment::BlackBox(e) => &e.name,
        }
    }

    /// The experiment's free-text description.
    pub fn description(&self) -> &str {
        match self {
            AnyExperiment::Compare(e) => &e.description,
            AnyExperiment::FewShot(e) => &e.description,
            AnyExperiment::HintonNowlan(e) => &e.description,
            AnyExperiment::BlackBox(e) => &e.description,
        }
    }

    /// The `kind` key that names this experiment's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyExperiment::Compare(_) => "compare",
            AnyExperiment::FewShot(_) => "few_shot",
            AnyExperiment::HintonNowlan(_) => "hinton_nowlan",
            AnyExperiment::BlackBox(_) => "black_box",
        }
    }

    /// Override the number of seeds (`--seeds`).
    pub fn set_seeds(&mut self, seeds: u64) {
        match self {
            AnyExperiment::Compare(e) => e.seeds = seeds,
            AnyExperiment::FewShot(e) => e.seeds = seeds,
            AnyExperiment::HintonNowlan(e) => e.hinton_nowlan.seeds = seeds,
            AnyExperiment::BlackBox(e) => e.seeds = seeds,
        }
    }

    /// One line for `baldwin validate`.
    pub fn describe(&self) -> String {
        match self {
            AnyExperiment::Compare(e) => {
                let data = e.task.build();
                let genomes: Vec<String> = e
                    .arms
                    .iter()
                    .map(|arm| {
                        let net = e.network_for(arm, &data);
                        let tiles = arm
                            .tile
                            .map_or(String::new(), |[r, c]| format!(", {r}x{c} tiles"));
                        let tying = match arm.tying {
                            crate::net::TyingPreset::None => format!("untied{tiles}"),
                            preset => format!("{}-tied{tiles}", preset.name()),
                        };
                        format!("{}: {} genes ({tying})", arm.name, net.genome_len())
                    })
                    .collect();
                format!(
                    "{} arms x {} seeds, {} samples per run; genomes: {}",
                    e.arms.len(),
                    e.seeds,
                    e.budget.samples,
                    genomes.join(", ")
                )
            }
            AnyExperiment::FewShot(e) => format!(
                "few-shot, {} methods x {} seeds, {} outer samples per run",
                e.arms.len(),
                e.seeds,
                e.budget.outer_samples
            ),
            AnyExperiment::HintonNowlan(e) => format!(
                "Hinton & Nowlan, {} generations x {} seeds",
                e.hinton_nowlan.generations, e.hinton_nowlan.seeds
            ),
            AnyExperiment::BlackBox(e) => format!(
                "black-box {} in {}-D, {} arms x {} seeds, {} evaluations per run",
                crate::options::Tagged::label(&e.function),
                e.function.dim(),
                e.arms.len(),
                e.seeds,
                e.budget.evaluations
            ),
        }
    }

    /// The experiment as a file, every default written out: it parses back to the same
    /// experiment and resolves to the same text. Saved as `config.toml` and compared by
    /// `--resume`.
    pub fn resolved(&self) -> String {
        format!(
            "# Resolved by baldwin {}: every key explicit, defaults filled in.\n{}",
            env!("CARGO_PKG_VERSION"),
            toml::to_string(self).expect("experiments serialise to TOML")
        )
    }

    /// Run every (arm, seed) into `options.out` and write the report.
    pub fn run(
        &self,
        options: &RunOptions,
        observer: &dyn Observer,
        stop: &AtomicBool,
    ) -> Result<Report, RunError> {
        let report = self.run_on(&Alone, options, observer, stop)?;
        Ok(report.expect("one process is rank 0"))
    }

    /// Run every (arm, seed) over the processes of `cluster` (see
    /// [`runner::run_on`]); rank 0 writes the report and returns it, every other rank
    /// returns `None`.
    pub fn run_on(
        &self,
        cluster: &dyn Cluster,
        options: &RunOptions,
        observer: &dyn Observer,
        stop: &AtomicBool,
    ) -> Result<Option<Report>, RunError> {
        let resolved = self.resolved();
        let report = match self {
            AnyExperiment::Compare(e) => on(cluster, e, &resolved, options, observer, stop),
            AnyExperiment::FewShot(e) => on(cluster, e, &resolved, options, observer, stop),
            AnyExperiment::HintonNowlan(e) => on(cluster, e, &resolved, options, observer, stop),
            AnyExperiment::BlackBox(e) => on(cluster, e, &resolved, options, observer, stop),
        }?;
        report
            .map(|report| self.with_page(report, &options.out))
            .transpose()
    }

    /// Add the folder's `index.html` (see [`super::page`]) to a finished report.
    fn with_page(&self, mut report: Report, dir: &Path) -> Result<Report, RunError> {
        let page = super::page::write_experiment_page(self, &report, dir)?;
        report.files.push(page);
        Ok(report)
    }

    /// Rebuild the report (and page) of a finished experiment in `dir` from its `runs.csv`.
    pub fn redraw(&self, dir: &Path) -> Result<Report, RunError> {
        let report = match self {
            AnyExperiment::Compare(e) => runner::redraw(e, dir),
            AnyExperiment::FewShot(e) => runner::redraw(e, dir),
            AnyExperiment::HintonNowlan(e) => runner::redraw(e, dir),
            AnyExperiment::BlackBox(e) => runner::redraw(e, dir),
        }?;
        self.with_page(report, dir)
    }
}
