//! Configuration errors that point at the file, line, column and key, list the allowed
//! values, and suggest the closest one for a typo.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A bad experiment file. Displayed as
/// `file:line:column: key `k`: message` followed by the allowed values and a suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The experiment file.
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in the file.
    pub line: usize,
    /// 1-based column; 0 when the problem has no place in the file.
    pub column: usize,
    /// The offending key, if any.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The values the key allows.
    pub allowed: Option<String>,
    /// The allowed value closest to what was written.
    pub suggestion: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(allowed) = &self.allowed {
            write!(f, "\n  allowed: {allowed}")?;
        }
        if let Some(suggestion) = &self.suggestion {
            write!(f, "\n  did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Turns byte spans of one source text into positioned errors.
pub struct Source<'a> {
    /// The file, for messages.
    pub file: &'a Path,
    /// Its text.
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based line and column of byte offset `at`.
    pub fn position(&self, at: usize) -> (usize, usize) {
        let at = at.min(self.text.len());
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
        (line, column)
    }

    /// The key written on the line of `at` (the text before `=`), if any.
    fn key_at(&self, at: usize) -> Option<String> {
        let at = at.min(self.text.len());
        let start = self.text[..at].rfind('\n').map_or(0, |nl| nl + 1);
        let end = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |nl| at + nl);
        let line = &self.text[start..end];
        let (key, _) = line.split_once('=')?;
        let key = key.trim();
        (!key.is_empty() && !key.starts_with('#')).then(|| key.to_string())
    }

    /// An error at `span` about `key`.
    pub fn error(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.position(span.start);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: Some(key.to_string()),
            message: message.into(),
            allowed: None,
            suggestion: None,
        }
    }

    /// An error with no key, e.g. about the file as a whole.
    pub fn general(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let (line, column) = span.map_or((0, 0), |s| self.position(s.start));
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: None,
            message: message.into(),
            allowed: None,
            suggestion: None,
        }
    }

    /// Translate a TOML/serde error: position from its span, the key from the text, and
    /// for unknown keys or values the allowed list (serde's "expected one of `a`, `b`")
    /// with the closest match.
    pub fn from_toml(&self, error: &toml::de::Error) -> ConfigError {
        let message = error.message().trim().to_string();
        let span = error.span();
        let mut out = self.general(span.clone(), message.clone());
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        let unknown =
            message.starts_with("unknown field") || message.starts_with("unknown variant");
        if unknown && !quoted.is_empty() {
            let (bad, allowed) = (quoted[0], &quoted[1..]);
            out.message = if message.starts_with("unknown field") {
                "unknown key".into()
            } else {
                format!("unknown value `{bad}`")
            };
            out.key = span
                .as_ref()
                .and_then(|s| self.key_at(s.start))
                .or_else(|| Some(bad.to_string()));
            if !allowed.is_empty() {
                out.allowed = Some(allowed.join(", "));
                out.suggestion = closest(bad, allowed);
            }
        } else if let Some(s) = &span {
            out.key = self.key_at(s.start);
        }
        out
    }
}

/// Names other tools use for this project's keys (pycma's `popsize`, PyTorch's
/// `batch_size`, ...): a user who writes one is pointed at ours.
const ALIASES: &[(&str, &str)] = &[
    ("popsize", "population"),
    ("pop_size", "population"),
    ("population_size", "population"),
    ("lambda", "population"),
    ("sigma0", "sigma"),
    ("std", "sigma"),
    ("learning_rate", "lr"),
    ("step_size", "lr"),
    ("batch_size", "batch"),
    ("minibatch", "batch"),
    ("n_seeds", "seeds"),
    ("num_seeds", "seeds"),
    ("elitism", "elite"),
    ("elites", "elite"),
    ("mutation_rate", "mutation_sigma"),
    ("mutation_std", "mutation_sigma"),
    ("hidden_sizes", "hidden"),
    ("layers", "hidden"),
    ("optimiser", "optimizer"),
    ("algorithm", "strategy"),
    ("method_name", "method"),
];

/// The allowed word closest to `word`: a known alias from another tool, else the most
/// similar one that is a plausible typo — Levenshtein distance (`strsim`) at most a third
/// of the word's length, or Jaro–Winkler similarity of at least 0.88, which also catches
/// shortened and extended names (`mutation` → `mutation_sigma`).
pub fn closest(word: &str, allowed: &[&str]) -> Option<String> {
    if let Some((_, ours)) = ALIASES
        .iter()
        .find(|(theirs, ours)| *theirs == word && allowed.contains(ours))
    {
        return Some(ours.to_string());
    }
    let limit = (word.chars().count() / 3).max(1);
    allowed
        .iter()
        .filter_map(|a| {
            let distance = strsim::levenshtein(word, a);
            let similarity = strsim::jaro_winkler(word, a);
            (distance <= limit || similarity >= 0.88).then_some((distance, *a))
        })
        .min()
        .map(|(_, a)| a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_only_plausible_typos() {
        let allowed = ["ga", "openai_es", "snes", "cma_es"];
        assert_eq!(closest("opnai_es", &allowed), Some("openai_es".into()));
        assert_eq!(closest("banana", &allowed), None);
    }

    #[test]
    fn closest_knows_other_tools_names_and_shortened_keys() {
        let keys = [
            "population",
            "sigma",
            "lr",
            "batch",
            "mutation_sigma",
            "elite",
        ];
        assert_eq!(closest("popsize", &keys), Some("population".into()));
        assert_eq!(closest("learning_rate", &keys), Some("lr".into()));
        assert_eq!(closest("batchsize", &keys), Some("batch".into()));
        assert_eq!(closest("mutation", &keys), Some("mutation_sigma".into()));
        // An alias is only suggested where its key applies.
        assert_eq!(closest("popsize", &["lr", "batch"]), None);
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let source = Source {
            file: Path::new("x.toml"),
            text: "a = 1\nbb = 2\n",
        };
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(6), (2, 1));
        assert_eq!(source.position(11), (2, 6));
    }
}
