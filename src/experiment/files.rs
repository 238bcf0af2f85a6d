//! Files of a results folder: atomic writes, and CSV of records.

use std::path::Path;

use super::run::Record;

pub use crate::atomic::write as write_atomic;

/// Records as CSV text with a header.
pub fn records_csv(records: &[Record]) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for r in records {
        writer.serialize(r).map_err(std::io::Error::other)?;
    }
    if records.is_empty() {
        writer
            .write_record([
                "experiment",
                "arm",
                "seed",
                "samples",
                "evaluations",
                "wall_s",
                "train_loss",
                "test_loss",
                "test_metric",
                "genes",
                "status",
            ])
            .map_err(std::io::Error::other)?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Read records written by [`records_csv`].
pub fn read_records(path: &Path) -> std::io::Result<Vec<Record>> {
    let mut reader = csv::Reader::from_path(path).map_err(std::io::Error::other)?;
    reader
        .deserialize()
        .collect::<Result<Vec<Record>, _>>()
        .map_err(std::io::Error::other)
}

/// A file-name-safe form of an arm name: letters and digits kept, the rest `-`.
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_string()
}
