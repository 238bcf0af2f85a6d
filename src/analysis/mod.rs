//! `analysis`: do networks trained by evolution and by gradient descent learn the same
//! features? `baldwin analyze DIR` reads the final networks a compare experiment saved
//! (`DIR/genomes/`, see [`crate::net::SavedNetwork`]) and writes `DIR/analysis/`.
//!
//! Besides the runs, the analysis always includes a baseline, `untrained`: the first
//! arm's network at the initial genome of each seed (`untrained-s0`, ...), which is where
//! every arm of that seed starts when its genome has that shape. Random features already
//! share much structure (they all reflect the input), so CKA between trained runs reads
//! against CKA between untrained ones and between a run and its starting point.
//!
//! Every hidden layer of every run (arm × seed) is probed on the task's test set (its
//! first [`PROBE_LIMIT`] examples, in file order). Runs are named `<arm>-s<seed>` with the
//! arm made file-safe (`Adam-s0`; see [`crate::experiment::files::run_name`]) and hidden
//! layers `h1`, `h2`, ...; the same names appear in the CSVs and in file names.
//!
//! - `cka.csv` (`layer,run_a,run_b,cka,cka_rbf`): linear and RBF CKA ([`linear_cka`],
//!   [`rbf_cka`]) of every ordered pair of runs: symmetric, ones on the diagonal.
//!   `cka-<layer>.svg` and `cka-rbf-<layer>.svg` draw them as heat maps, runs grouped by
//!   arm.
//! - `activations/<run>.<layer>.csv`: the probe activations (rows = probe examples,
//!   columns `u0, u1, ...`), so anyone can recompute the numbers
//!   (`scripts/cka_check.py` does, with numpy).
//! - `matching.csv` (`layer,run_a,run_b,units,mean_correlation,fraction_close`): every
//!   unordered pair of runs, units matched one-to-one by the Hungarian algorithm on
//!   |correlation| ([`match_units`]); `fraction_close` is the fraction of matched units with
//!   |r| > 0.9.
//! - `units.csv` (`run,arm,seed,layer,unit,classes_above_half,entropy_bits,shares_genes`):
//!   per hidden unit, its polysemanticity and whether its incoming weights come from a
//!   gene block expressed elsewhere too ([`profiles`], [`shares_genes`]); classification
//!   tasks only. `polysemanticity-<layer>.svg` draws the distribution per arm.
//! - `weights/<run>.w<k>.svg`: the final weights of weight layer `k` (1 = input layer) as
//!   a heat map; `weights/<run>.tying-w<k>.svg`: its tying map, for layers that share
//!   genes.
//! - `summary.csv` and `summary.md`: mean CKA (linear and RBF) and fraction of closely
//!   matched units within each arm (pairs of seeds) and between arms, with 95% bootstrap
//!   intervals; polysemanticity per arm, shared-gene units against the others.
//!
//! This module reads results folders; it knows compare experiments, networks, statistics
//! and plots, and nothing of the learners that produced the networks.

mod cka;
mod figures;
mod load;
mod matching;
mod report;
mod units;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

pub use cka::{Linear, Rbf, linear_cka, rbf_cka};
pub use load::Run;
pub use matching::{CLOSE, Matching, SCALE, Standardised, match_units};
pub use units::{UnitProfile, profile, profiles, shares_genes};

use crate::task::Labels;

/// Examples of the test set used as the probe set (the first ones, in file order); caps
/// the `n × n` kernel matrices of RBF CKA at 8 MB each.
pub const PROBE_LIMIT: usize = 1000;

/// Why a folder could not be analysed.
#[derive(Debug, Error)]
pub enum AnalysisError {
    /// Not a finished compare folder, or one whose runs lack saved networks.
    #[error("{0}")]
    BadInput(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
}

/// What `analyze` wrote.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// `summary.md`.
    pub markdown: String,
    /// Every file written.
    pub files: Vec<PathBuf>,
}

/// One hidden layer across runs.
struct LayerResults {
    /// `h1`, `h2`, ...
    name: String,
    /// Linear CKA, `runs × runs`, row-major.
    cka: Vec<f64>,
    /// RBF CKA, likewise.
    cka_rbf: Vec<f64>,
    /// `(a, b, matching)` for every pair of runs `a < b`.
    matches: Vec<(usize, usize, Matching)>,
    /// Per run, per unit (classification only; empty otherwise).
    profiles: Vec<Vec<UnitProfile>>,
}

/// Analyse the finished compare experiment in `dir` and write `dir/analysis/` (see the
/// module doc). Deterministic: the same folder gives the same files.
pub fn analyze(dir: &Path) -> Result<Analysis, AnalysisError> {
    let folder = load::folder(dir)?;
    let runs = &folder.runs;
    let probe = &folder.probe;
    let n = probe.len();
    let activations: Vec<Vec<Vec<f64>>> = runs
        .par_iter()
        .map(|run| load::hidden_activations(run, probe))
        .collect::<Result<_, _>>()?;
    let hidden = runs[0].network.architecture().layers() - 1;
    if runs
        .iter()
        .any(|r| r.network.architecture().layers() - 1 != hidden)
    {
        return Err(AnalysisError::BadInput(
            "the runs' networks have different numbers of hidden layers".into(),
        ));
    }
    let width = |r: usize, l: usize| runs[r].network.architecture().sizes()[l + 1];
    let layers: Vec<LayerResults> = (0..hidden)
        .map(|l| {
            let of = |r: usize| &activations[r][l];
            let linear: Vec<Linear> = (0..runs.len())
                .into_par_iter()
                .map(|r| Linear::new(of(r), n, width(r, l)))
                .collect();
            let rbf: Vec<Rbf> = (0..runs.len())
                .into_par_iter()
                .map(|r| Rbf::new(of(r), n, width(r, l)))
                .collect();
            let standardised: Vec<Standardised> = (0..runs.len())
                .map(|r| Standardised::new(of(r), n, width(r, l)))
                .collect();
            let pairs: Vec<(usize, usize)> = (0..runs.len())
                .flat_map(|a| (0..runs.len()).map(move |b| (a, b)))
                .collect();
            let cka: Vec<(f64, f64)> = pairs
                .par_iter()
                .map(|&(a, b)| {
                    (
                        linear_cka(&linear[a], &linear[b]),
                        rbf_cka(&rbf[a], &rbf[b]),
                    )
                })
                .collect();
            let matches = pairs
                .par_iter()
                .filter(|(a, b)| a < b)
                .map(|&(a, b)| (a, b, match_units(&standardised[a], &standardised[b])))
                .collect();
            let profiles = match &probe.labels {
                Labels::Classes { labels, classes } => (0..runs.len())
                    .map(|r| profiles(of(r), n, width(r, l), labels, *classes))
                    .collect(),
                Labels::Values { .. } => Vec::new(),
            };
            LayerResults {
                name: format!("h{}", l + 1),
                cka: cka.iter().map(|c| c.0).collect(),
                cka_rbf: cka.iter().map(|c| c.1).collect(),
                matches,
                profiles,
            }
        })
        .collect();
    report::write(dir, &folder, &activations, &layers)
}
