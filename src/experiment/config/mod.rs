//! The experiment file: TOML text → a validated experiment of any kind.
//!
//! Parsing is strict (unknown keys are errors) and every error names the file, line,
//! column and key, with the allowed values and a "did you mean" for typos. Ranges and
//! cross-key rules (a tile that must divide the hidden layers, a batch no larger than the
//! training set) are checked here, once, before anything runs; the checks themselves
//! belong to the library types they protect. Defaults come from the types' `Default`
//! (see [`crate::options`]).

mod counts;
pub(in crate::experiment) mod table;

use std::path::Path;

use toml::de::DeTable;

use super::any::AnyExperiment;
use super::error::{ConfigError, Source};
use super::resources::{MAX_ARMS, MAX_NAME_BYTES, MAX_SEEDS};
use crate::options::Tagged;
use table::Table;

/// Seeds per arm when a file names none.
pub const DEFAULT_SEEDS: u64 = 5;

/// The keys every experiment kind shares at its top level.
pub(in crate::experiment) struct Header {
    pub(in crate::experiment) name: String,
    pub(in crate::experiment) description: String,
    pub(in crate::experiment) seeds: u64,
}

impl Header {
    /// `name` (required; it names the results folder), `description` and `seeds`.
    pub(in crate::experiment) fn read(root: &Table) -> Result<Self, ConfigError> {
        let name = root.require::<String>("name")?.trim().to_string();
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(root.error(
                "name",
                "must be non-empty and use only letters, digits, '-' and '_' \
                 (it names the results folder)",
            ));
        }
        let seeds = root.get::<u64>("seeds")?.unwrap_or(DEFAULT_SEEDS);
        if !(1..=MAX_SEEDS).contains(&seeds) {
            return Err(root.error("seeds", format!("must be between 1 and {MAX_SEEDS}")));
        }
        Ok(Self {
            name,
            description: root.get::<String>("description")?.unwrap_or_default(),
            seeds,
        })
    }
}

/// The `[[arm]]` tables of `root`: at least one (else an error at `budget`, telling the
/// user to add `what`), at most [`MAX_ARMS`], with distinct, non-empty names that can be
/// parts of file names.
pub(in crate::experiment) fn arm_tables<'t, 'i>(
    root: &Table<'t, 'i>,
    budget: &Table<'t, 'i>,
    what: &str,
) -> Result<Vec<Table<'t, 'i>>, ConfigError> {
    let arms = root.tables("arm", "arms")?;
    if arms.is_empty() {
        let at = budget.span().start;
        return Err(root.source.general(
            Some(at..at),
            format!("the experiment has no [[arm]] tables; add at least one {what}"),
        ));
    }
    if arms.len() > MAX_ARMS {
        return Err(arms[MAX_ARMS].error("name", format!("at most {MAX_ARMS} arms")));
    }
    unique_names(&arms)?;
    Ok(arms)
}

/// Arms must have distinct, non-empty names.
fn unique_names(arms: &[Table]) -> Result<(), ConfigError> {
    let mut seen: Vec<String> = Vec::new();
    for arm in arms {
        let name = arm.require::<String>("name")?.trim().to_string();
        if name.is_empty() {
            return Err(arm.error("name", "must not be empty"));
        }
        if name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
            return Err(arm.error(
                "name",
                format!(
                    "must be at most {MAX_NAME_BYTES} bytes without control characters \
                     (it becomes part of file names)"
                ),
            ));
        }
        if seen.contains(&name) {
            return Err(arm.error(
                "name",
                format!("two arms are named `{name}`; arm names must be unique"),
            ));
        }
        seen.push(name);
    }
    Ok(())
}

/// Read, parse and validate an experiment file of any kind.
pub fn load_any(path: &Path) -> Result<AnyExperiment, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| {
        Source {
            file: path,
            text: "",
        }
        .general(None, format!("cannot read the file: {e}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        Source {
            file: path,
            text: &prefix,
        }
        .general(
            Some(valid..valid),
            "the file is not valid UTF-8 here; TOML files are UTF-8 text",
        )
    })?;
    parse_any(path, &text)
}

/// Parse and validate experiment text of any kind; `path` is used in messages only.
pub fn parse_any(path: &Path, text: &str) -> Result<AnyExperiment, ConfigError> {
    let source = Source { file: path, text };
    let parsed = DeTable::parse(text).map_err(|e| source.from_toml(&e))?;
    let integers = counts::whole_numbers(parsed.get_ref());
    let mut document = parsed;
    counts::integral_floats(document.get_mut(), &integers);
    let root = Table::root(&source, &document);
    let kind = root.tag(AnyExperiment::TAG, AnyExperiment::VARIANTS, Some("compare"))?;
    Ok(match kind {
        "compare" => AnyExperiment::Compare(super::compare::parse::parse(&root)?),
        "few_shot" => AnyExperiment::FewShot(super::few_shot::parse::parse(&root)?),
        "black_box" => AnyExperiment::BlackBox(super::black_box::parse::parse(&root)?),
        _ => AnyExperiment::HintonNowlan(super::hinton_nowlan::parse(&root)?),
    })
}
