//! A task as configured: the `[task]` table of an experiment file, one struct of keys per
//! task kind, each with its defaults, its range checks, and the data it builds.

use serde::{Deserialize, Serialize};

use super::{CsvTask, DEFAULT_MOTIF, DEFAULT_STRING_LENGTH, Split, TaskKind};
use crate::net::{Head, Loss};
use crate::options::{Invalid, NoKeys};

/// Which number says how well a network does, and which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Test accuracy, higher is better.
    Accuracy,
    /// Test loss (MSE), lower is better.
    Loss,
}

impl Metric {
    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    /// What the metric is, for tables and axes.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "test accuracy",
            Metric::Loss => "test loss (MSE)",
        }
    }
}

/// N-bit parity: every 2^bits string, train = test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParityTask {
    /// String length, 2..=16.
    pub bits: usize,
}

impl Default for ParityTask {
    fn default() -> Self {
        Self { bits: 6 }
    }
}

/// Two spirals (Lang & Witbrock 1988), sampled with noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpiralsTask {
    /// Points per class, in the training and in the test set each.
    pub points: usize,
    /// Uniform noise added to each coordinate.
    pub noise: f32,
    /// Data seed.
    pub seed: u64,
}

impl Default for SpiralsTask {
    fn default() -> Self {
        Self {
            points: 200,
            noise: 0.05,
            seed: 0,
        }
    }
}

/// One sine wave to regress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SineTask {
    /// Training rows.
    pub train: usize,
    /// Test rows.
    pub test: usize,
    /// Data seed.
    pub seed: u64,
}

impl Default for SineTask {
    fn default() -> Self {
        Self {
            train: 200,
            test: 500,
            seed: 0,
        }
    }
}

/// Does `motif` occur anywhere in a random bit string?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotifTask {
    /// Bit-string length, 2..=64.
    pub length: usize,
    /// The pattern whose presence anywhere is the label.
    pub motif: Vec<u8>,
    /// Training rows.
    pub train: usize,
    /// Test rows.
    pub test: usize,
    /// Data seed.
    pub seed: u64,
}

impl Default for MotifTask {
    fn default() -> Self {
        Self {
            length: DEFAULT_STRING_LENGTH,
            motif: DEFAULT_MOTIF.to_vec(),
            train: 1000,
            test: 500,
            seed: 0,
        }
    }
}

/// Is a random bit string a palindrome?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MirrorTask {
    /// Bit-string length, 2..=64.
    pub length: usize,
    /// Training rows.
    pub train: usize,
    /// Test rows.
    pub test: usize,
    /// Data seed.
    pub seed: u64,
}

impl Default for MirrorTask {
    fn default() -> Self {
        Self {
            length: DEFAULT_STRING_LENGTH,
            train: 1000,
            test: 500,
            seed: 0,
        }
    }
}

crate::tagged_enum! {
    /// A task of a compare experiment, chosen by its `kind`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum TaskSpec: "kind" {
        /// XOR: the four points.
        Xor(NoKeys) = "xor",
        /// N-bit parity.
        Parity(ParityTask) = "parity",
        /// Two spirals.
        Spirals(SpiralsTask) = "spirals",
        /// The embedded UCI digits, fixed 1,348 / 449 split.
        Digits(NoKeys) = "digits",
        /// Sine regression.
        Sine(SineTask) = "sine",
        /// A motif anywhere in a bit string.
        Motif(MotifTask) = "motif",
        /// Palindromes.
        Mirror(MirrorTask) = "mirror",
        /// The user's own data: a training and a test CSV file.
        Csv(CsvTask) = "csv",
    }
}

/// `Err` naming `key` unless `rows` is at least 1.
fn rows(rows: usize, key: &'static str) -> Result<(), Invalid> {
    Invalid::unless(rows >= 1, key, "must be at least 1")
}

/// `Err` naming `length` unless it is in 2..=64.
fn string_length(length: usize) -> Result<(), Invalid> {
    Invalid::unless(
        (2..=64).contains(&length),
        "length",
        "must be between 2 and 64",
    )
}

impl TaskSpec {
    /// The task's kind (which also names its random streams).
    pub fn kind(&self) -> TaskKind {
        match self {
            TaskSpec::Xor(_) => TaskKind::Xor,
            TaskSpec::Parity(_) => TaskKind::Parity,
            TaskSpec::Spirals(_) => TaskKind::Spirals,
            TaskSpec::Digits(_) => TaskKind::Digits,
            TaskSpec::Sine(_) => TaskKind::Sine,
            TaskSpec::Motif(_) => TaskKind::Motif,
            TaskSpec::Mirror(_) => TaskKind::Mirror,
            TaskSpec::Csv(_) => TaskKind::Csv,
        }
    }

