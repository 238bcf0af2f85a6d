//! Reading a finished compare folder: its experiment, which runs finished how, their
//! saved networks, the probe set, and each network's hidden activations on it.

use std::collections::HashMap;
use std::path::Path;

use super::{AnalysisError, PROBE_LIMIT};
use crate::experiment::compare::{CompareExperiment, Record};
use crate::experiment::files::{network_file, read_rows, run_name};
use crate::experiment::{AnyExperiment, load_any};
use crate::net::{Network, Params, SavedNetwork, Workspace};
use crate::task::{Dataset, Labels};

/// One run with its final network.
pub struct Run {
    /// `<arm>-s<seed>`, as in file names (see `files::run_name`).
    pub name: String,
    /// The arm's name.
    pub arm: String,
    /// The arm's position in the file.
    pub arm_index: usize,
    /// The seed.
    pub seed: u64,
    /// The network (its tying may differ from the arm's preset: a GA can re-tie).
    pub network: Network,
    /// Its genome.
    pub params: Params,
}

/// A finished compare folder, ready to analyse.
pub struct Folder {
    /// The experiment of its `config.toml`.
    pub experiment: CompareExperiment,
    /// Runs with a saved network, in arm then seed order.
    pub runs: Vec<Run>,
    /// Runs left out and why (`Adam-s3`, `diverged`).
    pub excluded: Vec<(String, String)>,
    /// The first [`PROBE_LIMIT`] examples of the task's test set.
    pub probe: Dataset,
}

/// Load `dir`: refuses anything but a finished compare experiment, and a folder whose
/// finished runs lack networks (naming them).
pub fn folder(dir: &Path) -> Result<Folder, AnalysisError> {
    let bad = |message: String| AnalysisError::BadInput(message);
    if !dir.is_dir() {
        return Err(bad(format!("{} is not a results folder", dir.display())));
    }
    let config = dir.join("config.toml");
    if !config.is_file() {
        return Err(bad(format!(
            "{} has no config.toml: not a results folder of `baldwin run`",
            dir.display()
        )));
    }
    let experiment = match load_any(&config).map_err(|e| bad(e.to_string()))? {
        AnyExperiment::Compare(e) => e,
        other => {
            return Err(bad(format!(
                "{}: `analyze` reads compare experiments; this one is kind `{}`",
                dir.display(),
                other.kind()
            )));
        }
    };
    let runs_csv = dir.join("runs.csv");
    let rows: Vec<Record> = read_rows(&runs_csv).map_err(|e| {
        bad(format!(
            "{}: {e}; run the experiment to its end first",
            runs_csv.display()
        ))
    })?;
    let mut last_status: HashMap<(String, u64), String> = HashMap::new();
    for row in rows {
        last_status.insert((row.arm, row.seed), row.status);
    }
    let arms: Vec<String> = experiment.arms.iter().map(|a| a.name.clone()).collect();
    let (mut runs, mut excluded, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for (a, arm) in arms.iter().enumerate() {
        for seed in 0..experiment.seeds {
            let name = run_name(&arms, a, seed);
            match last_status.get(&(arm.clone(), seed)).map(String::as_str) {
                None => excluded.push((name, "not in runs.csv".to_string())),
                Some("diverged") => excluded.push((name, "diverged".to_string())),
                Some(_) => {
                    let path = network_file(dir, &arms, a, seed);
                    if !path.is_file() {
                        missing.push(name);
                        continue;
                    }
                    let text =
                        std::fs::read_to_string(&path).map_err(|source| AnalysisError::Io {
                            path: path.clone(),
                            source,
                        })?;
                    let (network, params) = SavedNetwork::from_json(&text)
                        .map_err(|e| bad(format!("{}: {e}", path.display())))?;
                    runs.push(Run {
                        name,
                        arm: arm.clone(),
                        arm_index: a,
                        seed,
                        network,
                        params,
                    });
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(bad(format!(
            "{} finished run(s) of {} have no saved network under genomes/ ({}): they \
             were run before networks were saved; run the experiment again with --force \
             to recompute them",
            missing.len(),
            dir.display(),
            missing.join(", ")
        )));
    }
    let data = experiment.task.build();
    let probe = first_rows(&data.test, PROBE_LIMIT);
    if let Some(run) = runs
        .iter()
        .find(|r| r.network.architecture().inputs() != probe.features)
    {
        return Err(bad(format!(
            "{}: its network reads {} inputs but the task has {} features",
            run.name,
            run.network.architecture().inputs(),
            probe.features
        )));
    }
    Ok(Folder {
        experiment,
        runs,
        excluded,
        probe,
    })
}

/// The first `limit` rows of `data`.
fn first_rows(data: &Dataset, limit: usize) -> Dataset {
    let n = data.len().min(limit);
    let labels = match &data.labels {
        Labels::Classes { labels, classes } => Labels::Classes {
            labels: labels[..n].to_vec(),
            classes: *classes,
        },
        Labels::Values { values, width } => Labels::Values {
            values: values[..n * width].to_vec(),
            width: *width,
        },
    };
    Dataset {
        inputs: data.inputs[..n * data.features].to_vec(),
        features: data.features,
        labels,
    }
}

/// The activations of every hidden layer of `run` on `probe`, each `[n, width]`
/// row-major, by the network's own forward pass.
pub fn hidden_activations(run: &Run, probe: &Dataset) -> Result<Vec<Vec<f64>>, AnalysisError> {
    let mut ws = Workspace::new();
    run.network
        .forward(&run.params.genes, &probe.inputs, probe.len(), &mut ws)
        .map_err(|e| AnalysisError::BadInput(format!("{}: {e}", run.name)))?;
    let hidden = run.network.architecture().layers() - 1;
    Ok((0..hidden)
        .map(|l| {
            ws.layer_output(l)
                .unwrap_or_default()
                .iter()
                .map(|&a| f64::from(a))
                .collect()
        })
        .collect())
}
