//! One description of every option.
//!
//! Every configurable thing — a strategy, an optimiser, a task, an outer loop — is a
//! plain struct with `#[serde(default, deny_unknown_fields)]` and a `Default` impl: that
//! one declaration gives the library its defaults, the experiment-file parser its keys,
//! `baldwin list` its default column and the resolved config its text. Choices between
//! such structs are enums tagged by one key (`strategy = "ga"`, `learner = "gradient"`),
//! declared with [`tagged_enum!`](crate::tagged_enum), which also records the variant
//! names so that the file parser can pick a variant by its tag and deserialize it with
//! the positions of its keys intact. Range checks return [`Invalid`], naming the key.
//!
//! A leaf module: it knows nothing else of the crate.

use serde::{Deserialize, Serialize};

/// An enum whose variants are chosen by one key of a table (`TAG`), each variant owning
/// the table's other keys.
pub trait Tagged: Sized {
    /// The key that names the variant, e.g. `"strategy"`.
    const TAG: &'static str;
    /// Every variant's name as written in files, in declaration order.
    const VARIANTS: &'static [&'static str];

    /// Deserialize the variant named `label` from the rest of its table.
    fn from_variant<'de, D: serde::Deserializer<'de>>(
        label: &str,
        rest: D,
    ) -> Result<Self, D::Error>;

    /// The variant's name as written in files.
    fn label(&self) -> &'static str;
}

/// Declares an enum tagged by one key, with one newtype variant per choice:
///
/// ```
/// use baldwin::options::{NoKeys, Tagged};
/// #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
/// #[serde(default, deny_unknown_fields)]
/// pub struct Sgd { pub lr: f32 }
///
/// baldwin::tagged_enum! {
///     /// An optimiser.
///     #[derive(Debug, Clone, PartialEq)]
///     pub enum Choice: "optimizer" {
///         /// Plain SGD.
///         Sgd(Sgd) = "sgd",
///         /// No optimiser at all.
///         Nothing(NoKeys) = "nothing",
///     }
/// }
/// assert_eq!(Choice::VARIANTS, ["sgd", "nothing"]);
/// let text = toml::to_string(&Choice::Sgd(Sgd { lr: 0.5 })).unwrap();
/// assert_eq!(text, "optimizer = \"sgd\"\nlr = 0.5\n");
/// ```
#[macro_export]
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $tag:literal {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $label:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(tag = $tag)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $label)] $variant($ty), )*
        }

        impl $crate::options::Tagged for $name {
            const TAG: &'static str = $tag;
            const VARIANTS: &'static [&'static str] = &[$($label),*];

            fn from_variant<'de, D: serde::Deserializer<'de>>(
                label: &str,
                rest: D,
            ) -> Result<Self, D::Error> {
                match label {
                    $( $label => <$ty as serde::Deserialize>::deserialize(rest).map($name::$variant), )*
                    other => Err(<D::Error as serde::de::Error>::unknown_variant(
                        other,
                        Self::VARIANTS,
                    )),
                }
            }

            fn label(&self) -> &'static str {
                match self {
                    $( $name::$variant(_) => $label, )*
                }
            }
        }
    };
}

/// The keys of a variant that has none (`method = "scratch"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoKeys {}

/// A value out of its allowed range: the key, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct Invalid {
    /// The offending key, as written in files.
    pub key: &'static str,
    /// What the key must be, e.g. "must be at least 1".
    pub message: String,
}

impl Invalid {
    /// `Err` naming `key` unless `ok`.
    pub fn unless(ok: bool, key: &'static str, message: impl Into<String>) -> Result<(), Self> {
        if ok {
            Ok(())
        } else {
            Err(Self {
                key,
                message: message.into(),
            })
        }
    }
}
