//! The reference of every experiment key, printed by `baldwin list` and shown in the
//! README. Defaults are not written here: each is read from the `Default` of the type
//! that owns the key, so the reference cannot drift from the code. Only the one-line
//! descriptions are text; a test checks that every key the types serialise is described.

use std::fmt::Write as _;

use serde::Serialize;

mod black_box;
mod compare;
mod few_shot;

/// One table (or variant) of the reference: a heading, its keys' defaults as the code
/// has them, and a description per key.
pub struct Section {
    /// The heading, e.g. `strategy = "ga"  (Such et al. 2017)`.
    pub heading: &'static str,
    /// Indentation level of the heading.
    pub depth: usize,
    /// The defaults, serialised from the owning type's `Default`.
    pub defaults: toml::Table,
    /// `(key, default shown when the type has none, description)`, in display order.
    pub keys: &'static [(&'static str, &'static str, &'static str)],
}

pub(super) fn defaults<T: Serialize>(value: T) -> toml::Table {
    toml::Table::try_from(value).expect("configs serialise to tables")
}

/// Every section of the reference, in display order./// The keys every experiment kind has at its top level.
pub(super) const HEADER: &[(&str, &str, &str)] = &[
    (
        "name",
        "required",
        "letters, digits, '-', '_'; names the results folder",
    ),
    ("description", "\"\"", "free text"),
    ("seeds", "5", "runs per arm, seeds 0..seeds"),
];

/// A section; `defaults` empty where the keys have no `Default` type.
pub(super) fn s(
    heading: &'static str,
    depth: usize,
    defaults: toml::Table,
    keys: &'static [(&'static str, &'static str, &'static str)],
) -> Section {
    Section {
        heading,
        depth,
        defaults,
        keys,
    }
}

/// Every section of the reference, in display order.
pub fn sections() -> Vec<Section> {
    let mut all = compare::sections();
    all.extend(few_shot::sections());
    all.extend(black_box::sections());
    all
}

/// A default as written in a file.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(",")
        ),
        // Defaults of f32 keys come back as f64: show them as written.
        toml::Value::Float(x) => format!("{:?}", *x as f32),
        other => other.to_string(),
    }
}

/// The whole reference, as `baldwin list` prints it.
pub fn reference() -> String {
    let mut text = String::from(
        "Experiment file reference (TOML). Unknown keys are errors. The top-level `kind`\n\
         picks the experiment type; `baldwin validate --resolved FILE` prints a file with\n\
         every default written out. Defaults below are read from the code. Counts\n\
         (samples, seeds, population, ...) may be written 2000000, 2_000_000 or 2e6.\n",
    );
    for section in sections() {
        let indent = "  ".repeat(section.depth);
        let _ = writeln!(text, "\n{indent}{}", section.heading);
        for (key, fallback, help) in section.keys {
            let default = section
                .defaults
                .get(*key)
                .map_or_else(|| fallback.to_string(), shown);
            let _ = writeln!(text, "{indent}  {key:<18} {default:<12} {help}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_config_type_has_is_described_with_the_codes_default() {
        for section in sections() {
            for key in section.defaults.keys() {
                assert!(
                    section.keys.iter().any(|(k, _, _)| k == key),
                    "{}: key `{key}` is not described",
                    section.heading
                );
            }
            for (key, fallback, _) in section.keys {
                // A key with a default in the code shows that default, never a text.
                if section.defaults.contains_key(*key) {
                    assert_eq!(
                        *fallback, "",
                        "{}: `{key}` has a default in the code",
                        section.heading
                    );
                }
            }
        }
    }
}