    /// Check every key's range, naming the first bad one.
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            TaskSpec::Xor(_) | TaskSpec::Digits(_) => Ok(()),
            TaskSpec::Parity(t) => Invalid::unless(
                (2..=16).contains(&t.bits),
                "bits",
                "must be between 2 and 16",
            ),
            TaskSpec::Spirals(t) => {
                Invalid::unless(t.points >= 2, "points", "must be at least 2")?;
                Invalid::unless(
                    t.noise >= 0.0 && t.noise.is_finite(),
                    "noise",
                    "must be finite and >= 0",
                )
            }
            TaskSpec::Sine(t) => rows(t.train, "train").and(rows(t.test, "test")),
            TaskSpec::Motif(t) => {
                string_length(t.length)?;
                Invalid::unless(
                    !t.motif.is_empty()
                        && t.motif.len() <= t.length
                        && t.motif.iter().all(|&b| b <= 1),
                    "motif",
                    "must be a non-empty list of 0s and 1s no longer than `length`",
                )?;
                rows(t.train, "train").and(rows(t.test, "test"))
            }
            TaskSpec::Mirror(t) => {
                string_length(t.length)?;
                rows(t.train, "train").and(rows(t.test, "test"))
            }
            TaskSpec::Csv(t) => t.validate(),
        }
    }

    /// `(train rows, test rows, features, outputs)` of the data [`build`](Self::build)
    /// would make, computed without making it (so that sizes can be checked first).
    /// Saturates instead of overflowing. A CSV task's shape is that of its loaded data
    /// (its files are sized before they are read).
    pub fn shape(&self) -> (usize, usize, usize, usize) {
        match self {
            TaskSpec::Xor(_) => (4, 4, 2, 1),
            TaskSpec::Parity(t) => {
                let rows = 1usize.checked_shl(t.bits as u32).unwrap_or(usize::MAX);
                (rows, rows, t.bits, 1)
            }
            TaskSpec::Spirals(t) => {
                let rows = t.points.saturating_mul(2);
                (rows, rows, 2, 2)
            }
            TaskSpec::Digits(_) => (1348, 449, 64, 10),
            TaskSpec::Sine(t) => (t.train, t.test, 1, 1),
            TaskSpec::Motif(t) => (t.train, t.test, t.length, 2),
            TaskSpec::Mirror(t) => (t.train, t.test, t.length, 2),
            TaskSpec::Csv(t) => {
                let s = &t.loaded().split;
                (
                    s.train.len(),
                    s.test.len(),
                    s.train.features,
                    s.train.outputs(),
                )
            }
        }
    }

    /// Build the data (deterministic for the spec; a CSV task's is the data it loaded).
    pub fn build(&self) -> Split {
        match self {
            TaskSpec::Xor(_) => super::xor(),
            TaskSpec::Parity(t) => super::parity(t.bits),
            TaskSpec::Spirals(t) => super::spirals(t.points, t.noise, t.seed),
            TaskSpec::Digits(_) => super::digits(),
            TaskSpec::Sine(t) => super::sine(t.train, t.test, t.seed),
            TaskSpec::Motif(t) => super::motif(t.length, &t.motif, t.train, t.test, t.seed),
            TaskSpec::Mirror(t) => super::mirror(t.length, t.train, t.test, t.seed),
            TaskSpec::Csv(t) => t.loaded().split.clone(),
        }
    }

    /// The number reported as the task's result.
    pub fn metric(&self) -> Metric {
        match self {
            TaskSpec::Sine(_) => Metric::Loss,
            TaskSpec::Csv(t) if !t.is_classification() => Metric::Loss,
            _ => Metric::Accuracy,
        }
    }

    /// Head and loss the task's labels call for: classes → softmax + cross-entropy;
    /// values → linear + MSE.
    pub fn head_and_loss(&self) -> (Head, Loss) {
        match self {
            TaskSpec::Xor(_) | TaskSpec::Parity(_) | TaskSpec::Sine(_) => (Head::Linear, Loss::Mse),
            TaskSpec::Csv(t) if !t.is_classification() => (Head::Linear, Loss::Mse),
            _ => (Head::Softmax, Loss::CrossEntropy),
        }
    }
}
