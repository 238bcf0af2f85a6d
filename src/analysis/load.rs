//! Reading a finished compare folder: its experiment, which runs finished how, their
//! saved networks, the probe set, and each network's hidden activations on it.

use std::collections::HashMap;
use std::path::Path;

use super::{AnalysisError, PROBE_LIMIT};
use crate::experiment::compare::run::initial_genome;
use crate::experiment::compare::{CompareExperiment, Record};
use crate::experiment::files::{network_file, read_rows, run_name, safe_name};
use crate::experiment::{AnyExperiment, load_any};
use crate::net::{Network, Params, SavedNetwork, Workspace};
use crate::task::{Dataset, Labels};

/// One run with its final network.
pub struct Run {
    /// `<arm>-s<seed>`, as in file names (see `files::run_name`).
    pub name: String,
    /// The arm's name.
    pub arm: String,
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
    /// The untrained baseline (one run per seed), then the runs with a saved network, in
    /// arm then seed order.
    pub runs: Vec<Run>,
    /// Runs left out and why (`Adam-s3`, `diverged`).
    pub excluded: Vec<(String, String)>,
    /// The first [`PROBE_LIMIT`] examples of the task's test set.
    pub probe: Dataset,
    /// Arms that start from the baseline's network (same architecture and tying), so
    /// that the baseline of a seed is their run's starting point.
    pub start_at_baseline: Vec<String>,
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
    if runs.is_empty() {
        return Err(bad(format!(
            "{} has no finished run with a network to analyse",
            dir.display()
        )));
    }
    let data = experiment.task.build();
    let probe = first_rows(&data.test, PROBE_LIMIT);
    // The baseline: the first arm's network untrained, from the initial genome of each
    // seed (the one every arm of that seed starts from when its genome has that shape).
    let untrained = if arms.iter().any(|a| safe_name(a) == "untrained") {
        "untrained-baseline"
    } else {
        "untrained"
    };
    let network = experiment.network_for(&experiment.arms[0], &data);
    let baseline = (0..experiment.seeds).map(|seed| Run {
        name: format!("{untrained}-s{seed}"),
        arm: untrained.to_string(),
        seed,
        params: initial_genome(&network, seed),
        network: network.clone(),
    });
    let runs: Vec<Run> = baseline.chain(runs).collect();
    let start_at_baseline = experiment
        .arms
        .iter()
        .filter(|arm| experiment.network_for(arm, &data) == network)
        .map(|arm| arm.name.clone())
        .collect();
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
        start_at_baseline,
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
