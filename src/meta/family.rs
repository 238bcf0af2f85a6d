//! Task families for few-shot learning: each draw is a new task with a small support
//! set (the K shots a lifetime learns from) and a query set (held-out points of the same
//! task that measure what was learned).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::net::{Head, Loss};
use crate::options::Invalid;
use crate::rng::Stream;
use crate::task::{self, Dataset, Labels, SineFamily};

/// One task of a family.
#[derive(Debug, Clone)]
pub struct FewShotTask {
    /// The shots a lifetime learns from.
    pub support: Dataset,
    /// Held-out points of the same task that score what was learned.
    pub query: Dataset,
    /// The true class behind each of the task's labels (digits; empty for sine).
    pub classes: Vec<u32>,
}

/// Which classes a digits task may use: meta-training sees only `Train`; evaluation
/// only `Test`, so a method cannot score by memorising the evaluation classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Meta-training: the training classes.
    Train,
    /// Evaluation: the held-out classes.
    Test,
}

/// Sine regression tasks in the protocol of Finn et al. 2017: amplitude U[0.1, 5],
/// phase U[0, π], x U[−5, 5].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SineTasks {
    /// Query points scoring each task.
    pub query: usize,
}

impl Default for SineTasks {
    fn default() -> Self {
        Self { query: 10 }
    }
}

/// N-way K-shot digits: `ways` classes drawn from the phase's class pool, labels
/// assigned by a random permutation per task, `query` query images per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigitsTasks {
    /// Query images per class scoring each task.
    pub query: usize,
    /// Classes per task.
    pub ways: usize,
    /// Classes the outer loop may see.
    pub train_classes: Vec<u32>,
    /// Held-out classes for evaluation.
    pub test_classes: Vec<u32>,
}

impl Default for DigitsTasks {
    fn default() -> Self {
        Self {
            query: 10,
            ways: 5,
            train_classes: vec![0, 1, 2, 3, 4],
            test_classes: vec![5, 6, 7, 8, 9],
        }
    }
}

crate::tagged_enum! {
    /// A family of few-shot tasks, chosen by its `kind`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Family: "kind" {
        /// Sine regression (Finn et al. 2017).
        Sine(SineTasks) = "sine",
        /// N-way digits classification.
        Digits(DigitsTasks) = "digits",
    }
}

impl Family {
    /// Query points (per class for digits) that score each task.
    pub fn query(&self) -> usize {
        match self {
            Family::Sine(t) => t.query,
            Family::Digits(t) => t.query,
        }
    }

    /// The same family scored on `query` query points (per class for digits): the
    /// evaluation protocol may score with more points than outer training uses.
    pub fn with_query(&self, query: usize) -> Family {
        let mut family = self.clone();
        match &mut family {
            Family::Sine(t) => t.query = query,
            Family::Digits(t) => t.query = query,
        }
        family
    }

    /// Check every key, naming the first bad one.
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            Family::Sine(t) => Invalid::unless(t.query >= 1, "query", "must be at least 1"),
            Family::Digits(t) => {
                Invalid::unless(t.query >= 1, "query", "must be at least 1")?;
                for (key, classes) in [
                    ("train_classes", &t.train_classes),
                    ("test_classes", &t.test_classes),
                ] {
                    let mut sorted = classes.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    Invalid::unless(
                        !classes.is_empty()
                            && classes.iter().all(|&d| d <= 9)
                            && sorted.len() == classes.len(),
                        key,
                        "must be distinct digits 0..9",
                    )?;
                }
                if let Some(c) = t.test_classes.iter().find(|c| t.train_classes.contains(c)) {
                    return Err(Invalid {
                        key: "test_classes",
                        message: format!(
                            "class {c} is also a training class; evaluation classes must be held out"
                        ),
                    });
                }
                let max_ways = t.train_classes.len().min(t.test_classes.len());
                Invalid::unless(
                    (2..=max_ways).contains(&t.ways),
                    "ways",
                    format!("must be between 2 and the smaller class pool ({max_ways})"),
                )
            }
        }
    }

    /// Input features of the family's tasks.
    pub fn inputs(&self) -> usize {
        match self {
            Family::Sine(_) => 1,
            Family::Digits(_) => 64,
        }
    }

    /// Outputs of the family's networks.
    pub fn outputs(&self) -> usize {
        match self {
            Family::Sine(_) => 1,
            Family::Digits(t) => t.ways,
        }
    }

    /// The head and loss the family's labels call for.
    pub fn head_and_loss(&self) -> (Head, Loss) {
        match self {
            Family::Sine(_) => (Head::Linear, Loss::Mse),
            Family::Digits(_) => (Head::Softmax, Loss::CrossEntropy),
        }
    }

    /// Whether the reported metric is accuracy (digits) rather than loss (sine).
    pub fn metric_is_accuracy(&self) -> bool {
        matches!(self, Family::Digits(_))
    }

    /// Draw a task with `shots` support examples (per class for digits).
    pub fn sample(
        &self,
        rng: &mut Stream,
        shots: usize,
        phase: Phase,
        images: &DigitImages,
    ) -> FewShotTask {
        match self {
            Family::Sine(SineTasks { query }) => {
                let family = SineFamily::FINN_2017;
                let (amplitude, phase_shift) = family.sample(rng);
                let support = family.sample_xs(rng, shots);
                let held_out = family.sample_xs(rng, *query);
                FewShotTask {
                    support: task::sine_task(amplitude, phase_shift, &support),
                    query: task::sine_task(amplitude, phase_shift, &held_out),
                    classes: Vec::new(),
                }
            }
            Family::Digits(DigitsTasks {
                ways,
                train_classes,
                test_classes,
                query,
            }) => {
                let pool = match phase {
                    Phase::Train => train_classes,
                    Phase::Test => test_classes,
                };
                // `ways` distinct classes from the pool, in random order: the order is the
                // label assignment of this task.
                let mut classes = pool.clone();
                for i in 0..*ways {
                    let j = rng.random_range(i..classes.len());
                    classes.swap(i, j);
                }
                let mut support = DatasetBuilder::new(64, *ways);
                let mut held_out = DatasetBuilder::new(64, *ways);
                for (label, &class) in classes[..*ways].iter().enumerate() {
                    let rows = &images.by_class[class as usize];
                    // Distinct images: a partial Fisher–Yates over the class's images.
                    let mut order: Vec<usize> = (0..rows.len()).collect();
                    for i in 0..(shots + query).min(order.len()) {
                        let j = rng.random_range(i..order.len());
                        order.swap(i, j);
                    }
                    for (k, &image) in order[..shots + query].iter().enumerate() {
                        let target = if k < shots {
                            &mut support
                        } else {
                            &mut held_out
                        };
                        target.push(&rows[image], label as u32);
                    }
                }
                FewShotTask {
                    support: support.finish(),
                    query: held_out.finish(),
                    classes: classes[..*ways].to_vec(),
                }
            }
        }
    }
}

