//! The files of `DIR/analysis/`: CSVs, the summary (table and Markdown) and, through
//! `figures`, the SVGs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::load::Folder;
use super::{Analysis, AnalysisError, LayerResults, PROBE_LIMIT, figures, shares_genes};
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS, Interval, stratified_bootstrap_ci};

/// Write `contents` to `path` atomically and remember it.
pub(super) fn save(
    files: &mut Vec<PathBuf>,
    path: PathBuf,
    contents: &str,
) -> Result<(), AnalysisError> {
    crate::atomic::write(&path, contents.as_bytes()).map_err(|source| AnalysisError::Io {
        path: path.clone(),
        source,
    })?;
    files.push(path);
    Ok(())
}

/// Runs of each arm, in order: `(arm name, first run, one past the last)`.
pub(super) fn arm_groups(folder: &Folder) -> Vec<(String, usize, usize)> {
    let mut groups: Vec<(String, usize, usize)> = Vec::new();
    for (r, run) in folder.runs.iter().enumerate() {
        match groups.last_mut() {
            Some(group) if group.0 == run.arm => group.2 = r + 1,
            _ => groups.push((run.arm.clone(), r, r + 1)),
        }
    }
    groups
}

/// Mean of the finite `values` with its 95% percentile-bootstrap interval (one stratum).
fn mean_ci(values: &[f64], seed: u64) -> (usize, Interval) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let interval = stratified_bootstrap_ci(
        &[&finite],
        stats::mean,
        DEFAULT_REPS,
        DEFAULT_CONFIDENCE,
        seed,
    );
    (finite.len(), interval)
}

fn shown(i: &Interval) -> String {
    if i.point.is_finite() {
        format!("{:.3} [{:.3}, {:.3}]", i.point, i.low, i.high)
    } else {
        "–".to_string()
    }
}

/// Write every file of `dir/analysis/`.
pub(super) fn write(
    dir: &Path,
    folder: &Folder,
    activations: &[Vec<Vec<f64>>],
    layers: &[LayerResults],
) -> Result<Analysis, AnalysisError> {
    let out = dir.join("analysis");
    let runs = &folder.runs;
    let count = runs.len();
    let mut files = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        for (l, values) in activations[r].iter().enumerate() {
            let width = run.network.architecture().sizes()[l + 1];
            let header: Vec<String> = (0..width).map(|u| format!("u{u}")).collect();
            let mut text = header.join(",") + "\n";
            for row in values.chunks(width.max(1)) {
                let row: Vec<String> = row.iter().map(|&v| (v as f32).to_string()).collect();
                text += &(row.join(",") + "\n");
            }
            let path = out
                .join("activations")
                .join(format!("{}.h{}.csv", run.name, l + 1));
            save(&mut files, path, &text)?;
        }
    }
    let mut cka = String::from("layer,run_a,run_b,cka,cka_rbf\n");
    let mut matching = String::from("layer,run_a,run_b,units,mean_correlation,fraction_close\n");
    for layer in layers {
        for a in 0..count {
            for b in 0..count {
                let (x, y) = (layer.cka[a * count + b], layer.cka_rbf[a * count + b]);
                let (ra, rb) = (&runs[a].name, &runs[b].name);
                writeln!(cka, "{},{ra},{rb},{x},{y}", layer.name).expect("to a String");
            }
        }
        for (a, b, m) in &layer.matches {
            let (ra, rb) = (&runs[*a].name, &runs[*b].name);
            let units = m.correlation.len();
            let (mean, close) = (m.mean(), m.fraction_close());
            writeln!(matching, "{},{ra},{rb},{units},{mean},{close}", layer.name)
                .expect("to a String");
        }
    }
    save(&mut files, out.join("cka.csv"), &cka)?;
    save(&mut files, out.join("matching.csv"), &matching)?;
    let classification = layers.iter().any(|l| !l.profiles.is_empty());
    if classification {
        let mut units =
            String::from("run,arm,seed,layer,unit,classes_above_half,entropy_bits,shares_genes\n");
        for (l, layer) in layers.iter().enumerate() {
            for (r, run) in runs.iter().enumerate() {
                for (u, p) in layer.profiles[r].iter().enumerate() {
                    let shared = shares_genes(&run.network, l, u);
                    writeln!(
                        units,
                        "{},{},{},{},{u},{},{},{shared}",
                        run.name,
                        run.arm,
                        run.seed,
                        layer.name,
                        p.classes_above_half,
                        p.entropy_bits
                    )
                    .expect("to a String");
                }
            }
        }
        save(&mut files, out.join("units.csv"), &units)?;
    }
    files.extend(figures::draw(&out, folder, layers)?);
    let (table, markdown) = summary(folder, layers);
    save(&mut files, out.join("summary.csv"), &table)?;
    let mut markdown = markdown;
    markdown += "\nFiles:\n\n";
    for file in &files {
        let shown = file.strip_prefix(&out).unwrap_or(file);
        if !shown.starts_with("activations") && !shown.starts_with("weights") {
            writeln!(markdown, "- `{}`", shown.display()).expect("to a String");
        }
    }
    markdown += "- `activations/<run>.<layer>.csv`, `weights/<run>.w<k>.svg`\n";
    save(&mut files, out.join("summary.md"), &markdown)?;
    Ok(Analysis { markdown, files })
}

