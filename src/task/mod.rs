//! `task`: data sets with a fixed train/test split.
//!
//! A [`Dataset`] is a row-major input matrix with class labels or target values. Tasks
//! are pure data: they know nothing of networks or learners, except that their labels
//! can be handed to a loss as [`Targets`](crate::net::Targets).
//!
//! Where each task lives:
//! - `digits`: the embedded UCI handwritten digits (10 classes);
//! - `synthetic`: XOR and N-bit parity, whole input space enumerated;
//! - `spirals`: Lang & Witbrock's two spirals, sampled with noise (2 classes);
//! - `sine`: one sine wave to regress, and the sine *family* of Finn et al. (2017) that
//!   meta-learning draws tasks from;
//! - `strings`: bit strings with a translation-invariant rule (a motif occurs anywhere)
//!   and a mirror-symmetric one (palindromes), 2 balanced classes each;
//! - `csv`: the user's own data, a training and a test CSV file.
//!
//! Sampled tasks draw their training set from stream `[seed, kind, 0]` and their test set
//! from `[seed, kind, 1]` (`kind` is the [`TaskKind`] discriminant), so the two parts are
//! independent draws from one distribution and no two tasks share a stream.

mod csv;
mod dataset;
mod digits;
mod sampler;
mod sine;
mod spec;
mod spirals;
mod strings;
mod synthetic;

use serde::{Deserialize, Serialize};

use crate::rng::{Stream, stream};

pub use csv::{CsvData, CsvError, CsvTask, Part, parse_split};
pub use dataset::{Batch, Dataset, Labels, Split};
pub use digits::{DIGITS_IMAGES, digits};
pub use sampler::BatchSampler;
pub use sine::{SineFamily, sine, sine_task};
pub use spec::{Metric, MirrorTask, MotifTask, ParityTask, SineTask, SpiralsTask, TaskSpec};
pub use spirals::spirals;
pub use strings::{DEFAULT_MOTIF, DEFAULT_STRING_LENGTH, mirror, motif};
pub use synthetic::{parity, xor};

/// The tasks a configuration can name.
///
/// The discriminant names the task's random streams (see the module doc): renumbering a
/// variant would change its data, so new tasks take new numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// XOR.
    Xor = 0,
    /// N-bit parity.
    Parity = 1,
    /// Two spirals.
    Spirals = 2,
    /// The UCI digits.
    Digits = 3,
    /// Sine regression.
    Sine = 4,
    /// A motif anywhere in a bit string.
    Motif = 5,
    /// Palindromes.
    Mirror = 6,
    /// The user's own CSV files (not sampled: no streams).
    Csv = 7,
}

impl TaskKind {
    /// Every task kind.
    pub const ALL: [TaskKind; 8] = [
        TaskKind::Xor,
        TaskKind::Parity,
        TaskKind::Spirals,
        TaskKind::Digits,
        TaskKind::Sine,
        TaskKind::Motif,
        TaskKind::Mirror,
        TaskKind::Csv,
    ];

    /// The kind as written in files.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Xor => "xor",
            TaskKind::Parity => "parity",
            TaskKind::Spirals => "spirals",
            TaskKind::Digits => "digits",
            TaskKind::Sine => "sine",
            TaskKind::Motif => "motif",
            TaskKind::Mirror => "mirror",
            TaskKind::Csv => "csv",
        }
    }
}

/// A task sampled afresh for each part: `draw(rng, rows)` makes `train` rows from stream
/// `[seed, kind, 0]` and `test` rows from `[seed, kind, 1]`.
fn sampled_split(
    kind: TaskKind,
    name: String,
    seed: u64,
    [train, test]: [usize; 2],
    mut draw: impl FnMut(&mut Stream, usize) -> Dataset,
) -> Split {
    let mut part = |index: u64, rows: usize| draw(&mut stream(&[seed, kind as u64, index]), rows);
    Split {
        name,
        train: part(0, train),
        test: part(1, test),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_kind_names_are_distinct_lowercase_variant_names() {
        let names: Vec<_> = TaskKind::ALL.iter().map(|k| k.name()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), TaskKind::ALL.len());
        // Every variant is one word, so its snake_case serde name is its lowercase name.
        for kind in TaskKind::ALL {
            let debug = format!("{kind:?}").to_lowercase();
            assert_eq!(kind.name(), debug);
        }
    }
}