struct DatasetBuilder {
    inputs: Vec<f32>,
    labels: Vec<u32>,
    features: usize,
    classes: usize,
}

impl DatasetBuilder {
    fn new(features: usize, classes: usize) -> Self {
        Self {
            inputs: Vec::new(),
            labels: Vec::new(),
            features,
            classes,
        }
    }

    fn push(&mut self, row: &[f32], label: u32) {
        self.inputs.extend_from_slice(row);
        self.labels.push(label);
    }

    fn finish(self) -> Dataset {
        Dataset {
            inputs: self.inputs,
            features: self.features,
            labels: Labels::Classes {
                labels: self.labels,
                classes: self.classes,
            },
        }
    }
}

/// The 1,797 digits images grouped by class (both parts of the fixed split: few-shot
/// digits splits by class instead).
#[derive(Debug, Clone, Default)]
pub struct DigitImages {
    /// Images (64 pixels in 0–1) of each class 0–9.
    pub by_class: Vec<Vec<Vec<f32>>>,
}

impl DigitImages {
    /// The embedded digits, grouped by class.
    pub fn load() -> Self {
        let split = task::digits();
        let mut by_class = vec![Vec::new(); 10];
        for data in [&split.train, &split.test] {
            if let Labels::Classes { labels, .. } = &data.labels {
                for (i, &c) in labels.iter().enumerate() {
                    by_class[c as usize].push(data.row(i).to_vec());
                }
            }
        }
        Self { by_class }
    }

    /// Fewest images of any class in `classes`.
    pub fn smallest_class(&self, classes: &[u32]) -> usize {
        classes
            .iter()
            .map(|&c| self.by_class[c as usize].len())
            .min()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn digits_tasks_use_only_their_phase_classes_with_disjoint_support_and_query() {
        let images = DigitImages::load();
        let family = Family::Digits(DigitsTasks {
            ways: 3,
            train_classes: vec![0, 1, 2, 3, 4],
            test_classes: vec![5, 6, 7, 8, 9],
            query: 4,
        });
        for seed in 0..20 {
            let task = family.sample(&mut rng::stream(&[seed]), 2, Phase::Test, &images);
            assert_eq!(task.support.len(), 3 * 2);
            assert_eq!(task.query.len(), 3 * 4);
            for row in 0..task.support.len() {
                let s = task.support.row(row);
                assert!((0..task.query.len()).all(|q| task.query.row(q) != s));
                let class = images
                    .by_class
                    .iter()
                    .position(|rows| rows.iter().any(|r| r == s))
                    .unwrap();
                assert!(class >= 5, "a test task used training class {class}");
            }
        }
    }

    #[test]
    fn sine_tasks_share_one_wave_between_support_and_query() {
        let family = Family::Sine(SineTasks { query: 20 });
        let task = family.sample(
            &mut rng::stream(&[1]),
            5,
            Phase::Train,
            &DigitImages::default(),
        );
        assert_eq!((task.support.len(), task.query.len()), (5, 20));
        // Fit A·sin(x − φ) through two support points, check a query point.
        let Labels::Values { values: ys, .. } = &task.support.labels else {
            panic!()
        };
        let xs = &task.support.inputs;
        let mut best = f32::INFINITY;
        for a in 0..500 {
            for p in 0..315 {
                let (amp, phase) = (0.1 + a as f32 * 0.01, p as f32 * 0.01);
                let err: f32 = xs
                    .iter()
                    .zip(ys)
                    .map(|(x, y)| (amp * (x - phase).sin() - y).abs())
                    .sum();
                best = best.min(err);
            }
        }
        assert!(
            best < 0.1,
            "support points are not on one sine wave ({best})"
        );
    }
}
