//! The files of `[task] kind = "csv"`: found relative to the experiment file, sized
//! before they are read, read once when the file is validated, and fingerprinted so that
//! finished runs are reused only for the same contents.
//!
//! After loading, the task's `train` and `test` hold absolute paths, so the resolved
//! `config.toml` a run writes (and `baldwin plot` reads back) finds the same files from
//! any folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::experiment::config::table::Table;
use crate::experiment::error::ConfigError;
use crate::experiment::files::fingerprint;
use crate::experiment::resources::{Need, fits, product};
use crate::task::{CsvData, CsvTask, Part, parse_split};

/// Bytes of memory reading one byte of CSV may take at most: the parsed fields as text
/// (a field per two bytes at least, each a `String`) and the numbers they become.
const BYTES_PER_FILE_BYTE: u128 = 16;

/// Resolve, size, read and parse the files of `task`, written in `table`.
pub(super) fn load(table: &Table, task: &mut CsvTask) -> Result<(), ConfigError> {
    let base = table
        .source
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut files = Vec::with_capacity(2);
    for (part, written) in [(Part::Train, &task.train), (Part::Test, &task.test)] {
        let key = part.key();
        let written = written
            .as_deref()
            .ok_or_else(|| table.error(key, "is required (a CSV file)"))?;
        let shown = base.join(written);
        let absolute = std::fs::canonicalize(&shown).map_err(|e| {
            table.error(
                key,
                format!(
                    "cannot find `{}` ({e}); paths are relative to the experiment file's folder",
                    shown.display()
                ),
            )
        })?;
        let absolute_text = absolute
            .to_str()
            .ok_or_else(|| table.error(key, "the file's path must be valid UTF-8"))?
            .to_string();
        let metadata = std::fs::metadata(&absolute)
            .map_err(|e| table.error(key, format!("cannot read `{}`: {e}", shown.display())))?;
        // A device or pipe has no size to check (and /dev/zero never ends).
        if !metadata.is_file() {
            return Err(table.error(key, format!("`{}` is not a regular file", shown.display())));
        }
        let bytes = metadata.len();
        files.push((part, shown, absolute, absolute_text, bytes));
    }
    let needs: Vec<Need> = files
        .iter()
        .map(|(part, shown, _, _, bytes)| Need {
            what: format!("reading `{}`, {bytes} bytes", shown.display()),
            bytes: product(&[*bytes as u128, BYTES_PER_FILE_BYTE]),
            at: (table, part.key()),
        })
        .collect();
    fits(&needs)?;
    let mut contents = Vec::with_capacity(2);
    for (part, shown, absolute, _, _) in &files {
        let bytes = std::fs::read(absolute).map_err(|e| {
            table.error(
                part.key(),
                format!("cannot read `{}`: {e}", shown.display()),
            )
        })?;
        contents.push(bytes);
    }
    let name = files[0]
        .1
        .file_stem()
        .map_or_else(|| "csv".into(), |s| s.to_string_lossy().into_owned());
    let (split, features, classes) =
        parse_split(task, &name, &contents[0], &contents[1]).map_err(|e| {
            let shown: &PathBuf = &files[if e.part == Part::Train { 0 } else { 1 }].1;
            let mut at = shown.display().to_string();
            if e.line > 0 {
                at += &format!(":{}", e.line);
            }
            let column = match &e.column {
                Some((number, name)) => {
                    at += &format!(":{number}");
                    format!(" column `{name}`:")
                }
                None => String::new(),
            };
            table.error(e.part.key(), format!("{at}:{column} {}", e.message))
        })?;
    task.train = Some(files[0].3.clone());
    task.test = Some(files[1].3.clone());
    task.features = Some(features);
    task.data = Some(Arc::new(CsvData {
        split,
        classes,
        digest: format!(
            "{:016x}-{:016x}",
            fingerprint(&contents[0]),
            fingerprint(&contents[1])
        ),
    }));
    Ok(())
}
