//! What a results folder keeps of an experiment: which runs are finished and reusable,
//! which are to compute, and whether the folder holds runs of another configuration.

use std::collections::HashMap;
use std::path::Path;

use super::super::files::{
    RunStamp, differences, fingerprint, network_file, rows_from, write_atomic,
};
use super::super::pipeline::{Experiment, Row};
use super::super::progress::{Observer, Plan};
use super::{RunError, RunOptions, io_error, run_file};

/// What a run file in the folder means for its run.
enum Kept<R> {
    /// Intact, and of this arm's current configuration: its rows are reused.
    Rows(Vec<R>),
    /// Absent, cut short, damaged or mislabelled: the run is done (again).
    Redo,
    /// Intact, but of another configuration of the arm.
    Changed,
}

/// A run file is reused only if it carries a stamp (see [`RunStamp`]) whose checksum
/// matches its rows, names the run's current identity fingerprint, arm and seed, and
/// holds exactly the rows it announces, each of its own arm and seed.
fn kept<R: Row>(path: &Path, identity: u64, arm_index: usize, arm: &str, seed: u64) -> Kept<R> {
    let Ok(contents) = std::fs::read(path) else {
        return Kept::Redo;
    };
    let Some((stamp, csv)) = RunStamp::check(&contents) else {
        return Kept::Redo;
    };
    let Ok(rows) = rows_from::<R>(csv) else {
        return Kept::Redo;
    };
    let belongs = rows.iter().all(|r| r.arm() == arm && r.seed() == seed);
    let intact = stamp.arm == arm_index && stamp.seed == seed && stamp.rows == rows.len();
    if !(belongs && intact && !rows.is_empty()) {
        Kept::Redo
    } else if stamp.config != identity {
        Kept::Changed
    } else {
        Kept::Rows(rows)
    }
}

/// What the folder holds for an experiment: its arms, each arm's identity fingerprint,
/// every run (arm, seed) in order, the rows of the runs kept, and the runs to compute.
pub struct Survey<R> {
    /// The arms, in file order.
    pub arms: Vec<String>,
    /// Each arm's [`Experiment::run_identity`] fingerprint.
    pub identities: Vec<u64>,
    /// Every run, in arm then seed order.
    pub jobs: Vec<(usize, u64)>,
    /// The rows of finished runs, by run.
    pub done: HashMap<(usize, u64), Vec<R>>,
    /// The runs still to compute, in job order.
    pub pending: Vec<(usize, u64)>,
}

/// The arms, identities and runs of `experiment`, with nothing kept yet.
pub fn plan_of<E: Experiment>(experiment: &E) -> Survey<E::Row> {
    let arms = experiment.arm_names();
    let identities = (0..arms.len())
        .map(|a| fingerprint(experiment.run_identity(a).as_bytes()))
        .collect();
    let jobs = (0..arms.len())
        .flat_map(|a| (0..experiment.seeds()).map(move |s| (a, s)))
        .collect();
    Survey {
        arms,
        identities,
        jobs,
        done: HashMap::new(),
        pending: Vec::new(),
    }
}

/// Read what `options.out` keeps of `experiment`, refuse a folder of another
/// configuration (unless forced), write `resolved` as its `config.toml` and tell the
/// observer the plan. The caller holds the folder's lock.
pub fn survey<E: Experiment>(
    experiment: &E,
    resolved: &str,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<Survey<E::Row>, RunError> {
    let out = &options.out;
    let mut survey = plan_of(experiment);
    let (arms, identities) = (&survey.arms, &survey.identities);
    let mut changed = 0;
    for &(a, seed) in &survey.jobs {
        let path = run_file(out, a, &arms[a], seed);
        match kept(&path, identities[a], a, &arms[a], seed) {
            Kept::Rows(rows) => {
                // A run from before networks were saved: recomputed only when forced.
                let lacks_network = experiment.saves_networks()
                    && !rows.last().is_some_and(|r: &E::Row| r.diverged())
                    && !network_file(out, arms, a, seed).exists();
                if !(lacks_network && options.force) {
                    survey.done.insert((a, seed), rows);
                }
            }
            Kept::Changed => changed += 1,
            Kept::Redo => {}
        }
    }
    let config_path = out.join("config.toml");
    if changed > 0 && !options.force {
        let previous = std::fs::read_to_string(&config_path).unwrap_or_default();
        let differences = differences(&previous, resolved);
        return Err(RunError::Changed {
            dir: out.clone(),
            runs: changed,
            differences: match (previous.is_empty(), differences.is_empty()) {
                (true, _) => "its config.toml is gone".into(),
                (false, true) => {
                    "its run files do not match its config.toml, or the data files it reads \
                     have changed"
                        .into()
                }
                (false, false) => differences.join("; "),
            },
        });
    }
    // Written only once the folder is known to hold nothing that would be mixed in.
    write_atomic(&config_path, resolved.as_bytes()).map_err(io_error(&config_path))?;
    survey.pending = (survey.jobs.iter().copied())
        .filter(|job| !survey.done.contains_key(job))
        .collect();
    let (units_per_run, unit) = experiment.units_per_run();
    observer.plan(&Plan {
        experiment: experiment.name().to_string(),
        arms: survey.arms.len(),
        seeds: experiment.seeds(),
        pending: survey.pending.len(),
        kept: survey.done.len(),
        units_per_run,
        unit,
    });
    Ok(survey)
}
