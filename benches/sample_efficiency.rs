//! `cargo bench --bench sample_efficiency`: runs shipped experiments at bench settings
//! and writes `results/bench/<experiment>/` plus `results/bench/summary.md` — how many
//! training examples each learner needs, next to criterion's "how much compute per
//! example" in the other benches.
//!
//! Bench settings: the shipped files with fewer seeds where a full run would take
//! minutes; everything else (budgets, hyper-parameters) as shipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use baldwin::experiment::{self, AnyExperiment, RunOptions, Silent};

const EXPERIMENTS: &[(&str, u64)] = &[
    ("experiments/quickstart.toml", 3),
    ("experiments/xor.toml", 5),
    ("experiments/segmentation.toml", 3),
    ("experiments/sine-few-shot.toml", 3),
    ("experiments/hinton-nowlan.toml", 5),
];

fn main() {
    // `cargo test --benches` runs this once with `--bench`-less arguments: keep it cheap.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let out = Path::new("results/bench");
    let stop = AtomicBool::new(false);
    let mut summary = String::from(
        "# Sample efficiency at bench settings\n\n\
         Written by `cargo bench --bench sample_efficiency`. Each section is one shipped \
         experiment (fewer seeds than the file where noted); the plots sit next to this file.\n\n",
    );
    for &(file, seeds) in EXPERIMENTS {
        let text = std::fs::read_to_string(file).expect("shipped experiment files exist");
        let mut e =
            experiment::parse_any(Path::new(file), &text).unwrap_or_else(|err| panic!("{err}"));
        e.set_seeds(if smoke { 1 } else { seeds });
        if smoke {
            shrink(&mut e);
        }
        let dir: PathBuf = if smoke {
            std::env::temp_dir()
                .join("baldwin-bench-smoke")
                .join(e.name())
        } else {
            out.join(e.name())
        };
        let started = Instant::now();
        let options = RunOptions {
            force: true,
            ..RunOptions::new(dir.clone())
        };
        let report = e
            .run(&options, &Silent, &stop)
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        let (markdown, files) = (report.markdown, report.files);
        eprintln!("{file}: {:.1} s", started.elapsed().as_secs_f64());
        summary.push_str(&format!(
            "## {} ({} seeds, {:.0} s)\n\n{}\n",
            e.name(),
            if smoke { 1 } else { seeds },
            started.elapsed().as_secs_f64(),
            markdown.lines().skip(1).collect::<Vec<_>>().join("\n")
        ));
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|x| x == "svg"))
        {
            // Also flat in results/bench/: `<experiment>-<plot>.svg`.
            let flat = format!("{}-{}", e.name(), f.file_name().unwrap().to_string_lossy());
            if !smoke {
                std::fs::copy(f, out.join(&flat)).unwrap();
            }
            summary.push_str(&format!("![{flat}]({flat})\n"));
        }
        summary.push('\n');
    }
    if !smoke {
        std::fs::create_dir_all(out).unwrap();
        std::fs::write(out.join("summary.md"), summary).unwrap();
        eprintln!("wrote {}", out.join("summary.md").display());
    }
}

/// Tiny budgets for the `cargo test --benches` smoke run.
fn shrink(e: &mut AnyExperiment) {
    match e {
        AnyExperiment::Compare(c) => c.budget.samples = c.budget.samples.min(20_000),
        AnyExperiment::FewShot(f) => {
            f.budget.outer_samples = f.budget.outer_samples.min(5_000);
            f.evaluation.tasks = 5;
        }
        AnyExperiment::HintonNowlan(h) => {
            h.hinton_nowlan.generations = 3;
            h.hinton_nowlan.population = 100;
        }
        AnyExperiment::BlackBox(b) => {
            let most = b.arms.iter().map(|a| a.population()).max().unwrap_or(1);
            b.budget.evaluations = b.budget.evaluations.min(most.max(200));
        }
    }
}
