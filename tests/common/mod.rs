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