/// `summary.csv` and the body of `summary.md`.
fn summary(folder: &Folder, layers: &[LayerResults]) -> (String, String) {
    let runs = &folder.runs;
    let count = runs.len();
    let groups = arm_groups(folder);
    let mut table = String::from(
        "layer,arm_a,arm_b,pairs,cka,cka_low,cka_high,cka_rbf,cka_rbf_low,cka_rbf_high,\
         fraction_close,fraction_close_low,fraction_close_high\n",
    );
    let mut md = format!(
        "# Do the learners learn the same features? ({})\n\n\
         Probe: the first {} examples of the test set (at most {PROBE_LIMIT}). {} runs \
         analysed.",
        folder.experiment.name,
        folder.probe.len(),
        count
    );
    if !folder.excluded.is_empty() {
        let left_out: Vec<String> = folder
            .excluded
            .iter()
            .map(|(run, why)| format!("{run} ({why})"))
            .collect();
        write!(md, " Left out: {}.", left_out.join(", ")).expect("to a String");
    }
    md += " `untrained` is the baseline: the first arm's network at each seed's initial \
           genome, before any training.";
    md += "\n\nCKA of two runs' hidden activations (1: the same representation up to \
           rotation and scale), averaged over pairs of runs: within an arm (pairs of \
           seeds) and between arms. *Close units*: fraction of units whose best one-to-one \
           partner (Hungarian matching on |correlation|) has |r| > 0.9. Intervals: 95% \
           percentile bootstrap over pairs; pairs share runs, so they are narrower than \
           intervals over independent runs would be.\n";
    for (l, layer) in layers.iter().enumerate() {
        write!(
            md,
            "\n## Layer {}\n\n| arm A | arm B | pairs | linear CKA | RBF CKA | close units |\n\
             |---|---|---:|---|---|---|\n",
            layer.name
        )
        .expect("to a String");
        for (i, (arm_a, start_a, end_a)) in groups.iter().enumerate() {
            for (j, (arm_b, start_b, end_b)) in groups.iter().enumerate().skip(i) {
                let pairs: Vec<(usize, usize)> = (*start_a..*end_a)
                    .flat_map(|a| (*start_b..*end_b).map(move |b| (a, b)))
                    .filter(|(a, b)| a < b)
                    .collect();
                let seed = (l * 1_000_000 + i * 1000 + j) as u64;
                let values = |m: &[f64]| pairs.iter().map(|(a, b)| m[a * count + b]).collect();
                let linear: Vec<f64> = values(&layer.cka);
                let rbf: Vec<f64> = values(&layer.cka_rbf);
                let close: Vec<f64> = layer
                    .matches
                    .iter()
                    .filter(|(a, b, _)| pairs.contains(&(*a, *b)))
                    .map(|(_, _, m)| m.fraction_close())
                    .collect();
                let (used, linear) = mean_ci(&linear, seed);
                let (_, rbf) = mean_ci(&rbf, seed + 1);
                let (_, close) = mean_ci(&close, seed + 2);
                writeln!(
                    table,
                    "{},{arm_a},{arm_b},{used},{},{},{},{},{},{},{},{},{}",
                    layer.name,
                    linear.point,
                    linear.low,
                    linear.high,
                    rbf.point,
                    rbf.low,
                    rbf.high,
                    close.point,
                    close.low,
                    close.high
                )
                .expect("to a String");
                writeln!(
                    md,
                    "| {arm_a} | {arm_b} | {used} | {} | {} | {} |",
                    shown(&linear),
                    shown(&rbf),
                    shown(&close)
                )
                .expect("to a String");
            }
        }
    }
    md += &distance_from_start(folder, layers, &groups);
    if layers.iter().any(|l| !l.profiles.is_empty()) {
        md += "\n## Polysemanticity\n\nPer hidden unit: the number of classes whose mean \
               activation differs from the unit's overall mean by more than half the \
               largest such difference (1: selective for one class), and the entropy of \
               those differences, normalised, in bits. Mean over units with a 95% \
               bootstrap interval (runs as strata). *Shared genes*: units whose incoming \
               weights come from a gene block that another tile also expresses (tied \
               layers; pleiotropy).\n\n\
               | layer | arm | units | classes above half | entropy (bits) | shared-gene \
               units | their classes above half | other units' |\n\
               |---|---|---:|---|---|---:|---|---|\n";
        for (l, layer) in layers.iter().enumerate() {
            for (i, (arm, start, end)) in groups.iter().enumerate() {
                let seed = (l * 1_000_000 + 500_000 + i) as u64;
                let strata = |f: &dyn Fn(usize, usize) -> Option<f64>| -> Vec<Vec<f64>> {
                    (*start..*end)
                        .map(|r| {
                            (0..layer.profiles[r].len())
                                .filter_map(|u| f(r, u))
                                .filter(|v| v.is_finite())
                                .collect()
                        })
                        .collect()
                };
                let ci = |s: &[Vec<f64>], seed: u64| {
                    let strata: Vec<&[f64]> = s.iter().map(Vec::as_slice).collect();
                    let i = stratified_bootstrap_ci(
                        &strata,
                        stats::mean,
                        DEFAULT_REPS,
                        DEFAULT_CONFIDENCE,
                        seed,
                    );
                    (s.iter().map(Vec::len).sum::<usize>(), i)
                };
                let classes = |r: usize, u: usize| layer.profiles[r][u].classes_above_half as f64;
                let shared = |r: usize, u: usize| shares_genes(&folder.runs[r].network, l, u);
                let (units, above) = ci(&strata(&|r, u| Some(classes(r, u))), seed);
                let entropy = strata(&|r, u| Some(layer.profiles[r][u].entropy_bits));
                let (_, entropy) = ci(&entropy, seed + 1);
                let sharing = strata(&|r, u| shared(r, u).then(|| classes(r, u)));
                let (shared_units, sharing) = ci(&sharing, seed + 2);
                let others = strata(&|r, u| (!shared(r, u)).then(|| classes(r, u)));
                let (_, others) = ci(&others, seed + 3);
                writeln!(
                    md,
                    "| {} | {arm} | {units} | {} | {} | {shared_units} | {} | {} |",
                    layer.name,
                    shown(&above),
                    shown(&entropy),
                    shown(&sharing),
                    shown(&others)
                )
                .expect("to a String");
            }
        }
    }
    (table, md)
}

