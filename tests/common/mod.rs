//! Helpers shared by the integration tests that read results folders.
#![allow(dead_code)]

use std::path::Path;

/// runs.csv without the wall-clock column, which is the only non-deterministic one.
pub fn runs_without_wall_time(dir: &Path) -> String {
    without_column(dir, "runs.csv", "wall_s")
}

/// A CSV file of `dir` with column `column` removed.
pub fn without_column(dir: &Path, file: &str, column: &str) -> String {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let wall = header.iter().position(|h| *h == column).unwrap();
    text.lines()
        .map(|line| {
            line.split(',')
                .enumerate()
                .filter(|(i, _)| *i != wall)
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run the `baldwin` binary with `args` (no colours).
pub fn baldwin(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_baldwin"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Run the `baldwin` binary with `args` on `threads` rayon threads (no colours).
pub fn baldwin_threads(args: &[&str], threads: usize) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_baldwin"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("the binary runs")
}

/// Run the `baldwin` binary with `args`, on `threads` rayon threads when given.
pub fn baldwin_on(args: &[&str], threads: Option<usize>) -> std::process::Output {
    match threads {
        Some(threads) => baldwin_threads(args, threads),
        None => baldwin(args),
    }
}

/// The texts of an SVG file, trimmed, in document order.
pub fn svg_texts(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .collect()
}

/// The standard output of a command that must have succeeded.
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
