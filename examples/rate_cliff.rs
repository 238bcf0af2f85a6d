//! Evolved learning rates and the edge of stability: re-evaluate every learned
//! initialisation of a few-shot results folder that records its own inner rates
//! (`genomes/*.json` with `inner_lrs`, as Baldwinian arms with `evolve_lr` save them) with
//! those rates scaled by 1, 0.75, 0.5 and 0.25, on the folder's own evaluation tasks, and
//! print the query loss after each inner step.
//!
//! `cargo run --release --example rate_cliff -- docs/results/sine-scale` after
//! `baldwin run experiments/sine-scale.toml --out docs/results/sine-scale` (the genomes are
//! not committed). Without a folder it runs `tests/fixtures/few-shot-lifetimes.toml` into a
//! temporary folder first.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use baldwin::experiment::{AnyExperiment, RunOptions, Silent, load_any};
use baldwin::meta::{DigitImages, InnerLoop, InnerOptimizer, evaluate_init};
use baldwin::net::SavedNetwork;

const SCALES: [f32; 4] = [1.0, 0.75, 0.5, 0.25];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let given = std::env::args().nth(1);
    let dir = match &given {
        Some(dir) => PathBuf::from(dir),
        None => {
            let dir =
                std::env::temp_dir().join(format!("baldwin-rate-cliff-{}", std::process::id()));
            let experiment = load_any(Path::new("tests/fixtures/few-shot-lifetimes.toml"))?;
            let options = RunOptions::new(dir.clone());
            experiment.run(&options, &Silent, &AtomicBool::new(false))?;
            dir
        }
    };
    let AnyExperiment::FewShot(experiment) = load_any(&dir.join("config.toml"))? else {
        return Err(format!("{}: not a few-shot results folder", dir.display()).into());
    };
    let family = experiment.evaluation.family(&experiment.family);
    let images = if family.metric_is_accuracy() {
        DigitImages::load()
    } else {
        DigitImages::default()
    };
    let inner = InnerLoop {
        steps: experiment.evaluation.steps,
        lr: 0.0, // every layer's rate comes from the file
        optimizer: InnerOptimizer::Sgd,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("genomes"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut evaluated = 0;
    println!(
        "query loss after 0..={} inner steps, K = {}, {} evaluation tasks",
        inner.steps,
        experiment.headline_shots(),
        experiment.evaluation.tasks
    );
    for path in files {
        let saved: SavedNetwork = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let Some(lrs) = saved.inner_lrs.clone() else {
            continue;
        };
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (net, genes) = saved.load()?;
        let rates: Vec<String> = lrs.iter().map(|l| format!("{l:.2e}")).collect();
        println!("{name}: rates {}", rates.join(", "));
        for scale in SCALES {
            let scaled: Vec<f32> = lrs.iter().map(|l| l * scale).collect();
            let points = evaluate_init(
                &net,
                &family,
                &images,
                &genes.genes,
                Some(&scaled),
                &inner,
                &[experiment.headline_shots()],
                experiment.evaluation.tasks,
            )?;
            let curve: Vec<String> = points.iter().map(|p| format!("{:.3}", p.loss)).collect();
            println!("  x{scale:<4} {}", curve.join(" "));
        }
        evaluated += 1;
    }
    assert!(
        evaluated > 0,
        "no genome in {} records inner rates",
        dir.display()
    );
    Ok(())
}