/// How far each arm moved its hidden layers: CKA of every run with the untrained network
/// of its own seed (the first group), mean over seeds with a bootstrap interval.
fn distance_from_start(
    folder: &Folder,
    layers: &[LayerResults],
    groups: &[(String, usize, usize)],
) -> String {
    let runs = &folder.runs;
    let count = runs.len();
    let Some((_, start, end)) = groups.first() else {
        return String::new();
    };
    let mut md = "\n## How far training moved the hidden layers\n\nCKA of each run with \
                  the untrained network of its own seed, its starting point (arms whose \
                  network differs from the first arm's, e.g. by tying, start elsewhere and \
                  are left out): 1 means the layer's representation did not change. Mean over seeds, 95% bootstrap interval.\n\n\
                  | layer | arm | runs | linear CKA to own start | RBF CKA to own start |\n\
                  |---|---|---:|---|---|\n"
        .to_string();
    for (l, layer) in layers.iter().enumerate() {
        for (i, (arm, first, last)) in groups.iter().enumerate().skip(1) {
            if !folder.start_at_baseline.contains(arm) {
                continue;
            }
            let own = |m: &[f64]| -> Vec<f64> {
                (*first..*last)
                    .filter_map(|r| {
                        let base = (*start..*end).find(|&b| runs[b].seed == runs[r].seed)?;
                        Some(m[base * count + r])
                    })
                    .collect()
            };
            let seed = (l * 1_000_000 + 900_000 + i) as u64;
            let (used, linear) = mean_ci(&own(&layer.cka), seed);
            let (_, rbf) = mean_ci(&own(&layer.cka_rbf), seed + 1);
            writeln!(
                md,
                "| {} | {arm} | {used} | {} | {} |",
                layer.name,
                shown(&linear),
                shown(&rbf)
            )
            .expect("to a String");
        }
    }
    md
}
