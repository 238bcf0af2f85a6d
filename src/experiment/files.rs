//! Files of a results folder: atomic writes, and CSV of records.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::run::Record;

/// Write `contents` to `path` atomically: a temporary file in the same folder, flushed
/// to disk, then renamed over the target. A reader (or a resumed run) sees either the
/// old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(path);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

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
