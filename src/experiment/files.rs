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

/// Read rows written by [`rows_csv`] (lines starting with `#` are skipped).
pub fn read_rows<R: DeserializeOwned>(path: &Path) -> std::io::Result<Vec<R>> {
    rows_from(&std::fs::read(path)?)
}

/// Rows from CSV bytes (lines starting with `#` are skipped).
pub fn rows_from<R: DeserializeOwned>(bytes: &[u8]) -> std::io::Result<Vec<R>> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(bytes)
        .deserialize()
        .collect::<Result<Vec<R>, _>>()
        .map_err(std::io::Error::other)
}

/// FNV-1a (64 bit) of `bytes`: a fingerprint that tells configurations and file contents
/// apart (it guards against accidents — a damaged or foreign file — not against forgery).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// What the first line of a per-run file says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStamp {
    /// Fingerprint of the resolved configuration the run belongs to.
    pub config: u64,
    /// The arm's position in the file.
    pub arm: usize,
    /// The run's seed.
    pub seed: u64,
    /// Rows that follow.
    pub rows: usize,
    /// Fingerprint of the CSV that follows the stamp.
    pub checksum: u64,
}

const STAMP: &str = "# baldwin run v1";

impl RunStamp {
    /// The stamp line followed by `csv`, the file's whole contents.
    pub fn file(&self, csv: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "{STAMP} config={:016x} arm={} seed={} rows={} checksum={:016x}\n",
            self.config, self.arm, self.seed, self.rows, self.checksum
        )
        .into_bytes();
        out.extend_from_slice(csv);
        out
    }

    /// The stamp of a per-run file and the CSV after it; `None` if the file has no
    /// well-formed stamp or its CSV does not match the stamp's checksum.
    pub fn check(contents: &[u8]) -> Option<(RunStamp, &[u8])> {
        let end = contents.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&contents[..end]).ok()?;
        let fields = line.strip_prefix(STAMP)?;
        let value = |key: &str| {
            fields
                .split_whitespace()
                .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        };
        let hex = |key: &str| u64::from_str_radix(value(key)?, 16).ok();
        let stamp = RunStamp {
            config: hex("config")?,
            arm: value("arm")?.parse().ok()?,
            seed: value("seed")?.parse().ok()?,
            rows: value("rows")?.parse().ok()?,
            checksum: hex("checksum")?,
        };
        let csv = &contents[end + 1..];
        (fingerprint(csv) == stamp.checksum).then_some((stamp, csv))
    }
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
