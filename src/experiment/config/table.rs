//! Reading an experiment file with every value's position kept.
//!
//! serde's internally tagged enums buffer their input, which loses the positions TOML
//! errors need. So tables whose keys depend on a tag (`learner`, `strategy`, `method`,
//! `kind`) are read here: the tag picks the variant ([`Tagged`]), and the variant's own
//! struct is deserialized from the rest of the table through toml's span-keeping
//! deserializer. Every error then names the file, line, column and key.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::experiment::error::{ConfigError, Source, closest};
use crate::options::{Invalid, Tagged};

/// One table of the file, with its position.
#[derive(Clone)]
pub(in crate::experiment) struct Table<'t, 'i> {
    pub(in crate::experiment) source: &'t Source<'t>,
    table: &'t DeTable<'i>,
    span: Range<usize>,
    /// What the table is, for messages: "`gradient` arms", "[task]".
    what: String,
}

impl<'t, 'i> Table<'t, 'i> {
    /// The document's root table.
    pub(in crate::experiment) fn root(
        source: &'t Source<'t>,
        root: &'t Spanned<DeTable<'i>>,
    ) -> Self {
        Self {
            source,
            table: root.get_ref(),
            span: root.span(),
            what: "the top level".into(),
        }
    }

    /// The same table, described as `what` in messages.
    pub(in crate::experiment) fn described(&self, what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            ..self.clone()
        }
    }

    /// Reject every key not in `allowed`, naming the closest allowed one.
    pub(in crate::experiment) fn only(&self, allowed: &[&str]) -> Result<(), ConfigError> {
        for (key, _) in self.table.iter() {
            let key = key.get_ref().as_ref();
            if !allowed.contains(&key) {
                let mut e = self.source.error(
                    self.table
                        .iter()
                        .find(|(k, _)| k.get_ref() == key)
                        .map_or(self.span(), |(k, _)| k.span()),
                    key,
                    format!("unknown key in {}", self.what),
                );
                e.allowed = Some(allowed.join(", "));
                e.suggestion = closest(key, allowed);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Position of the table (for errors about it as a whole).
    pub(in crate::experiment) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    fn entry(
        &self,
        key: &str,
    ) -> Option<(
        &'t Spanned<std::borrow::Cow<'i, str>>,
        &'t Spanned<DeValue<'i>>,
    )> {
        self.table.iter().find(|(k, _)| k.get_ref() == key)
    }

    /// Whether the table holds `key`.
    pub(in crate::experiment) fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// Where `key`'s value is written, or the table's position if it is absent.
    pub(in crate::experiment) fn span_of(&self, key: &str) -> Range<usize> {
        self.entry(key).map_or(self.span(), |(_, v)| v.span())
    }

    /// An error about `key`, at its value.
    pub(in crate::experiment) fn error(
        &self,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        self.source.error(self.span_of(key), key, message)
    }

    /// An out-of-range value found by a library check.
    pub(in crate::experiment) fn invalid(&self, invalid: Invalid) -> ConfigError {
        self.error(invalid.key, invalid.message)
    }

    /// `key` deserialized as `T`, if present.
    pub(in crate::experiment) fn get<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some((_, value)) = self.entry(key) else {
            return Ok(None);
        };
        T::deserialize(ValueDeserializer::from(value.clone()))
            .map(Some)
            .map_err(|e| self.toml_error(&e, &[], &self.what))
    }

    /// `key` deserialized as `T`, which must be present.
    pub(in crate::experiment) fn require<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<T, ConfigError> {
        self.get(key)?.ok_or_else(|| {
            self.source.general(
                Some(self.span()),
                format!("{} needs the key `{key}`", self.what),
            )
        })
    }

    /// The sub-table `key`, if present.
    pub(in crate::experiment) fn table(
        &self,
        key: &str,
        what: &str,
    ) -> Result<Option<Table<'t, 'i>>, ConfigError> {
        let Some((_, value)) = self.entry(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::Table(table) => Ok(Some(Table {
                source: self.source,
                table,
                span: value.span(),
                what: what.into(),
            })),
            other => Err(self.error(key, format!("must be a table, not a {}", other.type_str()))),
        }
    }

    /// The array of tables `key` (`[[arm]]`), empty if absent.
    pub(in crate::experiment) fn tables(
        &self,
        key: &str,
        what: &str,
    ) -> Result<Vec<Table<'t, 'i>>, ConfigError> {
        let Some((_, value)) = self.entry(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.error(key, format!("must be an array of tables ([[{key}]])")));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::Table(table) => Ok(Table {
                    source: self.source,
                    table,
                    span: item.span(),
                    what: what.into(),
                }),
                _ => Err(self.source.error(item.span(), key, "must be a table")),
            })
            .collect()
    }

    /// The value of the tag `key`, one of `variants`; `default` when absent (or an error
    /// naming the allowed values when there is none).
    pub(in crate::experiment) fn tag(
        &self,
        key: &str,
        variants: &[&'static str],
        default: Option<&'static str>,
    ) -> Result<&'static str, ConfigError> {
        let allowed = variants.join(", ");
        let Some(label) = self.get::<String>(key)? else {
            return default.ok_or_else(|| {
                let mut e =
                    self.source
                        .error(self.span(), key, format!("{} needs a `{key}`", self.what));
                e.allowed = Some(allowed.clone());
                e
            });
        };
        variants
            .iter()
            .find(|v| **v == label)
            .copied()
            .ok_or_else(|| {
                let mut e = self.error(key, format!("unknown value `{label}`"));
                e.allowed = Some(allowed);
                e.suggestion = closest(&label, variants);
                e
            })
    }

    /// The table without the keys in `skip`, deserialized as `T`. Unknown keys are
    /// reported as not applying to what the table is, with the keys that do.
    pub(in crate::experiment) fn rest<T: DeserializeOwned>(
        &self,
        skip: &[&str],
    ) -> Result<T, ConfigError> {
        T::deserialize(self.rest_deserializer(skip))
            .map_err(|e| self.toml_error(&e, skip, &self.what))
    }

    /// The variant of `E` named by its tag, from the rest of the table (less `skip`).
    pub(in crate::experiment) fn variant<E: Tagged>(
        &self,
        skip: &[&str],
        default: Option<&'static str>,
    ) -> Result<E, ConfigError> {
        let label = self.tag(E::TAG, E::VARIANTS, default)?;
        self.variant_named(label, skip)
    }

    /// The variant `label` of `E`, from the rest of the table (less `skip` and the tag).
    pub(in crate::experiment) fn variant_named<E: Tagged>(
        &self,
        label: &str,
        skip: &[&str],
    ) -> Result<E, ConfigError> {
        let mut skip = skip.to_vec();
        skip.push(E::TAG);
        E::from_variant(label, self.rest_deserializer(&skip))
            .map_err(|e| self.toml_error(&e, &skip, &self.what))
    }

    fn rest_deserializer(&self, skip: &[&str]) -> ValueDeserializer<'i> {
        let mut rest = DeTable::new();
        for (key, value) in self.table.iter() {
            if !skip.contains(&key.get_ref().as_ref()) {
                rest.insert(key.clone(), value.clone());
            }
        }
        ValueDeserializer::from(Spanned::new(self.span(), DeValue::Table(rest)))
    }

    /// A TOML error with its position, and for an unknown key, the keys that apply.
    fn toml_error(
        &self,
        error: &toml::de::Error,
        also_allowed: &[&str],
        what: &str,
    ) -> ConfigError {
        let mut e = self.source.from_toml(error);
        if let Some(message) = super::counts::count_message(error.message()) {
            e.message = message;
        }
        if error.message().starts_with("unknown field")
            && let Some(key) = e.key.clone()
        {
            e.message = format!("does not apply to {what}");
            let expected: Vec<&str> = error
                .message()
                .split('`')
                .skip(3)
                .step_by(2)
                .chain(also_allowed.iter().copied())
                .collect();
            e.allowed = Some(expected.join(", "));
            e.suggestion = closest(&key, &expected);
        }
        e
    }
}
