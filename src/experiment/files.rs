//! Files of a results folder: atomic writes, and rows as CSV.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::net::SavedNetwork;

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
    safe_name(name).to_ascii_lowercase()
}

/// `name` safe as a file name and in CSV, case kept: every character but ASCII letters,
/// digits and `-` becomes `-`, and leading or trailing `-` go (`"SGD+momentum"` →
/// `"SGD-momentum"`).
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.trim_matches('-').to_string()
}

/// The name of run (`arms[arm]`, `seed`) in file names: `<arm>-s<seed>` with the arm made
/// [`safe_name`] (`Adam-s0`, `SGD-momentum-s2`). An arm whose safe name is empty or that of
/// another arm is named by its position instead (`arm3-s0`), so names never collide.
pub fn run_name(arms: &[String], arm: usize, seed: u64) -> String {
    let safe = safe_name(&arms[arm]);
    let collides = arms
        .iter()
        .enumerate()
        .any(|(i, other)| i != arm && safe_name(other) == safe);
    if safe.is_empty() || collides {
        format!("arm{arm}-s{seed}")
    } else {
        format!("{safe}-s{seed}")
    }
}

/// The saved final network of run (`arms[arm]`, `seed`) of the results folder `out`:
/// `genomes/<`[`run_name`]`>.json`, in the format of [`SavedNetwork`].
pub fn network_file(out: &Path, arms: &[String], arm: usize, seed: u64) -> PathBuf {
    out.join("genomes")
        .join(format!("{}.json", run_name(arms, arm, seed)))
}

/// Write a run's final network to `path` atomically; a run that left none (it diverged)
/// removes a file an earlier configuration of the run left there, so that no network
/// outlives its run.
pub fn write_network(path: &Path, network: Option<SavedNetwork>) -> std::io::Result<()> {
    match network {
        Some(saved) => write_atomic(path, saved.to_json().as_bytes()),
        None if path.exists() => std::fs::remove_file(path),
        None => Ok(()),
    }
}

/// The keys whose values differ between two resolved files, as `key: old → new`, leaving
/// out those that never change what a run computes (`seeds`, `description`).
pub fn differences(old: &str, new: &str) -> Vec<String> {
    fn walk(
        path: &str,
        old: Option<&toml::Value>,
        new: Option<&toml::Value>,
        out: &mut Vec<String>,
    ) {
        use toml::Value;
        match (old, new) {
            (Some(Value::Table(a)), Some(Value::Table(b))) => {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let sub = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(&sub, a.get(key), b.get(key), out);
                }
            }
            (Some(Value::Array(a)), Some(Value::Array(b)))
                if a.iter().chain(b).all(|v| v.is_table()) =>
            {
                for i in 0..a.len().max(b.len()) {
                    walk(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
                }
            }
            (a, b) if a != b => {
                let shown = |v: Option<&Value>| v.map_or("(absent)".to_string(), |v| v.to_string());
                out.push(format!("{path}: {} → {}", shown(a), shown(b)));
            }
            _ => {}
        }
    }
    let parse = |text: &str| text.parse::<toml::Table>().ok().map(toml::Value::Table);
    let mut out = Vec::new();
    walk("", parse(old).as_ref(), parse(new).as_ref(), &mut out);
    out.retain(|d| !d.starts_with("seeds:") && !d.starts_with("description:"));
    out
}
