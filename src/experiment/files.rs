//! Files of a results folder: atomic writes, and rows as CSV.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::atomic::write as write_atomic;

/// Rows as CSV text with a header.
pub fn rows_csv<R: Serialize>(rows: &[R]) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(std::io::Error::other)?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Write `rows` as CSV to `path`, atomically.
pub fn write_rows<R: Serialize>(path: &Path, rows: &[R]) -> std::io::Result<()> {
    write_atomic(path, &rows_csv(rows)?)
}

/// Read rows written by [`rows_csv`].
pub fn read_rows<R: DeserializeOwned>(path: &Path) -> std::io::Result<Vec<R>> {
    let mut reader = csv::Reader::from_path(path).map_err(std::io::Error::other)?;
    reader
        .deserialize()
        .collect::<Result<Vec<R>, _>>()
        .map_err(std::io::Error::other)
}

/// The top of every `summary.md`: the experiment's name as a heading, then its
/// description, if any.
pub fn markdown_heading(name: &str, description: &str) -> String {
    if description.is_empty() {
        format!("# {name}\n\n")
    } else {
        format!("# {name}\n\n{description}\n\n")
    }
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
